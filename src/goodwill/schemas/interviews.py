"""Shapes of your profile, informational interviews, their prep sheets and leads."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from goodwill.schemas.people import InteractionBrief, KnowsOut


class Profile(BaseModel):
    """Who you are (name, addresses, pitch), what you target, and what you can offer."""

    name: str | None = None
    emails: list[str] = Field(default_factory=list)
    pitch: str | None = None
    target_roles: list[str] = Field(default_factory=list)
    target_orgs: list[str] = Field(default_factory=list)
    target_places: list[str] = Field(default_factory=list)
    offers: list[str] = Field(default_factory=list)


class Question(BaseModel):
    category: str
    text: str


class MeetingOut(BaseModel):
    id: int
    person_id: int
    person: str
    organization: str | None = None
    kind: str
    status: str
    planned_for: dt.datetime | None = None
    held_on: dt.date | None = None
    referrals: int = 0
    learned: str | None = None
    resume_feedback: str | None = None


class OrgBrief(BaseModel):
    id: int
    name: str
    industry: str | None = None
    location: str | None = None
    website: str | None = None
    notes: str | None = None
    target: bool = False
    people_you_know: list[str] = Field(default_factory=list)


class PrepSheet(BaseModel):
    """Everything the Markdown prep sheet shows, as data."""

    meeting: MeetingOut
    profile: Profile
    person: str
    title: str | None = None
    organization: OrgBrief | None = None
    past_roles: list[str] = Field(default_factory=list)
    location: str | None = None
    industry: str | None = None
    how_met: str | None = None
    met_through: str | None = None
    working_on: str | None = None
    looking_for: str | None = None
    interests: str | None = None
    notes: str | None = None
    shared_contacts: list[KnowsOut] = Field(default_factory=list)
    past_exchanges: list[InteractionBrief] = Field(default_factory=list)
    gave_total: int = 0
    got_total: int = 0
    you_could_offer: list[str] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)


class ReferredOut(BaseModel):
    id: int
    name: str
    email: str | None = None
    new: bool


class MeetingOutcome(BaseModel):
    meeting: MeetingOut
    interaction_id: int
    gave: list[str] = Field(default_factory=list)
    got: list[str] = Field(default_factory=list)
    referred: list[ReferredOut] = Field(default_factory=list)
    thank_by: dt.date


class OriginStep(BaseModel):
    """One link of a lead's origin chain: met A, A referred B, B sent the lead."""

    person_id: int
    name: str
    relation: str  # met | referred | sent
    text: str
    date: dt.date | None = None
    last_thanked: dt.date | None = None
    thank_owed: bool = True  # no thank-you given to them since the lead came in


class LeadOut(BaseModel):
    id: int
    title: str
    organization: str | None = None
    from_person: str | None = None
    from_person_id: int | None = None
    url: str | None = None
    stage: str
    origin: str | None = None  # the chain in one line: "Ann Lee → Bob Chen"
    created: dt.date
    updated: dt.date


class LeadDetail(LeadOut):
    notes: str | None = None
    chain: list[OriginStep] = Field(default_factory=list)
