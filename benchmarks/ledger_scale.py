"""Scale run: `goodwill strength` and `goodwill flags` on 50,000 people, 2,000,000 interactions.

Builds the database once (a fast numpy bulk generator writing through sqlite3 into a
schema made by goodwill's own migrations; cached under benchmarks/.work/), then times the
whole CLI process with subprocess, several runs each, for table and JSON output.

    PYTHONPATH=src python benchmarks/ledger_scale.py [--people N] [--interactions N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from common import run_goodwill

from goodwill.store.db import open_store

HERE = Path(__file__).resolve().parent
END = dt.datetime(2025, 6, 1, 18, 0)
YEARS = 6
KINDS = np.array(["email", "message", "call", "coffee", "meeting", "event", "letter", "note"])
KIND_P = np.array([0.38, 0.25, 0.1, 0.08, 0.08, 0.07, 0.02, 0.02])
GIVE = np.array(["info", "idea", "help", "intro", "referral", "advice", "thanks"])
GIVE_P = np.array([0.3, 0.1, 0.2, 0.05, 0.05, 0.15, 0.15])
FMT = "%Y-%m-%d %H:%M:%S.%f"


def _stamps(seconds: np.ndarray) -> list[str]:
    """Naive datetimes as SQLAlchemy stores them in SQLite ('YYYY-MM-DD HH:MM:SS.ffffff')."""
    base = np.datetime64(END.replace(microsecond=0), "s")
    values = base - seconds.astype("timedelta64[s]")
    text = np.datetime_as_string(values, unit="us")
    return [t.replace("T", " ") for t in text.tolist()]


def build(path: Path, people: int, interactions: int, seed: int = 11) -> None:
    """Write the network: people with skewed activity, interactions, exchanges, requests."""
    rng = np.random.default_rng(seed)
    open_store(str(path)).dispose()  # the real schema, through the migrations
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA journal_mode=OFF")
    now = END.strftime(FMT)
    ids = np.arange(1, people + 1)
    con.executemany(
        "INSERT INTO person (id, display_name, given_name, family_name, circle, is_me,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
        (
            (int(i), f"Person {i}", "Person", str(i), c, now, now)
            for i, c in zip(
                ids,
                rng.choice(
                    ["close", "active", "network", "wider"], people, p=[0.03, 0.1, 0.32, 0.55]
                ),
                strict=True,
            )
        ),
    )
    con.executemany(
        "INSERT INTO email (person_id, address, label, source) VALUES (?, ?, 'work', 'bench')",
        ((int(i), f"person{i}@example.com") for i in ids),
    )
    con.execute(
        "INSERT INTO need (id, text, status, created_at) VALUES (1, 'a new job', 'open', ?)",
        (now,),
    )
    # Interactions: who (skewed, Zipf-like activity), when (recent ones more likely), what.
    activity = rng.pareto(1.2, people) + 0.05
    who = rng.choice(ids, interactions, p=activity / activity.sum())
    age = (rng.power(2.0, interactions) * -1 + 1) * YEARS * 365 * 86400  # more recent mass
    age = age.astype(np.int64) + 3600
    stamps = _stamps(age)
    kinds = rng.choice(KINDS, interactions, p=KIND_P)
    initiated = rng.choice(np.array(["me", "them", ""]), interactions, p=[0.5, 0.4, 0.1])
    need = rng.random(interactions) < 0.03
    iid = np.arange(1, interactions + 1)
    con.executemany(
        "INSERT INTO interaction (id, occurred_at, kind, initiated_by, need_id, planned,"
        " source, created_at) VALUES (?, ?, ?, ?, ?, 0, 'bench', ?)",
        (
            (int(i), t, str(k), str(w) or None, 1 if n else None, t)
            for i, t, k, w, n in zip(iid, stamps, kinds, initiated, need, strict=True)
        ),
    )
    con.executemany(
        "INSERT INTO participant (interaction_id, person_id) VALUES (?, ?)",
        zip(iid.tolist(), who.tolist(), strict=True),
    )
    extra = rng.random(interactions) < 0.05  # group meetings: a second person
    others = rng.choice(ids, int(extra.sum()))
    pairs = {
        (i, o)
        for i, w, o in zip(iid[extra].tolist(), who[extra].tolist(), others.tolist(), strict=True)
        if o != w
    }
    con.executemany("INSERT INTO participant (interaction_id, person_id) VALUES (?, ?)", pairs)
    # Exchanges in ~30% of interactions.
    has = rng.random(interactions) < 0.3
    direction = rng.choice(
        np.array(["gave", "got", "asked", "they_asked"]), int(has.sum()), p=[0.45, 0.4, 0.1, 0.05]
    )
    ex_kind = rng.choice(GIVE, int(has.sum()), p=GIVE_P)
    outcome = rng.choice(np.array(["granted", "refused", "ignored", "open"]), int(has.sum()))
    rows = []
    for i, p, t, d, k, o in zip(
        iid[has].tolist(),
        who[has].tolist(),
        np.array(stamps, dtype=object)[has].tolist(),
        direction.tolist(),
        ex_kind.tolist(),
        outcome.tolist(),
        strict=True,
    ):
        ask = d in ("asked", "they_asked")
        rows.append(
            (i, p, d, "ask" if ask else k, "something" if ask else None, o if ask else None, t)
        )
    con.executemany(
        "INSERT INTO exchange (interaction_id, person_id, direction, kind, text, outcome,"
        " occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    # Requests: they_asked exchanges, the recent ones still open.
    reqs = [
        (p, "a favour", t, "open" if t > "2025-04-01" else "answered", i)
        for i, p, d, _k, _x, _o, t in rows
        if d == "they_asked"
    ]
    con.executemany(
        "INSERT INTO request (person_id, text, created_at, status, interaction_id)"
        " VALUES (?, ?, ?, ?, ?)",
        reqs,
    )
    # Knows edges: a few per person.
    a = rng.choice(ids, people * 3)
    b = rng.choice(ids, people * 3)
    edges = {(int(min(x, y)), int(max(x, y))) for x, y in zip(a, b, strict=True) if x != y}
    con.executemany(
        "INSERT INTO knows (a_id, b_id, how, confidence, source, created_at)"
        " VALUES (?, ?, 'manual', 0.5, 'bench', ?)",
        ((x, y, now) for x, y in edges),
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()


def timed(db: Path, *args: str, runs: int) -> dict[str, float]:
    done = [run_goodwill(db, *args) for _ in range(runs)]
    times, cpu = [r.wall for r in done], [r.cpu for r in done]
    return {
        "wall_best_s": round(min(times), 3),
        "wall_median_s": round(statistics.median(times), 3),
        "cpu_best_s": round(min(cpu), 3),
        "cpu_median_s": round(statistics.median(cpu), 3),
        "output_bytes": len(done[-1].stdout.encode()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--interactions", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", help="time only the commands whose name contains this")
    args = parser.parse_args()
    work = HERE / ".work"
    work.mkdir(exist_ok=True)
    db = work / f"ledger-{args.people}-{args.interactions}.db"
    if not db.exists():
        started = time.perf_counter()
        tmp = db.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        build(tmp, args.people, args.interactions)
        tmp.rename(db)
        print(f"built {db.name} in {time.perf_counter() - started:.1f}s")
    as_of = (END + dt.timedelta(days=1)).date().isoformat()
    commands = {
        "strength --format json": ("strength", "--as-of", as_of, "--format", "json"),
        "strength (table)": ("strength", "--as-of", as_of),
        "flags --format json": ("flags", "--as-of", as_of, "--format", "json"),
        "flags (table)": ("flags", "--as-of", as_of),
        "--version (start-up)": ("--version",),
    }
    results = {
        name: timed(db, *cmd, runs=args.runs)
        for name, cmd in commands.items()
        if not args.only or args.only in name
    }
    out = {
        "people": args.people,
        "interactions": args.interactions,
        "cpus": os.cpu_count(),
        "results": results,
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "ledger_scale.json").write_text(json.dumps(out, indent=2) + "\n")
    load = os.getloadavg()[0]
    out["load_average"] = round(load, 2)
    (HERE / "results" / "ledger_scale.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs")
    for name, r in results.items():
        print(
            f"{name:24} wall best {r['wall_best_s']:.2f}s median {r['wall_median_s']:.2f}s"
            f"  cpu best {r['cpu_best_s']:.2f}s median {r['cpu_median_s']:.2f}s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
