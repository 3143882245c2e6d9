"""Team mode under load: members share a demo network on PostgreSQL.

Targets (issue 24): 10 members sharing 50,000 people, `serve --team --workers 2`, 20
concurrent signed-in clients: every page under 200 ms at the 95th percentile, no errors;
`ask` across the team's graph (the team's routes to an organisation) under 1 s.

    PYTHONPATH=src /work/venv/bin/python benchmarks/team_load.py \\
        --pg postgresql://postgres@127.0.0.1:5432/postgres [--people 50000] [--requests 2000]

A database `goodwill_team_bench` is made afresh on that server (`--reuse` keeps it; with
`--schema NAME` a schema of that name in the database --pg names instead, for a shared
server where each engineer has one database): the
demo network is written as one user, `team init` gives it to member 1, nine more members
are added, and each logs interactions with a few hundred people (so the team's ties
overlap). Server time is the app's `Server-Timing` header; client time what each client
waited. Results go to benchmarks/results/team_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
TIMING_RE = re.compile(r"app;dur=([\d.]+)")
P95_LIMIT_MS = 200.0
# The floor in the same run: the sign-in page, through the same sign-in lookup, worker
# queue and machine as every page, with no figure behind it.
FLOOR = "/login"
ASK_LIMIT_S = 1.0
DB_NAME = "goodwill_team_bench"
PASSWORD = "bench-password"


def _url(base: str, name: str) -> str:
    head, _, _ = base.rpartition("/")
    return f"{head}/{name}"


def _in_schema(pg: str, schema: str, reuse: bool) -> tuple[str, bool]:
    """(a URL whose search path is `schema` in the database `pg` names, whether it holds a
    network already and is kept)."""
    from sqlalchemy import create_engine, text

    from goodwill.store.db import resolve_url

    admin = create_engine(resolve_url(pg), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :n"),
            {"n": schema},
        ).first()
        if not (exists and reuse):
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    sep = "&" if "?" in pg else "?"
    return f"{pg}{sep}options=-csearch_path%3D{schema}", bool(exists and reuse)


def build(
    pg: str, people: int, members: int, reuse: bool, schema: str | None = None
) -> tuple[str, list[str]]:
    from sqlalchemy import create_engine, text

    from goodwill.store.db import resolve_url

    emails = [f"member{i}@team.test" for i in range(1, members + 1)]
    if schema:
        url, kept = _in_schema(pg, schema, reuse)
        if kept:
            return _refresh(url), emails
        return _fill(url, people, members, emails), emails
    url = _url(pg, DB_NAME)
    admin = create_engine(resolve_url(pg), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DB_NAME}
        ).first()
        if exists and reuse:
            admin.dispose()
            return _refresh(url), emails
        conn.execute(text(f"DROP DATABASE IF EXISTS {DB_NAME}"))
        conn.execute(text(f"CREATE DATABASE {DB_NAME}"))
    admin.dispose()
    return _fill(url, people, members, emails), emails


def _refresh(url: str) -> str:
    """A kept team database brought up to this checkout: its migrations (opening it) and
    the policy's roles, grants and functions (idempotent, as the tables' owner)."""
    from goodwill.store import policy
    from goodwill.store.db import open_store

    store = open_store(url)
    try:
        with store.session() as s:
            policy.lock_private_rows(s)
    finally:
        store.dispose()
    return url


def _fill(url: str, people: int, members: int, emails: list[str]) -> str:
    from sqlalchemy import select

    from goodwill.demo import fill as demo
    from goodwill.records import interactions, team
    from goodwill.store import policy
    from goodwill.store.db import open_store
    from goodwill.store.models import Organization, Person

    started = time.perf_counter()
    store = open_store(url)
    with store.session() as s:
        demo.generate(s, people=people, seed=3)
    print(f"demo of {people} people: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    with store.session() as s:
        team.init_team(s, "Member 1", emails[0], PASSWORD)
    policy.attach(store)
    first = policy.Viewer(1, "Member 1", "admin")
    with policy.acting_as(first), store.session() as s:
        for i, email in enumerate(emails[1:], 2):
            team.add_member(s, f"Member {i}", email, "member", PASSWORD)
    rng = random.Random(5)
    with store.session() as s:
        ids = list(s.scalars(select(Person.id).where(Person.is_me.is_(False))))
    now = dt.datetime.now()
    for i in range(2, members + 1):
        viewer = policy.Viewer(i, f"Member {i}", "member")
        with policy.acting_as(viewer), store.session() as s:
            chosen = s.scalars(select(Person).where(Person.id.in_(rng.sample(ids, 200)))).all()
            for person in chosen:
                for _ in range(rng.randint(1, 5)):
                    when = now - dt.timedelta(days=rng.randint(1, 700))
                    interactions.log(s, [person], "coffee", when=when, now=now)
    with store.session() as s:
        org = s.scalars(select(Organization.name).order_by(Organization.id)).first()
    store.dispose()
    print(
        f"built in {time.perf_counter() - started:.0f} s; an organisation: {org}", file=sys.stderr
    )
    return url


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its descendants, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PAGES = ("/", "/people", "/needs", "/network", "/report", "/team?to={org}", "/api/people",
         "/people/{pid}", "/api/needs", "/log", FLOOR)  # fmt: skip


async def client(
    base: str, email: str, n: int, org: str, pids: list[int], out: list[dict[str, Any]]
) -> None:
    rng = random.Random(email)
    async with httpx.AsyncClient(base_url=base, timeout=180) as c:
        token = TOKEN_RE.search((await c.get("/login")).text)
        assert token
        r = await c.post(
            "/login",
            data={"csrf_token": token.group(1), "email": email, "password": PASSWORD, "next": "/"},
        )
        assert r.status_code == 303, r.text
        for _ in range(n):
            page = rng.choice(PAGES)
            path = page.format(org=org, pid=rng.choice(pids))
            started = time.perf_counter()
            r = await c.get(path)
            took = (time.perf_counter() - started) * 1000
            server = TIMING_RE.search(r.headers.get("server-timing", ""))
            out.append(
                {"page": page, "status": r.status_code, "client_ms": took,
                 "server_ms": float(server.group(1)) if server else None}
            )  # fmt: skip


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(0.95 * len(values)))] if values else 0.0


def measure_ask(url: str, org: str) -> float:
    """Seconds for member 1's team routes to an organisation as `goodwill path --to ORG`
    and `ask` list them, the ten strongest (best of 3, in process)."""
    from goodwill.asking import team as team_ask
    from goodwill.store import policy
    from goodwill.store.db import open_store

    store = open_store(url)
    policy.attach(store)
    best = float("inf")
    try:
        for _ in range(3):
            started = time.perf_counter()
            with policy.acting_as(policy.Viewer(1, "Member 1", "admin")), store.session() as s:
                _, ids = team_ask.target_people(s, org)
                team_ask.routes(s, ids, limit=10)  # what `path --to ORG` shows
            best = min(best, time.perf_counter() - started)
    finally:
        store.dispose()
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pg", required=True, help="a PostgreSQL URL (its server is used)")
    ap.add_argument("--people", type=int, default=50_000)
    ap.add_argument("--members", type=int, default=10)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--schema", help="build in this schema of the --pg database instead")
    args = ap.parse_args()
    url, emails = build(args.pg, args.people, args.members, args.reuse, args.schema)
    from sqlalchemy import create_engine, text

    from goodwill.store.db import resolve_url

    eng = create_engine(resolve_url(url))
    with eng.connect() as conn:
        org = conn.execute(
            text("SELECT o.name FROM organization o JOIN role r ON r.org_id = o.id "
                 "GROUP BY o.name ORDER BY count(*) DESC LIMIT 1")
        ).scalar_one()  # fmt: skip
        pids = list(conn.execute(text("SELECT id FROM person LIMIT 2000")).scalars())
    eng.dispose()
    ask_s = measure_ask(url, org)
    port = free_port()
    env = dict(os.environ, GOODWILL_DB=url)
    env["PYTHONPATH"] = str(HERE.parent / "src") + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "goodwill", "serve", "--team", "--workers",
           str(args.workers), "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/login", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        # The floor, in the same run: the sign-in page (no member, no query), one at a time.
        floor_n = 50
        for _ in range(10):  # each worker's first requests load what they need
            httpx.get(base + "/login", timeout=30)
        before = tree_cpu(server.pid)
        for _ in range(floor_n):
            httpx.get(base + "/login", timeout=30)
        floor_cpu_ms = (tree_cpu(server.pid) - before) / floor_n * 1000
        rows: list[dict[str, Any]] = []
        per = max(1, args.requests // args.clients)
        cpu_before = tree_cpu(server.pid)
        started = time.perf_counter()

        async def run() -> None:
            await asyncio.gather(*(
                client(base, emails[i % len(emails)], per, org, pids, rows)
                for i in range(args.clients)
            ))  # fmt: skip

        asyncio.run(run())
        wall = time.perf_counter() - started
        server_cpu_s = tree_cpu(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(timeout=30)
    by_page: dict[str, Any] = {}
    for page in PAGES:
        mine = [r for r in rows if r["page"] == page]
        server_ms = [r["server_ms"] for r in mine if r["server_ms"] is not None]
        by_page[page] = {
            "n": len(mine),
            "server_p95_ms": round(p95(server_ms), 1),
            "client_p95_ms": round(p95([r["client_ms"] for r in mine]), 1),
            "server_median_ms": round(statistics.median(server_ms), 1) if server_ms else None,
        }
    floor_p95 = by_page[FLOOR]["client_p95_ms"] or 1.0
    for page in PAGES:
        by_page[page]["client_p95_x_floor"] = round(by_page[page]["client_p95_ms"] / floor_p95, 1)
    errors = [r for r in rows if r["status"] >= 400]
    result = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "load_average": os.getloadavg(),
        "people": args.people,
        "members": args.members,
        "clients": args.clients,
        "workers": args.workers,
        "requests": len(rows),
        "requests_per_s": round(len(rows) / wall, 1),
        "errors": len(errors),
        # The app's processes' CPU per request (PostgreSQL's own is not in it), and the
        # floor: the sign-in page's, one request at a time, in the same run.
        "server_cpu_ms_per_request": round(server_cpu_s / max(1, len(rows)) * 1000, 1),
        "floor_login_cpu_ms": round(floor_cpu_ms, 1),
        "server_p95_ms": round(p95([r["server_ms"] for r in rows if r["server_ms"]]), 1),
        "floor_p95_ms": floor_p95,
        "client_p95_ms": round(p95([r["client_ms"] for r in rows]), 1),
        "target_p95_ms": P95_LIMIT_MS,
        "team_ask_s": round(ask_s, 3),
        "target_ask_s": ASK_LIMIT_S,
        "pages": by_page,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "team_load.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
