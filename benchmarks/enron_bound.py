"""What the mail's headers can reach: issue 25's candidate features, a flexible bound, and
how much of the target is noise (offline; goodwill never imports this).

On the Enron mailboxes as `enron_strength.py` imports them (the same cases, the same
fit/held-out split by id, the same baselines), three measurements:

1. **Candidate features** (`candidates`), computed from what `goodwill import mbox`
   stores (each interaction's day, who started it, how many people were in it) and, to
   price what it does not store, from the raw data set (whether you were in To or Cc of
   a message they sent): counts in the last 7/30/90/365 days, the quarter against the
   year, your share of starting contact, one-to-one messages, replies by timing (an
   answer from the other side within 7 days), burstiness and how overdue a contact is
   against its usual gap, days since the last message each way, and To versus Cc. Each
   is added on its own to the model's features and fitted by FIT's procedure on the fit
   half (`single_gains`); then a forward selection by two-fold cross-validation over the
   fit half's mailboxes keeps what helps there (`forward`), scored on the held-out half.
2. **A flexible bound** (`flexible_bound`): gradient-boosted trees (`Boosted`, numpy
   only) over every feature above, counts decayed over every half-life, the mailbox's
   state at the date and each contact's rank in it: fitted on the fit half and scored
   held-out; fitted on the fit half and four fifths of the held-out mailboxes for each
   fifth (more data, and the same period's outcomes of other mailboxes: optimistic);
   and fitted on each column's held-out mailboxes themselves (in sample: trees that see
   the answers partly learn them by heart, so this bounds what the features describe).
3. **The noise of the target** (`never_below_chance`): the standard error of the margin
   at one cutoff over the held-out mailboxes, and, resampling those mailboxes, how often
   a model whose mean margin over the best baseline at each cutoff were +0.01 (+0.02,
   +0.03, +0.05), with the noise the model has now, would be at or above it at all 36.

    PYTHONPATH=src python benchmarks/enron_bound.py   # 50 mailboxes, ~100 s of CPU (imports cached)
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sqlalchemy import case, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import enron_strength as bench

from goodwill.scoring import strength_model
from goodwill.store.days import day_number
from goodwill.store.db import number_matrix, open_store
from goodwill.store.models import Email, Participant

HERE = Path(__file__).resolve().parent
REPLY_DAYS = 7.0  # an answer: a message from the other side within this many days
# Computed from what the import stores (participant rows: day, who started, interaction).
STORED = (
    "n7",
    "n30",
    "n90",
    "n365",
    "quarter_vs_year",
    "my_start_share",
    "one_to_one",
    "group_size",
    "they_answer",
    "i_answer",
    "burstiness",
    "overdue",
    "since_sent",
    "since_received",
)
# Computed from the raw data set: the import keeps the sender of a message to you, not
# whether you were in its To or its Cc.
NOT_STORED = ("direct_share", "cc_recent", "to_recent")
CANDIDATES = STORED + NOT_STORED
# The model's features that FIT holds at 0 (against the research's sign, or no data).
HELD_AT_ZERO = frozenset({"reciprocity", "they_start", "mutual", "replies"})
PENALTY = 1000.0  # FIT's
FOLDS = 5  # the held-out mailboxes in this many folds, for the bound fitted on the rest


def history_rows(db: Path) -> np.ndarray:
    """One row per (interaction, person) as the import stored it: person id, day, who
    started (1 you, 0 them, -1 neither: an answer) and the interaction's id."""
    store = open_store(str(db), migrate_schema=False)
    try:
        with store.session() as s:
            return number_matrix(
                s,
                select(
                    Participant.person_id,
                    Participant.day,
                    case(
                        (Participant.initiated_by == "me", 1),
                        (Participant.initiated_by == "them", 0),
                        else_=-1,
                    ),
                    Participant.interaction_id,
                ).where(Participant.planned.is_(False)),
                4,
            )
    finally:
        store.dispose()


def person_ids(db: Path) -> dict[str, int]:
    store = open_store(str(db), migrate_schema=False)
    try:
        with store.session() as s:
            return {a.lower(): p for p, a in s.execute(select(Email.person_id, Email.address))}
    finally:
        store.dispose()


