"""Period figures: what happened per day over a period, from SQL (one GROUP BY per figure).

Read by the report (`reports.figures`, bucketed into weeks), the week (`habits.week`) and
the web's report page. Definitions are in `goodwill.report.reports`' docstring.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import Date, bindparam, case, false, func, select
from sqlalchemy.orm import Session

from goodwill import vocab
from goodwill.errors import InvalidInput
from goodwill.records import people
from goodwill.schemas.reports import SourceCount
from goodwill.store.days import as_date
from goodwill.store.db import raw_rows
from goodwill.store.models import Exchange, Interaction, Lead, Meeting, Participant, Person

MAX_WEEKS = 520
TOP_SOURCES = 8
ORIGINS = ("via a referral", "from a contact", "on your own")


def _day(column: Any) -> Any:
    # date() exists in SQLite and PostgreSQL; typed Date so both return datetime.date.
    return func.date(column, type_=Date)


def period(weeks: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """From the Monday `weeks - 1` weeks before this week's Monday, to today."""
    if weeks < 1 or weeks > MAX_WEEKS:
        raise InvalidInput("weeks", weeks, f"choose between 1 and {MAX_WEEKS}")
    monday = today - dt.timedelta(days=today.weekday())
    return monday - dt.timedelta(weeks=weeks - 1), today



def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(start, dt.time()), dt.datetime.combine(
        end + dt.timedelta(days=1), dt.time()
    )


def _per_day(session: Session, stmt: Any) -> dict[dt.date, int]:
    return {as_date(d): int(n) for d, n in session.execute(stmt) if d is not None}


