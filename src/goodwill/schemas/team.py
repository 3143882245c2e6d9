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
