"""A person's page: their details with their figures (strength, balance, flags), their
recent interactions and whom they know. Read-only; `person show` and the web page read it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import (
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from goodwill.schemas.ledger import Balance, Flag
from goodwill.schemas.people import (
    InteractionBrief,
    KnowsOut,
    PersonDetail,
    RoleOut,
)
from goodwill.scoring import flags, ledger, strength
from goodwill.store.models import (
    Exchange,
    Interaction,
    Knows,
    Link,
    Organization,
    Participant,
    Person,
    Role,
)
from goodwill.views.people_list import _IDS, _PID, summaries

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


def latest_interactions(session: Session, limit: int) -> list[InteractionBrief]:
    """The latest interactions that happened (not planned), newest first, as briefs."""
    ids = session.scalars(
        select(Interaction.id)
        .where(Interaction.planned.is_(False))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(limit)
    ).all()
    return interaction_briefs(session, list(ids))


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
    when = as_of or dt.datetime.now()
    if known is None:
        known = Known(
            strength.scores(session, when, [person.id]).get(person.id, 0.0),
            ledger.balances(session, when, [person.id]).get(person.id),
            flags.compute(session, when, [person.id]),
        )
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
        given=owed.given,
        received=owed.received,
        balance=owed.balance,
        last_give=owed.last_give,
        last_get=owed.last_get,
        flags=known.flags,
    )


