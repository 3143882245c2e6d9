"""The store: engine, sessions, SQLite pragmas, and schema migrations (Alembic).

`open_store(db)` is the one way in. It resolves the location (argument, GOODWILL_DB, or
the user's data directory), refuses files that are not SQLite and databases written by a
newer goodwill, backs an SQLite file up before migrating it, and applies migrations.
Alembic is imported only when a migration has to run, to keep start-up fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import math
import os
import re
import sqlite3
import tempfile
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import (
    BindParameter,
    Engine,
    Select,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from goodwill.errors import StoreBusy, StoreError
from goodwill.store.address import (  # db's names for them, kept
    ENV_VAR as ENV_VAR,
)
from goodwill.store.address import (
    MIGRATIONS_DIR as MIGRATIONS_DIR,
)
from goodwill.store.address import (
    default_path as default_path,
)
from goodwill.store.address import (
    head_revision as head_revision,
)
from goodwill.store.address import (
    known_revisions as known_revisions,
)
from goodwill.store.address import (
    resolve_url as resolve_url,
)

if TYPE_CHECKING:
    import numpy as np
    from sqlalchemy.sql import Executable

# The database file, its WAL files and its backups: the user's whole network.
PRIVATE_MODE = 0o600
_CREDENTIALS = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


CACHE_DIR_ENV = "GOODWILL_CACHE_DIR"


def cache_folder() -> Path:
    """Where figures kept between commands live (GOODWILL_CACHE_DIR, else the user's
    cache folder): derived files, safe to delete."""
    base = os.environ.get(CACHE_DIR_ENV)
    if base:
        return Path(base)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("goodwill", appauthor=False))


def address(session: Session) -> str:
    """The session's database address (password hidden): what kept figures are keyed by.
    In team mode each member's figures are their own: the member is part of the key."""
    from goodwill.store import policy

    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    viewer = policy.current()
    return url if viewer is None else f"{url}#member={viewer.member_id}"


def cache_file(kind: str, key: str) -> Path:
    """The cache file of figures of `kind` kept for the database at address `key`."""
    return cache_folder() / f"{kind}-{hashlib.sha1(key.encode()).hexdigest()[:16]}.npz"


@dataclass
class Store:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    try:  # the figures' triggers (0016) need exp(): builds without math functions get Python's
        cur.execute("SELECT exp(0)")
    except sqlite3.OperationalError:
        dbapi_conn.create_function("exp", 1, math.exp, deterministic=True)
    cur.close()


def mask(text: str) -> str:
    """`text` with the password of any URL in it replaced by ***."""
    return _CREDENTIALS.sub(r"\1***@", text)


def _make_private(path: Path) -> None:
    """0600 on the database file and its WAL files, when they are ours and wider."""
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            st = p.stat()
            if st.st_uid == os.getuid() and st.st_mode & 0o077:
                p.chmod(PRIVATE_MODE)
        except OSError:
            continue  # missing (no WAL yet) or not ours: leave it


def _sqlite_file(parsed: Any) -> Path | None:
    """The database file an SQLite URL names (a `file:` URI's path too), None in memory."""
    database = parsed.database
    if not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return Path(urllib.parse.unquote(database[len("file:") :].split("?")[0]))
    return Path(database)


def _read_only(path: Path) -> bool:
    """A database file its owner made read-only (chmod 0444), or one we may not write:
    opened for reading only (every read works: readers never write, 0016)."""
    try:
        st = path.stat()
    except OSError:
        return False
    return path.is_file() and (not st.st_mode & 0o200 or not os.access(path, os.W_OK))


def _check_read_only_path(path: Path) -> None:
    if not path.is_file():
        raise StoreError(f"cannot open {path} read-only: there is no database file there")
    if not os.access(path, os.R_OK):
        raise StoreError(f"cannot open {path}: permission denied")
    if _not_sqlite(path):
        raise StoreError(f"{path} is not a goodwill database (it is not an SQLite file)")


def _not_sqlite(path: Path) -> bool:
    """Whether the file at `path` is something other than an SQLite database, asked of
    SQLite itself. Not by reading its first bytes from Python: closing any descriptor of a
    database file drops every POSIX lock this process holds on it, so a connection open
    elsewhere in the process (a server's pool) would lose its lock, and a writer in another
    process, closing, could take itself for the last one and remove the WAL under it."""
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as conn:
            conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB
    return False


