"""The database chosen by --db / GOODWILL_DB, opened once per command, lazily."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from goodwill.store.db import Store

_db: str | None = None
_store: Store | None = None


def set_db(value: str | None) -> None:
    global _db, _store
    _db, _store = value, None


def address() -> str | None:
    """What --db / GOODWILL_DB said (None: the default file)."""
    return _db


def store() -> Store:
    global _store
    if _store is None:
        from goodwill.store.db import open_store

        _store = open_store(_db)
    return _store


@contextmanager
def session() -> Iterator[Session]:
    """One transaction per command: all of it is written, or none of it."""
    with store().session() as s:
        yield s


def close() -> None:
    global _store
    if _store is not None:
        _store.dispose()
        _store = None
