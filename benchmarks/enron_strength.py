"""Tie strength on real email, through the path a user's mail takes: the Enron network.

For each of the most active Enron employees taken as "me", their mail is written as an
mbox file (From, To, Cc, Date and Message-ID headers, no body) and imported with the
importer `goodwill import mbox --me ADDRESS` runs, into a SQLite file of its own. At each
cutoff, the strength read behind `goodwill strength --as-of` (strength.features, its
components and strength_model's features) scores every contact seen before the cutoff,
and we measure how well it ranks "in touch in the next 90 days" (from the same database:
a contact is in touch when they take part in an interaction in the 90 days from the
cutoff) as ROC AUC (Mann-Whitney), averaged over the mailboxes, against three baselines:
recency alone, decayed frequency alone (its half-life chosen on the fit half) and their
best fixed mix (chosen on the fit half).

    PYTHONPATH=src python benchmarks/enron_strength.py              # evaluate FIT, 50 mailboxes
    PYTHONPATH=src python benchmarks/enron_strength.py --fit        # refit on the fit half
    PYTHONPATH=src python benchmarks/enron_strength.py --mailboxes 12

The mailboxes are split by employee id: the fit (and every choice of a baseline) sees
only the even ids; the table reports the odd ids (held out). The imported databases are
kept under benchmarks/.work/enron (delete the folder to import again).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import gzip
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import case, select

from goodwill.io import importer
from goodwill.io.records import ImportOptions
from goodwill.scoring import strength, strength_model
from goodwill.store.days import day_number
from goodwill.store.db import number_matrix, open_store
from goodwill.store.models import Participant

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "enron" / "v2"  # bump the version when the mbox or import changes
HORIZON_DAYS = strength_model.HORIZON_DAYS
# The 1st and the 15th of every month from June 2000 (36 cutoffs, to 15 November 2001).
CUTOFFS = tuple(
    dt.datetime(2000 + (5 + i) // 12, (5 + i) % 12 + 1, day) for i in range(18) for day in (1, 15)
)
MIN_CANDIDATES = 5  # a mailbox counts at a cutoff with this many contacts and both outcomes
BASELINE_HALF_LIVES = (7.0, 14.0, 21.0, 30.0, 45.0, 60.0, 90.0, 180.0, 365.0)
MIX_WEIGHTS = tuple(i / 10 for i in range(11))
PENALTIES = (1.0, 10.0, 100.0, 1000.0)
PAIRS = 400  # random (in touch, not in touch) pairs per mailbox and cutoff
PAIR_SEED = 25
COLUMNS = (12, 25, 50)
BASELINES = ("recency", "frequency", "mix")


def slice_cutoffs(count: int = 3) -> tuple[dt.datetime, ...]:
    """The CI slice's cutoffs by a fixed rule, chosen before any result: `count` evenly
    spaced among CUTOFFS, the first and the last included (2000-06-01, 2001-02-15 and
    2001-11-15 for three)."""
    last = len(CUTOFFS) - 1
    return tuple(CUTOFFS[i * last // (count - 1)] for i in range(count))


@dataclass(frozen=True)
class Message:
    when: dt.datetime
    sender: int
    to: tuple[int, ...]
    cc: tuple[int, ...]


@dataclass
class Dataset:
    people: dict[int, tuple[str, str]]  # id -> (email, name)
    messages: list[Message]


def shared_dir() -> Path | None:
    env = os.environ.get("GOODWILL_SHARED_DIR")
    for cand in (Path(env) if env else None, HERE.parents[1] / "shared", Path("/work/shared")):
        if cand is not None and (cand / "datasets" / "enron" / "emails.csv.gz").is_file():
            return cand
    return None


def load(shared: Path) -> Dataset:
    """People and messages: rows with the same sender and time are one message; a
    recipient both in To and Cc/Bcc is in To; Bcc (a copy of Cc in this data) goes in Cc."""
    base = shared / "datasets" / "enron"
    people: dict[int, tuple[str, str]] = {}
    with (base / "people.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            people[int(row["id"])] = (row["email"], row["name"] or row["email"])
    to: dict[tuple[str, int], set[int]] = defaultdict(set)
    cc: dict[tuple[str, int], set[int]] = defaultdict(set)
    with gzip.open(base / "emails.csv.gz", "rt", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["time"].startswith("1979"):
                continue  # placeholder times
            sender, rcpt = int(row["sender_id"]), int(row["recipient_id"])
            if rcpt == sender:
                continue
            key = (row["time"], sender)
            (to if row["recipient_type"] == "to" else cc)[key].add(rcpt)
    messages = []
    for key in set(to) | set(cc):
        direct = to.get(key, set())
        messages.append(
            Message(
                dt.datetime.fromisoformat(key[0]),
                key[1],
                tuple(sorted(direct)),
                tuple(sorted(cc.get(key, set()) - direct)),
            )
        )
    messages.sort(key=lambda m: (m.when, m.sender, m.to, m.cc))
    return Dataset(people, messages)


def most_active(data: Dataset, limit: int) -> list[int]:
    """The `limit` employees with the most messages sent or received (ties by id)."""
    counts: dict[int, int] = defaultdict(int)
    for m in data.messages:
        for pid in {m.sender, *m.to, *m.cc}:
            counts[pid] += 1
    return sorted(counts, key=lambda p: (-counts[p], p))[:limit]


def in_fit_half(me: int) -> bool:
    """The fit sees only these mailboxes; the others are held out for the report."""
    return me % 2 == 0


def _address(data: Dataset, pid: int) -> str:
    email, name = data.people[pid]
    return f'"{name}" <{email}>'


def write_mbox(data: Dataset, me: int, path: Path) -> int:
    """`me`'s mail as an mbox: every message they sent or received, headers only."""
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for m in data.messages:
            if me != m.sender and me not in m.to and me not in m.cc:
                continue
            stamp = m.when.strftime("%a %b %d %H:%M:%S %Y")
            fh.write(f"From {data.people[m.sender][0]} {stamp}\n")
            fh.write(f"From: {_address(data, m.sender)}\n")
            if m.to:
                fh.write(f"To: {', '.join(_address(data, p) for p in m.to)}\n")
            if m.cc:
                fh.write(f"Cc: {', '.join(_address(data, p) for p in m.cc)}\n")
            fh.write(f"Date: {m.when.strftime('%a, %d %b %Y %H:%M:%S')} +0000\n")
            fh.write(f"Message-ID: <{m.when:%Y%m%d%H%M%S}.{m.sender}@enron.example>\n\n")
            n += 1
    return n


