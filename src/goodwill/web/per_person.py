"""Figures kept per person (the people list's badges and rows, who is due) across changes
of the data that do not concern them: the change log (`goodwill.store.changes`) says whom
each change concerns, whoever made it (this app, the command line, an import, plain SQL),
and only they are computed again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from goodwill.store import changes
from goodwill.store.db import Store
from goodwill.web.versions import Versions

T = TypeVar("T")


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
    """Values grouped under a key `(what, period)`: what they are, and the period they are
    for (the hour for the badges, the day for who is due); the keys used last are kept. A
    value is served when it was computed at or after the latest change concerning its
    person (figures by `FIGURE_KINDS`; rows, `rows=True`, by `ROW_KINDS`), so never from
    before a change this app has seen."""

    KEYS_KEPT = 4

    def __init__(self, store: Store, versions: Versions) -> None:
        self.store = store
        self.versions = versions
        self._lock = threading.Lock()
        self._books: OrderedDict[Hashable, dict[int, tuple[int, Any]]] = OrderedDict()
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
        *,
        rows: bool = False,
    ) -> dict[int, T]:
        """The values of `ids` under `key`: those kept, and the others computed by
        `compute` (in one session, for them only) and kept."""
        version = self._catch_up()
        out: dict[int, T] = {}
        missing: list[int] = []
        with self._lock:
            rule = self._rows if rows else self._figures
            floor = rule.everyone
            book = self._books.get(key)
            if book is None:
                book = self._open(key)
            else:
                self._books.move_to_end(key)
            # Up to 10,000 people a request (the due list): the loop kept lean.
            changed, find = rule.people, book.get
            for pid in ids:
                kept = find(pid)
                if kept is not None and kept[0] >= floor and kept[0] >= changed.get(pid, 0):
                    out[pid] = kept[1]
                else:
                    missing.append(pid)
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
            self._books.popitem(last=False)
        return book

    def clear(self) -> None:
        with self._lock:
            self._books.clear()
