"""Today's position numbers: `done 1` means the first action `goodwill today` shows.

The numbers are those of today's session at the saved length; scripts keep using ids.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from goodwill.daily import agenda, schedule
from goodwill.errors import InvalidInput


def action_id(session: Session, value: str, today: dt.date) -> str:
    """The action id a position number stands for today; an id is returned as it is."""
    text = value.strip().lstrip("#")
    if not text.isdigit():
        return value
    position = int(text)
    plan = agenda.build(session, today, schedule.preferences(session)[1])
    shown = plan.actions
    if not 1 <= position <= len(shown):
        count = f"{len(shown)} action" + ("" if len(shown) == 1 else "s")
        raise InvalidInput(
            "action",
            value,
            f"today's session has {count}; use a number from 'goodwill today' or an id",
        )
    return shown[position - 1].id
