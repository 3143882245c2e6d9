"""Requests: what others asked of you. Open until answered; never silently dropped."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from goodwill import validate
from goodwill.models import Interaction, Person, Request


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
