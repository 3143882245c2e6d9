"""Opportunities (leads): a job posting, project or client, and the person it came from.

A lead's origin chain walks back from the person who sent it through whoever you met them
through (Person.met_through_id, or a knows-edge with how="referral"): "met Ann at PyCon →
Ann referred Bob → Bob sent this posting". It shows which relationships produced results,
so you can thank them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from goodwill import validate, vocab
from goodwill.errors import InvalidInput, NotFound
from goodwill.records import orgs
from goodwill.schemas.interviews import LeadDetail, LeadOut, OriginStep
from goodwill.store.models import (
    Exchange,
    Interaction,
    Knows,
    Lead,
    Organization,
    Participant,
    Person,
)

STAGE_ALIASES = {
    "heard": "heard_of",
    "heard of": "heard_of",
    "heardof": "heard_of",
    "new": "heard_of",
    "apply": "applied",
    "interview": "interviewing",
    "interviews": "interviewing",
    "offered": "offer",
    "close": "closed",
    "done": "closed",
}
MAX_CHAIN = 12  # a referral chain longer than this is a data loop, not a story


def stage(value: str) -> str:
    return validate.choice(
        value.replace(" ", "_") if value else value,
        vocab.LEAD_STAGES,
        "stage",
        aliases={k.replace(" ", "_"): v for k, v in STAGE_ALIASES.items()},
    )


def get(session: Session, ref: str | int) -> Lead:
    text = str(ref).strip().lstrip("#")
    if not text.isdigit():
        raise InvalidInput("lead", ref, "use the lead's number from 'goodwill lead list'")
    lead = session.get(Lead, int(text))
    if lead is None:
        raise NotFound(f"no lead #{text}; see 'goodwill lead list'")
    return lead


def add(
    session: Session,
    title: str,
    *,
    org: str | None = None,
    source: Person | None = None,
    url: str | None = None,
    stage_: str = "heard_of",
    notes: str | None = None,
    now: dt.datetime | None = None,
) -> Lead:
    """Record a lead; every value is checked before anything is written."""
    clean = validate.non_empty(title, "title")
    chosen = stage(stage_)
    link = validate.url(url, "url") if url else None
    if source is not None and source.removed_at is not None:
        raise InvalidInput("from", source.display_name, "was removed; restore or merge first")
    organisation = orgs.get_or_create(session, org) if org else None
    when = now or dt.datetime.now()
    lead = Lead(
        title=clean,
        org_id=organisation.id if organisation else None,
        from_person_id=source.id if source else None,
        url=link,
        stage=chosen,
        notes=notes or None,
        created_at=when,
        updated_at=when,
    )
    session.add(lead)
    session.flush()
    return lead


def set_stage(
    session: Session,
    lead: Lead,
    value: str,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Lead:
    lead.stage = stage(value)
    if note:
        lead.notes = f"{lead.notes}\n{note}" if lead.notes else note
    lead.updated_at = now or dt.datetime.now()
    session.flush()
    return lead


def _referrers(session: Session, ids: Sequence[int]) -> dict[int, int]:
    """Who each person was met through: met_through_id, else an earlier referral edge."""
    out: dict[int, int] = {}
    for pid, through in session.execute(
        select(Person.id, Person.met_through_id).where(Person.id.in_(ids))
    ):
        if through is not None:
            out[pid] = through
    rest = [i for i in ids if i not in out]
    if rest:
        edges = session.execute(
            select(Knows.a_id, Knows.b_id)
            .where(Knows.how == "referral", or_(Knows.a_id.in_(rest), Knows.b_id.in_(rest)))
            .order_by(Knows.created_at, Knows.id)
        ).all()
        pair_ids = {x for edge in edges for x in edge}
        created = dict(
            session.execute(
                select(Person.id, Person.created_at).where(Person.id.in_(pair_ids))
            ).all()
        )
        for a, b in edges:
            for me_, other in ((a, b), (b, a)):
                # The referrer is the one you knew first.
                if me_ in rest and me_ not in out and created[other] < created[me_]:
                    out[me_] = other
    return out


def chain_ids(session: Session, person_id: int) -> list[int]:
    """The people from the first one you met to `person_id`, in order."""
    path = [person_id]
    while len(path) < MAX_CHAIN:
        up = _referrers(session, [path[0]]).get(path[0])
        if up is None or up in path:
            break
        path.insert(0, up)
    return path


def _first_contacts(session: Session, ids: Sequence[int]) -> dict[int, dt.datetime]:
    return dict(
        session.execute(
            select(Participant.person_id, func.min(Interaction.occurred_at))
            .join(Interaction, Interaction.id == Participant.interaction_id)
            .where(Participant.person_id.in_(ids), Interaction.planned.is_(False))
            .group_by(Participant.person_id)
        ).all()
    )


def _last_thanks(session: Session, ids: Sequence[int]) -> dict[int, dt.datetime]:
    return dict(
        session.execute(
            select(Exchange.person_id, func.max(Exchange.occurred_at))
            .where(
                Exchange.person_id.in_(ids),
                Exchange.direction == "gave",
                Exchange.kind == "thanks",
            )
            .group_by(Exchange.person_id)
        ).all()
    )


def origin_chain(session: Session, lead: Lead) -> list[OriginStep]:
    if lead.from_person_id is None:
        return []
    ids = chain_ids(session, lead.from_person_id)
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    first = _first_contacts(session, ids)
    thanks = _last_thanks(session, ids)
    steps: list[OriginStep] = []
    since = lead.created_at.date()
    root = persons[ids[0]]
    met_on = root.met_on or (first[root.id].date() if root.id in first else None)
    how = f": {root.how_met}" if root.how_met else ""
    steps.append(
        OriginStep(
            person_id=root.id,
            name=root.display_name,
            relation="met",
            text=f"you met {root.display_name}{how}",
            date=met_on,
            last_thanked=thanks[root.id].date() if root.id in thanks else None,
            thank_owed=root.id not in thanks or thanks[root.id].date() < since,
        )
    )
    for prev, pid in itertools.pairwise(ids):
        p = persons[pid]
        steps.append(
            OriginStep(
                person_id=pid,
                name=p.display_name,
                relation="referred",
                text=f"{persons[prev].display_name} referred you to {p.display_name}",
                date=p.met_on or (first[pid].date() if pid in first else None),
                last_thanked=thanks[pid].date() if pid in thanks else None,
                thank_owed=pid not in thanks or thanks[pid].date() < since,
            )
        )
    sender = persons[ids[-1]]
    steps.append(
        OriginStep(
            person_id=sender.id,
            name=sender.display_name,
            relation="sent",
            text=f"{sender.display_name} sent you this lead",
            date=lead.created_at.date(),
            last_thanked=thanks[sender.id].date() if sender.id in thanks else None,
            thank_owed=sender.id not in thanks or thanks[sender.id].date() < since,
        )
    )
    return steps


def outs(session: Session, leads: Sequence[Lead]) -> list[LeadOut]:
    """Leads as rows with their origin in one line (a query per chain link, not per lead)."""
    pids = sorted({x.from_person_id for x in leads if x.from_person_id is not None})
    org_names = dict(
        session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_({x.org_id for x in leads if x.org_id is not None})
            )
        ).all()
    )
    # Walk every chain one level at a time: a query per level, whatever the lead count.
    chains: dict[int, list[int]] = {pid: [pid] for pid in pids}
    frontier = list(pids)
    for _ in range(MAX_CHAIN):
        if not frontier:
            break
        heads = {chains[pid][0] for pid in frontier}
        up = _referrers(session, sorted(heads))
        nxt = []
        for pid in frontier:
            head = chains[pid][0]
            if head in up and up[head] not in chains[pid]:
                chains[pid].insert(0, up[head])
                nxt.append(pid)
        frontier = nxt
    all_ids = {x for chain in chains.values() for x in chain}
    names = dict(
        session.execute(select(Person.id, Person.display_name).where(Person.id.in_(all_ids))).all()
    )
    return [
        LeadOut(
            id=x.id,
            title=x.title,
            organization=org_names.get(x.org_id) if x.org_id else None,
            from_person=names.get(x.from_person_id) if x.from_person_id else None,
            from_person_id=x.from_person_id,
            url=x.url,
            stage=x.stage,
            origin=" → ".join(names[i] for i in chains[x.from_person_id])
            if x.from_person_id
            else None,
            created=x.created_at.date(),
            updated=x.updated_at.date(),
        )
        for x in leads
    ]


def list_leads(session: Session, stage_: str | None = None) -> list[LeadOut]:
    stmt = select(Lead)
    if stage_:
        stmt = stmt.where(Lead.stage == stage(stage_))
    stages = {s: i for i, s in enumerate(vocab.LEAD_STAGES)}
    leads = sorted(
        session.scalars(stmt).all(),
        key=lambda x: (x.stage == "closed", -stages.get(x.stage, 0), -x.id),
    )
    return outs(session, leads)


def detail(session: Session, lead: Lead) -> LeadDetail:
    base = outs(session, [lead])[0]
    return LeadDetail(**base.model_dump(), notes=lead.notes, chain=origin_chain(session, lead))
