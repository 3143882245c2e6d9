"""Shapes of sync reports and sync events (CLI JSON and, later, the web API)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class SyncEventOut(BaseModel):
    id: int
    person_id: int | None = None
    person: str | None = None
    uid: str | None = None
    kind: str  # created, merged, edited, conflict, kept, deleted
    field: str | None = None
    ours: str | None = None
    theirs: str | None = None
    status: str  # done, open, closed
    at: dt.datetime


class ContactsSyncReport(BaseModel):
    folder: str
    dry_run: bool = False
    first_run: bool = False
    # What came from the folder (the phone's side).
    read: int = 0  # card files read because they changed or are new
    created: int = 0
    merged: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted_on_phone: int = 0
    conflicts: int = 0
    # What goodwill wrote to the folder.
    written: int = 0  # cards written (new or changed)
    removed: int = 0  # card files deleted (person removed, left the filter, a duplicate)
    untouched: int = 0  # people on the phone whose file was left as it was
    open_events: int = 0  # things asking you to decide: see `goodwill sync events`
    issues: list[str] = Field(default_factory=list)


class CalendarSyncReport(BaseModel):
    folder: str
    dry_run: bool = False
    read: int = 0  # event files read because they changed or are new
    interactions_created: int = 0
    interactions_updated: int = 0
    interactions_cancelled: int = 0
    # goodwill's own events edited on the phone (docs/sync.md).
    moved_on_phone: int = 0  # moved in goodwill as the phone moved them
    cancelled_on_phone: int = 0  # interviews cancelled, follow-ups dropped
    conflicts: int = 0  # moved on both sides: goodwill's time kept, the phone's asks you
    open_events: int = 0  # cancellations that ask you first (see `goodwill today`)
    written: int = 0
    removed: int = 0
    untouched: int = 0
    issues: list[str] = Field(default_factory=list)
