"""Sync events: each person's sync history, and the open ones that ask you to decide.

A card edited on the phone is applied and recorded here (kind `edited`, status done); an
edit made on both sides keeps goodwill's value and records the phone's (`conflict`, open);
a card deleted on the phone removes nobody and asks you (`deleted`, open). goodwill's own
calendar events edited on the phone: `moved` (done), `cancelled` (done when applied, open
when it asks you first), `conflict` with field `when` (moved on both sides).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.errors import InvalidInput, NotFound
from goodwill.schemas.sync import SyncEventOut
from goodwill.store.models import Person, SyncEvent

OPEN_KINDS = ("conflict", "deleted")  # and a "cancelled" that asks first (calendar)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record(
    session: Session,
    source_id: int,
    person_id: int | None,
    kind: str,
    *,
    uid: str | None = None,
    field: str | None = None,
    ours: str | None = None,
    theirs: str | None = None,
    status: str | None = None,
) -> SyncEvent:
    event = SyncEvent(
        source_id=source_id,
        person_id=person_id,
        uid=uid,
        kind=kind,
        field=field,
        ours=ours,
        theirs=theirs,
        status=status or ("open" if kind in OPEN_KINDS else "done"),
        at=_now(),
    )
    session.add(event)
    return event


def open_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(SyncEvent.status == "open")) or 0)


def listed(
    session: Session, *, everything: bool = False, person_id: int | None = None
) -> list[SyncEventOut]:
    """Open events (or every event), newest first, with their person's name."""
    stmt = select(SyncEvent, Person.display_name).outerjoin(
        Person, Person.id == SyncEvent.person_id
    )
    if not everything:
        stmt = stmt.where(SyncEvent.status == "open")
    if person_id is not None:
        stmt = stmt.where(SyncEvent.person_id == person_id)
    rows = session.execute(stmt.order_by(SyncEvent.at.desc(), SyncEvent.id.desc())).all()
    return [_out(e, name) for e, name in rows]


def _out(e: SyncEvent, name: str | None) -> SyncEventOut:
    return SyncEventOut(
        id=e.id,
        person_id=e.person_id,
        person=name,
        uid=e.uid,
        kind=e.kind,
        field=e.field,
        ours=e.ours,
        theirs=e.theirs,
        status=e.status,
        at=e.at,
    )


def close(session: Session, event_id: int) -> SyncEventOut:
    """Say you have seen an open event (a conflict settled, a deletion accepted)."""
    event = session.get(SyncEvent, event_id) if 0 < event_id < 2**31 else None
    if event is None:
        raise NotFound(f"no sync event #{event_id}; see 'goodwill sync events'")
    if event.status != "open":
        raise InvalidInput("sync event", f"#{event_id}", f"is already {event.status}")
    event.status = "closed"
    session.flush()
    name = session.get(Person, event.person_id).display_name if event.person_id else None  # type: ignore[union-attr]
    return _out(event, name)
