"""`sync contacts DIR` when nothing changed on either side, without loading the store.

Most runs (vdirsyncer's cron, a phone that synced nothing) find nothing to do, and a full
run's time then is mostly importing SQLAlchemy and the models. This looks first, with the
standard library only: on a SQLite file at the schema this code expects, a contacts source
for DIR whose state says

- the same database (its first person), no filter, and a change-log mark equal to the
  newest change (nobody changed in goodwill since the last run began);
- every file of DIR with the size and modification time it had (a stat per file, no
  read), no new file, and every file gone already known as deleted on the phone;

then the run would read nothing and write nothing: it records the run (as sync_sources
.succeeded does) and gives the report the full run gives. Anything else (PostgreSQL, a
team database, --dry-run, a filter, a state it does not recognise, any difference) returns
None and the full run decides, as it always has.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from goodwill.store.address import head_revision, sqlite_file
from goodwill.sync import vdir

KIND = "contacts"
SUFFIX = ".vcf"
STATE_VERSION = 1  # contacts.STATE_VERSION (tests/sync/test_sync_quick.py checks)
_SQLITE_MAGIC = b"SQLite format 3\x00"
_NO_PEOPLE = "None"


def report(found: dict[str, Any]) -> dict[str, Any]:
    """The whole report (schemas.sync.ContactsSyncReport, its fields in order) of a run
    that had nothing to do, as the command line's JSON gives it."""
    return {
        "folder": found["folder"],
        "dry_run": False,
        "first_run": False,
        "read": 0,
        "created": 0,
        "merged": 0,
        "updated": 0,
        "unchanged": 0,
        "deleted_on_phone": 0,
        "conflicts": 0,
        "written": 0,
        "removed": 0,
        "untouched": found["untouched"],
        "open_events": found["open_events"],
        "issues": [],
    }


def _database(conn: sqlite3.Connection) -> str:
    """changes.database(): the first person's created_at as SQLAlchemy gives it."""
    row = conn.execute("SELECT created_at FROM person ORDER BY id LIMIT 1").fetchone()
    if row is None or row[0] is None:
        return _NO_PEOPLE
    return str(dt.datetime.fromisoformat(row[0]))


def _unchanged_folder(folder: Path, cards: dict[str, dict[str, Any]]) -> int | None:
    """People on the phone when no file moved since the state was saved; else None."""
    found = vdir.scan(folder, SUFFIX)
    for name, (size, mtime) in found.items():
        entry = cards.get(name)
        if entry is None or entry.get("size") != size or entry.get("mtime") != mtime:
            return None
    on_phone = 0
    for name, entry in cards.items():
        if name not in found and not entry.get("off"):
            return None  # deleted on the phone: the full run asks about it
        if entry.get("person") and not entry.get("off"):
            on_phone += 1
    return on_phone


def unchanged_contacts(db: str | None, folder: Path) -> dict[str, Any] | None:
    """The report of a contacts run that has nothing to do (the run recorded), or None
    when the full run must look."""
    path = sqlite_file(db)
    if path is None or not folder.is_dir():
        return None
    try:
        with path.open("rb") as fh:
            if fh.read(16) != _SQLITE_MAGIC:
                return None
    except OSError:
        return None
    where = folder.resolve()
    try:
        with closing(sqlite3.connect(str(path), timeout=30, isolation_level=None)) as conn:
            return _look(conn, where)
    except (sqlite3.Error, ValueError, OSError, KeyError, TypeError):
        return None


def lean_source(
    conn: sqlite3.Connection, location: str, kind: str
) -> tuple[int, dict[str, Any], str] | None:
    """(id, state, the state as stored) of the `kind` sync source at `location` when a
    lean path may answer for this database (the one rule of the quick contacts and mail
    runs): the schema at its head, not a team's (whose policy only the full path applies),
    the source known and its state a JSON object. Else None: the full run answers."""
    version = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
    if version != [head_revision()]:
        return None
    if conn.execute("SELECT 1 FROM team_member LIMIT 1").fetchone() is not None:
        return None
    row = conn.execute(
        "SELECT id, kind, state FROM sync_source WHERE location = ?", (location,)
    ).fetchone()
    if row is None or row[1] != kind:
        return None
    stored = str(row[2] or "{}")
    state = json.loads(stored)
    return (int(row[0]), state, stored) if isinstance(state, dict) else None


def _look(conn: sqlite3.Connection, where: Path) -> dict[str, Any] | None:
    found = lean_source(conn, str(where), KIND)
    if found is None:
        return None
    source_id, state, _stored = found
    if state.get("v") != STATE_VERSION:
        return None
    if state.get("filter") != {"circle": None, "tag": None}:
        return None
    mark = state.get("mark")
    newest = conn.execute("SELECT max(seq) FROM person_change").fetchone()[0] or 0
    if not isinstance(mark, list) or mark[:1] != [newest] or (len(mark) > 1 and mark[1]):
        return None
    if state.get("db") not in (_database(conn), _NO_PEOPLE):
        return None
    on_phone = _unchanged_folder(where, state.get("cards") or {})
    if on_phone is None:
        return None
    # Recorded as sync_sources.succeeded records a run (the state is unchanged).
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Looked again inside the write lock: a writer since the look means the full run.
        again = conn.execute("SELECT max(seq) FROM person_change").fetchone()[0] or 0
        if again != newest:
            conn.execute("ROLLBACK")
            return None
        conn.execute(
            "UPDATE sync_source SET last_run_at = ?, last_ok_at = ?, failing_since = NULL "
            "WHERE id = ?",
            (now, now, source_id),
        )
        open_events = conn.execute(
            "SELECT count(*) FROM sync_event WHERE status = 'open'"
        ).fetchone()[0]
        conn.execute("COMMIT")
    except sqlite3.Error:
        conn.execute("ROLLBACK")
        raise
    return {
        "folder": str(where),
        "untouched": on_phone,
        "open_events": int(open_events or 0),
    }
