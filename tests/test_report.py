"""The progress report's figures on a hand-built history, with exact expected numbers."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from sqlalchemy import false, func, select, text
from sqlalchemy.orm import Session

from goodwill import interactions, interviews, opportunities, people, reports
from goodwill.errors import InvalidInput
from goodwill.models import Interaction

TODAY = dt.date(2024, 3, 13)  # a Wednesday
NOW = dt.datetime(2024, 3, 13, 18)
W0, W1 = dt.date(2024, 3, 4), dt.date(2024, 3, 11)  # the two Mondays of a 2-week report


def _at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour)


def build(session: Session) -> None:
    """Two weeks of a job search, plus things just outside the period that must not count.

    Week of 4 March: coffee with Ann (gave info, got advice) and a thank-you email the same
    day; a call with Bob, a first contact (got help); a lead from Bob.
    Week of 11 March: an informational interview with Ann (gave info; got advice and a
    referral) that brings in Dee; a lead from Dee; a lead found alone.
    """
    ann = people.add(session, "Ann Lee", met_on=dt.date(2024, 1, 10))
    bob = people.add(session, "Bob Chen")
    people.add(session, "Cat Diaz")  # added today (real time), never met: outside the period
    interactions.log(session, [ann], "coffee", when=_at(20, 9).replace(month=2), now=NOW)
    interactions.log(session, [ann], "coffee", when=_at(4), gave=["info"], got=["advice"], now=NOW)
    interactions.log(session, [ann], "email", when=_at(4, 15), gave=["thanks"], now=NOW)
    interactions.log(session, [bob], "call", when=_at(5), got=["help"], now=NOW)
    interactions.log(session, [bob], "call", when=_at(15), planned=True, now=NOW)
    meeting = interviews.plan(session, ann, when=_at(11, 12), now=_at(1))
    interviews.done(
        session, meeting, referred=["Dee Fox <dee@example.com>"], gave=["info"], now=_at(11, 14)
    )
    dee = people.resolve(session, "dee@example.com")
    interviews.plan(session, bob, when=_at(20), now=NOW)  # coming up
    bob_lead = opportunities.add(session, "PM", source=bob, now=_at(6))
    opportunities.set_stage(session, bob_lead, "applied", now=_at(7))
    opportunities.add(session, "Data engineer", source=dee, now=_at(12))
    opportunities.add(session, "Analyst", now=_at(13))
    opportunities.add(session, "Old one", now=dt.datetime(2024, 2, 1))


def test_figures_on_a_hand_built_history(session: Session) -> None:
    build(session)
    f = reports.figures(session, weeks=2, today=TODAY)
    assert (f.start, f.end, f.weeks) == (W0, TODAY, 2)
    assert [(d.date, d.interactions) for d in f.days] == [
        (dt.date(2024, 3, 4), 2),
        (dt.date(2024, 3, 5), 1),
        (dt.date(2024, 3, 11), 1),
    ]
    weekly = [
        (
            r.week,
            r.days_networked,
            r.interactions,
            r.new_contacts,
            r.interviews,
            r.referrals,
            r.leads,
            r.gave,
            r.got,
        )
        for r in f.weekly
    ]
    assert weekly == [
        (W0, 2, 3, 1, 0, 0, 1, 2, 2),  # Bob is new; gave info+thanks, got advice+help
        (W1, 1, 1, 1, 1, 1, 2, 1, 2),  # Dee is new; got advice+referral
    ]
    t = f.totals
    assert t.model_dump() == {
        "days": 10,
        "days_networked": 3,
        "longest_streak": 2,
        "current_streak": 0,
        "interactions": 4,
        "new_contacts": 2,
        "interviews": 1,
        "interviews_planned": 1,
        "referrals": 1,
        "leads": 3,
        "gave": 3,
        "got": 4,
    }
    assert f.leads_by_stage == {
        "heard_of": 2,
        "applied": 1,
        "interviewing": 0,
        "offer": 0,
        "closed": 0,
    }
    assert f.leads_by_origin == {"via a referral": 1, "from a contact": 1, "on your own": 1}
    assert f.gave_by_kind == {"info": 2, "thanks": 1}
    assert f.got_by_kind == {"advice": 2, "help": 1, "referral": 1}
    # The most frequent kind first, then by name (the charts' order).
    assert (list(f.gave_by_kind), list(f.got_by_kind)) == (
        ["info", "thanks"],
        ["advice", "help", "referral"],
    )
    assert [(s.name, s.referrals, s.leads) for s in f.top_sources] == [
        ("Bob Chen", 0, 1),
        ("Dee Fox", 0, 1),
        ("Ann Lee", 1, 0),
    ]


def test_a_longer_period_takes_in_the_older_history(session: Session) -> None:
    build(session)
    f = reports.figures(session, weeks=8, today=TODAY)
    assert f.start == dt.date(2024, 1, 22)
    assert f.totals.interactions == 5  # the February coffee too
    assert f.totals.new_contacts == 2  # Ann was met on 10 January, before the period
    assert f.totals.leads == 4
    assert f.weekly[1].leads == 1  # the old lead, week of 29 January
    assert sum(r.interactions for r in f.weekly) == f.totals.interactions


def test_an_empty_database_gives_zeros(session: Session) -> None:
    f = reports.figures(session, weeks=4, today=TODAY)
    assert f.days == [] and f.top_sources == []
    assert f.totals.days_networked == 0 and f.totals.leads == 0
    assert [r.week for r in f.weekly] == [
        dt.date(2024, 2, 19),
        dt.date(2024, 2, 26),
        W0,
        W1,
    ]


@pytest.mark.parametrize("weeks", [0, -1, 521])
def test_weeks_out_of_range(weeks: int) -> None:
    with pytest.raises(InvalidInput, match="weeks"):
        reports.period(weeks, TODAY)


def test_interactions_by_day_counts_what_happened_each_day(session: Session) -> None:
    """Read from the index of the days something happened (migration 0008): every
    interaction that happened (not planned) counted on its day, the first and last days of
    the period included whatever the time, nothing outside it."""
    rng = random.Random(5)
    ana = people.add(session, "Ana Lima")
    start, end = TODAY - dt.timedelta(days=30), TODAY
    expected: Counter[dt.date] = Counter()
    times = [dt.time(0, 0), dt.time(23, 59, 59, 999999), dt.time(12, 30)]
    for _ in range(120):
        day = end - dt.timedelta(days=rng.randint(-2, 33))
        when = dt.datetime.combine(day, rng.choice(times))
        planned = rng.random() < 0.2
        later = NOW + dt.timedelta(days=3)  # days after the period happened too
        interactions.log(session, [ana], "call", when=when, planned=planned, now=later)
        if not planned and start <= day <= end:
            expected[day] += 1
    session.flush()
    assert reports.interactions_by_day(session, start, end) == dict(expected)
    if session.get_bind().dialect.name == "sqlite":
        stmt = select(func.date(Interaction.occurred_at), func.count()).where(
            Interaction.planned == false(),
            func.date(Interaction.occurred_at) >= "2024-01-01",
            func.date(Interaction.occurred_at) <= "2024-02-01",
        )
        sql = str(
            stmt.group_by(func.date(Interaction.occurred_at)).compile(
                dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
            )
        )
        plan = " ".join(str(r[-1]) for r in session.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert "ix_interaction_networked_day" in plan, plan
