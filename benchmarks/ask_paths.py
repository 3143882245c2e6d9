"""ask and path at 50,000 people and 500,000 knows-edges.

Builds (once, cached under benchmarks/.work/) the demo network at 50,000 people, tops the
knows table up to 500,000 edges, then measures:

- whole process (`python -m goodwill ... ask|path`), with the graph cache cold (first
  command after a change: the graph and the tie strengths are computed) and warm (the
  usual case: the graph comes from the cache file);
- whole process, the first `path` after each common kind of write (on a copy of the
  database): a one-to-one `log` (only the ties of the person in it are renewed), a person
  edit of notes and tags (the cache stays), new people with and without an organisation,
  a new knows-edge, a meeting of three, a removal, a merge (the graph is extended);
- inside a running process (as the web app runs them): each call after a first one.

Wall time is reported with the CPU time the process used: the machine this runs on is
shared, and CPU time is what the code costs. Run:
    PYTHONPATH=src /work/venv/bin/python benchmarks/ask_paths.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from common import run_goodwill

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
RESULTS = HERE / "results" / "ask_paths.json"
PEOPLE = 50_000
EDGES = 500_000
TODAY = dt.date(2025, 6, 1)
AS_OF = "2025-06-01"


def build(db: Path) -> dict[str, int]:
    from sqlalchemy import func, insert, select

    from goodwill.demo import fill as demo
    from goodwill.store.db import open_store
    from goodwill.store.models import Knows, Person

    store = open_store(str(db))
    with store.session() as s:
        if not s.scalar(select(func.count()).select_from(Person)):
            demo.generate(s, people=PEOPLE, seed=7, today=TODAY)
        have = s.scalar(select(func.count()).select_from(Knows)) or 0
        if have < EDGES:
            rng = random.Random(11)
            ids = list(s.scalars(select(Person.id)))
            seen = {(a, b) for a, b in s.execute(select(Knows.a_id, Knows.b_id))}
            start = (s.scalar(select(func.max(Knows.id))) or 0) + 1
            rows = []
            while have + len(rows) < EDGES:
                a, b = rng.choice(ids), rng.choice(ids)
                a, b = min(a, b), max(a, b)
                if a != b and (a, b) not in seen:
                    seen.add((a, b))
                    rows.append(
                        dict(
                            id=start + len(rows),
                            a_id=a,
                            b_id=b,
                            how="import",
                            confidence=0.4,
                            source="benchmark",
                        )
                    )
            for i in range(0, len(rows), 20_000):
                s.execute(insert(Knows), rows[i : i + 20_000])
        counts = {
            "people": s.scalar(select(func.count()).select_from(Person)) or 0,
            "knows": s.scalar(select(func.count()).select_from(Knows)) or 0,
        }
    store.dispose()
    return counts


def run(db: Path, cache: Path, *args: str) -> tuple[float, float]:
    """Wall and CPU seconds of one whole `goodwill` process."""
    done = run_goodwill(db, *args, extra_env={"GOODWILL_CACHE_DIR": str(cache)})
    return done.wall, done.cpu


def targets(db: Path) -> dict[str, str]:
    from sqlalchemy import func, select

    from goodwill.store.db import open_store
    from goodwill.store.models import Organization, Role

    store = open_store(str(db))
    with store.session() as s:
        sizes = s.execute(
            select(Organization.name, func.count())
            .join(Role, Role.org_id == Organization.id)
            .where(Role.is_current.is_(True))
            .group_by(Organization.id)
            .order_by(func.count().desc())
        ).all()
    store.dispose()
    return {
        "big_org": sizes[0][0],
        "mid_org": sizes[len(sizes) // 10][0],
        "person": "31337",  # an id: names repeat in the demo
    }


def commands(t: dict[str, str]) -> dict[str, list[str]]:
    fmt = ["--format", "json", "--as-of", AS_OF]
    return {
        f"path --to {t['big_org']} (biggest employer)": ["path", "--to", t["big_org"], *fmt],
        f"path --to {t['mid_org']}": ["path", "--to", t["mid_org"], *fmt],
        f"path --to #{t['person']} --max-hops 4": [
            "path",
            "--to",
            t["person"],
            "--max-hops",
            "4",
            *fmt,
        ],
        f"ask 'a job at {t['mid_org']}'": ["ask", f"a job at {t['mid_org']}", *fmt],
        "ask 'an accountant in Berlin'": ["ask", "an accountant in Berlin", *fmt],
    }


def writes(t: dict[str, str], k: int) -> dict[str, list[str]]:
    """Writes a user makes between two look-ups (round k: other people each time), from
    kept to rebuilt graph cache."""
    p = [str(31337 + 10 * k + i) for i in range(6)]
    return {
        "log a call (one-to-one)": ["log", p[0], "--kind", "call", "--date", "2025-05-20"],
        "person edit --tag --note": ["person", "edit", p[0], "--tag", "bench", "--note", "hi"],
        "person add": ["person", "add", f"Bench Newcomer{k}", "--email", f"n{k}@bench.example"],
        "person add --org (the biggest employer)": [
            "person",
            "add",
            f"Bench Colleague{k}",
            "--org",
            t["big_org"],
        ],
        "knows A B (a new edge)": ["knows", p[0], p[1], "--how", "met at a benchmark"],
        "log a meeting of three": [
            "log",
            *p[:3],
            "--kind",
            "meeting",
            "--date",
            "2025-05-21",
        ],
        "person remove": ["person", "remove", p[3]],
        "person merge": ["person", "merge", p[4], p[5]],
    }


def after_writes(
    db: Path, cache: Path, t: dict[str, str], rounds: int = 3
) -> dict[str, dict[str, float]]:
    """The first `path` after each write, on a copy of the database (the cache warm
    before): median and worst of `rounds` rounds."""
    args = ["path", "--to", t["big_org"], "--format", "json", "--as-of", AS_OF]
    times: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        copy = Path(tmp) / db.name
        shutil.copyfile(db, copy)
        run(copy, cache, *args)  # warm
        for k in range(rounds):
            for name, write in writes(t, k).items():
                run(copy, cache, *write)
                times.setdefault(name, []).append(run(copy, cache, *args))
    out: dict[str, dict[str, float]] = {}
    for name, runs in times.items():
        walls = [w for w, _ in runs]
        out[name] = {
            "path_wall_median_s": round(statistics.median(walls), 3),
            "path_wall_worst_s": round(max(walls), 3),
            "path_cpu_median_s": round(statistics.median(c for _, c in runs), 3),
        }
        print(
            f"path after {name}: median {out[name]['path_wall_median_s']:.2f} s, worst "
            f"{out[name]['path_wall_worst_s']:.2f} s (cpu {out[name]['path_cpu_median_s']:.2f} s)"
        )
    return out


def in_process(
    db: Path, cache: Path, t: dict[str, str], repeats: int = 7
) -> dict[str, dict[str, float]]:
    os.environ["GOODWILL_CACHE_DIR"] = str(cache)
    from goodwill.asking import ask, paths
    from goodwill.store.db import open_store

    as_of = dt.datetime.fromisoformat(AS_OF)
    calls = {
        f"path --to {t['big_org']}": lambda s: paths.paths_to(s, t["big_org"], as_of=as_of),
        f"path --to {t['mid_org']}": lambda s: paths.paths_to(s, t["mid_org"], as_of=as_of),
        f"path --to {t['person']} --max-hops 4": lambda s: paths.paths_to(
            s, t["person"], max_hops=4, as_of=as_of
        ),
        f"ask 'a job at {t['mid_org']}'": lambda s: ask.ask(
            s, f"a job at {t['mid_org']}", as_of=as_of
        ),
        "ask 'an accountant in Berlin'": lambda s: ask.ask(
            s, "an accountant in Berlin", as_of=as_of
        ),
    }
    store = open_store(str(db))
    out: dict[str, dict[str, float]] = {}
    with store.session() as s:
        for name, call in calls.items():
            call(s)  # the first call loads the graph (from the cache) and the ties
            walls, cpus = [], []
            for _ in range(repeats):
                t0, c0 = time.perf_counter(), time.process_time()
                call(s)
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            out[name] = {
                "wall_ms": round(statistics.median(walls) * 1000, 1),
                "cpu_ms": round(statistics.median(cpus) * 1000, 1),
            }
    store.dispose()
    return out


def library_comparison(db: Path) -> dict[str, float]:
    """What it costs only to build a graph object of the same links in networkx."""
    import networkx as nx

    from goodwill.asking import paths
    from goodwill.store.db import open_store

    store = open_store(str(db))
    with store.session() as s:
        g = paths.graph(s)
        half = g.src < g.dst
        edges = list(
            zip(g.src[half].tolist(), g.dst[half].tolist(), g.cost[half].tolist(), strict=True)
        )
        t0 = time.perf_counter()
        graph = nx.Graph()
        graph.add_weighted_edges_from(edges)
        build_nx = time.perf_counter() - t0
        tie = paths.ties(s, g, dt.datetime.fromisoformat(AS_OF))
        t0 = time.perf_counter()
        paths.search(g, tie, 3)
        ours = time.perf_counter() - t0
    store.dispose()
    return {
        "networkx_build_s": round(build_nx, 3),
        "numpy_search_3_hops_s": round(ours, 3),
    }


def main() -> None:
    WORK.mkdir(exist_ok=True)
    db = WORK / f"ask_paths_{PEOPLE}.db"
    t0 = time.perf_counter()
    counts = build(db)
    print(f"database: {counts} ({time.perf_counter() - t0:.1f} s)")
    t = targets(db)
    results: dict[str, object] = {"scale": counts, "targets": t, "whole_process": {}}
    whole: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        for name, args in commands(t).items():
            for f in cache.glob("*"):
                f.unlink()
            cold = run(db, cache, *args)
            warm = [run(db, cache, *args) for _ in range(3)]
            best = min(warm)
            whole[name] = {
                "cold_wall_s": round(cold[0], 3),
                "cold_cpu_s": round(cold[1], 3),
                "warm_wall_s": round(best[0], 3),
                "warm_cpu_s": round(best[1], 3),
            }
            print(f"{name}: cold {cold[0]:.2f} s, warm {best[0]:.2f} s (cpu {best[1]:.2f} s)")
        results["whole_process"] = whole
        startup = min(run(db, cache, "--version") for _ in range(3))
        results["python_and_cli_startup_s"] = round(startup[0], 3)
        # The floor: the cheapest database command of the foundation on the same file.
        floor = min(run(db, cache, "person", "list", "--limit", "1") for _ in range(3))
        results["baseline_person_list_limit_1"] = {
            "wall_s": round(floor[0], 3),
            "cpu_s": round(floor[1], 3),
        }
        print(f"baseline person list --limit 1: {floor[0]:.2f} s (cpu {floor[1]:.2f} s)")
        results["path_after_write"] = after_writes(db, cache, t)
        inner = in_process(db, cache, t)
        results["in_process_ms"] = inner
        for name, ms in inner.items():
            print(f"in process {name}: {ms['wall_ms']} ms (cpu {ms['cpu_ms']} ms)")
        results["library_comparison"] = library_comparison(db)
        print(results["library_comparison"])
    load = os.getloadavg()[0]
    results["load_average"] = round(load, 2)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
