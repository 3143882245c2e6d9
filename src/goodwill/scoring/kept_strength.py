"""Everyone's tie strength kept between computations in one process, for figures computed
again after every write (the web app's network map): after a write that only added to
some people's history, only those people are scored again.

What is kept is for the hour it was computed in: tie strength fades by the day, and the
web app keeps its list's badges for the hour the same way. Everyone is scored afresh on
anything else: another hour or database, a change of who someone is (the change log's
identity: a removal changes others' mutual contacts), a change that concerns everyone
(settings, which an edited knows-edge also bumps), or knows-edges added or deleted.

The command line does not use it: its figures are exact to the moment.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.scoring import strength
from goodwill.store import changes
from goodwill.store.models import Knows


@dataclass(frozen=True)
class _Kept:
    hour: dt.datetime
    mark: changes.Mark  # the change log when the scores were read
    knows: tuple[Any, ...]  # how many knows-edges, the latest
    scores: dict[int, float]


_KEPT: dict[str, _Kept] = {}
_LOCK = threading.Lock()


def _knows(session: Session) -> tuple[Any, ...]:
    return tuple(session.execute(select(func.count(), func.max(Knows.id))).one())


def scores(session: Session, as_of: dt.datetime) -> dict[int, float]:
    """Tie strength per active person (as `strength.scores` for everyone), those of the
    people unchanged since the last call in this hour as they were then."""
    database = session.connection().engine.url.render_as_string(hide_password=False)
    hour = as_of.replace(minute=0, second=0, microsecond=0)
    with _LOCK:
        kept = _KEPT.get(database)
    knows = _knows(session)
    if kept is not None and kept.hour == hour and kept.knows == knows:
        since = changes.since(session, kept.mark)
        # A change log behind the mark: not the database the scores were read from (a
        # file replaced by a copy).
        if not since.everyone and not since.identity and since.mark.seq >= kept.mark.seq:
            out = dict(kept.scores)
            if since.people:
                out.update(strength.scores(session, as_of, sorted(since.people)))
            _keep(database, _Kept(hour, since.mark, knows, out))
            return out
    mark = changes.mark(session)  # before reading: a change landing meanwhile is seen next
    out = strength.scores(session, as_of)
    _keep(database, _Kept(hour, mark, knows, out))
    return out


def _keep(database: str, kept: _Kept) -> None:
    with _LOCK:
        _KEPT[database] = kept


def forget() -> None:
    """Drop what is kept (tests)."""
    with _LOCK:
        _KEPT.clear()
