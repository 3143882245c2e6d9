"""Interactions: what happened between you and people, with the exchanges inside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from goodwill import validate, vocab
from goodwill.errors import InvalidInput, NotFound
from goodwill.store import search as search_index
from goodwill.store.models import (
    ActionState,
    Exchange,
    Interaction,
    Introduction,
    Knows,
    Need,
    Participant,
    Person,
    Request,
)


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


def get(session: Session, ref: int | str) -> Interaction:
    """An interaction by its number (as `log` printed it, with or without '#')."""
    value = str(ref).strip().lstrip("#")
    if not value.isdigit() or int(value) > validate.MAX_ID:
        raise InvalidInput("interaction", ref, "name an interaction by its number, e.g. 42")
    item = session.get(Interaction, int(value))
    if item is None:
        raise NotFound(f"no interaction #{value}")
    return item


def edit(
    session: Session,
    item: Interaction,
    *,
    kind: str | None = None,
    when: dt.datetime | None = None,
    summary: str | None = None,
    initiated_by: str | None = None,
    people: Sequence[Person] | None = None,
    gave: Sequence[str] | None = None,
    got: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> Interaction:
    """Correct an interaction; only what is given changes. Every value is checked first.

    `gave`/`got` replace the gives and receipts (asks and requests stay as they were);
    `people` replaces who was there, keeping each remaining person's exchanges.
    """
    new_kind = validate.choice(kind, vocab.INTERACTION_KINDS, "kind") if kind else None
    current = now or dt.datetime.now()
    if when is not None and when > current + dt.timedelta(minutes=5) and not item.planned:
        raise InvalidInput("date", when.date().isoformat(), "is in the future")
    initiator = (
        validate.choice(initiated_by, vocab.INITIATORS, "initiated") if initiated_by else None
    )
    gave_kinds = [exchange_kind(k) for k in gave] if gave is not None else None
    got_kinds = [exchange_kind(k) for k in got] if got is not None else None
    if people is not None:
        if not people:
            raise InvalidInput("person", "", "an interaction needs at least one person")
        for p in people:
            if p.removed_at is not None:
                raise InvalidInput("person", p.display_name, "was removed; restore or merge first")
    if new_kind:
        item.kind = new_kind
    if when is not None:
        item.occurred_at = when
        for x in item.exchanges:
            x.occurred_at = when
    if summary is not None:
        item.summary = summary.strip() or None
    if initiator:
        item.initiated_by = initiator
    if people is not None:
        # The gives and receipts were each participant's: the new ones have them too.
        first = item.participants[0].person_id if item.participants else None
        mine = [x for x in item.exchanges if x.person_id == first]
        if gave_kinds is None:
            gave_kinds = [x.kind for x in mine if x.direction == "gave"]
        if got_kinds is None:
            got_kinds = [x.kind for x in mine if x.direction == "got"]
        keep = {p.id for p in people}
        item.participants[:] = [pt for pt in item.participants if pt.person_id in keep]
        item.exchanges[:] = [x for x in item.exchanges if x.person_id in keep]
        present = {pt.person_id for pt in item.participants}
        for p in people:
            if p.id not in present:
                item.participants.append(Participant(person_id=p.id))
                present.add(p.id)
    who = [pt.person_id for pt in item.participants]
    for direction, kinds in (("gave", gave_kinds), ("got", got_kinds)):
        if kinds is None:
            continue
        item.exchanges[:] = [x for x in item.exchanges if x.direction != direction]
        for pid in who:
            for k in kinds:
                item.exchanges.append(
                    Exchange(
                        person_id=pid, direction=direction, kind=k, occurred_at=item.occurred_at
                    )
                )
    session.flush()
    search_index.index_interactions(session, [item.id])
    return item


def remove(session: Session, item: Interaction) -> None:
    """Delete an interaction and what it made: its exchanges (the ledger), the requests it
    opened, the knows-edge of an introduction it made, and the Done that logged it (the
    action comes back). A request it answered is open again."""
    iid = item.id
    for request in session.scalars(select(Request).where(Request.interaction_id == iid)):
        session.delete(request)
    for state in session.scalars(select(ActionState).where(ActionState.interaction_id == iid)):
        _reopen_answered(session, state.key, item)
        session.delete(state)
    for intro in session.scalars(select(Introduction).where(Introduction.interaction_id == iid)):
        # The edge goes only if this introduction made it (source "introduction").
        session.execute(
            delete(Knows).where(
                Knows.a_id == min(intro.a_id, intro.b_id),
                Knows.b_id == max(intro.a_id, intro.b_id),
                Knows.how == "introduction",
                Knows.source == "introduction",
            )
        )
        intro.stage, intro.interaction_id = "asked_b", None
    search_index.drop(session, "interaction", [iid])
    session.delete(item)
    session.flush()


def _reopen_answered(session: Session, key: str, item: Interaction) -> None:
    """A Done that answered a request (key request:pN:rID) logged this: reopen it."""
    kind, _, ref = key.partition(":")
    ref = ref.rpartition(":")[2]
    if kind != "request" or not ref.lstrip("r").isdigit():
        return
    request = session.get(Request, int(ref.lstrip("r")))
    if request is None or request.status != "answered":
        return
    request.status, request.answer, request.answer_text = "open", None, None
    request.referred_to_id, request.answered_at = None, None
    for ask in session.scalars(
        select(Exchange).where(
            Exchange.interaction_id == request.interaction_id,
            Exchange.person_id == request.person_id,
            Exchange.direction == "they_asked",
            Exchange.outcome == "granted",
        )
    ):
        ask.outcome = "open"
