"""Whole-network figures (Today, the map, the report) computed once per version of the
data (`web/versions.py`), shared by every request.

A value is shown only at the version it was computed at: after any write, by this browser,
another one or another program, the next page computes it again (a patch of what
`goodwill.store.kept` keeps, tens of milliseconds at 10,000 people). Requests asking for a
key while it is computed wait for that run instead of starting their own.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy.orm import Session

from goodwill.store.db import Store
from goodwill.web.versions import Versions

T = TypeVar("T")


class Memo:
    """The latest value of each key (a bounded LRU), computed once per version."""

    def __init__(self, store: Store, versions: Versions, size: int = 64) -> None:
        self.store = store
        self.versions = versions
        self.size = size
        self._items: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._running: dict[Hashable, tuple[int, Future[Any]]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[Session], T]) -> T:
        """The value of `key` for the data now, computed by `compute` in a session of its
        own when needed (or the run already computing it awaited)."""
        version, found, run, mine = self._lookup(key)
        if found:
            return found[0]  # type: ignore[no-any-return]
        if run is not None:
            return run.result()  # type: ignore[no-any-return]
        return self._run(key, compute, version, mine)

    async def aget(self, key: Hashable, compute: Callable[[Session], T]) -> T:
        """`get` for a page on the event loop: waiting for another request's run holds no
        worker thread; a run of its own goes to one."""
        version, found, run, mine = self._lookup(key)
        if found:
            return found[0]  # type: ignore[no-any-return]
        if run is not None:
            # Shielded: a page given up (its browser gone) must not cancel the shared run.
            return await asyncio.shield(asyncio.wrap_future(run))  # type: ignore[no-any-return]
        return await anyio.to_thread.run_sync(self._run, key, compute, version, mine)

    def _lookup(
        self, key: Hashable
    ) -> tuple[int, tuple[Any, ...], Future[Any] | None, Future[Any]]:
        """(the version now, (the value,) if kept for it, else the run to wait for, or None
        and this caller's own run, registered for others to wait for: compute it)."""
        version = self.versions.current()  # before computing: a write meanwhile recomputes
        mine: Future[Any] = Future()
        with self._lock:
            kept = self._items.get(key)
            if kept is not None and kept[0] == version:
                self._items.move_to_end(key)
                return version, (kept[1],), None, mine
            running = self._running.get(key)
            if running is not None and running[0] >= version:
                return version, (), running[1], mine
            self._running[key] = (version, mine)
        return version, (), None, mine

    def _run(
        self, key: Hashable, compute: Callable[[Session], T], version: int, future: Future[Any]
    ) -> T:
        try:
            with self.store.session() as s:
                value = compute(s)
        except BaseException as exc:  # its waiting requests show it as a friendly error
            self._done(key, future)
            future.set_exception(exc)
            raise
        with self._lock:
            kept = self._items.get(key)
            if kept is None or kept[0] <= version:
                self._items[key] = (version, value)
                self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        self._done(key, future)
        future.set_result(value)
        return value

    def _done(self, key: Hashable, future: Future[Any]) -> None:
        with self._lock:
            if key in self._running and self._running[key][1] is future:
                del self._running[key]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def close(self) -> None:
        self.versions.close()
