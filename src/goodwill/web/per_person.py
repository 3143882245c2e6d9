"""Figures kept per person (the people list's badges and rows, who is due) across changes
of the data that do not concern them: the change log (`goodwill.store.changes`) says whom
each change concerns, whoever made it (this app, the command line, an import, plain SQL),
and only they are computed again."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from goodwill.store import changes
from goodwill.store.db import Store
from goodwill.web.versions import Versions

T = TypeVar("T")
log = logging.getLogger("goodwill.web")


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

    With a `runner` (a thread of the app's own), a key's first request also starts
    computing everyone's values at once (`whole`: one scan instead of a page at a time,
    so that the list's later pages need not compute theirs). Until they
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

    def close(self) -> None:
        """End the fill thread, if this book has one (after the fill under way)."""
        close = getattr(self.runner, "close", None)
        if close is not None:
            close()

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

    def clear(self) -> None:
        with self._lock:
            self._books.clear()
            self._filling.clear()


def _kind(key: Hashable) -> Hashable:
    """What a key is a figure of (its first part: "badges", "rows"...), whatever its period."""
    return key[0] if isinstance(key, tuple) and key else key


class FillThread:
    """A runner of whole-network fills: one thread of its own, one fill at a time, each in
    a session of its own. Closed with the app: a fill still reading when the database goes
    (a server stopping, a test dropping its schema) would hold its tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.name = f"goodwill-fill-{id(self):x}"
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=self.name)

    def __call__(self, compute: Callable[[Session], Any]) -> Future[Any]:
        return self._pool.submit(self._run, compute)

    def _run(self, compute: Callable[[Session], Any]) -> Any:
        with self.store.session() as s:
            return compute(s)

    def close(self) -> None:
        """Wait for the fill under way, drop those not started, end the thread."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def in_thread(store: Store) -> FillThread:
    return FillThread(store)