def imported(data: Dataset, me: int, work: Path = WORK) -> Path:
    """The SQLite file holding `me`'s mailbox as `goodwill import mbox` writes it (kept in
    `work` and used again while its ".done" mark is there)."""
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"me-{me}.db"
    done = work / f"me-{me}.done"
    if done.is_file() and db.is_file():
        return db
    for stale in work.glob(f"me-{me}.db*"):
        stale.unlink()
    box = work / f"me-{me}.mbox"
    write_mbox(data, me, box)
    store = open_store(str(db))
    try:
        options = ImportOptions(me=[data.people[me][0]], now=dt.datetime(2003, 1, 1))
        importer.import_file(store, "mbox", box, options)
    finally:
        store.dispose()
    box.unlink()
    done.write_text("imported\n")
    return db


@dataclass
class Case:
    """One (me, cutoff): every contact seen before it, their features and the outcome."""

    me: int
    cutoff: dt.datetime
    x: np.ndarray  # strength_model features, one row per contact
    days_since_last: np.ndarray
    plain: dict[float, np.ndarray]  # decayed unweighted counts per half-life
    labels: np.ndarray
    facts: strength.Features | None = None  # the contacts' facts (to recompute rhythm)

    def recency(self) -> np.ndarray:
        return -self.days_since_last  # type: ignore[no-any-return]

    def mix(self, half_life: float, w: float) -> np.ndarray:
        return w * -np.log1p(self.days_since_last) + (1 - w) * np.log1p(self.plain[half_life])  # type: ignore[no-any-return]