def _check_sqlite_path(path: Path) -> None:
    if path.exists():
        if path.is_dir():
            raise StoreError(f"{path} is a directory, not a goodwill database file")
        if _not_sqlite(path):
            raise StoreError(f"{path} is not a goodwill database (it is not an SQLite file)")
        if not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(f"cannot open {path}: permission denied")
        _make_private(path)
        return
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder {parent}: {exc.strerror or exc}") from exc
    # Probe by writing: os.access says yes to root even on a read-only file system.
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        why = "read-only" if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) else "unusable"
        raise StoreError(f"cannot create {path}: the folder {parent} is {why}") from exc
    # Created empty with 0600 (an empty file is a valid SQLite database); SQLite gives
    # the WAL files it creates the database file's mode.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"{mask(url)!r} is not a database path or URL") from exc
    except ValueError as exc:  # a port that is not a number
        raise StoreError(f"{mask(url)!r} is not a database URL: its port is not a number") from exc
    engine = _engine_for(url, parsed)
    event.listen(engine, "handle_error", _busy)
    return engine


def _busy(context: Any) -> None:
    """A write that waited for another writer and gave up: one clear sentence (StoreBusy),
    never the statement or its parameters (personal data)."""
    orig = context.original_exception
    message = str(orig).lower()
    locked = "database is locked" in message or "database table is locked" in message
    sqlstate = getattr(getattr(orig, "diag", None), "sqlstate", None) or getattr(
        orig, "sqlstate", None
    )
    if locked or sqlstate in ("55P03", "40P01"):  # PostgreSQL: lock not available, deadlock
        raise StoreBusy() from None
    if "row-level security" in message:  # a team member's write as another member
        raise StoreError(
            "refused by row-level security: a member may write only their own private rows; "
            "nothing was changed"
        ) from None
    if "readonly database" in message or sqlstate == "42501":  # PostgreSQL: no privilege
        raise StoreError(
            "this database is open read-only (a read-only file, ?mode=ro, or a role allowed "
            "to read only): nothing was changed"
        ) from None


def _engine_for(url: str, parsed: Any) -> Engine:
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = _sqlite_file(parsed)
        if path is not None and (parsed.query.get("mode") == "ro" or _read_only(path)):
            _check_read_only_path(path)
            url = f"sqlite:///file:{urllib.parse.quote(str(path))}?mode=ro&uri=true"
        elif path is not None:
            _check_sqlite_path(path)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        try:
            return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
        except ModuleNotFoundError as exc:
            raise StoreError(
                "PostgreSQL needs the psycopg driver: pip install 'goodwill[postgres]'"
            ) from exc
        except ArgumentError as exc:  # an unknown driver (postgresql+nodriver://)
            raise StoreError(f"{mask(url)!r} names a PostgreSQL driver goodwill lacks") from exc
    raise StoreError(f"goodwill stores data in SQLite or PostgreSQL, not {backend!r}")


