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
from sqlalchemy import select

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
                out.append(Case(me, cutoff, x[keep], f.days_since_last[keep], plain, labels))
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
) -> dict[str, object]:
    """Per cutoff and column (the held-out mailboxes among the 12, 25, 50 most active
    imported), the model and the baselines; calibration over the held-out contacts."""
    rank = {me: i for i, me in enumerate(order)}
    held = [c for c in items if not in_fit_half(c.me)]
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
    """Per column: the means over the cutoffs, and the two readings of the target."""
    lines = [
        "| mailboxes (held-out) | model | recency | decayed freq. | mix | margin over the "
        "best at each cutoff | worst cutoff | margin over the best baseline on average | "
        "lowest model AUC |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c, v in result["summary"].items():  # type: ignore[attr-defined]
        single = v["model"] - max(v["recency"], v["frequency"], v["mix"])
        lines.append(
            f"| {c} | {v['model']:.4f} | {v['recency']:.4f} | {v['frequency']:.4f} | "
            f"{v['mix']:.4f} | {v['margin']:+.4f} | {v['worst_margin']:+.4f} | "
            f"{single:+.4f} | {v['lowest_model']:.4f} |"
        )
    return "\n".join(lines)


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
        fit, penalties = choose_fit(fit_items)
        print(f"cross-validated mean AUC per penalty: {penalties}")
        print(f"FIT = {fit!r}")
    half_life, weight = choose_baselines(fit_items)
    result = evaluate(items, mes, CUTOFFS, fit, half_life, weight)
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
    print(reliability_table(result))
    print(f"ECE {result['ece']}; summary {json.dumps(result['summary'])}")
    print(f"decayed frequency half-life {half_life:g} days; mix weight on recency {weight:g}")
    print(f"{result['seconds']} s, load {result['load']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
