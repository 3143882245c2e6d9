"""Interactions: what happened between you and people, with the exchanges inside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from goodwill import validate, vocab
from goodwill.errors import InvalidInput
from goodwill.store import search as search_index
from goodwill.store.models import Exchange, Interaction, Need, Participant, Person, Request


def exchange_kind(value: str) -> str:
    """A --gave/--got kind, with its long names accepted; an unknown one lists the valid."""
    return validate.choice(
        value, vocab.EXCHANGE_KINDS, "exchange kind", aliases=vocab.EXCHANGE_ALIASES
    )


def log(
    session: Session,
    people: Sequence[Person],
    kind: str,
    *,
    when: dt.datetime | None = None,
    summary: str | None = None,
    initiated_by: str | None = None,
    gave: Sequence[str] = (),
    got: Sequence[str] = (),
    asked: Sequence[str] = (),
    they_asked: Sequence[str] = (),
    need_id: int | None = None,
    planned: bool = False,
    follow_up_on: dt.date | None = None,
    follow_up_note: str | None = None,
    source: str | None = None,
    source_key: str | None = None,
    now: dt.datetime | None = None,
) -> Interaction:
    """Record an interaction. Every value is checked before anything is written."""
    if not people:
        raise InvalidInput("person", "", "an interaction needs at least one person")
    for p in people:
        if p.removed_at is not None:
            raise InvalidInput("person", p.display_name, "was removed; restore or merge first")
    kind = validate.choice(kind, vocab.INTERACTION_KINDS, "kind")
    current = now or dt.datetime.now()
    occurred = when or current
    if occurred > current + dt.timedelta(minutes=5) and not planned:
        raise InvalidInput(
            "date",
            occurred.date().isoformat(),
            "is in the future; use --planned for a planned interaction",
        )
    if initiated_by is not None:
        initiated_by = validate.choice(initiated_by, vocab.INITIATORS, "initiated")
    gave_kinds = [exchange_kind(k) for k in gave]
    got_kinds = [exchange_kind(k) for k in got]
    if need_id is not None and session.get(Need, need_id) is None:
        raise InvalidInput("need", need_id, "no such need")
    interaction = Interaction(
        occurred_at=occurred,
        kind=kind,
        summary=summary or None,
        initiated_by=initiated_by,
        need_id=need_id,
        planned=planned,
        follow_up_on=follow_up_on,
        follow_up_note=follow_up_note,
        source=source or "manual",
        source_key=source_key,
    )
    session.add(interaction)
    unique = list({p.id: p for p in people}.values())
    for p in unique:
        interaction.participants.append(Participant(person_id=p.id))
        for k in gave_kinds:
            interaction.exchanges.append(
                Exchange(person_id=p.id, direction="gave", kind=k, occurred_at=occurred)
            )
        for k in got_kinds:
            interaction.exchanges.append(
                Exchange(person_id=p.id, direction="got", kind=k, occurred_at=occurred)
            )
        for text in asked:
            interaction.exchanges.append(
                Exchange(
                    person_id=p.id,
                    direction="asked",
                    kind="ask",
                    text=validate.non_empty(text, "asked"),
                    outcome="open",
                    occurred_at=occurred,
                )
            )
    session.flush()
    # A request someone makes of you is between you and them: it goes to the first person.
    for text in they_asked:
        interaction.exchanges.append(
            Exchange(
                person_id=unique[0].id,
                direction="they_asked",
                kind="ask",
                text=validate.non_empty(text, "they-asked"),
                outcome="open",
                occurred_at=occurred,
            )
        )
        open_request(session, unique[0], text, interaction=interaction)
    session.flush()
    search_index.index_interactions(session, [interaction.id])
    return interaction


def open_request(
    session: Session,
    person: Person,
    text: str,
    *,
    due: dt.date | None = None,
    interaction: Interaction | None = None,
) -> Request:
    request = Request(
        person_id=person.id,
        text=validate.non_empty(text, "request"),
        due=due,
        interaction_id=interaction.id if interaction else None,
        created_at=interaction.occurred_at if interaction else dt.datetime.now(),
    )
    session.add(request)
    session.flush()
    return request
