"""Foundation targets (issue 2): start-up, demo generation, listing and search at 10,000 people.

Run: PYTHONPATH=src python benchmarks/foundation.py [--people 10000]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import time
from pathlib import Path

from common import WORK, env, goodwill, save, time_process

QUERIES = (
    "dana",
    "kim acme",
    "coffee",
    "hiring plans",
    "berlin",
    "product manager",
    "climbing",
    "fundraising",
    "granite cloud",
    "zo",
)


def bench_demo(people: int) -> tuple[Path, float]:
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / f"foundation-{people}.db"
    for stale in WORK.glob(db.name + "*"):
        stale.unlink()
    start = time.perf_counter()
    subprocess.run(
        goodwill("demo", "--people", str(people), "--seed", "7", "--today", "2026-11-01", db=db),
        env=env(),
        check=True,
    )
    return db, time.perf_counter() - start


def bench_search(db: Path) -> dict[str, float]:
    from goodwill.store import search
    from goodwill.store.db import open_store

    store = open_store(str(db))
    timings = []
    with store.session() as s:
        for q in QUERIES:  # warm the page cache once, as a running app would be
            search.search(s, q)
        for _ in range(5):
            for q in QUERIES:
                start = time.perf_counter()
                search.search(s, q, limit=20)
                timings.append(time.perf_counter() - start)
    store.dispose()
    timings.sort()
    return {
        "median_ms": statistics.median(timings) * 1000,
        "p95_ms": timings[int(len(timings) * 0.95) - 1] * 1000,
        "max_ms": timings[-1] * 1000,
        "queries": len(timings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()
    db, demo_s = bench_demo(args.people)
    con = sqlite3.connect(db)
    counts = dict(
        zip(
            ("people", "interactions", "exchanges", "knows"),
            con.execute(
                "SELECT (SELECT count(*) FROM person), (SELECT count(*) FROM interaction), "
                "(SELECT count(*) FROM exchange), (SELECT count(*) FROM knows)"
            ).fetchone(),
            strict=True,
        )
    )
    con.close()
    person_id = "42"
    results = {
        "people": args.people,
        "rows": counts,
        "demo_s": demo_s,
        "help": time_process(goodwill("--help", db=db), repeat=7),
        "person_show": time_process(goodwill("person", "show", person_id, db=db), repeat=7),
        "person_show_json": time_process(
            goodwill("person", "show", person_id, "--format", "json", db=db), repeat=7
        ),
        "person_list_json": time_process(
            goodwill("person", "list", "--format", "json", db=db), repeat=5
        ),
        "search_in_process": bench_search(db),
        "targets": {
            "help_s": 0.3,
            "person_show_s": 0.3,
            "demo_s": 30,
            "person_list_json_s": 1.0,
            "search_ms": 50,
        },
    }
    save("foundation", results)


if __name__ == "__main__":
    main()
