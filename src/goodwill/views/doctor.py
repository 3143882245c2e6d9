"""`goodwill doctor`: the database (where, which schema revision, how much is in it) and
every sync source (when it last synced, its last error), read-only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from goodwill.records import sync_sources
from goodwill.schemas.sync_mail import DoctorReport, SyncSourceOut
from goodwill.store import db
from goodwill.store.models import Interaction, Knows, Need, Organization, Person, Request


def _database(session: Session) -> str:
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.render_as_string(hide_password=True)


def report(session: Session, now: dt.datetime | None = None) -> DoctorReport:
    engine = session.get_bind().engine
    revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head = db.head_revision()
    counts = {
        "people": session.scalar(
            select(func.count()).select_from(Person).where(Person.removed_at.is_(None))
        ),
        "organisations": session.scalar(select(func.count()).select_from(Organization)),
        "interactions": session.scalar(select(func.count()).select_from(Interaction)),
        "knows": session.scalar(select(func.count()).select_from(Knows)),
        "needs": session.scalar(select(func.count()).select_from(Need)),
        "open_requests": session.scalar(
            select(func.count()).select_from(Request).where(Request.status == "open")
        ),
    }
    failing = {s.id for s in sync_sources.failing(session, now)}
    sources = [
        SyncSourceOut(
            kind=s.kind,
            location=s.location,
            last_run_at=s.last_run_at,
            last_ok_at=s.last_ok_at,
            last_error=s.last_error,
            last_error_at=s.last_error_at,
            failing_since=s.failing_since,
            failing=s.id in failing,
            recovered=bool(
                s.last_error_at and s.last_ok_at and s.last_ok_at > s.last_error_at
            ),
        )
        for s in sync_sources.everyone(session)
    ]
    return DoctorReport(
        database=_database(session),
        backend=engine.dialect.name,
        revision=revision,
        head=head,
        up_to_date=revision == head,
        counts={k: int(v or 0) for k, v in counts.items()},
        sources=sources,
    )


def failing_warnings(session: Session, now: dt.datetime | None = None) -> list[str]:
    """One sentence per sync source failing for more than a day (the daily session's
    warning): capture that stopped quietly would let "last in touch" go stale."""
    return [
        f"the {s.kind} sync of {s.location} has been failing since "
        f"{s.failing_since:%Y-%m-%d %H:%M} UTC: {s.last_error or 'no error recorded'} "
        "(see goodwill doctor)"
        for s in sync_sources.failing(session, now)
    ]
