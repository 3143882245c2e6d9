"""Whom to ask for a need: people ranked by how likely and how willing they are to help.

score = relevance x reach x willingness (docs/asking.md; every weight in ask_weights.py)

- relevance (noisy-or of the signals): works or worked at a target organisation; knows
  people there (knows-edges, shared employers, meetings, referrals, introductions); holds
  the role; is in the place; carries a tag; their profile mentions the need's words;
  works in the target's industry.
- reach: for your contacts, a preference over tie strength: moderately weak ties first
  for job and information needs (Rajkumar et al., Science 2022), stronger first for
  favours; for people you are not in touch with, the best warm path's score, discounted.
- willingness, from the ledger: people you have given more than you received rank up,
  people you asked recently rank down (no one gets asked every week).

Relevance and reach are computed for everyone at once over arrays; willingness needs
the ledger, so it is computed for the best candidates only, enough of them to be sure
of the top ones (willingness is bounded, so the rest cannot overtake them).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill import ask_weights as W
from goodwill.asking import needs, paths
from goodwill.asking.needs import NeedSpec
from goodwill.asking.paths import F64, I64, Graph
from goodwill.errors import InvalidInput
from goodwill.schemas.needs import AskOut, PathOut, PersonRef
from goodwill.scoring import ledger
from goodwill.store import search
from goodwill.store.models import Exchange, Organization, Person, PersonTag, Role, Tag


# -- pure scoring functions (property-tested) --------------------------------------------
def tie_preference(strength: F64, kind: str) -> F64:
    """How much a tie of this strength is worth for this kind of need, in [0, 1]."""
    s = np.clip(np.asarray(strength, dtype=np.float64), 0.0, 1.0)
    if kind == "help":
        return s
    x = s / W.TIE_PEAK
    return np.clip(x * np.exp(1.0 - x), 0.0, 1.0)  # type: ignore[no-any-return]


def willingness(balance: F64, days_since_ask: F64) -> F64:
    """In (0, 1]: 1 for someone you gave much and never asked; less for a debt or a recent ask."""
    lean = np.tanh(np.asarray(balance, dtype=np.float64) / W.BALANCE_SCALE)
    give = (1.0 + W.GIVE_BONUS * lean) / (1.0 + W.GIVE_BONUS)
    days = np.maximum(np.asarray(days_since_ask, dtype=np.float64), 0.0)
    rest = 1.0 - W.FATIGUE * np.exp(-days / W.FATIGUE_DAYS)
    return give * rest  # type: ignore[no-any-return]


def noisy_or(parts: Sequence[F64]) -> F64:
    miss = np.ones_like(parts[0])
    for p in parts:
        miss = miss * (1.0 - np.clip(p, 0.0, 1.0))
    return 1.0 - miss  # type: ignore[no-any-return]


# -- relevance ----------------------------------------------------------------------------
@dataclass
class Relevance:
    score: F64
    at_org: dict[int, tuple[int, bool]] = field(default_factory=dict)  # node -> (org, now)
    role: dict[int, tuple[str, bool]] = field(default_factory=dict)
    place: dict[int, str] = field(default_factory=dict)
    tags: dict[int, list[str]] = field(default_factory=dict)
    words: dict[int, list[str]] = field(default_factory=dict)
    industry: dict[int, str] = field(default_factory=dict)
    targets_now: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    target_hubs: set[int] = field(default_factory=set)


def _by_node(g: Graph, rows: Sequence[tuple[int, object]]) -> dict[int, list[object]]:
    out: dict[int, list[object]] = defaultdict(list)
    if not rows:
        return out
    node = g.nodes([int(r[0]) for r in rows])
    for n_, (_, value) in zip(node.tolist(), rows, strict=True):
        if n_ >= 0 and value not in out[n_]:
            out[n_].append(value)
    return out


def relevance(session: Session, g: Graph, spec: NeedSpec) -> Relevance:
    n = g.n
    parts: list[F64] = []
    rel = Relevance(score=np.zeros(n))
    # At a target organisation, now or before.
    at = np.zeros(n)
    now_nodes: list[I64] = []
    for org_id in spec.org_ids:
        hub = g.hub_of(org_id)
        if hub < 0:
            continue
        rel.target_hubs.add(hub)
        rows = g.by_hub[g.hub_ptr[hub] : g.hub_ptr[hub + 1]]
        for node, current in zip(
            g.mem_node[rows].tolist(), g.mem_current[rows].tolist(), strict=True
        ):
            value = W.AT_TARGET_NOW if current else W.AT_TARGET_PAST
            if value > at[node]:
                at[node] = value
                rel.at_org[node] = (org_id, bool(current))
        now_nodes.append(g.mem_node[rows[g.mem_current[rows]]])
    parts.append(at)
    rel.targets_now = np.unique(np.concatenate(now_nodes)) if now_nodes else rel.targets_now
    parts.append(W.BRIDGE * _bridge(g, rel.targets_now, rel.target_hubs))
    # Role, place, tags, words of their profile, industry.
    role = np.zeros(n)
    for phrase in spec.roles:
        roles_ = session.execute(
            select(Role.person_id, Role.title, Role.is_current).where(
                func.lower(Role.title).contains(phrase.lower(), autoescape=True)
            )
        ).all()
        for node, (_, title, current) in zip(
            g.nodes([r[0] for r in roles_]).tolist(), roles_, strict=True
        ):
            value = W.ROLE_MATCH * (1.0 if current else W.AT_TARGET_PAST)
            if node >= 0 and value > role[node]:
                role[node] = value
                rel.role[node] = (title or "", bool(current))
    parts.append(role)
    place = np.zeros(n)
    for phrase in spec.places:
        located = session.execute(
            select(Person.id, Person.location).where(
                func.lower(Person.location).contains(phrase.lower(), autoescape=True)
            )
        ).all()
        for node, (_, location) in zip(
            g.nodes([r[0] for r in located]).tolist(), located, strict=True
        ):
            if node >= 0:
                place[node] = W.PLACE_MATCH
                rel.place[node] = location or phrase
    parts.append(place)
    if spec.tags:
        tagged = _by_node(
            g,
            session.execute(
                select(PersonTag.person_id, Tag.name)
                .join(Tag, Tag.id == PersonTag.tag_id)
                .where(Tag.name.in_([t.lower() for t in spec.tags]))
            ).all(),
        )
        tags = np.zeros(n)
        for node, names in tagged.items():
            tags[node] = W.TAG_MATCH
            rel.tags[node] = [str(x) for x in names]
        parts.append(tags)
    if spec.keywords:
        hits: list[tuple[int, object]] = []
        for word in spec.keywords:
            hits += [
                (pid, word) for pid in search.ranked_ids(session, word, kind="person", limit=500)
            ]
        found = _by_node(g, hits)
        words = np.zeros(n)
        for node, ws in found.items():
            words[node] = W.KEYWORD_MATCH * len(ws) / len(spec.keywords)
            rel.words[node] = [str(x) for x in ws]
        parts.append(words)
    if spec.org_ids:
        industries = [
            i
            for i in session.scalars(
                select(Organization.industry).where(Organization.id.in_(spec.org_ids))
            )
            if i
        ]
        if industries:
            rows_ = session.execute(
                select(Person.id, Person.industry).where(Person.industry.in_(industries))
            ).all()
            ind = np.zeros(n)
            for node, (_, industry) in zip(
                g.nodes([r[0] for r in rows_]).tolist(), rows_, strict=True
            ):
                if node >= 0:
                    ind[node] = W.INDUSTRY_MATCH
                    rel.industry[node] = industry or ""
            parts.append(ind)
    rel.score = noisy_or(parts)
    return rel


def _bridge(g: Graph, targets: I64, target_hubs: set[int]) -> F64:
    """How surely each person knows someone now at a target: noisy-or of their links."""
    miss = np.zeros(g.n)
    if targets.size == 0:
        return miss
    is_target = np.zeros(g.n, dtype=bool)
    is_target[targets] = True
    e = paths._ranges(g.src_ptr, targets)
    other = g.dst[e]
    keep = ~is_target[other]
    np.add.at(miss, other[keep], np.log1p(-np.minimum(g.strength[e][keep], 1 - 1e-9)))
    # Shared organisations other than the target: sum of the targets' halves per hub,
    # then each other member's link to them (first-order noisy-or: exp(-half * sum)).
    tm = paths._ranges(g.node_ptr, targets)
    tm = tm[~np.isin(g.mem_hub[tm], list(target_hubs))]
    load = np.zeros(g.m)
    np.add.at(load, g.mem_hub[tm], g.mem_half[tm])
    hubs = np.nonzero(load > 0)[0].astype(np.int64)
    rows = g.by_hub[paths._ranges(g.hub_ptr, hubs)]
    rows = rows[~is_target[g.mem_node[rows]]]
    np.add.at(miss, g.mem_node[rows], -g.mem_half[rows] * load[g.mem_hub[rows]])
    return 1.0 - np.exp(miss)  # type: ignore[no-any-return]


# -- willingness from the ledger ----------------------------------------------------------
def _ledger(
    session: Session, person_ids: list[int], as_of: dt.datetime
) -> tuple[dict[int, float], dict[int, tuple[dt.datetime, int]]]:
    balances = {pid: b.balance for pid, b in ledger.balances(session, as_of, person_ids).items()}
    since = as_of - dt.timedelta(days=W.RECENT_ASKS_DAYS)
    asks: dict[int, tuple[dt.datetime, int]] = {}
    for pid, last, recent in session.execute(
        select(
            Exchange.person_id,
            func.max(Exchange.occurred_at),
            func.count(Exchange.id).filter(Exchange.occurred_at >= since),
        )
        .where(
            Exchange.direction == "asked",
            Exchange.occurred_at <= as_of,
            Exchange.person_id.in_(person_ids),
        )
        .group_by(Exchange.person_id)
    ):
        asks[pid] = (last, int(recent or 0))
    return balances, asks


# -- the ranking ----------------------------------------------------------------------------
@dataclass
class Ranked:
    node: int
    score: float
    relevance: float
    reach: float
    will: float
    balance: float
    last_ask: tuple[dt.datetime, int] | None


def rank(
    session: Session,
    spec: NeedSpec,
    *,
    limit: int = 10,
    as_of: dt.datetime | dt.date | None = None,
) -> tuple[Graph, Relevance, F64, paths.Search | None, list[Ranked]]:
    g = paths.graph(session)
    when = _moment(as_of)
    tie = paths.ties(session, g, as_of)
    rel = relevance(session, g, spec)
    contact = tie >= W.MIN_TIE
    reach = np.where(contact, tie_preference(tie, spec.kind), 0.0)
    found: paths.Search | None = None
    if ((rel.score > 0) & ~contact).any():
        found = paths.search(g, tie, W.ASK_MAX_HOPS)
        indirect = W.INDIRECT * np.exp(-found.best())
        reach = np.where(contact, reach, indirect)
    base = rel.score * reach
    order = np.argsort(-base, kind="stable")
    order = order[base[order] > 0]
    ranked: list[Ranked] = []
    pool = min(len(order), max(4 * limit, 40))
    while True:
        chosen = order[:pool]
        ids = g.ids[chosen].tolist()
        balances, asks = _ledger(session, ids, when)
        bal = np.array([balances.get(pid, 0.0) for pid in ids])
        days = np.array(
            [(when - asks[pid][0]).total_seconds() / 86400 if pid in asks else 1e9 for pid in ids]
        )
        will = willingness(bal, days) if ids else np.zeros(0)
        final = base[chosen] * will
        ranked = [
            Ranked(
                node=int(node),
                score=float(final[i]),
                relevance=float(rel.score[node]),
                reach=float(reach[node]),
                will=float(will[i]),
                balance=float(bal[i]),
                last_ask=asks.get(int(g.ids[node])),
            )
            for i, node in enumerate(chosen.tolist())
        ]
        ranked.sort(key=lambda r: (-r.score, int(g.ids[r.node])))
        ranked = ranked[:limit]
        # Willingness is at most 1 + GIVE_BONUS: people beyond the pool cannot overtake.
        if pool >= len(order) or (
            len(ranked) == limit and base[order[pool]] * (1.0 + W.GIVE_BONUS) <= ranked[-1].score
        ):
            return g, rel, tie, found, ranked
        pool = min(len(order), pool * 4)


def _moment(as_of: dt.datetime | dt.date | None) -> dt.datetime:
    if as_of is None:
        return dt.datetime.now()
    if isinstance(as_of, dt.datetime):
        return as_of
    return dt.datetime.combine(as_of, dt.time(23, 59, 59))


def ask(
    session: Session,
    need_or_text: str | NeedSpec,
    *,
    limit: int = 10,
    as_of: dt.datetime | dt.date | None = None,
) -> list[AskOut]:
    """People ranked by how likely and willing they are to help with a need, with reasons."""
    spec = need_or_text if isinstance(need_or_text, NeedSpec) else needs.spec(session, need_or_text)
    if limit < 1:
        raise InvalidInput("limit", limit, "must be at least 1")
    g, rel, tie, found, ranked = rank(session, spec, limit=limit, as_of=as_of)
    if not ranked:
        return []
    ids = [int(g.ids[r.node]) for r in ranked]
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    titles = _current_roles(session, ids)
    org_ids = {o for o, _ in rel.at_org.values()}
    org_names = dict(
        session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))
        ).all()
    )
    out = []
    when = _moment(as_of)
    for r in ranked:
        pid = int(g.ids[r.node])
        org, title = titles.get(pid, (None, None))
        path = None
        if tie[r.node] < W.MIN_TIE and found is not None:
            steps = paths.walk(found, r.node)
            if steps:
                path = paths.describe(
                    session,
                    g,
                    [(math.exp(-float(found.best()[r.node])), steps)],
                    people[pid].display_name,
                )[0]
        out.append(
            AskOut(
                person=PersonRef(
                    id=pid, name=people[pid].display_name, organization=org, title=title
                ),
                score=round(r.score, 4),
                reasons=reasons(
                    session, g, spec, rel, r, float(tie[r.node]), org_names, path, when
                ),
                path=path,
            )
        )
    return out


def _current_roles(session: Session, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    out: dict[int, tuple[str, str | None]] = {}
    for pid, name, title in session.execute(
        select(Role.person_id, Organization.name, Role.title)
        .join(Organization, Organization.id == Role.org_id)
        .where(Role.person_id.in_(ids))
        .order_by(Role.is_current, Role.id)
    ):
        out[pid] = (name, title)  # current roles sort last and win
    return out


# -- reasons in words -------------------------------------------------------------------------
def _names(items: list[str], most: int = 2) -> str:
    """'A', 'A and B', 'A, B and 3 more': one "and", before the last item."""
    shown = items[:most]
    more = len(items) - len(shown)
    parts = [*shown, f"{more} more"] if more else shown
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def reasons(
    session: Session,
    g: Graph,
    spec: NeedSpec,
    rel: Relevance,
    r: Ranked,
    tie: float,
    org_names: dict[int, str],
    path: object,
    when: dt.datetime,
) -> list[str]:
    node = r.node
    out: list[str] = []
    if node in rel.at_org:
        org_id, now = rel.at_org[node]
        name = org_names.get(org_id, "the target")
        out.append(f"Works at {name}." if now else f"Worked at {name}.")
    out += _bridge_reasons(session, g, rel, node)
    if node in rel.role:
        title, current = rel.role[node]
        out.append(
            f"Holds the role you want ({title})." if current else f"Was a {title}: knows the role."
        )
    if node in rel.place:
        out.append(f"Is in {rel.place[node]}.")
    if node in rel.tags:
        out.append(f"Tagged {', '.join(rel.tags[node])}.")
    if node in rel.words:
        quoted = ", ".join(f"'{w}'" for w in rel.words[node])
        out.append(f"Their profile mentions {quoted}.")
    if node in rel.industry and node not in rel.at_org:
        out.append(f"Works in {rel.industry[node]}, the industry you target.")
    out.append(_tie_reason(spec.kind, tie, path))
    if r.balance >= 0.5:
        out.append(
            f"You have given them more than you received (balance {r.balance:+.1f}): "
            "they are likely glad to help."
        )
    elif r.balance <= -0.5:
        out.append(f"You owe them (balance {r.balance:+.1f}): give before you ask again.")
    if r.last_ask is not None:
        last, recent = r.last_ask
        days = max(0, (when - last).days)
        if days < W.RECENT_ASKS_DAYS:
            ago = "this week" if days < 7 else f"{days} days ago"
            count = f" ({recent} asks in {W.RECENT_ASKS_DAYS} days)" if recent > 1 else ""
            out.append(f"You asked them {ago}{count}: give them a rest.")
    return out


# Said once under a ranking (not in every row), with its source.
WEAK_TIES_FINDING = "the kind that most often leads to new jobs"
WEAK_TIES_SOURCE = (
    "Moderately weak ties most often lead to new jobs: Rajkumar et al., "
    '"A causal test of the strength of weak ties", Science 377, 2022.'
)
SCORE_MEANS = (
    "Score: how well they match the need times how likely they are to help, 0 to 1 "
    "(above 0.5 a strong match, 0.25-0.5 a fair one, below that a weak one)."
)


def score_words(score: float) -> str:
    """A 0-1 score said in words (the ranking's numbers are explained, not bare)."""
    if score >= 0.5:
        return "strong match"
    if score >= 0.25:
        return "fair match"
    return "weak match"


def cites_weak_ties(reasons: Sequence[str]) -> bool:
    return any(WEAK_TIES_FINDING in r for r in reasons)


def _tie_reason(kind: str, tie: float, path: object) -> str:
    if tie < W.MIN_TIE:
        if isinstance(path, PathOut) and len(path.steps) > 1:
            via = path.steps[0].name
            return (
                f"You are not in touch yet: ask {via} for an introduction "
                f"(path strength {path.score:.2f})."
            )
        return "You are not in touch yet."
    if kind == "help":
        return f"Tie strength {tie:.2f}: for a favour, closer ties are likelier to say yes."
    if tie < W.TIE_PEAK / 2:
        return f"A weak tie ({tie:.2f}): warm it up before you ask."
    if tie <= W.TIE_PEAK * 2:
        return f"A moderately weak tie ({tie:.2f}): {WEAK_TIES_FINDING}."
    return f"A strong tie ({tie:.2f}): willing, though likely to know what you already know."


def _bridge_reasons(session: Session, g: Graph, rel: Relevance, node: int) -> list[str]:
    if rel.targets_now.size == 0:
        return []
    is_target = np.zeros(g.n, dtype=bool)
    is_target[rel.targets_now] = True
    out: list[str] = []
    e = np.arange(g.src_ptr[node], g.src_ptr[node + 1])
    linked = e[is_target[g.dst[e]]]
    if linked.size and not is_target[node]:
        linked = linked[np.argsort(-g.strength[linked], kind="stable")]
        ids = g.ids[g.dst[linked]].tolist()
        names = dict(
            session.execute(select(Person.id, Person.display_name).where(Person.id.in_(ids))).all()
        )
        people = "person" if len(ids) == 1 else "people"
        out.append(f"Knows {len(ids)} {people} there: {_names([names.get(i, '?') for i in ids])}.")
    mems = np.arange(g.node_ptr[node], g.node_ptr[node + 1])
    for m in mems.tolist():
        hub = int(g.mem_hub[m])
        if hub in rel.target_hubs or is_target[node]:
            continue
        members = g.members(hub)
        k = int(is_target[members].sum())
        if k:
            org = session.get(Organization, int(g.hub_org[hub]))
            verb = "Works" if g.mem_current[m] else "Worked"
            who = "someone who is" if k == 1 else f"{k} people who are"
            out.append(f"{verb} at {org.name if org else '?'} with {who} there now.")
    return out
