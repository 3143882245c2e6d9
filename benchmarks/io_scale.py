"""Import speed at the scales of issues 7 and 22, each timed as a whole process
(`goodwill import`), beside the raw floor measured in the same run.

- The raw floor: a whole Python process that reads the same Connections.csv with `csv` and
  inserts its rows with one `executemany` into a new SQLite file; every import below is
  also given as a multiple of it.
- LinkedIn Connections.csv, 30,000 rows (LinkedIn's cap), into an empty database (within
  10x the floor), for realistic names and for names crowded into a few blocks (five
  surnames, first names one letter apart); then the same file again, which must change
  nothing (< 1.5 s);
- 10,000 vCards (< 3 s).
Peer, side by side in the same run: hermitcrm importing the same contacts as CSV, when it
can be installed into benchmarks/.work/venv (it is skipped cleanly otherwise).

Run: PYTHONPATH=src /work/venv/bin/python benchmarks/io_scale.py [--rows 30000] [--cards 10000]
Side by side with another checkout, interleaved (results/io_scale_ab.json):
    ... io_scale.py --against /path/to/main-checkout [--rounds 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import run_goodwill

from goodwill.demo import words

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
RESULTS = HERE / "results" / "io_scale.json"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _people(n: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    orgs = [
        f"{p} {rng.choice(['Labs', 'Systems', 'Group', 'Health', 'Capital'])}"
        for p in words.ORG_PREFIXES
    ]
    out = []
    for i in range(n):
        first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
        out.append(
            {
                "first": first,
                "last": last,
                "url": f"https://www.linkedin.com/in/{first.lower()}-{last.lower()}-{i:05d}",
                "email": f"{first.lower()}.{last.lower()}.{i}@example.com" if i % 5 == 0 else "",
                "org": rng.choice(orgs),
                "title": rng.choice(["Engineer", "Recruiter", "Designer", "Manager", "Analyst"]),
                "day": f"{rng.randint(1, 28):02d} {rng.choice(MONTHS)} {rng.randint(2010, 2025)}",
                "phone": f"+1 415 555 {i % 10000:04d}",
            }
        )
    return out


# Names that crowd into a few blocks: five surnames, first names sharing five initials,
# many of them one character apart (Wei / Wen / Wai), at a handful of employers.
CROWD_LAST = ("Wang", "Kumar", "Nguyen", "Smith", "Li")
CROWD_FIRST = tuple(
    f"{head}{tail}"
    for head in ("Wa", "We", "Ka", "Ke", "Sa", "Se", "Ni", "Na")
    for tail in ("i", "n", "ng", "y", "ra", "ri", "o", "nda", "ndy", "ne")
)
CROWD_ORGS = ("Google", "Infosys", "Tata Consultancy Services", "Accenture", "Amazon", "Wipro")


def crowded_people(n: int, seed: int = 11) -> list[dict[str, str]]:
    """`n` connections whose names fall into a few blocks of thousands (family name +
    first initial), each a different person (their own profile URL)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        first, last = rng.choice(CROWD_FIRST), rng.choice(CROWD_LAST)
        out.append(
            {
                "first": first,
                "last": last,
                "url": f"https://www.linkedin.com/in/{first.lower()}-{last.lower()}-{i:05d}",
                "email": f"{first.lower()}.{last.lower()}.{i}@example.com" if i % 5 == 0 else "",
                "org": rng.choice(CROWD_ORGS),
                "title": rng.choice(["Engineer", "Recruiter", "Designer", "Manager", "Analyst"]),
                "day": f"{rng.randint(1, 28):02d} {rng.choice(MONTHS)} {rng.randint(2010, 2025)}",
                "phone": f"+1 415 555 {i % 10000:04d}",
            }
        )
    return out


