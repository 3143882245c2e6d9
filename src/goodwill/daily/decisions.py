"""What your phone's sync asks you, as actions of the daily session.

An open sync event (sync/events: a card deleted on the phone, a value changed on both
sides, a meeting cancelled on the phone that goodwill would not cancel alone) is an action
`KIND:pPERSON:eEVENT` of a decision kind (actions.CHOICES): keep the person or remove them,
keep goodwill's value or take the phone's, keep the meeting or cancel it. The choices are
applied by `goodwill.sync.decisions.resolve` (the sync layer, which knows the folders);
this module only reads, so the session can show them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.daily import actions
from goodwill.errors import InvalidInput
from goodwill.schemas.agenda import ActionOut
from goodwill.store.models import Person, SyncEvent

# At most this many decisions in a session; the others come next.
PER_SESSION = 5
_FIELD = {"name": "name", "organization": "job", "birthday": "birthday", "when": "time"}


def _reason(e: SyncEvent) -> str:
    if e.kind == "deleted":
        return (
            "Their card was deleted on your phone. goodwill removed nobody: keep them "
            "(they stay off the phone) or remove them from goodwill too."
        )
    if e.kind == "conflict":
        what = _FIELD.get(e.field or "", e.field or "value")
        return (
            f"Their {what} changed on both sides: goodwill has {e.ours or 'nothing'}, your "
            f"phone has {e.theirs or 'nothing'}. Keep goodwill's (ours) or take the phone's "
            "(theirs)."
        )
    return (
        f"The meeting on {e.ours or 'its day'} was cancelled on your phone. Keep it in "
        "goodwill (it goes back to the phone) or cancel it here too."
    )


def waiting(session: Session, today_hidden: set[str] | None = None) -> list[ActionOut]:
    """The open sync events as actions, oldest first (hidden ones, snoozed or skipped, left
    out)."""
    rows = session.execute(
        select(SyncEvent, Person.display_name)
        .outerjoin(Person, Person.id == SyncEvent.person_id)
        .where(SyncEvent.status == "open")
        .order_by(SyncEvent.at, SyncEvent.id)
    ).all()
    out = []
    for e, name in rows:
        kind = actions.DECISION_OF_EVENT.get(e.kind)
        if kind is None:
            continue
        key = actions.make_id(kind, e.person_id or 0, f"e{e.id}")
        if today_hidden is not None and key in today_hidden:
            continue
        out.append(
            ActionOut(
                id=key,
                kind=kind,
                person_id=e.person_id or 0,
                person=name or "your calendar",
                channel="goodwill",
                minutes=1,
                reason=_reason(e),
                draft="",
                choices=list(actions.CHOICES[kind]),
            )
        )
    return out


def is_decision(action_id: str) -> bool:
    kind = action_id.strip().split(":", 1)[0]
    return kind in actions.CHOICES


def event_of(session: Session, action_id: str) -> tuple[actions.ActionId, SyncEvent]:
    """The open sync event a decision's id stands for; a stale or wrong id is a clear error."""
    ref = actions.parse(action_id)
    if ref.kind not in actions.CHOICES or not ref.ref.startswith("e") or not ref.ref[1:].isdigit():
        raise InvalidInput("action", action_id, "not a decision of your phone's sync")
    number = int(ref.ref[1:])
    event = session.get(SyncEvent, number) if number < 2**31 else None
    if (
        event is None
        or actions.DECISION_OF_EVENT.get(event.kind) != ref.kind
        or (event.person_id or 0) != ref.person_id
    ):
        raise actions.not_found(str(ref))
    if event.status != "open":
        raise InvalidInput("action", action_id, f"was already decided ({event.status})")
    return ref, event


def choice(kind: str, pick: str | None) -> str:
    """The choice picked (the safe first one when none); an unknown one is a clear error."""
    options = actions.CHOICES[kind]
    if pick is None:
        return options[0]
    value = pick.strip().lower()
    if value not in options:
        raise InvalidInput("pick", pick, f"choose {' or '.join(options)}")
    return value