def cases_of(me: int, db: Path, cutoffs: Sequence[dt.datetime]) -> list[Case]:
    """The cases of one imported mailbox, read as `goodwill strength --as-of` reads them."""
    store = open_store(str(db), migrate_schema=False)
    out = []
    try:
        with store.session() as s:
            rows = number_matrix(
                s,
                select(Participant.person_id, Participant.day).where(
                    Participant.planned.is_(False)
                ),
                2,
            )
            for cutoff in cutoffs:
                f = strength.features(s, cutoff)
                parts = strength.components(f)
                x = strength.design(f, parts)
                keep = f.count > 0
                if keep.sum() < MIN_CANDIDATES:
                    continue
                now = day_number(cutoff)
                ahead = rows[(rows[:, 1] >= now) & (rows[:, 1] < now + HORIZON_DAYS)]
                ids = f.ids[keep]
                labels = np.isin(ids, ahead[:, 0].astype(np.int64))
                if labels.all() or not labels.any():
                    continue
                before = rows[rows[:, 1] < now]
                slot = np.searchsorted(ids, before[:, 0].astype(np.int64))
                slot = np.minimum(slot, len(ids) - 1)
                ok = ids[slot] == before[:, 0]
                age = now - before[ok, 1]
                plain = {
                    h: np.bincount(slot[ok], weights=np.power(0.5, age / h), minlength=len(ids))
                    for h in BASELINE_HALF_LIVES
                }
                facts = strength.Features(**{k: v[keep] for k, v in dataclasses.asdict(f).items()})
                out.append(Case(me, cutoff, x[keep], f.days_since_last[keep], plain, labels, facts))
    finally:
        store.dispose()
    return out


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney U statistic, ties counted as one half."""
    pos = labels.astype(bool)
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(scores)]])
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    u = ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


# --- the fit --------------------------------------------------------------------------------


# The direction the research gives each feature (docs/scoring.md): a fitted coefficient
# against it is noise or a confound of this data set, not a rule to put in front of a
# person ("knowing someone longer lowers the chance"), so the feature is dropped (its
# coefficient held at 0) and the model refitted. Features without a sign here may go
# either way.
SIGNS = {
    "recency": -1.0,
    "intensity": 1.0,
    "recent": 1.0,
    "duration": 1.0,
    "reciprocity": 1.0,
    "rhythm": 1.0,
    "mutual": 1.0,
    "they_start": 1.0,
    "replies": 1.0,
}


def newton_logistic(z: np.ndarray, y: np.ndarray, reg: np.ndarray) -> np.ndarray:
    """Weights minimising the summed log-loss of sigmoid(z @ w) against y plus
    sum(reg * w^2) / 2, by Newton's method (IRLS): convex, a handful of steps."""
    w = np.zeros(z.shape[1])
    for _ in range(100):
        p = 0.5 * (1.0 + np.tanh(z @ w / 2.0))
        grad = z.T @ (p - y) + reg * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def standardise(items: Sequence[Case]) -> tuple[np.ndarray, np.ndarray]:
    x = np.vstack([c.x for c in items])
    scale = x.std(axis=0)
    return x.mean(axis=0), np.where(scale > 1e-9, scale, 1.0)


def fit_model(
    items: Sequence[Case], penalty: float, dropped: frozenset[str] = frozenset()
) -> strength_model.Fit:
    """The fit, in two steps, on standardised features:

    1. ranking: L2-regularised logistic regression on pairs within each (mailbox, cutoff),
       a contact who was in touch against one who was not (PAIRS random pairs per case,
       seeded): it learns what ranks ties within one person's network, which is what the
       AUC measures and what a person sees, without the differences between mailboxes
       (some people write ten times more mail) pulling the weights;
    2. calibration (Platt scaling): a logistic regression of the outcome on that score over
       every contact, two parameters (slope, intercept), so the chance means a chance.

    The two fold into one linear model: coef = slope * weights. A dropped feature's
    weight is held at 0."""
    center, scale = standardise(items)
    rng = np.random.default_rng(PAIR_SEED)
    diffs = []
    for c in items:
        z = (c.x - center) / scale
        pos, neg = z[c.labels], z[~c.labels]
        k = min(PAIRS, len(pos) * len(neg))
        diffs.append(pos[rng.integers(0, len(pos), k)] - neg[rng.integers(0, len(neg), k)])
    d = np.vstack(diffs)
    reg = np.full(d.shape[1], penalty)
    for i, name in enumerate(strength_model.FEATURES):
        if name in dropped:
            reg[i] = 1e12
    weights = newton_logistic(d, np.ones(len(d)), reg)
    x, y = stack(items)
    score = ((x - center) / scale) @ weights
    slope_b = newton_logistic(np.column_stack([np.ones(len(score)), score]), y, np.zeros(2))
    return strength_model.Fit(
        center=tuple(round(float(v), 4) for v in center),
        scale=tuple(round(float(v), 4) for v in scale),
        coef=tuple(round(float(v * slope_b[1]), 4) + 0.0 for v in weights),
        intercept=round(float(slope_b[0]), 4),
        l2=penalty,
    )


