"""Warm introduction paths: from you, through the people you know, to a person or an org.

The graph: you are the root (there may be no Person row for you); the people you have
interacted with are your first hop, each link as strong as your tie (`strength.scores`);
people are linked to each other by knows-edges, explicit and derived (`knows.py`), and by
the roles they held at the same organisation. Organisations are hub nodes: a big employer
would otherwise be a clique of millions of pairs.

A path's score is the product of its links' strengths. The search is a hop-bounded
shortest path (cost = -log strength) computed layer by layer over numpy arrays: layer i
holds the best cost of reaching each person in at most i links, and the predecessor that
gave it. At 50,000 people and half a million edges one layer is a few vectorised passes
over the edge arrays (docs/asking.md compares networkx and rustworkx, which spend longer
just building their graph objects than this search takes).

The graph is loaded with one query per table into arrays and kept in memory for the
process, keyed by a fingerprint of the tables it depends on. A big graph is also kept in
the user's cache folder (GOODWILL_CACHE_DIR), because reading half a million rows through
Python costs more than the whole budget of a command.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from goodwill import ask_weights as W
from goodwill import vocab
from goodwill.errors import InvalidInput, NotFound
from goodwill.records import orgs, people
from goodwill.schemas.needs import KnowsEdgeOut, PathOut, PathStep
from goodwill.scoring import strength
from goodwill.store import changes
from goodwill.store.db import address, cache_file
from goodwill.store.models import Knows, Organization, Person, Role

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

# What a link is, by code. The first ones are vocab.KNOWS_HOW, in order.
LINK_KINDS: tuple[str, ...] = (*vocab.KNOWS_HOW, "met_through", "colleagues", "contact")
MET_THROUGH = LINK_KINDS.index("met_through")
COLLEAGUES = LINK_KINDS.index("colleagues")
CONTACT = LINK_KINDS.index("contact")
_INF = np.inf
DISK_CACHE_MIN_EDGES = 50_000  # smaller graphs load faster than a cache file is checked


# -- the graph ----------------------------------------------------------------------------
@dataclass
class Graph:
    """People as nodes 0..n-1 (`ids` sorted), organisations as hubs 0..m-1."""

    ids: I64
    # Person-person links, each in both directions, sorted by source (CSR: src_ptr;
    # src itself is derived from it).
    dst: I64
    strength: F64
    how: NDArray[np.int8]
    src_ptr: I64
    # Role memberships: node, hub, half-strength (a colleague link is the product of
    # two halves), current role; sorted by node (node_ptr), and by hub (by_hub, hub_ptr).
    mem_node: I64
    mem_hub: I64
    mem_half: F64
    mem_current: NDArray[np.bool_]
    node_ptr: I64
    by_hub: I64
    hub_ptr: I64
    hub_org: I64  # organisation id of each hub
    fingerprint: str = ""

    # Derived when first used (a graph about to be extended never needs them).
    @cached_property
    def src(self) -> I64:
        return np.repeat(np.arange(len(self.ids), dtype=np.int64), np.diff(self.src_ptr))

    @cached_property
    def cost(self) -> F64:
        return -np.log(np.clip(self.strength, 1e-9, 1.0))  # type: ignore[no-any-return]

    @cached_property
    def mem_cost(self) -> F64:
        return -np.log(np.clip(self.mem_half, 1e-9, 1.0))  # type: ignore[no-any-return]

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def m(self) -> int:
        return len(self.hub_org)

    def nodes(self, person_ids: Sequence[int] | I64) -> I64:
        """Node index of each person id (-1 for people not in the graph)."""
        want = np.asarray(person_ids, dtype=np.int64)
        if self.n == 0 or want.size == 0:
            return np.full(want.shape, -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.ids, want), self.n - 1)
        return np.where(self.ids[pos] == want, pos, -1).astype(np.int64)

    def hub_of(self, org_id: int) -> int:
        pos = np.nonzero(self.hub_org == org_id)[0]
        return int(pos[0]) if pos.size else -1

    def members(self, hub: int, *, current_only: bool = False) -> I64:
        rows = self.by_hub[self.hub_ptr[hub] : self.hub_ptr[hub + 1]]
        if current_only:
            rows = rows[self.mem_current[rows]]
        return self.mem_node[rows]


def _ranges(ptr: I64, items: I64) -> I64:
    """Concatenated index ranges ptr[i]..ptr[i+1] for each i in items (vectorised)."""
    if items.size == 0:
        return np.zeros(0, dtype=np.int64)
    starts, ends = ptr[items], ptr[items + 1]
    counts = ends - starts
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return (offsets + np.arange(total, dtype=np.int64)).astype(np.int64)


def _rows(session: Session, sql: str) -> list[tuple[Any, ...]]:
    """Raw DB-API rows: half a million edges need no ORM row objects."""
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _array(rows: list[tuple[Any, ...]], width: int) -> F64:
    if not rows:
        return np.zeros((0, width))
    return np.array(rows, dtype=np.float64).reshape(-1, width)


def _how_case() -> str:
    whens = " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(vocab.KNOWS_HOW))
    return f"CASE how {whens} ELSE {vocab.KNOWS_HOW.index('manual')} END"


def _evidence(session: Session, persons: Sequence[int] | None = None) -> F64:
    """Every piece of evidence that two people know each other: rows (a, b, strength, how)
    (only between `persons` when given). Rows come in a fixed order, so the links of a
    few pairs computed from their own evidence equal those of the whole graph."""

    def among(a: str, b: str) -> str:
        if persons is None:
            return ""
        listed = _listed(persons)
        return f" AND {a} IN ({listed}) AND {b} IN ({listed})"

    knows = _array(
        _rows(
            session,
            f"SELECT a_id, b_id, confidence, {_how_case()} FROM knows WHERE 1 = 1"
            + among("a_id", "b_id")
            + " ORDER BY id",
        ),
        4,
    )
    # Meetings of 2 to MEETING_MAX_PEOPLE people (of those people's, when given).
    scope = "participant"
    if persons is not None:
        scope = (
            "participant WHERE interaction_id IN (SELECT interaction_id FROM participant "
            "WHERE 1 = 1" + among("person_id", "person_id") + ")"
        )
    meet = _array(
        _rows(
            session,
            "SELECT p1.person_id, p2.person_id, COUNT(*) FROM participant p1 "
            "JOIN participant p2 ON p2.interaction_id = p1.interaction_id "
            "AND p1.person_id < p2.person_id "
            f"WHERE p1.interaction_id IN (SELECT interaction_id FROM {scope} "
            f"GROUP BY interaction_id HAVING COUNT(*) BETWEEN 2 AND {W.MEETING_MAX_PEOPLE})"
            + among("p1.person_id", "p2.person_id")
            + " GROUP BY p1.person_id, p2.person_id ORDER BY p1.person_id, p2.person_id",
        ),
        3,
    )
    meetings = np.column_stack(
        [
            meet[:, :2],
            1.0 - (1.0 - W.MEETING_STRENGTH) ** meet[:, 2],
            np.full(len(meet), vocab.KNOWS_HOW.index("meeting")),
        ]
    )

    def pairs(sql: str, a: str, b: str, strength: float, how: int) -> F64:
        got = _array(_rows(session, sql + among(a, b) + " ORDER BY 1, 2"), 2)
        return np.column_stack([got, np.full(len(got), strength), np.full(len(got), how)])

    return np.vstack(
        [
            knows,
            meetings,
            pairs(
                "SELECT person_id, referred_to_id FROM request WHERE referred_to_id IS NOT NULL",
                "person_id",
                "referred_to_id",
                W.REFERRAL_STRENGTH,
                vocab.KNOWS_HOW.index("referral"),
            ),
            pairs(
                "SELECT a_id, b_id FROM introduction WHERE stage IN ('made', 'followed_up')",
                "a_id",
                "b_id",
                W.INTRODUCTION_STRENGTH,
                vocab.KNOWS_HOW.index("introduction"),
            ),
            pairs(
                "SELECT id, met_through_id FROM person WHERE met_through_id IS NOT NULL",
                "id",
                "met_through_id",
                W.MET_THROUGH_STRENGTH,
                MET_THROUGH,
            ),
        ]
    )


def _links(ids: I64, ev: F64) -> tuple[I64, I64, F64, NDArray[np.int8]]:
    """Evidence per pair combined by noisy-or; the strongest evidence names the link."""
    n = len(ids)
    a = _nodes(ids, ev[:, 0].astype(np.int64))
    b = _nodes(ids, ev[:, 1].astype(np.int64))
    keep = (a >= 0) & (b >= 0) & (a != b)
    a, b, s, how = a[keep], b[keep], np.clip(ev[keep, 2], 0.0, 1.0), ev[keep, 3]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * max(n, 1) + hi
    order = np.lexsort((-s, key))
    key, lo, hi, s, how = key[order], lo[order], hi[order], s[order], how[order]
    if key.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), np.zeros(0, dtype=np.int8)
    first = np.concatenate([[True], key[1:] != key[:-1]])
    starts = np.nonzero(first)[0]
    miss = np.add.reduceat(np.log1p(-np.minimum(s, 1.0 - 1e-9)), starts)
    return lo[starts], hi[starts], 1.0 - np.exp(miss), how[starts].astype(np.int8)


def _nodes(ids: I64, want: I64) -> I64:
    if ids.size == 0:
        return np.full(want.shape, -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(ids, want), ids.size - 1)
    return np.where(ids[pos] == want, pos, -1).astype(np.int64)


def _listed(ids: Iterable[int]) -> str:
    """Ids for an SQL IN (...): integers only, so nothing else reaches the query."""
    return ", ".join(str(int(i)) for i in sorted(set(ids))) or "NULL"


def _person_ids(session: Session, after: int = 0) -> I64:
    """Active people other than you, by id (only ids above `after`)."""
    rows = _rows(
        session,
        "SELECT id FROM person WHERE removed_at IS NULL AND is_me = FALSE "
        f"AND id > {int(after)} ORDER BY id",
    )
    return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))


def _build(session: Session, fingerprint: str) -> Graph:
    ids = _person_ids(session)
    return Graph(
        ids=ids,
        **_csr(len(ids), *_links(ids, _evidence(session))),
        **_memberships(session, ids),
        fingerprint=fingerprint,
    )


def _csr(n: int, lo: I64, hi: I64, s: F64, how: NDArray[np.int8]) -> dict[str, Any]:
    """Links (sorted by pair) as arrays by source node, each link in both directions."""
    src = np.concatenate([lo, hi])
    dst = np.concatenate([hi, lo])
    order = np.argsort(src, kind="stable")
    src, dst = src[order], dst[order]
    strength, kinds = np.concatenate([s, s])[order], np.concatenate([how, how])[order]
    return {
        "dst": dst.astype(np.int64),
        "strength": strength.astype(np.float64),
        "how": kinds.astype(np.int8),
        "src_ptr": np.searchsorted(src, np.arange(n + 1)).astype(np.int64),
    }


def _memberships(session: Session, ids: I64) -> dict[str, Any]:
    """Role memberships: one per (person, organisation), the current role winning."""
    roles = _array(_rows(session, "SELECT person_id, org_id, is_current FROM role"), 3)
    node = _nodes(ids, roles[:, 0].astype(np.int64))
    ok = node >= 0
    return _membership_arrays(len(ids), node[ok], roles[ok, 1].astype(np.int64), roles[ok, 2] > 0)


def _membership_arrays(n: int, node: I64, org: I64, cur: NDArray[np.bool_]) -> dict[str, Any]:
    """Memberships from (node, organisation, current) rows, any order, repeats allowed."""
    order = np.lexsort((~cur, org, node))
    node, org, cur = node[order], org[order], cur[order]
    first = np.ones(node.size, dtype=bool)
    first[1:] = (node[1:] != node[:-1]) | (org[1:] != org[:-1])
    node, org, cur = node[first], org[first], cur[first]
    hub_org, hub = np.unique(org, return_inverse=True)
    size = np.bincount(hub, minlength=len(hub_org)).astype(np.float64)
    dilution = np.minimum(1.0, W.COLLEAGUE_CIRCLE / np.maximum(size - 1.0, 1.0))
    factor = np.where(cur, W.COLLEAGUE_CURRENT, W.COLLEAGUE_PAST)
    half = factor * np.sqrt(dilution[hub])
    by_node = np.argsort(node, kind="stable")
    node, hub, half, cur = node[by_node], hub[by_node], half[by_node], cur[by_node]
    by_hub = np.argsort(hub, kind="stable").astype(np.int64)
    return {
        "mem_node": node.astype(np.int64),
        "mem_hub": hub.astype(np.int64),
        "mem_half": half.astype(np.float64),
        "mem_current": cur.astype(np.bool_),
        "node_ptr": np.searchsorted(node, np.arange(n + 1)).astype(np.int64),
        "by_hub": by_hub,
        "hub_ptr": np.searchsorted(hub[by_hub], np.arange(len(hub_org) + 1)).astype(np.int64),
        "hub_org": hub_org.astype(np.int64),
    }


def _extend(session: Session, old: Graph, fingerprint: str) -> _Extended | None:
    """The graph after people were added (with roles at organisations, old or new) or
    removed, roles changed, or evidence added between people (knows-edges, meetings,
    referrals, introductions): newcomers are appended, the removed taken out with their
    links, the links of the pairs concerned recomputed from their own evidence, and the
    memberships read again; a merge is the merged person removed and every pair of the
    one they were merged into relinked. None when anything else changed (an edge changed
    in place, who met whom through whom, someone back...): rebuild."""
    was, now = _parts(old.fingerprint), _parts(fingerprint)
    if not was or not now:
        return None
    changed = {k for k in _PARTS if was[k] != now[k]}
    if not changed <= _GROWTH | _EVIDENCE:
        return None
    # people: count / largest id / removed count / removed ids / you / met-through / the
    # first one's creation (another database at the same place differs there).
    p_was, p_now = was["people"].split("/"), now["people"].split("/")
    if len(p_was) != 7 or len(p_now) != 7 or p_was[4] != p_now[4] or p_was[6] != p_now[6]:
        return None
    if not (p_was[0].isdigit() and p_was[1].isdigit() and p_now[0].isdigit()):
        return None
    last = int(p_was[1])
    renew: set[int] = set()
    base: Graph | _Links = old
    kept = np.arange(old.n)
    survivors: list[int] = []  # who took in someone merged: all their pairs are relinked
    new = _person_ids(session, after=last)
    if p_was[2:4] != p_now[2:4]:  # someone was removed or merged
        removed = _rows(
            session, f"SELECT id FROM person WHERE removed_at IS NOT NULL AND id <= {last}"
        )
        keep = ~np.isin(old.ids, np.array([r[0] for r in removed], dtype=np.int64))
        gone = old.ids[~keep]
        staying = _rows(
            session,
            "SELECT COUNT(*) FROM person WHERE removed_at IS NULL AND is_me = FALSE "
            f"AND id <= {last}",
        )[0][0]
        if int(keep.sum()) != int(staying) or gone.size == 0:
            return None  # someone came back
        survivors = _survivors(session, gone)
        if survivors and not np.isin(survivors, old.ids[keep]).all():
            return None  # merged into someone not in the graph
        base, kept = _dropped(old, keep), np.flatnonzero(keep)
        renew |= _knows_neighbours(session, np.concatenate([gone, survivors])) | set(survivors)
    if p_was[5] != p_now[5] and not survivors:
        return None  # who met whom through whom changed, not by a merge
    if len(new) != int(p_now[0]) - int(p_was[0]) or (
        base.n and new.size and new[0] <= base.ids[-1]
    ):
        return None
    ids = np.concatenate([base.ids, new])
    links: dict[str, Any] = {
        "dst": base.dst,
        "strength": base.strength,
        "how": base.how,
        "src_ptr": np.concatenate([base.src_ptr, np.full(new.size, base.src_ptr[-1])]),
    }
    if changed & _EVIDENCE or survivors:
        found = _new_pairs(session, was)
        if found is None:
            return None
        pairs, knew = found
        if survivors:
            pairs = np.unique(np.vstack([pairs, _pairs_of(session, survivors)]), axis=0)
        relinked = _relinked(session, base, ids, pairs)
        if relinked is None:
            return None
        links, renew = relinked, renew | knew
    members = {f: getattr(old, f) for f in _MEMBERSHIP_FIELDS}
    if changed & {"roles", "orgs"}:
        members = _memberships(session, ids)
    elif base is not old:  # roles unchanged: the removed people's memberships go
        rows = np.isin(old.mem_node, kept)
        node = (np.cumsum(np.isin(np.arange(old.n), kept)) - 1)[old.mem_node[rows]]
        org = old.hub_org[old.mem_hub[rows]]
        members = _membership_arrays(ids.size, node, org, old.mem_current[rows])
    else:  # roles unchanged: the newcomers have none
        members["node_ptr"] = np.concatenate([old.node_ptr, np.full(new.size, old.node_ptr[-1])])
    graph = Graph(ids=ids, **links, **members, fingerprint=fingerprint)
    return _Extended(graph, kept, renew)


@dataclass
class _Extended:
    graph: Graph
    kept: I64  # the old nodes still in it, in order (then the newcomers)
    renew: set[int]  # people whose ties must be recomputed (their mutual contacts changed)

    def ties(self, old: dict[str, F64]) -> dict[str, F64]:
        """Kept ties carried over: the removed dropped, newcomers at 0 (they have no
        history before the ties' latest interaction)."""
        extra = self.graph.n - self.kept.size
        return {k: np.concatenate([v[self.kept], np.zeros(extra)]) for k, v in old.items()}


def _survivors(session: Session, ids: I64) -> list[int]:
    """Whom any of `ids` was merged into."""
    listed = _listed(ids.tolist())
    sql = (
        "SELECT DISTINCT merged_into_id FROM person "
        f"WHERE id IN ({listed}) AND merged_into_id IS NOT NULL"
    )
    return sorted(int(r[0]) for r in _rows(session, sql))


def _pairs_of(session: Session, persons: Sequence[int]) -> I64:
    """Every pair of person ids with evidence that involves one of `persons` (a merge
    moves evidence to them, so each of their links is recomputed)."""
    listed = _listed(persons)
    sql = [
        f"SELECT a_id, b_id FROM knows WHERE a_id IN ({listed}) OR b_id IN ({listed})",
        "SELECT p1.person_id, p2.person_id FROM participant p1 JOIN participant p2 "
        "ON p2.interaction_id = p1.interaction_id AND p2.person_id != p1.person_id "
        f"WHERE p1.person_id IN ({listed})",
        "SELECT person_id, referred_to_id FROM request WHERE referred_to_id IS NOT NULL "
        f"AND (person_id IN ({listed}) OR referred_to_id IN ({listed}))",
        f"SELECT a_id, b_id FROM introduction WHERE a_id IN ({listed}) OR b_id IN ({listed})",
        "SELECT id, met_through_id FROM person WHERE met_through_id IS NOT NULL "
        f"AND (id IN ({listed}) OR met_through_id IN ({listed}))",
    ]
    found = {(min(a, b), max(a, b)) for q in sql for a, b in _rows(session, q) if a != b}
    return np.array(sorted(found), dtype=np.int64).reshape(-1, 2)


def _knows_neighbours(session: Session, ids: I64) -> set[int]:
    """Who has a knows-edge with one of `ids` (their mutual contacts change with them)."""
    listed = _listed(ids.tolist())
    rows = _rows(
        session, f"SELECT a_id, b_id FROM knows WHERE a_id IN ({listed}) OR b_id IN ({listed})"
    )
    return {int(p) for row in rows for p in row} - {int(i) for i in ids}


@dataclass
class _Links:
    """A graph's people and links alone (an intermediate step of `_extend`)."""

    ids: I64
    dst: I64
    strength: F64
    how: NDArray[np.int8]
    src_ptr: I64

    @property
    def n(self) -> int:
        return len(self.ids)


def _dropped(old: Graph, keep: NDArray[np.bool_]) -> _Links:
    """The people and links without the nodes not kept and their links."""
    remap = np.cumsum(keep) - 1
    ok = keep[old.src] & keep[old.dst]
    grow = np.bincount(remap[old.src[ok]], minlength=int(keep.sum()))
    return _Links(
        ids=old.ids[keep],
        dst=remap[old.dst[ok]].astype(np.int64),
        strength=old.strength[ok],
        how=old.how[ok],
        src_ptr=np.concatenate([[0], np.cumsum(grow)]).astype(np.int64),
    )


def _new_pairs(session: Session, was: dict[str, str]) -> tuple[I64, set[int]] | None:
    """Pairs of person ids whose evidence may have changed since the fingerprint `was`,
    and the people with new knows-edges; None when that cannot be told cheaply."""
    last = {k: int(was[k]) if was[k].isdigit() else 0 for k in ("knows", "meetings")}
    if any(was[k] not in ("None", str(v)) for k, v in last.items()):
        return None
    found: list[tuple[int, int]] = []
    knows = _rows(session, f"SELECT a_id, b_id FROM knows WHERE id > {last['knows']}")
    found += [(int(a), int(b)) for a, b in knows]
    rows = _rows(
        session,
        "SELECT interaction_id, person_id FROM participant "
        f"WHERE interaction_id > {last['meetings']} ORDER BY interaction_id, person_id",
    )
    by_meeting: dict[int, list[int]] = {}
    for iid, pid in rows:
        by_meeting.setdefault(int(iid), []).append(int(pid))
    for met in by_meeting.values():
        if 2 <= len(met) <= W.MEETING_MAX_PEOPLE:
            found += [(a, b) for i, a in enumerate(met) for b in met[i + 1 :]]
    for table, a, b, stamp, key in (
        ("request", "person_id", "referred_to_id", "answered_at", "answered"),
        ("introduction", "a_id", "b_id", "updated_at", "intro_changes"),
    ):
        since = f" AND {stamp} >= '{was[key]}'" if was[key] != "None" else ""
        if "'" in was[key]:
            return None
        sql = f"SELECT {a}, {b} FROM {table} WHERE {b} IS NOT NULL{since}"
        found += [(int(x), int(y)) for x, y in _rows(session, sql)]
    pairs = np.array(sorted({(min(p), max(p)) for p in found if p[0] != p[1]}), dtype=np.int64)
    return pairs.reshape(-1, 2), {p for pair in knows for p in pair}


def _relinked(session: Session, old: Graph | _Links, ids: I64, pairs: I64) -> dict[str, Any] | None:
    """The old links with those of `pairs` (person ids) recomputed from their evidence, or
    None if one of them is gone (evidence is only ever added here: rebuild)."""
    n = len(ids)
    a, b = _nodes(ids, pairs[:, 0]), _nodes(ids, pairs[:, 1])
    ok = (a >= 0) & (b >= 0)
    x, y = np.minimum(a, b)[ok], np.maximum(a, b)[ok]
    persons = np.unique(pairs[ok].ravel()).tolist()
    ev = _evidence(session, persons) if persons else np.zeros((0, 4))
    if len(ev):  # evidence between these people, of the pairs concerned only
        base = int(max(ev[:, :2].max(), pairs.max())) + 1
        a_ev, b_ev = ev[:, 0].astype(np.int64), ev[:, 1].astype(np.int64)
        key = np.minimum(a_ev, b_ev) * base + np.maximum(a_ev, b_ev)
        ev = ev[np.isin(key, pairs[:, 0] * base + pairs[:, 1])]
    new = {
        (int(lo), int(hi)): (float(v), int(k))
        for lo, hi, v, k in zip(*_links(ids, ev), strict=True)
    }
    ptr = np.concatenate([old.src_ptr, np.full(n - old.n, old.src_ptr[-1])])
    strength, how = old.strength.copy(), old.how.copy()
    adds: list[tuple[int, int, int, int, float, int]] = []  # position, source, part, ...
    for u, v in zip(x.tolist(), y.tolist(), strict=True):
        link = new.get((u, v))
        for src, other in ((u, v), (v, u)):
            # A node's entries: bigger neighbours ascending, then smaller ones ascending.
            start = int(ptr[src])
            block = old.dst[start : int(ptr[src + 1])]
            bigger = int(np.count_nonzero(block > src))
            part = 0 if other > src else 1
            first = start if part == 0 else start + bigger
            side = block[:bigger] if part == 0 else block[bigger:]
            at = int(np.searchsorted(side, other))
            if at < side.size and side[at] == other:
                if link is None:
                    return None
                strength[first + at], how[first + at] = link
            elif link is not None:
                adds.append((first + at, src, part, other, *link))
    if not adds:
        return {"dst": old.dst, "strength": strength, "how": how, "src_ptr": ptr}
    adds.sort()
    where = np.array([p for p, *_ in adds], dtype=np.int64)
    grow = np.bincount([src for _, src, *_ in adds], minlength=n)
    return {
        "dst": np.insert(old.dst, where, [o for *_, o, _, _ in adds]).astype(np.int64),
        "strength": np.insert(strength, where, [v for *_, v, _ in adds]).astype(np.float64),
        "how": np.insert(how, where, [k for *_, k in adds]).astype(np.int8),
        "src_ptr": ptr + np.concatenate([[0], np.cumsum(grow)]).astype(np.int64),
    }


# -- caching ------------------------------------------------------------------------------
# Cheap to read (largest ids, counts of small tables, one pass over people and roles):
# rows are only added to the big tables; edits are caught by checksums over exactly what
# the graph reads (who is active or you, who met whom through whom, who works where and
# whether still), or by the change log's `edges` (an edge changed in place or deleted). So
# editing a person's notes, tags or circle keeps the graph. The graph depends on
# interactions only through meetings of two or more people, so a one-to-one interaction
# (most of what gets logged) leaves it valid: only the ties of the people in it are
# recomputed (`ties`).
_GRAPH_PARTS: dict[str, str] = {
    "knows": "(SELECT MAX(id) FROM knows)",
    "version": changes.latest("edges"),
    "people": "(SELECT COUNT(*) || '/' || MAX(id) || '/' || COUNT(removed_at) || '/' "
    "|| COALESCE(SUM(CASE WHEN removed_at IS NOT NULL THEN id END), 0) || '/' "
    "|| COALESCE(SUM(CASE WHEN is_me THEN id END), 0) || '/' "
    "|| COALESCE(SUM(id * met_through_id), 0) || '/' || MIN(created_at) FROM person)",
    "roles": "(SELECT COUNT(*) || '/' || MAX(id) || '/' "
    "|| COALESCE(SUM(CASE WHEN is_current THEN id END), 0) || '/' "
    "|| COALESCE(SUM(id * org_id), 0) || '/' || COALESCE(SUM(id * person_id), 0) FROM role)",
    "orgs": "(SELECT MAX(id) FROM organization)",
    "meetings": "(SELECT p.interaction_id FROM participant p WHERE EXISTS (SELECT 1 FROM "
    "participant q WHERE q.interaction_id = p.interaction_id AND q.person_id > p.person_id) "
    "ORDER BY p.interaction_id DESC LIMIT 1)",
    "requests": "(SELECT COUNT(*) FROM request)",
    "answered": "(SELECT MAX(answered_at) FROM request)",
    "intros": "(SELECT COUNT(*) FROM introduction)",
    "intro_changes": "(SELECT MAX(updated_at) FROM introduction)",
}
_GRAPH_SQL = "SELECT " + ", ".join(_GRAPH_PARTS.values())
_PARTS = tuple(_GRAPH_PARTS)
# What adding people (with roles at organisations, old or new) changes; what adding
# evidence between people changes (`_extend` follows both; anything else rebuilds).
_GROWTH = frozenset({"people", "roles", "orgs"})
_EVIDENCE = frozenset({"knows", "meetings", "requests", "answered", "intros", "intro_changes"})
_MEMBERSHIP_FIELDS = (
    "mem_node",
    "mem_hub",
    "mem_half",
    "mem_current",
    "node_ptr",
    "by_hub",
    "hub_ptr",
    "hub_org",
)
_PENDING: dict[str, set[int]] = {}  # per database: people whose kept ties must be renewed
# The web app's threads share what is kept: one of them at a time updates or reads it.
_LOCK = threading.RLock()
# What the ties also read: every interaction (tie strength and who you have met).
_ACTIVITY_SQL = "SELECT MAX(id) FROM interaction"
_MEMORY: dict[str, tuple[Graph, dict[str, F64]]] = {}


def forget() -> None:
    """Drop what this process keeps (a new process starts so: tests)."""
    with _LOCK:
        _MEMORY.clear()
        _PENDING.clear()


def fingerprint(session: Session) -> str:
    """Changes whenever anything the graph depends on changes."""
    row = _rows(session, _GRAPH_SQL)[0]
    return "|".join(str(v) for v in row)


def _parts(fp: str) -> dict[str, str]:
    """A fingerprint's parts by name ({} for one of another shape)."""
    values = fp.split("|")
    return dict(zip(_PARTS, values, strict=True)) if len(values) == len(_PARTS) else {}


def _activity(session: Session) -> str:
    """Changes whenever an interaction is logged: the ties' part of the cache key."""
    return "|".join(str(v) for v in _rows(session, _ACTIVITY_SQL)[0])


def _cache_file(session: Session) -> Path:
    return cache_file("graph", address(session))


_DERIVED = frozenset({"fingerprint"})
# Stored narrower than used: the cache file is read on every command.
_STORED: dict[str, type] = {
    "ids": np.int64,
    "dst": np.int32,
    "strength": np.float32,
    "mem_node": np.int32,
    "mem_hub": np.int32,
    "mem_half": np.float32,
    "by_hub": np.int32,
}


def _arrays(g: Graph) -> dict[str, Any]:
    out = {}
    for f in fields(g):
        if f.name not in _DERIVED:
            value = getattr(g, f.name)
            out[f.name] = value.astype(_STORED[f.name]) if f.name in _STORED else value
    return out


def _widen(name: str, value: Any) -> Any:
    if name in _STORED:
        kind = np.float64 if np.issubdtype(value.dtype, np.floating) else np.int64
        return value.astype(kind)
    return value


def _load_disk(path: Path) -> tuple[Graph, dict[str, F64]] | None:
    """The cached graph and ties, whatever their fingerprint (the caller compares)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            fp = str(data["fingerprint"])
            names = {f.name for f in fields(Graph)} - _DERIVED
            g = Graph(**{k: _widen(k, data[k]) for k in names}, fingerprint=fp)
            ties = {str(data["ties_key"]): data["ties"]} if "ties_key" in data else {}
            return g, ties
    except (OSError, KeyError, ValueError):
        return None


def _save_disk(path: Path, g: Graph, ties: dict[str, F64]) -> None:
    extra: dict[str, Any] = {}
    if ties:
        key, values = next(iter(ties.items()))
        extra = {"ties_key": np.array(key), "ties": values}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, fingerprint=np.array(g.fingerprint), **_arrays(g), **extra)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written is only slower


def graph(session: Session) -> Graph:
    """The graph of the session's database (from memory or the cache when unchanged)."""
    with _LOCK:
        return _entry(session)[0]


def _entry(session: Session) -> tuple[Graph, dict[str, F64]]:
    fp = fingerprint(session)
    url = address(session)
    held = _MEMORY.get(url)
    if held is not None and held[0].fingerprint == fp:
        return held
    path = _cache_file(session)
    if held is None and path.exists():
        held = _load_disk(path)
    if held is not None and held[0].fingerprint == fp:
        entry = held
    else:
        grown = _extend(session, held[0], fp) if held is not None else None
        renew: set[int] | None = None  # None: no kept ties to renew (a rebuild)
        if grown is not None and held is not None:
            entry, renew = (grown.graph, grown.ties(held[1])), grown.renew
        else:
            entry = (_build(session, fp), {})
        # Reads are not one snapshot (each statement sees the latest commit): if the data
        # moved while this graph was read, use it for this call and keep nothing, so no
        # later extension starts from a graph that is not its fingerprint's.
        if fingerprint(session) != fp:
            return entry
        if renew is None:
            _PENDING.pop(url, None)
        elif renew:  # renewed by `ties`, the next time it is asked
            _PENDING.setdefault(url, set()).update(renew)
        # Carried ties that need renewing are saved by `ties` once they are: a file must
        # not hold stale ones (the next process would take them as they are), and one
        # write is enough. (A process that never asks for ties leaves the old file, which
        # the next one extends again.)
        current = not _PENDING.get(url) and all(
            k.rpartition("|")[2] == _activity(session) for k in entry[1]
        )
        if len(entry[0].src) >= DISK_CACHE_MIN_EDGES and current:
            _save_disk(path, entry[0], entry[1])
    _MEMORY[url] = entry
    return entry


def _as_of(as_of: dt.datetime | dt.date | None) -> tuple[dt.datetime, str]:
    """The moment ties are computed at, and its part of their cache key ('now' is cached
    per day)."""
    if as_of is None:
        now = dt.datetime.now()
        return now, now.date().isoformat()
    if not isinstance(as_of, dt.datetime):
        as_of = dt.datetime.combine(as_of, dt.time(23, 59, 59))
    return as_of, as_of.isoformat()


def tie_strengths(
    session: Session, as_of: dt.datetime, person_ids: Sequence[int] | None = None
) -> dict[int, float]:
    """Your tie strength with each person you have been in touch with, from the ledger's
    model (one place to change). People you never met are not your first hop, whatever
    the mutual contacts the model credits them with."""
    met = strength.last_contacts(session, person_ids, as_of=as_of)
    return {p: v for p, v in strength.scores(session, as_of, person_ids).items() if p in met}


def ties(session: Session, g: Graph, as_of: dt.datetime | dt.date | None = None) -> F64:
    """Tie strength per node (0 for people you have no history with).

    Kept per graph, day (or moment) and latest interaction. When only interactions were
    added since (the graph is the same, so none of two or more people), only the people
    in them get new values: the others' strengths read nothing that changed."""
    with _LOCK:
        return _ties(session, g, as_of)


def _ties(session: Session, g: Graph, as_of: dt.datetime | dt.date | None) -> F64:
    when, day = _as_of(as_of)
    activity = _activity(session)
    key = f"{day}|{activity}"
    url = address(session)
    held = _MEMORY.get(url)
    pending = _PENDING.get(url, set()) if held and held[0] is g else set()
    if held and held[0] is g and key in held[1] and not pending:
        return held[1][key]
    kept = held[1] if held and held[0] is g else {}
    values = _renewed(session, g, kept, day, activity, when, pending)
    if held and held[0] is g:  # an older graph's caller must not take the kept one's due
        _PENDING.pop(url, None)
    if values is None:
        values = np.zeros(g.n)
        _put(values, g, tie_strengths(session, when))
    if held and held[0] is g:
        held[1].clear()
        held[1][key] = values
        if len(g.src) >= DISK_CACHE_MIN_EDGES:
            _save_disk(_cache_file(session), g, held[1])
    return values


def _put(values: F64, g: Graph, scores: dict[int, float]) -> None:
    if scores:
        pid = np.fromiter(scores.keys(), dtype=np.int64, count=len(scores))
        val = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
        node = g.nodes(pid)
        values[node[node >= 0]] = val[node >= 0]


def _renewed(
    session: Session,
    g: Graph,
    kept: dict[str, F64],
    day: str,
    activity: str,
    when: dt.datetime,
    pending: set[int],
) -> F64 | None:
    """The kept ties of the same day with the people of newer interactions (and those
    `pending`) recomputed, or None when there is nothing to start from."""
    if len(kept) != 1:
        return None
    old_key, old = next(iter(kept.items()))
    old_day, _, old_activity = old_key.rpartition("|")
    if old_day != day or not old_activity.isdigit() or not activity.isdigit():
        return None
    if int(activity) < int(old_activity):
        return None  # interactions were deleted: start again
    newer = f"SELECT DISTINCT person_id FROM participant WHERE interaction_id > {int(old_activity)}"
    touched = sorted({int(r[0]) for r in _rows(session, newer)} | pending)
    values = old.copy()
    nodes = g.nodes(np.array(touched, dtype=np.int64))
    values[nodes[nodes >= 0]] = 0.0
    if touched:
        _put(values, g, tie_strengths(session, when, touched))
    return values


# -- the search ---------------------------------------------------------------------------
@dataclass
class Search:
    """Layer i (0-based) holds the best cost to each node in at most i+1 links."""

    cost: list[F64]
    pred: list[I64]  # -2: not improved at this layer; -1: from you; else previous node
    link: list[F64]
    how: list[NDArray[np.int8]]
    hub: list[I64]

    def best(self) -> F64:
        return self.cost[-1]


def search(g: Graph, tie: F64, max_hops: int) -> Search:
    """Best paths from you to everyone in at most `max_hops` links (layered, exact)."""
    first = tie >= W.MIN_TIE
    d = np.where(first, -np.log(np.clip(tie, 1e-9, 1.0)), _INF)
    out = Search(
        cost=[d],
        pred=[np.where(first, -1, -2).astype(np.int64)],
        link=[np.where(first, tie, 0.0)],
        how=[np.full(g.n, CONTACT, dtype=np.int8)],
        hub=[np.full(g.n, -1, dtype=np.int64)],
    )
    for _ in range(max_hops - 1):
        d, (pred, link, how, hub) = _relax(g, d)
        out.cost.append(d)
        out.pred.append(pred)
        out.link.append(link)
        out.how.append(how)
        out.hub.append(hub)
        if not (pred != -2).any():
            break
    return out


def _segment_min(values: F64, ptr: I64, size: int) -> F64:
    """Minimum of values[ptr[i]:ptr[i+1]] for each i (inf for empty segments)."""
    out = np.full(size, _INF)
    has = ptr[1:] > ptr[:-1]
    if values.size and has.any():
        out[has] = np.minimum.reduceat(values, ptr[:-1][has])
    return out


def _first_per(keys: I64, rows: I64) -> tuple[I64, I64]:
    """For rows sorted by key: the first row of each key."""
    if rows.size == 0:
        return rows, rows
    k = keys[rows]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = k[1:] != k[:-1]
    return k[first], rows[first]


def _relax(g: Graph, d: F64) -> tuple[F64, tuple[I64, F64, NDArray[np.int8], I64]]:
    """One more link: each node pulls the best of its neighbours (contiguous segments)."""
    cand = d[g.dst] + g.cost  # link e, taken from dst[e] into src[e]
    new = np.minimum(d, _segment_min(cand, g.src_ptr, g.n))
    # Through organisations: each hub's best member, then every member from the hub.
    in_hub_order = g.by_hub
    hv = d[g.mem_node[in_hub_order]] + g.mem_cost[in_hub_order]
    hub_best = _segment_min(hv, g.hub_ptr, g.m)
    cand2 = hub_best[g.mem_hub] + g.mem_cost  # memberships in node order
    new = np.minimum(new, _segment_min(cand2, g.node_ptr, g.n))
    improved = new < d
    pred = np.full(g.n, -2, dtype=np.int64)
    link = np.zeros(g.n)
    how = np.zeros(g.n, dtype=np.int8)
    hub = np.full(g.n, -1, dtype=np.int64)
    if not improved.any():
        return new, (pred, link, how, hub)
    won = np.nonzero(improved[g.src] & (cand == new[g.src]))[0]
    nodes, e = _first_per(g.src, won)
    pred[nodes], link[nodes], how[nodes] = g.dst[e], g.strength[e], g.how[e]
    unset = pred[g.mem_node] == -2
    won2 = np.nonzero(improved[g.mem_node] & (cand2 == new[g.mem_node]) & unset)[0]
    nodes2, mq = _first_per(g.mem_node, won2)
    if mq.size:
        best_rows = np.nonzero(hv == hub_best[g.mem_hub[in_hub_order]])[0]
        hubs_w, rows_w = _first_per(g.mem_hub[in_hub_order], best_rows)
        hub_arg = np.full(g.m, -1, dtype=np.int64)
        hub_arg[hubs_w] = in_hub_order[rows_w]
        via = hub_arg[g.mem_hub[mq]]
        pred[nodes2] = g.mem_node[via]
        link[nodes2] = g.mem_half[via] * g.mem_half[mq]
        how[nodes2] = COLLEAGUES
        hub[nodes2] = g.mem_hub[mq]
    return new, (pred, link, how, hub)


@dataclass
class Step:
    node: int
    strength: float
    how: int
    hub: int  # -1 unless the link is "colleagues at" an organisation


def walk(s: Search, node: int, hops: int | None = None) -> list[Step]:
    """The best path to `node` in at most `hops` links, first hop first."""
    layer = (hops or len(s.cost)) - 1
    steps: list[Step] = []
    while layer >= 0:
        while layer >= 0 and s.pred[layer][node] == -2:
            layer -= 1
        if layer < 0:
            return []  # not reachable
        steps.append(
            Step(
                node,
                float(s.link[layer][node]),
                int(s.how[layer][node]),
                int(s.hub[layer][node]),
            )
        )
        prev = int(s.pred[layer][node])
        if prev == -1:
            break
        node, layer = prev, layer - 1
    return steps[::-1]


# -- paths to a target ----------------------------------------------------------------------
def check_hops(max_hops: int) -> int:
    if max_hops < 1:
        raise InvalidInput("max-hops", max_hops, "must be at least 1")
    if max_hops > W.MAX_HOPS_LIMIT:
        raise InvalidInput(
            "max-hops",
            max_hops,
            f"must be at most {W.MAX_HOPS_LIMIT}: longer chains of introductions are not warm",
        )
    return max_hops


def resolve_target(session: Session, ref: str) -> Organization | Person:
    """An organisation by name, else a person; unknown: say so with close names."""
    text = ref.strip()
    if not text:
        raise InvalidInput("to", ref, "name an organisation or a person")
    if text.lstrip("#").isdigit() or "@" in text:
        return people.resolve(session, text)
    try:
        return orgs.resolve(session, text)
    except NotFound as org_missing:
        try:
            return people.resolve(session, text)
        except NotFound:
            hint = str(org_missing).partition(";")[2]
            raise NotFound(
                f"no organisation or person matches '{text}'" + (f";{hint}" if hint else "")
            ) from None


def target_nodes(g: Graph, target: Organization | Person) -> tuple[I64, str]:
    """The people a path may end at: the person, or who works (else worked) at the org."""
    if isinstance(target, Person):
        return g.nodes([target.id]), target.display_name
    hub = g.hub_of(target.id)
    if hub < 0:
        return np.zeros(0, dtype=np.int64), target.name
    now = g.members(hub, current_only=True)
    return (now if now.size else g.members(hub)), target.name


def describe(
    session: Session, g: Graph, paths: list[tuple[float, list[Step]]], target: str
) -> list[PathOut]:
    """Paths as the outside sees them: names, organisations, link strengths, link kinds."""
    node_ids = sorted({st.node for _, steps in paths for st in steps})
    person_ids = g.ids[node_ids].tolist() if node_ids else []
    names = dict(
        session.execute(
            select(Person.id, Person.display_name).where(Person.id.in_(person_ids))
        ).all()
    )
    where = current_orgs(session, person_ids)
    hubs = sorted({st.hub for _, steps in paths for st in steps if st.hub >= 0})
    org_names = dict(
        session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_([int(g.hub_org[h]) for h in hubs])
            )
        ).all()
    )
    hub_names = {h: org_names.get(int(g.hub_org[h]), "?") for h in hubs}
    out = []
    for score, steps in paths:
        rows = []
        for st in steps:
            pid = int(g.ids[st.node])
            rows.append(
                PathStep(
                    id=pid,
                    name=names.get(pid, "?"),
                    organization=where.get(pid),
                    strength=round(st.strength, 3),
                    via=link_label(st, hub_names),
                )
            )
        out.append(PathOut(target=target, score=round(score, 4), hops=len(steps), steps=rows))
    return out


