"""Needs and Ask: open needs, a form to add one, and for a need whom to ask (with the
reasons) and the warm paths to its target organisations, drawn as a small graph.

The ranking is goodwill.asking.ask's, the paths goodwill.asking.paths'; this module only
arranges them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from goodwill.asking import ask, needs, paths
from goodwill.errors import GoodwillError, InvalidInput
from goodwill.schemas.needs import AskOut, NeedOut, PathOut
from goodwill.schemas.web import PathId, split_list
from goodwill.store.models import Need
from goodwill.web.render import field_errors
from goodwill.web.routes.deps import now, render, store

router = APIRouter(include_in_schema=False)

HELPERS_SHOWN = 10
PATHS_PER_TARGET = 4
# Domain InvalidInput.field -> the form field it is shown beside.
NEED_FIELDS = {"need": "text", "organization": "orgs", "tag": "tags"}


class NeedForm(BaseModel):
    text: str = ""
    orgs: str = ""
    role: str = ""
    place: str = ""
    tags: str = ""


def warm_graph(helpers: list[AskOut], routes: list[PathOut]) -> dict[str, list[dict[str, Any]]]:
    """Nodes and edges for cytoscape: you, the people on the paths, the target
    organisations; an edge per link, labelled with what it is."""
    nodes: dict[str, dict[str, Any]] = {"me": {"id": "me", "label": "You", "kind": "me"}}
    edges: dict[tuple[str, str], dict[str, Any]] = {}

    def person(pid: int, name: str, kind: str = "person") -> str:
        key = f"p{pid}"
        if key not in nodes or kind == "helper":
            nodes[key] = {"id": key, "label": name, "kind": kind, "href": f"/people/{pid}"}
        return key

    def edge(a: str, b: str, label: str, strength: float | None = None) -> None:
        if (a, b) not in edges:
            edges[(a, b)] = {
                "id": f"{a}-{b}",
                "source": a,
                "target": b,
                "label": label,
                "weight": round(strength if strength is not None else 0.5, 3),
            }

    for route in routes:
        prev = "me"
        for step in route.steps:
            here = person(step.id, step.name)
            edge(prev, here, step.via, step.strength)
            prev = here
        org = f"o:{route.target}"
        nodes[org] = {"id": org, "label": route.target, "kind": "target"}
        edge(prev, org, "works there")
    for h in helpers:
        here = person(h.person.id, h.person.name, "helper")
        if h.path and h.path.steps:
            prev = "me"
            for step in h.path.steps:
                node = here if step.id == h.person.id else person(step.id, step.name)
                edge(prev, node, step.via, step.strength)
                prev = node
        else:
            edge("me", here, "your contact")
    return {"nodes": list(nodes.values()), "edges": list(edges.values())}


def _list_context(s: Session) -> dict[str, Any]:
    rows: list[NeedOut] = needs.summaries(s, status="open")
    closed = needs.summaries(s, status="closed")[:5]
    return {"needs": rows, "closed": closed, "values": NeedForm().model_dump()}


@router.get("/needs")
def needs_list(request: Request) -> Response:
    with store(request).session() as s:
        ctx = _list_context(s)
    return render(request).page(request, "needs.html", ctx)


@router.post("/needs")
def need_add(request: Request, form: Annotated[NeedForm, Form()]) -> Response:
    try:
        with store(request).session() as s:
            need = needs.add(
                s,
                form.text,
                orgs_=split_list(form.orgs),
                role=form.role.strip() or None,
                place=form.place.strip() or None,
                tags=split_list(form.tags),
                now=now(request),
            )
            new_id = need.id
    except InvalidInput as exc:
        with store(request).session() as s:
            ctx = _list_context(s)
        ctx.update(
            errors=field_errors(exc, NEED_FIELDS, NeedForm.model_fields), values=form.model_dump()
        )
        return render(request).page(request, "needs.html", ctx, status=400)
    return RedirectResponse(f"/needs/{new_id}", status_code=303)


def need_view(s: Session, need: Need, request: Request) -> dict[str, Any]:
    """The need, whom to ask, and the warm paths to its organisations."""
    when = now(request)
    spec = needs.spec_of(need)
    helpers = ask.ask(s, spec, limit=HELPERS_SHOWN, as_of=when)
    routes: list[PathOut] = []
    for org in spec.org_names:
        try:
            routes += paths.paths_to(s, org, limit=PATHS_PER_TARGET, as_of=when)
        except GoodwillError:
            continue  # a target nobody can reach is simply not drawn
    return {
        "need": needs.summary(need),
        "helpers": helpers,
        "routes": routes,
        "graph": warm_graph(helpers, routes),
        "score_words": ask.score_words,
        "score_means": ask.SCORE_MEANS,
        "weak_ties_source": (
            ask.WEAK_TIES_SOURCE if any(ask.cites_weak_ties(h.reasons) for h in helpers) else ""
        ),
    }


@router.get("/needs/{need_id}")
def need_page(request: Request, need_id: PathId) -> Response:
    with store(request).session() as s:
        ctx = need_view(s, needs.get(s, need_id), request)
    return render(request).page(request, "need.html", ctx)


@router.post("/needs/{need_id}/close")
def need_close(
    request: Request, need_id: PathId, outcome: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    with store(request).session() as s:
        needs.close(s, needs.get(s, need_id), outcome=outcome, now=now(request))
    return RedirectResponse("/needs", status_code=303)
