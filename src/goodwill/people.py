"""People: add, find, list, show, edit, remove and merge. All rules about a person live here."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import BindParameter

from goodwill import orgs, validate, vocab
from goodwill import search as search_index
from goodwill.days import day_number, from_day_number
from goodwill.db import raw_rows
from goodwill.errors import Ambiguous, InvalidInput, NotFound
from goodwill.models import (
    Email,
    Exchange,
    Interaction,
    Introduction,
    Knows,
    Lead,
    Link,
    Meeting,
    MergeSuggestion,
    Organization,
    Participant,
    Person,
    PersonTag,
    Phone,
    Request,
    Role,
    SourceRecord,
    Tag,
)
from goodwill.schemas.ledger import Balance, Flag
from goodwill.schemas.people import (
    InteractionBrief,
    KnowsOut,
    PersonDetail,
    PersonSummary,
    RoleOut,
    StrengthReason,
)


@dataclass(frozen=True)
class NameParts:
    display: str
    given: str | None
    middle: str | None
    family: str | None
    prefix: str | None
    suffix: str | None
    nickname: str | None


def split_name(name: str) -> NameParts:
    """Parse a full name into its parts (nameparser handles 'Last, First', titles, suffixes)."""
    from nameparser import HumanName

    display = " ".join(validate.non_empty(name, "name").split())
    h = HumanName(display)

    def part(value: str) -> str | None:
        return value.strip() or None

    return NameParts(
        display=display,
        given=part(h.first),
        middle=part(h.middle),
        family=part(h.last),
        prefix=part(h.title),
        suffix=part(h.suffix),
        nickname=part(h.nickname),
    )


def _apply_name(person: Person, name: str) -> None:
    parts = split_name(name)
    person.display_name = parts.display
    person.given_name, person.middle_name, person.family_name = (
        parts.given,
        parts.middle,
        parts.family,
    )
    person.prefix, person.suffix = parts.prefix, parts.suffix
    person.nickname = person.nickname or parts.nickname


def _email_owner(session: Session, address: str) -> Person | None:
    return session.scalar(select(Person).join(Email).where(Email.address == address))


def add_email(
    session: Session,
    person: Person,
    value: str,
    *,
    label: str | None = None,
    source: str | None = None,
) -> None:
    address = validate.email(value)
    owner = _email_owner(session, address)
    if owner is not None and owner.id != person.id:
        state = ", removed" if owner.removed_at else ""
        raise InvalidInput(
            "email", value, f"already belongs to {owner.display_name} (#{owner.id}{state})"
        )
    if owner is None:
        person.emails.append(Email(address=address, label=label, source=source))


def add_phone(
    session: Session,
    person: Person,
    value: str,
    *,
    label: str | None = None,
    region: str | None = None,
    source: str | None = None,
) -> None:
    number = validate.phone(value, region)
    if all(p.number != number for p in person.phones):
        person.phones.append(Phone(number=number, raw=value.strip(), label=label, source=source))


def add_link(person: Person, url: str, kind: str | None = None, source: str | None = None) -> None:
    if kind == "linkedin" or (kind is None and "linkedin.com" in url.lower()):
        clean, kind = validate.linkedin_url(url), "linkedin"
    else:
        clean, kind = validate.url(url, "link"), kind or "web"
    if all(link.url != clean for link in person.links):
        person.links.append(Link(kind=kind, url=clean, source=source))


def set_role(
    session: Session,
    person: Person,
    org_name: str,
    title: str | None = None,
    *,
    current: bool = True,
    start: dt.date | None = None,
    end: dt.date | None = None,
    source: str | None = None,
) -> Role:
    """Record a role; a new current role at another organisation ends the previous ones."""
    org = orgs.get_or_create(session, org_name)
    for role in person.roles:
        if role.org_id == org.id and (role.title or "") == (title or ""):
            role.is_current = current
            return role
    if current:
        for role in person.roles:
            if role.is_current and role.org_id != org.id:
                role.is_current = False
    role = Role(
        organization=org,
        title=title,
        is_current=current,
        start_date=start,
        end_date=end,
        source=source,
    )
    person.roles.append(role)
    return role


def tag_by_name(session: Session, name: str) -> Tag:
    clean = validate.non_empty(name, "tag").lower()
    tag = session.scalar(select(Tag).where(Tag.name == clean))
    if tag is None:
        tag = Tag(name=clean)
        session.add(tag)
        session.flush()
    return tag


def add_tags(session: Session, person: Person, names: Iterable[str]) -> None:
    for name in names:
        tag = tag_by_name(session, name)
        if tag not in person.tags:
            person.tags.append(tag)


def add(
    session: Session,
    name: str,
    *,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    org: str | None = None,
    title: str | None = None,
    tags: Sequence[str] = (),
    circle: str | None = None,
    met: str | None = None,
    met_on: dt.date | None = None,
    linkedin: str | None = None,
    note: str | None = None,
    location: str | None = None,
    industry: str | None = None,
    region: str | None = None,
) -> Person:
    """Create a person; every value is checked before anything is written."""
    person = Person(
        circle=validate.choice(circle, vocab.CIRCLES, "circle") if circle else "network"
    )
    _apply_name(person, name)
    person.how_met, person.met_on, person.notes = met, met_on, note
    person.location, person.industry = location, industry
    session.add(person)
    for e in emails:
        add_email(session, person, e)
    for p in phones:
        add_phone(session, person, p, region=region)
    if linkedin:
        add_link(person, linkedin, "linkedin")
    if title and not org:
        raise InvalidInput("title", title, "a title needs an organisation (--org)")
    if org:
        set_role(session, person, org, title)
    add_tags(session, person, tags)
    session.flush()
    search_index.index_people(session, [person.id])
    return person


_S = TypeVar("_S", bound="Select[*tuple[Any, ...]]")

# The condition that keeps removed and merged people out of lists and lookups.
# Your network: not removed, and not you (`goodwill me`).
ACTIVE = and_(Person.removed_at.is_(None), Person.is_me.is_(False))


def _active(stmt: _S) -> _S:
    return stmt.where(ACTIVE)


def resolve(session: Session, ref: str, *, include_removed: bool = False) -> Person:
    """A person by id, email or name. An ambiguous name lists the matches."""
    ref = ref.strip()
    if not ref:
        raise InvalidInput("person", ref, "name a person by id, email or name")
    found: Person | None = None
    if ref.lstrip("#").isdigit() and int(ref.lstrip("#")) <= validate.MAX_ID:
        found = session.get(Person, int(ref.lstrip("#")))
    elif "@" in ref:
        found = session.scalar(select(Person).join(Email).where(Email.address == ref.lower()))
    if found is not None:
        return _check_alive(session, found, include_removed)
    if ref.lstrip("#").isdigit() or "@" in ref:
        raise NotFound(f"no person matches '{ref}'")
    exact = session.scalars(
        _active(select(Person)).where(func.lower(Person.display_name) == ref.lower())
    ).all()
    if len(exact) == 1:
        return exact[0]
    matches = (
        exact
        or session.scalars(
            _active(select(Person))
            .where(
                or_(
                    Person.display_name.ilike(f"%{_escape_like(ref)}%", escape="\\"),
                    Person.nickname.ilike(f"{_escape_like(ref)}", escape="\\"),
                )
            )
            .order_by(Person.display_name)
            .limit(11)
        ).all()
    )
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = "; ".join(_label(session, p) for p in matches[:10])
        more = " and more" if len(matches) > 10 else ""
        raise Ambiguous(f"'{ref}' matches several people: {listed}{more}; use an id or email")
    raise NotFound(f"no person matches '{ref}'" + _suggest(session, ref))


def _check_alive(session: Session, person: Person, include_removed: bool) -> Person:
    if person.removed_at is None or include_removed:
        return person
    if person.merged_into_id:
        survivor = session.get(Person, person.merged_into_id)
        if survivor is not None and survivor.removed_at is None:
            return survivor
    raise NotFound(
        f"{person.display_name} (#{person.id}) was removed on {person.removed_at:%Y-%m-%d}"
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _label(session: Session, person: Person) -> str:
    email = person.emails[0].address if person.emails else None
    org = current_role(person)
    extra = ", ".join(x for x in (email, org.organization.name if org else None) if x)
    return f"{person.display_name} (#{person.id}{', ' + extra if extra else ''})"


def _suggest(session: Session, ref: str) -> str:
    from rapidfuzz import fuzz, process

    names = session.scalars(_active(select(Person.display_name))).all()
    close = process.extract(ref, names, scorer=fuzz.WRatio, limit=3, score_cutoff=70)
    return f"; did you mean {', '.join(m[0] for m in close)}?" if close else ""


def current_role(person: Person) -> Role | None:
    current = [r for r in person.roles if r.is_current]
    return current[-1] if current else (person.roles[-1] if person.roles else None)


def last_contacts(
    session: Session, ids: Sequence[int] | None = None, as_of: dt.datetime | None = None
) -> dict[int, dt.datetime]:
    """When each person was last in an interaction, up to `as_of` (a fixed number of queries).

    Most answers come from the contact summary (one row per person); people with history
    after `as_of` are looked up in the participant's copy of the interaction's time
    (`day`, migration 0002): per person, the latest entry of the (person, day) index is
    one seek, where grouping every participant row would read millions of them.
    """
    from goodwill import strength  # numpy: only for the commands that need it

    limit = day_number(as_of) if as_of is not None else math.inf
    summary = strength.summary(session, limit, ids, inclusive=True)
    if summary is None:
        return _seek_last_contacts(session, ids, as_of)
    out = {
        pid: from_day_number(day)
        for pid, day in zip(summary.ids.tolist(), summary.data[:, 0].tolist(), strict=True)
    }
    if summary.stale:
        out.update(_seek_last_contacts(session, summary.stale, as_of))
    return out


def _seek_last_contacts(
    session: Session, ids: Sequence[int] | None, as_of: dt.datetime | None
) -> dict[int, dt.datetime]:
    latest = select(func.max(Participant.day)).where(
        Participant.person_id == Person.id, Participant.planned.is_(False)
    )
    if as_of is not None:
        latest = latest.where(Participant.day <= day_number(as_of))
    stmt = select(Person.id, latest.correlate(Person).scalar_subquery())
    if ids is not None:
        stmt = stmt.where(Person.id.in_(ids))
    rows = session.execute(stmt).all()
    return {pid: from_day_number(day) for pid, day in rows if day is not None}


def _filtered(
    session: Session, stmt: _S, *, tag: str | None, circle: str | None, org: str | None
) -> _S:
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
        _active(select(func.count()).select_from(Person)),
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
        _active(select(Person.id)).where(Person.id.in_(ids)),
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
_COUNT_ACTIVE = _active(select(func.count()).select_from(Person))  # from migration 0007's index
_COUNT_ACTIVE_AMONG = _COUNT_ACTIVE.where(Person.id.in_(_IDS))
_ACTIVE_AMONG = _active(select(Person.id)).where(Person.id.in_(_IDS))


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
        base = _active(select(*columns))
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
    last = last_contacts(session, scope)
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


# A person's page, in statements built once (see _IDS above).
_INTERACTIONS_OF = (
    select(func.count()).select_from(Participant).where(Participant.person_id == _PID)
)
_LATEST_OF = (
    select(Participant.interaction_id)
    .join(Interaction, Interaction.id == Participant.interaction_id)
    .where(Participant.person_id == _PID)
    .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
    .limit(bindparam("n"))
)
_LINKS_OF = select(Link.url).where(Link.person_id == _PID).order_by(Link.id)
_ROLES_OF = (
    select(
        Organization.name,
        Role.org_id,
        Role.title,
        Role.start_date,
        Role.end_date,
        Role.is_current,
    )
    .join_from(Role, Organization)
    .where(Role.person_id == _PID)
    .order_by(Role.id)
)
_KNOWS_OF = select(Knows.a_id, Knows.b_id, Knows.how, Knows.note).where(
    or_(Knows.a_id == _PID, Knows.b_id == _PID)
)
_NAMES_OF_PRESENT = select(Person.id, Person.display_name).where(
    Person.id.in_(_IDS), Person.removed_at.is_(None)
)
_BRIEF_ITEMS = (
    select(
        Interaction.id,
        Interaction.occurred_at,
        Interaction.kind,
        Interaction.summary,
        Interaction.initiated_by,
    )
    .where(Interaction.id.in_(_IDS))
    .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
)
_BRIEF_PEOPLE = (
    select(Participant.interaction_id, Person.display_name)
    .join(Person, Person.id == Participant.person_id)
    .where(Participant.interaction_id.in_(_IDS))
)
_BRIEF_EXCHANGES = (
    select(Exchange.interaction_id, Exchange.direction, Exchange.kind, Exchange.text)
    .where(Exchange.interaction_id.in_(_IDS))
    .order_by(Exchange.id)
)


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


def interaction_briefs(session: Session, interaction_ids: Sequence[int]) -> list[InteractionBrief]:
    """Interactions with their people and exchanges, newest first (plain rows, three
    queries: a person's page shows 25 of them on every visit)."""
    if not interaction_ids:
        return []
    conn = session.connection()
    these = {"ids": list(interaction_ids)}
    items = conn.execute(_BRIEF_ITEMS, these).all()
    who: dict[int, list[str]] = defaultdict(list)
    for iid, name in conn.execute(_BRIEF_PEOPLE, these):
        who[iid].append(name)
    said: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for iid, direction, kind, text in conn.execute(_BRIEF_EXCHANGES, these):
        value = text or kind if direction in ("asked", "they_asked") else kind
        if value not in said[iid][direction]:
            said[iid][direction].append(value)
    out = []
    for iid, occurred_at, kind, summary, initiated_by in items:
        by_dir = said.get(iid, {})
        out.append(
            InteractionBrief(
                id=iid,
                date=occurred_at.date(),
                kind=kind,
                summary=summary,
                initiated_by=initiated_by,
                people=sorted(who.get(iid, [])),
                gave=by_dir.get("gave", []),
                got=by_dir.get("got", []),
                asked=by_dir.get("asked", []),
                they_asked=by_dir.get("they_asked", []),
            )
        )
    return out


def knows_of(session: Session, person_id: int) -> list[KnowsOut]:
    conn = session.connection()
    rows = conn.execute(_KNOWS_OF, {"pid": person_id}).all()
    other_ids = list({b if a == person_id else a for a, b, _, _ in rows})
    names = {pid: name for pid, name in conn.execute(_NAMES_OF_PRESENT, {"ids": other_ids})}
    seen: dict[int, KnowsOut] = {}
    for a, b, how, note in rows:
        other = b if a == person_id else a
        if other in names and other not in seen:
            seen[other] = KnowsOut(id=other, name=names[other], how=how, note=note)
    return sorted(seen.values(), key=lambda k: k.name.lower())


class Known(NamedTuple):
    """A person's figures already computed (kept by the web app): `detail` reuses them."""

    strength: float
    balance: Balance | None
    flags: list[Flag]


def detail(
    session: Session,
    person: Person,
    *,
    recent: int = 10,
    as_of: dt.datetime | None = None,
    known: Known | None = None,
) -> PersonDetail:
    from goodwill import flags, ledger, strength, strength_model

    when = as_of or dt.datetime.now()
    if known is None:
        known = Known(
            strength.scores(session, when, [person.id]).get(person.id, 0.0),
            ledger.balances(session, when, [person.id]).get(person.id),
            flags.compute(session, when, [person.id]),
        )
    why = strength.reasons(session, when, person.id)
    owed = known.balance or Balance(person_id=person.id)
    session.flush()  # what follows reads through the connection (no autoflush there)
    summary = summaries(session, ids=[person.id])
    base = (
        summary[0].model_dump()
        if summary
        else {"id": person.id, "name": person.display_name, "circle": person.circle}
    )
    conn = session.connection()
    mine = {"pid": person.id}
    count = conn.execute(_INTERACTIONS_OF, mine).scalar_one()
    latest = list(conn.execute(_LATEST_OF, {**mine, "n": recent}).scalars())
    return PersonDetail(
        **base,
        given_name=person.given_name,
        family_name=person.family_name,
        nickname=person.nickname,
        industry=person.industry,
        links=list(conn.execute(_LINKS_OF, mine).scalars()),
        roles=[
            RoleOut(organization=name, org_id=oid, title=title, start=start, end=end, current=cur)
            for name, oid, title, start, end, cur in conn.execute(_ROLES_OF, mine)
        ],
        how_met=person.how_met,
        met_on=person.met_on,
        working_on=person.working_on,
        looking_for=person.looking_for,
        interests=person.interests,
        notes=person.notes,
        cadence_ideal_days=person.cadence_ideal_days,
        cadence_max_days=person.cadence_max_days,
        interactions_count=count,
        recent=interaction_briefs(session, latest),
        knows=knows_of(session, person.id),
        removed=person.removed_at is not None,
        strength=known.strength,
        strength_words=strength_model.words(known.strength, ever=why is not None),
        strength_reasons=[
            StrengthReason(feature=name, change=change, words=text)
            for name, change, text in why or []
        ],
        given=owed.given,
        received=owed.received,
        balance=owed.balance,
        last_give=owed.last_give,
        last_get=owed.last_get,
        flags=known.flags,
    )


# Fields `edit` may set directly, with the parser for each.
_TEXT_FIELDS = (
    "location",
    "industry",
    "how_met",
    "working_on",
    "looking_for",
    "interests",
    "nickname",
)


def edit(
    session: Session,
    person: Person,
    *,
    name: str | None = None,
    add_emails: Sequence[str] = (),
    remove_emails: Sequence[str] = (),
    add_phones: Sequence[str] = (),
    org: str | None = None,
    title: str | None = None,
    add_tags_: Sequence[str] = (),
    remove_tags: Sequence[str] = (),
    circle: str | None = None,
    linkedin: str | None = None,
    note: str | None = None,
    cadence_days: int | None = None,
    region: str | None = None,
    **text_fields: str | None,
) -> Person:
    """Change a person; all values are checked first, nothing is written on a bad one."""
    unknown = set(text_fields) - set(_TEXT_FIELDS)
    if unknown:
        raise InvalidInput("field", ", ".join(sorted(unknown)), "cannot be edited")
    if name:
        _apply_name(person, name)
    if circle:
        person.circle = validate.choice(circle, vocab.CIRCLES, "circle")
    for e in add_emails:
        add_email(session, person, e)
    for e in remove_emails:
        address = validate.email(e)
        match = [x for x in person.emails if x.address == address]
        if not match:
            raise InvalidInput("email", e, f"{person.display_name} has no such address")
        person.emails.remove(match[0])
    for p in add_phones:
        add_phone(session, person, p, region=region)
    if linkedin:
        add_link(person, linkedin, "linkedin")
    if title and not org:
        role = current_role(person)
        if role is None:
            raise InvalidInput("title", title, "a title needs an organisation (--org)")
        role.title = title
    elif org:
        set_role(session, person, org, title)
    add_tags(session, person, add_tags_)
    for t in remove_tags:
        person.tags = [x for x in person.tags if x.name != t.lower()]
    if note:
        person.notes = f"{person.notes}\n{note}" if person.notes else note
    if cadence_days is not None:
        if cadence_days <= 0:
            raise InvalidInput("cadence", cadence_days, "must be a positive number of days")
        person.cadence_ideal_days, person.cadence_max_days = cadence_days, cadence_days * 2
    for field, value in text_fields.items():
        setattr(person, field, value or None)
    person.updated_at = dt.datetime.now()
    session.flush()
    search_index.index_people(session, [person.id])
    return person


def remove(session: Session, person: Person) -> None:
    """Remove a person from lists and agendas; their history stays for the ledger."""
    person.removed_at = dt.datetime.now()
    session.flush()
    search_index.drop(session, "person", [person.id])


def merge(session: Session, keep: Person, other: Person) -> Person:
    """Fold `other` into `keep`: every fact, interaction and edge moves; `other` is retired."""
    if keep.id == other.id:
        raise InvalidInput("person", other.display_name, "cannot merge a person with themself")
    for field in (
        "given_name",
        "middle_name",
        "family_name",
        "prefix",
        "suffix",
        "nickname",
        "location",
        "industry",
        "how_met",
        "met_on",
        "met_through_id",
        "working_on",
        "looking_for",
        "interests",
        "birthday",
        "cadence_ideal_days",
        "cadence_max_days",
    ):
        if getattr(keep, field) is None and getattr(other, field) is not None:
            setattr(keep, field, getattr(other, field))
    if other.notes and other.notes not in (keep.notes or ""):
        keep.notes = f"{keep.notes}\n{other.notes}" if keep.notes else other.notes
    if vocab.CIRCLES.index(other.circle) < vocab.CIRCLES.index(keep.circle):
        keep.circle = other.circle  # the closer circle wins
    kid, oid = keep.id, other.id
    for model in (Email, Phone, Link, Role, SourceRecord, Request, Meeting):
        session.execute(update(model).where(model.person_id == oid).values(person_id=kid))
    phone_seen: set[str] = set()
    for ph in session.scalars(select(Phone).where(Phone.person_id == kid).order_by(Phone.id)):
        if ph.number in phone_seen:
            session.delete(ph)
        phone_seen.add(ph.number)
    session.execute(update(Exchange).where(Exchange.person_id == oid).values(person_id=kid))
    session.execute(update(Lead).where(Lead.from_person_id == oid).values(from_person_id=kid))
    for col in (Introduction.a_id, Introduction.b_id):
        session.execute(update(Introduction).where(col == oid).values({col.key: kid}))
    shared = select(Participant.interaction_id).where(Participant.person_id == kid)
    session.execute(
        delete(Participant).where(
            Participant.person_id == oid, Participant.interaction_id.in_(shared)
        )
    )
    session.execute(update(Participant).where(Participant.person_id == oid).values(person_id=kid))
    keep_tags = set(session.scalars(select(PersonTag.tag_id).where(PersonTag.person_id == kid)))
    for tag_id in session.scalars(select(PersonTag.tag_id).where(PersonTag.person_id == oid)):
        if tag_id not in keep_tags:
            session.add(PersonTag(person_id=kid, tag_id=tag_id))
    session.execute(delete(PersonTag).where(PersonTag.person_id == oid))
    _merge_knows(session, kid, oid)
    session.execute(
        delete(MergeSuggestion).where(or_(MergeSuggestion.a_id == oid, MergeSuggestion.b_id == oid))
    )
    other.removed_at = dt.datetime.now()
    other.merged_into_id = kid
    session.flush()
    session.expire_all()
    search_index.drop(session, "person", [oid])
    search_index.index_people(session, [kid])
    return session.get(Person, kid)  # type: ignore[return-value]


def _merge_knows(session: Session, kid: int, oid: int) -> None:
    edges = session.scalars(select(Knows).where(or_(Knows.a_id == oid, Knows.b_id == oid))).all()
    existing = {
        (e.a_id, e.b_id, e.how)
        for e in session.scalars(select(Knows).where(or_(Knows.a_id == kid, Knows.b_id == kid)))
    }
    for edge in edges:
        a = kid if edge.a_id == oid else edge.a_id
        b = kid if edge.b_id == oid else edge.b_id
        a, b = min(a, b), max(a, b)
        if a == b or (a, b, edge.how) in existing:
            session.delete(edge)
        else:
            edge.a_id, edge.b_id = a, b
            existing.add((a, b, edge.how))


def me(session: Session) -> Person | None:
    """The person who is you, if one is recorded."""
    return session.scalar(select(Person).where(Person.is_me.is_(True)))


def me_emails(session: Session) -> list[str]:
    """Your own addresses (`goodwill me --email`): imports tell your messages by them."""
    person = me(session)
    return [e.address for e in person.emails] if person is not None else []


def set_me(
    session: Session,
    *,
    name: str | None = None,
    add_emails: Sequence[str] = (),
    remove_emails: Sequence[str] = (),
) -> Person:
    """Record who you are: your name (drafts sign with it) and your addresses. You are a
    person of your own database, never listed, counted or suggested among your network."""
    person = me(session)
    if person is None:
        if not name:
            raise InvalidInput("name", "", "say who you are first: goodwill me --name 'Your Name'")
        person = Person(display_name=validate.non_empty(name, "name"), is_me=True)
        session.add(person)
    if name is not None:
        _apply_name(person, validate.non_empty(name, "name"))
    for address in add_emails:
        add_email(session, person, address, source="me")
    gone = {validate.email(a).lower() for a in remove_emails}
    unknown = sorted(gone - {e.address.lower() for e in person.emails})
    if unknown:
        raise InvalidInput("email", unknown[0], "is not one of your addresses")
    person.emails = [e for e in person.emails if e.address.lower() not in gone]
    session.flush()
    return person
