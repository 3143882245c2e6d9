"""Day numbers: a datetime as a Julian day (fractional), the form `Participant.day` stores.

SQLite's julianday() and PostgreSQL's epoch agree through the Julian day of the Unix epoch;
numbers let index scans compare times without parsing dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import Session

UNIX_JD = 2440587.5
EPOCH = dt.datetime(1970, 1, 1)


def day_number(when: dt.datetime) -> float:
    """The day number (Julian day) of a naive datetime, as the SQL below computes it."""
    return (when - EPOCH).total_seconds() / 86400.0 + UNIX_JD


def from_day_number(day: float) -> dt.datetime:
    """Back to a datetime, to the nearest second (a float day number holds about 50 µs)."""
    return EPOCH + dt.timedelta(seconds=round((day - UNIX_JD) * 86400.0))


def ordinals(days: Any) -> Any:
    """Calendar days (proleptic ordinals) of an array of day numbers, exactly as
    `from_day_number(d).date().toordinal()` gives them, without a datetime per value."""
    import numpy as np  # deferred: the store is imported by commands that never need numpy

    seconds = np.round((np.asarray(days, dtype=np.float64) - UNIX_JD) * 86400.0)
    return EPOCH.toordinal() + np.floor_divide(seconds, 86400.0).astype(np.int64)


def day_expr(session: Session, column: Any) -> ColumnElement[Any]:
    """SQL for the day number of a datetime column (see `day_number`)."""
    return day_expr_for(session.get_bind().dialect.name, column)


def day_expr_for(dialect: str, column: Any) -> ColumnElement[Any]:
    """`day_expr` for a database kind ("sqlite", "postgresql"): for statements built once."""
    if dialect == "sqlite":
        return func.julianday(column)
    return func.extract("epoch", column) / 86400.0 + UNIX_JD


def as_date(value: Any) -> dt.date:
    """A date read from the driver: SQLite's date() and MAX() over a CASE give text,
    PostgreSQL a date or a datetime."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def as_datetime(value: Any) -> dt.datetime:
    """A time read from the driver: text from SQLite's MIN()/MAX() over a CASE, a datetime
    from PostgreSQL."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))
