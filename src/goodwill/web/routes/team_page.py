"""The team page (`serve --team`): teammates' ties to a target, introduction requests to
and from you; accepting or declining one (also from Today)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from goodwill.asking import team as team_ask
from goodwill.errors import GoodwillError, NotFound
from goodwill.records import team as members
from goodwill.web.routes.deps import render, store

router = APIRouter(include_in_schema=False)
# The strongest teammates' ties shown for a target; the page says how many more there are.
ROUTES_SHOWN = 50


@router.get("/team")
def team_page(request: Request, to: Annotated[str, Query(max_length=300)] = "") -> Response:
    ctx: dict[str, Any] = {"to": to.strip(), "routes": [], "target": None, "error": None, "more": 0}
    with store(request).session() as s:
        if ctx["to"]:
            try:
                ctx["target"], ids = team_ask.target_people(s, ctx["to"])
                found, ctx["more"] = team_ask.ranked_routes(s, ids, limit=ROUTES_SHOWN)
                ctx["routes"] = [(r, team_ask.sentence(r)) for r in found]
                ctx["more"] -= len(found)
            except GoodwillError as exc:
                ctx["error"] = str(exc)
        ctx["intros"] = team_ask.intros(s)
        ctx["members"] = members.list_members(s)
    ctx["me"] = request.state.viewer
    return render(request).page(request, "team.html", ctx)


@router.post("/team/intros")
def ask_intro(
    request: Request,
    member: Annotated[str, Form(max_length=320)],
    person: Annotated[str, Form(max_length=300)],
    why: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    with store(request).session() as s:
        team_ask.request_intro(s, member, person, why)
    return RedirectResponse("/team", status_code=303)


@router.post("/team/intros/{intro_id}/{op}")
def answer_intro(request: Request, intro_id: int, op: str) -> Response:
    if op not in team_ask.STEPS or not 0 < intro_id < 2**31:
        raise NotFound("There is no page at this address.")
    with store(request).session() as s:
        team_ask.step(s, intro_id, op)
    return RedirectResponse("/", status_code=303)
