"""Same data, same answers: run the read commands on one demo database with two checkouts.

A change that only moves code (or speeds it up) must not change what goodwill says. This
script fills a demo database once, then runs `strength`, `balance`, `flags`, `today`,
`ask`, `path`, `report`, `person show`, `week` and `need list` with `--format json` from
each checkout given, at a fixed date where the command takes one, and compares the outputs
byte for byte (`week` and `person show` read the clock: run both checkouts within a minute).

    python benchmarks/same_output.py OLD_CHECKOUT NEW_CHECKOUT [--people 300]

A checkout is a folder with `src/goodwill`; each runs in its own process with that `src`
first on PYTHONPATH. Exit status 1 and a diff summary when any output differs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DAY = "2026-06-15"
COMMANDS: list[list[str]] = [
    ["strength", "--as-of", DAY],
    ["balance", "--as-of", DAY],
    ["flags", "--as-of", DAY],
    ["today", "--date", DAY],
    ["today", "--date", DAY, "--minutes", "60"],
    ["ask", "1", "--as-of", DAY],
    ["ask", "a data role in climate", "--as-of", DAY],
    ["path", "--to", "Cobalt Climate"],
    ["report", "--weeks", "12", "--as-of", DAY],
    ["week"],
    ["need", "list"],
    ["person", "list"],
    ["person", "show", "2"],
    ["person", "show", "17"],
]


def run(checkout: Path, db: Path, args: list[str]) -> tuple[int, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(checkout / "src")
    env["GOODWILL_CACHE_DIR"] = str(db.parent / ("cache-" + checkout.name))
    # Commands that accept it get JSON; the rest print as they would.
    done = subprocess.run(
        [sys.executable, "-m", "goodwill", "--db", str(db), *args, "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--people", type=int, default=300)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="goodwill-same-"))
    try:
        first = options.checkouts[0].resolve()
        seed_db = work / "demo.db"
        env = dict(os.environ, PYTHONPATH=str(first / "src"))
        subprocess.run(
            [
                sys.executable,
                "-m",
                "goodwill",
                "--db",
                str(seed_db),
                "demo",
                "--people",
                str(options.people),
                "--today",
                DAY,
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        outputs: dict[Path, list[tuple[int, str]]] = {}
        for checkout in options.checkouts:
            checkout = checkout.resolve()
            db = work / f"{checkout.name}.db"
            shutil.copy(seed_db, db)
            outputs[checkout] = [run(checkout, db, args) for args in COMMANDS]
        baseline = outputs[first]
        differ = 0
        for checkout, results in outputs.items():
            for args, mine, theirs in zip(COMMANDS, results, baseline, strict=True):
                same = mine == theirs
                differ += not same
                status = "same" if same else "DIFFERENT"
                print(
                    f"{status:9} {checkout.name:20} goodwill {' '.join(args)}"
                    f" (exit {mine[0]}, {len(mine[1]):,} bytes)"
                )
        return 1 if differ else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
