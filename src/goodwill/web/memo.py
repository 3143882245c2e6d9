"""A small in-process memo for pages that are expensive and the same for every request
until the data changes (Today: the agenda and the week's figures).

The key includes `data_version`, a handful of indexed max()/count() reads that move
whenever something the agenda reads changes, whoever wrote it (this app, the command line,
an import). A bounded LRU, safe across the app's worker threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.models import ActionState, Exchange, Interaction, Knows, Person, Request, Setting

T = TypeVar("T")


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


class Memo:
    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[no-any-return]
        value = compute()  # outside the lock: two first requests may both compute, harmlessly
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
