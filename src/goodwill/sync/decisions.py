"""Decide what your phone's sync asked (the daily session's sync actions).

The rule for each open sync event (daily/decisions shows them; actions.CHOICES lists the
picks, the first being the safe one):

- a card deleted on the phone: `keep` the person (they stay off the phone) or `remove`
  them from goodwill too (removed like `goodwill person remove`: their history stays);
- a value changed on both sides: `ours` keeps goodwill's (the next sync writes it to the
  phone) or `theirs` takes the phone's (a name, a job, a birthday, an event's time);
- a meeting cancelled on the phone: `keep` it (the next sync puts it back on the phone) or
  `cancel` it here too.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.daily import decisions
from goodwill.errors import InvalidInput
from goodwill.records import people
from goodwill.store.models import Organization, Person, SyncEvent, SyncSource
from goodwill.sync import calendar

_DAILY = re.compile(r"^daily at (\d\d):(\d\d), (\d+) min$")


def resolve(session: Session, action_id: str, pick: str | None = None) -> str:
    """Apply the choice picked for a decision and close its sync event; what was done."""
    ref, event = decisions.event_of(session, action_id)
    chosen = decisions.choice(ref.kind, pick)
    person = session.get(Person, event.person_id) if event.person_id else None
    who = person.display_name if person else "your calendar"
    message = _apply(session, event, chosen, person, who)
    event.status = "closed"
    session.flush()
    return message


def _apply(session: Session, event: SyncEvent, chosen: str, person: Person | None, who: str) -> str:
    if event.kind == "deleted":
        if chosen == "remove" and person is not None and person.removed_at is None:
            people.remove(session, person)
            return f"Removed {who} from goodwill (their history stays)."
        return f"Kept {who}; they stay off your phone."
    if event.kind == "cancelled":
        if chosen == "cancel" and event.uid:
            calendar.apply_cancel(session, event.uid)
            return f"Cancelled the meeting with {who}."
        return f"Kept the meeting with {who}; the next calendar sync puts it back."
    # A conflict.
    if chosen == "ours":
        return f"Kept goodwill's {event.field} for {who}; the next sync writes it to the phone."
    source = session.get(SyncSource, event.source_id)
    if source is not None and source.kind == calendar.KIND:
        view = _view(event.theirs or "")
        if view is None or not event.uid or not calendar.apply_move(session, event.uid, view):
            raise InvalidInput("pick", "theirs", "the phone's time can no longer be applied")
        return f"Moved it to {event.theirs}, as on your phone."
    if person is None:
        raise InvalidInput("pick", "theirs", "the person is no longer in goodwill")
    _take_card_value(session, person, event.field or "", event.theirs)
    return f"Took your phone's {event.field} for {who}: {event.theirs or 'nothing'}."


def _view(shown: str) -> calendar.PhoneView | None:
    """An event time as a conflict shows it, back to what apply_move takes."""
    m = _DAILY.match(shown)
    try:
        if m:
            start = dt.datetime(2024, 1, 1, int(m.group(1)), int(m.group(2)))
            return calendar.PhoneView(False, frozenset(), start, int(m.group(3)))
        if " " in shown:
            return calendar.PhoneView(False, frozenset(), dt.datetime.fromisoformat(shown))
        return calendar.PhoneView(False, frozenset(), dt.date.fromisoformat(shown))
    except ValueError:
        return None


def _take_card_value(session: Session, person: Person, field: str, theirs: str | None) -> None:
    if not theirs:
        raise InvalidInput("pick", "theirs", f"the phone has no {field}: keep goodwill's")
    if field == "name":
        people.edit(session, person, name=theirs)
    elif field == "birthday":
        person.birthday = dt.date.fromisoformat(theirs)
    elif field == "organization":
        org, title = _split_role(session, theirs)
        people.set_role(session, person, org, title)
        person.updated_at = dt.datetime.now()
    else:
        raise InvalidInput("pick", "theirs", f"goodwill cannot take a {field} from the phone")
    session.flush()


def _split_role(session: Session, shown: str) -> tuple[str, str | None]:
    """'Title, Organisation' (as the conflict shows it) back to its parts: the longest
    known organisation it ends with, else the part after the last comma."""
    if ", " not in shown:
        return shown, None
    parts = shown.split(", ")
    for i in range(1, len(parts)):
        org = ", ".join(parts[i:])
        if session.scalar(select(Organization.id).where(Organization.name == org).limit(1)):
            return org, ", ".join(parts[:i])
    return parts[-1], ", ".join(parts[:-1])