def stack(items: Sequence[Case]) -> tuple[np.ndarray, np.ndarray]:
    return np.vstack([c.x for c in items]), np.concatenate([c.labels for c in items]).astype(float)


def mean_auc(items: Sequence[Case], fit: strength_model.Fit) -> float:
    return float(np.mean([auc(strength_model.logit(c.x, fit), c.labels) for c in items]))


def signed_fit(items: Sequence[Case], penalty: float) -> strength_model.Fit:
    """Fit, drop every feature whose coefficient goes against SIGNS, refit, until none does."""
    dropped: frozenset[str] = frozenset()
    while True:
        fit = fit_model(items, penalty, dropped)
        wrong = {
            name
            for name, c in zip(strength_model.FEATURES, fit.coef, strict=True)
            if name not in dropped and c * SIGNS.get(name, 0.0) < 0
        }
        if not wrong:
            return fit
        dropped |= wrong


def choose_fit(items: Sequence[Case]) -> tuple[strength_model.Fit, dict[float, float]]:
    """The penalty by two-fold cross-validation over the fit half's mailboxes (mean AUC
    on the mailboxes left out of each fold), then the fit on all of the fit half."""
    mes = sorted({c.me for c in items})
    folds = [set(mes[0::2]), set(mes[1::2])]
    scores = {}
    for penalty in PENALTIES:
        got = []
        for fold in folds:
            train = [c for c in items if c.me not in fold]
            test = [c for c in items if c.me in fold]
            if train and test:
                got.append(mean_auc(test, signed_fit(train, penalty)))
        scores[penalty] = float(np.mean(got))
    best = max(PENALTIES, key=lambda p: (scores[p], p))
    return signed_fit(items, best), scores


# The rhythm component's BG/NBD constants tried by `--fit` (its other constants, a and b,
# stay as strength.MODEL has them): r is the shape of the contact rates across ties,
# alpha (days) their scale.
RHYTHM_R = (0.1, 0.3, 1.0)
RHYTHM_ALPHA_DAYS = (30.0, 120.0, 365.0, 730.0)


def with_rhythm(items: Sequence[Case], model: strength.Model) -> list[Case]:
    """The cases with the rhythm feature recomputed under `model`'s constants."""
    col = strength_model.FEATURES.index("rhythm")
    out = []
    for c in items:
        assert c.facts is not None
        x = c.x.copy()
        x[:, col] = strength.rhythm_of(c.facts, model)
        out.append(dataclasses.replace(c, x=x))
    return out


def choose_rhythm_and_fit(
    items: Sequence[Case],
) -> tuple[strength.Model, strength_model.Fit, dict[str, float]]:
    """The rhythm constants and the penalty together, by the same two-fold cross-validation
    over the fit half's mailboxes as `choose_fit` (the best mean AUC on the left-out
    mailboxes), then the fit on all of the fit half."""
    scores: dict[str, float] = {}
    best: tuple[float, strength.Model, strength_model.Fit] | None = None
    for r in RHYTHM_R:
        for alpha in RHYTHM_ALPHA_DAYS:
            model = dataclasses.replace(strength.MODEL, rhythm_r=r, rhythm_alpha_days=alpha)
            fit, by_penalty = choose_fit(with_rhythm(items, model))
            for penalty, score in by_penalty.items():
                scores[f"r={r:g} alpha={alpha:g} l2={penalty:g}"] = round(score, 4)
            top = max(by_penalty.values())
            if best is None or top > best[0]:
                best = (top, model, fit)
    assert best is not None
    return best[1], best[2], scores


# --- baselines and the table ----------------------------------------------------------------


def choose_baselines(items: Sequence[Case]) -> tuple[float, float]:
    """The decayed-frequency half-life, then the recency/frequency mix weight, each the
    best mean AUC on the fit half."""
    half_life = max(
        BASELINE_HALF_LIVES,
        key=lambda h: float(np.mean([auc(c.plain[h], c.labels) for c in items])),
    )
    weight = max(
        MIX_WEIGHTS,
        key=lambda w: float(np.mean([auc(c.mix(half_life, w), c.labels) for c in items])),
    )
    return half_life, weight


