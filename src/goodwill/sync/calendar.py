"""Two-way calendar sync with a vdir: one .ics file per event.

goodwill writes its own events (UIDs ending in @goodwill.local): the daily networking
block, your planned informational interviews, planned interactions and follow-ups. Each
file is written only when its text changes, and deleted when the event is gone (the
interview done or cancelled, the follow-up past). No draft, note or ledger entry goes in.

It reads the other events vdirsyncer brings into the folder (your own calendars): an
event with attendees besides you, from a year back to three months ahead, becomes an
interaction with them (planned while it is ahead), keyed by UID and RECURRENCE-ID, so a
moved event moves its interaction and a cancelled or deleted one takes its planned
interaction away. Files are read only when their size, time and digest moved.

goodwill's own events edited on the phone come back too (docs/sync.md, "Your phone's
edits of goodwill's events"): a moved interview, planned meeting, follow-up or daily block
moves in goodwill; a cancelled or deleted interview or follow-up is cancelled; a cancelled
planned meeting you logged by hand (its summary is yours) asks you first, as does any
cancellation of an event goodwill changed since it wrote it; a move on both sides keeps
goodwill's time and records the phone's as an open conflict. Each is a sync event.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from goodwill.career import interviews
from goodwill.daily.schedule import UID_DOMAIN, preferences, save_preferences
from goodwill.errors import GoodwillError
from goodwill.io import ics, matcher, writer
from goodwill.io.records import InteractionRecord, PersonRecord
from goodwill.records import interactions, people, sync_sources
from goodwill.schemas.sync import CalendarSyncReport
from goodwill.store import changes
from goodwill.store.db import Store
from goodwill.store.models import (
    Interaction,
    Meeting,
    Participant,
    Person,
    SyncEvent,
    SyncSource,
)
from goodwill.sync import events, vdir

KIND = "calendar"
SUFFIX = ".ics"
SOURCE = "calendar"  # interactions and people read from a synced calendar
STATE_VERSION = 1
_OWN_UID = re.compile(
    rf"^(?P<what>daily-session|meeting|interaction|follow-up)(?:-(?P<id>\d+))?@{re.escape(UID_DOMAIN)}$"
)
PAST = dt.timedelta(days=365)  # how far back events become interactions
AHEAD = dt.timedelta(days=90)  # and how far ahead (planned ones)
MAX_ATTENDEES = 25  # a bigger meeting is not a networking conversation
INTERVIEW_LENGTH = dt.timedelta(hours=1)
_STAMP = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)  # fixed: the same event, the same bytes


@dataclass
class _Ops:
    write: dict[str, bytes] = field(default_factory=dict)
    remove: set[str] = field(default_factory=set)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# ------------------------------------------------------------------ goodwill's events


def _calendar(event: Any) -> bytes:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//goodwill//sync//EN")
    cal.add("version", "2.0")
    cal.add_component(event)
    return bytes(cal.to_ical())


def _event(uid: str, summary: str, start: dt.date | dt.datetime, end: Any = None) -> Any:
    from icalendar import Event

    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", _STAMP)
    ev.add("dtstart", start)
    if end is not None:
        ev.add("dtend", end)
    ev.add("summary", summary)
    ev.add("categories", ["networking"])
    return ev


@dataclass(frozen=True)
class _Own:
    """One of goodwill's events: its file's bytes and the start it says."""

    data: bytes
    start: str  # _start_text of its DTSTART (and length, for the daily block)

    @property
    def sha(self) -> str:
        return vdir.digest(self.data)


def _start_text(value: dt.date | dt.datetime) -> str:
    """A start as goodwill keeps it: a day, or a naive (UTC) time to the minute."""
    if isinstance(value, dt.datetime):
        return value.replace(second=0, microsecond=0).isoformat(timespec="minutes")
    return value.isoformat()


def own_events(session: Session, now: dt.datetime) -> dict[str, _Own]:
    """goodwill's events by file name (deterministic: equal bytes when unchanged)."""
    out: dict[str, _Own] = {}
    daily, minutes = preferences(session)
    block = _event(
        f"daily-session@{UID_DOMAIN}",
        "Networking: the daily session (goodwill today)",
        dt.datetime.combine(dt.date(2024, 1, 1), daily),
    )
    block.add("duration", dt.timedelta(minutes=minutes))
    block.add("rrule", {"freq": "daily"})
    out[vdir.filename(f"daily-session@{UID_DOMAIN}", SUFFIX)] = _Own(
        _calendar(block), f"{daily:%H:%M}/{minutes}"
    )
    names = dict(
        session.execute(
            select(Person.id, Person.display_name).where(Person.removed_at.is_(None))
        ).all()
    )
    for mid, pid, when in session.execute(
        select(Meeting.id, Meeting.person_id, Meeting.planned_for).where(
            Meeting.status == "planned", Meeting.planned_for.is_not(None)
        )
    ):
        if when is None or pid not in names or when < now - dt.timedelta(days=1):
            continue
        uid = f"meeting-{mid}@{UID_DOMAIN}"
        ev = _event(uid, f"Informational interview: {names[pid]}", when, when + INTERVIEW_LENGTH)
        out[vdir.filename(uid, SUFFIX)] = _Own(_calendar(ev), _start_text(when))
    who: dict[int, list[str]] = {}
    for iid, pid in session.execute(
        select(Participant.interaction_id, Participant.person_id)
        .join(Interaction, Interaction.id == Participant.interaction_id)
        .where(
            (Interaction.planned.is_(True) & (Interaction.occurred_at >= now))
            | (Interaction.follow_up_on >= now.date())
        )
        .order_by(Participant.person_id)
    ):
        if pid in names:
            who.setdefault(iid, []).append(names[pid])
    for iid, when, kind, planned, follow_up, source in session.execute(
        select(
            Interaction.id,
            Interaction.occurred_at,
            Interaction.kind,
            Interaction.planned,
            Interaction.follow_up_on,
            Interaction.source,
        ).where(Interaction.id.in_(list(who)))
    ):
        names_ = ", ".join(who[iid])
        if planned and when >= now and source != SOURCE:  # the calendar's own stay there
            uid = f"interaction-{iid}@{UID_DOMAIN}"
            ev = _event(uid, f"{kind.capitalize()} with {names_}", when, when + INTERVIEW_LENGTH)
            out[vdir.filename(uid, SUFFIX)] = _Own(_calendar(ev), _start_text(when))
        if follow_up is not None and follow_up >= now.date():
            uid = f"follow-up-{iid}@{UID_DOMAIN}"
            ev = _event(
                uid, f"Follow up with {names_}", follow_up, follow_up + dt.timedelta(days=1)
            )
            ev.add("transp", "TRANSPARENT")
            out[vdir.filename(uid, SUFFIX)] = _Own(_calendar(ev), _start_text(follow_up))
    return out