def interactions_by_day(session: Session, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    # Read from the index of the days something happened (migration 0008), whose terms
    # these are (`planned = false`, `date(occurred_at)`): in day order, no date computed
    # per interaction and no sort.
    day = func.date(Interaction.occurred_at)
    first, last = (start.isoformat(), end.isoformat()) if _is_sqlite(session) else (start, end)
    return _per_day(
        session,
        select(day, func.count())
        .where(Interaction.planned == false(), day >= first, day <= last)
        .group_by(day),
    )


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"  # its date() is text: compare text


def new_contacts_by_day(session: Session, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """People first met in the period, by day: their meeting date, else their first
    interaction, else the day they were added."""
    # Those with a meeting date: a range of the met_on index (migration 0010), instead of
    # a day computed for everyone.
    by_day = _per_day(
        session,
        select(Person.met_on, func.count(Person.id))
        .where(people.ACTIVE, Person.met_on >= start, Person.met_on <= end)
        .group_by(Person.met_on),
    )
    # The few without one (the same index finds them): their first interaction's day.
    undated = Person.met_on.is_(None)
    first = (
        select(
            Participant.person_id.label("pid"),
            func.min(Interaction.occurred_at).label("first"),
        )
        .join(Interaction, Interaction.id == Participant.interaction_id)
        .where(
            Interaction.planned.is_(False),
            Participant.person_id.in_(select(Person.id).where(undated)),
        )
        .group_by(Participant.person_id)
        .subquery()
    )
    day = func.coalesce(_day(first.c.first), _day(Person.created_at), type_=Date).label("day")
    rest = _per_day(
        session,
        select(day, func.count(Person.id))
        .select_from(Person)
        .outerjoin(first, first.c.pid == Person.id)
        .where(people.ACTIVE, undated, day >= start, day <= end)
        .group_by(day),
    )
    for d, n in rest.items():
        by_day[d] = by_day.get(d, 0) + n
    return by_day


def interviews_by_day(session: Session, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    lo, hi = _bounds(start, end)
    day = _day(Interaction.occurred_at)
    return _per_day(
        session,
        select(day, func.count(Meeting.id))
        .join(Interaction, Interaction.id == Meeting.interaction_id)
        .where(
            Meeting.status == "done",
            Interaction.occurred_at >= lo,
            Interaction.occurred_at < hi,
        )
        .group_by(day),
    )


# Referred by someone: `> 0` (ids are positive) is a range of the met_through_id index
# (migration 0010), which SQLite prefers to scanning the active people; IS NOT NULL is not.
_REFERRED = Person.met_through_id > 0


def _referral_day() -> Any:
    return func.coalesce(Person.met_on, _day(Person.created_at), type_=Date)


def referrals_by_day(session: Session, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    day = _referral_day().label("day")
    return _per_day(
        session,
        select(day, func.count(Person.id))
        .where(people.ACTIVE, _REFERRED, day >= start, day <= end)
        .group_by(day),
    )


def leads_by_day(session: Session, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    lo, hi = _bounds(start, end)
    day = _day(Lead.created_at)
    return _per_day(
        session,
        select(day, func.count(Lead.id))
        .where(Lead.created_at >= lo, Lead.created_at < hi)
        .group_by(day),
    )


# The period's exchanges you gave or got, counted per day and kind: the terms and order
# of their index (migration 0010: date, direction, kind, time), read grouped already and
# from the index alone. Built once; its dates and counts read as the driver gives them.
_exchange_day = func.date(Exchange.occurred_at)
_EXCHANGES_BY_DAY = (
    select(Exchange.direction, _exchange_day, Exchange.kind, func.count())
    .where(
        Exchange.direction.in_(("gave", "got")),
        _exchange_day >= bindparam("first"),
        _exchange_day <= bindparam("last"),
    )
    .group_by(_exchange_day, Exchange.direction, Exchange.kind)
)


def exchanges_by_day_and_kind(
    session: Session, start: dt.date, end: dt.date
) -> tuple[dict[str, dict[dt.date, int]], dict[str, dict[str, int]]]:
    """What you gave and got in the period, per day and per kind (the most frequent kind
    first): one pass over the period's exchanges for both."""
    # SQLite's date() is text: compare text.
    first, last = (start.isoformat(), end.isoformat()) if _is_sqlite(session) else (start, end)
    by_day: dict[str, dict[dt.date, int]] = {"gave": {}, "got": {}}
    kinds: dict[str, Counter[str]] = {"gave": Counter(), "got": Counter()}
    session.flush()  # as a query through the session would
    rows = raw_rows(session, _EXCHANGES_BY_DAY, {"first": first, "last": last})
    for direction, d, kind, n in rows:
        date = as_date(d)
        by_day[direction][date] = by_day[direction].get(date, 0) + int(n)
        kinds[direction][kind] += int(n)
    by_kind = {
        direction: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        for direction, counts in kinds.items()
    }
    return by_day, by_kind


def leads_by(
    session: Session, start: dt.date, end: dt.date
) -> tuple[dict[str, int], dict[str, int]]:
    """Leads added in the period by stage (in pipeline order) and by origin."""
    lo, hi = _bounds(start, end)
    in_period = (Lead.created_at >= lo, Lead.created_at < hi)
    stages = dict(
        session.execute(
            select(Lead.stage, func.count(Lead.id)).where(*in_period).group_by(Lead.stage)
        ).all()
    )
    origin = case(
        (Lead.from_person_id.is_(None), ORIGINS[2]),
        (Person.met_through_id.is_not(None), ORIGINS[0]),
        else_=ORIGINS[1],
    ).label("origin")
    origins: dict[str, int] = dict(
        session.execute(
            select(origin, func.count(Lead.id))
            .select_from(Lead)
            .outerjoin(Person, Person.id == Lead.from_person_id)
            .where(*in_period)
            .group_by(origin)
        ).all()
    )
    return (
        {s: int(stages.get(s, 0)) for s in vocab.LEAD_STAGES},
        {o: int(origins.get(o, 0)) for o in ORIGINS},
    )


def top_sources(session: Session, start: dt.date, end: dt.date) -> list[SourceCount]:
    """The people who referred you to others or sent you leads in the period."""
    lo, hi = _bounds(start, end)
    day = _referral_day()
    referred = dict(
        session.execute(
            select(Person.met_through_id, func.count(Person.id))
            .where(people.ACTIVE, _REFERRED, day >= start, day <= end)
            .group_by(Person.met_through_id)
        ).all()
    )
    sent = dict(
        session.execute(
            select(Lead.from_person_id, func.count(Lead.id))
            .where(Lead.from_person_id.is_not(None), Lead.created_at >= lo, Lead.created_at < hi)
            .group_by(Lead.from_person_id)
        ).all()
    )
    ids = {int(i) for i in (*referred, *sent) if i is not None}
    names = dict(
        session.execute(select(Person.id, Person.display_name).where(Person.id.in_(ids))).all()
    )
    rows = [
        SourceCount(
            person_id=pid,
            name=names.get(pid, "?"),
            referrals=int(referred.get(pid, 0)),
            leads=int(sent.get(pid, 0)),
        )
        for pid in ids
    ]
    rows.sort(key=lambda r: (-(r.referrals + r.leads), -r.leads, r.name.lower()))
    return rows[:TOP_SOURCES]