def write_connections(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        fh.write("Notes:\n")
        fh.write(
            '"When exporting your connection data, you may notice that some of the email '
            "addresses are missing. You will only see email addresses for connections who "
            'have allowed their connections to see or download their email address."\n\n'
        )
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            [
                "First Name",
                "Last Name",
                "URL",
                "Email Address",
                "Company",
                "Position",
                "Connected On",
            ]
        )
        for r in rows:
            w.writerow(
                [r["first"], r["last"], r["url"], r["email"], r["org"], r["title"], r["day"]]
            )


def write_vcards(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        for i, r in enumerate(rows):
            fh.write(
                "BEGIN:VCARD\r\nVERSION:3.0\r\n"
                f"UID:bench-{i}\r\nFN:{r['first']} {r['last']}\r\nN:{r['last']};{r['first']};;;\r\n"
                f"EMAIL;TYPE=INTERNET:{r['first'].lower()}.{r['last'].lower()}.{i}@mail.example.org\r\n"
                f"TEL;TYPE=CELL:{r['phone']}\r\nORG:{r['org']}\r\nTITLE:{r['title']}\r\n"
                "CATEGORIES:bench\r\nEND:VCARD\r\n"
            )


def write_plain_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["first_name", "last_name", "email", "company", "title"])
        for i, r in enumerate(rows):
            w.writerow(
                [r["first"], r["last"], r["email"] or f"p{i}@example.com", r["org"], r["title"]]
            )


FLOOR = """
import csv, sqlite3, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))[4:]
db = sqlite3.connect(sys.argv[2])
db.execute("CREATE TABLE c (first, last, url, email, company, position, connected)")
db.executemany("INSERT INTO c VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
db.commit()
"""


