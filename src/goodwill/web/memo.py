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
- After a write through this app, the heavy figures pages asked for lately are recomputed
  at once (`Memo.refresh_ahead`), not when the next page asks: the writer's next Today or
  map is usually ready by the time it is requested instead of waiting for the whole run.
  Only those a page has read since they were last computed: under a stream of writes, a
  figure nobody looks at is not recomputed after each of them.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import sqlite3
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from sqlalchemy import make_url
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from goodwill.store import changes
from goodwill.store.db import Store, open_store

T = TypeVar("T")
log = logging.getLogger("goodwill.web")

# How long another browser's write may go unseen while the page is recomputed.
STALE_SECONDS = 2.0
# Writes remembered for that rule (older ones are too old to matter).
WRITES_KEPT = 1000
# After a write, heavy figures a page asked for within this many seconds are recomputed
# straight away (the others wait for a page to ask: nobody may be looking at them).
REFRESH_AHEAD_SECONDS = 120.0


@dataclass(frozen=True)
class _Probe:
    seen: Callable[[], Hashable]  # moves with every change the change log records
    close: Callable[[], None]


# The change log's latest number (migration 0015: triggers on every table a figure reads,
# whoever writes). On SQLite numbers follow commits: the latest one is the version.
_LATEST_SQL = "SELECT MAX(seq) FROM person_change"


def _sqlite_probe(store: Store) -> _Probe | None:
    """The change log read on a connection of its own (an indexed max(), microseconds)."""
    database = make_url(store.url).database if store.is_sqlite else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    conn = sqlite3.connect(database, check_same_thread=False, isolation_level=None)

    def seen() -> Hashable:
        row = conn.execute(_LATEST_SQL).fetchone()
        return int(row[0] or 0)

    return _Probe(seen, conn.close)


def _query_probe(store: Store) -> _Probe:
    """On PostgreSQL a transaction running at the last look may commit a smaller number
    later: the version moves whenever the change log has anything since the last look."""
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


@dataclass(frozen=True)
class _Write:
    browsers: frozenset[str]  # whose write requests were running when it was seen
    at: float


class Versions:
    """The version of the data (the change log's) as a growing number, and which changes
    this app's own writes made (by which browser, when).

    A change seen while write requests of this app are running is theirs: it is recorded
    as made by those browsers (several, when their writes overlap). A change seen while
    none is running was made elsewhere (the command line, an import) and is never served
    stale.
    """

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock  # when writes were seen (tests stop it)
        self._probe = _sqlite_probe(store) or _query_probe(store)
        self._lock = threading.Lock()  # the SQLite probe's connection is not thread-safe
        self._seen: Hashable = object()
        self._version = 0
        self._writes: OrderedDict[int, _Write] = OrderedDict()
        self._writing: Counter[str] = Counter()  # browsers with a write request running

    def current(self) -> int:
        with self._lock:
            seen = self._probe.seen()
            if seen != self._seen:
                self._seen = seen
                self._version += 1
                if self._writing:
                    self._record(self._version, frozenset(self._writing))
            return self._version

    def begin_write(self, browser: str) -> int:
        """A write request of `browser` starts: the version before it (anything not yet
        seen counts as made elsewhere), then its changes are seen as its own."""
        version = self.current()
        with self._lock:
            self._writing[browser] += 1
        return version

    def end_write(self, browser: str) -> int:
        """It is done (its answer is about to leave): the version with its changes."""
        version = self.current()
        with self._lock:
            self._writing[browser] -= 1
            if self._writing[browser] <= 0:
                del self._writing[browser]
        return version

    def _record(self, version: int, browsers: frozenset[str]) -> None:
        self._writes[version] = _Write(browsers, self.clock())
        while len(self._writes) > WRITES_KEPT:
            self._writes.popitem(last=False)

    def close(self) -> None:
        with self._lock:
            self._probe.close()

    def wrote(self, browser: str, before: int, after: int) -> None:
        """A write request of `browser` ran between versions `before` and `after`. Only a
        single step is surely its own: anything else may hide a change made elsewhere."""
        if after != before + 1:
            return
        with self._lock:
            self._record(after, frozenset({browser}))

    def may_serve_stale(self, computed_at: int, now_at: int, browser: str) -> bool:
        """May a value computed at version `computed_at` answer `browser` at `now_at`?"""
        if now_at - computed_at > WRITES_KEPT:
            return False
        with self._lock:
            since = [self._writes.get(v) for v in range(computed_at + 1, now_at + 1)]
        if not since or any(w is None or browser in w.browsers for w in since):
            return False
        first = since[0]
        assert first is not None
        return self.clock() - first.at <= STALE_SECONDS


