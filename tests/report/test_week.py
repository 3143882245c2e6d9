"""The week: days networked, people touched, gives vs asks, new contacts, streaks."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from goodwill.records import interactions, people
from goodwill.report import habits
from tests.helpers import Result

END = dt.date(2026, 3, 15)  # a Sunday
NOW = dt.datetime(2026, 3, 15, 20, 0)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def test_week_figures(session: Session) -> None:
    ana = people.add(session, "Ana Lima")
    ana.met_on = dt.date(2024, 1, 1)
    ben = people.add(session, "Ben Ode")
    cy = people.add(session, "Cy Twombly")
    cy.met_on = END - dt.timedelta(days=2)
    interactions.log(session, [ana], "email", when=at(END - dt.timedelta(days=40)), now=NOW)
    for back in (10, 9):  # an older streak of two days
        interactions.log(session, [ana], "call", when=at(END - dt.timedelta(days=back)), now=NOW)
    for back in (4, 3, 2, 1, 0):  # five days in a row, ending today
        interactions.log(session, [ana], "message", when=at(END - dt.timedelta(days=back)), now=NOW)
    interactions.log(session, [ana, ben], "coffee", when=at(END, 15), gave=["info"], now=NOW)
    interactions.log(
        session, [cy], "email", when=at(END - dt.timedelta(days=2)), asked=["a tip"], now=NOW
    )
    interactions.log(
        session, [ana], "call", when=at(END + dt.timedelta(days=1)), planned=True, now=NOW
    )
    w = habits.week(session, END)
    assert (w.start, w.end) == (END - dt.timedelta(days=6), END)
    assert w.networked_on == [END - dt.timedelta(days=d) for d in (4, 3, 2, 1, 0)]
    assert w.days_networked == 5
    assert w.people_touched == 3
    assert w.interactions == 7
    assert (w.gives, w.asks) == (2, 1)  # info to Ana and to Ben; one ask of Cy
    assert w.new_contacts == 2  # Ben (first contact this week) and Cy (met this week)
    assert (w.current_streak, w.longest_streak) == (5, 5)


def test_streak_survives_the_morning() -> None:
    days = [dt.date(2026, 3, d) for d in (10, 11, 12, 13, 14)]
    assert habits.streaks(days, dt.date(2026, 3, 15)) == (5, 5)
    assert habits.streaks(days, dt.date(2026, 3, 16)) == (0, 5)
    assert habits.streaks([], dt.date(2026, 3, 16)) == (0, 0)


@given(st.sets(st.dates(dt.date(2020, 1, 1), dt.date(2020, 12, 31)), max_size=60))
def test_streak_properties(days: set[dt.date]) -> None:
    ordered = sorted(days)
    current, longest = habits.streaks(ordered, dt.date(2020, 12, 31))
    assert 0 <= current <= longest <= len(ordered)
    assert (longest == 0) == (not ordered)


def test_week_cli(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Ana Lima").code == 0
    assert cli("log", "Ana", "--kind", "call", "--date", "2026-03-14", "--gave", "advice").code == 0
    r = cli("week", "--date", "2026-03-15", "--format", "json")
    assert r.code == 0, r.err
    w = json.loads(r.out)
    assert (w["days_networked"], w["gives"], w["current_streak"]) == (1, 1, 1)
    table = cli("week", "--date", "2026-03-15")
    assert "gives vs asks    1 : 0" in table.out
    assert "streak           1 days (longest 1)" in table.out


def test_networked_days_are_the_days_something_happened(session: Session) -> None:
    """The day-by-day index walk (migration 0008) finds exactly the days with an interaction
    that happened (not planned) up to the day asked, whatever their times."""
    rng = random.Random(11)
    ana = people.add(session, "Ana Lima")
    expected: set[dt.date] = set()
    for _ in range(60):
        day = END - dt.timedelta(days=rng.randint(-3, 400))
        when = dt.datetime.combine(day, dt.time(rng.randint(0, 19), rng.randint(0, 59)))
        planned = day > END or rng.random() < 0.2
        interactions.log(session, [ana], "call", when=when, planned=planned, now=NOW)
        if not planned:
            expected.add(day)
    session.flush()
    assert habits.networked_days(session, END) == sorted(expected)
    middle = END - dt.timedelta(days=200)
    assert habits.networked_days(session, middle) == sorted(d for d in expected if d <= middle)
    if session.get_bind().dialect.name == "sqlite":
        plan = " ".join(
            str(row[-1])
            for row in session.execute(
                text("EXPLAIN QUERY PLAN " + str(habits._SQLITE_DAYS)), {"until": "2026-01-01"}
            )
        )
        assert "ix_interaction_networked_day" in plan and "SCAN interaction" not in plan, plan
