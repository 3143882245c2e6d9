"""Everyone's tie strength kept between computations in one process, for figures computed
again after every write (the web app's network map): after a write that only added to
some people's history, only those people are scored again.

What is kept is for the hour it was computed in: tie strength fades by the day, and the
web app keeps its list's badges for the hour the same way. Everyone is scored afresh on
anything else the change log (`goodwill.store.changes`) reports: another hour or
database, a change of who someone is, of someone's presence (a removal changes others'
mutual contacts), of knows-edges, or of settings.

The command line does not use it: its figures are exact to the moment.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from sqlalchemy.orm import Session

from goodwill.scoring import strength
from goodwill.store import changes


@dataclass(frozen=True)
class _Kept:
    hour: dt.datetime
    mark: changes.Mark  # the change log when the scores were read
    scores: dict[int, float]


_KEPT: dict[str, _Kept] = {}
_LOCK = threading.Lock()
# Kinds after which everyone is scored again (history rescored per person).
_EVERYONE = ("identity", "knows", "settings", "presence", "edges")


def scores(session: Session, as_of: dt.datetime) -> dict[int, float]:
    """Tie strength per active person (as `strength.scores` for everyone), those of the
    people unchanged since the last call in this hour as they were then."""
    database = session.connection().engine.url.render_as_string(hide_password=False)
    hour = as_of.replace(minute=0, second=0, microsecond=0)
    with _LOCK:
        kept = _KEPT.get(database)
    if kept is not None and kept.hour == hour:
        since = changes.since(session, kept.mark)
        if not since.of(*_EVERYONE):
            out = dict(kept.scores)
            touched = since.of("history")
            if touched:
                out.update(strength.scores(session, as_of, sorted(touched)))
            _keep(database, _Kept(hour, since.mark, out))
            return out
    mark = changes.mark(session)  # before reading: a change landing meanwhile is seen next
    out = strength.scores(session, as_of)
    _keep(database, _Kept(hour, mark, out))
    return out


def _keep(database: str, kept: _Kept) -> None:
    with _LOCK:
        _KEPT[database] = kept


def forget() -> None:
    """Drop what is kept (tests)."""
    with _LOCK:
        _KEPT.clear()
