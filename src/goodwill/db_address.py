"""Which database a command works on, and the schema revision the code expects: in a
module of its own, without SQLAlchemy, so that the lean read commands (people_reads) can
find a SQLite file without importing the store."""

from __future__ import annotations

import os
import re
from pathlib import Path

ENV_VAR = "GOODWILL_DB"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def known_revisions() -> list[str]:
    """Revision ids, oldest first: a migration file's id is its numeric prefix (0001_...)."""
    names = os.listdir(MIGRATIONS_DIR / "versions")
    return sorted(m.group(1) for n in names if (m := re.match(r"^(\d{4})_.*\.py$", n)))


def head_revision() -> str:
    return known_revisions()[-1]


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("goodwill", appauthor=False)) / "goodwill.db"


def resolve_url(db: str | None) -> str:
    """A SQLAlchemy URL from --db, then GOODWILL_DB, then the default file."""
    value = db or os.environ.get(ENV_VAR) or str(default_path())
    if "://" in value:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # psycopg 3 is the driver we ship for PostgreSQL.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def sqlite_file(db: str | None) -> Path | None:
    """The SQLite file `resolve_url` names, or None when the address is another database."""
    url = resolve_url(db)
    if not url.startswith("sqlite:///") or "?" in url:
        return None
    path = url[len("sqlite:///") :]
    return Path(path) if path and path != ":memory:" else None
