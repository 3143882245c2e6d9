"""Team asking: routes through teammates' ties, and introduction requests between members.

"Sam on your team knows Mia Chen at Zenith: strong, last in touch in October 2026."
A teammate's tie is read through `policy.team_ties` (on PostgreSQL `goodwill_team_ties`),
the only way to
another member's interactions: it gives who, how often and when last, never what was said.
Its strength bucket is a plain rule on those figures (`bucket`), the same for everyone.

An introduction request goes to the teammate, who sees it in their daily session and
accepts or declines it. Accepting means they will ask the person (double opt-in): the
person's answer is recorded (agreed or refused), and after a yes the teammate makes the
introduction. Each step shows in the teammate's daily session until the walk ends:

    open -> accepted -> agreed -> made   (or open -> declined, accepted -> refused)
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from goodwill.errors import GoodwillError, InvalidInput, NotFound
from goodwill.records import orgs, people
from goodwill.records import team as members
from goodwill.schemas.team import IntroOut, TeamDetailOut, TeamRouteOut
from goodwill.store import policy
from goodwill.store.models import Interaction, Person, Role, Setting, TeamIntro, TeamMember
from goodwill.wording import MONTHS

# The strength bucket of a teammate's tie: interactions in the last year and days since
# the last one. Strong: in touch at least quarterly lately; medium: some contact this year.
STRONG_RECENT, STRONG_DAYS = 4, 90
MEDIUM_RECENT, MEDIUM_DAYS = 2, 365


def bucket(recent: int, last: dt.datetime, now: dt.datetime) -> str:
    days = (now - last).days
    if recent >= STRONG_RECENT and days <= STRONG_DAYS:
        return "strong"
    if recent >= MEDIUM_RECENT or days <= MEDIUM_DAYS:
        return "medium"
    return "weak"


def _viewer() -> policy.Viewer:
    viewer = policy.current()
    if viewer is None:
        raise GoodwillError("team asking needs a team database: run 'goodwill team init' first")
    return viewer


def target_people(session: Session, to: str) -> tuple[str, list[int]]:
    """(the target's name, the people it stands for): an organisation's current people,
    else one person."""
    try:
        org = orgs.resolve(session, to)
    except NotFound:
        person = people.resolve(session, to)
        return person.display_name, [person.id]
    ids = session.scalars(
        select(Role.person_id).where(Role.org_id == org.id, Role.is_current.is_(True))
    ).all()
    return org.name, sorted(set(ids))


def need_people(session: Session, ref: str) -> list[int]:
    """The people a need's organisations stand for (a need given by number), else none."""
    from goodwill.store.models import NeedTarget

    if not ref.strip().isdigit():
        return []
    org_ids = session.scalars(
        select(NeedTarget.org_id).where(
            NeedTarget.need_id == int(ref), NeedTarget.org_id.is_not(None)
        )
    ).all()
    if not org_ids:
        return []
    ids = session.scalars(
        select(Role.person_id).where(Role.org_id.in_(org_ids), Role.is_current.is_(True))
    ).all()
    return sorted(set(ids))


def routes(
    session: Session, person_ids: list[int], now: dt.datetime | None = None
) -> list[TeamRouteOut]:
    """Teammates' ties to these people, strongest first (the member acting left out)."""
    viewer = _viewer()
    at = now or dt.datetime.now()
    rows = [r for r in policy.team_ties(session, person_ids) if r.member_id != viewer.member_id]
    if not rows:
        return []
    names = dict(
        session.execute(
            select(TeamMember.id, TeamMember.name).where(TeamMember.removed_at.is_(None))
        ).all()
    )
    # Only the people a teammate knows, their roles and organisations in two more queries
    # (not one per person: a large organisation has hundreds).
    known = sorted({r.person_id for r in rows})
    persons = {
        p.id: p
        for p in session.scalars(
            select(Person)
            .where(Person.id.in_(known))
            .options(selectinload(Person.roles).joinedload(Role.organization))
        )
    }
    shared = _shared(session, known, viewer.member_id)
    out = []
    for r in rows:
        if r.member_id not in names or r.person_id not in persons:
            continue
        person = persons[r.person_id]
        role = people.current_role(person)
        out.append(
            TeamRouteOut(
                member=names[r.member_id],
                member_id=r.member_id,
                person_id=person.id,
                person=person.display_name,
                organization=role.organization.name if role else None,
                strength=bucket(r.recent, r.last_at, at),
                last_month=f"{MONTHS[r.last_at.month - 1]} {r.last_at.year}",
                interactions=r.total,
                shared=shared.get((r.member_id, person.id), []),
            )
        )
    order = {"strong": 0, "medium": 1, "weak": 2}
    out.sort(key=lambda t: (order[t.strength], -t.interactions, t.member, t.person))
    return out


SHOWN = 3  # a teammate's latest interactions shown with a route


def _shared(
    session: Session, person_ids: list[int], me: int
) -> dict[tuple[int, int], list[TeamDetailOut]]:
    """Per (teammate, person): their latest interactions, as much as they share of each."""
    rows = [r for r in policy.team_details(session, person_ids, SHOWN) if r.member_id != me]
    out: dict[tuple[int, int], list[TeamDetailOut]] = {}
    for r in rows:  # newest first
        when = r.occurred_at.date() if r.occurred_at is not None else None
        out.setdefault((r.member_id, r.person_id), []).append(
            TeamDetailOut(date=when, channel=r.kind, subject=r.summary)
        )
    return out


def detail(d: TeamDetailOut) -> str:
    """'coffee on 2026-11-02: the platform role', or 'an interaction' when nothing is shared."""
    text = d.channel or "an interaction"
    if d.date is not None:
        text += f" on {d.date.isoformat()}"
    if d.subject:
        text += f": {d.subject}"
    return text


def share(session: Session, fields: list[str], interaction_id: int | None = None) -> str:
    """What of your interactions teammates see besides that they happened: for all of them,
    or for one (yours). Returns what is now shared, in words."""
    viewer = _viewer()
    chosen = [f.strip().lower() for f in fields if f.strip()]
    if chosen == ["none"]:
        chosen = []
    for f in chosen:
        if f not in policy.SHARE_FIELDS:
            raise InvalidInput("field", f, "must be date, channel, subject or none")
    value = ",".join(f for f in policy.SHARE_FIELDS if f in chosen)
    if interaction_id is not None:
        owned = session.get(Interaction, interaction_id)  # the member's own only (policy)
        if owned is None or owned.owner_id != viewer.member_id:
            raise NotFound(f"no interaction #{interaction_id} of yours")
        key = f"{policy.SHARE_KEY}.i{interaction_id}"
    else:
        key = policy.member_key(policy.SHARE_KEY)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    session.flush()
    return ", ".join(value.split(",")) if value else "only that it happened"


def sentence(route: TeamRouteOut) -> str:
    at = f" at {route.organization}" if route.organization else ""
    return (
        f"{route.member} on your team knows {route.person}{at}: "
        f"{route.strength}, last in touch in {route.last_month}"
    )


def request_intro(session: Session, member: str, person: str, why: str | None) -> IntroOut:
    """Ask a teammate to introduce you to someone they know."""
    viewer = _viewer()
    to = members.find(session, member)
    if to.id == viewer.member_id:
        raise InvalidInput("member", member, "is you: ask a teammate")
    target = people.resolve(session, person)
    intro = TeamIntro(
        from_member=viewer.member_id,
        to_member=to.id,
        person_id=target.id,
        why=(why or "").strip() or None,
    )
    session.add(intro)
    session.flush()
    return _out(session, intro)


def intros(session: Session, *, open_only: bool = False) -> list[IntroOut]:
    """Requests to and from the member acting, newest first."""
    viewer = _viewer()
    stmt = select(TeamIntro).where(
        (TeamIntro.to_member == viewer.member_id) | (TeamIntro.from_member == viewer.member_id)
    )
    if open_only:
        stmt = stmt.where(TeamIntro.status == "open")
    return [_out(session, i) for i in session.scalars(stmt.order_by(TeamIntro.id.desc()))]


# The steps of the walk: (from status, to status) for each thing the teammate records.
STEPS = {
    "accept": ("open", "accepted"),
    "decline": ("open", "declined"),
    "agreed": ("accepted", "agreed"),
    "refused": ("accepted", "refused"),
    "made": ("agreed", "made"),
}
WAITING = ("open", "accepted", "agreed")  # the teammate has a step to take


def incoming(session: Session) -> list[IntroOut]:
    """Requests to the member acting with a step for them to take: what their daily
    session shows (answer it; ask the person; introduce them)."""
    viewer = _viewer()
    return [
        i
        for i in intros(session)
        if i.to_member_id == viewer.member_id and i.status in WAITING
    ]


def answer(session: Session, intro_id: int, accept: bool) -> IntroOut:
    """Accept or decline a request made to you."""
    return step(session, intro_id, "accept" if accept else "decline")


def step(session: Session, intro_id: int, what: str) -> IntroOut:
    """Record the next step of a request made to you: accept or decline it, the person's
    answer when you asked them (agreed, refused), the introduction made."""
    viewer = _viewer()
    if what not in STEPS:
        raise InvalidInput("step", what, "must be " + ", ".join(STEPS))
    before, after = STEPS[what]
    intro = session.get(TeamIntro, intro_id)
    if intro is None or viewer.member_id not in (intro.to_member, intro.from_member):
        raise NotFound(f"no introduction request #{intro_id}")
    if intro.to_member != viewer.member_id:
        raise policy.NotAllowed("only the teammate asked can answer this request")
    if intro.status != before:
        raise InvalidInput("request", intro_id, _why_not(intro.status, what))
    intro.status = after
    intro.answered_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return _out(session, intro)


def _why_not(status: str, what: str) -> str:
    if status in ("declined", "refused", "made"):
        return f"was already {status}"
    if status == "open":
        return "is not accepted yet: accept it first, then ask the person"
    if status == "accepted":
        return "waits for the person's answer: record 'agreed' or 'refused'"
    return f"was already {status}: the next step is 'made'"


def _out(session: Session, intro: TeamIntro) -> IntroOut:
    names = dict(session.execute(select(TeamMember.id, TeamMember.name)).all())
    person = session.get(Person, intro.person_id)
    return IntroOut(
        id=intro.id,
        from_member=names.get(intro.from_member, "?"),
        from_member_id=intro.from_member,
        to_member=names.get(intro.to_member, "?"),
        to_member_id=intro.to_member,
        person_id=intro.person_id,
        person=person.display_name if person else "?",
        why=intro.why,
        status=intro.status,
        created=intro.created_at,
    )
