"""Helpers shared by the benchmarks: timing whole processes, caching demo databases."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work"
RESULTS = ROOT / "benchmarks" / "results"


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + e.get("PYTHONPATH", "")
    return e


def goodwill(*args: str, db: Path | str) -> list[str]:
    return [sys.executable, "-m", "goodwill", "--db", str(db), *args]


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
    return path


def save(name: str, payload: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, **payload}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    print(json.dumps(payload, indent=2))
