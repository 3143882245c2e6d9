"""Shapes of import reports and merge suggestions (CLI JSON/CSV and the web API)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ImportIssue(BaseModel):
    file: str
    line: int | None = None
    message: str
    skipped: bool = True  # the record was left out (False: imported, with a warning)


class ImportReport(BaseModel):
    format: str
    path: str
    dry_run: bool = False
    records: int = 0
    created: int = 0
    updated: int = 0
    merged: int = 0
    suggested: int = 0
    unchanged: int = 0
    skipped: int = 0
    interactions_created: int = 0
    interactions_unchanged: int = 0
    issues: list[ImportIssue] = Field(default_factory=list)
    # Set when the file was read but held nothing to import (only you, cancelled events...).
    note: str | None = None


class MergeSuggestionOut(BaseModel):
    id: int
    a_id: int
    a_name: str
    b_id: int
    b_name: str
    score: float
    reason: str
    status: str


class ExportResult(BaseModel):
    format: str
    path: str | None = None
    people: int = 0
    files: int = 0
