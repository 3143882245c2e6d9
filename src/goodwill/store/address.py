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
    """The SQLite file named by a plain path (--db, GOODWILL_DB or the default), or None
    for a URL: another database, or a SQLite URL whose options only SQLAlchemy reads."""
    value = db or os.environ.get(ENV_VAR)
    if value is not None and "://" in value:
        return None
    url = resolve_url(db)
    return Path(url[len("sqlite:///") :])
