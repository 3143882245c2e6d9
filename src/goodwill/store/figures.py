"""Holding a few people's kept figures during a bulk write.

The figures tables (contact_summary, ledger_summary) are kept by triggers in the writing
transaction (migration 0016). On SQLite the triggers run once per row, and a row deleted or
moved has its person's figures recomputed from their rows: a merge or an undo that moves
thousands of one person's rows would recompute them thousands of times (quadratic). A write
function that knows it is about to do that holds those people: their triggers skip them,
and releasing the hold recomputes each once, still inside the same transaction, so no
reader ever sees a held figure. PostgreSQL's triggers run once per statement; there the
hold does nothing. A writer that does not hold (plain SQL, another program) is still seen,
row by row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from goodwill.store.models import FiguresHold


@contextmanager
def held(session: Session, person_ids: Iterable[int | None]) -> Iterator[None]:
    """Within the block, `person_ids`' figures are left to be recomputed once at its end."""
    ids = sorted({int(p) for p in person_ids if p is not None})
    if not ids or session.get_bind().dialect.name != "sqlite":
        yield
        return
    session.flush()
    session.execute(insert(FiguresHold).prefix_with("OR IGNORE"), [{"person_id": p} for p in ids])
    try:
        yield
        session.flush()
    finally:
        # Also on an error: a caller that catches it and commits must not leave a hold.
        session.execute(delete(FiguresHold).where(FiguresHold.person_id.in_(ids)))