@dataclass
class _Entry:
    version: int
    value: Any
    compute: Callable[[Session], Any] | None = None  # set for heavy figures (refresh-ahead)
    used: float = field(default_factory=time.monotonic)  # when a page last asked for it
    read: bool = True  # a page has had this value (not only a run ahead of any page)


# The compute process's own store (one per process: spawned, it shares nothing).
_PROCESS_STORE: Store | None = None


def _open_process_store(url: str) -> None:
    global _PROCESS_STORE
    _PROCESS_STORE = open_store(url, migrate_schema=False)


def _in_process(compute: Callable[[Session], T]) -> T:
    assert _PROCESS_STORE is not None
    with _PROCESS_STORE.session() as s:
        return compute(s)


def _ready() -> bool:
    return True


class ComputeProcess:
    """One process of its own for whole-network computations: they run on the other core
    instead of holding the server's GIL while its pages wait. Computations are picklable:
    module-level functions, or functools.partial of them, called with a session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool = self._new_pool()
        self._lock = threading.Lock()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_open_process_store,
            initargs=(self.url,),
        )

    def start(self) -> None:
        """Start the process now (imports and a connection), not on the first page."""
        self._pool.submit(_ready).result()

    def submit(self, compute: Callable[[Session], Any]) -> Future[Any]:
        with self._lock:
            try:
                return self._pool.submit(_in_process, compute)
            except BrokenProcessPool:  # it died (killed, out of memory): start another
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                return self._pool.submit(_in_process, compute)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class _Job:
    compute: Callable[[Session], Any]
    heavy: bool = False
    waited: bool = False  # a page waits for its value
    future: Future[Any] = field(default_factory=Future)
    version: int = -1  # read when it starts, just before its session: the value is that new


class Memo:
    """The latest value of each key (a bounded LRU), computed once per version.

    Computations queue for one thread of their own (which hands them to the compute
    process when there is one), at most one waiting per key: however many requests and
    writes arrive meanwhile, the next run covers them all. A light value needed now is
    computed in the request's own thread instead.
    """

    def __init__(
        self,
        store: Store,
        versions: Versions,
        process: ComputeProcess | None = None,
        size: int = 64,
    ) -> None:
        self.store = store
        self.versions = versions
        self.process = process
        self.size = size
        self._items: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._running: dict[Hashable, _Job] = {}
        self._queued: OrderedDict[Hashable, _Job] = OrderedDict()
        self._took: dict[Hashable, float] = {}  # seconds a run of each kind of figure took
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self._thread: threading.Thread | None = None  # started with the first computation

    def get(
        self,
        key: Hashable,
        compute: Callable[[Session], T],
        browser: str = "",
        *,
        heavy: bool = False,
    ) -> T:
        """The value of `key` for the data now (or, by the rule above, just before), computed
        by `compute` in a session of its own when needed."""
        version, found, job = self._lookup(key, compute, browser, heavy)
        if found:
            return found[0]  # type: ignore[no-any-return]
        if job is not None:
            return job.future.result()  # type: ignore[no-any-return]
        return self._compute_now(key, compute, version)

    async def aget(
        self,
        key: Hashable,
        compute: Callable[[Session], T],
        browser: str = "",
        *,
        heavy: bool = False,
    ) -> T:
        """`get` for a page running on the event loop: waiting for a heavy figure holds no
        worker thread (those stay free for the pages that compute), and a light figure is
        computed in a worker thread."""
        version, found, job = self._lookup(key, compute, browser, heavy)
        if found:
            return found[0]  # type: ignore[no-any-return]
        if job is not None:
            # Shielded: a page given up (its browser gone) must not cancel the shared run.
            return await asyncio.shield(asyncio.wrap_future(job.future))  # type: ignore[no-any-return]
        return await anyio.to_thread.run_sync(self._compute_now, key, compute, version)

    def _compute_now(self, key: Hashable, compute: Callable[[Session], T], version: int) -> T:
        with self.store.session() as s:
            value = compute(s)
        self._keep(key, version, value)
        return value

    def _lookup(
        self, key: Hashable, compute: Callable[[Session], Any], browser: str, heavy: bool
    ) -> tuple[int, tuple[Any] | tuple[()], _Job | None]:
        """(the version now, (the value,) if it may be shown now, else the run to wait for,
        or None: compute it here)."""
        version = self.versions.current()
        with self._lock:
            entry = self._items.get(key)
            if entry is not None:
                self._items.move_to_end(key)
                entry.used = time.monotonic()
                if heavy:
                    entry.compute = compute
                if entry.version == version:
                    entry.read = True
                    return version, (entry.value,), None
                if self.versions.may_serve_stale(entry.version, version, browser):
                    entry.read = True
                    self._refresh(key, compute, version)
                    return version, (entry.value,), None
            running = self._running.get(key)
            job: _Job | None
            if running is not None and running.version >= version:
                job = running
            elif heavy:
                job = self._refresh(key, compute, version, heavy=True)
                if key in self._queued:  # a page waits for it: before background refreshes
                    self._queued.move_to_end(key, last=False)
            else:
                job = None
            if job is not None:
                job.waited = True
        return version, (), job

    def refresh_ahead(self, version: int | None = None) -> int:
        """Queue a recomputation of every heavy figure a page asked for lately (called after
        a write through this app changed the data); how many were queued. Cheap: the runs
        happen on the memo's thread (in the compute process when there is one), one per
        figure however many writes arrive meanwhile."""
        if version is None:
            version = self.versions.current()
        since = time.monotonic() - REFRESH_AHEAD_SECONDS
        queued = 0
        with self._lock:
            if self._closed:
                return 0
            for key, entry in self._items.items():
                if (
                    entry.compute is not None
                    and entry.version < version
                    and entry.used >= since
                    and entry.read
                ):
                    self._refresh(key, entry.compute, version, heavy=True)
                    queued += 1
        return queued

    def _refresh(
        self,
        key: Hashable,
        compute: Callable[[Session], Any],
        version: int,
        *,
        heavy: bool = False,
    ) -> _Job:
        """The run that will give `key` at `version` or later (the caller holds the lock)."""
        running = self._running.get(key)
        if running is not None and running.version >= version:
            return running
        job = self._queued.get(key)
        if job is None:
            job = self._queued[key] = _Job(compute, heavy=heavy)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="goodwill-memo", daemon=True
                )
                self._thread.start()
            self._wake.notify()
        return job

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queued and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                key, job = self._next_job()
                job.version = self.versions.current()
                self._running[key] = job
            started = time.monotonic()
            try:
                value = self._call(job.compute)
            except BaseException as exc:  # the waiting requests show it as a friendly error
                self._forget(key, job)
                job.future.set_exception(exc)
            else:
                self._timed(key, time.monotonic() - started)
                compute = job.compute if job.heavy else None
                self._keep(key, job.version, value, compute, read=job.waited)
                self._forget(key, job)
                job.future.set_result(value)

    def _next_job(self) -> tuple[Hashable, _Job]:
        """The next run (the caller holds the lock): of those a page waits for, the
        quickest (the map before the daily session: most pages wait less), else the
        oldest background refresh."""
        waited = [key for key, job in self._queued.items() if job.waited]
        if not waited:
            return self._queued.popitem(last=False)
        # A kind never run yet counts as quick: it is timed by that first run.
        key = min(waited, key=lambda k: self._took.get(_kind(k), 0.0))
        return key, self._queued.pop(key)

    def _timed(self, key: Hashable, seconds: float) -> None:
        with self._lock:
            before = self._took.get(_kind(key))
            self._took[_kind(key)] = seconds if before is None else (before + seconds) / 2

    def _call(self, compute: Callable[[Session], T]) -> T:
        if self.process is not None:
            return self.process.submit(compute).result()  # type: ignore[no-any-return]
        with self.store.session() as s:
            return compute(s)

    def _keep(
        self,
        key: Hashable,
        version: int,
        value: Any,
        compute: Callable[[Session], Any] | None = None,
        *,
        read: bool = True,
    ) -> None:
        with self._lock:
            entry = self._items.get(key)
            if entry is None or entry.version <= version:
                new = _Entry(version, value, compute or (entry.compute if entry else None))
                new.read = read
                if entry is not None:
                    new.used = entry.used  # a background run is not a page asking
                self._items[key] = new
                self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def _forget(self, key: Hashable, job: _Job) -> None:
        with self._lock:
            if self._running.get(key) is job:
                del self._running[key]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def close(self) -> None:
        self.versions.close()
        with self._lock:
            self._closed = True
            for job in self._queued.values():
                job.future.cancel()  # its requests get the friendly error page
            self._queued.clear()
            self._wake.notify_all()
        if self.process is not None:
            self.process.close()


def _kind(key: Hashable) -> Hashable:
    """What a key is a figure of (its first part: "today", "map"...), whatever its period."""
    return key[0] if isinstance(key, tuple) and key else key


@dataclass
class _Concerned:
    """When each person's values last changed, by one rule of which kinds of change (the
    change log's) concern them."""

    people: dict[int, int] = field(default_factory=dict)  # person -> version of the change
    everyone: int = 0  # version of the latest change that concerned everyone

    def note(self, people: frozenset[int], version: int) -> None:
        if changes.EVERYONE in people:
            self.everyone = max(self.everyone, version)
            self.people = {p: v for p, v in self.people.items() if v > self.everyone}
            return
        for pid in people:
            self.people[pid] = max(self.people.get(pid, 0), version)


