"""Calibrate and check tie strength on real email: the Enron network (shared/datasets/enron).

For each of many employees taken as "me", their mail goes into a fresh database through the
models (one interaction per message they sent or received; co-addressees become knows
edges, as an email import would record them). At each cutoff we compute, from the mail
before it, every contact's tie strength and two baselines (recency alone, decayed
frequency alone), and measure how well each ranks "in touch in the next 90 days": ROC AUC
(Mann-Whitney), averaged over the employees.

    PYTHONPATH=src python benchmarks/enron_strength.py           # evaluate MODEL, write results
    PYTHONPATH=src python benchmarks/enron_strength.py --tune    # search constants on the fit half

The mailboxes are split in two by employee id: tuning only ever sees the even ids (the
fit half); the table reports the odd ids (held-out people), at every cutoff, and all
mailboxes for reference. The decayed-frequency baseline gets its own best half-life on
the fit half, so both the model and the baseline are tuned on the same data.
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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, insert
from sqlalchemy.orm import Session

from goodwill.scoring import strength
from goodwill.store import days
from goodwill.store.models import Base, Email, Interaction, Knows, Participant, Person

HERE = Path(__file__).resolve().parent
HORIZON = dt.timedelta(days=90)
CUTOFFS = (
    dt.datetime(2000, 10, 1),
    dt.datetime(2001, 1, 1),
    dt.datetime(2001, 4, 1),
    dt.datetime(2001, 7, 1),
    dt.datetime(2001, 10, 1),
    dt.datetime(2002, 1, 1),
)
MIN_MESSAGES = 100  # an employee counts as a "me" with at least this much mail
MIN_CANDIDATES = 5  # and, at a cutoff, this many contacts with both outcomes present


@dataclass(frozen=True)
class Message:
    when: dt.datetime
    sender: int
    recipients: tuple[int, ...]


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
    """People and messages (rows with the same sender and time are one message)."""
    base = shared / "datasets" / "enron"
    people: dict[int, tuple[str, str]] = {}
    with (base / "people.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            people[int(row["id"])] = (row["email"], row["name"] or row["email"])
    grouped: dict[tuple[str, int], set[int]] = defaultdict(set)
    with gzip.open(base / "emails.csv.gz", "rt", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["time"].startswith("1979"):
                continue  # placeholder times
            sender, rcpt = int(row["sender_id"]), int(row["recipient_id"])
            if rcpt != sender:
                grouped[(row["time"], sender)].add(rcpt)
    messages = [
        Message(dt.datetime.fromisoformat(t), s, tuple(sorted(r)))
        for (t, s), r in grouped.items()
        if r
    ]
    messages.sort(key=lambda m: (m.when, m.sender))
    return Dataset(people, messages)


def mailbox(data: Dataset, me: int) -> list[Message]:
    return [m for m in data.messages if m.sender == me or me in m.recipients]


def contacts_of(message: Message, me: int) -> tuple[int, ...]:
    """Who "me" was in touch with: everyone I wrote to, or the sender of what I received."""
    return message.recipients if message.sender == me else (message.sender,)


def choose_mes(data: Dataset, limit: int | None = None) -> list[int]:
    counts: dict[int, int] = defaultdict(int)
    for m in data.messages:
        for pid in {m.sender, *m.recipients}:
            counts[pid] += 1
    mes = sorted((p for p, c in counts.items() if c >= MIN_MESSAGES), key=lambda p: -counts[p])
    return mes[:limit] if limit else mes


def in_fit_half(me: int) -> bool:
    """Tuning sees only these mailboxes; the others are held out for the report."""
    return me % 2 == 0


@contextmanager
def mailbox_db(data: Dataset, me: int, box: Sequence[Message]) -> Iterator[Session]:
    """An in-memory goodwill database holding `me`'s mail, written with bulk inserts."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    created = dt.datetime(1998, 1, 1)
    ids = sorted({p for m in box for p in (m.sender, *m.recipients)} - {me})
    people_rows = [
        dict(
            id=pid,
            display_name=data.people[pid][1],
            circle="network",
            is_me=False,
            created_at=created,
            updated_at=created,
        )
        for pid in ids
    ]
    people_rows.append(
        dict(
            id=me,
            display_name=data.people[me][1],
            circle="close",
            is_me=True,
            created_at=created,
            updated_at=created,
        )
    )
    emails = [
        dict(person_id=pid, address=f"{pid}.{data.people[pid][0]}", source="enron")
        for pid in [*ids, me]
    ]
    interactions, participants = [], []
    knows: dict[tuple[int, int], dt.datetime] = {}
    for n, m in enumerate(box, start=1):
        interactions.append(
            dict(
                id=n,
                occurred_at=m.when,
                kind="email",
                initiated_by="me" if m.sender == me else "them",
                planned=False,
                source="enron",
                created_at=m.when,
            )
        )
        # create_all makes no triggers: write the copies migration 0002's triggers would.
        participants.extend(
            dict(
                interaction_id=n,
                person_id=p,
                day=days.day_number(m.when),
                kind="email",
                initiated_by=interactions[-1]["initiated_by"],
                planned=False,
            )
            for p in contacts_of(m, me)
        )
        # The sender knows every addressee: the raw material of "mutual contacts".
        for r in m.recipients:
            if me not in (m.sender, r):
                pair = (min(m.sender, r), max(m.sender, r))
                knows.setdefault(pair, m.when)
    knows_rows = [
        dict(a_id=a, b_id=b, how="import", confidence=1.0, source="enron", created_at=t)
        for (a, b), t in knows.items()
    ]
    with Session(engine) as s:
        for model, rows in (
            (Person, people_rows),
            (Email, emails),
            (Interaction, interactions),
            (Participant, participants),
            (Knows, knows_rows),
        ):
            if rows:
                s.execute(insert(model), rows)
        s.flush()
        yield s
    engine.dispose()


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney U statistic, ties counted as one half."""
    pos = labels.astype(bool)
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average ranks over runs of equal scores
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(scores)]])
    avg = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(avg, ends - starts)
    u = ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


@dataclass
class Case:
    """One (me, cutoff): the features of every contact known before it, and the labels."""

    me: int
    cutoff: dt.datetime
    features: strength.Features
    plain: dict[float, np.ndarray]  # decayed unweighted counts per half-life
    labels: np.ndarray


BASELINE_HALF_LIVES = (7.0, 14.0, 30.0, 60.0, 90.0, 180.0, 365.0)


def cases(
    data: Dataset, mes: Sequence[int], cutoffs: Sequence[dt.datetime], model: strength.Model
) -> list[Case]:
    out = []
    for me in mes:
        box = mailbox(data, me)
        with mailbox_db(data, me, box) as s:
            for cutoff in cutoffs:
                f = strength.features(s, cutoff, model=model)
                keep = f.count > 0
                if keep.sum() < MIN_CANDIDATES:
                    continue
                future = {
                    p
                    for m in box
                    if cutoff <= m.when < cutoff + HORIZON
                    for p in contacts_of(m, me)
                }
                ids = f.ids[keep]
                labels = np.isin(ids, list(future))
                if labels.all() or not labels.any():
                    continue
                plain = {}
                for h in BASELINE_HALF_LIVES:
                    variant = dataclasses.replace(model, intensity_half_life_days=h)
                    plain[h] = strength.features(
                        s, cutoff, model=variant, baseline=True
                    ).decayed_plain[keep]
                out.append(Case(me, cutoff, _subset(f, keep), plain, labels))
    return out


def _subset(f: strength.Features, keep: np.ndarray) -> strength.Features:
    return strength.Features(
        **{k.name: getattr(f, k.name)[keep] for k in dataclasses.fields(strength.Features)}
    )


def evaluate(
    items: Sequence[Case], model: strength.Model, freq_half_life: float
) -> dict[str, float]:
    model_aucs, rec_aucs, freq_aucs = [], [], []
    for c in items:
        score = strength.combine(strength.components(c.features, model), model)
        model_aucs.append(auc(score, c.labels))
        rec_aucs.append(auc(-c.features.days_since_last, c.labels))
        freq_aucs.append(auc(c.plain[freq_half_life], c.labels))
    m, r, q = np.array(model_aucs), np.array(rec_aucs), np.array(freq_aucs)
    return {
        "mailboxes": len(items),
        "contacts": int(sum(len(c.labels) for c in items)),
        "in_touch": int(sum(int(c.labels.sum()) for c in items)),
        "model": round(float(m.mean()), 4),
        "recency": round(float(r.mean()), 4),
        "frequency": round(float(q.mean()), 4),
        "model_beats_recency_share": round(float((m > r).mean()), 3),
    }


def best_frequency_half_life(items: Sequence[Case]) -> float:
    """The baseline gets its own best half-life on the fit half (a fair baseline)."""
    return max(
        BASELINE_HALF_LIVES,
        key=lambda h: float(np.mean([auc(c.plain[h], c.labels) for c in items])),
    )


# What --tune searches: every weight and constant of the model but the horizon and the
# unit contact weight (fixed by the question asked and by the channel weights).
TUNED = tuple(
    f.name
    for f in dataclasses.fields(strength.Model)
    if f.name.startswith(("w_", "recency_", "intensity_scale", "duration_", "reciprocity_"))
    or f.name in ("overlap_scale", "rhythm_r", "rhythm_alpha_days", "rhythm_a", "rhythm_b")
)
STEPS = (0.5, 0.7, 0.85, 1.2, 1.4, 2.0)


def tune(items: Sequence[Case], data: Dataset, mes: Sequence[int], rounds: int) -> None:
    """Coordinate search from the defaults, scored on the fit half only: each constant in
    turn is scaled by each of STEPS and the change kept if the score improves."""
    by_half_life: dict[float, list[Case]] = {strength.MODEL.intensity_half_life_days: list(items)}
    for h in (60.0, 90.0, 180.0, 365.0):
        if h not in by_half_life:
            variant = dataclasses.replace(strength.MODEL, intensity_half_life_days=h)
            by_half_life[h] = cases(data, mes, CUTOFFS, variant)

    half_life = best_frequency_half_life(items)
    baseline = {}
    for cutoff in CUTOFFS:
        group = [c for c in items if c.cutoff == cutoff]
        rec = np.mean([auc(-c.features.days_since_last, c.labels) for c in group])
        freq = np.mean([auc(c.plain[half_life], c.labels) for c in group])
        baseline[cutoff] = float(max(rec, freq))

    def score(model: strength.Model) -> float:
        """The worst margin over the better baseline across cutoffs, plus half the mean
        margin (the worst alone is too noisy a guide)."""
        group = by_half_life[model.intensity_half_life_days]
        margins = []
        for cutoff in CUTOFFS:
            aucs = [
                auc(strength.combine(strength.components(c.features, model), model), c.labels)
                for c in group
                if c.cutoff == cutoff
            ]
            margins.append(float(np.mean(aucs)) - baseline[cutoff])
        return min(margins) + 0.5 * float(np.mean(margins))

    best, best_score = strength.MODEL, score(strength.MODEL)
    print(f"current defaults: {best_score:.4f}")
    for i in range(rounds):
        before = best_score
        moves = [{name: getattr(best, name) * f} for name in TUNED for f in STEPS]
        moves += [{"intensity_half_life_days": h} for h in by_half_life]
        for change in moves:
            candidate = dataclasses.replace(best, **change)
            value = score(candidate)
            if value > best_score + 1e-6:
                best, best_score = candidate, value
        print(f"round {i}: {best_score:.4f}", flush=True)
        if best_score == before:
            break
    print(f"best on the fit half: {best_score:.4f}\n{best}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="search weights on the fit half")
    parser.add_argument("--rounds", type=int, default=6, help="coordinate search rounds")
    parser.add_argument("--max-me", type=int, default=None, help="at most this many mailboxes")
    args = parser.parse_args(argv)
    shared = shared_dir()
    if shared is None:
        print("the Enron data set is missing: set GOODWILL_SHARED_DIR", file=sys.stderr)
        return 1
    started = time.perf_counter()
    data = load(shared)
    mes = choose_mes(data, args.max_me)
    fit_mes = [m for m in mes if in_fit_half(m)]
    if args.tune:
        tune(cases(data, fit_mes, CUTOFFS, strength.MODEL), data, fit_mes, args.rounds)
        return 0
    everything = cases(data, mes, CUTOFFS, strength.MODEL)
    half_life = best_frequency_half_life([c for c in everything if in_fit_half(c.me)])
    rows = []
    for cutoff in CUTOFFS:
        for scope, keep in (("held-out people", False), ("all", True)):
            group = [
                c for c in everything if c.cutoff == cutoff and (keep or not in_fit_half(c.me))
            ]
            row: dict[str, object] = {"cutoff": cutoff.date().isoformat(), "mailboxes_in": scope}
            row.update(evaluate(group, strength.MODEL, half_life))
            rows.append(row)
    result = {
        "mes": len(mes),
        "horizon_days": HORIZON.days,
        "frequency_half_life_days": half_life,
        "model": dataclasses.asdict(strength.MODEL),
        "cutoffs": rows,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "enron_strength.json").write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    print(f"decayed frequency half-life (chosen on the fit half): {half_life:g} days")
    return 0


def table(result: dict[str, object]) -> str:
    lines = [
        "| cutoff | mailboxes | count | contacts | in touch | model | recency alone | "
        "decayed frequency alone | mailboxes where model > recency |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["cutoffs"]:  # type: ignore[attr-defined]
        scores = {k: float(r[k]) for k in ("model", "recency", "frequency")}
        top = max(scores.values())
        cell = {k: f"**{v:.4f}**" if v == top else f"{v:.4f}" for k, v in scores.items()}
        lines.append(
            f"| {r['cutoff']} | {r['mailboxes_in']} | {r['mailboxes']} | {r['contacts']} | "
            f"{r['in_touch']} | {cell['model']} | {cell['recency']} | "
            f"{cell['frequency']} | {r['model_beats_recency_share']:.0%} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
