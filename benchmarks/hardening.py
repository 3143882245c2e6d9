"""Issue 27: what crafted files cost each importer (CPU time and peak memory, measured in
a child process with ru_maxrss), beside the budget the tests hold them to and what they
cost before the fix. Run: PYTHONPATH=src:. python benchmarks/hardening.py"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.budget import run_parser

PEOPLE = ["ORGANIZER:mailto:bob@example.org", "ATTENDEE:mailto:me@example.com"]
DAYS = ",".join(str(d) for d in range(1, 32))


def ics(*body: str) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", *body, "END:VCALENDAR", ""])


def folded(n: int) -> list[str]:
    data = "QUFB" * (n // 4)
    return [" " + data[i : i + 74] for i in range(0, len(data), 74)]


def nested() -> str:
    one = ["BEGIN:VEVENT", "UID:n", "DTSTART:20200101T000000Z", *PEOPLE, "RRULE:FREQ=DAILY;COUNT=3"]
    return ics(*(one * 1200), *(["END:VEVENT"] * 1200))


def rdates() -> str:
    start = dt.datetime(2000, 1, 1)
    dates = ",".join(f"{start + dt.timedelta(hours=i):%Y%m%dT%H%M%SZ}" for i in range(30_000))
    return ics("BEGIN:VEVENT", "UID:r", "DTSTART:20000101T000000Z", *PEOPLE, f"RDATE:{dates}",
               "END:VEVENT")


# name, format, suffix, text, what it cost before (issue 27 and the tests' first runs)
CASES: list[tuple[str, str, str, Callable[[], str], str]] = [
    ("two rules, SECONDLY;COUNT=200000 (271 B)", "ics", ".ics", lambda: ics(
        "BEGIN:VEVENT", "UID:x", "DTSTART:20200101T000000Z", *PEOPLE,
        "RRULE:FREQ=MONTHLY;INTERVAL=4", "RRULE:FREQ=SECONDLY;COUNT=200000", "END:VEVENT"),
     "21 s, 546 MB"),
    ("yearly rule with BY lists (441 B)", "ics", ".ics", lambda: ics(
        "BEGIN:VEVENT", "UID:y", "DTSTART:20220101T000000Z", *PEOPLE,
        "RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=" + DAYS
        + ";BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE="
        + ",".join(map(str, range(60))), "END:VEVENT"),
     "127 s, 3.2 GB"),
    ("YEARLY;BYMONTHDAY=1..31 since 1900", "ics", ".ics", lambda: ics(
        "BEGIN:VEVENT", "UID:z", "DTSTART:19000101T090000Z", *PEOPLE,
        f"RRULE:FREQ=YEARLY;BYMONTHDAY={DAYS}", "END:VEVENT"),
     "13 s (46,000 occurrences built)"),
    ("1,200 nested VEVENTs, one UID", "ics", ".ics", nested, "44 s, 1.6 GB (183 KB file)"),
    ("30,000 RDATEs", "ics", ".ics", rdates, "> 8 s (timeout)"),
    ("6 MB folded line (.ics)", "ics", ".ics", lambda: ics(
        "BEGIN:VEVENT", "UID:f", "DTSTART:20200101T000000Z", *PEOPLE, "X-BLOB:A",
        *folded(6_000_000), "END:VEVENT"), "> 8 s (timeout)"),
    ("6 MB folded PHOTO (.vcf)", "vcard", ".vcf", lambda: "\r\n".join(
        ["BEGIN:VCARD", "VERSION:3.0", "FN:Ann", "PHOTO;ENCODING=b;TYPE=JPEG:A",
         *folded(6_000_000), "END:VCARD", ""]), "> 8 s (45 s for 8 MB)"),
    ("200,000 QP soft breaks (.vcf)", "vcard", ".vcf", lambda: "\r\n".join(
        ["BEGIN:VCARD", "VERSION:2.1", "FN:Ann", "NOTE;ENCODING=QUOTED-PRINTABLE:a="]
        + ["abcdefghij="] * 200_000 + ["end", "END:VCARD", ""]), "> 8 s (timeout)"),
]

BUDGET = "5 s CPU, 150 MB above the interpreter (300 MB for the 6 MB files)"


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, fmt, suffix, make, before in CASES:
            path = Path(tmp) / f"case{suffix}"
            path.write_text(make())
            run = run_parser(fmt, path, 60.0)
            rows.append({"case": name, "bytes": path.stat().st_size, "cpu_s": round(run.cpu, 2),
                         "wall_s": round(run.seconds, 2), "extra_mb": round(run.extra_mb, 1),
                         "before": before})
            print(f"| {name} | {run.cpu:.2f} s CPU ({run.seconds:.2f} s wall), "
                  f"{run.extra_mb:.0f} MB | {before} |")
    out = {
        "date": dt.date.today().isoformat(),
        "load": os.getloadavg(),
        "budget": BUDGET,
        "cases": rows,
    }
    target = Path(__file__).parent / "results" / "hardening.json"
    target.write_text(json.dumps(out, indent=2) + "\n")
    print(f"load average {os.getloadavg()}; written to {target}")


if __name__ == "__main__":
    main()
