"""Lean reads for the command line: `person list` and `search` on a SQLite file, through
the DB-API with prepared SQL, without SQLAlchemy, pydantic or numpy.

A command that runs for a fraction of a second spends most of it importing; these read
paths import only the standard library. Each gives exactly what the domain functions give
(`people_list.summaries`, `search.search`), as plain dicts in the shape of their schemas
(tests/test_people_reads.py compares them on the same database). They answer only where
the answer is sure: a SQLite file that exists, at the schema revision this code expects,
opened read-only; anywhere else (PostgreSQL, a file to create or migrate, filters they do
not know) they return None and the command takes its usual path.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import sys
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from goodwill.safe_text import cell, console
from goodwill.store.address import head_revision, sqlite_file

Row = dict[str, Any]

# What `person list` and `search` show as a table, and say when there is nothing.
LIST_COLUMNS = ["id", "name", "organization", "title", "circle", "emails", "last_contact"]
LIST_EMPTY = "no people yet: try 'goodwill person add' or 'goodwill demo'"
SEARCH_COLUMNS = ["kind", "id", "title", "snippet"]


def search_empty(text: str) -> str:
    return f"nothing matches '{text}'"


_SQLITE_MAGIC = b"SQLite format 3\x00"

# people.ACTIVE: not removed and not you (written as the name index's condition, so that
# the list is read in name order from that index, migration 0007).
_ACTIVE = "p.removed_at IS NULL AND p.is_me IS 0"

_PEOPLE = (
    f"SELECT p.id, p.display_name, p.circle, p.location FROM person p WHERE {_ACTIVE} "
    "ORDER BY lower(p.display_name), p.id"
)

# people._contact_details, one statement per kind, each in the order a summary lists them:
# emails and phones as added, tags by name, roles as added (the current one wins).
_EMAILS = "SELECT person_id, address FROM email ORDER BY id"
_PHONES = "SELECT person_id, number FROM phone ORDER BY id"
_TAGS = (
    "SELECT pt.person_id, t.name FROM person_tag pt JOIN tag t ON t.id = pt.tag_id ORDER BY t.name"
)
_ROLES = (
    "SELECT r.person_id, o.name, r.title, r.is_current FROM role r "
    "JOIN organization o ON o.id = r.org_id ORDER BY r.id"
)

# strength.last_contacts without a date limit: the latest day of anything not planned, one
# seek per person in the (person, day, ...) index.
_LAST = (
    "SELECT p.id, (SELECT max(day) FROM participant WHERE person_id = p.id AND planned = 0) "
    f"FROM person p WHERE {_ACTIVE}"
)

_UNIX_JD = 2440587.5
_EPOCH = dt.datetime(1970, 1, 1)

_WORD = re.compile(r"\w+", re.UNICODE)
_FTS, _PERSON_FTS = "search_fts", "search_fts_person"
_KINDS = ("person", "org", "interaction")


def _day(day: float) -> dt.date:
    """days.from_day_number(day).date(): to the nearest second, then the calendar day."""
    return (_EPOCH + dt.timedelta(seconds=round((day - _UNIX_JD) * 86400.0))).date()


@contextmanager
def _connect(db: str | None) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection to the SQLite file `db` names, when it is one this code can
    read as it is (exists, is SQLite, at the head revision, not a team's); else None."""
    path = sqlite_file(db)
    conn = None
    if path is not None and _readable(path):
        try:
            conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
            conn.execute("PRAGMA query_only = ON")
            with closing(conn.execute("SELECT version_num FROM alembic_version")) as cur:
                found = [r[0] for r in cur]
            # A team's database reads through the policy (store/policy.py): not here.
            if found != [head_revision()] or _is_team(conn):
                conn.close()
                conn = None
        except (sqlite3.Error, ValueError, OSError):
            if conn is not None:
                conn.close()
            conn = None
    try:
        yield conn
    finally:
        if conn is not None:
            conn.close()


def _is_team(conn: sqlite3.Connection) -> bool:
    with closing(conn.execute("SELECT 1 FROM team_member LIMIT 1")) as cur:
        return cur.fetchone() is not None


