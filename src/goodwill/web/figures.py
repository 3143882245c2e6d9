"""The ledger's figures for a page of people: strength, balance, health, flags.

Each figure comes from its domain module (strength, ledger, cadence, flags), computed for
the people on the page only, in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill import cadence, flags, ledger, people, strength
from goodwill.db import raw_rows
from goodwill.models import Person
from goodwill.schemas.ledger import Balance, Flag
from goodwill.schemas.people import PersonDetail


@dataclass
class Badges:
    strength: float = 0.0
    balance: Balance | None = None
    health: str | None = None  # ok | due | overdue | dormant (cadence.Status.state)
    status: cadence.Status | None = None
    flags: list[Flag] = field(default_factory=list)


def badges(s: Session, ids: Sequence[int], now: dt.datetime) -> dict[int, Badges]:
    if not ids:
        return {}
    ids = list(ids)
    scores = strength.scores(s, now, ids)
    balances = ledger.balances(s, now, ids)
    states = {st.person_id: st for st in cadence.statuses(s, now.date(), ids)}
    by_person: dict[int, list[Flag]] = defaultdict(list)
    for flag in flags.compute(s, now, ids):
        if flag.person_id is not None:
            by_person[flag.person_id].append(flag)
    return {
        pid: Badges(
            strength=scores.get(pid, 0.0),
            balance=balances.get(pid),
            health=states[pid].state if pid in states else None,
            status=states.get(pid),
            flags=by_person.get(pid, []),
        )
        for pid in ids
    }


def person_badges(s: Session, p: PersonDetail, now: dt.datetime) -> Badges:
    """One person's badges, reusing the strength and flags their detail already holds."""
    status = next(iter(cadence.statuses(s, now.date(), [p.id])), None)
    return Badges(
        strength=p.strength,
        balance=ledger.balances(s, now, [p.id]).get(p.id),
        health=status.state if status else None,
        status=status,
        flags=[f for f in p.flags if f.person_id is not None],
    )


def strength_parts(s: Session, person_id: int, now: dt.datetime) -> list[tuple[str, float, float]]:
    """(component, value in [0, 1], weight) of one person's tie strength: its reasons."""
    f = strength.features(s, now, [person_id])
    if not len(f.ids):
        return []
    parts = strength.components(f)[0]
    weights = strength.MODEL.weights()
    return [
        (name, float(parts[i]), float(weights[i])) for i, name in enumerate(strength.COMPONENTS)
    ]


def active_ids(s: Session) -> list[int]:
    """Everyone the people list can show (not removed, not you)."""
    return [
        row[0] for row in raw_rows(s, select(Person.id).where(people.ACTIVE).order_by(Person.id))
    ]


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
