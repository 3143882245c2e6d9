"""Everyone's tie strength kept between computations in one process, for figures computed
again after every write (the web app's network map): after a write that only added to
some people's history, only those people are scored again (`goodwill.store.kept`).

What is kept is for the hour it was computed in: tie strength fades by the day, and the
web app keeps its list's badges for the hour the same way. Everyone is scored afresh on
anything else the change log reports: another hour or database, a change of who someone
is, of someone's presence (a removal changes others' mutual contacts), of knows-edges, or
of settings.

The command line does not use it: its figures are exact to the moment.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from goodwill.scoring import strength
from goodwill.store import kept, policy

# Kinds after which everyone is scored again (history rescored per person).
_EVERYONE = ("identity", "knows", "settings", "presence", "edges")


def scores(session: Session, as_of: dt.datetime) -> dict[int, float]:
    """Tie strength per active person (as `strength.scores` for everyone), those of the
    people unchanged since the last call in this hour as they were then."""
    hour = as_of.replace(minute=0, second=0, microsecond=0)
    return kept.per_person(
        session,
        # A member's strengths are from their own history (a slot each in a team).
        policy.member_key("strength"),
        hour,
        lambda ids: strength.scores(session, as_of, ids),
        everyone=_EVERYONE,
    )
