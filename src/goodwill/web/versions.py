"""The version of the data: a number that grows with every change the change log records
(`goodwill.store.changes`: kept by triggers, whoever writes: this app, the command line,
an import, another process, plain SQL).

On SQLite it is the change log's latest number read on a connection of its own (an
indexed max(), microseconds); on PostgreSQL, where a transaction running at one look may
commit a smaller number later, it moves whenever the change log has anything since the
last look.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from sqlalchemy import make_url

from goodwill.store import changes
from goodwill.store.db import Store


@dataclass(frozen=True)
class _Probe:
    seen: Callable[[], Hashable]  # moves with every change the change log records
    close: Callable[[], None]


_LATEST_SQL = "SELECT MAX(seq) FROM person_change"


def _sqlite_probe(store: Store) -> _Probe | None:
    database = make_url(store.url).database if store.is_sqlite else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    conn = sqlite3.connect(database, check_same_thread=False, isolation_level=None)

    def seen() -> Hashable:
        row = conn.execute(_LATEST_SQL).fetchone()
        return int(row[0] or 0)

    return _Probe(seen, conn.close)


def _query_probe(store: Store) -> _Probe:
    last: list[changes.Mark] = []
    looks = [0]

    def seen() -> Hashable:
        with store.session() as s:
            if not last:
                last.append(changes.mark(s))
            else:
                news = changes.since(s, last[0])
                if news.any or news.mark != last[0]:
                    last[0] = news.mark
                    if news.any:
                        looks[0] += 1
        return looks[0]

    return _Probe(seen, lambda: None)


class Versions:
    """The version of the data now, as a number that grows with every change seen."""

    def __init__(self, store: Store) -> None:
        self._probe = _sqlite_probe(store) or _query_probe(store)
        self._lock = threading.Lock()  # the SQLite probe's connection is not thread-safe
        self._seen: Hashable = object()
        self._version = 0

    def current(self) -> int:
        with self._lock:
            seen = self._probe.seen()
            if seen != self._seen:
                self._seen = seen
                self._version += 1
            return self._version

    def close(self) -> None:
        with self._lock:
            self._probe.close()