def _describe(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(_sqlite_file(parsed) or parsed.database)
    return parsed.render_as_string(hide_password=True)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return str(row[0]) if row else None


def backup_sqlite(path: Path, revision: str | None) -> Path:
    """Copy the database (consistently, through SQLite's backup API) before a migration."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.bak-{revision or 'none'}-{stamp}")
    return copy_sqlite(path, target)


def copy_sqlite(path: Path, target: Path) -> Path:
    """A consistent copy of an SQLite database (SQLite's backup API), private (0600)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))
    src = sqlite3.connect(str(path))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def migrate(engine: Engine, url: str) -> None:
    """Bring the schema to the head revision (backing an SQLite file up first)."""
    current = current_revision(engine)
    known = known_revisions()
    if current == known[-1]:
        return
    if engine.url.query.get("mode") == "ro":
        raise StoreError(
            f"{_describe(url)} is read-only and its schema ({current or 'none'}) is older than "
            f"this goodwill's ({known[-1]}): open it once with write access to update it"
        )
    if current is not None and current not in known:
        raise StoreError(
            f"{_describe(url)} was written by a newer goodwill (schema {current}); "
            "upgrade goodwill to open it"
        )
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and current is not None and parsed.database:
        backup_sqlite(Path(parsed.database), current)
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # pysqlite's legacy transaction mode runs DDL outside any transaction: a migration
    # that failed halfway left half its tables. An engine of its own that says BEGIN
    # itself makes the whole upgrade one transaction (SQLite's DDL is transactional).
    run_on = _explicit_begin(url) if parsed.get_backend_name() == "sqlite" else engine
    try:
        with run_on.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except StoreError:
        raise
    except Exception as exc:  # rolled back as one transaction: say so, in one sentence
        cause = mask(str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else "")
        raise StoreError(
            f"updating {_describe(url)} to schema {known[-1]} failed ({type(exc).__name__}: "
            f"{cause}); the database was left as it was"
        ) from exc
    finally:
        if run_on is not engine:
            run_on.dispose()


def _explicit_begin(url: str) -> Engine:
    """An SQLite engine whose transactions are real ones, DDL included."""
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_conn, record)
        dbapi_conn.isolation_level = None  # the driver stops opening transactions itself

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    event.listen(engine, "handle_error", _busy)
    return engine


def open_store(db: str | None = None, *, migrate_schema: bool = True) -> Store:
    """Open (and create or migrate) the database named by `db`, GOODWILL_DB or the default."""
    url = resolve_url(db)
    engine = _make_engine(url)
    try:
        if migrate_schema:
            migrate(engine, url)
        else:
            with engine.connect():
                pass
    except StoreError:
        engine.dispose()
        raise
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        raise StoreError(_connect_error(url, exc)) from exc
    return Store(url=url, engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


def _connect_error(url: str, exc: Exception) -> str:
    where = _describe(url)
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
    password = make_url(url).password
    detail = mask(detail.replace(str(password), "***") if password else detail)
    if make_url(url).get_backend_name() == "postgresql":
        return f"cannot connect to the PostgreSQL database {where}: {detail}"
    if "file is not a database" in detail or "malformed" in detail:
        return f"{where} is not a goodwill database (the file is damaged or not SQLite)"
    if "readonly" in detail or "read-only" in detail:
        return f"cannot write to {where}: the file or its folder is read-only"
    return f"cannot open {where}: {detail}"


def reset_sequences(session: Session, models: Sequence[type[Any]]) -> None:
    """PostgreSQL: move id sequences past ids written explicitly by bulk inserts."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__table__
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )


def bulk_insert(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """Plain multi-row inserts through Core, in chunks. The ORM's bulk path costs more per
    row and splits rows by which values are None, turning one statement into thousands."""
    table = model.__table__
    connection = session.connection()
    for start in range(0, len(rows), 5000):
        connection.execute(table.insert(), list(rows[start : start + 5000]))


# The people a prebuilt statement is narrowed to (an expanding parameter: one statement
# whatever their number). Statements of common reads are built once, at import or on first
# use: building a statement and its cache key costs SQLAlchemy more than SQLite takes to
# run a small one.
IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
# A statement or result of any columns (SQLAlchemy types them by their columns).
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


class Rows:
    """A read's rows, as tuples with SQLAlchemy's types (dates as dates, booleans as
    booleans): what `run_read` gives, iterated or taken whole."""

    def __init__(self, rows: Sequence[Any]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return list(self._rows)

    def scalars(self) -> list[Any]:
        """The first column."""
        return [r[0] for r in self._rows]


def run_read(session: Session, stmt: Executable, params: Mapping[str, Any] | None = None) -> Rows:
    """Run a prebuilt read on the session's connection: the session's pending changes are
    written first (a connection does not autoflush), and the ORM's own layer, which costs
    more than a small query, is skipped."""
    session.flush()
    return Rows(session.connection().execute(stmt, params).all())


def raw_rows(
    session: Session, stmt: Executable, params: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """A query's rows as the driver returns them, without building a Row object per row
    (half the cost at 50,000 rows). No result processing happens: for numbers and text,
    not for dates or booleans stored as text or integers."""
    result = session.connection().execute(stmt, params)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def number_matrix(
    session: Session, stmt: Executable, width: int, params: Mapping[str, Any] | None = None
) -> np.ndarray:
    """A query's numeric rows as a float matrix (None becomes NaN), via `raw_rows`."""
    import numpy as np  # deferred: every command opens the store, few need numpy

    return np.array(raw_rows(session, stmt, params), dtype=np.float64).reshape(-1, width)
