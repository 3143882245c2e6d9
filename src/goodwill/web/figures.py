"""The ledger's figures for a page of people: strength, balance, health, flags.

Each figure comes from its domain module (strength, ledger, cadence, flags), computed for
the people on the page only, in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from goodwill.schemas.ledger import Balance, Flag
from goodwill.scoring import cadence, flags, ledger, strength
from goodwill.store import changes, kept
from goodwill.views import people_list


@dataclass
class Badges:
    strength: float = 0.0
    balance: Balance | None = None
    health: str | None = None  # ok | due | overdue | dormant (cadence.Status.state)
    status: cadence.Status | None = None
    flags: list[Flag] = field(default_factory=list)
    parts: tuple[float, ...] = ()  # the strength's components, in strength.COMPONENTS order


def badges(s: Session, ids: Sequence[int] | None, now: dt.datetime) -> dict[int, Badges]:
    """The badges of these people (None: everyone, each figure in one scan)."""
    if ids is not None and not ids:
        return {}
    scope = list(ids) if ids is not None else None
    found, parts, values = strength.scored(s, now, scope)
    explained = {
        pid: (value, tuple(row))
        for pid, value, row in zip(found, values.tolist(), parts.tolist(), strict=True)
    }
    balances = ledger.balances(s, now, scope)
    states = {st.person_id: st for st in cadence.statuses(s, now.date(), scope)}
    by_person: dict[int, list[Flag]] = defaultdict(list)
    for flag in flags.compute(s, now, scope):
        if flag.person_id is not None:
            by_person[flag.person_id].append(flag)
    return {
        pid: Badges(
            strength=explained[pid][0] if pid in explained else 0.0,
            balance=balances.get(pid),
            health=states[pid].state if pid in states else None,
            status=states.get(pid),
            flags=by_person.get(pid, []),
            parts=explained[pid][1] if pid in explained else (),
        )
        for pid in (scope if scope is not None else balances)
    }


# More people than this: their cadences are computed for everyone at once (one scan)
# rather than for a list of ids.
_WHOLE = 1000


def due_marks(s: Session, ids: Sequence[int], today: dt.date) -> dict[int, bool]:
    """Per person: due or overdue on their cadence today (one person at a time, so that it
    can be kept per person)."""
    scope = None if len(ids) > _WHOLE else list(ids)
    due = {
        st.person_id
        for st in cadence.statuses(s, today, scope, states=(cadence.DUE, cadence.OVERDUE))
    }
    return {pid: pid in due for pid in ids}


def flagged_ids(s: Session, now: dt.datetime) -> list[int]:
    return sorted({f.person_id for f in flags.compute(s, now) if f.person_id is not None})


def listed_order(s: Session) -> list[int]:
    """`people_list.listed_ids(s)` (everyone, in the list's order), kept (`store/kept.py`)
    until the change log says someone's person row, roles or tags changed (who is listed
    and their names); a logged call or a done action leaves it. The due list pages its
    people from it. The list is shared: do not change it."""

    def patch(ids: list[int], _key: object, news: changes.Changes) -> list[int] | None:
        return None if news.identity or news.everyone else ids

    return kept.whole(s, "listed order", None, lambda: people_list.listed_ids(s), patch=patch)
