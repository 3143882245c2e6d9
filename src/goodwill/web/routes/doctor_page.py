"""Doctor: the database and every sync source (when it last synced, its last error), the
web face of `goodwill doctor`. One view for the page and its data, Datasette style:
/doctor is the page, /doctor.json the same report (views/doctor.py) as JSON."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from goodwill.views import doctor
from goodwill.web.routes.deps import now, render, store

router = APIRouter(include_in_schema=False)


@router.get("/doctor")
@router.get("/doctor.json")
def doctor_page(request: Request) -> Response:
    with store(request).session() as s:
        report = doctor.report(s, now(request))
    if request.url.path.endswith(".json"):
        return Response(
            report.model_dump_json(indent=2),
            media_type="application/json",
            headers={"cache-control": "no-store"},
        )
    failing = sum(1 for src in report.sources if src.failing)
    return render(request).page(request, "doctor.html", {"r": report, "failing": failing})
