"""Contact sync at the scale of issue 23, each timed as a whole process (`goodwill sync
contacts DIR`), on a copy of the 10,000-person demo database:

- the first run into an empty folder (one card per person) (< 5 s);
- a second run with nothing changed on either side (< 1 s; answered by sync/quick.py);
- a run after 100 cards were changed in the folder the way a phone changes them (a new
  title, an iOS item1.TEL with its X-ABLabel, a photo) (< 2 s).

Run: PYTHONPATH=src /work/venv/bin/python benchmarks/sync_scale.py [--people 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
from pathlib import Path

from common import WORK, demo_db, env, run_goodwill, save


def _phone_edit(path: Path, i: int) -> None:
    text = path.read_bytes().decode("utf-8")
    lines = [line for line in text.split("\r\n") if line and not line.startswith("TITLE")]
    end = lines.index("END:VCARD")
    lines[end:end] = [
        f"item1.TEL;type=CELL;type=VOICE;type=pref:+1 (206) 555-{i:04d}",
        "item1.X-ABLabel:_$!<Mobile>!$_",
        "TITLE:Changed on the phone",
        "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJ",
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the no-change case")
    args = parser.parse_args()
    source = demo_db(args.people)
    db = WORK / "sync-scale.db"
    folder = WORK / "sync-scale-contacts"
    shutil.copyfile(source, db)
    shutil.rmtree(folder, ignore_errors=True)
    load_before = os.getloadavg()
    # The floor, in the same run: a command that starts the command line and does nothing.
    floor = [run_goodwill(db, "sync", "--help") for _ in range(3)]

    first = run_goodwill(db, "sync", "contacts", str(folder), "--format", "json")
    first_report = json.loads(first.stdout)
    quiet = [
        run_goodwill(db, "sync", "contacts", str(folder), "--format", "json")
        for _ in range(args.repeat)
    ]
    for run in quiet:
        report = json.loads(run.stdout)
        assert report["written"] == 0 and report["read"] == 0, report
    files = sorted(folder.glob("*.vcf"))
    for i, path in enumerate(files[: args.changed]):
        _phone_edit(path, i)
    changed = run_goodwill(db, "sync", "contacts", str(folder), "--format", "json")
    changed_report = json.loads(changed.stdout)
    assert changed_report["read"] == args.changed, changed_report
    after = run_goodwill(db, "sync", "contacts", str(folder), "--format", "json")
    load_after = os.getloadavg()

    def fig(run: object) -> dict[str, float]:
        return {"wall_s": round(run.wall, 3), "cpu_s": round(run.cpu, 3)}  # type: ignore[attr-defined]

    save(
        "sync_scale",
        {
            "people": args.people,
            "cards": len(files),
            "load_average": {"before": load_before, "after": load_after},
            "floor_sync_help": {
                "wall_s_median": round(statistics.median(r.wall for r in floor), 3),
                "cpu_s_median": round(statistics.median(r.cpu for r in floor), 3),
            },
            "bytecode_cache": "PYTHONDONTWRITEBYTECODE" not in env(),
            "first_run": {**fig(first), "target_s": 5.0, "written": first_report["written"]},
            "nothing_changed": {
                "wall_s_median": round(statistics.median(r.wall for r in quiet), 3),
                "wall_s_all": [round(r.wall, 3) for r in quiet],
                "cpu_s_median": round(statistics.median(r.cpu for r in quiet), 3),
                "target_s": 1.0,
            },
            "changed_on_phone": {
                **fig(changed),
                "target_s": 2.0,
                "cards": args.changed,
                "report": {k: changed_report[k] for k in ("read", "updated", "written")},
            },
            "after_the_change": {**fig(after), "written": json.loads(after.stdout)["written"]},
        },
    )


if __name__ == "__main__":
    main()