# Which kinds of change (the change log's, `goodwill.store.changes`) concern a person's
# figures (strength, balance, cadence health, flags: their history, person row, roles,
# tags, knows-edges, and settings, anyone's presence or a changed edge for everyone) and
# a person's row in a list (their person row, emails, phones, tags, roles, last contact,
# and the names of organisations and tags).
FIGURE_KINDS = ("history", "identity", "knows", "settings", "presence", "edges")
ROW_KINDS = ("history", "identity", "details", "settings", "presence", "names")


class PerPerson:
    """Figures kept per person (the list's badges, its rows) across changes of the data
    that do not concern them: the change log says whom each change concerns, whoever made
    it (this app, the command line, an import, plain SQL), and only they compute again.
    Figures follow `FIGURE_KINDS`; rows (`rows=True`), `ROW_KINDS`.

    Values are grouped under a key `(what, period)`: what they are, and the period they
    are for (the hour for the badges, the day for who is due); the keys used last are
    kept. A value is served when it was computed at or after the latest change concerning
    its person, so never from before a change this app has seen.

    With a `runner` (the compute process), a key's first request also starts computing
    everyone's values at once (`whole`: one scan instead of a page at a time). Until they
    arrive, people missing are served the previous period's values when those are still
    valid, else computed for them only.
    """

    KEYS_KEPT = 4

    def __init__(
        self,
        store: Store,
        versions: Versions,
        runner: Callable[[Callable[[Session], Any]], Future[Any]] | None = None,
    ) -> None:
        self.store = store
        self.versions = versions
        self.runner = runner
        self._lock = threading.Lock()
        self._books: OrderedDict[Hashable, dict[int, tuple[int, Any]]] = OrderedDict()
        self._filling: set[Hashable] = set()  # keys whose whole-network run is on its way
        self._figures = _Concerned()
        self._rows = _Concerned()
        self._mark: changes.Mark | None = None  # the change log as last read
        self._looked = -1  # the version it was read at

    def _catch_up(self) -> int:
        """Note whom the changes since the last look concern; the version now."""
        version = self.versions.current()
        with self._lock:
            if version == self._looked:
                return version
            mark = self._mark
        with self.store.session() as s:
            news = changes.since(s, mark) if mark is not None else None
            now = news.mark if news is not None else changes.mark(s)
        # Noted at a version read after the log: a change landing while it was read is
        # then newer than every value computed before it.
        after = self.versions.current()
        with self._lock:
            if self._mark is not None and self._mark != mark:
                return version  # another thread got further meanwhile
            everyone = frozenset({changes.EVERYONE})
            self._figures.note(news.of(*FIGURE_KINDS) if news else everyone, after)
            self._rows.note(news.of(*ROW_KINDS) if news else everyone, after)
            self._mark, self._looked = now, version
        return version

    def get(
        self,
        key: Hashable,
        ids: Sequence[int],
        compute: Callable[[Session, list[int]], Mapping[int, T]],
        whole: Callable[[Session], Mapping[int, T]] | None = None,
        *,
        rows: bool = False,
    ) -> dict[int, T]:
        """The values of `ids` under `key`: those kept, and the others computed by
        `compute` (in one session, for them only) and kept."""
        version = self._catch_up()
        out: dict[int, T] = {}
        missing: list[int] = []
        fill = False
        with self._lock:
            rule = self._rows if rows else self._figures
            floor = rule.everyone
            book = self._books.get(key)
            if book is None:
                book = self._open(key)
                fill = whole is not None and self.runner is not None
                if fill:
                    self._filling.add(key)
            else:
                self._books.move_to_end(key)
            earlier = self._earlier(key) if key in self._filling else None
            # Up to 10,000 people a request (the due list): the loop kept lean.
            changed, find = rule.people, book.get
            for pid in ids:
                kept = find(pid)
                if kept is None and earlier is not None:
                    kept = earlier.get(pid)
                if kept is not None and kept[0] >= floor and kept[0] >= changed.get(pid, 0):
                    out[pid] = kept[1]
                else:
                    missing.append(pid)
        if fill:
            assert whole is not None
            self._fill(key, whole, version)
        if not missing:
            return out
        with self.store.session() as s:
            found = compute(s, missing)
        with self._lock:
            book = self._books.get(key) or self._open(key)
            for pid in missing:
                if pid in found:
                    out[pid] = found[pid]
                    book[pid] = (version, found[pid])
        return out

    def _open(self, key: Hashable) -> dict[int, tuple[int, Any]]:
        """A new book for `key` (the caller holds the lock)."""
        book: dict[int, tuple[int, Any]] = {}
        self._books[key] = book
        while len(self._books) > self.KEYS_KEPT:
            gone, _ = self._books.popitem(last=False)
            self._filling.discard(gone)
        return book

    def _earlier(self, key: Hashable) -> dict[int, tuple[int, Any]] | None:
        """The newest other book of the same figures (`_kind`: another period), if any."""
        for other in reversed(self._books):
            if other != key and _kind(other) == _kind(key):
                return self._books[other]
        return None

    def _fill(
        self, key: Hashable, whole: Callable[[Session], Mapping[int, T]], version: int
    ) -> None:
        """Compute everyone's values under `key` in the background (without the lock: a
        run already done calls back at once). The run reads the data after `version` was
        seen: its values count as of it."""
        assert self.runner is not None
        try:
            future = self.runner(whole)
        except Exception:  # the compute process cannot take it: a page at a time, then
            log.warning("could not compute the kept figures for everyone", exc_info=True)
            with self._lock:
                self._filling.discard(key)
            return
        future.add_done_callback(lambda done: self._filled(key, version, done))

    def _filled(self, key: Hashable, version: int, done: Future[Any]) -> None:
        values: Mapping[int, Any] | None = None
        if not done.cancelled():
            if done.exception() is not None:
                log.warning("computing the kept figures for everyone failed: %s", done.exception())
            else:
                values = done.result()
        with self._lock:
            self._filling.discard(key)
            book = self._books.get(key)
            if book is None or values is None:
                return
            for pid, value in values.items():
                kept = book.get(pid)
                if kept is None or kept[0] < version:
                    book[pid] = (version, value)
        freeze_survivors()

    def clear(self) -> None:
        with self._lock:
            self._books.clear()
            self._filling.clear()


