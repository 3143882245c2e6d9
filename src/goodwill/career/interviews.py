"""Informational interviews: plan one, prepare with a sheet, record what came of it.

An informational interview is not a job interview: you bring your pitch, your targets and
questions, and you leave with names, company facts and resume feedback. `done` logs the
interaction (through `interactions.log`) and turns each referred name into a person met
through the one who referred them, with a knows-edge between the two.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill import validate
from goodwill.career import profile, questions
from goodwill.errors import Ambiguous, InvalidInput, NotFound
from goodwill.records import interactions, knows, people
from goodwill.schemas.interviews import (
    MeetingOut,
    MeetingOutcome,
    OrgBrief,
    PrepSheet,
    Question,
    ReferredOut,
)
from goodwill.store.models import (
    Email,
    Exchange,
    Interaction,
    Knows,
    Meeting,
    Organization,
    Participant,
    Person,
    Role,
)
from goodwill.views import people_list, person_page

MEETING_KINDS: tuple[str, ...] = ("informational",)
MEETING_STATUSES: tuple[str, ...] = ("planned", "done", "cancelled")
# When nothing received is named, an informational interview still gave you advice.
DEFAULT_GOT = "advice"
THANK_WITHIN = dt.timedelta(days=1)
RECENT_EXCHANGES = 5

_REFERRAL = re.compile(r"^\s*(?P<name>[^<>]*?)\s*(?:<\s*(?P<email>[^<>]*?)\s*>)?\s*$")


@dataclass(frozen=True)
class Referral:
    name: str
    email: str | None


def parse_referral(spec: str) -> Referral:
    """'Name <email>' or 'Name'. A referral without a name is refused."""
    m = _REFERRAL.match(spec or "")
    if m is None:
        raise InvalidInput("referred", spec, "write it as 'Name <email>' or 'Name'")
    name, address = m.group("name").strip().strip(",").strip(), m.group("email")
    if "@" in name and not address:
        raise InvalidInput("referred", spec, "a referred person needs a name: 'Name <email>'")
    if not name:
        raise InvalidInput("referred", spec, "a referred person needs a name: 'Name <email>'")
    return Referral(
        name=" ".join(name.split()), email=validate.email(address, "referred") if address else None
    )


def get(session: Session, ref: str | int) -> Meeting:
    text = str(ref).strip().lstrip("#")
    if not text.isdigit():
        raise InvalidInput("meeting", ref, "use the meeting's number from 'goodwill meet list'")
    meeting = session.get(Meeting, int(text))
    if meeting is None:
        raise NotFound(f"no meeting #{text}; see 'goodwill meet list'")
    return meeting


# -- planning -------------------------------------------------------------------------


def plan(
    session: Session,
    person: Person,
    *,
    when: dt.datetime | None = None,
    kind: str = "informational",
    now: dt.datetime | None = None,
    bank: Sequence[questions.Category] | None = None,
) -> Meeting:
    """Plan a meeting with `person` and choose its questions. A past date is refused."""
    kind = validate.choice(kind, MEETING_KINDS, "meeting kind")
    current = now or dt.datetime.now()
    if person.removed_at is not None:
        raise InvalidInput("person", person.display_name, "was removed; restore or merge first")
    if person.is_me:
        raise InvalidInput("person", person.display_name, "is you; meet someone else")
    if when is not None and when.date() < current.date():
        raise InvalidInput(
            "date",
            when.date().isoformat(),
            "is in the past; a planned meeting needs a date from today on "
            "(record a past one with 'goodwill log')",
        )
    already = session.scalar(
        select(Meeting.id).where(Meeting.person_id == person.id, Meeting.status == "planned")
    )
    if already is not None:
        raise InvalidInput(
            "person",
            person.display_name,
            f"already has a planned meeting (#{already}); see 'goodwill meet prep {already}'",
        )
    meeting = Meeting(
        person_id=person.id, kind=kind, planned_for=when, status="planned", created_at=current
    )
    session.add(meeting)
    session.flush()
    chosen = _choose_questions(session, person, meeting.id, bank)
    meeting.questions = json.dumps(
        [{"category": c, "text": q} for c, q in chosen], ensure_ascii=False
    )
    session.flush()
    return meeting


def _choose_questions(
    session: Session,
    person: Person,
    meeting_id: int,
    bank: Sequence[questions.Category] | None,
) -> list[tuple[str, str]]:
    role = people.current_role(person)
    values = {
        "org": role.organization.name if role else None,
        "title": role.title if role else None,
        "name": person.given_name or person.display_name,
    }
    before = session.scalars(
        select(Meeting.questions).where(Meeting.person_id == person.id, Meeting.id != meeting_id)
    ).all()
    avoid = {q.text for raw in before for q in _questions(raw)}
    return questions.pick(
        bank if bank is not None else questions.load(), values, seed=person.id, avoid=avoid
    )


def _questions(raw: str | None) -> list[Question]:
    if not raw:
        return []
    return [Question(**q) for q in json.loads(raw)]


# -- reading --------------------------------------------------------------------------


def outs(session: Session, meetings: Sequence[Meeting]) -> list[MeetingOut]:
    """Meetings as rows, in a fixed number of queries."""
    if not meetings:
        return []
    pids = sorted({m.person_id for m in meetings})
    who = {p.id: p for p in people_list.summaries(session, ids=pids)}
    names = dict(
        session.execute(select(Person.id, Person.display_name).where(Person.id.in_(pids))).all()
    )
    held = dict(
        session.execute(
            select(Interaction.id, Interaction.occurred_at).where(
                Interaction.id.in_([m.interaction_id for m in meetings if m.interaction_id])
            )
        ).all()
    )
    keys = [f"meeting:{m.id}" for m in meetings]
    referrals = dict(
        session.execute(
            select(Knows.source, func.count())
            .where(Knows.how == "referral", Knows.source.in_(keys))
            .group_by(Knows.source)
        ).all()
    )
    return [
        MeetingOut(
            id=m.id,
            person_id=m.person_id,
            person=names.get(m.person_id, "?"),
            organization=who[m.person_id].organization if m.person_id in who else None,
            kind=m.kind,
            status=m.status,
            planned_for=m.planned_for,
            held_on=held[m.interaction_id].date() if m.interaction_id in held else None,
            referrals=referrals.get(f"meeting:{m.id}", 0),
            learned=m.learned,
            resume_feedback=m.resume_feedback,
        )
        for m in meetings
    ]


def list_meetings(session: Session, status: str | None = None) -> list[MeetingOut]:
    """Planned meetings first (soonest first), then the rest, newest first."""
    stmt = select(Meeting)
    if status:
        stmt = stmt.where(Meeting.status == validate.choice(status, MEETING_STATUSES, "status"))
    items = list(session.scalars(stmt.order_by(Meeting.id)).all())
    far = dt.datetime.max
    planned = sorted(
        (m for m in items if m.status == "planned"), key=lambda m: (m.planned_for or far, m.id)
    )
    rest = sorted(
        (m for m in items if m.status != "planned"),
        key=lambda m: (m.created_at, m.id),
        reverse=True,
    )
    return outs(session, planned + rest)


def prep_sheet(session: Session, meeting: Meeting) -> PrepSheet:
    """What you need before the meeting: you, them, their organisation, the questions."""
    person = session.get(Person, meeting.person_id)
    assert person is not None  # the foreign key cascades
    me = profile.get(session)
    role = people.current_role(person)
    org_brief = _org_brief(session, role.organization, person.id) if role else None
    ids = session.scalars(
        select(Participant.interaction_id)
        .join(Interaction, Interaction.id == Participant.interaction_id)
        .where(Participant.person_id == person.id, Interaction.planned.is_(False))
        .order_by(Interaction.occurred_at.desc())
        .limit(RECENT_EXCHANGES)
    ).all()
    totals = dict(
        session.execute(
            select(Exchange.direction, func.count())
            .where(Exchange.person_id == person.id, Exchange.direction.in_(("gave", "got")))
            .group_by(Exchange.direction)
        ).all()
    )
    through = session.get(Person, person.met_through_id) if person.met_through_id else None
    offer = list(me.offers)
    if person.looking_for:
        offer.append(f"They are looking for: {person.looking_for}. Whom could you introduce?")
    if person.working_on:
        offer.append(f"They are working on: {person.working_on}. Any idea or article to share?")
    return PrepSheet(
        meeting=outs(session, [meeting])[0],
        profile=me,
        person=person.display_name,
        title=role.title if role else None,
        organization=org_brief,
        past_roles=[
            f"{r.title + ', ' if r.title else ''}{r.organization.name}"
            for r in person.roles
            if r is not role
        ],
        location=person.location,
        industry=person.industry,
        how_met=person.how_met,
        met_through=through.display_name if through else None,
        working_on=person.working_on,
        looking_for=person.looking_for,
        interests=person.interests,
        notes=person.notes,
        shared_contacts=person_page.knows_of(session, person.id),
        past_exchanges=person_page.interaction_briefs(session, list(ids)),
        gave_total=totals.get("gave", 0),
        got_total=totals.get("got", 0),
        you_could_offer=offer,
        questions=_questions(meeting.questions),
    )


def _org_brief(session: Session, org: Organization, person_id: int) -> OrgBrief:
    colleagues = session.scalars(
        select(Person.display_name)
        .join(Role, Role.person_id == Person.id)
        .where(
            Role.org_id == org.id,
            Role.is_current.is_(True),
            Person.id != person_id,
            people.ACTIVE,
        )
        .distinct()
        .order_by(Person.display_name)
        .limit(10)
    ).all()
    return OrgBrief(
        id=org.id,
        name=org.name,
        industry=org.industry,
        location=org.location,
        website=org.website,
        notes=org.notes,
        target=org.is_target,
        people_you_know=list(colleagues),
    )


def render(sheet: PrepSheet) -> str:
    """The prep sheet as Markdown, from `career/templates/prep_sheet.md.j2`."""
    return _templates().get_template("prep_sheet.md.j2").render(sheet=sheet)


@cache
def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=False,  # Markdown for a terminal or a file, never HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )


# -- outcomes -------------------------------------------------------------------------


def done(
    session: Session,
    meeting: Meeting,
    *,
    referred: Sequence[str] = (),
    learned: str | None = None,
    resume_feedback: str | None = None,
    gave: Sequence[str] = (),
    got: Sequence[str] = (),
    kind: str = "meeting",
    when: dt.datetime | None = None,
    summary: str | None = None,
    now: dt.datetime | None = None,
) -> MeetingOutcome:
    """Record the meeting: the interaction, its exchanges, the names you were given."""
    if meeting.status != "planned":
        raise InvalidInput("meeting", meeting.id, f"is already {meeting.status}")
    referrals = _unique([parse_referral(spec) for spec in referred])
    current = now or dt.datetime.now()
    if when is None:
        planned = meeting.planned_for
        when = planned if planned is not None and planned <= current else current
    referrer = session.get(Person, meeting.person_id)
    assert referrer is not None
    got_kinds = [interactions.exchange_kind(k) for k in got] or [DEFAULT_GOT]
    if referrals and "referral" not in got_kinds:
        got_kinds.append("referral")  # the names they gave are a referral received
    matched = [_match(session, r) for r in referrals]
    for r, person in zip(referrals, matched, strict=True):
        if person is not None and person.id == referrer.id:
            raise InvalidInput("referred", r.name, f"is {referrer.display_name} themself")
    interaction = interactions.log(
        session,
        [referrer],
        kind,
        when=when,
        summary=summary or _summary(referrer, learned, referrals),
        gave=gave,
        got=got_kinds,
        now=current,
    )
    meeting.status = "done"
    meeting.interaction_id = interaction.id
    meeting.learned = learned or meeting.learned
    meeting.resume_feedback = resume_feedback or meeting.resume_feedback
    out = [
        _record_referral(session, meeting, referrer, r, person, when, current)
        for r, person in zip(referrals, matched, strict=True)
    ]
    session.flush()
    return MeetingOutcome(
        meeting=outs(session, [meeting])[0],
        interaction_id=interaction.id,
        gave=[x.kind for x in interaction.exchanges if x.direction == "gave"],
        got=[x.kind for x in interaction.exchanges if x.direction == "got"],
        referred=out,
        thank_by=(when + THANK_WITHIN).date(),
    )


def cancel(session: Session, meeting: Meeting) -> Meeting:
    if meeting.status != "planned":
        raise InvalidInput("meeting", meeting.id, f"is already {meeting.status}")
    meeting.status = "cancelled"
    session.flush()
    return meeting


def _unique(referrals: list[Referral]) -> list[Referral]:
    seen: set[str] = set()
    out = []
    for r in referrals:
        key = r.email or r.name.lower()
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _summary(referrer: Person, learned: str | None, referrals: Sequence[Referral]) -> str:
    text = f"Informational interview with {referrer.display_name}"
    if learned:
        text += f": {learned}"
    if referrals:
        text += f" (referred {', '.join(r.name for r in referrals)})"
    return text


def _match(session: Session, r: Referral) -> Person | None:
    """The existing person a referral names: by email first, then by exact name."""
    if r.email:
        owner = session.scalar(select(Person).join(Email).where(Email.address == r.email))
        if owner is not None:
            try:
                return people.resolve(session, str(owner.id))  # follows merges, refuses removed
            except NotFound:
                pass
    exact = session.scalars(
        select(Person).where(people.ACTIVE, func.lower(Person.display_name) == r.name.lower())
    ).all()
    if len(exact) > 1:
        listed = ", ".join(f"#{p.id}" for p in exact)
        raise Ambiguous(
            f"'{r.name}' matches several people ({listed}); add their email: 'Name <email>'"
        )
    return exact[0] if exact else None


def _record_referral(
    session: Session,
    meeting: Meeting,
    referrer: Person,
    r: Referral,
    person: Person | None,
    when: dt.datetime,
    now: dt.datetime,
) -> ReferredOut:
    how = f"referred by {referrer.display_name}"
    new = person is None
    if person is None:
        person = people.add(
            session, r.name, emails=[r.email] if r.email else [], met=how, met_on=when.date()
        )
        person.created_at = now  # added when the meeting was recorded
    else:
        if r.email and all(e.address != r.email for e in person.emails):
            people.add_email(session, person, r.email)
        person.how_met = person.how_met or how
        person.met_on = person.met_on or when.date()
    if person.met_through_id is None:
        person.met_through_id = referrer.id
    knows.add(
        session,
        referrer,
        person,
        how="referral",
        note=f"{referrer.display_name} referred {person.display_name}",
        source=f"meeting:{meeting.id}",
    )
    session.flush()
    email = r.email or (person.emails[0].address if person.emails else None)
    return ReferredOut(id=person.id, name=person.display_name, email=email, new=new)
