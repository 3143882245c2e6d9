"""What the user did with an action of the daily session: done, snoozed or skipped.

Actions are derived afresh every day (agenda.py); only what the user did with them is
stored, in the `action_state` table, keyed by the action's stable id. An id reads
`KIND:pPERSON:REF`, e.g. `thank_you:p12:i345` (the help received in interaction 345),
`request:p12:r7`, `keep_in_touch:p12:d20240301` (the cycle since the last contact on that
day): the same situation always gets the same id, and a new situation a new one.

In team mode two members may act on the same situation (both thank Mia for the same
help): the stored key carries the member (`stored`), so their rows never collide.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.errors import InvalidInput, NotFound
from goodwill.store import policy
from goodwill.store.models import ActionState


@dataclass(frozen=True)
class Kind:
    """A kind of action of the daily session: everything the session, its pages and the
    calendar need to know about it, in one place."""

    name: str
    label: str  # the verb before the person's name: "Thank Dana"
    minutes: dict[str, int]  # estimated minutes per channel
    # Offered at most this many times per 20 minutes of session (None: no cap), so that a
    # long list of people due never crowds out reviving a dormant tie, giving first and
    # asking; the rest waits in "next". Obligations (thanks, answers, promises) have none.
    per_session: int | None
    # Stands for the relationship as a whole: at most one per person on an agenda.
    per_person: bool
    # A decision (a sync event waiting for you): what you can pick, the first the safe
    # one `done` takes when you pick nothing. Empty for the actions that log a contact.
    choices: tuple[str, ...] = ()


_ONE = {"message": 1, "email": 1, "call": 1}
# The kinds of action, in the order of priority of the daily session (the decisions are
# placed first by agenda.build, whatever their place here).
TABLE: tuple[Kind, ...] = (
    Kind("thank_you", "Thank", {"message": 2, "email": 4, "call": 10}, None, False),
    Kind("request", "Answer", {"message": 10, "email": 15, "call": 15}, None, False),
    Kind("follow_up", "Follow up with", {"message": 5, "email": 8, "call": 15}, None, False),
    Kind("keep_in_touch", "Keep in touch with", {"message": 3, "email": 5, "call": 15}, 3, True),
    Kind("reconnect", "Reconnect with", {"message": 5, "email": 8, "call": 20}, 1, True),
    Kind("give", "Give first to", {"message": 8, "email": 10, "call": 15}, 1, True),
    Kind("ask", "Ask", {"message": 3, "email": 5, "call": 10}, 1, True),
    # What your phone's sync asks you (sync/events: open events): first in the session,
    # a minute each; `done N --pick CHOICE`, or the Today page's buttons.
    Kind("sync_deleted", "Keep or remove", _ONE, None, False, ("keep", "remove")),
    Kind("sync_conflict", "Choose a value for", _ONE, None, False, ("ours", "theirs")),
    Kind(
        "sync_cancelled", "Keep or cancel the meeting with", _ONE, None, False, ("keep", "cancel")
    ),
)
KINDS: tuple[str, ...] = tuple(k.name for k in TABLE)
LABELS: dict[str, str] = {k.name: k.label for k in TABLE}
MINUTES: dict[str, dict[str, int]] = {k.name: k.minutes for k in TABLE}
PER_SESSION: dict[str, int] = {k.name: k.per_session for k in TABLE if k.per_session is not None}
PER_PERSON: tuple[str, ...] = tuple(k.name for k in TABLE if k.per_person)
CHOICES: dict[str, tuple[str, ...]] = {k.name: k.choices for k in TABLE if k.choices}
# The open sync event kinds each decision stands for.
DECISION_OF_EVENT: dict[str, str] = {
    "deleted": "sync_deleted",
    "conflict": "sync_conflict",
    "cancelled": "sync_cancelled",
}
DONE, SNOOZED, SKIPPED = "done", "snoozed", "skipped"
# A snooze without --until lasts this long.
DEFAULT_SNOOZE_DAYS = 7

_ID = re.compile(r"^(?P<kind>[a-z_]+):p(?P<person>\d+):(?P<ref>[A-Za-z0-9_-]{1,60})$")


@dataclass(frozen=True)
class ActionId:
    kind: str
    person_id: int
    ref: str

    def __str__(self) -> str:
        return f"{self.kind}:p{self.person_id}:{self.ref}"


def make_id(kind: str, person_id: int, ref: str) -> str:
    # The format of ActionId.__str__, without the object (thousands per agenda).
    return f"{kind}:p{person_id}:{ref}"


def parse(value: str) -> ActionId:
    """An action id as typed by the user; a malformed one is a clear error."""
    text = value.strip()
    m = _ID.match(text)
    if not m or m.group("kind") not in KINDS:
        raise InvalidInput(
            "action",
            value,
            "not an action id (they look like thank_you:p12:i345; see 'goodwill today')",
        )
    return ActionId(m.group("kind"), int(m.group("person")), m.group("ref"))


MEMBER_MARK = "~m"


def stored(key: str) -> str:
    """The key an action's state is stored under: its id, and in team mode the member's."""
    viewer = policy.current()
    return key if viewer is None else f"{key}{MEMBER_MARK}{viewer.member_id}"


def _action_id(key: str) -> str:
    return key.split(MEMBER_MARK, 1)[0]


def hidden(session: Session, today: dt.date, keys: Iterable[str] | None = None) -> set[str]:
    """Ids that must not show today: done, skipped, or snoozed until after today."""
    stmt = select(ActionState.key, ActionState.status, ActionState.until)
    wanted = [stored(k) for k in keys] if keys is not None else None
    if wanted is not None:
        if not wanted:
            return set()
        stmt = stmt.where(ActionState.key.in_(wanted))
    out = set()
    for key, status, until in session.execute(stmt):
        if status in (DONE, SKIPPED) or (status == SNOOZED and until is not None and until > today):
            out.add(_action_id(key))
    return out


def get(session: Session, key: str) -> ActionState | None:
    return session.get(ActionState, stored(key))


def _record(
    session: Session,
    key: str,
    status: str,
    today: dt.date,
    *,
    until: dt.date | None = None,
    note: str | None = None,
    interaction_id: int | None = None,
) -> ActionState:
    row = session.get(ActionState, stored(key))
    if row is None:
        row = ActionState(key=stored(key), status=status, acted_on=today)
        session.add(row)
    row.status, row.until, row.acted_on = status, until, today
    row.note = note or None
    row.interaction_id = interaction_id
    session.flush()
    return row


def check_open(session: Session, key: str) -> None:
    """Refuse to act twice on a finished action (done or skipped)."""
    row = session.get(ActionState, stored(key))
    if row is not None and row.status in (DONE, SKIPPED):
        raise InvalidInput("action", key, f"was already {row.status} on {row.acted_on.isoformat()}")


def mark_done(
    session: Session,
    key: str,
    today: dt.date,
    *,
    note: str | None = None,
    interaction_id: int | None = None,
) -> ActionState:
    return _record(session, key, DONE, today, note=note, interaction_id=interaction_id)


def snooze(session: Session, key: str, today: dt.date, until: dt.date | None = None) -> ActionState:
    """Hide an action until a later day (default a week); a date not after today is refused."""
    when = until or today + dt.timedelta(days=DEFAULT_SNOOZE_DAYS)
    if when <= today:
        raise InvalidInput(
            "until", when.isoformat(), f"a snooze must end after today ({today.isoformat()})"
        )
    return _record(session, key, SNOOZED, today, until=when)


def skip(session: Session, key: str, today: dt.date, note: str | None = None) -> ActionState:
    """Drop an action for good (it is remembered, so it never comes back)."""
    return _record(session, key, SKIPPED, today, note=note)


def history(session: Session, since: dt.date | None = None) -> list[ActionState]:
    stmt = select(ActionState).order_by(ActionState.acted_on, ActionState.key)
    if since is not None:
        stmt = stmt.where(ActionState.acted_on >= since)
    return list(session.scalars(stmt))


def not_found(key: str) -> NotFound:
    return NotFound(f"no action {key!r} on the agenda; see 'goodwill today' for the ids")
