"""Two-way contact sync with a vdir: one vCard file per person, kept in step both ways.

A run, in one transaction:
1. look at the folder (a stat per file): files whose size or time moved are read, and are
   changed cards only when their bytes differ from the ones last seen; new files are new
   cards; files gone are cards deleted on the phone;
2. cards from the phone go through the importer's matcher and writer (a card seen before,
   by its UID, is an update of its person; a new card that is someone goodwill knows is a
   merge, never a duplicate); single values (name, organisation and title, birthday)
   changed on the phone alone are applied, changed on both sides keep goodwill's and
   record the phone's as an open conflict; emails and phones are only ever added;
3. people who changed in goodwill since the last run (the change log says who) get a new
   card when what their card says differs; everyone else's file is not touched;
4. files are written (atomically) before the commit; the run is recorded in sync_source.

The state kept between runs (sync_source.state) holds, per file: its UID, its person, its
size, time and digest as last seen, and the digest of what it says (cards.view).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from goodwill.errors import GoodwillError
from goodwill.io import matcher, vcard, writer
from goodwill.io.facts import Facts, fingerprint, normalise
from goodwill.io.records import ParseIssue, PersonRecord
from goodwill.records import people, sync_sources
from goodwill.schemas.sync import ContactsSyncReport
from goodwill.store import changes, search
from goodwill.store.db import Store, bulk_insert, raw_rows
from goodwill.store.models import (
    Email,
    Link,
    Organization,
    Person,
    PersonTag,
    Phone,
    Role,
    Setting,
    SourceRecord,
    SyncSource,
    Tag,
)
from goodwill.sync import cards, events, vdir

if TYPE_CHECKING:
    from goodwill.io.facts import Facts

KIND = "contacts"
SUFFIX = ".vcf"
STATE_VERSION = 1
_UID_NAMESPACE = uuid.UUID("6f0c2a8e-5d1b-4c3e-9a57-2b8f4e61d0a9")  # the same as export's
_CHUNK = 500
# changes.database() of a database with nobody in it yet: a state made then is still ours.
_NO_PEOPLE = "None"


@dataclass
class Options:
    dry_run: bool = False
    circle: str | None = None
    tag: str | None = None


@dataclass
class _Person:
    id: int
    facts: Facts
    circle: str
    tags: set[str]


@dataclass
class _Ops:
    """What to do to the folder once the database work is done."""

    write: dict[str, bytes] = field(default_factory=dict)
    remove: set[str] = field(default_factory=set)


# ------------------------------------------------------------------ reading the database


def load(session: Session, ids: Iterable[int] | None) -> dict[int, _Person]:
    """Active people's facts (everyone when `ids` is None), in a few queries per chunk."""
    out: dict[int, _Person] = {}
    if ids is None:
        chunks: list[list[int] | None] = [None]
    else:
        wanted = sorted(set(ids))
        chunks = [wanted[i : i + _CHUNK] for i in range(0, len(wanted), _CHUNK)]
    for chunk in chunks:
        out.update(_load_chunk(session, chunk))
    return out


