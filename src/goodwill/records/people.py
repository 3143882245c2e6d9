"""People: add, find, edit, remove and merge. All rules about writing a person live here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    Select,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from goodwill import validate, vocab
from goodwill.errors import Ambiguous, InvalidInput, NotFound
from goodwill.records import orgs
from goodwill.store import figures
from goodwill.store import search as search_index
from goodwill.store.models import (
    Email,
    Exchange,
    Introduction,
    Knows,
    Lead,
    Link,
    Meeting,
    MergeSuggestion,
    Participant,
    Person,
    PersonTag,
    Phone,
    Request,
    Role,
    SourceRecord,
    Tag,
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


Selectable = TypeVar("Selectable", bound="Select[*tuple[Any, ...]]")

# The condition that keeps removed and merged people out of lists and lookups.
# Your network: not removed, and not you (`goodwill me`).
ACTIVE = and_(Person.removed_at.is_(None), Person.is_me.is_(False))


def only_active(stmt: Selectable) -> Selectable:
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
        only_active(select(Person)).where(func.lower(Person.display_name) == ref.lower())
    ).all()
    if len(exact) == 1:
        return exact[0]
    matches = (
        exact
        or session.scalars(
            only_active(select(Person))
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

    names = session.scalars(only_active(select(Person.display_name))).all()
    close = process.extract(ref, names, scorer=fuzz.WRatio, limit=3, score_cutoff=70)
    return f"; did you mean {', '.join(m[0] for m in close)}?" if close else ""


def current_role(person: Person) -> Role | None:
    current = [r for r in person.roles if r.is_current]
    return current[-1] if current else (person.roles[-1] if person.roles else None)


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
    # Retired before their rows move: the change log then takes the moves for the merge's
    # (the paths' graph extends itself for a merge, rebuilds for evidence taken away).
    other.removed_at = dt.datetime.now()
    other.merged_into_id = kid
    session.flush()
    for model in (Email, Phone, Link, Role, SourceRecord, Request, Meeting):
        session.execute(update(model).where(model.person_id == oid).values(person_id=kid))
    phone_seen: set[str] = set()
    for ph in session.scalars(select(Phone).where(Phone.person_id == kid).order_by(Phone.id)):
        if ph.number in phone_seen:
            session.delete(ph)
        phone_seen.add(ph.number)
    # Both people's figures recomputed once at the end, not once per moved row.
    with figures.held(session, (kid, oid)):
        session.execute(update(Exchange).where(Exchange.person_id == oid).values(person_id=kid))
        shared = select(Participant.interaction_id).where(Participant.person_id == kid)
        session.execute(
            delete(Participant).where(
                Participant.person_id == oid, Participant.interaction_id.in_(shared)
            )
        )
        session.execute(
            update(Participant).where(Participant.person_id == oid).values(person_id=kid)
        )
    session.execute(update(Lead).where(Lead.from_person_id == oid).values(from_person_id=kid))
    for col in (Introduction.a_id, Introduction.b_id):
        session.execute(update(Introduction).where(col == oid).values({col.key: kid}))
    keep_tags = set(session.scalars(select(PersonTag.tag_id).where(PersonTag.person_id == kid)))
    for tag_id in session.scalars(select(PersonTag.tag_id).where(PersonTag.person_id == oid)):
        if tag_id not in keep_tags:
            session.add(PersonTag(person_id=kid, tag_id=tag_id))
    session.execute(delete(PersonTag).where(PersonTag.person_id == oid))
    _merge_knows(session, kid, oid)
    session.execute(
        delete(MergeSuggestion).where(or_(MergeSuggestion.a_id == oid, MergeSuggestion.b_id == oid))
    )
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
