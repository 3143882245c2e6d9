"""Whose data changed since a figure was computed (the `person_change` table, kept by
database triggers whoever writes: migration 0005).

A kept figure takes a `mark(session)` before it reads; later, `since(session, mark)` says
who changed after: their ids, and which of them changed who they are (person row, roles,
tags) rather than only what happened with them. `EVERYONE` among the ids means a change
that concerns everyone (circle cadences, settings, needs, organisations).

On SQLite one writer at a time commits, so the change numbers follow commits. On
PostgreSQL a number is taken when a change is written, and a transaction still open when
a mark was taken may commit a smaller number later: the mark also holds the oldest
transaction then running, and whatever such transactions wrote is read again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal_column, or_, select
from sqlalchemy.orm import Session

from goodwill.store.models import Person, PersonChange

EVERYONE = 0


@dataclass(frozen=True)
class Mark:
    seq: int  # the latest change number
    xmin: int = 0  # PostgreSQL: the oldest transaction running (0 on SQLite)


@dataclass(frozen=True)
class Changes:
    mark: Mark  # taken before the changes were read
    people: frozenset[int]  # whose data changed (EVERYONE: everyone's)
    identity: frozenset[int]  # of them, whose person row, roles or tags changed

    @property
    def everyone(self) -> bool:
        return EVERYONE in self.people


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def mark(session: Session) -> Mark:
    """Where the change log stands now."""
    seq = int(session.scalar(select(func.max(PersonChange.seq))) or 0)
    if not _postgres(session):
        return Mark(seq)
    xmin = session.scalar(
        select(literal_column("pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
    )
    return Mark(seq, int(xmin or 0))


def database(session: Session) -> str:
    """Which database this is (when its first person was added): a mark of one database
    means nothing for another one found at the same address."""
    first = session.scalar(select(Person.created_at).order_by(Person.id).limit(1))
    return str(first)


def since(session: Session, after: Mark) -> Changes:
    """Who changed after `after` was taken."""
    now = mark(session)
    pg = _postgres(session)
    newer = PersonChange.seq > after.seq
    if pg:
        newer = or_(newer, PersonChange.xid >= after.xmin)
    rows = session.execute(
        select(PersonChange.person_id, PersonChange.identity_seq, PersonChange.identity_xid).where(
            newer
        )
    ).all()
    return Changes(
        mark=now,
        people=frozenset(r[0] for r in rows),
        identity=frozenset(
            r[0] for r in rows if r[1] > after.seq or (pg and r[2] and r[2] >= after.xmin)
        ),
    )
