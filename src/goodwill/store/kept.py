"""What is kept in memory between calls, in one place, driven by the change log.

A kept value is stored with the change log's mark (`changes.Mark`) taken before it was
computed, under a name and a key (an hour, a day...) for one database. On the next call
with the same key, the change log says who changed since:

- `whole(...)`: nothing of the listed kinds changed: the value as kept; else computed
  again, whole;
- `per_person(...)`: a value per person; when only people's own kinds (`touched`, such
  as their history) changed, only those people are computed again and patched in; a
  change of any `everyone` kind (who is present, knows-edges, settings) recomputes all.

Another key, another database (same address, another file) or a log behind the mark
computes afresh. Whoever wrote (this process, another one, plain SQL) is seen the same
way, since the change log is kept by database triggers (0015). `forget()` drops
everything (tests; a new process starts with nothing).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from goodwill.store import changes

T = TypeVar("T")


@dataclass(frozen=True)
class _Entry:
    key: Hashable
    mark: changes.Mark
    value: Any


_KEPT: dict[tuple[str, str], _Entry] = {}
_LOCK = threading.Lock()


def _slot(session: Session, name: str) -> tuple[str, str]:
    url = session.connection().engine.url.render_as_string(hide_password=False)
    return (name, url)


def _get(slot: tuple[str, str], key: Hashable) -> _Entry | None:
    with _LOCK:
        entry = _KEPT.get(slot)
    return entry if entry is not None and entry.key == key else None


def _put(slot: tuple[str, str], entry: _Entry) -> None:
    with _LOCK:
        _KEPT[slot] = entry


def whole(
    session: Session,
    name: str,
    key: Hashable,
    compute: Callable[[], T],
    *,
    kinds: Sequence[str] = changes.KINDS,
) -> T:
    """`compute()` kept under `name` and `key`, computed again after a change of `kinds`."""
    slot = _slot(session, name)
    entry = _get(slot, key)
    if entry is not None:
        since = changes.since(session, entry.mark)
        if not since.of(*kinds):
            _put(slot, _Entry(key, since.mark, entry.value))
            return entry.value  # type: ignore[no-any-return]
    mark = changes.mark(session)  # before reading: a change landing meanwhile is seen next
    value = compute()
    _put(slot, _Entry(key, mark, value))
    return value


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
    slot = _slot(session, name)
    entry = _get(slot, key)
    if entry is not None:
        since = changes.since(session, entry.mark)
        if not since.of(*everyone) and changes.EVERYONE not in since.of(*touched):
            out = dict(entry.value)
            people = since.of(*touched)
            if people:
                out.update(compute(sorted(people)))
            _put(slot, _Entry(key, since.mark, out))
            return out
    mark = changes.mark(session)
    out = compute(None)
    _put(slot, _Entry(key, mark, out))
    return dict(out)


def forget() -> None:
    """Drop everything kept in this process."""
    with _LOCK:
        _KEPT.clear()
