"""Whole-network figures computed once per version of the data, shared by every request.

- `Versions` turns the data's state into a number that grows with every change seen,
  whoever made it (this app, the command line, an import). On SQLite it is one
  `PRAGMA data_version` on a connection of its own (microseconds); on PostgreSQL, a handful
  of indexed max()/count() reads.
- `Memo` keeps the latest value of each key with the version it was computed at, computes
  a key once however many requests want it at the same time, and may answer from the
  previous version while the new one is computed in the background, by one rule
  (`Versions.may_serve_stale`): only when every change since was a write made through
  this app by *another* browser, less than `STALE_SECONDS` ago. A browser's own writes,
  and changes from outside the app, always show on its next page.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, make_url, select
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from goodwill.db import Store
from goodwill.models import ActionState, Exchange, Interaction, Knows, Person, Request, Setting

T = TypeVar("T")

# How long another browser's write may go unseen while the page is recomputed.
STALE_SECONDS = 2.0
# Writes remembered for that rule (older ones are too old to matter).
WRITES_KEPT = 1000


def data_version(session: Session) -> tuple[Any, ...]:
    """Changes whenever people, interactions, exchanges, requests, action states, knows-edges
    or settings change (ids only grow; edits touch updated_at; counts catch deletions)."""
    return tuple(
        session.execute(
            select(
                select(func.max(Interaction.id)).scalar_subquery(),
                select(func.count()).select_from(Interaction).scalar_subquery(),
                select(func.max(Exchange.id)).scalar_subquery(),
                select(func.max(Person.updated_at)).scalar_subquery(),
                select(func.count()).select_from(Person).scalar_subquery(),
                select(func.count())
                .select_from(Person)
                .where(Person.removed_at.is_not(None))
                .scalar_subquery(),
                select(func.max(Request.id)).scalar_subquery(),
                select(func.count())
                .select_from(Request)
                .where(Request.status == "open")
                .scalar_subquery(),
                select(func.count()).select_from(ActionState).scalar_subquery(),
                select(func.max(ActionState.acted_on)).scalar_subquery(),
                select(func.max(ActionState.until)).scalar_subquery(),
                select(func.max(Knows.id)).scalar_subquery(),
                select(func.count()).select_from(Setting).scalar_subquery(),
            )
        ).one()
    )


def _sqlite_probe(store: Store) -> Callable[[], Hashable] | None:
    """`PRAGMA data_version` on a connection that never writes: it moves whenever any other
    connection (of this process or another) commits."""
    database = make_url(store.url).database if store.is_sqlite else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    conn = sqlite3.connect(database, check_same_thread=False, isolation_level=None)

    def probe() -> Hashable:
        row = conn.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    return probe


def _query_probe(store: Store) -> Callable[[], Hashable]:
    def probe() -> Hashable:
        with store.session() as s:
            return data_version(s)

    return probe


@dataclass(frozen=True)
class _Write:
    browser: str
    at: float


class Versions:
    """The version of the data as a growing number, and which changes this app's own
    writes made (by which browser, when)."""

    def __init__(self, store: Store) -> None:
        self._probe = _sqlite_probe(store) or _query_probe(store)
        self._lock = threading.Lock()  # the SQLite probe's connection is not thread-safe
        self._seen: Hashable = object()
        self._version = 0
        self._writes: OrderedDict[int, _Write] = OrderedDict()

    def current(self) -> int:
        with self._lock:
            seen = self._probe()
            if seen != self._seen:
                self._seen = seen
                self._version += 1
            return self._version

    def wrote(self, browser: str, before: int, after: int) -> None:
        """A write request of `browser` ran between versions `before` and `after`. Only a
        single step is surely its own: anything else may hide a change made elsewhere."""
        if after != before + 1:
            return
        with self._lock:
            self._writes[after] = _Write(browser, time.monotonic())
            while len(self._writes) > WRITES_KEPT:
                self._writes.popitem(last=False)

    def may_serve_stale(self, computed_at: int, now_at: int, browser: str) -> bool:
        """May a value computed at version `computed_at` answer `browser` at `now_at`?"""
        if now_at - computed_at > WRITES_KEPT:
            return False
        with self._lock:
            since = [self._writes.get(v) for v in range(computed_at + 1, now_at + 1)]
        if not since or any(w is None or w.browser == browser for w in since):
            return False
        first = since[0]
        assert first is not None
        return time.monotonic() - first.at <= STALE_SECONDS


@dataclass
class _Entry:
    version: int
    value: Any


class Memo:
    """The latest value of each key (a bounded LRU), computed once per version."""

    def __init__(self, store: Store, versions: Versions, size: int = 64) -> None:
        self.store = store
        self.versions = versions
        self.size = size
        self._items: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._running: dict[Hashable, tuple[int, Future[Any]]] = {}
        self._lock = threading.Lock()
        # One thread recomputes in the background: heavy work never runs twice at once.
        self._background = ThreadPoolExecutor(1, thread_name_prefix="goodwill-memo")

    def get(self, key: Hashable, compute: Callable[[Session], T], browser: str = "") -> T:
        """The value of `key` for the data now (or, by the rule above, just before), computed
        by `compute` in a session of its own when needed."""
        version = self.versions.current()
        with self._lock:
            entry = self._items.get(key)
            if entry is not None:
                self._items.move_to_end(key)
                if entry.version == version:
                    return entry.value  # type: ignore[no-any-return]
            running = self._running.get(key)
            mine = False
            if running is not None and running[0] >= version:
                future = running[1]  # someone is computing it already: wait for theirs
            elif entry is not None and self.versions.may_serve_stale(
                entry.version, version, browser
            ):
                if running is None:
                    self._start(key, compute, version, background=True)
                return entry.value  # type: ignore[no-any-return]
            else:
                future, mine = self._start(key, compute, version, background=False), True
        if mine:
            self._run(key, compute, version, future)
        return future.result()  # type: ignore[no-any-return]

    def _start(
        self, key: Hashable, compute: Callable[[Session], Any], version: int, *, background: bool
    ) -> Future[Any]:
        """Register a computation of `key` at `version` (the caller holds the lock)."""
        future: Future[Any] = Future()
        self._running[key] = (version, future)
        if background:
            self._background.submit(self._run, key, compute, version, future)
        return future

    def _run(
        self, key: Hashable, compute: Callable[[Session], Any], version: int, future: Future[Any]
    ) -> None:
        # The version was read before this session begins: the value is at least that new.
        try:
            with self.store.session() as s:
                value = compute(s)
        except BaseException as exc:
            future.set_exception(exc)
        else:
            with self._lock:
                entry = self._items.get(key)
                if entry is None or entry.version <= version:
                    self._items[key] = _Entry(version, value)
                    self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            future.set_result(value)
        finally:
            with self._lock:
                if self._running.get(key, (None, None))[1] is future:
                    del self._running[key]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def close(self) -> None:
        self._background.shutdown(wait=False, cancel_futures=True)


UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TrackWrites:
    """Notes which version each write request of a browser made, before its answer leaves
    (so the browser's next page, which can only come after, knows to wait for it)."""

    def __init__(self, app: ASGIApp, versions: Versions) -> None:
        self.app = app
        self.versions = versions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in UNSAFE:
            await self.app(scope, receive, send)
            return
        before = self.versions.current()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                browser = str(scope.get("state", {}).get("csrf_seed", ""))
                self.versions.wrote(browser, before, self.versions.current())
            await send(message)

        await self.app(scope, receive, send_wrapper)