# ------------------------------------------------------------------ your calendars' events


def read_events(
    data: bytes, name: str, me: frozenset[str], now: dt.datetime
) -> tuple[list[InteractionRecord], dict[str, PersonRecord], list[str]]:
    """The meetings of one event file: interactions and the people in them, and issues."""
    import recurring_ical_events
    from icalendar import Calendar

    issues: list[str] = []
    try:
        cal = Calendar.from_ical(data.decode("utf-8", errors="replace"))
    except Exception as exc:  # a file we cannot read must not stop the others
        return [], {}, [f"{name}: not a readable calendar file ({exc})"]
    state = ics._State(name, me, now)
    records: list[InteractionRecord] = []
    try:
        occurrences = list(recurring_ical_events.of(cal).between(now - PAST, now + AHEAD))
    except Exception as exc:
        return [], {}, [f"{name}: cannot expand its events ({exc})"]
    # A series (RRULE, RDATE, or moved occurrences) is keyed per occurrence; a single event
    # by its UID alone, so that moving it moves its interaction.
    series = {
        str(ev.get("UID", "")).strip()
        for ev in cal.walk("VEVENT")
        if ev.get("RRULE") or ev.get("RDATE") or ev.get("RECURRENCE-ID")
    }
    for occ in occurrences:
        uid = str(occ.get("UID", "")).strip() or name
        if uid.endswith(f"@{UID_DOMAIN}"):
            continue  # our own event coming back: not a meeting with someone
        others, reason = ics._people_in(occ, state)
        if reason:
            continue
        if len(others) > MAX_ATTENDEES:
            issues.append(f"{name}: {len(others)} people in it: not a networking meeting, left out")
            continue
        start = occ.decoded("DTSTART")
        when = ics._when(start, None)
        key = f"{SOURCE}:{uid}"
        if uid in series:
            rid = occ.get("RECURRENCE-ID")
            key += "/" + ics._rid_text(rid.dt if rid is not None else start)
        for addr, who in others:
            ics._person(addr, who, None, state)
        summary = " ".join(str(occ.get("SUMMARY", "")).split()) or None
        records.append(
            InteractionRecord(
                source=SOURCE,
                source_key=key[:500],
                occurred_at=when,
                kind=ics._kind(summary, str(occ.get("LOCATION", ""))),
                summary=summary[:500] if summary else None,
                initiated_by=ics._initiator(occ, state),
                participants=[addr for addr, _ in others],
            )
        )
    for person in state.people.values():
        person.source = SOURCE
    return records, state.people, issues


