"""Where each sync source stands: contacts and calendar folders, mail folders.

One row per source (`models.SyncSource`), keyed by its location (a folder's absolute path
or an IMAP URL without its password). A sync run calls `start`, then `succeeded` with its
new state or `failed` with a one-sentence message; `goodwill doctor` lists them and the
daily session warns about those `failing` for more than a day.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.store.models import SyncSource

# A source that has failed for this long gets a warning in the daily session.
FAILING_WARNING_AFTER = dt.timedelta(days=1)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def get(session: Session, kind: str, location: str) -> SyncSource:
    """The source at `location`, made (not yet flushed) when it is new."""
    source = session.scalars(select(SyncSource).where(SyncSource.location == location)).first()
    if source is None:
        source = SyncSource(kind=kind, location=location, state="{}")
        session.add(source)
    return source


def state(source: SyncSource) -> dict[str, Any]:
    """The source's own state (what it needs for its next incremental run)."""
    loaded = json.loads(source.state or "{}")
    return loaded if isinstance(loaded, dict) else {}


def succeeded(
    source: SyncSource, new_state: dict[str, Any] | None = None, *, at: dt.datetime | None = None
) -> None:
    when = at or _now()
    if new_state is not None:
        source.state = json.dumps(new_state, sort_keys=True)
    source.last_run_at = when
    source.last_ok_at = when
    source.failing_since = None


def failed(source: SyncSource, message: str, *, at: dt.datetime | None = None) -> None:
    """Record a failed run. `message` is shown to the user: one sentence, no secrets."""
    when = at or _now()
    source.last_run_at = when
    source.last_error = message
    source.last_error_at = when
    if source.failing_since is None:
        source.failing_since = when


def everyone(session: Session) -> list[SyncSource]:
    return list(session.scalars(select(SyncSource).order_by(SyncSource.kind, SyncSource.location)))


def failing(session: Session, now: dt.datetime | None = None) -> list[SyncSource]:
    """Sources whose runs have failed without a success for more than a day."""
    cutoff = (now or _now()) - FAILING_WARNING_AFTER
    return list(
        session.scalars(
            select(SyncSource)
            .where(SyncSource.failing_since.is_not(None), SyncSource.failing_since <= cutoff)
            .order_by(SyncSource.location)
        )
    )
