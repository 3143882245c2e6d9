"""Report: your networking over time (goodwill.report.reports' figures and charts), and the
self-contained HTML report to download."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from goodwill.career import opportunities
from goodwill.report import periods, reports
from goodwill.schemas.reports import ReportFigures
from goodwill.web.routes.deps import cached, cached_async, now, render, store

router = APIRouter(include_in_schema=False)

Weeks = Annotated[int, Query(ge=1, le=periods.MAX_WEEKS)]
CHART_TITLES = {
    "networked": "Days you networked",
    "contacts": "New contacts and interactions",
    "pipeline": "Interviews and referrals",
    "leads": "Leads, by stage and origin",
    "exchanges": "What you gave and received",
}
PERIODS = ((4, "4 weeks"), (13, "3 months"), (26, "6 months"), (52, "a year"))


def _figures(request: Request, weeks: int) -> ReportFigures:
    key, compute = _report(request, weeks)
    return cached(request, key, compute)


def _report(request: Request, weeks: int) -> tuple[Hashable, Callable[[Session], ReportFigures]]:
    """The report's memo key and computation (every week of history: computed once per
    version of the data)."""
    today = now(request).date()
    return ("report", today, weeks), partial(reports.figures, weeks=weeks, today=today)


@router.get("/report")
async def report_page(request: Request, weeks: Weeks = 26) -> Response:
    # On the event loop, like Today: waiting for the figures holds no worker thread.
    key, compute = _report(request, weeks)
    figs = await cached_async(request, key, compute)
    t = figs.totals
    ctx = {
        "f": figs,
        "t": t,
        "weeks": weeks,
        "periods": PERIODS,
        "charts": {k: v for k, v in CHART_TITLES.items() if k in reports.CHARTS},
        "giving": round(t.gave / t.got, 1) if t.got else None,
    }
    return render(request).page(request, "report.html", ctx)


@router.get("/report/charts/{name}.png")
def report_chart(
    request: Request, name: Annotated[str, Path(max_length=20)], weeks: Weeks = 26
) -> Response:
    png = reports.chart(_figures(request, weeks), name)
    return Response(png, media_type="image/png", headers={"cache-control": "no-store"})


@router.get("/report/charts/{name}.svg")
def report_chart_svg(
    request: Request,
    name: Annotated[str, Path(max_length=20)],
    weeks: Weeks = 26,
    narrow: bool = False,
) -> Response:
    """A chart as SVG: it scales with the page, and `narrow` is drawn for a phone."""
    svg = reports.chart_svg(_figures(request, weeks), name, narrow=narrow)
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "no-store"})


@router.get("/report/full")
def report_full(request: Request, weeks: Weeks = 26, download: bool = False) -> Response:
    """The report exactly as `goodwill report` writes it: one HTML file, nothing external."""
    figs = _figures(request, weeks)
    with store(request).session() as s:
        leads = opportunities.list_leads(s)
    text = reports.html(figs, reports.charts(figs), leads)
    headers = {}
    if download:
        name = f"goodwill-report-{figs.end.isoformat()}.html"
        headers["content-disposition"] = f'attachment; filename="{name}"'
    return HTMLResponse(text, headers=headers)
