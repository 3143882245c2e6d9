"""The full backup: every table as JSON, and its restore into an empty database.

The dump is deterministic (tables in dependency order, rows by primary key, no timestamp
of its own), so `export json`, `import json` into an empty database and `export json`
again give the same bytes. The search index is derived and rebuilt on restore.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Table, func, insert, select, text, update
from sqlalchemy.orm import Session

from goodwill.errors import ImportFailed
from goodwill.io import files
from goodwill.io.records import ImportOptions
from goodwill.schemas.io import ImportReport
from goodwill.store import search as search_index
from goodwill.store.db import copy_sqlite, head_revision, known_revisions
from goodwill.store.models import Base

FORMAT = "goodwill-backup"
VERSION = 1
_DERIVED = {
    "search_doc", "contact_summary", "ledger_summary", "member_summary", "member_ledger",
    "person_change", "figures_hold",
}  # fmt: skip
_CHUNK = 2000


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in _DERIVED]


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def dump(session: Session) -> bytes:
    """Everything in the database, as JSON bytes (one row per line, for readable diffs)."""
    parts = [
        "{\n",
        f'"format": {json.dumps(FORMAT)},\n',
        f'"version": {VERSION},\n',
        f'"schema": {json.dumps(head_revision())},\n',
        '"tables": {',
    ]
    for n, table in enumerate(_tables()):
        columns = [c.name for c in table.columns]
        order = list(table.primary_key.columns) or list(table.columns)
        rows = session.execute(select(*table.columns).order_by(*order)).all()
        parts.append(("," if n else "") + f"\n{json.dumps(table.name)}: {{\n")
        parts.append(f'"columns": {json.dumps(columns)},\n"rows": [')
        for i, row in enumerate(rows):
            cells = json.dumps([_cell(v) for v in row], ensure_ascii=False)
            parts.append(("," if i else "") + "\n" + cells)
        parts.append("\n]}")
    parts.append("\n}\n}\n")
    return "".join(parts).encode("utf-8")


def _convert(table: Table, columns: list[str], row: list[Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in zip(columns, row, strict=True):
        column = table.columns[name]
        if value is not None and isinstance(column.type, DateTime):
            value = dt.datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = dt.date.fromisoformat(value)
        values[name] = value
    return values


def _load(path: Path, options: ImportOptions) -> dict[str, Any]:
    text, _ = files.read_text(path, options.limit(), "a goodwill JSON backup", legacy=None)
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ImportFailed(f"{path} is not a goodwill backup: it is not valid JSON") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportFailed(f"{path} is not a goodwill backup (made by 'goodwill export json')")
    if data.get("schema") not in known_revisions():
        raise ImportFailed(
            f"{path} was written by a newer goodwill (schema {data.get('schema')}); "
            "upgrade to restore it"
        )
    if not isinstance(data.get("tables"), dict):
        raise ImportFailed(f"{path} is a damaged goodwill backup: it has no tables")
    return data


def restore(session: Session, path: Path, options: ImportOptions) -> ImportReport:
    """Restore a backup into an empty database (the caller's transaction)."""
    data = _load(path, options)
    known = {t.name: t for t in _tables()}
    unknown = sorted(set(data["tables"]) - set(known))
    if unknown:
        raise ImportFailed(f"{path} has tables this goodwill does not know: {', '.join(unknown)}")
    # Every table the backup fills must be empty: restoring never deletes anything (an
    # organisation or a need in a database without people was silently wiped).
    held = [
        f"{n} {name}"
        for name, block in data["tables"].items()
        if block and (n := session.scalar(select(func.count()).select_from(known[name])) or 0)
    ]
    if held:
        raise ImportFailed(
            "'import json' restores a backup into an empty database, and this one holds "
            f"rows in the tables it would fill ({', '.join(sorted(held))}); use a new --db"
        )
    saved = None if options.dry_run else _copy_sqlite_first(session)
    counts: dict[str, int] = {}
    try:
        for table in _tables():
            block = data["tables"].get(table.name)
            if not block:
                continue
            columns, rows = block["columns"], block["rows"]
            values = [_convert(table, columns, r) for r in rows]
            late = _self_references(table)
            later = [{c: v.pop(c, None) for c in late} for v in values] if late else []
            for i in range(0, len(values), _CHUNK):
                session.execute(insert(table), values[i : i + _CHUNK])
            for v, h in zip(values, later, strict=False):
                if any(x is not None for x in h.values()):
                    pk = {c.name: v[c.name] for c in table.primary_key.columns}
                    cond = [table.columns[k] == x for k, x in pk.items()]
                    # updated_at said again: its onupdate would rewrite it, and the
                    # backup would not come back byte for byte.
                    kept = {c: v[c] for c in ("updated_at",) if c in v}
                    session.execute(update(table).where(*cond).values({**h, **kept}))
            counts[table.name] = len(values)
    except (KeyError, TypeError, ValueError) as exc:
        raise ImportFailed(f"{path} is a damaged goodwill backup: {exc}") from exc
    _reset_sequences(session)
    search_index.rebuild(session)
    return ImportReport(
        format="json",
        path=str(path),
        dry_run=options.dry_run,
        records=counts.get("person", 0),
        created=counts.get("person", 0),
        interactions_created=counts.get("interaction", 0),
        note=(
            f"restored {counts.get('person', 0)} people and {counts.get('interaction', 0)} "
            f"interactions from {path}; the database as it was before is saved as {saved}"
            if saved
            else None
        ),
    )


def _copy_sqlite_first(session: Session) -> Path | None:
    """A private copy of the SQLite file before anything is restored into it."""
    url = session.get_bind().engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    db = Path(url.database)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return copy_sqlite(db, db.with_name(f"{db.name}.before-restore-{stamp}"))


def _self_references(table: Table) -> list[str]:
    """Columns pointing at the same table (merged_into_id...): set after all rows exist."""
    return [c.name for c in table.columns for fk in c.foreign_keys if fk.column.table is table]


def _reset_sequences(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in _tables():
        pk = list(table.primary_key.columns)
        if (
            len(pk) == 1
            and pk[0].autoincrement is not False
            and isinstance(pk[0].type.python_type, type)
        ):
            try:
                if pk[0].type.python_type is not int:
                    continue
            except NotImplementedError:
                continue
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                    f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"
                )
            )