def link_label(step: Step, hub_names: dict[int, str]) -> str:
    kind = LINK_KINDS[step.how]
    if kind == "contact":
        return "your contact"
    if kind == "colleagues":
        return f"colleagues at {hub_names.get(step.hub, '?')}"
    if kind == "met_through":
        return "you met them through"
    return {
        "employer": "knows (worked together)",
        "meeting": "knows (met in meetings with you)",
        "introduction": "knows (introduced)",
        "referral": "knows (referred)",
        "import": "knows (imported)",
        "manual": "knows",
    }[kind]


def current_orgs(session: Session, person_ids: Sequence[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    out: dict[int, str] = {}
    for pid, name in session.execute(
        select(Role.person_id, Organization.name)
        .join(Organization, Organization.id == Role.org_id)
        .where(Role.person_id.in_(list(person_ids)))
        .order_by(Role.is_current, Role.id)
    ):
        out[pid] = name  # current roles sort last and win
    return out


def paths_to(
    session: Session,
    to: str,
    *,
    max_hops: int = W.DEFAULT_MAX_HOPS,
    limit: int = W.PATHS_SHOWN,
    as_of: dt.datetime | dt.date | None = None,
) -> list[PathOut]:
    """The best few warm introduction paths from you to a person or an organisation."""
    check_hops(max_hops)
    target = resolve_target(session, to)
    if isinstance(target, Person) and target.is_me:
        raise InvalidInput("to", to, "is you")
    g = graph(session)
    nodes, label = target_nodes(g, target)
    if nodes.size == 0 or not (nodes >= 0).any():
        return []
    found = best_per_first_hop(g, ties(session, g, as_of), nodes, max_hops, limit=limit)
    return describe(session, g, found, label)


def _search_from(g: Graph, starts: I64, links: int, relays: NDArray[np.bool_]) -> Search:
    """Best paths from the targets back to everyone in at most `links` links, passing
    only through `relays` (the graph's links go both ways, so a path read backwards is a
    path to the targets). Layer 0 is the targets themselves."""
    d = np.full(g.n, _INF)
    d[starts] = 0.0
    pred0 = np.full(g.n, -2, dtype=np.int64)
    pred0[starts] = -1
    out = Search(
        cost=[d],
        pred=[pred0],
        link=[np.ones(g.n)],
        how=[np.full(g.n, CONTACT, dtype=np.int8)],
        hub=[np.full(g.n, -1, dtype=np.int64)],
    )
    for _ in range(links):
        # Someone you know yourself ends a path (you go to them directly); never a relay.
        passing = np.where(relays, d, _INF)
        new, (pred, link, how, hub) = _relax(g, passing)
        worse = ~(new < d)
        pred[worse] = -2
        d = np.minimum(new, d)
        out.cost.append(d)
        out.pred.append(pred)
        out.link.append(link)
        out.how.append(how)
        out.hub.append(hub)
        if not (pred != -2).any():
            break
    return out


def best_per_first_hop(
    g: Graph, tie: F64, targets: I64, max_hops: int, *, limit: int = W.PATHS_SHOWN
) -> list[tuple[float, list[Step]]]:
    """The best path through each person you know, strongest first.

    One path per first hop, so a warm way in never disappears because another path got
    better; a person you know yourself is reached directly, never through someone else
    (they end a path, they do not relay one); a path to an organisation ends at the first
    of its people it meets.
    """
    targets = np.unique(targets[targets >= 0])
    if targets.size == 0:
        return []
    known = tie >= W.MIN_TIE
    if targets.size == 1 and known[targets[0]]:
        t = int(targets[0])
        return [(float(tie[t]), [Step(t, float(tie[t]), CONTACT, -1)])]
    relays = ~known
    relays[targets] = True
    back = _search_from(g, targets, max_hops - 1, relays)
    reach = back.cost[-1]
    first = np.nonzero(known & np.isfinite(reach))[0]
    if first.size == 0:
        return []
    score = tie[first] * np.exp(-reach[first])
    order = np.lexsort((g.ids[first], -score))[:limit]
    out: list[tuple[float, list[Step]]] = []
    for i in order.tolist():
        f = int(first[i])
        back_steps = walk(back, f)  # the target first, f last
        steps = [Step(f, float(tie[f]), CONTACT, -1)]
        # Read backwards: each link joins a node to the one before it in back_steps.
        for j in range(len(back_steps) - 1, 0, -1):
            link = back_steps[j]
            steps.append(Step(back_steps[j - 1].node, link.strength, link.how, link.hub))
        out.append((float(score[i]), steps))
    return out


def edges_of(session: Session, person: Person) -> list[KnowsEdgeOut]:
    """Everyone `person` is linked to, explicit and derived, strongest first.

    Colleague links through organisations are not listed one by one (a big employer
    would list thousands); `path` and `ask` use them.
    """
    g = graph(session)
    [node] = g.nodes([person.id]).tolist()
    if node < 0:
        return []
    e = np.arange(g.src_ptr[node], g.src_ptr[node + 1])
    others = g.ids[g.dst[e]].tolist()
    explicit = {
        (min(a, b), max(a, b)): (how, note)
        for a, b, how, note in session.execute(
            select(Knows.a_id, Knows.b_id, Knows.how, Knows.note)
            .where(or_(Knows.a_id == person.id, Knows.b_id == person.id))
            .order_by(Knows.confidence)
        )
    }
    names = dict(
        session.execute(select(Person.id, Person.display_name).where(Person.id.in_(others))).all()
    )
    out = []
    for i, other in zip(e.tolist(), others, strict=True):
        pair = (min(person.id, other), max(person.id, other))
        how, note = explicit.get(pair, (LINK_KINDS[int(g.how[i])], None))
        out.append(
            KnowsEdgeOut(
                a_id=person.id,
                a=person.display_name,
                b_id=other,
                b=names.get(other, "?"),
                how=how,
                strength=round(float(g.strength[i]), 3),
                note=note,
                derived=pair not in explicit,
            )
        )
    out.sort(key=lambda k: (-k.strength, k.b.lower(), k.b_id))
    return out
