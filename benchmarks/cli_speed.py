"""How fast the command line answers (issue 22), whole processes on 10,000 people.

- `python -c pass` (the floor: an interpreter starting and stopping), measured in the run;
- `goodwill --help` (< 0.15 s), `person show` (< 0.3 s), `person list --format json` and
  `search` at 10,000 people (`goodwill demo --people 10000`), and their tables;
- side by side, khard 0.22 (a vdir of the same 10,000 people, exported by goodwill):
  `khard list` and `khard list WORD`, which goodwill must beat 20 times over.
Every figure is the median of `--repeat` runs, also given as a multiple of the floor.

khard is installed with pip into its own venv (KHARD_VENV, default /tmp/khard-venv);
without it the side by side is skipped and says so.

`--against CHECKOUT` also times `person show` (table and JSON) of another checkout (its
src/) on the same database, the two runs interleaved, for a side-by-side figure.

Run: PYTHONPATH=src /work/venv/bin/python benchmarks/cli_speed.py [--people 10000]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import WORK, demo_db, env, goodwill, save


def timed(cmd: list[str], repeat: int, extra_env: dict[str, str] | None = None) -> dict[str, float]:
    """Median, min and max wall seconds of a whole process (output thrown away), and its
    median CPU seconds (user + system: steadier than the wall on a shared machine)."""
    runs, cpus = [], []
    environment = {**env(), **(extra_env or {})}
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            cmd, env=environment, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        runs.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {
        "median_s": round(statistics.median(runs), 3),
        "min_s": round(min(runs), 3),
        "max_s": round(max(runs), 3),
        "cpu_s": round(statistics.median(cpus), 3),
    }


def khard_setup(db: Path, people: int) -> tuple[list[str], str] | str:
    """A khard command prefix over a vdir of everyone, or why it is skipped."""
    venv = Path(os.environ.get("KHARD_VENV", "/tmp/khard-venv"))
    exe = venv / "bin" / "khard"
    if not exe.exists():
        return f"khard is not installed in {venv} (pip install 'khard==0.22.*' there)"
    vdir = WORK / f"vdir-{people}"
    if not vdir.exists() or len(list(vdir.glob("*.vcf"))) < people:
        subprocess.run(
            goodwill("export", "vcard", "--vdir", str(vdir), db=db),
            env=env(),
            check=True,
            capture_output=True,
        )
    config = WORK / "khard.conf"
    config.write_text(
        f"[addressbooks]\n[[bench]]\npath = {vdir}\n\n"
        "[general]\ndebug = no\ndefault_action = list\neditor = true\nmerge_editor = true\n\n"
        "[contact table]\ndisplay = first_name\ngroup_by_addressbook = no\n"
        "reverse = no\nshow_nicknames = no\nshow_uids = no\nsort = last_name\n"
        "localize_dates = yes\npreferred_phone_number_type = pref, cell, home\n"
        "preferred_email_address_type = pref, work, home\n\n"
        "[vcard]\nprivate_objects = Jabber, Skype, Twitter\npreferred_version = 3.0\n"
        "search_in_source_files = no\nskip_unparsable = no\n"
    )
    return [str(exe), "-c", str(config)], str(vdir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--word", default="kim", help="What search and khard look for.")
    parser.add_argument(
        "--against", type=Path, help="Another checkout: time its person show side by side."
    )
    parser.add_argument("--only-show", action="store_true", help="Only the person show figures.")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    db = demo_db(args.people)
    r = args.repeat
    floor = timed([sys.executable, "-c", "pass"], r)
    base = floor["median_s"]

    def ours(*cmd: str, target: float | None = None) -> dict[str, object]:
        figure: dict[str, object] = dict(timed(goodwill(*cmd, db=db), r))
        figure["x_floor"] = round(float(figure["median_s"]) / base, 1)  # type: ignore[arg-type]
        if target is not None:
            figure["target_s"] = target
        return figure

    results: dict[str, object] = {
        "people": args.people,
        "load_average_at_start": round(load, 2),
        "python_c_pass": floor,
    }
    shows = {
        "person_show_table": ("person", "show", "42"),
        "person_show_json": ("person", "show", "42", "--format", "json"),
    }
    if args.against is not None:
        theirs_env = {"PYTHONPATH": str(args.against.resolve() / "src")}
        for name, cmd in shows.items():
            new_runs, old_runs = [], []
            for _ in range(r):  # interleaved: the same load for both
                new_runs.append(timed(goodwill(*cmd, db=db), 1))
                old_runs.append(timed(goodwill(*cmd, db=db), 1, theirs_env))
            results[name] = _side_by_side(new_runs, old_runs, base, str(args.against))
    else:
        for name, cmd in shows.items():
            results[name] = ours(*cmd, target=0.3)
    if args.only_show:
        results["load_average_at_end"] = round(os.getloadavg()[0], 2)
        save("cli_speed_show", results)
        return
    results.update(
        {
            "help": ours("--help", target=0.15),
            "person_list_json": ours("person", "list", "--format", "json"),
            "search_json": ours("search", args.word, "--format", "json"),
            "search_table": ours("search", args.word),
        }
    )
    # Rich draws 10,000 rows for several seconds: one run says enough.
    table: dict[str, object] = dict(timed(goodwill("person", "list", db=db), 1))
    table["x_floor"] = round(float(table["median_s"]) / base, 1)  # type: ignore[arg-type]
    results["person_list_table"] = table
    khard = khard_setup(db, args.people)
    if isinstance(khard, str):
        results["khard"] = {"skipped": khard}
    else:
        prefix, _vdir = khard
        k_list = timed([*prefix, "list"], r)
        k_search = timed([*prefix, "list", args.word], r)
        for name, theirs in (("person_list_json", k_list), ("search_json", k_search)):
            mine = results[name]
            assert isinstance(mine, dict)
            mine["khard_s"] = theirs["median_s"]
            mine["khard_x_floor"] = round(theirs["median_s"] / base, 1)
            mine["times_faster_than_khard"] = round(theirs["median_s"] / mine["median_s"], 1)
            mine["times_faster_than_khard_cpu"] = round(theirs["cpu_s"] / mine["cpu_s"], 1)
            mine["target_times_faster"] = 20
        results["khard"] = {"version": "0.22", "list": k_list, "search": k_search}
    results["load_average_at_end"] = round(os.getloadavg()[0], 2)
    save("cli_speed", results)


def _side_by_side(
    mine: list[dict[str, float]], theirs: list[dict[str, float]], floor: float, other: str
) -> dict[str, object]:
    """Medians of interleaved single runs of this checkout and another."""

    def median(runs: list[dict[str, float]], key: str) -> float:
        return round(statistics.median(run[key] for run in runs), 3)

    wall, cpu = median(mine, "median_s"), median(mine, "cpu_s")
    their_wall, their_cpu = median(theirs, "median_s"), median(theirs, "cpu_s")
    return {
        "median_s": wall,
        "cpu_s": cpu,
        "x_floor": round(wall / floor, 1),
        "target_s": 0.3,
        "against": other,
        "against_median_s": their_wall,
        "against_cpu_s": their_cpu,
        "times_faster_cpu": round(their_cpu / cpu, 1) if cpu else None,
    }


if __name__ == "__main__":
    main()