def ece(
    chances: np.ndarray, labels: np.ndarray, bins: int = 10
) -> tuple[float, list[dict[str, object]]]:
    """Expected calibration error over equal-width bins, and the reliability curve."""
    edges = np.minimum((chances * bins).astype(int), bins - 1)
    total, curve = 0.0, []
    for b in range(bins):
        inside = edges == b
        n = int(inside.sum())
        if n == 0:
            continue
        said, seen = float(chances[inside].mean()), float(labels[inside].mean())
        total += n * abs(said - seen)
        curve.append(
            {
                "bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}",
                "contacts": n,
                "predicted": round(said, 3),
                "observed": round(seen, 3),
            }
        )
    return total / max(len(chances), 1), curve


def scores_at(
    items: Sequence[Case], fit: strength_model.Fit, half_life: float, weight: float
) -> dict[str, float]:
    model = [auc(strength_model.logit(c.x, fit), c.labels) for c in items]
    rec = [auc(c.recency(), c.labels) for c in items]
    freq = [auc(c.plain[half_life], c.labels) for c in items]
    mix = [auc(c.mix(half_life, weight), c.labels) for c in items]
    out = {
        "mailboxes": len(items),
        "model": float(np.mean(model)),
        "recency": float(np.mean(rec)),
        "frequency": float(np.mean(freq)),
        "mix": float(np.mean(mix)),
    }
    out["best_baseline"] = max(out["recency"], out["frequency"], out["mix"])
    out["margin"] = out["model"] - out["best_baseline"]
    for name in BASELINES:
        out[f"margin_{name}"] = out["model"] - out[name]
    x, y = stack(items)
    out["ece"] = ece(strength_model.chance(x, fit), y)[0]
    return out


def evaluate(
    items: Sequence[Case],
    order: Sequence[int],
    cutoffs: Sequence[dt.datetime],
    fit: strength_model.Fit,
    half_life: float,
    weight: float,
    *,
    fit_half: bool = False,
) -> dict[str, object]:
    """Per cutoff and column (the held-out mailboxes among the 12, 25, 50 most active
    imported; the fit half's with `fit_half`), the model and the baselines; calibration
    over those contacts."""
    rank = {me: i for i, me in enumerate(order)}
    held = [c for c in items if in_fit_half(c.me) == fit_half]
    columns = [n for n in COLUMNS if n <= len(order)] or [len(order)]
    rows = []
    for cutoff in cutoffs:
        row: dict[str, object] = {"cutoff": cutoff.date().isoformat()}
        for n in columns:
            group = [c for c in held if c.cutoff == cutoff and rank[c.me] < n]
            if group:
                row[f"top{n}"] = {
                    k: round(v, 4) for k, v in scores_at(group, fit, half_life, weight).items()
                }
        rows.append(row)
    x, y = stack(held)
    error, curve = ece(strength_model.chance(x, fit), y)
    summary = {}
    for n in columns:
        cells = [r[f"top{n}"] for r in rows if f"top{n}" in r]
        summary[f"top{n}"] = {
            k: round(float(np.mean([c[k] for c in cells])), 4)  # type: ignore[index]
            for k in ("model", "recency", "frequency", "mix", "best_baseline", "margin")
        }
        summary[f"top{n}"]["worst_margin"] = round(min(c["margin"] for c in cells), 4)  # type: ignore[index]
        # At how many cutoffs the model is below the best baseline there, and each one.
        summary[f"top{n}"]["below_best"] = sum(c["margin"] < 0 for c in cells)  # type: ignore[index]
        for name in BASELINES:
            summary[f"top{n}"][f"below_{name}"] = sum(c[f"margin_{name}"] < 0 for c in cells)  # type: ignore[index]
        summary[f"top{n}"]["lowest_model"] = round(min(c["model"] for c in cells), 4)  # type: ignore[index]
    return {
        "cutoffs": rows,
        "summary": summary,
        "ece": round(error, 4),
        "reliability": curve,
        "held_out_contacts": len(y),
    }


