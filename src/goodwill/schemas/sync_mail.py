"""Shapes of a mail sync's report and of `goodwill doctor` (CLI JSON and the web API)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from goodwill.schemas.io import ImportIssue


class MailSyncReport(BaseModel):
    location: str  # the IMAP URL without a password
    uidvalidity: int
    rescanned: bool = False  # UIDVALIDITY changed: the folder was read again from its start
    fetched: int = 0  # messages whose headers were fetched in this run
    last_uid: int = 0
    batches: int = 0
    created: int = 0
    updated: int = 0
    merged: int = 0
    unchanged: int = 0
    interactions_created: int = 0
    interactions_unchanged: int = 0
    requests_opened: int = 0  # unanswered messages that asked you something (with subjects)
    requests_withdrawn: int = 0  # ... that you have since answered by mail
    subjects: bool = False
    # Where the run's time went: waiting for the server, and reading and writing the batches.
    fetch_seconds: float = 0.0
    write_seconds: float = 0.0
    issues: list[ImportIssue] = Field(default_factory=list)


class SyncSourceOut(BaseModel):
    kind: str
    location: str
    last_run_at: dt.datetime | None = None
    last_ok_at: dt.datetime | None = None
    last_error: str | None = None
    last_error_at: dt.datetime | None = None
    failing_since: dt.datetime | None = None
    failing: bool = False  # failing for more than a day: the daily session warns
    recovered: bool = False  # it synced after its last error: the error is history


class DoctorReport(BaseModel):
    database: str  # its URL, password masked (a file path for SQLite)
    backend: str
    revision: str | None
    head: str
    up_to_date: bool
    counts: dict[str, int]
    sources: list[SyncSourceOut] = Field(default_factory=list)
