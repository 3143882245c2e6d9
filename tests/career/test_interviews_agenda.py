"""`meet done` feeds the daily session: a thank-you to the referrer, follow-ups with names."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from goodwill.career import interviews
from goodwill.daily import agenda
from goodwill.records import interactions, people

HELD = dt.datetime(2024, 3, 12, 10)
AFTER = dt.datetime(2024, 3, 12, 15)


def test_meet_done_produces_thank_you_and_follow_up_actions(session: Session) -> None:
    dana = people.add(session, "Dana Kim", emails=["dana@acme.com"], circle="active")
    meeting = interviews.plan(session, dana, when=HELD, now=dt.datetime(2024, 3, 1))
    interviews.done(
        session,
        meeting,
        referred=["Sam Rivera <sam@globex.com>", "Kim Ito <kim@initech.com>"],
        now=AFTER,
    )
    sam = people.resolve(session, "sam@globex.com")
    kim = people.resolve(session, "kim@initech.com")
    day = agenda.build(session, HELD.date() + dt.timedelta(days=2), minutes=60)
    found = {(a.kind, a.person_id) for a in [*day.actions, *day.next]}
    assert ("thank_you", dana.id) in found
    assert {("follow_up", sam.id), ("follow_up", kim.id)} <= found
    follow = next(a for a in day.actions if a.person_id == sam.id)
    assert "referred by Dana Kim" in follow.reason

    # Thank Dana and write to Sam: those actions are gone, Kim's follow-up stays.
    later = AFTER + dt.timedelta(days=1)
    interactions.log(session, [dana], "email", when=later, gave=["thanks"], now=later)
    interactions.log(session, [sam], "email", when=later, now=later)
    day = agenda.build(session, HELD.date() + dt.timedelta(days=2), minutes=60)
    found = {(a.kind, a.person_id) for a in [*day.actions, *day.next]}
    assert ("thank_you", dana.id) not in found
    assert ("follow_up", sam.id) not in found
    assert ("follow_up", kim.id) in found


def test_an_interview_without_referrals_asks_for_a_thank_you_the_same_day(session: Session) -> None:
    """The advice of an informational interview is owed a thank-you within a day."""
    ann = people.add(session, "Ann Advisor")
    when = dt.datetime(2026, 5, 4, 10, 0)
    meeting = interviews.plan(session, ann, when=when, now=when - dt.timedelta(days=3))
    interviews.done(session, meeting, now=when + dt.timedelta(hours=1))
    plan = agenda.build(session, when.date(), 20)
    thanks = [a for a in plan.actions if a.kind == "thank_you"]
    assert [a.person_id for a in thanks] == [ann.id]
    assert "advice" in thanks[0].reason
