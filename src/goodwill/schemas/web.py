"""Bodies the web app receives: HTML forms and the JSON API's write requests.

Responses reuse the schemas of the command line (schemas/people.py and friends). Fields are
lenient strings here; the domain checks the values and names the field that is wrong.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, Field

from goodwill.errors import InvalidInput

# A record id as forms and paths may carry it (ids are 32-bit on PostgreSQL).
RecordId = Annotated[int, Field(ge=1, le=2**31 - 1)]
# The same, as a path parameter.
PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]

TEXT_FIELDS = ("location", "industry", "how_met", "working_on", "looking_for", "interests")


def split_list(value: str) -> list[str]:
    """'a, b,,c' -> ['a', 'b', 'c'] (tags and people typed in one box)."""
    return [part.strip() for part in value.split(",") if part.strip()]


class BulkTagForm(BaseModel):
    ids: list[RecordId] = Field(default_factory=list, max_length=1000)
    tag: str = ""
    q: str = ""
    circle: str = ""
    org: str = ""
    filter_tag: str = ""

    def back_params(self) -> list[tuple[str, str]]:
        """The list's search and filters, to return to the same view."""
        pairs = (
            ("q", self.q),
            ("circle", self.circle),
            ("tag", self.filter_tag),
            ("org", self.org),
        )
        return [(k, v) for k, v in pairs if v]


class PersonEditForm(BaseModel):
    name: str = ""
    circle: str = ""
    org: str = ""
    title: str = ""
    location: str = ""
    industry: str = ""
    how_met: str = ""
    working_on: str = ""
    looking_for: str = ""
    interests: str = ""
    tags: str = ""
    add_email: str = ""
    remove_emails: list[str] = Field(default_factory=list)
    add_phone: str = ""
    linkedin: str = ""
    cadence: str = ""
    note: str = ""

    def edit_arguments(self, before: dict[str, str]) -> dict[str, Any]:
        """Keyword arguments for `people.edit`: only what changed from `before`."""
        args: dict[str, Any] = {}
        if self.name.strip() and self.name.strip() != before["name"]:
            args["name"] = self.name
        if self.circle.strip() and self.circle != before["circle"]:
            args["circle"] = self.circle
        if self.org.strip() and self.org.strip() != before["org"]:
            args["org"], args["title"] = self.org.strip(), self.title.strip() or None
        elif self.title.strip() and self.title.strip() != before["title"]:
            args["title"] = self.title.strip()
        old_tags, new_tags = split_list(before["tags"]), split_list(self.tags)
        args["add_tags_"] = [t for t in new_tags if t.lower() not in old_tags]
        lowered = {t.lower() for t in new_tags}
        args["remove_tags"] = [t for t in old_tags if t not in lowered]
        args["add_emails"] = [self.add_email] if self.add_email.strip() else []
        args["remove_emails"] = self.remove_emails
        args["add_phones"] = [self.add_phone] if self.add_phone.strip() else []
        args["linkedin"] = self.linkedin.strip() or None
        args["note"] = self.note.strip() or None
        cadence = self.cadence.strip()
        if cadence and cadence != before["cadence"]:
            if not cadence.isdigit():
                raise InvalidInput("cadence", cadence, "must be a whole number of days")
            args["cadence_days"] = int(cadence)
        for field in TEXT_FIELDS:
            value = getattr(self, field).strip()
            if value != before[field]:
                args[field] = value
        return args


class LogForm(BaseModel):
    """The quick log form: chosen people (ids) and/or names typed, kind, exchanges."""

    person_id: list[RecordId] = Field(default_factory=list, max_length=50)
    who: str = ""
    kind: str = ""
    date: str = ""
    summary: str = ""
    initiated: str = ""
    gave: list[str] = Field(default_factory=list)
    got: list[str] = Field(default_factory=list)
    asked: str = ""
    they_asked: str = ""
    follow_up: str = ""


class LogRequest(BaseModel):
    """POST /api/interactions: record an interaction (like `goodwill log`)."""

    people: list[str] = Field(
        min_length=1, max_length=50, description="Ids, emails or names of who was there."
    )
    kind: str = Field(description="coffee, call, meeting, email, message, event, letter or note.")
    date: str | None = Field(
        default=None, description="YYYY-MM-DD, 'yesterday', '3 days ago'; default now."
    )
    summary: str | None = None
    initiated_by: str | None = Field(default=None, description="me or them.")
    gave: list[str] = Field(default_factory=list, max_length=20)
    got: list[str] = Field(default_factory=list, max_length=20)
    asked: list[str] = Field(default_factory=list, max_length=20)
    they_asked: list[str] = Field(default_factory=list, max_length=20)


class ActionForm(BaseModel):
    """Done / snooze / skip on the Today page (the button pressed is `op`)."""

    action: str = Field(max_length=200)
    op: Literal["done", "snooze", "skip", "pick"] = "done"
    pick: str = Field(default="", max_length=20)  # op "pick": a decision's choice
    note: str = ""
    until: str = ""
    minutes: int | None = Field(default=None, ge=1, le=480)
