"""path --to with one path per first hop (issue 28): in-process time of paths_to.

Builds a demo network (default 5,000 people, seed 7, cached under benchmarks/.work/), then
times `paths.paths_to` for the biggest employer, a small organisation and a person, each
after a first call (as the web app and a warm cache run them). Writes
results/paths_first_hop.json. Run:
    PYTHONPATH=src /work/venv/bin/python benchmarks/paths_first_hop.py [PEOPLE]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
RESULTS = HERE / "results" / "paths_first_hop.json"
TODAY = dt.date(2025, 6, 1)


def main() -> None:
    from sqlalchemy import func, select

    from goodwill.asking import paths
    from goodwill.demo import fill as demo
    from goodwill.store.db import open_store
    from goodwill.store.models import Organization, Person, Role

    people = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    WORK.mkdir(exist_ok=True)
    db = WORK / f"paths-{people}.db"
    store = open_store(str(db))
    with store.session() as s:
        if not s.scalar(select(func.count()).select_from(Person)):
            demo.generate(s, people=people, seed=7, today=TODAY)
    with store.session() as s:
        big = s.execute(
            select(Organization.name)
            .join(Role, Role.org_id == Organization.id)
            .group_by(Organization.id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        small = s.execute(
            select(Organization.name)
            .join(Role, Role.org_id == Organization.id)
            .group_by(Organization.id)
            .order_by(func.count())
            .limit(1)
        ).scalar_one()
        someone = f"#{s.scalar(select(Person.id).order_by(Person.id.desc()).limit(1))}"
        out: dict[str, object] = {
            "people": people,
            "date": dt.date.today().isoformat(),
            "load": os.getloadavg()[0],
        }
        for label, target, hops in ((big, big, 3), (small, small, 3), (someone, someone, 4)):
            paths.paths_to(s, target, max_hops=hops, as_of=TODAY)  # the graph and ties kept
            times = []
            for _ in range(5):
                t0 = time.process_time()
                found = paths.paths_to(s, target, max_hops=hops, as_of=TODAY)
                times.append(time.process_time() - t0)
            out[f"paths_to({label!r}, max_hops={hops})"] = {
                "cpu_ms_median": round(1000 * statistics.median(times), 1),
                "cpu_ms_max": round(1000 * max(times), 1),
                "paths": len(found),
            }
    store.dispose()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
