"""Undo what the daily session recorded: a Done (and the interaction it logged), a Skip or
a Snooze. The action comes back as it was."""

from __future__ import annotations

from sqlalchemy.orm import Session

from goodwill.daily import actions
from goodwill.errors import InvalidInput
from goodwill.records import interactions
from goodwill.store.models import ActionState, Interaction


def undo(session: Session, action_id: str) -> str:
    """Forget what was done with this action; returns what was undone (done, skipped...)."""
    key = str(actions.parse(action_id))
    row = session.get(ActionState, actions.stored(key))
    if row is None:
        raise InvalidInput("action", action_id, "has nothing to undo")
    status = row.status
    logged = session.get(Interaction, row.interaction_id) if row.interaction_id else None
    if logged is not None:
        # Removing the interaction removes this state too (interactions.remove).
        interactions.remove(session, logged)
    else:
        session.delete(row)
        session.flush()
    return status
