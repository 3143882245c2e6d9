"""The map of your network: the strongest ties, grouped by organisation, with who knows
whom among them. Tie strength is strength.scores'; organisations are current roles."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.asking import paths
from goodwill.errors import InvalidInput
from goodwill.schemas.network import MapEdge, MapNode, NetworkMap
from goodwill.scoring import kept_strength, strength
from goodwill.store.db import IDS, run_read
from goodwill.store.models import Knows, Person

MAX_NODES = 1000  # beyond this a browser's layout stops being interactive

# The knows-edges among the people shown. `b_id + 0` keeps SQLite from probing the unique
# (a_id, b_id, how) index once per pair of the two lists (90,000 probes for 300 people):
# it seeks each a_id's edges and tests b_id against the list.
_EDGES_AMONG = (
    select(Knows.a_id, Knows.b_id, Knows.how)
    .where(Knows.a_id.in_(IDS), (Knows.b_id + 0).in_(IDS))
    .order_by(Knows.id)
)


def network_map(
    session: Session,
    as_of: dt.datetime,
    *,
    limit: int = 300,
    strengths: Mapping[int, float] | None = None,
) -> NetworkMap:
    """The `limit` people with the strongest ties (you excluded), their organisations as
    clusters (those with two or more people on the map) and the knows-edges among them.
    `strengths`: everyone's tie strength as of `as_of`, when the caller has them."""
    if not 1 <= limit <= MAX_NODES:
        raise InvalidInput("limit", limit, f"must be between 1 and {MAX_NODES}")
    if strengths is None:
        strengths = strength.scores(session, as_of)
    me = set(session.scalars(select(Person.id).where(Person.is_me.is_(True))))
    scores = {pid: v for pid, v in strengths.items() if pid not in me}
    top = sorted(scores, key=lambda pid: (-scores[pid], pid))[:limit]
    if not top:
        return NetworkMap(people=len(scores))
    names = dict(
        session.execute(select(Person.id, Person.display_name).where(Person.id.in_(top))).all()
    )
    where = paths.current_orgs(session, top)
    counts = Counter(where[pid] for pid in top if pid in where)
    clusters = [org for org, n in sorted(counts.items(), key=lambda i: (-i[1], i[0])) if n >= 2]
    index = {org: i for i, org in enumerate(clusters)}
    edges = {(a, b): how for a, b, how in run_read(session, _EDGES_AMONG, {"ids": top}) if a != b}
    return NetworkMap(
        people=len(scores),
        nodes=[
            MapNode(
                id=pid,
                name=names.get(pid, "?"),
                strength=scores[pid],
                organization=where.get(pid),
                cluster=index.get(where.get(pid, ""), -1),
            )
            for pid in top
        ],
        edges=[MapEdge(a_id=a, b_id=b, how=how) for (a, b), how in edges.items()],
        clusters=clusters,
    )


def kept_map(session: Session, as_of: dt.datetime, *, limit: int = 300) -> NetworkMap:
    """The map with tie strengths kept in this process between writes (`kept_strength`:
    only the people a write concerned are scored again): the web app's map, computed
    again after every write."""
    return network_map(session, as_of, limit=limit, strengths=kept_strength.scores(session, as_of))