def copies_to(data: bench.Dataset, me: int, ids: dict[str, int]) -> np.ndarray:
    """From the raw data set: per message someone sent to `me`, (their person id in the
    imported database, day, 1 when `me` was in To, 0 in Cc)."""
    out = []
    for m in data.messages:
        if m.sender == me or (me not in m.to and me not in m.cc):
            continue
        pid = ids.get(data.people[m.sender][0].lower())
        if pid is not None:
            out.append((pid, day_number(m.when), 1.0 if me in m.to else 0.0))
    return np.array(out, dtype=float).reshape(-1, 3)


def candidates(
    rows: np.ndarray, copies: np.ndarray, ids: np.ndarray, now: float
) -> dict[str, np.ndarray]:
    """Every candidate feature of the contacts `ids` (sorted) from what happened before
    day `now`: `rows` as `history_rows` gives them, `copies` as `copies_to`."""
    n = len(ids)
    sizes = np.bincount(rows[:, 3].astype(np.int64))  # people per interaction
    before = rows[rows[:, 1] < now]
    pos, ok = _slots(ids, before[:, 0])
    before = before[ok]
    age, started = now - before[:, 1], before[:, 2]
    mine = started == 1

    def total(w: np.ndarray) -> np.ndarray:
        return np.bincount(pos, weights=w, minlength=n)

    f: dict[str, np.ndarray] = {}
    for days in (7, 30, 90, 365):
        f[f"n{days}"] = np.log1p(total((age < days).astype(float)))
    f["quarter_vs_year"] = f["n90"] - f["n365"]
    count, by_me = total(np.ones(len(age))), total(mine.astype(float))
    f["my_start_share"] = (by_me + 1.0) / (count + 2.0)
    group = sizes[before[:, 3].astype(np.int64)]
    f["one_to_one"] = (total((mine & (group == 1)).astype(float)) + 0.5) / (by_me + 1.0)
    f["group_size"] = total(np.where(mine, np.log(group), 0.0)) / np.maximum(by_me, 1.0)
    order = np.lexsort((before[:, 1], pos))
    p, d, s = pos[order], before[order, 1], started[order]
    f["they_answer"] = _answered(p, d, s == 1, s == 0, n, now)
    f["i_answer"] = _answered(p, d, s == 0, s == 1, n, now)
    same = np.diff(p) == 0
    gaps, at = np.diff(d)[same], p[1:][same]
    k = np.bincount(at, minlength=n)
    mean = np.bincount(at, weights=gaps, minlength=n) / np.maximum(k, 1)
    spread = np.sqrt(
        np.maximum(np.bincount(at, weights=gaps**2, minlength=n) / np.maximum(k, 1) - mean**2, 0)
    )
    # Goh & Barabasi's burstiness: -1 regular, 0 random (Poisson), towards 1 bursty.
    f["burstiness"] = np.where(k >= 2, (spread - mean) / np.maximum(spread + mean, 1e-9), 0.0)
    last = _since(pos, age, np.ones(len(age), dtype=bool), n, np.inf)
    f["overdue"] = np.where(k >= 1, np.log1p(last) - np.log1p(mean), 0.0)
    f["since_sent"] = np.log1p(_since(pos, age, mine, n, 5000.0))
    f["since_received"] = np.log1p(_since(pos, age, started == 0, n, 5000.0))
    got = copies[copies[:, 1] < now]
    where, ok = _slots(ids, got[:, 0])
    got = got[ok]
    direct, decay = got[:, 2], np.power(0.5, (now - got[:, 1]) / 30.0)
    received = np.bincount(where, minlength=n)
    f["direct_share"] = (np.bincount(where, weights=direct, minlength=n) + 0.5) / (received + 1)
    f["cc_recent"] = np.log1p(np.bincount(where, weights=(1 - direct) * decay, minlength=n))
    f["to_recent"] = np.log1p(np.bincount(where, weights=direct * decay, minlength=n))
    return f


