"""The people list: who is in it (filters, name order), one row per person, counts.

Read-only: the list, the JSON API, the log form's suggestions and `person list` read it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import BindParameter

from goodwill import validate, vocab
from goodwill.records import orgs
from goodwill.records.people import Selectable, only_active
from goodwill.schemas.people import (
    PersonSummary,
)
from goodwill.scoring import strength
from goodwill.store.db import raw_rows
from goodwill.store.models import (
    Email,
    Organization,
    Person,
    PersonTag,
    Phone,
    Role,
    Tag,
)


def _filtered(
    session: Session, stmt: Selectable, *, tag: str | None, circle: str | None, org: str | None
) -> Selectable:
    """The list filters shared by `summaries` and `count`."""
    if circle:
        stmt = stmt.where(Person.circle == validate.choice(circle, vocab.CIRCLES, "circle"))
    if tag:
        stmt = stmt.where(
            Person.id.in_(select(PersonTag.person_id).join(Tag).where(Tag.name == tag.lower()))
        )
    if org:
        organisation = orgs.resolve(session, org)
        stmt = stmt.where(
            Person.id.in_(select(Role.person_id).where(Role.org_id == organisation.id))
        )
    return stmt


def count(
    session: Session,
    *,
    ids: Sequence[int] | None = None,
    tag: str | None = None,
    circle: str | None = None,
    org: str | None = None,
) -> int:
    """How many people `summaries` would list with these filters (for paging)."""
    if not (tag or circle or org):
        session.flush()  # as a query through the session would (the connection does not)
        conn = session.connection()
        if ids is None:
            return int(conn.execute(_COUNT_ACTIVE).scalar_one())
        return int(conn.execute(_COUNT_ACTIVE_AMONG, {"ids": list(ids)}).scalar_one())
    stmt = _filtered(
        session,
        only_active(select(func.count()).select_from(Person)),
        tag=tag,
        circle=circle,
        org=org,
    )
    if ids is not None:
        stmt = stmt.where(Person.id.in_(ids))
    return int(session.scalar(stmt) or 0)


def matching_ids(
    session: Session,
    ids: Sequence[int],
    *,
    tag: str | None = None,
    circle: str | None = None,
    org: str | None = None,
) -> set[int]:
    """Which of `ids` `summaries` would list with these filters (one query): lets a ranked
    list (search hits) be filtered and paged before the page's summaries are built."""
    if not ids:
        return set()
    if not (tag or circle or org):
        session.flush()  # as a query through the session would (the connection does not)
        return set(session.connection().execute(_ACTIVE_AMONG, {"ids": list(ids)}).scalars())
    stmt = _filtered(
        session,
        only_active(select(Person.id)).where(Person.id.in_(ids)),
        tag=tag,
        circle=circle,
        org=org,
    )
    return set(session.scalars(stmt))


# The statements of the common cases, built once: building a statement and its cache key
# costs SQLAlchemy more than SQLite takes to run it. `ids` is an expanding parameter.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_PID: BindParameter[int] = bindparam("pid")
_NAME_ORDER = (func.lower(Person.display_name), Person.id)
_COUNT_ACTIVE = only_active(select(func.count()).select_from(Person))  # from migration 0007's index
_COUNT_ACTIVE_AMONG = _COUNT_ACTIVE.where(Person.id.in_(_IDS))
_ACTIVE_AMONG = only_active(select(Person.id)).where(Person.id.in_(_IDS))


@dataclass(frozen=True)
class _Listing:
    """A list's query in name order (people not removed, not you), built once per case:
    everyone, a page of everyone, chosen ids, a page of chosen ids."""

    base: Select[Any]
    everyone: Select[Any]
    page: Select[Any]
    among: Select[Any]
    among_page: Select[Any]

    @classmethod
    def of(cls, *columns: Any) -> _Listing:
        base = only_active(select(*columns))
        everyone = base.order_by(*_NAME_ORDER).offset(bindparam("offset"))
        among = everyone.where(Person.id.in_(_IDS))
        limit: BindParameter[int] = bindparam("limit")
        return cls(base, everyone, everyone.limit(limit), among, among.limit(limit))

    def rows(
        self,
        session: Session,
        *,
        ids: Sequence[int] | None,
        tag: str | None,
        circle: str | None,
        org: str | None,
        limit: int | None,
        offset: int,
    ) -> list[tuple[Any, ...]]:
        """The rows as the driver gives them (plain tuples: no Row object for each of
        thousands of people). Reads through the connection, so the session's pending
        changes are written first, as a query through the session would."""
        if ids is not None and not ids:
            return []
        session.flush()
        if tag or circle or org:
            stmt = self.base
            if ids is not None:
                stmt = stmt.where(Person.id.in_(ids))
            stmt = _filtered(session, stmt, tag=tag, circle=circle, org=org).order_by(*_NAME_ORDER)
            if limit:
                stmt = stmt.limit(limit)
            if offset:
                stmt = stmt.offset(offset)
            return raw_rows(session, stmt)
        if ids is not None:
            these = {"ids": list(ids), "offset": offset}
            if limit:
                return raw_rows(session, self.among_page, {**these, "limit": limit})
            return raw_rows(session, self.among, these)
        if limit:
            return raw_rows(session, self.page, {"limit": limit, "offset": offset})
        return raw_rows(session, self.everyone, {"offset": offset})


