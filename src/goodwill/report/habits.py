"""The habit: a week of networking at a glance, and the streak of days in a row.

A day counts as networked when at least one interaction happened on it (any kind, started
by you or them: you took part). Gives are exchanges you gave (thanks included), asks the
things you asked. A new contact is someone whose first contact (met on, or first
interaction) falls in the week. The current streak runs back from the last day (or the day
before, so a streak is not lost in the morning before you network).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import distinct, func, select, text
from sqlalchemy.orm import Session

from goodwill.daily import actions
from goodwill.errors import InvalidInput
from goodwill.report import periods
from goodwill.schemas.agenda import WeekOut
from goodwill.store import policy
from goodwill.store.days import as_date
from goodwill.store.db import raw_rows
from goodwill.store.models import ActionState, Exchange, Interaction, Participant

# Each next day after the one before: one seek of ix_interaction_networked_day per day
# (migration 0008; its terms as the index's WHERE), instead of grouping every interaction.
_DAYS = """
WITH RECURSIVE days(day) AS (
    SELECT min(date(occurred_at)) FROM interaction
    WHERE planned = {no} AND date(occurred_at) <= :until
    UNION ALL
    SELECT (
        SELECT min(date(occurred_at)) FROM interaction
        WHERE planned = {no} AND date(occurred_at) > days.day AND date(occurred_at) <= :until
    )
    FROM days WHERE days.day IS NOT NULL
)
SELECT day FROM days WHERE day IS NOT NULL
"""
_SQLITE_DAYS = text(_DAYS.format(no="0"))
_POSTGRES_DAYS = text(_DAYS.format(no="false"))
# Team mode: row-level security's filter comes first, and date() is not leakproof, so the
# seek above cannot use an index and walks all of a member's rows for each day; one pass
# over them (ix_interaction_owner_day) is what it costs at most.
_TEAM_DAYS = text(
    "SELECT DISTINCT date(occurred_at) AS day FROM interaction "
    "WHERE planned = false AND date(occurred_at) <= :until ORDER BY day"
)


def networked_days(session: Session, until: dt.date) -> list[dt.date]:
    """Every day with an interaction, up to `until`, oldest first."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    stmt = _SQLITE_DAYS if sqlite else _TEAM_DAYS if policy.current() else _POSTGRES_DAYS
    # SQLite's date() is text: compare it with text. Thousands of days: read as the driver
    # gives them (no result row objects), distinct and in order already.
    session.flush()  # as a query through the session would
    rows = raw_rows(session, stmt, {"until": until.isoformat() if sqlite else until})
    if sqlite:
        return [dt.date.fromisoformat(d) for (d,) in rows]
    return [as_date(d) for (d,) in rows]


def streaks(days: list[dt.date], today: dt.date) -> tuple[int, int]:
    """(current, longest) runs of consecutive days in `days` (sorted, none after today)."""
    # On day numbers: it runs over thousands of days after every write, and integer
    # arithmetic is what a date's subtraction does underneath.
    longest = run = 0
    previous = -2
    for n in map(dt.date.toordinal, days):
        run = run + 1 if n - previous == 1 else 1
        if run > longest:
            longest = run
        previous = n
    have = set(days)
    start = today if today in have else today - dt.timedelta(days=1)
    current = 0
    while start - dt.timedelta(days=current) in have:
        current += 1
    return current, longest


def week(session: Session, end: dt.date, days: int = 7) -> WeekOut:
    """The `days` days ending on `end`: days networked, people, gives, asks, new contacts."""
    if days <= 0 or days > 366:
        raise InvalidInput("days", days, "must be between 1 and 366")
    start = end - dt.timedelta(days=days - 1)
    lo = dt.datetime.combine(start, dt.time.min)
    hi = dt.datetime.combine(end, dt.time.max)
    in_window = (
        Interaction.planned.is_(False),
        Interaction.occurred_at >= lo,
        Interaction.occurred_at <= hi,
    )
    every_day = networked_days(session, end)
    on = [d for d in every_day if d >= start]
    touched = session.scalar(
        select(func.count(distinct(Participant.person_id)))
        .join(Interaction, Interaction.id == Participant.interaction_id)
        .where(*in_window)
    )
    count = session.scalar(select(func.count(Interaction.id)).where(*in_window))
    by_direction = dict(
        session.execute(
            select(Exchange.direction, func.count(Exchange.id))
            .join(Interaction, Interaction.id == Exchange.interaction_id)
            .where(*in_window, Exchange.direction.in_(("gave", "asked")))
            .group_by(Exchange.direction)
        ).all()
    )
    done = session.scalar(
        select(func.count()).where(
            ActionState.status == actions.DONE,
            ActionState.acted_on >= start,
            ActionState.acted_on <= end,
        )
    )
    current, longest = streaks(every_day, end)
    return WeekOut(
        start=start,
        end=end,
        days_networked=len(on),
        networked_on=on,
        people_touched=int(touched or 0),
        interactions=int(count or 0),
        gives=int(by_direction.get("gave", 0)),
        asks=int(by_direction.get("asked", 0)),
        new_contacts=new_contacts(session, start, end),
        actions_done=int(done or 0),
        current_streak=current,
        longest_streak=longest,
    )


def new_contacts(session: Session, start: dt.date, end: dt.date) -> int:
    """People first met in the window: met_on, else their first interaction, else added."""
    return sum(periods.new_contacts_by_day(session, start, end).values())
