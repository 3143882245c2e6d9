"""Benchmark: `goodwill report` (HTML with charts, and JSON) and the meet/lead lists.

Builds demo networks with `goodwill demo` (which includes the demo job search: meetings,
referrals, leads) and times each command as a whole process, start-up included, the way
a user runs it. Wall time depends on what else the machine runs; CPU time (user + system)
of the process is reported beside it as the steadier figure. Writes benchmarks/results/report.json.

    PYTHONPATH=src /work/venv/bin/python benchmarks/report.py [--sizes 300 2000 10000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from common import run_goodwill

HERE = Path(__file__).parent
TODAY = "2025-06-13"
COMMANDS = {
    "report_html": ["report", "--as-of", TODAY, "-o", "{tmp}/report.html"],
    "report_json": ["report", "--as-of", TODAY, "--format", "json"],
    "report_52_weeks_html": ["report", "--weeks", "52", "--as-of", TODAY, "-o", "{tmp}/r52.html"],
    "meet_list": ["meet", "list", "--format", "json"],
    "lead_list": ["lead", "list", "--format", "json"],
}


def run(db: str, args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole goodwill process."""
    done = run_goodwill(db, *args)
    return done.wall, done.cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 2000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    results: dict[str, object] = {"today": TODAY, "repeat": opts.repeat, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        for size in opts.sizes:
            db = f"{tmp}/demo{size}.db"
            build, _ = run(db, ["demo", "--people", str(size), "--today", TODAY])
            row: dict[str, object] = {"people": size, "demo_seconds": round(build, 2)}
            for name, template in COMMANDS.items():
                args = [a.replace("{tmp}", tmp) for a in template]
                times = [run(db, args) for _ in range(opts.repeat)]
                row[name] = round(statistics.median(t[0] for t in times), 3)
                row[name + "_cpu"] = round(statistics.median(t[1] for t in times), 3)
            html = Path(tmp, "report.html").stat().st_size
            row["report_html_kib"] = round(html / 1024)
            results["runs"].append(row)  # type: ignore[attr-defined]
            print(json.dumps(row))
    out = HERE / "results" / "report.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
