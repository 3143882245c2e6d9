"""Helpers shared by the benchmarks: timing whole processes, caching demo databases."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work"
RESULTS = ROOT / "benchmarks" / "results"


def env() -> dict[str, str]:
    """The environment of a measured goodwill process: this checkout's sources first, and
    bytecode written and reused as an installed copy does (a machine that sets
    PYTHONDONTWRITEBYTECODE would otherwise recompile goodwill on every run)."""
    e = dict(os.environ)
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    e["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + e.get("PYTHONPATH", "")
    return e


def goodwill(*args: str, db: Path | str) -> list[str]:
    return [sys.executable, "-m", "goodwill", "--db", str(db), *args]


@dataclass(frozen=True)
class Run:
    """One whole goodwill process: wall seconds, CPU seconds (user + system: what the run
    costs whatever else the machine does, where wall time also counts waiting for a CPU)
    and what it printed."""

    wall: float
    cpu: float
    stdout: str


def run_goodwill(db: Path | str, *args: str, extra_env: dict[str, str] | None = None) -> Run:
    """Run `goodwill --db DB ARGS...` to the end; a failure stops the benchmark with its error."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        goodwill(*args, db=db),
        env={**env(), **(extra_env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"goodwill {' '.join(args)} failed: {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall=wall, cpu=cpu, stdout=done.stdout)


def time_process(cmd: list[str], repeat: int = 5) -> dict[str, float]:
    """Wall time of a whole process, `repeat` runs: median, min and max in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, env=env(), check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)}


def demo_db(people: int, seed: int = 7, today: str = "2026-11-01") -> Path:
    """A cached demo database of `people` people (built once, reused by every benchmark)."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"demo-{people}-{seed}-{today}.db"
    if not path.exists():
        tmp = path.with_suffix(".tmp.db")
        for stale in WORK.glob(tmp.name + "*"):
            stale.unlink()
        subprocess.run(
            goodwill(
                "demo", "--people", str(people), "--seed", str(seed), "--today", today, db=tmp
            ),
            env=env(),
            check=True,
        )
        tmp.rename(path)
    # Brought to the schema's head once, here: otherwise the first measured command of each
    # run would pay for a migration (and its backup copy) of a cache built by older code.
    subprocess.run(
        goodwill("doctor", "--format", "json", db=path),
        env=env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for backup in WORK.glob(f"{path.name}.bak-*"):
        backup.unlink()
    # Everything in the main file, so that a plain copy of it is the whole database.
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def save(name: str, payload: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, **payload}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    print(json.dumps(payload, indent=2))