def _slots(ids: np.ndarray, found: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each found id sits in the sorted `ids` (of those there), and which are."""
    keys = found.astype(np.int64)
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(ids, keys), len(ids) - 1)
    ok = ids[pos] == keys
    return pos[ok], ok


def _since(pos: np.ndarray, age: np.ndarray, mask: np.ndarray, n: int, never: float) -> np.ndarray:
    last = np.full(n, never)
    np.minimum.at(last, pos[mask], age[mask])
    return last


def _answered(
    p: np.ndarray, d: np.ndarray, asked: np.ndarray, answer: np.ndarray, n: int, now: float
) -> np.ndarray:
    """Per contact, the share (with a prior of one half) of the `asked` messages at least
    REPLY_DAYS old that an `answer` message followed within REPLY_DAYS; `p`, `d` sorted
    by contact then day."""
    # one sorted key per message: contact, then day (days span far less than 1e7)
    key = p * 1e7 + (d - (d.min() if len(d) else 0.0))
    keys_a, keys_q = key[answer], key[asked]
    j = np.searchsorted(keys_a, keys_q, side="right")
    following = np.full(len(keys_q), np.inf)
    if len(keys_a):
        following = np.where(j < len(keys_a), keys_a[np.minimum(j, len(keys_a) - 1)], np.inf)
    old = d[asked] < now - REPLY_DAYS
    hit = old & (following - keys_q <= REPLY_DAYS)
    num = np.bincount(p[asked], weights=hit.astype(float), minlength=n)
    den = np.bincount(p[asked], weights=old.astype(float), minlength=n)
    return (num + 0.5) / (den + 1.0)


Key = tuple[int, dt.datetime]


def all_candidates(
    data: bench.Dataset, mes: Sequence[int], items: Sequence[bench.Case]
) -> dict[Key, dict[str, np.ndarray]]:
    out = {}
    for me in mes:
        db = bench.imported(data, me)
        rows, copies = history_rows(db), copies_to(data, me, person_ids(db))
        for c in items:
            if c.me == me:
                assert c.facts is not None
                out[(me, c.cutoff)] = candidates(rows, copies, c.facts.ids, day_number(c.cutoff))
    return out


def with_columns(
    items: Sequence[bench.Case], cands: dict[Key, dict[str, np.ndarray]], names: Sequence[str]
) -> list[bench.Case]:
    """The cases with the candidate features `names` added after the model's own."""
    return [
        dataclasses.replace(
            c, x=np.column_stack([c.x, *(cands[(c.me, c.cutoff)][n] for n in names)])
        )
        for c in items
    ]


def _summary(result: dict[str, object]) -> dict[str, dict[str, float]]:
    return {
        col: {k: v[k] for k in ("model", "margin", "below_best")}
        for col, v in result["summary"].items()  # type: ignore[attr-defined]
    }


def single_gains(
    items: Sequence[bench.Case],
    cands: dict[Key, dict[str, np.ndarray]],
    mes: Sequence[int],
    half_life: float,
    weight: float,
) -> dict[str, dict[str, object]]:
    """FIT's procedure (pairwise, L2 1000, the same features held at 0) with each
    candidate added alone, fitted on the fit half, scored on the held-out half."""
    out: dict[str, dict[str, object]] = {}
    for name in ("(none: FIT's features)", *CANDIDATES):
        extra = [] if name.startswith("(") else [name]
        its = with_columns(items, cands, extra)
        fit = bench.fit_model([c for c in its if bench.in_fit_half(c.me)], PENALTY, HELD_AT_ZERO)
        result = bench.evaluate(its, mes, bench.CUTOFFS, fit, half_life, weight)
        out[name] = {
            "held_out": _summary(result),
            "coef": round(fit.coef[-1], 3) if extra else None,
            "ece": result["ece"],
        }
    return out


def forward(
    items: Sequence[bench.Case],
    cands: dict[Key, dict[str, np.ndarray]],
    mes: Sequence[int],
    half_life: float,
    weight: float,
    pool: Sequence[str],
    min_gain: float = 0.0005,
) -> list[dict[str, object]]:
    """Forward selection from `pool` by two-fold cross-validation over the fit half's
    mailboxes (mean AUC on the left-out fold, FIT's procedure), while a step adds at
    least `min_gain`; each step also scored on the held-out half (not used to choose)."""
    fit_items = [c for c in items if bench.in_fit_half(c.me)]
    boxes = sorted({c.me for c in fit_items})
    folds = [set(boxes[0::2]), set(boxes[1::2])]

    def cv(names: list[str]) -> float:
        its = with_columns(fit_items, cands, names)
        got = []
        for fold in folds:
            fit = bench.fit_model([c for c in its if c.me not in fold], PENALTY, HELD_AT_ZERO)
            got.append(bench.mean_auc([c for c in its if c.me in fold], fit))
        return float(np.mean(got))

    chosen: list[str] = []
    steps: list[dict[str, object]] = [{"features": [], "cv": round(cv([]), 4)}]
    while len(chosen) < len(pool):
        tried = {n: cv([*chosen, n]) for n in pool if n not in chosen}
        name = max(tried, key=lambda n: tried[n])
        if tried[name] < float(steps[-1]["cv"]) + min_gain:  # type: ignore[arg-type]
            break
        chosen.append(name)
        its = with_columns(items, cands, chosen)
        fit = bench.fit_model([c for c in its if bench.in_fit_half(c.me)], PENALTY, HELD_AT_ZERO)
        result = bench.evaluate(its, mes, bench.CUTOFFS, fit, half_life, weight)
        steps.append(
            {"features": list(chosen), "cv": round(tried[name], 4), "held_out": _summary(result)}
        )
    return steps


# --- a flexible model -----------------------------------------------------------------------


class Boosted:
    """Gradient-boosted regression trees on the log-loss (Friedman 2001), numpy only:
    features cut into quantile bins, each tree grown level by level to `depth` with the
    split of the largest second-order gain (XGBoost's, with an L2 `lam` on leaf values),
    on a `subsample` of the rows, shrunk by `rate`."""

    def __init__(
        self,
        trees: int = 150,
        depth: int = 3,
        rate: float = 0.05,
        lam: float = 1.0,
        min_hess: float = 5.0,
        subsample: float = 0.7,
        bins: int = 32,
        seed: int = 25,
    ) -> None:
        self.trees, self.depth, self.rate, self.lam = trees, depth, rate, lam
        self.min_hess, self.subsample, self.bins, self.seed = min_hess, subsample, bins, seed
        self.edges: list[np.ndarray] = []
        self.base = 0.0
        self.forest: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def _binned(self, x: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [np.searchsorted(e, x[:, j], side="right") for j, e in enumerate(self.edges)]
        )

    def fit(self, x: np.ndarray, y: np.ndarray) -> Boosted:
        cuts = np.linspace(0, 1, self.bins + 1)[1:-1]
        self.edges = [np.unique(np.quantile(x[:, j], cuts)) for j in range(x.shape[1])]
        xb = self._binned(x)
        width_bins = self.bins + 1
        rng = np.random.default_rng(self.seed)
        mean = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
        self.base = float(np.log(mean / (1 - mean)))
        score = np.full(len(y), self.base)
        rows = np.arange(len(y))
        self.forest = []
        for _ in range(self.trees):
            p = 0.5 * (1.0 + np.tanh(score / 2.0))
            use = rng.random(len(y)) < self.subsample
            g, h = np.where(use, p - y, 0.0), np.where(use, p * (1 - p), 0.0)
            node = np.zeros(len(y), dtype=np.int64)
            feats = np.full(2**self.depth - 1, -1)
            cut = np.zeros(2**self.depth - 1, dtype=np.int64)
            for level in range(self.depth):
                width = 2**level
                big_g = np.bincount(node, g, width)[:, None]
                big_h = np.bincount(node, h, width)[:, None]
                best = np.zeros(width)
                best_j = np.full(width, -1)
                best_t = np.zeros(width, dtype=np.int64)
                for j in range(x.shape[1]):
                    key = node * width_bins + xb[:, j]
                    gl = np.cumsum(np.bincount(key, g, width * width_bins).reshape(width, -1), 1)
                    hl = np.cumsum(np.bincount(key, h, width * width_bins).reshape(width, -1), 1)
                    gl, hl = gl[:, :-1], hl[:, :-1]
                    gain = (
                        gl**2 / (hl + self.lam)
                        + (big_g - gl) ** 2 / (big_h - hl + self.lam)
                        - big_g**2 / (big_h + self.lam)
                    )
                    gain[(hl < self.min_hess) | (big_h - hl < self.min_hess)] = 0.0
                    t = gain.argmax(1)
                    value = gain[np.arange(width), t]
                    better = value > best
                    best[better], best_j[better], best_t[better] = value[better], j, t[better]
                at = 2**level - 1 + np.arange(width)
                feats[at], cut[at] = best_j, best_t
                j_row = best_j[node]
                right = (j_row >= 0) & (xb[rows, np.maximum(j_row, 0)] > best_t[node])
                node = 2 * node + right
            leaf = (
                -self.rate
                * np.bincount(node, g, 2**self.depth)
                / (np.bincount(node, h, 2**self.depth) + self.lam)
            )
            score += leaf[node]
            self.forest.append((feats, cut, leaf))
        return self

    def decision(self, x: np.ndarray) -> np.ndarray:
        """The log-odds per row."""
        xb = self._binned(x)
        rows = np.arange(len(x))
        out = np.full(len(x), self.base)
        for feats, cut, leaf in self.forest:
            node = np.zeros(len(x), dtype=np.int64)
            for level in range(self.depth):
                at = 2**level - 1 + node
                j = feats[at]
                node = 2 * node + ((j >= 0) & (xb[rows, np.maximum(j, 0)] > cut[at]))
            out += leaf[node]
        return out


def wide(c: bench.Case, cand: dict[str, np.ndarray]) -> np.ndarray:
    """Every feature of a case for the flexible model: the model's, counts decayed over
    every half-life, every candidate, the mailbox at the date (contacts, the share of
    them in touch in the last 90 days, its mean counts of the last 30 days and of the
    quarter against the year) and each contact's rank in it by recency and by counts
    decayed over 30 and 90 days."""
    n = len(c.labels)
    context = [np.log(n), (cand["n90"] > 0).mean(), cand["n30"].mean()]
    context.append(cand["quarter_vs_year"].mean())

    def rank(v: np.ndarray) -> np.ndarray:
        return (np.argsort(np.argsort(v, kind="stable"), kind="stable") + 0.5) / n

    return np.column_stack(
        [
            c.x,
            *(np.log1p(c.plain[h]) for h in bench.BASELINE_HALF_LIVES),
            *(cand[k] for k in CANDIDATES),
            *(np.full(n, v) for v in context),
            rank(-c.days_since_last),
            rank(c.plain[30.0]),
            rank(c.plain[90.0]),
        ]
    )


def scored(
    items: Sequence[bench.Case],
    mes: Sequence[int],
    score: Callable[[bench.Case], np.ndarray],
    half_life: float,
    weight: float,
) -> dict[str, dict[str, float]]:
    """The table's summary for any scoring of the cases (its AUC per case; calibration
    is not what is measured here)."""
    one = strength_model.Fit((0.0,), (1.0,), (1.0,), 0.0, 0.0)
    its = [dataclasses.replace(c, x=score(c)[:, None]) for c in items]
    return _summary(bench.evaluate(its, mes, bench.CUTOFFS, one, half_life, weight))


def flexible_bound(
    items: Sequence[bench.Case],
    cands: dict[Key, dict[str, np.ndarray]],
    mes: Sequence[int],
    half_life: float,
    weight: float,
) -> dict[str, dict[str, dict[str, float]]]:
    x = {id(c): wide(c, cands[(c.me, c.cutoff)]) for c in items}

    def boosted(group: Sequence[bench.Case]) -> Boosted:
        xs = np.vstack([x[id(c)] for c in group])
        return Boosted().fit(xs, np.concatenate([c.labels for c in group]).astype(float))

    out = {}
    model = boosted([c for c in items if bench.in_fit_half(c.me)])
    out["boosted trees, fit half"] = scored(
        items, mes, lambda c: model.decision(x[id(c)]), half_life, weight
    )
    held = sorted({c.me for c in items if not bench.in_fit_half(c.me)})
    others: dict[int, np.ndarray] = {}
    for k in range(FOLDS):
        fold = set(held[k::FOLDS])
        model = boosted([c for c in items if c.me not in fold])
        for c in items:
            if c.me in fold:
                others[id(c)] = model.decision(x[id(c)])
    out["boosted trees, fit half and the other held-out folds"] = scored(
        [c for c in items if id(c) in others], mes, lambda c: others[id(c)], half_life, weight
    )
    inside: dict[str, dict[str, float]] = {}
    for n in bench.COLUMNS:
        top = [c for c in items if c.me in held and mes.index(c.me) < n]
        if top:
            fitted = boosted(top)

            def score(c: bench.Case, m: Boosted = fitted) -> np.ndarray:
                return m.decision(x[id(c)])

            inside[f"top{n}"] = scored(top, mes[:n], score, half_life, weight)[f"top{n}"]
    out["boosted trees, in sample (fitted on each column's held-out mailboxes)"] = inside
    return out


# --- the noise of the target ----------------------------------------------------------------


def never_below_chance(
    items: Sequence[bench.Case],
    mes: Sequence[int],
    half_life: float,
    weight: float,
    top: int,
    means: Sequence[float] = (0.01, 0.02, 0.03, 0.05),
    draws: int = 1000,
    seed: int = 25,
) -> dict[str, object]:
    """For the held-out mailboxes among the `top` most active: the standard error of the
    margin at one cutoff (over mailboxes), and for each margin in `means`, the share of
    `draws` resamplings of those mailboxes (with replacement, each whole: every cutoff
    together) in which FIT's AUCs moved up by a constant so that their mean margin over
    the best baseline at each cutoff is that figure are at or above the best baseline at
    every cutoff. The answer to "if the model were that much better, with the noise it
    has, how often would the target's 'never below' hold?"."""
    rank = {me: i for i, me in enumerate(mes)}
    held = [c for c in items if not bench.in_fit_half(c.me) and rank[c.me] < top]
    boxes = sorted({c.me for c in held})
    at = {b: i for i, b in enumerate(boxes)}
    cut_at = {cut: i for i, cut in enumerate(bench.CUTOFFS)}
    # aucs[mailbox, cutoff, (model, recency, frequency, mix)], NaN where a case is missing
    aucs = np.full((len(boxes), len(bench.CUTOFFS), 4), np.nan)
    for c in held:
        aucs[at[c.me], cut_at[c.cutoff]] = [
            bench.auc(strength_model.logit(c.x), c.labels),
            bench.auc(c.recency(), c.labels),
            bench.auc(c.plain[half_life], c.labels),
            bench.auc(c.mix(half_life, weight), c.labels),
        ]

    def margins(sample: np.ndarray) -> np.ndarray:
        """Per cutoff, NaN where no mailbox of `sample` counts there (left out)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a cutoff with none: NaN
            mean = np.nanmean(aucs[sample], axis=0)  # cutoffs x 4
        return mean[:, 0] - mean[:, 1:].max(axis=1)  # type: ignore[no-any-return]

    every = margins(np.arange(len(boxes)))
    observed = every[~np.isnan(every)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # missing cases, lone mailboxes
        diffs = aucs[:, :, 0] - np.nanmax(aucs[:, :, 1:], axis=2)  # vs each one's best
        errors = np.nanstd(diffs, axis=0, ddof=1) / np.sqrt(np.sum(~np.isnan(diffs), axis=0))
    rng = np.random.default_rng(seed)
    samples = [rng.integers(0, len(boxes), len(boxes)) for _ in range(draws)]
    resampled = np.array([margins(s) for s in samples])
    chance = {
        f"{m:+.2f}": float(np.mean(np.nanmin(resampled + m - observed.mean(), axis=1) >= 0))
        for m in means
    }
    return {
        "mailboxes": len(boxes),
        "margin": round(float(observed.mean()), 4),
        "median_standard_error": round(float(np.nanmedian(errors)), 4),
        "within_two_errors": int(np.sum(np.abs(every) < 2 * errors)),
        "never_below_chance": chance,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailboxes", type=int, default=50, help="the N most active mailboxes")
    args = parser.parse_args(argv)
    shared = bench.shared_dir()
    if shared is None:
        print("the Enron data set is missing: set GOODWILL_SHARED_DIR", file=sys.stderr)
        return 1
    started, cpu = time.perf_counter(), time.process_time()
    data = bench.load(shared)
    mes = bench.most_active(data, args.mailboxes)
    items = bench.gather(data, mes, bench.CUTOFFS)
    half_life, weight = bench.choose_baselines([c for c in items if bench.in_fit_half(c.me)])
    cands = all_candidates(data, mes, items)
    result: dict[str, object] = {
        "single": single_gains(items, cands, mes, half_life, weight),
        "forward_stored": forward(items, cands, mes, half_life, weight, STORED),
        "forward_all": forward(items, cands, mes, half_life, weight, CANDIDATES),
        "bound": flexible_bound(items, cands, mes, half_life, weight),
        "noise": {
            f"top{n}": never_below_chance(items, mes, half_life, weight, n)
            for n in bench.COLUMNS
            if n <= len(mes)
        },
    }
    result.update(
        mailboxes=len(mes),
        seconds=round(time.perf_counter() - started, 1),
        cpu_seconds=round(time.process_time() - cpu, 1),
        load=os.getloadavg()[0],
        date=dt.date.today().isoformat(),
    )
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "enron_bound.json").write_text(json.dumps(result, indent=2) + "\n")
    print(report(result))
    return 0


def _cells(summary: dict[str, dict[str, float]]) -> str:
    return " | ".join(
        f"{v['model']:.4f} ({v['margin']:+.4f}, {int(v['below_best'])})" for v in summary.values()
    )


def report(result: dict[str, object]) -> str:
    """The markdown tables docs/scoring.md shows."""
    lines = [
        "| added to FIT's features | coefficient | 12 most active | 25 most active | "
        "50 most active |",
        "|---|---|---|---|---|",
    ]
    for name, v in result["single"].items():  # type: ignore[attr-defined]
        coef = "" if v["coef"] is None else f"{v['coef']:+.3f}"
        mark = " (not stored)" if name in NOT_STORED else ""
        lines.append(f"| {name}{mark} | {coef} | {_cells(v['held_out'])} |")
    for key in ("forward_stored", "forward_all"):
        lines += ["", f"{key}:", "", "| features | cv (fit half) | held-out 12 / 25 / 50 |"]
        lines.append("|---|---|---|")
        for step in result[key]:  # type: ignore[attr-defined]
            held = _cells(step["held_out"]) if "held_out" in step else ""
            lines.append(f"| {', '.join(step['features']) or '(FIT)'} | {step['cv']} | {held} |")
    lines += ["", "| flexible model | 12 most active | 25 most active | 50 most active |"]
    lines.append("|---|---|---|---|")
    for name, s in result["bound"].items():  # type: ignore[attr-defined]
        lines.append(f"| {name} | {_cells(s)} |")
    lines += [
        "",
        "| mailboxes | held-out | margin | standard error at a cutoff | cutoffs within 2 "
        "errors | chance of never below at a mean margin of +0.01 / +0.02 / +0.03 / +0.05 |",
        "|---|---|---|---|---|---|",
    ]
    for col, v in result["noise"].items():  # type: ignore[attr-defined]
        chances = " / ".join(f"{p:.2f}" for p in v["never_below_chance"].values())
        lines.append(
            f"| {col} | {v['mailboxes']} | {v['margin']:+.4f} | {v['median_standard_error']:.4f}"
            f" | {v['within_two_errors']} of 36 | {chances} |"
        )
    lines.append(f"\n{result['cpu_seconds']} s of CPU, load {result['load']:.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