def raw_floor(csv_path: Path, repeat: int = 3) -> tuple[float, float]:
    """Median wall and CPU seconds of the floor process (see the module's docstring)."""
    runs, cpus = [], []
    for i in range(repeat):
        target = WORK / f"floor-{i}.db"
        target.unlink(missing_ok=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", FLOOR, str(csv_path), str(target)], check=True)
        runs.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        target.unlink()
    return sorted(runs)[len(runs) // 2], sorted(cpus)[len(cpus) // 2]


def goodwill(db: Path, *args: str) -> tuple[float, dict[str, object]]:
    done = run_goodwill(db, "import", *args, "--format", "json")
    report: dict[str, object] = json.loads(done.stdout)
    # CPU seconds too: on a shared machine the wall clock also measures the neighbours.
    report["cpu_s"] = round(done.cpu, 2)
    return done.wall, report


def hermitcrm(csv_path: Path, timeout: float = 900) -> dict[str, object]:
    """Install hermitcrm into its own venv and time its CSV import; skip cleanly if absent.
    An import still running after `timeout` seconds is stopped and reported as a bound."""
    venv = WORK / "venv"
    try:
        if not (venv / "bin" / "python").exists():
            subprocess.run(
                [sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True
            )
        pip = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "hermitcrm"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if pip.returncode:
            return {
                "skipped": "pip install hermitcrm failed: "
                + pip.stderr.strip().splitlines()[-1][:200]
            }
        exe = venv / "bin" / "hermitcrm"
        if not exe.exists():
            return {"skipped": "hermitcrm installed no 'hermitcrm' command"}
        data = WORK / "hermit-data"
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run(
            [str(exe), "init", "--no-setup", str(data)],
            capture_output=True,
            check=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
        start = time.perf_counter()
        run = subprocess.run(
            [
                str(exe),
                "--data",
                str(data),
                "import",
                "--mode",
                "contacts",
                "--apply",
                str(csv_path),
            ],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
        )
        took = time.perf_counter() - start
        if run.returncode:
            return {"skipped": f"hermitcrm import failed: {run.stderr.strip()[:200]}"}
        summary = [line for line in run.stdout.splitlines() if line.startswith("Imported")]
        return {"seconds": round(took, 2), "summary": summary[-1] if summary else ""}
    except subprocess.TimeoutExpired:
        return {"unfinished_after_s": timeout}
    except (OSError, subprocess.SubprocessError) as exc:
        return {"skipped": f"hermitcrm unavailable: {exc}"}


def side_by_side(
    rows: list[dict[str, str]], n: int, plain: Path, timeout: float = 900
) -> dict[str, object]:
    """goodwill and hermitcrm importing the same `n` contacts, one after the other. Most
    of goodwill's time at this size is its start-up and a new database's schema; when
    hermitcrm does not finish, the bound (its timeout over goodwill's time) is given."""
    peer_conn = WORK / "Connections-peer.csv"
    write_connections(peer_conn, rows[:n])
    (WORK / "bench-peer.db").unlink(missing_ok=True)
    ours, report = goodwill(WORK / "bench-peer.db", "linkedin", str(peer_conn))
    theirs = hermitcrm(plain, timeout)
    out: dict[str, object] = {
        "contacts": n,
        "load_average": os.getloadavg()[0],
        "goodwill_s": round(ours, 2),
        "goodwill_cpu_s": report["cpu_s"],
        "hermitcrm": theirs,
        "times_faster": round(float(theirs["seconds"]) / ours, 1)  # type: ignore[arg-type]
        if "seconds" in theirs
        else None,
        "target_times_faster": 20,
    }
    if "unfinished_after_s" in theirs:
        out["times_faster_at_least"] = round(timeout / ours, 1)
    return out


def _process(cmd: list[str], src: Path) -> float:
    """CPU seconds (user + system) of one whole process run with `src` first on its path."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode kept, as an installed copy does
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 3)


def against(other: Path, rounds: int, files: dict[str, Path]) -> dict[str, object]:
    """This checkout and `other` (another checkout's root, e.g. main's) side by side:
    each round runs the raw floor and every import from both, in alternating order, and
    gives each one's CPU seconds per round (the machine is shared: read them together)."""
    sides = {"this": HERE.parent / "src", "other": other.resolve() / "src"}
    runs: dict[str, dict[str, list[float]]] = {side: {} for side in sides}
    for src in sides.values():  # bytecode written once, before anything is measured
        _process([sys.executable, "-m", "goodwill", "--help"], src)
    for r in range(rounds):
        for side in sides if r % 2 == 0 else reversed(sides):
            src, out, db = sides[side], runs[side], WORK / f"ab-{side}.db"
            for target in (db, WORK / "ab-floor.db"):
                for leftover in (target, *(Path(f"{target}{x}") for x in ("-wal", "-shm"))):
                    leftover.unlink(missing_ok=True)
            floor = [sys.executable, "-c", FLOOR, str(files["linkedin"]), str(WORK / "ab-floor.db")]
            out.setdefault("raw_floor", []).append(_process(floor, src))
            for name, fmt, key, fresh in (
                ("linkedin_first", "linkedin", "linkedin", True),
                ("linkedin_again", "linkedin", "linkedin", False),
                ("crowded_first", "linkedin", "crowded", True),
                ("crowded_again", "linkedin", "crowded", False),
                ("vcards", "vcard", "vcards", True),
            ):
                if fresh:
                    for leftover in (db, *(Path(f"{db}{x}") for x in ("-wal", "-shm"))):
                        leftover.unlink(missing_ok=True)
                cmd = [sys.executable, "-m", "goodwill", "--db", str(db), "import", fmt]
                cmd += [str(files[key]), "--format", "json"]
                out.setdefault(name, []).append(_process(cmd, src))
    return {
        "against": str(other),
        "rounds": rounds,
        "load_average": os.getloadavg()[0],
        "cpu_s": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--no-peer", action="store_true", help="Do not try hermitcrm.")
    parser.add_argument(
        "--peer-only",
        action="store_true",
        help="Only the side by side with hermitcrm, into the last results.",
    )
    parser.add_argument(
        "--peer-timeout",
        type=float,
        default=900,
        help="Seconds hermitcrm is given; beyond them the bound is reported.",
    )
    parser.add_argument(
        "--peer-rows",
        type=int,
        default=2000,
        help="Contacts for the side-by-side run (hermitcrm did not finish 5,000 in 30 min here).",
    )
    parser.add_argument(
        "--against",
        type=Path,
        help="Another checkout (e.g. main's worktree): measure both, interleaved.",
    )
    parser.add_argument("--rounds", type=int, default=3, help="Rounds of --against.")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    rows = _people(max(args.rows, args.cards))
    conn, cards, plain = WORK / "Connections.csv", WORK / "cards.vcf", WORK / "contacts.csv"
    crowd = WORK / "Connections-crowded.csv"
    write_plain_csv(plain, rows[: args.peer_rows])
    if args.peer_only:
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results["peer_side_by_side"] = side_by_side(rows, args.peer_rows, plain, args.peer_timeout)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(json.dumps(results["peer_side_by_side"], indent=2))
        return
    write_connections(conn, rows[: args.rows])
    write_connections(crowd, crowded_people(args.rows))
    write_vcards(cards, rows[: args.cards])
    if args.against:
        files = {"linkedin": conn, "crowded": crowd, "vcards": cards}
        ab = against(args.against, args.rounds, files)
        (RESULTS.parent / "io_scale_ab.json").write_text(json.dumps(ab, indent=2) + "\n")
        print(json.dumps(ab, indent=2))
        return
    results: dict[str, object] = {
        "load_average_at_start": os.getloadavg()[0],
        "cores": os.cpu_count(),
    }
    for db in WORK.glob("bench*.db*"):
        db.unlink()
    floor, floor_cpu = raw_floor(conn)
    results["raw_floor_s"] = round(floor, 3)
    results["raw_floor_cpu_s"] = round(floor_cpu, 3)

    def times(seconds: float) -> float:
        return round(seconds / floor, 1)

    def cpu_times(seconds: object) -> float:
        return round(float(seconds) / floor_cpu, 1)  # type: ignore[arg-type]

    for name, path, db in (
        ("linkedin_connections", conn, WORK / "bench-li.db"),
        ("linkedin_connections_crowded", crowd, WORK / "bench-crowd.db"),
    ):
        first, report1 = goodwill(db, "linkedin", str(path))
        again, report2 = goodwill(db, "linkedin", str(path))
        results[name] = {
            "rows": args.rows,
            "first_import_s": round(first, 2),
            "first_import_cpu_s": report1["cpu_s"],
            "first_import_x_floor": times(first),
            "first_import_cpu_x_floor_cpu": cpu_times(report1["cpu_s"]),
            "created": report1["created"],
            "merged": report1["merged"],
            "suggested": report1["suggested"],
            "reimport_s": round(again, 2),
            "reimport_cpu_s": report2["cpu_s"],
            "reimport_x_floor": times(again),
            "reimport_cpu_x_floor_cpu": cpu_times(report2["cpu_s"]),
            "reimport_unchanged": report2["unchanged"],
            "reimport_created": report2["created"],
            "target_first_x_floor": 10,
            "target_reimport_s": 1.5,
        }
    vc, report3 = goodwill(WORK / "bench-vc.db", "vcard", str(cards))
    results["vcards"] = {
        "cards": args.cards,
        "import_s": round(vc, 2),
        "import_cpu_s": report3["cpu_s"],
        "import_x_floor": times(vc),
        "import_cpu_x_floor_cpu": cpu_times(report3["cpu_s"]),
        "created": report3["created"],
        "merged": report3["merged"],
        "target_s": 3,
    }
    results["load_average_at_end"] = os.getloadavg()[0]
    if not args.no_peer:
        results["peer_side_by_side"] = side_by_side(rows, args.peer_rows, plain, args.peer_timeout)
    elif RESULTS.exists():  # keep the last peer figures when it is not run again
        previous = json.loads(RESULTS.read_text())
        if "peer_side_by_side" in previous:
            results["peer_side_by_side"] = previous["peer_side_by_side"]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
