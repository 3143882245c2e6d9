"""Shapes of the daily session, circles, the week, as the CLI and the web app serve them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class ActionOut(BaseModel):
    """One item of the daily session."""

    id: str
    kind: str  # thank_you, request, follow_up, keep_in_touch, reconnect, give, ask
    person_id: int
    person: str
    channel: str  # message, email or call
    minutes: int
    reason: str
    draft: str
    due: dt.date | None = None
    # A decision of your phone's sync (actions.CHOICES): what `done --pick` takes.
    choices: list[str] = Field(default_factory=list)


class AgendaOut(BaseModel):
    date: dt.date
    budget_minutes: int
    planned_minutes: int
    actions: list[ActionOut] = Field(default_factory=list)
    next: list[ActionOut] = Field(default_factory=list)
    # Further actions beyond `next` (not drafted, to keep the session short).
    more: int = 0


class ActionResult(BaseModel):
    """What `done`, `snooze` or `skip` did."""

    id: str
    status: str
    person: str
    until: dt.date | None = None
    interaction_id: int | None = None


class CircleOut(BaseModel):
    circle: str
    ideal_days: int
    max_days: int
    customised: bool = False
    people: int = 0
    due: int = 0
    overdue: int = 0
    dormant: int = 0


class WeekOut(BaseModel):
    start: dt.date
    end: dt.date
    days_networked: int
    networked_on: list[dt.date] = Field(default_factory=list)
    people_touched: int
    interactions: int
    gives: int
    asks: int
    new_contacts: int
    actions_done: int
    current_streak: int
    longest_streak: int
