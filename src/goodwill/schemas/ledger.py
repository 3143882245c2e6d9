"""Shapes of tie strength, the reciprocity ledger and red flags as the outside sees them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class StrengthRow(BaseModel):
    """One person's tie strength as of a date, in [0, 1]."""

    id: int
    name: str
    emails: list[str] = Field(default_factory=list)
    strength: float
    last_contact: dt.date | None = None


class Balance(BaseModel):
    """What you gave and received with one person, weighted by kind, decayed by age.

    given and received are weighted sums (an introduction weighs more than a piece of
    information; older exchanges count less); balance = given - received, so a positive
    balance means you have given more than you got.
    """

    person_id: int
    given: float = 0.0
    received: float = 0.0
    balance: float = 0.0
    gives: int = 0
    gets: int = 0
    last_give: dt.date | None = None
    last_get: dt.date | None = None


class BalanceRow(Balance):
    """A balance with the person's name, for `goodwill balance`."""

    name: str


FLAG_KINDS: tuple[str, ...] = ("one_way", "thanks_owed", "unanswered_request", "taker")


class Flag(BaseModel):
    """A red flag or a health warning, with its reason in words.

    kind: one_way | thanks_owed | unanswered_request | taker. `person` and `person_id` are
    None for `taker`, which is about you. `since` is when the problem started.
    """

    kind: str
    person: str | None = None
    person_id: int | None = None
    reason: str
    since: dt.date | None = None


class AskOutcome(BaseModel):
    """An ask you made of someone and how it ended: open, granted, refused or ignored."""

    id: int
    person_id: int
    person: str
    text: str | None = None
    asked_on: dt.date
    outcome: str
