"""Network: an interactive map of your strongest ties, clustered by organisation."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from goodwill.report import network
from goodwill.schemas.network import NetworkMap
from goodwill.web.routes.deps import cached_async, now, render

router = APIRouter(include_in_schema=False)

SIZES = (100, 300, 600)


def elements(m: NetworkMap) -> dict[str, list[dict[str, Any]]]:
    """The map as cytoscape elements: organisations as parent nodes around their people."""
    nodes: list[dict[str, Any]] = [
        {"id": f"o{i}", "label": org, "cluster": i} for i, org in enumerate(m.clusters)
    ]
    for n in m.nodes:
        node: dict[str, Any] = {
            "id": f"p{n.id}",
            "label": n.name,
            "strength": n.strength,
            "org": n.organization or "",
            "cluster": n.cluster,
            "href": f"/people/{n.id}",
        }
        if n.cluster >= 0:
            node["parent"] = f"o{n.cluster}"
        nodes.append(node)
    edges = [
        {"id": f"k{e.a_id}-{e.b_id}", "source": f"p{e.a_id}", "target": f"p{e.b_id}"}
        for e in m.edges
    ]
    return {"nodes": nodes, "edges": edges}


@router.get("/network")
async def network_page(
    request: Request, size: Annotated[int, Query(ge=1, le=network.MAX_NODES)] = 300
) -> Response:
    # On the event loop: waiting for the map to be computed holds no worker thread.
    # Tie strength counts whole days (history before today): one map per day and data.
    as_of = now(request)
    m = await cached_async(
        request, ("network", as_of.date(), size), partial(network.kept_map, as_of=as_of, limit=size)
    )
    ctx = {
        "map": m,
        "graph": elements(m),
        "size": size,
        "sizes": SIZES,
        "top": sorted(m.nodes, key=lambda n: -n.strength)[:8],
    }
    return render(request).page(request, "network.html", ctx)
