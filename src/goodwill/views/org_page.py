"""An organisation's page and the list of organisations: who works or worked there, how
many people you know in each. Read-only; `org list`/`org show` and the web read it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.schemas.people import OrgDetail, OrgSummary
from goodwill.store.models import Organization, Person, Role
from goodwill.views import people_list


def summaries(session: Session, orgs: Sequence[Organization] | None = None) -> list[OrgSummary]:
    counts = dict(
        session.execute(
            select(Role.org_id, func.count(func.distinct(Role.person_id)))
            .join(Person, Person.id == Role.person_id)
            .where(Person.removed_at.is_(None))
            .group_by(Role.org_id)
        ).all()
    )
    rows = (
        orgs
        if orgs is not None
        else session.scalars(select(Organization).order_by(Organization.name)).all()
    )
    return [
        OrgSummary(
            id=o.id,
            name=o.name,
            kind=o.kind,
            industry=o.industry,
            location=o.location,
            target=o.is_target,
            people=counts.get(o.id, 0),
        )
        for o in rows
    ]


def detail(session: Session, org: Organization) -> OrgDetail:
    base = summaries(session, [org])[0]
    roles = session.scalars(
        select(Role).join(Person).where(Role.org_id == org.id, Person.removed_at.is_(None))
    ).all()
    current_ids = sorted({r.person_id for r in roles if r.is_current})
    past_ids = sorted({r.person_id for r in roles if not r.is_current} - set(current_ids))
    return OrgDetail(
        **base.model_dump(),
        website=org.website,
        notes=org.notes,
        current=people_list.summaries(session, ids=current_ids),
        past=people_list.summaries(session, ids=past_ids),
    )
