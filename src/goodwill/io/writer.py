"""One writer: apply a matcher's plan and the interactions of an import, in the caller's
transaction (the importer commits once, or rolls everything back).

New people, their organisations, roles and search documents are inserted in bulk (one
statement per table per import, not per person); people who already exist are loaded in
chunks and changed through the ORM. Every fact written keeps
its source: the `source` column of emails, phones, links and roles, and one source_record
row per record with the original text and the fingerprint the next import compares.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from goodwill import validate, vocab
from goodwill.io.facts import Facts
from goodwill.io.matcher import Decision, Plan, Ref
from goodwill.io.records import InteractionRecord, ParseIssue
from goodwill.records import people
from goodwill.records.orgs import org_key
from goodwill.store import changes
from goodwill.store import search as search_index
from goodwill.store.db import bulk_insert
from goodwill.store.models import (
    Email,
    Interaction,
    Link,
    MergeSuggestion,
    Organization,
    Participant,
    Person,
    PersonTag,
    Phone,
    Role,
    SourceRecord,
)

_CHUNK = 500
_T = TypeVar("_T")
Rows = list[dict[str, Any]]


@dataclass
class WriteStats:
    created: int = 0
    updated: int = 0
    merged: int = 0
    unchanged: int = 0
    suggested: int = 0
    interactions_created: int = 0
    interactions_unchanged: int = 0
    ids: dict[Ref, int] = field(default_factory=dict)
    # The people new rows were written for, by table (the change log's bulk marks).
    detail_rows: dict[str, set[int]] = field(default_factory=dict)
    issues: list[ParseIssue] = field(default_factory=list)


def _chunks(items: Sequence[_T], size: int = _CHUNK) -> Iterable[Sequence[_T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _insert(session: Session, model: type, rows: Rows) -> None:
    """store.db.bulk_insert; on SQLite straight through the DB-API's executemany.

    Core's executemany builds every row's parameters through the compiled statement, which
    costs several times what SQLite takes to insert it (30,000 people: about a second).
    Here each column's bind processor (dates, booleans) is applied once per value and its
    Python default (created_at, owner_id) taken once per call, as one import is one moment.
    Every row of one call has the same keys (the writer builds them so).
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        bulk_insert(session, model, rows)
        return
    table = model.__table__  # type: ignore[attr-defined]
    dialect = connection.dialect
    keys = list(rows[0])
    columns: list[tuple[str, Callable[[Any], Any] | None]] = [
        (key, table.c[key].type._cached_bind_processor(dialect)) for key in keys
    ]
    fixed: list[str] = []
    fixed_values: list[Any] = []
    for column in table.c:
        default = column.default
        if column.key in keys or default is None:
            continue
        if not (default.is_scalar or default.is_callable):  # a SQL expression: Core's way
            bulk_insert(session, model, rows)
            return
        value = default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
        process = column.type._cached_bind_processor(dialect)
        fixed.append(column.key)
        fixed_values.append(process(value) if process else value)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(keys + fixed)}) "
        f"VALUES ({', '.join('?' * (len(keys) + len(fixed)))})"
    )
    extra = tuple(fixed_values)
    if all(process is None for _, process in columns):
        params = [tuple(row[k] for k in keys) + extra for row in rows]
    else:
        params = [
            tuple(
                process(value) if process and value is not None else value
                for (_, process), value in zip(columns, (row[k] for k in keys), strict=True)
            )
            + extra
            for row in rows
        ]
    connection.exec_driver_sql(sql, params)  # type: ignore[arg-type]


def _insert_returning_ids(session: Session, model: type, rows: Rows) -> list[int]:
    """Insert rows and get their new ids in the same order.

    SQLite cannot return ordered ids from a batched insert (SQLAlchemy would insert row by
    row), so there the ids are given: the next free ones, inside our write transaction.
    PostgreSQL returns them in order from batched INSERT ... RETURNING.
    """
    table = model.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    if not rows:
        return []
    if connection.dialect.name == "sqlite":
        start = int(connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        ids = list(range(start, start + len(rows)))
        _insert(session, model, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
        return ids
    out: list[int] = []
    for chunk in _chunks(rows, 2000):
        result = connection.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), list(chunk)
        )
        out += [row[0] for row in result]
    return out


