"""The figures of the progress report, as the CLI's JSON and the web API serve them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class DayCount(BaseModel):
    date: dt.date
    interactions: int


class WeekRow(BaseModel):
    """One week (Monday to Sunday) of the period."""

    week: dt.date  # its Monday
    days_networked: int = 0
    interactions: int = 0
    new_contacts: int = 0
    interviews: int = 0
    referrals: int = 0
    leads: int = 0
    gave: int = 0
    got: int = 0


class Totals(BaseModel):
    days: int
    days_networked: int
    longest_streak: int
    current_streak: int
    interactions: int
    new_contacts: int
    interviews: int
    interviews_planned: int
    referrals: int
    leads: int
    gave: int
    got: int


class SourceCount(BaseModel):
    """Someone who opened doors in the period: names they referred, leads they sent."""

    person_id: int
    name: str
    referrals: int = 0
    leads: int = 0


class ReportFigures(BaseModel):
    start: dt.date
    end: dt.date
    weeks: int
    totals: Totals
    days: list[DayCount] = Field(default_factory=list)  # only days with an interaction
    weekly: list[WeekRow] = Field(default_factory=list)
    leads_by_stage: dict[str, int] = Field(default_factory=dict)
    leads_by_origin: dict[str, int] = Field(default_factory=dict)
    gave_by_kind: dict[str, int] = Field(default_factory=dict)
    got_by_kind: dict[str, int] = Field(default_factory=dict)
    top_sources: list[SourceCount] = Field(default_factory=list)
