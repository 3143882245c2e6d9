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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from goodwill.daily.schedule import UID_DOMAIN, preferences
from goodwill.errors import GoodwillError
from goodwill.io import ics, matcher, writer
from goodwill.io.records import InteractionRecord, PersonRecord
from goodwill.records import people, sync_sources
from goodwill.schemas.sync import CalendarSyncReport
from goodwill.store import changes
from goodwill.store.db import Store
from goodwill.store.models import Interaction, Meeting, Participant, Person, SyncSource
from goodwill.sync import vdir

KIND = "calendar"
SUFFIX = ".ics"
SOURCE = "calendar"  # interactions and people read from a synced calendar
STATE_VERSION = 1
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


def own_events(session: Session, now: dt.datetime) -> dict[str, bytes]:
    """goodwill's events as file name -> .ics bytes (deterministic: equal when unchanged)."""
    out: dict[str, bytes] = {}
    daily, minutes = preferences(session)
    block = _event(
        f"daily-session@{UID_DOMAIN}",
        "Networking: the daily session (goodwill today)",
        dt.datetime.combine(dt.date(2024, 1, 1), daily),
    )
    block.add("duration", dt.timedelta(minutes=minutes))
    block.add("rrule", {"freq": "daily"})
    out[vdir.filename(f"daily-session@{UID_DOMAIN}", SUFFIX)] = _calendar(block)
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
        out[vdir.filename(uid, SUFFIX)] = _calendar(ev)
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
            out[vdir.filename(uid, SUFFIX)] = _calendar(ev)
        if follow_up is not None and follow_up >= now.date():
            uid = f"follow-up-{iid}@{UID_DOMAIN}"
            ev = _event(
                uid, f"Follow up with {names_}", follow_up, follow_up + dt.timedelta(days=1)
            )
            ev.add("transp", "TRANSPARENT")
            out[vdir.filename(uid, SUFFIX)] = _calendar(ev)
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
                # One of ours edited elsewhere: left as it is until goodwill's event changes.
                entry.update({"size": size, "mtime": mtime, "sha": sha})
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
            entry = self.files.pop(name)
            if not entry.get("own"):
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

    def write(self) -> None:
        wanted = own_events(self.session, self.now)
        for name, data in wanted.items():
            sha = vdir.digest(data)
            entry = self.files.get(name)
            if entry is not None and entry.get("own") and entry.get("wrote") == sha:
                self.report.untouched += 1
                continue
            self.ops.write[name] = data
            self.files[name] = {"own": True, "wrote": sha, "sha": sha}
            self.report.written += 1
        for name, entry in list(self.files.items()):
            if entry.get("own") and name not in wanted:
                self.ops.remove.add(name)
                self.files.pop(name)
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