# ------------------------------------------------------------------ goodwill's events edited


@dataclass(frozen=True)
class PhoneView:
    """What the phone's copy of one of goodwill's events says: cancelled, or its start."""

    cancelled: bool
    starts: frozenset[str]  # the start read both as UTC and as its wall clock (see _moved)
    start: dt.date | dt.datetime | None = None  # naive (UTC), or a day
    minutes: int | None = None


def target(uid: str) -> tuple[str, int | None] | None:
    """What one of goodwill's UIDs stands for: ("meeting", 12), ("daily-session", None)..."""
    m = _OWN_UID.match(uid)
    if not m:
        return None
    return m.group("what"), int(m.group("id")) if m.group("id") else None


def phone_view(data: bytes, uid: str) -> PhoneView | None:
    """Read the phone's copy of one of goodwill's events (None: not readable, no such UID).
    The phone adds SEQUENCE, DTSTAMP, X- properties and alarms: only STATUS and the start
    (and a length) matter here."""
    from icalendar import Calendar

    try:
        cal = Calendar.from_ical(data.decode("utf-8", errors="replace"))
    except Exception:
        return None
    for ev in cal.walk("VEVENT"):
        if str(ev.get("UID", "")).strip() != uid or ev.get("RECURRENCE-ID") is not None:
            continue
        if str(ev.get("STATUS", "")).strip().upper() == "CANCELLED":
            return PhoneView(True, frozenset())
        try:
            start = ev.decoded("DTSTART")
        except Exception:
            return None
        minutes = None
        if ev.get("DURATION") is not None:
            minutes = int(ev.decoded("DURATION").total_seconds() // 60)
        elif ev.get("DTEND") is not None and isinstance(start, dt.datetime):
            minutes = int((ev.decoded("DTEND") - start).total_seconds() // 60)
        if uid.startswith("daily-session@"):
            if not isinstance(start, dt.datetime):
                return None
            text = f"{start:%H:%M}/{minutes}"
            return PhoneView(False, frozenset({text}), start.replace(tzinfo=None), minutes)
        if isinstance(start, dt.datetime):
            utc = ics._when(start, None)
            wall = start.replace(tzinfo=None)
            return PhoneView(False, frozenset({_start_text(utc), _start_text(wall)}), utc, minutes)
        return PhoneView(False, frozenset({_start_text(start)}), start, minutes)
    return None


def _show_start(text: str) -> str:
    if text.count("/") == 1 and ":" in text and "T" not in text:
        at, minutes = text.split("/")
        return f"daily at {at}, {minutes} min"
    return text.replace("T", " ")


def apply_move(session: Session, uid: str, view: PhoneView) -> bool:
    """Move goodwill's event to where the phone put it; False when it is no longer there."""
    found = target(uid)
    if found is None or view.start is None:
        return False
    what, ref = found
    start = view.start
    when = start if isinstance(start, dt.datetime) else dt.datetime.combine(start, dt.time(12))
    if what == "daily-session":
        minutes = view.minutes if view.minutes and 0 < view.minutes <= 24 * 60 else None
        save_preferences(session, when.time().replace(second=0, microsecond=0), minutes)
        return True
    if what == "meeting":
        meeting = session.get(Meeting, ref)
        if meeting is None or meeting.status != "planned":
            return False
        meeting.planned_for = when
        return True
    item = session.get(Interaction, ref)
    if item is None:
        return False
    if what == "interaction":
        item.occurred_at = when
    else:
        item.follow_up_on = start if not isinstance(start, dt.datetime) else start.date()
    return True


def apply_cancel(session: Session, uid: str) -> bool:
    """Cancel goodwill's event the way the phone did; False when it is no longer there.
    An interview is cancelled (it stays in your list as cancelled), a follow-up dropped,
    a planned meeting deleted (it had not happened); the daily block stays a preference."""
    found = target(uid)
    if found is None:
        return False
    what, ref = found
    if what == "meeting":
        meeting = session.get(Meeting, ref)
        if meeting is None or meeting.status != "planned":
            return False
        interviews.cancel(session, meeting)
        return True
    if what == "daily-session":
        return True
    item = session.get(Interaction, ref)
    if item is None:
        return False
    if what == "follow-up":
        if item.follow_up_on is None:
            return False
        item.follow_up_on = None
        return True
    if not item.planned:
        return False  # it happened: your history stays
    interactions.remove(session, item)
    return True


def _person_of(session: Session, uid: str) -> int | None:
    found = target(uid)
    if found is None or found[1] is None:
        return None
    what, ref = found
    if what == "meeting":
        meeting = session.get(Meeting, ref)
        return meeting.person_id if meeting else None
    return session.scalar(
        select(Participant.person_id)
        .where(Participant.interaction_id == ref)
        .order_by(Participant.person_id)
        .limit(1)
    )


def _recorder(session: Session, source_id: int, pid: int | None, uid: str) -> Any:
    def record(
        kind: str, field_: str, ours: str | None, theirs: str | None, open_: bool = False
    ) -> None:
        events.record(
            session, source_id, pid, kind, uid=uid, field=field_, ours=ours, theirs=theirs,
            status="open" if open_ or kind == "conflict" else "done",
        )  # fmt: skip

    return record


class _Run:
    def __init__(self, session: Session, folder: Path, dry_run: bool, now: dt.datetime) -> None:
        self.session = session
        self.folder = folder
        self.now = now
        self.source = sync_sources.get(session, KIND, str(folder))
        if self.source.kind != KIND:
            raise vdir.Refused(
                f"{folder} is synced as a {self.source.kind} folder; "
                "give the calendar a folder of its own"
            )
        session.flush()
        old = sync_sources.state(self.source)
        self.database = changes.database(session)
        same_db = old.get("db") in (self.database, "None")  # "None": it had nobody yet
        fresh = old.get("v") == STATE_VERSION and same_db
        self.files: dict[str, dict[str, Any]] = dict(old["files"]) if fresh else {}
        self.ops = _Ops()
        self.report = CalendarSyncReport(folder=str(folder), dry_run=dry_run)
        self.own_changes: dict[str, PhoneView] = {}

    def read(self) -> None:
        found = vdir.scan(self.folder, SUFFIX)
        me = frozenset(people.me_emails(self.session))
        gone_keys: set[str] = set()
        new_records: list[InteractionRecord] = []
        persons: dict[str, PersonRecord] = {}
        for name, (size, mtime) in sorted(found.items()):
            entry = self.files.get(name)
            if entry is not None and (entry.get("size"), entry.get("mtime")) == (size, mtime):
                continue
            data = vdir.read(self.folder, name)
            sha = vdir.digest(data)
            if entry is not None and entry.get("sha") == sha:
                entry["size"], entry["mtime"] = size, mtime
                continue
            if entry is not None and entry.get("own"):
                # One of ours edited on the phone: its file stays as the phone left it; a
                # move or a cancellation comes back to goodwill (_apply_own).
                entry.update({"size": size, "mtime": mtime, "sha": sha})
                entry.pop("gone", None)
                self.report.read += 1
                view = phone_view(data, name.removesuffix(SUFFIX))
                if view is None:
                    self.report.issues.append(f"{name}: not a readable event, left as it is")
                else:
                    self.own_changes[name] = view
                continue
            self.report.read += 1
            records, people_in, issues = read_events(data, name, me, self.now)
            self.report.issues += issues
            old_keys = set(entry.get("keys", [])) if entry else set()
            keys = {r.source_key for r in records}
            gone_keys |= old_keys - keys
            new_records += records
            persons.update(people_in)
            self.files[name] = {"size": size, "mtime": mtime, "sha": sha, "keys": sorted(keys)}
        for name in [n for n in self.files if n not in found]:
            entry = self.files[name]
            if entry.get("own"):
                # One of ours deleted on the phone: as cancelled there (once).
                if not entry.get("gone"):
                    entry["gone"] = True
                    entry.pop("size", None), entry.pop("mtime", None)
                    self.own_changes[name] = PhoneView(True, frozenset())
                continue
            self.files.pop(name)
            gone_keys |= set(entry.get("keys", []))
        self._apply(new_records, persons, gone_keys)

    def _apply(
        self,
        records: list[InteractionRecord],
        persons: dict[str, PersonRecord],
        gone: set[str],
    ) -> None:
        session = self.session
        existing: dict[str, Interaction] = {}
        keys = [r.source_key for r in records]
        for i in range(0, len(keys), 500):
            for inter in session.scalars(
                select(Interaction).where(Interaction.source_key.in_(keys[i : i + 500]))
            ):
                if inter.source_key:
                    existing[inter.source_key] = inter
        fresh = [r for r in records if r.source_key not in existing]
        if fresh:
            wanted = {p for r in fresh for p in r.participants}
            plan = matcher.match(session, [persons[a] for a in sorted(wanted)])
            stats = writer.write(session, plan, fresh, now=self.now)
            self.report.interactions_created += stats.interactions_created
            self.report.issues += [f"{i.file}: {i.message}" for i in stats.issues]
        for r in records:
            known = existing.get(r.source_key)
            if known is None:
                continue
            planned = r.occurred_at > self.now
            if (known.occurred_at, known.summary, known.planned) != (
                r.occurred_at,
                r.summary,
                planned,
            ):
                known.occurred_at, known.summary, known.planned = r.occurred_at, r.summary, planned
                self.report.interactions_updated += 1
        if gone:
            # A cancelled or deleted event takes away the meeting it planned; one that
            # already happened stays in your history.
            result = session.execute(
                delete(Interaction)
                .where(
                    Interaction.source == SOURCE,
                    Interaction.source_key.in_(sorted(gone)),
                    Interaction.planned.is_(True),
                )
                .execution_options(synchronize_session=False)
            )
            self.report.interactions_cancelled += int(getattr(result, "rowcount", 0) or 0)
        # Planned meetings whose time has come are done.
        session.execute(
            update(Interaction)
            .where(
                Interaction.source == SOURCE,
                Interaction.planned.is_(True),
                Interaction.occurred_at <= self.now,
            )
            .values(planned=False)
            .execution_options(synchronize_session=False)
        )
        session.flush()

    def apply_own(self) -> None:
        """The phone's moves and cancellations of goodwill's events, against what goodwill
        wrote (the base) and what it would write now (its own change since)."""
        if not self.own_changes:
            return
        before = own_events(self.session, self.now)
        for name, view in sorted(self.own_changes.items()):
            uid = name.removesuffix(SUFFIX)
            entry = self.files[name]
            ours = before.get(name)
            if ours is None or target(uid) is None:
                continue  # goodwill has no such event any more: its file goes or stays gone
            written = entry.get("start")
            ours_changed = written is not None and ours.start != written
            pid = _person_of(self.session, uid)
            record = _recorder(self.session, self.source.id, pid, uid)
            if not view.cancelled:
                if ours.start in view.starts or (written is not None and written in view.starts):
                    continue  # the phone changed something else (a title, an alarm)
                theirs = (
                    sorted(view.starts)[0]
                    if len(view.starts) == 1
                    else (_start_text(view.start) if view.start is not None else "?")
                )
                if ours_changed:
                    # Moved on both sides: goodwill's time stays (and is written back);
                    # the phone's waits in an open conflict.
                    record("conflict", "when", _show_start(ours.start), _show_start(theirs))
                    self.report.conflicts += 1
                    continue
                if apply_move(self.session, uid, view):
                    record("moved", "when", _show_start(ours.start), _show_start(theirs))
                    self.report.moved_on_phone += 1
                    entry["adopt"] = True  # the phone's file says it already
                continue
            what = target(uid)[0]  # type: ignore[index]
            if what == "daily-session":
                # Your daily block taken off the phone: it stays off until you change it.
                entry["declined"] = ours.sha
                record("cancelled", "when", _show_start(ours.start), None)
                continue
            if ours_changed or what == "interaction":
                # A meeting you planned by hand, or an event changed in goodwill since:
                # asked, not done (a daily-session action).
                entry["held"] = True
                record("cancelled", "when", _show_start(ours.start), "cancelled", open_=True)
                self.report.open_events += 1
                continue
            if apply_cancel(self.session, uid):
                record("cancelled", "when", _show_start(ours.start), "cancelled")
                self.report.cancelled_on_phone += 1
        self.session.flush()

    def write(self) -> None:
        wanted = own_events(self.session, self.now)
        held = set(
            self.session.scalars(
                select(SyncEvent.uid).where(
                    SyncEvent.source_id == self.source.id,
                    SyncEvent.kind == "cancelled",
                    SyncEvent.status == "open",
                )
            )
        )
        for name, own in wanted.items():
            sha = own.sha
            entry = self.files.get(name)
            if entry is not None and entry.get("own"):
                if entry.pop("adopt", False):
                    entry.update({"wrote": sha, "start": own.start})
                    self.report.untouched += 1
                    continue
                if entry.get("declined") == sha:
                    continue  # the daily block you deleted on the phone, unchanged since
                if entry.get("held") and name.removesuffix(SUFFIX) in held:
                    continue  # cancelled on the phone: waits for your answer
                if entry.get("wrote") == sha and not entry.get("gone") and not entry.get("held"):
                    self.report.untouched += 1
                    continue
            self.ops.write[name] = own.data
            self.files[name] = {"own": True, "wrote": sha, "sha": sha, "start": own.start}
            self.report.written += 1
        for name, entry in list(self.files.items()):
            if entry.get("own") and name not in wanted:
                self.files.pop(name)
                if not entry.get("gone"):
                    self.ops.remove.add(name)
                    self.report.removed += 1

    def state(self) -> dict[str, Any]:
        return {"v": STATE_VERSION, "db": self.database, "files": self.files}


def sync_calendar(
    store: Store, folder: Path, *, dry_run: bool = False, now: dt.datetime | None = None
) -> CalendarSyncReport:
    """One two-way run: committed with the folder written, or (on error or --dry-run) neither."""
    where = vdir.open_folder(folder, create=not dry_run)
    with store.sessions() as session:
        transaction = session.begin()
        try:
            run = _Run(session, where, dry_run, now or _now())
            run.read()
            run.apply_own()
            run.write()
            session.flush()
            if dry_run:
                transaction.rollback()
                return run.report
            for name in sorted(run.ops.remove):
                vdir.remove(where, name)
            new_state = run.state()
            for name, data in run.ops.write.items():
                seen = vdir.write(where, name, data)
                new_state["files"][name].update({"size": seen.size, "mtime": seen.mtime_ns})
            source = session.get(SyncSource, run.source.id)
            assert source is not None
            sync_sources.succeeded(source, new_state)
            transaction.commit()
        except vdir.Refused:
            transaction.rollback()
            raise
        except GoodwillError as exc:
            transaction.rollback()
            with store.session() as s:
                sync_sources.failed(sync_sources.get(s, KIND, str(where)), str(exc))
            raise
    return run.report
