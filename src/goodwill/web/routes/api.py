"""The JSON API under /api: the same pydantic schemas as the command line's --format json."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import select
from starlette.requests import Request

from goodwill import validate
from goodwill.asking import ask, needs
from goodwill.errors import NotFound
from goodwill.records import interactions, people
from goodwill.report import network, reports
from goodwill.schemas.needs import AskOut, NeedOut
from goodwill.schemas.network import NetworkMap
from goodwill.schemas.people import (
    InteractionBrief,
    OrgDetail,
    OrgSummary,
    PersonDetail,
    PersonSummary,
    SearchHit,
)
from goodwill.schemas.reports import ReportFigures
from goodwill.schemas.web import LogRequest
from goodwill.store import search
from goodwill.store.models import Organization
from goodwill.views import org_page, person_page
from goodwill.web.routes.deps import InThread, now, store
from goodwill.web.routes.people_pages import find_people, rows_of

ERRORS = {
    400: {"description": "A value is not acceptable (`detail` says which and why)."},
    403: {"description": "A write without the page's CSRF token or the API token."},
    404: {"description": "No such record."},
}
router = APIRouter(
    prefix="/api",
    tags=["api"],
    responses=ERRORS,  # type: ignore[arg-type]
    route_class=InThread,
)

Limit = Annotated[int, Query(ge=1, le=500, description="At most this many.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Skip this many first.")]
Id = Annotated[int, Path(ge=1, le=validate.MAX_ID, description="A record id.")]


@router.get("/people", response_model=list[PersonSummary])
def api_people(
    request: Request,
    q: Annotated[str, Query(max_length=200, description="Search words.")] = "",
    circle: Annotated[
        str, Query(max_length=20, description="close, active, network or wider.")
    ] = "",
    tag: Annotated[str, Query(max_length=100)] = "",
    org: Annotated[str, Query(max_length=300, description="Organisation id or name.")] = "",
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[PersonSummary]:
    """People (like `goodwill person list --format json`), best search match first."""
    with store(request).session() as s:
        shown, _total = find_people(
            s, q=q, circle=circle, tag=tag, org=org, limit=limit, offset=offset
        )
    return rows_of(request, shown)


@router.get("/people/{person_id}", response_model=PersonDetail)
def api_person(request: Request, person_id: Id) -> PersonDetail:
    """Everything about a person (like `goodwill person show ID --format json`)."""
    with store(request).session() as s:
        return person_page.detail(s, people.resolve(s, str(person_id)))


@router.get("/orgs", response_model=list[OrgSummary])
def api_orgs(request: Request, limit: Limit = 100, offset: Offset = 0) -> list[OrgSummary]:
    """Organisations with how many of your people work or worked there."""
    with store(request).session() as s:
        chosen = s.scalars(
            select(Organization).order_by(Organization.name).limit(limit).offset(offset)
        ).all()
        return org_page.summaries(s, chosen)


@router.get("/orgs/{org_id}", response_model=OrgDetail)
def api_org(request: Request, org_id: Id) -> OrgDetail:
    """An organisation and its current and past people."""
    with store(request).session() as s:
        org = s.get(Organization, org_id)
        if org is None:
            raise NotFound(f"no organisation #{org_id}")
        return org_page.detail(s, org)


@router.get("/search", response_model=list[SearchHit])
def api_search(
    request: Request,
    q: Annotated[str, Query(max_length=200, description="Search words.")],
    limit: Limit = 20,
) -> list[SearchHit]:
    """Full-text search over people, organisations and interaction summaries."""
    with store(request).session() as s:
        return search.search(s, q, limit=limit)


@router.get("/interactions", response_model=list[InteractionBrief])
def api_interactions(request: Request, limit: Limit = 20) -> list[InteractionBrief]:
    """The latest interactions, newest first."""
    with store(request).session() as s:
        return person_page.latest_interactions(s, limit)


@router.post("/interactions", response_model=InteractionBrief, status_code=201)
def api_log(request: Request, body: LogRequest) -> InteractionBrief:
    """Record an interaction (like `goodwill log`). Needs the X-CSRF-Token header of a page
    or, on a server started with a token, `Authorization: Bearer TOKEN`."""
    current = now(request)
    with store(request).session() as s:
        who = [people.resolve(s, ref) for ref in body.people]
        when = validate.datetime(body.date, now=current) if body.date else None
        item = interactions.log(
            s,
            who,
            body.kind,
            when=when,
            summary=body.summary,
            initiated_by=body.initiated_by,
            gave=body.gave,
            got=body.got,
            asked=body.asked,
            they_asked=body.they_asked,
            now=current,
        )
        return person_page.interaction_briefs(s, [item.id])[0]


@router.get("/needs", response_model=list[NeedOut])
def api_needs(
    request: Request,
    status: Annotated[str, Query(max_length=10, description="open, closed or all.")] = "open",
) -> list[NeedOut]:
    """Needs (like `goodwill need list --format json`), newest first."""
    with store(request).session() as s:
        return needs.summaries(s, status=status)


@router.get("/needs/{need_id}/ask", response_model=list[AskOut])
def api_ask(
    request: Request, need_id: Id, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> list[AskOut]:
    """Whom to ask for a need, with reasons (like `goodwill ask N --format json`)."""
    with store(request).session() as s:
        return ask.ask(s, str(need_id), limit=limit, as_of=now(request))


@router.get("/report", response_model=ReportFigures)
def api_report(request: Request, weeks: Annotated[int, Query(ge=1, le=520)] = 26) -> ReportFigures:
    """The report's figures (like `goodwill report --format json`)."""
    with store(request).session() as s:
        return reports.figures(s, weeks=weeks, today=now(request).date())


@router.get("/network", response_model=NetworkMap)
def api_network(request: Request, size: Annotated[int, Query(ge=1, le=1000)] = 300) -> NetworkMap:
    """The strongest ties, their organisations and who knows whom among them."""
    with store(request).session() as s:
        return network.network_map(s, now(request), limit=size)
