"""Merge suggestions: pairs of people an import was unsure about (never merged silently).

A suggestion is open until you merge the pair or dismiss it ("these are two people"). The
pair's row stays either way, and the writer never suggests a pair that already has a row,
so a dismissed pair is not suggested again by a later import of the same people.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, aliased

from goodwill.errors import InvalidInput, NotFound
from goodwill.schemas.io import MergeSuggestionOut
from goodwill.store.models import MergeSuggestion, Person


def open_suggestions(session: Session) -> list[MergeSuggestionOut]:
    """Open suggestions between two people still in the network, most likely first."""
    a, b = aliased(Person), aliased(Person)
    return _outs(
        session,
        a,
        b,
        MergeSuggestion.status == "open",
        a.removed_at.is_(None),
        b.removed_at.is_(None),
        a.is_me.is_(False),
        b.is_me.is_(False),
    )


def dismiss(session: Session, suggestion_id: int) -> MergeSuggestionOut:
    """Say the pair of suggestion #id are two people: no longer listed, never suggested again."""
    suggestion = _get(session, suggestion_id)
    if suggestion.status != "open":
        raise InvalidInput(
            "merge suggestion", f"#{suggestion.id}", f"is already {suggestion.status}"
        )
    suggestion.status = "dismissed"
    session.flush()
    return _outs(session, aliased(Person), aliased(Person), MergeSuggestion.id == suggestion.id)[0]


def _get(session: Session, suggestion_id: int) -> MergeSuggestion:
    # Out of an INTEGER column's range is not an id (PostgreSQL would refuse the query).
    found = session.get(MergeSuggestion, suggestion_id) if 0 < suggestion_id < 2**31 else None
    if found is None:
        # Merging a pair deletes its suggestion, so a merged one is unknown here too.
        raise NotFound(
            f"no merge suggestion #{suggestion_id}; "
            "see 'goodwill person merge --suggest' for the open ones"
        )
    return found


def _outs(
    session: Session, a: type[Person], b: type[Person], *where: ColumnElement[bool]
) -> list[MergeSuggestionOut]:
    """The suggestions that meet `where`, with the names of their two people (a and b)."""
    rows = session.execute(
        select(MergeSuggestion, a.display_name, b.display_name)
        .join(a, a.id == MergeSuggestion.a_id)
        .join(b, b.id == MergeSuggestion.b_id)
        .where(*where)
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
