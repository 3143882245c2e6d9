"""Run one importer on one file in a child process and measure its time and peak memory.

Peak memory is the child's ru_maxrss (resource.getrusage), so a parser that builds a huge
list and frees it again is still caught; the child also runs under an address-space limit
so that a regression fails the test instead of exhausting the (shared) machine.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

# What a fresh interpreter that imported goodwill's parsers holds before reading anything;
# the budgets below are on top of it.
HARD_LIMIT_BYTES = 1536 * 1024 * 1024

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time, datetime as dt
    from pathlib import Path
    from goodwill.errors import ImportFailed
    from goodwill.io import formats
    from goodwill.io.records import ImportOptions
    fmt, path = sys.argv[1], Path(sys.argv[2])
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    try:
        result = formats.PARSERS[fmt](path, ImportOptions(me=["me@example.com"],
                                     now=dt.datetime(2026, 1, 1)))
        summary = {"people": len(result.people), "interactions": len(result.interactions),
                   "issues": [i.message for i in result.issues]}
    except ImportFailed as exc:
        summary = {"failed": str(exc)}
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "cpu": cpu, "base_kb": base, "peak_kb": peak,
                      **summary}))
    """
)


@dataclass
class Run:
    seconds: float  # wall time of the parse
    cpu: float  # CPU time of the parse: what the budget is about on a shared machine
    extra_mb: float  # peak memory above the interpreter's own before parsing
    summary: dict[str, object]


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (HARD_LIMIT_BYTES, HARD_LIMIT_BYTES))


def run_parser(fmt: str, path: Path, cpu_seconds: float) -> Run:
    """Parse `path` as `fmt` in a child; fail (AssertionError) past `cpu_seconds` of CPU
    time, or, as a last net on a loaded machine, six times as long of wall time."""
    timeout = max(60.0, 6 * cpu_seconds)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, fmt, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            preexec_fn=_limit,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"{fmt} parser on {path.name} ran more than {timeout} s") from exc
    assert proc.returncode == 0, f"{fmt} parser on {path.name} crashed:\n{proc.stderr[-2000:]}"
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    extra = (data["peak_kb"] - data["base_kb"]) / 1024
    assert data["cpu"] < cpu_seconds, f"{fmt} parser on {path.name}: {data['cpu']:.1f} s of CPU"
    return Run(data["seconds"], data["cpu"], extra, data)
