"""Shapes of needs, requests, knows-edges, introductions, asks and warm paths."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class NeedOut(BaseModel):
    id: int
    text: str
    status: str
    kind: str  # job | information | help: decides which ties rank first
    organizations: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    created: dt.date
    closed: dt.date | None = None
    outcome: str | None = None
    interactions: int = 0  # interactions logged with --need N


class RequestOut(BaseModel):
    id: int
    person_id: int
    person: str
    text: str
    asked_on: dt.date
    due: dt.date | None = None
    status: str  # open | answered
    days_open: int = 0
    overdue: bool = False
    answer: str | None = None  # helped | offered | referred
    answer_text: str | None = None
    referred_to_id: int | None = None
    referred_to: str | None = None
    answered_on: dt.date | None = None


class KnowsEdgeOut(BaseModel):
    a_id: int
    a: str
    b_id: int
    b: str
    how: str
    strength: float
    note: str | None = None
    derived: bool = False  # computed from meetings, roles, referrals, introductions


class IntroductionOut(BaseModel):
    id: int
    a_id: int
    a: str
    b_id: int
    b: str
    why: str | None = None
    stage: str
    created: dt.date
    updated: dt.date
    next_step: str | None = None


class PersonRef(BaseModel):
    id: int
    name: str
    organization: str | None = None
    title: str | None = None


class PathStep(BaseModel):
    """One person on a path and the link that reaches them from the previous one."""

    id: int
    name: str
    organization: str | None = None
    strength: float  # of the link from the previous step (from you for the first)
    via: str  # what the link is: "your contact", "knows (manual)", "colleagues at Acme"...


class PathOut(BaseModel):
    target: str
    score: float  # product of the link strengths, 0..1
    hops: int
    steps: list[PathStep]


class AskOut(BaseModel):
    person: PersonRef
    score: float
    reasons: list[str]
    path: PathOut | None = None


class Announcement(BaseModel):
    """A draft post (linkedin) or email announcing a need; goodwill never sends it."""

    need_id: int
    channel: str
    subject: str | None = None
    body: str
