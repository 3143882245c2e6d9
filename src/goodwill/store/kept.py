"""What is kept between calls, in one place, driven by the change log.

A kept value is stored with the change log's mark (`changes.Mark`) taken before it was
computed, under a name and a key (an hour, a day...) for one database (its address, and
which database is there). On the next call the change log says who changed since:

- `whole(...)`: nothing of the listed kinds changed and the key is the same: the value as
  kept; else `patch(value, its key, the changes)` brings it up to date when given (and
  can: it returns None to have it computed afresh), or it is computed again, whole;
- `per_person(...)`: a value per person; when only people's own kinds (`touched`, such
  as their history) changed, only those people are computed again and patched in; a
  change of any `everyone` kind (who is present, knows-edges, settings) recomputes all.

Another database at the same address or a log behind the mark computes afresh. Whoever
wrote (this process, another one, plain SQL) is seen the same way, since the change log
is kept by database triggers. A value given a `Stored` is also written to the cache folder
(`store/cachefile.py`) for the next process: when it first moves, then at most every
`SAVE_EVERY` seconds while it keeps moving (the web app patches after each write). A file
behind the data is still right: it carries its own mark and is patched from there.
`forget()` drops what this process keeps (a new process starts so).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
from sqlalchemy.orm import Session

from goodwill.store import cachefile, changes
from goodwill.store.db import address

T = TypeVar("T")
Arrays = dict[str, np.ndarray]

SAVE_EVERY = 30.0
clock: Callable[[], float] = time.monotonic  # when files were written (tests set it)


@dataclass(frozen=True)
class Stored(Generic[T]):
    """How a kept value is written to the cache folder: `kind` names its file; `encode`
    gives the value's JSON part and arrays (None: not worth a file, a small network);
    `decode` makes the value again from them."""

    kind: str
    encode: Callable[[T], tuple[dict[str, Any], Arrays] | None]
    decode: Callable[[dict[str, Any], Arrays], T]


@dataclass
class _Entry:
    database: str
    key: Hashable
    mark: changes.Mark
    value: Any
    saved: float | None = None  # when its file was last written (monotonic)
    unsaved: bool = False  # moved since


_KEPT: dict[tuple[str, str], _Entry] = {}
_LOCK = threading.RLock()  # the web app's threads share what is kept


def whole(
    session: Session,
    name: str,
    key: Hashable,
    compute: Callable[[], T],
    *,
    kinds: Sequence[str] = changes.KINDS,
    patch: Callable[[T, Hashable, changes.Changes], T | None] | None = None,
    stored: Stored[T] | None = None,
) -> T:
    """`compute()` kept under `name` and `key`, brought up to date after a change of
    `kinds` or for another key by `patch` (when given), else computed again."""
    with _LOCK:
        slot = (name, address(session))
        database = changes.database(session)
        entry = _KEPT.get(slot)
        if entry is None and stored is not None:
            entry = _load(slot, stored)
        if entry is not None and entry.database == database:
            since = changes.since(session, entry.mark)
            fresh = since.mark.seq >= entry.mark.seq
            if fresh and entry.key == key and not since.of(*kinds):
                entry.mark = since.mark
                _KEPT[slot] = entry
                if stored is not None:
                    _save(slot, entry, stored)  # one left for later, when due
                return entry.value  # type: ignore[no-any-return]
            if fresh and patch is not None:
                value = patch(entry.value, entry.key, since)
                if value is not None:
                    return _keep(slot, _Entry(database, key, since.mark, value), entry, stored)
        mark = changes.mark(session)  # before reading: a change landing meanwhile is seen next
        return _keep(slot, _Entry(database, key, mark, compute()), entry, stored)


def moved(session: Session, name: str, stored: Stored[Any]) -> None:
    """The value kept under `name` was filled in place (figures found on the way): its
    file is written again, by the rule above."""
    with _LOCK:
        slot = (name, address(session))
        entry = _KEPT.get(slot)
        if entry is not None:
            entry.unsaved = True
            _save(slot, entry, stored)


def _keep(slot: tuple[str, str], new: _Entry, old: _Entry | None, stored: Stored[T] | None) -> T:
    if old is not None:
        new.saved = old.saved
    new.unsaved = True
    _KEPT[slot] = new
    if stored is not None:
        _save(slot, new, stored)
    return new.value  # type: ignore[no-any-return]


def _save(slot: tuple[str, str], entry: _Entry, stored: Stored[Any]) -> None:
    now = clock()
    if not entry.unsaved or (entry.saved is not None and now - entry.saved < SAVE_EVERY):
        return
    entry.saved, entry.unsaved = now, False
    encoded = stored.encode(entry.value)
    if encoded is None:
        return
    meta = {
        "name": slot[0],
        "database": entry.database,
        "key": entry.key,
        "seq": entry.mark.seq,
        "running": entry.mark.running,
        "value": encoded[0],
    }
    cachefile.write(cachefile.path(stored.kind, slot[1]), meta, encoded[1])


def _load(slot: tuple[str, str], stored: Stored[Any]) -> _Entry | None:
    found = cachefile.read(cachefile.path(stored.kind, slot[1]))
    if found is None:
        return None
    meta, arrays = found
    try:
        if meta["name"] != slot[0]:
            return None
        mark = changes.Mark(int(meta["seq"]), tuple(int(x) for x in meta["running"]))
        value = stored.decode(meta["value"], arrays)
        return _Entry(str(meta["database"]), meta["key"], mark, value)
    except (KeyError, ValueError, IndexError, TypeError):
        return None  # of another shape: computed afresh


def per_person(
    session: Session,
    name: str,
    key: Hashable,
    compute: Callable[[list[int] | None], dict[int, T]],
    *,
    everyone: Sequence[str],
    touched: Sequence[str] = ("history",),
) -> dict[int, T]:
    """A value per person kept under `name` and `key`: `compute(None)` gives everyone's,
    `compute(ids)` those people's. After changes of `touched` kinds only, the people they
    name are computed again; after a change of an `everyone` kind, all of them."""

    def patch(kept: dict[int, T], then: Hashable, since: changes.Changes) -> dict[int, T] | None:
        people = since.of(*touched)
        if then != key or since.of(*everyone) or changes.EVERYONE in people:
            return None
        out = dict(kept)
        if people:
            out.update(compute(sorted(people)))
        return out

    def everyone_now() -> dict[int, T]:
        return compute(None)

    found: dict[int, T] = whole(
        session, name, key, everyone_now, kinds=(*everyone, *touched), patch=patch
    )
    return dict(found)


def forget() -> None:
    """Drop everything kept in this process (its files stay: the next call reads them)."""
    with _LOCK:
        _KEPT.clear()