def freeze_survivors() -> None:
    """Take every object alive now out of the cycle collector's sight (`gc.freeze`): the
    app's modules at start-up, everyone's kept values after a fill. Python's full
    collections otherwise walked all of them, 80-170 ms each holding the GIL, six times in
    a 20-second load test: every page in flight waited. Frozen objects are still freed
    when nothing refers to them (a replaced value); only a cycle among them would stay."""
    gc.freeze()


UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TrackWrites:
    """Notes which version each write request of a browser made, before its answer leaves
    (so the browser's next page, which can only come after, knows to wait for it), and
    starts recomputing the heavy figures in use when the data changed.

    The contact summary is kept by triggers in the write's own transaction (0016): a
    write's answer leaves with every derived row already committed, and pages never write.
    """

    def __init__(self, app: ASGIApp, memo: Memo) -> None:
        self.app = app
        self.memo = memo
        self.versions = memo.versions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in UNSAFE:
            await self.app(scope, receive, send)
            return
        # On SQLite a pragma (microseconds); on PostgreSQL a quick indexed query, writes only.
        browser = str(scope.get("state", {}).get("csrf_seed", ""))
        before = self.versions.begin_write(browser)
        ended = False

        async def send_wrapper(message: Message) -> None:
            nonlocal ended
            if message["type"] == "http.response.start" and not ended:
                ended = True
                after = self.versions.end_write(browser)
                if after != before:
                    self.memo.refresh_ahead(after)
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if not ended:  # no answer (the browser went away): it is done all the same
                self.versions.end_write(browser)