def table(result: dict[str, object]) -> str:
    """The markdown table docs/scoring.md shows: one row per cutoff; for the 12 most active
    mailboxes the model, each baseline and the margin over the best of them; for the 25
    and 50 most active the model and that margin; the calibration error of the widest."""
    columns = list(result["summary"])  # type: ignore[call-overload]
    first, rest = columns[0], columns[1:]
    head = (
        f"| cutoff | {first}: mailboxes | model | recency | decayed freq. | mix | margin |"
        + "".join(f" {c}: mailboxes | model | margin |" for c in rest)
        + f" ECE ({columns[-1]}) |"
    )
    lines = [head, "|---|---|---|---|---|---|---|" + "---|---|---|" * len(rest) + "---|"]
    for r in result["cutoffs"]:  # type: ignore[attr-defined]
        v = r[first]
        cells = (
            f" {v['mailboxes']} | {v['model']:.3f} | {v['recency']:.3f} | "
            f"{v['frequency']:.3f} | {v['mix']:.3f} | {v['margin']:+.3f} |"
        )
        for c in rest:
            w = r[c]
            cells += f" {w['mailboxes']} | {w['model']:.3f} | {w['margin']:+.3f} |"
        cells += f" {r[columns[-1]]['ece']:.3f} |"
        lines.append(f"| {r['cutoff']} |" + cells)
    s: dict[str, dict[str, float]] = result["summary"]  # type: ignore[assignment]
    v = s[first]
    mean = (
        f"| mean | | **{v['model']:.3f}** | {v['recency']:.3f} | {v['frequency']:.3f} | "
        f"{v['mix']:.3f} | **{v['margin']:+.3f}** |"
    )
    for c in rest:
        mean += f" | **{s[c]['model']:.3f}** | **{s[c]['margin']:+.3f}** |"
    lines.append(mean + f" {result['ece']:.3f} |")
    return "\n".join(lines)