def _load_chunk(session: Session, ids: list[int] | None) -> dict[int, _Person]:
    def only(stmt: Any, col: Any) -> Any:
        return stmt if ids is None else stmt.where(col.in_(ids))

    rows = session.execute(
        only(
            select(
                Person.id,
                Person.display_name,
                Person.given_name,
                Person.middle_name,
                Person.family_name,
                Person.prefix,
                Person.suffix,
                Person.nickname,
                Person.birthday,
                Person.circle,
            ).where(Person.removed_at.is_(None), Person.is_me.is_(False)),
            Person.id,
        )
    ).all()
    if not rows:
        return {}
    # Plain text and numbers below: read without building a row object per row.
    emails: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for pid, address, label in raw_rows(
        session,
        only(select(Email.person_id, Email.address, Email.label), Email.person_id).order_by(
            Email.id
        ),
    ):
        emails[pid].append((address, label))
    phones: dict[int, list[tuple[str, str, str | None]]] = defaultdict(list)
    for pid, number, raw, label in raw_rows(
        session,
        only(
            select(Phone.person_id, Phone.number, Phone.raw, Phone.label), Phone.person_id
        ).order_by(Phone.id),
    ):
        phones[pid].append((number, raw or number, label))
    links: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for pid, kind, url in raw_rows(
        session,
        only(select(Link.person_id, Link.kind, Link.url), Link.person_id).order_by(Link.id),
    ):
        links[pid].append((kind, url))
    current: dict[int, tuple[str, str | None]] = {}
    for pid, org_name, title in raw_rows(
        session,
        only(
            select(Role.person_id, Organization.name, Role.title)
            .join(Organization, Organization.id == Role.org_id)
            .where(Role.is_current.is_(True)),
            Role.person_id,
        ).order_by(Role.id),
    ):
        current[pid] = (org_name, title)  # the newest current role, as the export does
    tags: dict[int, set[str]] = defaultdict(set)
    for pid, name in raw_rows(
        session, only(select(PersonTag.person_id, Tag.name).join(Tag), PersonTag.person_id)
    ):
        tags[pid].add(name)
    out = {}
    for pid, name, given, middle, family, prefix, suffix, nick, birthday, circle in rows:
        org, title = current.get(pid, (None, None))
        facts = Facts(
            name=name,
            given=given,
            middle=middle,
            family=family,
            prefix=prefix,
            suffix=suffix,
            nickname=nick,
            emails=tuple(emails[pid]),
            phones=tuple(phones[pid]),
            links=tuple(links[pid]),
            org=org,
            title=title if org else None,
            birthday=birthday,
        )
        out[pid] = _Person(pid, facts, circle, tags[pid])
    return out