_SUMMARY_ROWS = _Listing.of(Person.id, Person.display_name, Person.circle, Person.location)
_IDS_ONLY = _Listing.of(Person.id)  # read from the name index alone (migration 0007)

_EMAIL, _PHONE, _TAG, _ROLE = range(4)


def _contact_details(some: bool) -> Select[Any]:
    """Emails, phones, tags and roles in one statement: rows (kind, person, value, title)
    in the order a summary lists them (emails and phones as added, tags by name, roles
    with the current ones last); of the people in the expanding parameter `ids` when
    `some`, else of everyone."""
    no_title = cast(null(), String)
    ids = _IDS

    def part(
        kind: int,
        person: QueryableAttribute[int],
        value: Any,
        title: Any = no_title,
        seq: Any = None,
        current: Any = None,
    ) -> Select[Any]:
        stmt = select(
            literal(kind).label("kind"),
            person.label("person_id"),
            value.label("value"),
            title.label("title"),
            (literal(0) if seq is None else seq).label("seq"),
            (literal(0) if current is None else current).label("current"),
        )
        return stmt.where(person.in_(ids)) if some else stmt

    rows = union_all(
        part(_EMAIL, Email.person_id, Email.address, seq=Email.id),
        part(_PHONE, Phone.person_id, Phone.number, seq=Phone.id),
        part(_TAG, PersonTag.person_id, Tag.name).join_from(PersonTag, Tag),
        part(
            _ROLE,
            Role.person_id,
            Organization.name,
            Role.title,
            seq=Role.id,
            current=case((Role.is_current, 1), else_=0),
        ).join_from(Role, Organization),
    ).subquery()
    c = rows.c
    return select(c.kind, c.person_id, c.value, c.title).order_by(c.kind, c.current, c.seq, c.value)


# Built once: building the statement and its cache key cost more than running it.
_DETAILS_OF_SOME = _contact_details(some=True)
_DETAILS_OF_ALL = _contact_details(some=False)


def summaries(
    session: Session,
    *,
    ids: Sequence[int] | None = None,
    tag: str | None = None,
    circle: str | None = None,
    org: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[PersonSummary]:
    """People as summary rows, in a fixed number of queries whatever their count."""
    # Core rows through the connection: no ORM bookkeeping on 10,000s of plain tuples.
    base = _SUMMARY_ROWS.rows(
        session, ids=ids, tag=tag, circle=circle, org=org, limit=limit, offset=offset
    )
    if not base:
        return []
    conn = session.connection()
    wanted = [row[0] for row in base]
    scope = None if ids is None and not (tag or circle or org or limit or offset) else wanted

    emails: dict[int, list[str]] = defaultdict(list)
    phones: dict[int, list[str]] = defaultdict(list)
    tags: dict[int, list[str]] = defaultdict(list)
    roles: dict[int, tuple[str, str | None]] = {}
    lists = {_EMAIL: emails, _PHONE: phones, _TAG: tags}
    details = (
        conn.execute(_DETAILS_OF_ALL)
        if scope is None
        else conn.execute(_DETAILS_OF_SOME, {"ids": scope})
    )
    for kind, pid, value, title in details:
        if kind == _ROLE:
            roles[pid] = (value, title)  # current roles come last and win
        else:
            lists[kind][pid].append(value)
    last = strength.last_contacts(session, scope)
    # Values straight from the database: construct without re-validating each of them.
    return [
        PersonSummary.model_construct(
            id=pid,
            name=name,
            emails=emails.get(pid, []),
            phones=phones.get(pid, []),
            organization=roles.get(pid, (None, None))[0],
            title=roles.get(pid, (None, None))[1],
            circle=circle,
            tags=tags.get(pid, []),
            location=location,
            last_contact=last[pid].date() if pid in last else None,
        )
        for pid, name, circle, location in base
    ]


def listed_ids(
    session: Session,
    *,
    ids: Sequence[int] | None = None,
    tag: str | None = None,
    circle: str | None = None,
    org: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[int]:
    """The ids `summaries` would list with these arguments, in its order (for a caller that
    keeps the rows themselves)."""
    found = _IDS_ONLY.rows(
        session, ids=ids, tag=tag, circle=circle, org=org, limit=limit, offset=offset
    )
    return [row[0] for row in found]


def summaries_by_id(session: Session, ids: Sequence[int] | None) -> dict[int, PersonSummary]:
    """`summaries` of these people (None: everyone), by id."""
    return {row.id: row for row in summaries(session, ids=ids)}


def everyones_summaries(session: Session) -> dict[int, PersonSummary]:
    """Everyone's summary rows by id (what the web app's compute process fills its kept
    rows with, once a day)."""
    return summaries_by_id(session, None)


