"""Scale run: `goodwill today` on 50,000 people and about 2,000,000 interactions.

Builds the database once with goodwill's own demo generator (`goodwill.demo.fill.generate`),
its contact rates scaled so that 50,000 people make about two million interactions, and
caches it under benchmarks/.work/. Then it times the whole CLI process (`python -m
goodwill today`) with subprocess, several runs each, wall and CPU time:

- warm: the day's agenda parts are kept (agenda_cache.py) and nothing changed (JSON,
  table, a 60-minute budget);
- nothing kept (the first `today` on a database, or the cache file deleted): everything
  is computed and the file written;
- the next day: the day before's parts kept (the usual first `today` of a morning);
- after `done`: on a copy of the database, each round does the first action of the
  agenda with `goodwill done`, then times the next `today` (the kept parts patched for
  that person).

    PYTHONPATH=src python benchmarks/today_scale.py [--people N] [--rate-scale X] [--runs N]

With --profile, it runs `agenda.build` in this process instead (after the imports) and
prints the CPU and wall time of each stage: the first run (cold: first-query compilation
included, as in the CLI) and the median of the next --runs runs. Stages nest (the asks
include the red flags, the reconnects include peak strength), so they do not add up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import run_goodwill

from goodwill.daily import agenda
from goodwill.demo import fill as demo
from goodwill.scoring import cadence, flags
from goodwill.store import kept as kept_store
from goodwill.store.db import CACHE_DIR_ENV, open_store

HERE = Path(__file__).resolve().parent
TODAY = dt.date(2026, 11, 20)
# The demo makes about 25 interactions per person; 1.6 times its rates gives about 40.
RATE_SCALE = 1.6


def build(path: Path, people: int, rate_scale: float) -> None:
    """The demo network at `people`, with contact rates scaled by `rate_scale`."""
    original = dict(demo.RATE)
    demo.RATE.update({k: v * rate_scale for k, v in original.items()})
    try:
        store = open_store(str(path))
        with store.session() as s:
            demo.generate(s, people=people, seed=7, today=TODAY)
        store.dispose()
    finally:
        demo.RATE.update(original)


def counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {
            table: int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("person", "interaction", "participant", "exchange", "request")
        }
    finally:
        con.close()


CACHE = HERE / ".work" / "cache"  # the kept agenda parts of these runs


def run(path: Path, *args: str) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, bytes of output) of one whole CLI process."""
    done = run_goodwill(path, *args, extra_env={CACHE_DIR_ENV: str(CACHE)})
    return done.wall, done.cpu, len(done.stdout.encode())


def _figures(walls: list[float], cpus: list[float], size: int) -> dict[str, float]:
    return {
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_min_s": round(min(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
        "output_bytes": size,
    }


def next_day(path: Path, runs: int) -> dict[str, float]:
    """The first `today` of a day, the day before's parts kept (the usual morning)."""
    walls, cpus, size = [], [], 0
    for _ in range(runs):
        run(path, "today", "--date", (TODAY - dt.timedelta(days=1)).isoformat())
        wall, cpu, size = run(path, "today", "--date", TODAY.isoformat(), "--format", "json")
        walls.append(wall)
        cpus.append(cpu)
    return _figures(walls, cpus, size)


def nothing_kept(path: Path, runs: int) -> dict[str, float]:
    """`today` with nothing kept: every run computes the parts and writes the file."""
    walls, cpus, size = [], [], 0
    for _ in range(runs):
        for kept in CACHE.glob("agenda-*.npz"):
            kept.unlink()
        wall, cpu, size = run(path, "today", "--date", TODAY.isoformat(), "--format", "json")
        walls.append(wall)
        cpus.append(cpu)
    return _figures(walls, cpus, size)


def after_done(path: Path, runs: int) -> dict[str, float]:
    """On a copy of the database: do the agenda's first action, then time `today`."""
    copy = path.with_name("today-writes.db")
    shutil.copyfile(path, copy)
    day = TODAY.isoformat()
    walls, cpus, size = [], [], 0
    try:
        run(copy, "today", "--date", day, "--format", "json")  # the day's parts kept
        for _ in range(runs):
            plan = json.loads(
                run_goodwill(
                    copy,
                    "today",
                    "--date",
                    day,
                    "--format",
                    "json",
                    extra_env={CACHE_DIR_ENV: str(CACHE)},
                ).stdout
            )
            run(copy, "done", plan["actions"][0]["id"], "--date", day)
            wall, cpu, size = run(copy, "today", "--date", day, "--format", "json")
            walls.append(wall)
            cpus.append(cpu)
    finally:
        copy.unlink(missing_ok=True)
    return _figures(walls, cpus, size)


