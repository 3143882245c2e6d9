"""Red flags, each on a hand-built history, with the reason in words."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from goodwill.records import interactions, people
from goodwill.scoring import flags, ledger
from goodwill.store.models import Person

AS_OF = dt.datetime(2024, 6, 1, 9, 0)


def _day(days_before: float) -> dt.datetime:
    return AS_OF - dt.timedelta(days=days_before)


def _log(s: Session, p: Person, days_before: float, **kw: object) -> None:
    interactions.log(s, [p], "email", when=_day(days_before), now=AS_OF, **kw)  # type: ignore[arg-type]


def _kinds(session: Session, as_of: dt.datetime = AS_OF) -> list[tuple[str, str | None]]:
    return [(f.kind, f.person) for f in flags.compute(session, as_of)]


def test_one_way_three_gives_and_nothing_back(session: Session) -> None:
    dana = people.add(session, "Dana Kim")
    for d, kind in ((80, "help"), (60, "help"), (40, "info"), (20, "help")):
        _log(session, dana, d, gave=[kind], got=["thanks"])  # a thank-you is not "back"
    old = people.add(session, "Old Friend")
    for d in (500, 450, 400):  # more than a year ago: outside the window
        _log(session, old, d, gave=["help"])
    found = flags.compute(session, AS_OF)
    assert [(f.kind, f.person, f.since) for f in found] == [
        ("one_way", "Dana Kim", _day(80).date())
    ]
    assert found[0].reason == (
        "you gave to Dana Kim 4 times since 13 March 2024 (help, info); nothing came back"
    )
    _log(session, dana, 10, got=["advice"])
    assert _kinds(session) == []


def test_one_way_two_gives_is_not_enough(session: Session) -> None:
    dana = people.add(session, "Dana Kim")
    _log(session, dana, 30, gave=["help"])
    _log(session, dana, 20, gave=["help"])
    assert _kinds(session) == []


def test_one_way_refused_or_ignored_ask(session: Session) -> None:
    dana = people.add(session, "Dana Kim")
    eli = people.add(session, "Eli Park")
    _log(session, dana, 30, asked=["a coffee chat"])
    _log(session, eli, 30, asked=["an intro to Acme"])
    ledger.record_ask_outcome(session, dana, "refused")
    ledger.record_ask_outcome(session, eli, "ignored")
    found = flags.compute(session, AS_OF)
    assert [f.reason for f in found] == [
        "Dana Kim refused your ask (a coffee chat) of 2 May 2024",
        "Eli Park ignored your ask (an intro to Acme) of 2 May 2024",
    ]
    _log(session, eli, 5, got=["info"])  # something came back since: no longer one-way
    assert _kinds(session) == [("one_way", "Dana Kim")]
    # For a few people (a page, a person), their own rows give the same answer.
    for p in (dana, eli):
        assert flags.compute(session, AS_OF, [p.id]) == [
            f for f in flags.compute(session, AS_OF) if f.person_id == p.id
        ]
    assert [f.person for f in flags.compute(session, AS_OF, [dana.id, eli.id])] == ["Dana Kim"]


def test_thanks_owed_after_two_days_until_thanked(session: Session) -> None:
    dana = people.add(session, "Dana Kim")
    _log(session, dana, 1, got=["intro"])
    assert _kinds(session) == []  # still within the two days
    later = AS_OF + dt.timedelta(days=2)
    found = flags.compute(session, later)
    assert [(f.kind, f.person, f.since) for f in found] == [
        ("thanks_owed", "Dana Kim", _day(1).date())
    ]
    assert found[0].reason == (
        "Dana Kim gave you an introduction on 31 May 2024; no thank-you logged"
    )
    interactions.log(session, [dana], "email", when=later, now=later, gave=["thanks"])
    assert _kinds(session, later + dt.timedelta(hours=1)) == []


def test_thanks_owed_only_for_help_intro_referral_and_thanked_on_the_spot(
    session: Session,
) -> None:
    dana = people.add(session, "Dana Kim")
    eli = people.add(session, "Eli Park")
    _log(session, dana, 10, got=["info", "advice"])  # nice, but no thank-you flag
    _log(session, eli, 10, got=["referral"], gave=["thanks"])
    _log(session, eli, 200, got=["help"])  # too old to nag about
    assert _kinds(session) == []


def test_unanswered_request_until_answered(session: Session) -> None:
    dana = people.add(session, "Dana Kim")
    _log(session, dana, 3, they_asked=["feedback on her deck"])
    found = flags.compute(session, AS_OF)
    assert [(f.kind, f.person, f.since) for f in found] == [
        ("unanswered_request", "Dana Kim", _day(3).date())
    ]
    assert found[0].reason == (
        "Dana Kim asked you for feedback on her deck on 29 May 2024; still unanswered"
    )
    assert _kinds(session, _day(4)) == []  # not asked yet then
    from goodwill.store.models import Request

    for r in session.query(Request):
        r.status = "answered"
    session.flush()
    assert _kinds(session) == []


def test_taker_asks_outnumber_gives(session: Session) -> None:
    ps = [people.add(session, f"Person {n}") for n in range(4)]
    for n, p in enumerate(ps):
        _log(session, p, 10 + n, asked=["a referral"], initiated_by="me")
    _log(session, ps[0], 15, gave=["info"], initiated_by="me")
    _log(session, ps[1], 15, gave=["help", "thanks"], initiated_by="me")
    assert _kinds(session) == []  # 4 asks, 2 gives: not more than two to one
    _log(session, ps[3], 5, asked=["an intro"], initiated_by="me")
    found = flags.compute(session, AS_OF)
    assert [(f.kind, f.person, f.person_id) for f in found] == [("taker", None, None)]
    assert found[0].reason.startswith("over the last 90 days you asked 5 times and gave twice")
    assert found[0].since == _day(90).date()


def test_taker_contact_mostly_for_your_needs(session: Session) -> None:
    from goodwill.store.models import Need

    need = Need(text="a job in data")
    session.add(need)
    session.flush()
    ps = [people.add(session, f"Person {n}") for n in range(5)]
    for n, p in enumerate(ps):
        _log(session, p, 10 + n, initiated_by="me", need_id=need.id if n < 3 else None)
    _log(session, ps[0], 200, initiated_by="me", need_id=need.id)  # outside the window
    found = flags.compute(session, AS_OF)
    assert [f.kind for f in found] == ["taker"]
    assert "3 of the 5 contacts you started served a need of yours" in found[0].reason
    assert flags.compute(session, AS_OF, [ps[0].id]) == []  # about you, not them


def test_flags_for_some_people_and_removed_people(session: Session) -> None:
    dana = people.add(session, "Dana Kim")
    eli = people.add(session, "Eli Park")
    _log(session, dana, 3, they_asked=["a reference"])
    _log(session, eli, 3, they_asked=["a reference"])
    assert [f.person for f in flags.compute(session, AS_OF, [eli.id])] == ["Eli Park"]
    people.remove(session, eli)
    assert _kinds(session) == [("unanswered_request", "Dana Kim")]


def test_thank_yous_due_are_sooner_and_wider_than_the_flag(session: Session) -> None:
    """The daily session asks for thanks the same day, for advice too, but not for old advice."""
    now = dt.datetime(2026, 6, 1, 20, 0)
    fresh = people.add(session, "Fresh Advice")
    stale = people.add(session, "Stale Advice")
    owed = people.add(session, "Old Intro")
    interactions.log(
        session, [fresh], "coffee", when=now - dt.timedelta(hours=3), now=now, got=["advice"]
    )
    interactions.log(
        session, [stale], "coffee", when=now - dt.timedelta(days=40), now=now, got=["advice"]
    )
    interactions.log(
        session, [owed], "call", when=now - dt.timedelta(days=40), now=now, got=["intro"]
    )
    due = flags.thank_yous_due(session, now)
    assert [f.person for f in due] == ["Old Intro", "Fresh Advice"]
    assert [f.person for f in flags.compute(session, now) if f.kind == "thanks_owed"] == [
        "Old Intro"
    ]


def test_one_way_only_the_asks_refused_after_the_last_thing_back(session: Session) -> None:
    """Only the people still one-way come back: a snub that something answered since does
    not count, a later one does; gives answered by an ask granted do not either."""
    dana = people.add(session, "Dana Kim")
    _log(session, dana, 90, asked=["a coffee chat"])
    ledger.record_ask_outcome(session, dana, "refused")
    _log(session, dana, 60, got=["idea"])  # something back: the first refusal is answered
    _log(session, dana, 30, asked=["an intro to Acme"])
    ledger.record_ask_outcome(session, dana, "ignored")
    eli = people.add(session, "Eli Park")
    for d in (50, 40, 30):
        _log(session, eli, d, gave=["help"])
    _log(session, eli, 20, asked=["a reference"])
    ledger.record_ask_outcome(session, eli, "granted")  # a granted ask is something back
    found = flags.compute(session, AS_OF)
    assert [(f.kind, f.person, f.since, f.reason) for f in found] == [
        (
            "one_way",
            "Dana Kim",
            _day(30).date(),
            "Dana Kim ignored your ask (an intro to Acme) of 2 May 2024",
        )
    ]


def test_one_way_both_rules_make_one_flag_and_the_agenda_reads_the_gives(
    session: Session,
) -> None:
    dana = people.add(session, "Dana Kim")
    for d in (80, 60, 40):
        _log(session, dana, d, gave=["help"])
    _log(session, dana, 100, asked=["a coffee chat"])
    ledger.record_ask_outcome(session, dana, "ignored")
    eli = people.add(session, "Eli Park")
    for d in (50, 40, 30):
        _log(session, eli, d, gave=["idea"])
    gives = "you gave to {} 3 times since {} ({}); nothing came back"
    found = flags.compute(session, AS_OF)
    assert [(f.person, f.since, f.reason) for f in found] == [
        (
            "Dana Kim",
            _day(100).date(),
            gives.format("Dana Kim", "13 March 2024", "help")
            + "; Dana Kim ignored your ask (a coffee chat) of 22 February 2024",
        ),
        ("Eli Park", _day(50).date(), gives.format("Eli Park", "12 April 2024", "idea")),
    ]
    # The first rule alone: what the daily session suggests a small ask for.
    only = sorted(flags.one_way_gives(session, AS_OF), key=lambda f: f.person or "")
    assert [(f.person, f.since, f.reason) for f in only] == [
        ("Dana Kim", _day(80).date(), gives.format("Dana Kim", "13 March 2024", "help")),
        ("Eli Park", _day(50).date(), gives.format("Eli Park", "12 April 2024", "idea")),
    ]
    assert flags.one_way_gives(session, AS_OF, [eli.id])[0].person == "Eli Park"
