"""The last import, kept so that it can be undone as a whole.

An import runs in one transaction. Around it `begin` notes where the tables stood and
`finish` keeps, in a setting, the people and interactions it created and the change log's
mark. `undo` deletes them again, but only while nothing has touched those people since
(the change log says so): a person you have since logged with, edited or merged is yours.
What the import changed in people you already had (a new email, a role) stays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.errors import InvalidInput
from goodwill.records import interactions
from goodwill.store import changes, figures
from goodwill.store import search as search_index
from goodwill.store.models import (
    Exchange,
    Interaction,
    Participant,
    Person,
    Setting,
    SourceRecord,
)

KEY = "import.last"


@dataclass(frozen=True)
class Start:
    person_id: int
    interaction_id: int


@dataclass(frozen=True)
class Batch:
    name: str
    people: list[int]
    interactions: list[int]
    seq: int
    running: list[int]  # PostgreSQL: the transactions running at the mark


def begin(session: Session) -> Start:
    return Start(
        int(session.scalar(select(func.max(Person.id))) or 0),
        int(session.scalar(select(func.max(Interaction.id))) or 0),
    )


def finish(session: Session, start: Start, name: str) -> Batch:
    """Keep what the import since `start` created (people with a source record: an
    import's, never one added by hand meanwhile; interactions it brought in)."""
    created = sorted(
        set(
            session.scalars(
                select(SourceRecord.person_id).where(SourceRecord.person_id > start.person_id)
            )
        )
    )
    brought = list(
        session.scalars(
            select(Interaction.id).where(
                Interaction.id > start.interaction_id, Interaction.source != "manual"
            )
        )
    )
    mark = changes.mark(session)
    batch = Batch(name, created, brought, mark.seq, list(mark.running))
    row = session.get(Setting, KEY)
    value = json.dumps(batch.__dict__)
    if row is None:
        session.add(Setting(key=KEY, value=value))
    else:
        row.value = value
    session.flush()
    return batch


def last(session: Session) -> Batch | None:
    row = session.get(Setting, KEY)
    if row is None:
        return None
    try:
        return Batch(**json.loads(row.value))
    except (TypeError, ValueError):
        return None


def undo(session: Session) -> Batch:
    """Delete what the last import created; refused once any of it was touched."""
    batch = last(session)
    if batch is None or not (batch.people or batch.interactions):
        raise InvalidInput("import", "", "there is no import to undo")
    touched = changes.since(session, changes.Mark(batch.seq, tuple(batch.running))).people
    if touched & set(batch.people) or (changes.EVERYONE in touched and _moved(session, batch)):
        raise InvalidInput(
            "import",
            batch.name,
            "cannot be undone as a whole: some of the people it added were changed since",
        )
    # Each person's figures recomputed once at the end, not once per deleted row.
    with figures.held(session, _people_in(session, batch.interactions)):
        for iid in batch.interactions:
            item = session.get(Interaction, iid)
            if item is not None:
                interactions.remove(session, item)
    search_index.drop(session, "person", batch.people)
    for pid in batch.people:
        person = session.get(Person, pid)
        if person is not None:
            session.delete(person)
    session.delete(session.get(Setting, KEY))
    session.flush()
    return batch


def _people_in(session: Session, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for at in range(0, len(ids), 5000):
        chunk = ids[at : at + 5000]
        for model in (Participant, Exchange):
            found.update(
                session.scalars(select(model.person_id).where(model.interaction_id.in_(chunk)))
            )
    return found


def _moved(session: Session, batch: Batch) -> bool:
    """A change that concerns everyone: is any of the batch's people gone or merged?"""
    found = session.scalars(select(Person).where(Person.id.in_(batch.people))).all()
    return len(found) != len(batch.people) or any(p.removed_at is not None for p in found)
