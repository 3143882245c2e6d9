"""Shapes of team members and the audit log."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class MemberOut(BaseModel):
    id: int
    name: str
    email: str
    role: str  # admin | member
    joined: dt.date


class AuditOut(BaseModel):
    at: dt.datetime
    actor: str | None
    action: str
    subject: str | None


class TeamDetailOut(BaseModel):
    """One of a teammate's interactions with someone: that it happened, and only what its
    owner shares of it (date, channel, subject); None for the rest."""

    date: dt.date | None = None
    channel: str | None = None
    subject: str | None = None


class TeamRouteOut(BaseModel):
    """A teammate's tie to someone: the shared tier only (no subject, no ledger)."""

    member: str
    member_id: int
    person_id: int
    person: str
    organization: str | None
    strength: str  # strong | medium | weak
    last_month: str  # "October 2026"
    interactions: int
    # Their latest interactions with this person, as much as they share of each.
    shared: list[TeamDetailOut] = []


class IntroOut(BaseModel):
    id: int
    from_member: str
    from_member_id: int
    to_member: str
    to_member_id: int
    person_id: int
    person: str
    why: str | None
    status: str  # open | accepted | declined
    created: dt.datetime