def _org_ids(session: Session, names: Iterable[str]) -> dict[str, int]:
    """Organisation ids by key, creating the missing ones in bulk (orgs.org_key is the rule)."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(org_key(name), name)
    if not wanted:
        return {}
    found: dict[str, int] = {}
    keys = list(wanted)
    if len(keys) > _CHUNK:  # many: one read of every organisation beats a read per chunk
        found.update(
            (k, i)
            for k, i in session.execute(select(Organization.key, Organization.id))
            if k in wanted
        )
    else:
        found.update(
            session.execute(
                select(Organization.key, Organization.id).where(Organization.key.in_(keys))
            ).all()
        )
    missing = [k for k in keys if k not in found]
    if missing:
        rows: Rows = [{"name": wanted[k], "key": k, "kind": "company"} for k in missing]
        new = _insert_returning_ids(session, Organization, rows)
        found.update(zip(missing, new, strict=True))
        search_index.index_new_orgs(
            session, ((i, wanted[k]) for k, i in zip(missing, new, strict=True))
        )
    return found


def _tag_ids(session: Session, names: Iterable[str]) -> dict[str, int]:
    return {name: people.tag_by_name(session, name).id for name in sorted(set(names))}


def _create(session: Session, plan: Plan, stats: WriteStats) -> None:
    refs = sorted(plan.creations, reverse=True)  # -1, -2, ...: the order records came in
    if not refs:
        return
    # The organisations and tags first: their inserts leave the change log alone.
    org_ids = _org_ids(
        session,
        [
            o
            for f in plan.creations.values()
            for o in ([f.org] if f.org else []) + [p[0] for p in f.past_roles]
        ],
    )
    tag_ids = _tag_ids(session, (t for f in plan.creations.values() for t in f.tags))
    with changes.inserts_in_bulk(session, _PERSON_TABLES) as marks:
        _create_people(session, plan, stats, refs, org_ids, tag_ids)
        marks.add("person", stats.ids.values())
        for table, written in stats.detail_rows.items():
            marks.add(table, written)
    stats.created = len(refs)


# The tables a new person's rows go to, with the change log's marks of them written in bulk.
_PERSON_TABLES = ("person", "email", "phone", "link", "role", "person_tag")


def _create_people(
    session: Session,
    plan: Plan,
    stats: WriteStats,
    refs: list[Ref],
    org_ids: dict[str, int],
    tag_ids: dict[str, int],
) -> None:
    rows = []
    for ref in refs:
        f = plan.creations[ref]
        rows.append(
            {
                "display_name": f.name,
                "given_name": f.given,
                "middle_name": f.middle,
                "family_name": f.family,
                "prefix": f.prefix,
                "suffix": f.suffix,
                "nickname": f.nickname,
                "location": f.location,
                "birthday": f.birthday,
                "met_on": f.met_on,
                "how_met": f.how_met,
                "notes": f.notes,
                "circle": "network",
            }
        )
    ids = _insert_returning_ids(session, Person, rows)
    stats.ids.update(zip(refs, ids, strict=True))
    source_of = {d.target: d.record.source for d in plan.decisions if d.action == "create"}
    emails: Rows = []
    phones: Rows = []
    links: Rows = []
    roles: Rows = []
    tags: Rows = []
    for ref in refs:
        f, pid, source = plan.creations[ref], stats.ids[ref], source_of.get(ref)
        for address, label in f.emails:
            if plan.email_owner.get(address) == ref:
                emails.append(
                    {"person_id": pid, "address": address, "label": label, "source": source}
                )
        for number, raw, label in f.phones:
            phones.append(
                {"person_id": pid, "number": number, "raw": raw, "label": label, "source": source}
            )
        for kind, url in f.links:
            links.append({"person_id": pid, "kind": kind, "url": url, "source": source})
        seen_roles: set[tuple[int, str | None]] = set()
        if f.org:
            key = (org_ids[org_key(f.org)], f.title)
            seen_roles.add(key)
            roles.append(
                {
                    "person_id": pid,
                    "org_id": key[0],
                    "title": f.title,
                    "is_current": True,
                    "source": source,
                }
            )
        for org, title in f.past_roles:
            key = (org_ids[org_key(org)], title)
            if key not in seen_roles:
                seen_roles.add(key)
                roles.append(
                    {
                        "person_id": pid,
                        "org_id": key[0],
                        "title": title,
                        "is_current": False,
                        "source": source,
                    }
                )
        for name in f.tags:
            tags.append({"person_id": pid, "tag_id": tag_ids[name]})
    for model, batch in (
        (Email, emails),
        (Phone, phones),
        (Link, links),
        (Role, roles),
        (PersonTag, tags),
    ):
        _insert(session, model, batch)
        stats.detail_rows[model.__tablename__] = {row["person_id"] for row in batch}


def _apply(session: Session, person: Person, facts: Facts, decision: Decision, plan: Plan) -> bool:
    """Add what a record knows to an existing person; True when anything changed."""
    source = decision.record.source
    ref = person.id
    changed = False
    for attr, value in (
        ("given_name", facts.given),
        ("middle_name", facts.middle),
        ("family_name", facts.family),
        ("prefix", facts.prefix),
        ("suffix", facts.suffix),
        ("nickname", facts.nickname),
        ("location", facts.location),
        ("birthday", facts.birthday),
        ("met_on", facts.met_on),
        ("how_met", facts.how_met),
    ):
        if value is not None and getattr(person, attr) is None:
            setattr(person, attr, value)
            changed = True
    if decision.action == "update" and facts.location and person.location != facts.location:
        person.location, changed = facts.location, True
    have = {e.address for e in person.emails}
    for address, label in facts.emails:
        if address not in have and plan.email_owner.get(address) in (ref, None):
            person.emails.append(Email(address=address, label=label, source=source))
            plan.email_owner[address] = ref
            changed = True
    numbers = {p.number for p in person.phones}
    for number, raw, label in facts.phones:
        if number not in numbers:
            person.phones.append(Phone(number=number, raw=raw, label=label, source=source))
            numbers.add(number)
            changed = True
    urls = {link.url for link in person.links}
    for kind, url in facts.links:
        if url not in urls:
            person.links.append(Link(kind=kind, url=url, source=source))
            urls.add(url)
            changed = True
    changed |= _apply_roles(session, person, facts, decision, source)
    names = {t.name for t in person.tags}
    new_tags = [t for t in facts.tags if t not in names]
    if new_tags:
        people.add_tags(session, person, new_tags)
        changed = True
    if facts.notes and facts.notes not in (person.notes or ""):
        person.notes = f"{person.notes}\n{facts.notes}" if person.notes else facts.notes
        changed = True
    if changed:
        person.updated_at = dt.datetime.now()
    return changed


def _apply_roles(
    session: Session, person: Person, facts: Facts, decision: Decision, source: str
) -> bool:
    """A newer record of the same source moves the current role; another source never does."""
    known = {(r.organization.key, r.title or "") for r in person.roles}
    keys = {r.organization.key for r in person.roles}
    changed = False
    if facts.org and (org_key(facts.org), facts.title or "") not in known:
        has_current = any(r.is_current for r in person.roles)
        current = decision.action == "update" or not has_current
        if current or org_key(facts.org) not in keys:
            people.set_role(session, person, facts.org, facts.title, current=current, source=source)
            changed = True
    for org, title in facts.past_roles:
        if (org_key(org), title or "") not in known and org_key(org) not in keys:
            people.set_role(session, person, org, title, current=False, source=source)
            changed = True
    return changed


def _update_existing(session: Session, plan: Plan, stats: WriteStats) -> set[int]:
    todo: dict[int, list[Decision]] = defaultdict(list)
    for d in plan.decisions:
        if d.action in ("update", "merge") and d.target is not None and d.target > 0:
            todo[d.target].append(d)
    changed: set[int] = set()
    ids = sorted(todo)
    for chunk in _chunks(ids):
        loaded = session.scalars(
            select(Person)
            .where(Person.id.in_(chunk))
            .options(
                selectinload(Person.emails),
                selectinload(Person.phones),
                selectinload(Person.links),
                selectinload(Person.roles).selectinload(Role.organization),
                selectinload(Person.tags),
            )
        ).all()
        for person in loaded:
            for d in todo[person.id]:
                assert d.facts is not None
                if _apply(session, person, d.facts, d, plan):
                    changed.add(person.id)
    return changed


def _source_records(session: Session, plan: Plan, stats: WriteStats) -> None:
    wanted: dict[tuple[str, str], tuple[int, Decision]] = {}
    for d in plan.decisions:
        if d.action in ("create", "update", "merge") and d.target is not None:
            pid = stats.ids.get(d.target, d.target)
            wanted[(d.record.source, d.record.source_key[:500])] = (pid, d)
    if not wanted:
        return
    existing: dict[tuple[str, str], int] = {}
    for source in {s for s, _ in wanted}:
        keys = [k for s, k in wanted if s == source]
        for chunk in _chunks(keys):
            for key, rid in session.execute(
                select(SourceRecord.source_key, SourceRecord.id).where(
                    SourceRecord.source == source, SourceRecord.source_key.in_(chunk)
                )
            ):
                existing[(source, key)] = rid
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = []
    for (source, key), (pid, d) in wanted.items():
        values = {
            "person_id": pid,
            "raw": d.record.raw,
            "fingerprint": d.fingerprint,
            "imported_at": now,
        }
        if (source, key) in existing:
            session.execute(
                update(SourceRecord)
                .where(SourceRecord.id == existing[(source, key)])
                .values(values)
            )
        else:
            rows.append({"source": source, "source_key": key, **values})
    _insert(session, SourceRecord, rows)


def _suggestions(session: Session, plan: Plan, stats: WriteStats) -> None:
    pairs: dict[tuple[int, int], tuple[float, str]] = {}
    for s in plan.suggestions:
        a, b = stats.ids.get(s.a, s.a), stats.ids.get(s.b, s.b)
        if a <= 0 or b <= 0 or a == b:
            continue
        key = (min(a, b), max(a, b))
        if key not in pairs or pairs[key][0] < s.score:
            pairs[key] = (s.score, s.reason)
    if not pairs:
        return
    existing = {
        (a, b) for a, b in session.execute(select(MergeSuggestion.a_id, MergeSuggestion.b_id))
    }
    rows = [
        {"a_id": a, "b_id": b, "score": round(score, 1), "reason": reason, "status": "open"}
        for (a, b), (score, reason) in sorted(pairs.items())
        if (a, b) not in existing
    ]
    _insert(session, MergeSuggestion, rows)
    stats.suggested = len(rows)


def _interactions(
    session: Session,
    plan: Plan,
    records: Sequence[InteractionRecord],
    stats: WriteStats,
    now: dt.datetime,
) -> list[int]:
    if not records:
        return []
    keys = list(dict.fromkeys(r.source_key[:500] for r in records))
    known: set[str] = set()
    for chunk in _chunks(keys):
        known.update(
            session.scalars(select(Interaction.source_key).where(Interaction.source_key.in_(chunk)))
        )
    rows, participants = [], []
    for r in records:
        key = r.source_key[:500]
        if key in known:
            stats.interactions_unchanged += 1
            continue
        ids = []
        for p in r.participants:
            ref = plan.by_key.get(p)
            pid = stats.ids.get(ref, ref) if ref is not None else None
            if pid is not None and pid > 0 and pid not in ids:
                ids.append(pid)
        try:
            kind = validate.choice(r.kind, vocab.INTERACTION_KINDS, "kind")
            initiated = (
                validate.choice(r.initiated_by, vocab.INITIATORS, "initiated")
                if r.initiated_by
                else None
            )
        except Exception as exc:
            stats.issues.append(ParseIssue(r.source, r.line, f"{exc}: skipped"))
            continue
        if not ids:
            stats.issues.append(
                ParseIssue(r.source, r.line, "interaction with nobody we know: skipped")
            )
            continue
        known.add(key)
        rows.append(
            {
                "occurred_at": r.occurred_at,
                "kind": kind,
                "summary": r.summary,
                "initiated_by": initiated,
                "planned": r.occurred_at > now,
                "source": r.source,
                "source_key": key,
            }
        )
        participants.append(ids)
    new_ids = _insert_returning_ids(session, Interaction, rows)
    _insert(
        session,
        Participant,
        [
            {"interaction_id": iid, "person_id": pid}
            for iid, ids in zip(new_ids, participants, strict=True)
            for pid in ids
        ],
    )
    stats.interactions_created = len(new_ids)
    return new_ids


def write(
    session: Session,
    plan: Plan,
    interactions: Sequence[InteractionRecord] = (),
    *,
    now: dt.datetime | None = None,
    tick: Callable[[str], None] | None = None,
) -> WriteStats:
    """Apply the plan; the caller owns the transaction."""
    stats = WriteStats()
    _create(session, plan, stats)
    session.flush()
    changed = _update_existing(session, plan, stats)
    session.flush()
    _source_records(session, plan, stats)
    _suggestions(session, plan, stats)
    new_interactions = _interactions(session, plan, interactions, stats, now or dt.datetime.now())
    for d in plan.decisions:
        if d.action == "unchanged":
            stats.unchanged += 1
        elif d.action in ("update", "merge") and d.target is not None and d.target > 0:
            if d.action == "update" and d.target not in changed:
                stats.unchanged += 1
            elif d.action == "update":
                stats.updated += 1
            else:
                stats.merged += 1
        elif d.action == "merge":
            stats.merged += 1  # into someone created by this same import
    if tick:
        tick("indexing for search")
    session.flush()
    # People this import created have no search document yet: added in one go; people
    # it changed have theirs replaced.
    search_index.index_new_people(session, sorted(stats.ids.values()))
    search_index.index_people(session, sorted(changed - set(stats.ids.values())))
    search_index.index_interactions(session, new_interactions)
    return stats
