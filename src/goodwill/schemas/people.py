"""Shapes of people, organisations, interactions and search hits as the outside sees them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from goodwill.schemas.ledger import Flag


class RoleOut(BaseModel):
    organization: str
    org_id: int
    title: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    current: bool = True


class PersonSummary(BaseModel):
    id: int
    name: str
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    organization: str | None = None
    title: str | None = None
    circle: str
    tags: list[str] = Field(default_factory=list)
    location: str | None = None
    last_contact: dt.date | None = None


class InteractionBrief(BaseModel):
    id: int
    date: dt.date
    kind: str
    summary: str | None = None
    initiated_by: str | None = None
    people: list[str] = Field(default_factory=list)
    gave: list[str] = Field(default_factory=list)
    got: list[str] = Field(default_factory=list)
    asked: list[str] = Field(default_factory=list)
    they_asked: list[str] = Field(default_factory=list)


class KnowsOut(BaseModel):
    id: int
    name: str
    how: str
    note: str | None = None


class StrengthReason(BaseModel):
    """One of the features that moved a tie strength most (goodwill.scoring.strength_model)."""

    feature: str
    change: float  # in log-odds: positive raised the chance, negative lowered it
    words: str


class PersonDetail(PersonSummary):
    given_name: str | None = None
    family_name: str | None = None
    nickname: str | None = None
    industry: str | None = None
    links: list[str] = Field(default_factory=list)
    roles: list[RoleOut] = Field(default_factory=list)
    how_met: str | None = None
    met_on: dt.date | None = None
    working_on: str | None = None
    looking_for: str | None = None
    interests: str | None = None
    notes: str | None = None
    cadence_ideal_days: int | None = None
    cadence_max_days: int | None = None
    interactions_count: int = 0
    recent: list[InteractionBrief] = Field(default_factory=list)
    knows: list[KnowsOut] = Field(default_factory=list)
    removed: bool = False
    # The reciprocity ledger and tie strength (goodwill.scoring.strength, .ledger).
    strength: float = 0.0  # the chance of contact in the next 90 days
    strength_words: str = ""  # that chance in words (strength_model.words)
    strength_reasons: list[StrengthReason] = Field(default_factory=list)
    given: float = 0.0
    received: float = 0.0
    balance: float = 0.0
    last_give: dt.date | None = None
    last_get: dt.date | None = None
    flags: list[Flag] = Field(default_factory=list)


class OrgSummary(BaseModel):
    id: int
    name: str
    kind: str
    industry: str | None = None
    location: str | None = None
    target: bool = False
    people: int = 0


class OrgDetail(OrgSummary):
    website: str | None = None
    notes: str | None = None
    current: list[PersonSummary] = Field(default_factory=list)
    past: list[PersonSummary] = Field(default_factory=list)


class SearchHit(BaseModel):
    kind: str
    id: int
    title: str
    snippet: str