# (module, function name, label) of the stages --profile times, in the order they run.
STAGES: tuple[tuple[Any, str, str], ...] = (
    (cadence, "standing", "cadence.standing"),
    (agenda, "_thank_yous", "thank_yous"),
    (agenda, "_requests", "requests"),
    (agenda, "_follow_ups", "follow_ups"),
    (agenda, "_cadence_actions", "keep_in_touch"),
    (agenda, "_reconnects", "reconnects"),
    (cadence, "peak_strength", "  cadence.peak_strength"),
    (agenda, "_asks", "asks"),
    (flags, "one_way_gives", "  flags.one_way_gives"),
    (agenda, "_gives", "gives"),
    (agenda, "_introducers", "  introducers"),
    (agenda, "parts", "parts (computed afresh)"),
    (agenda, "assemble", "assemble"),
    (agenda, "_price", "price"),
    (agenda, "_draft", "draft"),
    (agenda, "build", "build (total)"),
)


def _timed(fn: Callable[..., Any], label: str, log: dict[str, list[float]]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            log.setdefault(label + " cpu", []).append(time.process_time() - cpu)
            log.setdefault(label + " wall", []).append(time.perf_counter() - wall)

    return wrapper


def profile(path: Path, runs: int, minutes: int = 20) -> None:
    """Time each stage of `agenda.build` in this process, with nothing kept: a cold run
    (first queries compiled), then warm ones."""
    per_run: list[dict[str, float]] = []
    originals = [(mod, name, getattr(mod, name)) for mod, name, _ in STAGES]
    store = open_store(str(path))
    try:
        for _ in range(runs + 1):
            log: dict[str, list[float]] = {}
            for (mod, name, label), (_, _, fn) in zip(STAGES, originals, strict=True):
                setattr(mod, name, _timed(fn, label, log))
            try:
                kept_store.forget()
                for kept in CACHE.glob("agenda-*.npz"):
                    kept.unlink()
                with store.session() as s:
                    agenda.build(s, TODAY, minutes)
            finally:
                for mod, name, fn in originals:
                    setattr(mod, name, fn)
            per_run.append({k: sum(v) for k, v in log.items()})
    finally:
        store.dispose()
    print(f"{'stage':<28} {'cold cpu':>9} {'cold wall':>9} {'warm cpu':>9} {'warm wall':>9}")
    for _, _, label in STAGES:
        cold = per_run[0]
        warm = per_run[1:] or per_run
        row = [cold.get(f"{label} cpu", 0.0), cold.get(f"{label} wall", 0.0)]
        row += [
            statistics.median(r.get(f"{label} {m}", 0.0) for r in warm) for m in ("cpu", "wall")
        ]
        print(f"{label:<28} " + " ".join(f"{v:9.3f}" for v in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--rate-scale", type=float, default=RATE_SCALE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--profile", action="store_true", help="time the stages in process (see above)"
    )
    parser.add_argument(
        "--db", type=Path, help="an existing demo database to use (a copy: it is migrated)"
    )
    args = parser.parse_args()
    work = HERE / ".work"
    work.mkdir(exist_ok=True)
    path = args.db or work / f"today-{args.people}-x{args.rate_scale:g}.db"
    if not path.exists():
        started = time.perf_counter()
        build(path, args.people, args.rate_scale)
        print(f"built {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    sizes = counts(path)
    print(sizes, flush=True)
    if args.profile:
        os.environ[CACHE_DIR_ENV] = str(CACHE)
        profile(path, args.runs)
        return
    run(path, "today", "--date", TODAY.isoformat(), "--format", "json")  # warm the file cache
    results: dict[str, object] = {"date": TODAY.isoformat(), "data": sizes, "runs": args.runs}
    results["nothing_kept_json"] = nothing_kept(path, args.runs)
    print("nothing_kept_json", results["nothing_kept_json"], flush=True)
    results["next_day_json"] = next_day(path, args.runs)
    print("next_day_json", results["next_day_json"], flush=True)
    results["after_done_json"] = after_done(path, args.runs)
    print("after_done_json", results["after_done_json"], flush=True)
    run(path, "today", "--date", TODAY.isoformat(), "--format", "json")  # kept again
    for label, extra in (
        ("today_json", ("--format", "json")),
        ("today_table", ()),
        ("today_60min_json", ("--minutes", "60", "--format", "json")),
    ):
        walls, cpus = [], []
        for _ in range(args.runs):
            wall, cpu, size = run(path, "today", "--date", TODAY.isoformat(), *extra)
            walls.append(wall)
            cpus.append(cpu)
        results["warm_" + label] = _figures(walls, cpus, size)
        print("warm_" + label, results["warm_" + label], flush=True)
    startup = [run(path, "--version")[0] for _ in range(args.runs)]
    results["startup_wall_median_s"] = round(statistics.median(startup), 3)
    load = os.getloadavg()[0]
    results["load_average_1min"] = round(load, 2)
    results["cpus"] = os.cpu_count()
    out = HERE / "results" / "today_scale.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
