"""Merge suggestions: pairs of people an import was unsure about (never merged silently)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from goodwill.models import MergeSuggestion, Person
from goodwill.schemas.io import MergeSuggestionOut


def open_suggestions(session: Session) -> list[MergeSuggestionOut]:
    """Open suggestions between two people still in the network, most likely first."""
    a, b = aliased(Person), aliased(Person)
    rows = session.execute(
        select(MergeSuggestion, a.display_name, b.display_name)
        .join(a, a.id == MergeSuggestion.a_id)
        .join(b, b.id == MergeSuggestion.b_id)
        .where(
            MergeSuggestion.status == "open",
            a.removed_at.is_(None),
            b.removed_at.is_(None),
        )
        .order_by(MergeSuggestion.score.desc(), MergeSuggestion.id)
    ).all()
    return [
        MergeSuggestionOut(
            id=m.id,
            a_id=m.a_id,
            a_name=a_name,
            b_id=m.b_id,
            b_name=b_name,
            score=m.score,
            reason=m.reason,
            status=m.status,
        )
        for m, a_name, b_name in rows
    ]
