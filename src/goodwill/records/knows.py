"""Who knows whom: knows-edges entered by hand, and the ones derived from your history.

An explicit edge is a row of `knows` (stored once, a_id < b_id, with `how` and a
confidence). Derived edges come from shared meetings, referrals, introductions, "met
through" and overlapping roles at the same organisation; they are computed when the graph
is loaded (`paths._evidence`), never stored twice. The strength of each kind of evidence
is named once in `ask_weights.py`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill import validate, vocab
from goodwill.errors import InvalidInput
from goodwill.store.models import Knows, Person


def _check_pair(a: Person, b: Person) -> tuple[Person, Person]:
    if a.id == b.id:
        raise InvalidInput("person", b.display_name, "a person cannot know themself")
    for p in (a, b):
        if p.removed_at is not None:
            raise InvalidInput("person", p.display_name, "was removed; restore or merge first")
    return (a, b) if a.id < b.id else (b, a)


def parse_how(how: str | None) -> tuple[str, str | None]:
    """`--how` is free text: a known kind (introduction, referral, ...) or a note."""
    if how is None or not how.strip():
        return "manual", None
    key = how.strip().lower().replace("-", "_")
    if key in vocab.KNOWS_HOW:
        return key, None
    return "manual", how.strip()


def add(
    session: Session,
    a: Person,
    b: Person,
    *,
    how: str | None = None,
    note: str | None = None,
    confidence: float = 1.0,
    source: str | None = "manual",
) -> Knows:
    """Record that A knows B (or update the edge of that kind between them)."""
    if not 0.0 < confidence <= 1.0:
        raise InvalidInput("confidence", confidence, "must be more than 0 and at most 1")
    low, high = _check_pair(a, b)
    kind, how_note = parse_how(how)
    note = note or how_note
    edge = session.scalar(
        select(Knows).where(Knows.a_id == low.id, Knows.b_id == high.id, Knows.how == kind)
    )
    if edge is None:
        edge = Knows(a_id=low.id, b_id=high.id, how=kind, confidence=confidence, source=source)
        session.add(edge)
    else:
        edge.confidence = max(edge.confidence, confidence)
    if note:
        edge.note = validate.non_empty(note, "how")
    session.flush()
    return edge
