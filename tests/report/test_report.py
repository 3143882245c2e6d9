"""The progress report's figures on a hand-built history, with exact expected numbers."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import false, func, select, text
from sqlalchemy.orm import Session

from goodwill import vocab
from goodwill.career import interviews, opportunities
from goodwill.errors import InvalidInput
from goodwill.records import interactions, people
from goodwill.report import periods, reports
from goodwill.store.models import Interaction, Person

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
        periods.period(weeks, TODAY)


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
    assert periods.interactions_by_day(session, start, end) == dict(expected)
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


def _plan(session: Session, stmt: Any) -> str:
    """SQLite's plan for a statement (its parameters do not change it: no statistics)."""
    compiled = stmt.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    args = (0,) * len(compiled.positiontup or ())
    rows = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), args)
    return " ".join(str(r[-1]) for r in rows)


def test_what_was_given_and_got_is_counted_on_its_day_and_by_kind(session: Session) -> None:
    """Read grouped from the exchanges' index of day, direction and kind (migration 0010):
    every exchange given or got counted on its day, the period's first and last days
    included whatever the time, asks and anything outside the period left out."""
    rng = random.Random(8)
    ana = people.add(session, "Ana Lima")
    start, end = TODAY - dt.timedelta(days=20), TODAY
    days: dict[str, Counter[dt.date]] = {"gave": Counter(), "got": Counter()}
    kinds: dict[str, Counter[str]] = {"gave": Counter(), "got": Counter()}
    times = [dt.time(0, 0), dt.time(23, 59, 59, 999999), dt.time(9, 15)]
    for _ in range(80):
        day = end - dt.timedelta(days=rng.randint(-2, 23))
        when = dt.datetime.combine(day, rng.choice(times))
        gave = rng.sample(vocab.EXCHANGE_KINDS, rng.randint(0, 2))
        got = rng.sample(vocab.EXCHANGE_KINDS, rng.randint(0, 2))
        later = NOW + dt.timedelta(days=3)
        interactions.log(
            session, [ana], "call", when=when, gave=gave, got=got, asked=["a tip"], now=later
        )
        if start <= day <= end:
            for direction, given in (("gave", gave), ("got", got)):
                days[direction][day] += len(given)
                kinds[direction].update(given)
    session.flush()
    by_day, by_kind = periods.exchanges_by_day_and_kind(session, start, end)
    assert by_day == {d: dict(+c) for d, c in days.items()}
    for direction, counts in kinds.items():
        assert by_kind[direction] == dict(counts)
        assert list(by_kind[direction].values()) == sorted(counts.values(), reverse=True)
    if session.get_bind().dialect.name == "sqlite":
        plan = _plan(session, periods._EXCHANGES_BY_DAY.params(first="", last=""))
        assert "COVERING INDEX ix_exchange_day_direction_kind" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_new_contacts_and_referrals_are_counted_on_the_day_met(session: Session) -> None:
    """New contacts: the meeting date, else the first interaction that happened, else the
    day added; referrals: people someone introduced, on the same day. Each read from an
    index of its own (migration 0010) rather than a day computed for everyone."""
    rng = random.Random(9)
    start, end = TODAY - dt.timedelta(days=20), TODAY
    added = dt.datetime.now().date()  # people.add stamps the real time
    referrer = people.add(session, "Rae Ref", met_on=dt.date(2020, 1, 1))
    new: Counter[dt.date] = Counter()
    referred: Counter[dt.date] = Counter()
    for i in range(60):
        met_on = end - dt.timedelta(days=rng.randint(-3, 25)) if rng.random() < 0.7 else None
        person = people.add(session, f"Person {i}", met_on=met_on)
        if rng.random() < 0.3:
            person.met_through_id = referrer.id
        first: dt.date | None = None
        for _ in range(rng.randint(0, 2)):
            day = end - dt.timedelta(days=rng.randint(-3, 25))
            planned = rng.random() < 0.3
            later = NOW + dt.timedelta(days=5)
            interactions.log(
                session,
                [person],
                "call",
                when=_at(1).replace(year=day.year, month=day.month, day=day.day),
                planned=planned,
                now=later,
            )
            if not planned:
                first = day if first is None else min(first, day)
        if rng.random() < 0.1:
            person.removed_at = NOW  # removed people are not counted
            continue
        day = met_on or first or added
        if start <= day <= end:
            new[day] += 1
        if person.met_through_id is not None and start <= (met_on or added) <= end:
            referred[met_on or added] += 1
    session.flush()
    assert periods.new_contacts_by_day(session, start, end) == dict(new)
    assert periods.referrals_by_day(session, start, end) == dict(referred)
    if session.get_bind().dialect.name == "sqlite":
        dated = select(Person.id).where(people.ACTIVE, Person.met_on >= start)
        assert "ix_person_met_on" in _plan(session, dated)
        referrals = select(Person.id).where(people.ACTIVE, periods._REFERRED)
        assert "ix_person_met_through_id" in _plan(session, referrals)