def _readable(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(16) == _SQLITE_MAGIC
    except OSError:
        return False


def summaries(db: str | None, *, limit: int | None = None) -> list[Row] | None:
    """Everyone in `person list`, in its order and shape (PersonSummary), or None when this
    lean path cannot answer for that database."""
    with _connect(db) as conn:
        if conn is None:
            return None
        sql, args = (_PEOPLE, ()) if not limit else (_PEOPLE + " LIMIT ?", (limit,))
        base = conn.execute(sql, args).fetchall()
        if not base:
            return []
        wanted = {row[0] for row in base}
        emails, phones, tags = (_grouped(conn, sql, wanted) for sql in (_EMAILS, _PHONES, _TAGS))
        roles: dict[int, tuple[str, str | None]] = {}
        current: set[int] = set()
        for pid, org, title, is_current in conn.execute(_ROLES):
            if pid in wanted and (is_current or pid not in current):
                roles[pid] = (org, title)
                if is_current:
                    current.add(pid)
        last = {pid: day for pid, day in conn.execute(_LAST) if day is not None}
    none: tuple[None, None] = (None, None)
    return [
        {
            "id": pid,
            "name": name,
            "emails": emails.get(pid, []),
            "phones": phones.get(pid, []),
            "organization": roles.get(pid, none)[0],
            "title": roles.get(pid, none)[1],
            "circle": circle,
            "tags": tags.get(pid, []),
            "location": location,
            "last_contact": _day(last[pid]).isoformat() if pid in last else None,
        }
        for pid, name, circle, location in base
    ]


def _grouped(conn: sqlite3.Connection, sql: str, wanted: set[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for pid, value in conn.execute(sql):
        if pid in wanted:
            out[pid].append(value)
    return out


def search(
    db: str | None, query: str, *, kinds: Sequence[str] | None = None, limit: int = 20
) -> list[Row] | None:
    """`search.search` on a SQLite file (SearchHit's shape), or None when this lean path
    cannot answer for that database."""
    if kinds and any(k not in _KINDS for k in kinds):
        return None  # the usual path says which kind is wrong
    with _connect(db) as conn:
        if conn is None:
            return None
        terms = [w.lower() for w in _WORD.findall(query)]
        if not terms:
            return []
        fts = _PERSON_FTS if kinds is not None and list(kinds) == ["person"] else _FTS
        kind_filter = ""
        params: dict[str, object] = {"limit": limit}
        if kinds and fts != _PERSON_FTS:
            kind_filter = " AND d.kind IN (" + ",".join(f":k{i}" for i in range(len(kinds))) + ")"
            params.update({f"k{i}": k for i, k in enumerate(kinds)})
        params["q"] = " ".join(f'"{t}"' for t in terms[:-1]) + f' "{terms[-1]}"*'
        sql = (
            f"SELECT d.kind, d.ref_id, d.title, snippet({fts}, 1, '[', ']', '…', 12) "
            f"FROM {fts} JOIN search_doc d ON d.id = {fts}.rowid "
            f"WHERE {fts} MATCH :q{kind_filter} "
            f"ORDER BY bm25({fts}, 10.0, 1.0) LIMIT :limit"
        )
        try:
            rows = conn.execute(sql, params).fetchall()
        except sqlite3.Error:
            return None  # the usual path reports it as it always has
    return [
        {"kind": k, "id": ref, "title": title, "snippet": snip or ""}
        for k, ref, title, snip in rows
    ]


_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def dumps(value: Any, level: int = 0) -> str:
    """json.dumps(value, indent=2, ensure_ascii=False), the same text, several times
    faster for the plain rows above: with an indent, json.dumps takes its pure-Python
    encoder, the slowest part of listing 10,000 people."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return str(_string(value))
    if isinstance(value, int):
        return int.__repr__(value)
    inner = "\n" + "  " * (level + 1)
    if level == 0 and isinstance(value, list) and value and all(type(r) is dict for r in value):
        return _rows(value)
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        items = (dumps(v, level + 1) for v in value)
        return "[" + inner + ("," + inner).join(items) + "\n" + "  " * level + "]"
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        if not value:
            return "{}"
        pairs = (f"{_string(k)}: {dumps(v, level + 1)}" for k, v in value.items())
        return "{" + inner + ("," + inner).join(pairs) + "\n" + "  " * level + "}"
    return "\n".join(
        line if i == 0 else "  " * level + line
        for i, line in enumerate(json.dumps(value, indent=2, ensure_ascii=False).split("\n"))
    )


def _rows(rows: list[dict[str, Any]]) -> str:
    """A list of flat rows (strings, integers, None, lists of strings), the common case,
    written without a call per value; anything else goes through `dumps`."""
    out: list[str] = []
    add = out.append
    string = _string
    for row in rows:
        add("{")
        first = True
        for key, value in row.items():
            add(("\n    " if first else ",\n    ") + string(key) + ": ")
            first = False
            kind = type(value)
            if kind is str:
                add(string(value))
            elif value is None:
                add("null")
            elif kind is int:
                add(int.__repr__(value))
            elif kind is list and all(type(v) is str for v in value):
                if value:
                    add("[\n      " + ",\n      ".join(map(string, value)) + "\n    ]")
                else:
                    add("[]")
            else:
                add(dumps(value, 2))
        add("\n  }" if not first else "}")
        add(",\n  ")
    out[-1] = "\n]"
    return "[\n  " + "".join(out)


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    title: str | None = None,
    empty: str = "nothing to show",
) -> None:
    """Rows as a table of the named columns (every read command's table: the full command
    line's `emit` and the lean reads print through this one)."""
    if not rows:
        sys.stdout.write(empty + "\n")
        return
    from rich.table import Table

    drawn = Table(title=title, show_lines=False, header_style="bold")
    for col in columns:
        drawn.add_column(col.replace("_", " "), overflow="fold")
    for data in rows:
        drawn.add_row(*(cell(data.get(c)) for c in columns))
    console().print(drawn)