def _imported_raws(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Each person's newest card kept from an import or a sync (for what a card carries
    beyond goodwill's facts: photos, addresses, the phone's own labels)."""
    out: dict[int, str] = {}
    for i in range(0, len(ids), _CHUNK):
        for pid, raw in session.execute(
            select(SourceRecord.person_id, SourceRecord.raw)
            .where(
                SourceRecord.source == vcard.SOURCE,
                SourceRecord.raw.is_not(None),
                SourceRecord.person_id.in_(ids[i : i + _CHUNK]),
            )
            .order_by(SourceRecord.imported_at, SourceRecord.id)
        ):
            out[pid] = raw or ""
    return out


def _uid_of(person_id: int, raw: str | None) -> str:
    card = vcard.parse_raw(raw) if raw else None
    if card is not None and (uid := card.first("UID")) is not None and uid.value.strip():
        return vcard.unescape(uid.value.strip())
    return f"urn:uuid:{uuid.uuid5(_UID_NAMESPACE, f'goodwill-person-{person_id}')}"


# ------------------------------------------------------------------ the run


def _region(session: Session) -> str | None:
    """The stored default phone region (matcher.default_region, without loading the
    matcher and its fuzzy matching library on runs that match nothing)."""
    stored = session.get(Setting, "phone_region")
    return stored.value.upper() if stored else None


class _Run:
    def __init__(self, session: Session, folder: Path, options: Options) -> None:
        self.session = session
        self.folder = folder
        self.options = options
        self.region = _region(session)
        self.source = sync_sources.get(session, KIND, str(folder))
        if self.source.kind != KIND:
            raise vdir.Refused(
                f"{folder} is synced as a {self.source.kind} folder; "
                "give contacts a folder of their own"
            )
        session.flush()
        self.ops = _Ops()
        old = sync_sources.state(self.source)
        self.database = changes.database(session)
        # The state belongs to this database (an empty one had no identity yet).
        same_db = old.get("db") in (self.database, _NO_PEOPLE)
        self.first = not (old.get("v") == STATE_VERSION and same_db)
        self.entries: dict[str, dict[str, Any]] = {} if self.first else dict(old["cards"])
        self.filter = {"circle": options.circle, "tag": options.tag}
        self.everyone = self.first or old.get("filter") != self.filter
        self.mark = _mark(old["mark"]) if not self.first else None
        self.report = ContactsSyncReport(
            folder=str(folder), dry_run=options.dry_run, first_run=self.first
        )
        self.touched: set[int] = set()  # people the phone's side changed in this run
        self.reindex: set[int] = set()  # people whose search document is now stale

    # -------------------------------------------------------------- the phone's side

    def by_person(self) -> dict[int, str]:
        return {e["person"]: name for name, e in self.entries.items() if e.get("person")}

    def read_folder(self) -> None:
        found = vdir.scan(self.folder, SUFFIX)
        records: list[tuple[str, PersonRecord, bytes]] = []
        for name, (size, mtime) in sorted(found.items()):
            entry = self.entries.get(name)
            if entry is not None and entry.get("size") == size and entry.get("mtime") == mtime:
                continue
            data = vdir.read(self.folder, name)
            sha = vdir.digest(data)
            if entry is not None and entry.get("sha") == sha:
                entry["size"], entry["mtime"] = size, mtime  # touched, not changed
                continue
            self.report.read += 1
            _card, record, problem = cards.read(data, name)
            if problem:
                self.report.issues.append(f"{self.folder / name}: {problem}")
            if record is None:
                # Remember it so an unreadable file is not read (and reported) every run.
                self.entries[name] = {"size": size, "mtime": mtime, "sha": sha, "person": None}
                continue
            record.source = vcard.SOURCE
            record.line = None
            self.entries.setdefault(name, {})
            self.entries[name].update({"size": size, "mtime": mtime, "sha": sha})
            records.append((name, record, data))
        gone = [n for n, e in self.entries.items() if n not in found and not e.get("off")]
        self._import(records)
        self._deleted(gone)

    def _bases(self, records: Sequence[PersonRecord]) -> dict[str, tuple[int, str | None]]:
        """The card last agreed on for each known UID: (person, raw)."""
        keys = [r.source_key[:500] for r in records]
        out: dict[str, tuple[int, str | None]] = {}
        for i in range(0, len(keys), _CHUNK):
            for key, pid, raw in self.session.execute(
                select(SourceRecord.source_key, SourceRecord.person_id, SourceRecord.raw).where(
                    SourceRecord.source == vcard.SOURCE,
                    SourceRecord.source_key.in_(keys[i : i + _CHUNK]),
                )
            ):
                out[key] = (pid, raw)
        return out

    def _import(self, found: list[tuple[str, PersonRecord, bytes]]) -> None:
        if not found:
            return
        # Loaded only when cards came in: a run with nothing new stays quick to start.

        records = [r for _, r, _ in found]
        bases = self._bases(records)
        before = load(self.session, [pid for pid, _ in bases.values()])
        plan, decisions = self._plan(records, bases)
        for issue in plan.issues:
            self.report.issues.append(f"{issue.file}: {issue.message}")
        # No flush before each of the writer's queries: the writer flushes where it needs
        # to, and a flush per organisation looked up cost 15 ms a card at 10,000 people.
        with self.session.no_autoflush:
            stats = writer.write(self.session, plan)
        self.session.flush()
        owner = self.by_person()
        for (name, record, _data), decision in zip(found, decisions, strict=True):
            entry = self.entries[name]
            uid = record.source_key
            entry["uid"] = uid
            ref = decision.target
            pid = stats.ids.get(ref, ref) if ref is not None else None
            if decision.action == "skip" or pid is None or pid <= 0:
                entry["person"] = None
                self.report.issues.append(
                    f"{self.folder / name}: not imported ({decision.reason or 'skipped'})"
                )
                continue
            facts = decision.facts
            assert facts is not None
            entry["view"] = cards.view_digest(facts)
            if entry.get("person") is None:
                entry["phone"] = True  # it came from the phone: it stays there
            entry["person"] = pid
            self.touched.add(pid)
            other = owner.get(pid)
            if other is not None and other != name:
                other_entry = self.entries.get(other)
                if other_entry is None or other_entry.get("off"):
                    self.entries.pop(other, None)  # back on the phone under a new card
                    owner[pid] = name
                else:
                    # Two cards for one person on the phone: the older one stays, the new
                    # one is folded into it (goodwill keeps everything it said).
                    self.ops.remove.add(name)
                    self.entries.pop(name)
                    self.report.removed += 1
            else:
                owner[pid] = name
            action = decision.action
            if action == "create":
                self.report.created += 1
                events.record(self.session, self.source.id, pid, "created", uid=uid)
            elif action == "merge":
                self.report.merged += 1
                events.record(
                    self.session, self.source.id, pid, "merged", uid=uid, theirs=decision.reason
                )
            elif action == "unchanged":
                self.report.unchanged += 1
            else:
                base_raw = bases.get(uid[:500], (pid, None))[1]
                base = self._facts_of_raw(base_raw)
                self._three_way(pid, uid, base, before.get(pid), facts)
                self.report.updated += 1
            if action in ("merge", "update") and before.get(pid) is not None:
                self._additions(pid, uid, before[pid].facts, facts)
        if self.reindex:
            self.session.flush()
            search.index_people(self.session, sorted(self.reindex))

    def _plan(
        self, records: list[PersonRecord], bases: dict[str, tuple[int, str | None]]
    ) -> tuple[Any, list[Any]]:
        """The matcher's plan, with its decisions in the order of `records`.

        A card whose UID goes with a person already (the card goodwill wrote, edited on the
        phone) is an update of that person, as the matcher would decide; only the other
        cards go through the matcher, which loads everyone to compare them with: 100
        edited cards do not pay for 10,000 people."""
        known = [r for r in records if r.source_key[:500] in bases]
        rest = [r for r in records if r.source_key[:500] not in bases]
        plan = matcher.match(self.session, rest, self.region) if rest else matcher.Plan()
        pids = {bases[r.source_key[:500]][0] for r in known}
        removed = set(
            self.session.scalars(
                select(Person.id).where(Person.id.in_(pids), Person.removed_at.is_not(None))
            )
        )
        decided: dict[int, Any] = {}
        for record in known:
            pid = bases[record.source_key[:500]][0]
            facts, warnings = normalise(record, self.region)
            for w in warnings:
                plan.issues.append(ParseIssue(record.source, None, w, False))
            if facts is None:
                decision = matcher.Decision(record, "skip", reason="names nobody")
            elif pid in removed:
                decision = matcher.Decision(
                    record, "skip", facts, None, pid, "its person was removed"
                )
            else:
                decision = matcher.Decision(record, "update", facts, fingerprint(facts), pid)
            decided[id(record)] = decision
        if known and not rest:
            addresses = sorted(
                {e for d in decided.values() if d.facts is not None for e in d.facts.email_set}
            )
            for i in range(0, len(addresses), _CHUNK):
                plan.email_owner.update(
                    self.session.execute(
                        select(Email.address, Email.person_id).where(
                            Email.address.in_(addresses[i : i + _CHUNK])
                        )
                    ).all()
                )
        for record, decision in zip(rest, plan.decisions, strict=True):
            decided[id(record)] = decision
        plan.decisions = [decided[id(r)] for r in records]
        return plan, plan.decisions

    def _facts_of_raw(self, raw: str | None) -> Facts | None:
        card = vcard.parse_raw(raw) if raw else None
        record = vcard.to_record(card) if card else None
        return cards.facts_of(record, self.region) if record else None

    def _additions(self, pid: int, uid: str, ours: Facts, theirs: Facts) -> None:
        """Record emails and phones the phone added (the writer has added them)."""
        have = ours.email_set
        for address, _label in theirs.emails:
            if address not in have:
                events.record(
                    self.session, self.source.id, pid, "edited", uid=uid, field="email",
                    theirs=address,
                )  # fmt: skip
        numbers = {n for n, _, _ in ours.phones}
        for number, _raw, _label in theirs.phones:
            if number not in numbers:
                events.record(
                    self.session, self.source.id, pid, "edited", uid=uid, field="phone",
                    theirs=number,
                )  # fmt: skip

    def _three_way(
        self, pid: int, uid: str, base: Facts | None, before: _Person | None, theirs: Facts
    ) -> None:
        """Single values: the phone's change applies when goodwill kept the agreed value;
        when both changed, goodwill's stays and the phone's is kept in an open conflict."""
        if before is None or base is None:
            return  # no card agreed on before: the writer's additions are all there is
        ours = before.facts
        person = self.session.get(Person, pid)
        assert person is not None
        fields: list[tuple[str, object, object, object]] = [
            (
                "name",
                _name_parts(base) if base else None,
                _name_parts(ours),
                _name_parts(theirs),
            ),
            ("organization", _org(base) if base else None, _org(ours), _org(theirs)),
            ("birthday", base.birthday if base else None, ours.birthday, theirs.birthday),
        ]
        changed = False
        for name, agreed, mine, phone in fields:
            if phone in (agreed, mine):
                continue
            if mine != agreed:
                self.report.conflicts += 1
                events.record(
                    self.session, self.source.id, pid, "conflict", uid=uid, field=name,
                    ours=_show(mine), theirs=_show(phone),
                )  # fmt: skip
                if name == "organization":
                    changed |= self._keep_role(person, ours)
                continue
            changed |= self._apply(person, name, theirs)
            events.record(
                self.session, self.source.id, pid, "edited", uid=uid, field=name,
                ours=_show(mine), theirs=_show(phone),
            )  # fmt: skip
        # Values the phone removed: goodwill keeps them (never loses an email or phone).
        for address in sorted(base.email_set - theirs.email_set):
            if address in ours.email_set:
                events.record(
                    self.session, self.source.id, pid, "kept", uid=uid, field="email",
                    ours=address,
                )  # fmt: skip
        base_phones = {n for n, _, _ in base.phones}
        phone_numbers = {n for n, _, _ in theirs.phones}
        for number in sorted(base_phones - phone_numbers):
            if number in {n for n, _, _ in ours.phones}:
                events.record(
                    self.session, self.source.id, pid, "kept", uid=uid, field="phone",
                    ours=number,
                )  # fmt: skip
        if changed:
            person.updated_at = dt.datetime.now()
            self.reindex.add(pid)

    def _keep_role(self, person: Person, ours: Facts) -> bool:
        """The writer moved the current role to the phone's; goodwill's stays current."""
        if not ours.org:
            return False

        role = people.set_role(self.session, person, ours.org, ours.title, source=None)
        for other in person.roles:
            if other is not role and other.is_current:
                other.is_current = False
        return True

    def _apply(self, person: Person, name: str, theirs: Facts) -> bool:
        if name == "name":
            person.display_name = theirs.name
            person.given_name, person.middle_name = theirs.given, theirs.middle
            person.family_name = theirs.family
            person.prefix, person.suffix = theirs.prefix, theirs.suffix
            person.nickname = theirs.nickname or person.nickname
            return True
        if name == "organization":
            if not theirs.org:
                return False  # a role ends by hand, not because a card lost its ORG

            role = people.current_role(person)
            # The writer may have added it already (a newer card of the source).
            if role is None or (role.organization.name, role.title) != _org(theirs):
                role = people.set_role(
                    self.session, person, theirs.org, theirs.title, source=vcard.SOURCE
                )
            # A card holds one job: the phone's is now the current one (as for a conflict
            # kept on goodwill's side above); the others stay as past roles.
            for other in person.roles:
                if other is not role and other.is_current:
                    other.is_current = False
            return True
        if name == "birthday":
            person.birthday = theirs.birthday
            return True
        return False

    def _deleted(self, gone: list[str]) -> None:
        if not gone:
            return
        alive = set(
            self.session.scalars(
                select(Person.id).where(
                    Person.id.in_(
                        [e["person"] for n in gone if (e := self.entries[n]).get("person")]
                    ),
                    Person.removed_at.is_(None),
                )
            )
        )
        for name in gone:
            entry = self.entries[name]
            pid = entry.get("person")
            if pid in alive:
                # Deleting on the phone removes nobody: it asks. The person stays off the
                # phone until they come back as a card made there (or the filter changes).
                entry["off"] = True
                entry.pop("size", None), entry.pop("mtime", None)
                self.report.deleted_on_phone += 1
                events.record(self.session, self.source.id, pid, "deleted", uid=entry.get("uid"))
            else:
                self.entries.pop(name)

    # -------------------------------------------------------------- goodwill's side

    def write_cards(self) -> None:
        if self.everyone:
            wanted = load(self.session, None)
            candidates = set(wanted) | {
                e["person"] for e in self.entries.values() if e.get("person")
            }
        else:
            assert self.mark is not None
            since = changes.since(self.session, self.mark)
            # who they are and their emails, phones and links: what a card shows
            ids = set(since.of("identity", "details", "settings")) | self.touched
            if changes.EVERYONE in ids:
                # An organisation renamed, for instance: compare everyone's card view.
                wanted = load(self.session, None)
                candidates = set(wanted) | {
                    e["person"] for e in self.entries.values() if e.get("person")
                }
            else:
                ids.discard(changes.EVERYONE)
                wanted = load(self.session, ids)
                candidates = ids
        if self.everyone and (self.options.circle or self.options.tag):
            self._check_filter(wanted)
        owner = self.by_person()
        raws = _imported_raws(self.session, sorted(p for p in candidates if p not in owner))
        taken = set(self.entries)
        for pid in sorted(candidates):
            name = owner.get(pid)
            entry = self.entries.get(name) if name else None
            person = wanted.get(pid)
            keep = person is not None and (
                self._passes(person) or bool(entry and entry.get("phone"))
            )
            if not keep:
                if entry is not None and name is not None:
                    if not entry.get("off"):
                        self.ops.remove.add(name)
                        self.report.removed += 1
                    self.entries.pop(name)
                continue
            assert person is not None
            if entry is not None and entry.get("off"):
                continue
            digest = cards.view_digest(person.facts)
            if entry is not None and entry.get("view") == digest:
                continue
            if entry is not None and name is not None:
                original = self._card_on_disk(name)
                uid = entry.get("uid") or _uid_of(pid, None)
            else:
                raw = raws.get(pid)
                original = vcard.parse_raw(raw) if raw else None
                uid = _uid_of(pid, raw)
                name = vdir.filename(uid, SUFFIX)
                if name in taken:
                    name = vdir.filename(f"{uid}-{pid}", SUFFIX)
                taken.add(name)
                entry = self.entries.setdefault(name, {"uid": uid, "person": pid})
            text = cards.render(uid, person.facts, original, self.region)
            data = text.encode("utf-8")
            self.ops.write[name] = data
            self.report.written += 1
            entry.update({"uid": uid, "person": pid, "view": digest, "sha": vdir.digest(data)})
            self._agreed(pid, uid, text)
        on_phone = sum(1 for e in self.entries.values() if e.get("person") and not e.get("off"))
        self.report.untouched = max(0, on_phone - self.report.written)

    def _check_filter(self, wanted: dict[int, _Person]) -> None:
        """A filter nobody passes is a typing mistake, not a wish to empty the phone."""
        if any(self._passes(p) for p in wanted.values()):
            return
        if not any(e.get("person") and not e.get("phone") for e in self.entries.values()):
            return
        what = (
            f"circle {self.options.circle!r}"
            if self.options.circle
            else f"tag {self.options.tag!r}"
        )
        raise vdir.Refused(
            f"nobody has the {what}: syncing would take every card off the phone, "
            "so nothing was changed"
        )

    def _passes(self, person: _Person) -> bool:
        if self.options.circle and person.circle != self.options.circle:
            return False
        return not (self.options.tag and self.options.tag.lower() not in person.tags)

    def _card_on_disk(self, name: str) -> vcard.Card | None:
        try:
            data = vdir.read(self.folder, name)
        except GoodwillError:
            return None
        card, _record, _problem = cards.read(data, name)
        return card

    def _agreed(self, pid: int, uid: str, text: str) -> None:
        """Keep the card written as the one both sides agree on (the base of the next
        three-way comparison, and how the matcher knows the UID's person). Its fingerprint
        is left empty: the matcher then treats the card's next change as an update, whose
        three-way comparison finds what the phone changed (nothing, if only a photo)."""
        self._pending_agreed[uid[:500]] = {"person_id": pid, "raw": text, "fingerprint": None}

    _pending_agreed: dict[str, dict[str, Any]]

    def save_agreed(self) -> None:
        rows = self._pending_agreed
        if not rows:
            return
        keys = list(rows)
        existing: dict[str, int] = {}
        for i in range(0, len(keys), _CHUNK):
            existing.update(
                self.session.execute(
                    select(SourceRecord.source_key, SourceRecord.id).where(
                        SourceRecord.source == vcard.SOURCE,
                        SourceRecord.source_key.in_(keys[i : i + _CHUNK]),
                    )
                ).all()
            )
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        new = []
        for key, values in rows.items():
            if key in existing:
                self.session.execute(
                    update(SourceRecord)
                    .where(SourceRecord.id == existing[key])
                    .values(**values, imported_at=now)
                )
            else:
                new.append(
                    {"source": vcard.SOURCE, "source_key": key, "imported_at": now, **values}
                )
        bulk_insert(self.session, SourceRecord, new)

    def state(self, mark: changes.Mark) -> dict[str, Any]:
        return {
            "v": STATE_VERSION,
            "db": self.database,
            "mark": [mark.seq, list(mark.running)],
            "filter": self.filter,
            "cards": self.entries,
        }


def _name_parts(f: Facts) -> tuple[str | None, ...]:
    return (f.name, f.given, f.middle, f.family, f.prefix, f.suffix)


def _org(f: Facts) -> tuple[str | None, str | None]:
    return (f.org, f.title if f.org else None)


def _show(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        if len(value) == 2:
            org, title = value
            return f"{title}, {org}" if title and org else (org or None)  # type: ignore[return-value]
        return str(value[0]) if value[0] else None
    return str(value)


def run(
    session: Session, folder: Path, options: Options
) -> tuple[ContactsSyncReport, _Ops, dict[str, Any], int]:
    """Do a sync's database work in the caller's transaction; the folder's work is returned."""
    mark = changes.mark(session)
    sync = _Run(session, folder, options)
    sync._pending_agreed = {}
    sync.read_folder()
    sync.write_cards()
    sync.save_agreed()
    session.flush()
    sync.report.open_events = events.open_count(session)
    return sync.report, sync.ops, sync.state(mark), sync.source.id


def sync_contacts(store: Store, folder: Path, options: Options) -> ContactsSyncReport:
    """One two-way run: committed with the folder written, or (on error or --dry-run) neither.

    Files are written before the commit: a run that fails after writing leaves files the
    next run reads back as cards it already knows, never a person lost."""
    where = vdir.open_folder(folder, create=not options.dry_run)
    with store.sessions() as session:
        transaction = session.begin()
        try:
            report, ops, new_state, source_id = run(session, where, options)
            if options.dry_run:
                transaction.rollback()
                return report
            for name in sorted(ops.remove):
                vdir.remove(where, name)
            for name, data in ops.write.items():
                seen = vdir.write(where, name, data)
                entry = new_state["cards"][name]
                entry["size"], entry["mtime"] = seen.size, seen.mtime_ns
            source = session.get(SyncSource, source_id)
            assert source is not None
            # Unchanged state is not written again (10,000 cards are a megabyte of JSON).
            same = sync_sources.state(source) == new_state
            sync_sources.succeeded(source, None if same else new_state)
            transaction.commit()
        except vdir.Refused:
            transaction.rollback()
            raise
        except GoodwillError as exc:
            transaction.rollback()
            _record_failure(store, where, str(exc))
            raise
    return report


def _record_failure(store: Store, folder: Path, message: str) -> None:
    with store.session() as session:
        sync_sources.failed(sync_sources.get(session, KIND, str(folder)), message)


def count_cards(folder: Path) -> int:
    return len(vdir.scan(folder, SUFFIX))


def _mark(saved: list[Any]) -> changes.Mark:
    """A mark saved in the state: [seq, running transactions] (a number in place of the
    list in states written before the change log had kinds: nothing running then)."""
    seq, running = saved[0], saved[1] if len(saved) > 1 else []
    return changes.Mark(int(seq), tuple(running) if isinstance(running, list) else ())
