"""Hand-built histories for the needs, ask, path and introduction tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from goodwill.records import interactions
from goodwill.store.models import Person

NOW = dt.datetime(2025, 3, 10, 12, 0)


def strong(session: Session, person: Person, *, times: int = 12) -> None:
    """A close tie: meetings every two weeks up to last week, started by both."""
    for i in range(times):
        interactions.log(
            session,
            [person],
            "meeting" if i % 2 else "coffee",
            when=NOW - dt.timedelta(days=7 + 14 * i),
            initiated_by="me" if i % 2 else "them",
            now=NOW,
        )


def weak(session: Session, person: Person) -> None:
    """A weak tie: one email two years ago."""
    interactions.log(
        session, [person], "email", when=NOW - dt.timedelta(days=730), initiated_by="me", now=NOW
    )


def moderate(session: Session, person: Person) -> None:
    """Something in between: a few calls over the last year."""
    for i in range(3):
        interactions.log(
            session,
            [person],
            "call",
            when=NOW - dt.timedelta(days=60 + 100 * i),
            initiated_by="me" if i % 2 else "them",
            now=NOW,
        )
