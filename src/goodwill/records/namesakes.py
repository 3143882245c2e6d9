"""Exact namesakes added by hand: warned about, and kept as merge suggestions.

An import's matcher suggests the pairs it is unsure about; a person typed in by hand with
exactly the name of someone already there is the same doubt, and goes to the same list
(`goodwill person merge --suggest`), where the pair is merged or dismissed.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from goodwill.records import people
from goodwill.store.models import MergeSuggestion, Person

HAND_MADE_SCORE = 0.9
HAND_MADE_REASON = "same name, added by hand"


def namesakes(session: Session, name: str, *, besides: int | None = None) -> list[Person]:
    """Active people with exactly this name (case and spacing aside)."""
    clean = " ".join(name.split()).lower()
    if not clean:
        return []
    stmt = people.only_active(select(Person)).where(func.lower(Person.display_name) == clean)
    if besides is not None:
        stmt = stmt.where(Person.id != besides)
    return list(session.scalars(stmt.order_by(Person.id)))


def suggest_merges(session: Session, person: Person) -> list[Person]:
    """Record a merge suggestion between `person` and each exact namesake; returns them."""
    same = namesakes(session, person.display_name, besides=person.id)
    for other in same:
        low, high = sorted((other.id, person.id))
        known = session.scalar(
            select(MergeSuggestion.id).where(
                or_(
                    (MergeSuggestion.a_id == low) & (MergeSuggestion.b_id == high),
                    (MergeSuggestion.a_id == high) & (MergeSuggestion.b_id == low),
                )
            )
        )
        if known is None:
            session.add(
                MergeSuggestion(a_id=low, b_id=high, score=HAND_MADE_SCORE, reason=HAND_MADE_REASON)
            )
    session.flush()
    return same