def summary_table(result: dict[str, object]) -> str:
    """Per column: the means over the cutoffs, the margins, and at how many of the cutoffs
    the model is below the best baseline there and below each baseline."""
    lines = [
        "| mailboxes | model | recency | decayed freq. | mix | margin over the best at each "
        "cutoff | worst cutoff | cutoffs below the best / recency / freq. / mix | "
        "margin over the best baseline on average | lowest model AUC |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c, v in result["summary"].items():  # type: ignore[attr-defined]
        single = v["model"] - max(v["recency"], v["frequency"], v["mix"])
        below = " / ".join(str(v[k]) for k in ("below_best", *(f"below_{b}" for b in BASELINES)))
        lines.append(
            f"| {c} | {v['model']:.4f} | {v['recency']:.4f} | {v['frequency']:.4f} | "
            f"{v['mix']:.4f} | {v['margin']:+.4f} | {v['worst_margin']:+.4f} | {below} of "
            f"{len(result['cutoffs'])} | {single:+.4f} | {v['lowest_model']:.4f} |"  # type: ignore[arg-type]
        )
    return "\n".join(lines)


# --- what else was tried, and a bound -------------------------------------------------------


def richer(c: Case, products: bool = False) -> Case:
    """The case with more features: the model's, plus unweighted counts decayed over every
    baseline half-life (7 to 365 days; the decayed-frequency baseline is one of them), and
    with `products` every square and pairwise product of them (an upper-bound family)."""
    x = np.column_stack([c.x, *(np.log1p(c.plain[h]) for h in BASELINE_HALF_LIVES)])
    if products:
        k = x.shape[1]
        x = np.column_stack([x, *(x[:, i] * x[:, j] for i in range(k) for j in range(i, k))])
    return Case(c.me, c.cutoff, x, c.days_since_last, c.plain, c.labels)


def pointwise_fit(items: Sequence[Case], penalty: float) -> strength_model.Fit:
    """A plain L2 logistic regression of the outcome on the standardised features, one row
    per (contact, cutoff): calibrated as it stands (no Platt step)."""
    center, scale = standardise(items)
    x, y = stack(items)
    z = np.column_stack([np.ones(len(x)), (x - center) / scale])
    reg = np.full(z.shape[1], penalty)
    reg[0] = 0.0
    w = newton_logistic(z, y, reg)
    return strength_model.Fit(
        tuple(center.tolist()), tuple(scale.tolist()), tuple(w[1:].tolist()), float(w[0]), penalty
    )


def variant_summary(
    items: Sequence[Case],
    order: Sequence[int],
    fit: strength_model.Fit,
    half_life: float,
    weight: float,
) -> str:
    result = evaluate(items, order, CUTOFFS, fit, half_life, weight)
    s: dict[str, dict[str, float]] = result["summary"]  # type: ignore[assignment]
    return " | ".join(
        f"{c}: {v['model']:.4f} ({v['margin']:+.4f}, below {v['below_best']})" for c, v in s.items()
    )


def variants(
    data: Dataset,
    items: Sequence[Case],
    order: Sequence[int],
    half_life: float,
    weight: float,
    work: Path = WORK,
) -> list[tuple[str, str]]:
    """Other fits, each on the fit half only, scored on the held-out half as the table is:
    the mean model AUC per column (margin over the best baseline at each cutoff, cutoffs
    below it)."""
    fit_items = [c for c in items if in_fit_half(c.me)]
    rich = [richer(c) for c in items]
    rich_fit = [c for c in rich if in_fit_half(c.me)]
    facts = {me: history_facts(imported(data, me, work), CUTOFFS) for me in order}
    widest = [dataclasses.replace(c, x=np.column_stack([c.x, facts[c.me][c.cutoff]])) for c in rich]
    top25 = set(order[:25])
    out = [
        ("FIT's procedure (pairwise, signs, L2 by CV)", strength_model.FIT, items),
        ("pointwise logistic, same features, L2 1", pointwise_fit(fit_items, 1.0), items),
        ("pairwise, + decayed counts at 7-365 days, L2 1", fit_model(rich_fit, 1.0), rich),
        ("pointwise, + decayed counts at 7-365 days, L2 1", pointwise_fit(rich_fit, 1.0), rich),
        (
            "pairwise, + decayed counts and the history facts of the bound, L2 1",
            fit_model([c for c in widest if in_fit_half(c.me)], 1.0),
            widest,
        ),
        (
            "pairwise, fitted on the fit half's 25 most active only",
            signed_fit([c for c in fit_items if c.me in top25], 1000.0),
            items,
        ),
    ]
    return [
        (name, variant_summary(group, order, fit, half_life, weight)) for name, fit, group in out
    ]


def history_facts(db: Path, cutoffs: Sequence[dt.datetime]) -> dict[dt.datetime, np.ndarray]:
    """For the bound only: per cutoff, per contact (in id order), facts goodwill keeps per
    interaction but not per tie, so a read at `--as-of` could not afford them at 50,000
    people: counts in the last 7, 30, 90 and 365 days, messages sent and received decayed
    over 90 days, days since the last one sent and the last one received, the share sent,
    and the months of the last 12 and weeks of the last 13 with any contact."""
    store = open_store(str(db), migrate_schema=False)
    try:
        with store.session() as s:
            rows = number_matrix(
                s,
                select(
                    Participant.person_id,
                    Participant.day,
                    case((Participant.initiated_by == "me", 1), else_=0),
                ).where(Participant.planned.is_(False)),
                3,
            )
    finally:
        store.dispose()
    return {cutoff: _facts_at(rows, day_number(cutoff)) for cutoff in cutoffs}


def _facts_at(rows: np.ndarray, now: float) -> np.ndarray:
    before = rows[rows[:, 1] < now]
    _ids, slot = np.unique(before[:, 0], return_inverse=True)
    n, age, sent = len(_ids), now - before[:, 1], before[:, 2]

    def total(w: np.ndarray) -> np.ndarray:
        return np.bincount(slot, weights=w, minlength=n)

    def since(mask: np.ndarray) -> np.ndarray:
        last = np.full(n, 5000.0)
        np.minimum.at(last, slot[mask], age[mask])
        return np.log1p(last)

    def distinct(unit: float, span: int) -> np.ndarray:
        k = (age // unit).astype(np.int64)
        keys = np.unique(slot[k < span] * 1000 + k[k < span])
        return np.bincount(keys // 1000, minlength=n) / span

    count = total(np.ones(len(age)))
    cols = [np.log1p(total((age < w).astype(float))) for w in (7, 30, 90, 365)]
    cols += [
        np.log1p(total(sent * 0.5 ** (age / 90))),
        np.log1p(total((1 - sent) * 0.5 ** (age / 90))),
        since(sent == 1),
        since(sent == 0),
        total(sent) / count,
        distinct(30.4, 12),
        distinct(7.0, 13),
    ]
    return np.column_stack(cols)


def upper_bound(
    data: Dataset,
    items: Sequence[Case],
    order: Sequence[int],
    half_life: float,
    weight: float,
    top: int = 12,
    work: Path = WORK,
) -> str:
    """A bound for any fixed model built from this mail: fitted on the held-out `top` most
    active mailboxes themselves (in sample: it has seen the answers it is scored on),
    pairwise, with the model's features, counts decayed over every baseline half-life, the
    facts of `history_facts`, and every square and product of them (496 weights). If even
    this one is below the best baseline at some cutoffs, no honest fit of those facts will
    be above it at all of them."""
    chosen = [me for me in order[:top] if not in_fit_half(me)]
    group = []
    for me in chosen:
        facts = history_facts(imported(data, me, work), CUTOFFS)
        for c in items:
            if c.me == me:
                wide = richer(c)
                x = np.column_stack([wide.x, facts[c.cutoff]])
                k = x.shape[1]
                x = np.column_stack(
                    [x, *(x[:, i] * x[:, j] for i in range(k) for j in range(i, k))]
                )
                group.append(dataclasses.replace(c, x=x))
    fit = fit_model(group, 10.0)
    return variant_summary(group, order[:top], fit, half_life, weight)


def reliability_table(result: dict[str, object]) -> str:
    lines = ["| strength | contacts | predicted | observed |", "|---|---|---|---|"]
    for b in result["reliability"]:  # type: ignore[attr-defined]
        lines.append(
            f"| {b['bin']} | {b['contacts']} | {b['predicted']:.3f} | {b['observed']:.3f} |"
        )
    return "\n".join(lines)


def gather(
    data: Dataset, mes: Sequence[int], cutoffs: Sequence[dt.datetime], work: Path = WORK
) -> list[Case]:
    out = []
    for me in mes:
        out.extend(cases_of(me, imported(data, me, work), cutoffs))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="refit the model on the fit half")
    parser.add_argument("--mailboxes", type=int, default=50, help="the N most active mailboxes")
    parser.add_argument(
        "--variants", action="store_true", help="also score other fits and an in-sample bound"
    )
    args = parser.parse_args(argv)
    shared = shared_dir()
    if shared is None:
        print("the Enron data set is missing: set GOODWILL_SHARED_DIR", file=sys.stderr)
        return 1
    started = time.perf_counter()
    data = load(shared)
    mes = most_active(data, args.mailboxes)
    items = gather(data, mes, CUTOFFS)
    fit_items = [c for c in items if in_fit_half(c.me)]
    fit, penalties = strength_model.FIT, dict[float, float]()
    if args.fit:
        model, fit, penalties = choose_rhythm_and_fit(fit_items)
        items = with_rhythm(items, model)
        fit_items = [c for c in items if in_fit_half(c.me)]
        print(f"cross-validated mean AUC per setting: {penalties}")
        print(f"rhythm_r={model.rhythm_r:g}, rhythm_alpha_days={model.rhythm_alpha_days:g}")
        print(f"FIT = {fit!r}")
    half_life, weight = choose_baselines(fit_items)
    result = evaluate(items, mes, CUTOFFS, fit, half_life, weight)
    on_fit_half = evaluate(items, mes, CUTOFFS, fit, half_life, weight, fit_half=True)
    result["fit_half_summary"] = on_fit_half["summary"]
    if args.variants:
        result["variants"] = dict(variants(data, items, mes, half_life, weight))
        result["upper_bound_top12"] = upper_bound(data, items, mes, half_life, weight)
    result.update(
        mailboxes=len(mes),
        horizon_days=HORIZON_DAYS,
        frequency_half_life_days=half_life,
        mix_recency_weight=weight,
        fit=fit.__dict__,
        penalties_cv=penalties,
        seconds=round(time.perf_counter() - started, 1),
        load=os.getloadavg()[0],
        date=dt.date.today().isoformat(),
    )
    (HERE / "results").mkdir(exist_ok=True)
    name = (
        "enron_strength.json" if args.mailboxes == 50 else f"enron_strength_{args.mailboxes}.json"
    )
    (HERE / "results" / name).write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    print()
    print(summary_table(result))
    print()
    print("The fit half (the mailboxes the model and the baselines were chosen on):")
    print(summary_table({"summary": on_fit_half["summary"], "cutoffs": result["cutoffs"]}))
    print()
    for name, line in dict(result.get("variants", {})).items():  # type: ignore[call-overload]
        print(f"{name}: {line}")
    if "upper_bound_top12" in result:
        print(f"in-sample bound, 12 most active held-out: {result['upper_bound_top12']}")
    print()
    print(reliability_table(result))
    print(f"ECE {result['ece']}; summary {json.dumps(result['summary'])}")
    print(f"decayed frequency half-life {half_life:g} days; mix weight on recency {weight:g}")
    print(f"{result['seconds']} s, load {result['load']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
