"""The demo network: realistic shape, every loop the daily session must close, repeatable."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.demo import fill as demo
from goodwill.records import people
from goodwill.scoring import strength
from goodwill.store.models import Exchange, Interaction, Knows, Participant, Person, Request
from goodwill.views import people_list

TODAY = dt.date(2026, 6, 1)


def test_demo_has_the_shape_of_a_real_network(session: Session) -> None:
    stats = demo.generate(session, people=200, seed=11, today=TODAY)
    # 200 people in all, 20 of them met through the demo's job search
    assert stats.people == len(people_list.summaries(session)) == 200
    referred = select(func.count()).where(Person.met_through_id.is_not(None))
    assert stats.extra["referrals"] == session.scalar(referred) == 20
    circles = Counter(session.scalars(select(Person.circle)))
    assert circles["wider"] > circles["network"] > circles["active"] > circles["close"] > 0
    # Close people are seen far more often than acquaintances.
    per_person = dict(
        session.execute(
            select(Participant.person_id, func.count()).group_by(Participant.person_id)
        ).all()
    )
    by_circle: dict[str, list[int]] = {}
    for pid, circle in session.execute(select(Person.id, Person.circle)):
        by_circle.setdefault(circle, []).append(per_person.get(pid, 0))
    mean = {c: sum(v) / len(v) for c, v in by_circle.items()}
    assert mean["close"] > 3 * mean["wider"]
    # Nothing happens after "today", and dormant ties exist.
    latest = session.scalar(select(func.max(Interaction.occurred_at)))
    assert latest is not None and latest.date() <= TODAY
    last = strength.last_contacts(session)
    dormant = [pid for pid, when in last.items() if (TODAY - when.date()).days > 365]
    assert dormant
    # Colleagues know each other.
    assert session.scalar(select(func.count()).select_from(Knows)) > 200


def test_demo_contains_the_open_loops(session: Session) -> None:
    demo.generate(session, people=200, seed=11, today=TODAY)
    open_requests = session.scalar(
        select(func.count()).select_from(Request).where(Request.status == "open")
    )
    assert open_requests and open_requests >= 2
    follow_ups = session.scalar(
        select(func.count()).select_from(Interaction).where(Interaction.follow_up_on.is_not(None))
    )
    assert follow_ups and follow_ups >= 2
    refused = session.scalar(
        select(func.count())
        .select_from(Exchange)
        .where(Exchange.direction == "asked", Exchange.outcome.in_(("refused", "ignored")))
    )
    assert refused is not None and refused >= 1
    recent_got = session.scalar(
        select(func.count())
        .select_from(Exchange)
        .where(
            Exchange.direction == "got",
            Exchange.kind.in_(("intro", "referral", "help")),
            Exchange.occurred_at >= dt.datetime.combine(TODAY, dt.time()) - dt.timedelta(days=14),
        )
    )
    assert recent_got and recent_got >= 2


def test_demo_adds_to_an_existing_database(session: Session) -> None:
    people.add(session, "Dana Kim", emails=["dana.kim@mail.example.org"])
    demo.generate(session, people=50, seed=2, today=TODAY)
    first = len(people_list.summaries(session))
    demo.generate(session, people=50, seed=3, today=TODAY)
    assert first == 51 and len(people_list.summaries(session)) == first + 50
    # Ids keep working after bulk inserts (sequences moved on PostgreSQL).
    later = people.add(session, "Omar Haddad")
    assert later.id > len(people_list.summaries(session)) - 1


def test_the_number_of_people_asked_for_is_the_total(session: Session) -> None:
    """The job search's referrals come out of the number, however small or large."""
    total = 0
    for n, seed in ((1, 1), (9, 2), (10, 3), (37, 4), (120, 5)):
        stats = demo.generate(session, people=n, seed=seed, today=TODAY)
        total += n
        assert stats.people == n and stats.extra["referrals"] == demo.referral_count(n)
        assert len(people_list.summaries(session)) == total
    assert [demo.referral_count(n) for n in (1, 9, 10, 300, 10_000)] == [0, 0, 1, 30, 40]
