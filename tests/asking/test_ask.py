"""ask: the right person first for clear cases; fatigue and willingness move the ranking."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from goodwill import ask_weights
from goodwill.asking import ask, needs
from goodwill.records import interactions, knows, people
from tests.asking.helpers import NOW, moderate, strong, weak
from tests.helpers import Result


def _order(rows: list[ask.AskOut]) -> list[str]:
    return [r.person.name for r in rows]


def test_someone_at_the_target_beats_a_stranger_with_a_matching_keyword(
    session: Session,
) -> None:
    dana = people.add(session, "Dana Acme", org="Acme")
    sam = people.add(session, "Sam Keyword", org="Other Co", note="builds robotics startups")
    moderate(session, dana)
    moderate(session, sam)
    need = needs.add(session, "a robotics job", orgs_=["Acme"])
    rows = ask.ask(session, str(need.id), as_of=NOW)
    assert _order(rows) == ["Dana Acme", "Sam Keyword"]
    assert rows[0].reasons[0] == "Works at Acme."
    assert "Their profile mentions 'robotics'." in rows[1].reasons
    assert rows[0].score > rows[1].score


def test_knowing_people_at_the_target_counts(session: Session) -> None:
    dana = people.add(session, "Dana Acme", org="Acme")
    ken = people.add(session, "Ken Knows")
    lou = people.add(session, "Lou Nobody")
    moderate(session, ken)
    moderate(session, lou)
    knows.add(session, ken, dana, confidence=0.9)
    rows = ask.ask(session, "an intro to Acme", as_of=NOW)
    names = _order(rows)
    assert names[0] == "Ken Knows"
    assert "Lou Nobody" not in names
    assert "Knows 1 person there: Dana Acme." in rows[0].reasons
    # Dana is not in touch with you: reached through Ken, with the path shown.
    dana_row = next(r for r in rows if r.person.name == "Dana Acme")
    assert dana_row.path is not None
    assert [s.name for s in dana_row.path.steps] == ["Ken Knows", "Dana Acme"]
    assert any("ask Ken Knows for an introduction" in x for x in dana_row.reasons)


def test_ask_fatigue_moves_a_recently_asked_person_down(session: Session) -> None:
    a = people.add(session, "Ann Acme", org="Acme")
    b = people.add(session, "Bo Acme", org="Acme")
    moderate(session, a)
    moderate(session, b)
    first = _order(ask.ask(session, "a job at Acme", as_of=NOW))
    asked = session.get(people.Person, (first[0] == "Ann Acme" and a.id) or b.id)
    assert asked is not None
    interactions.log(
        session,
        [asked],
        "message",
        when=NOW - dt.timedelta(days=3),
        asked=["a referral"],
        now=NOW,
    )
    rows = ask.ask(session, "a job at Acme", as_of=NOW)
    assert _order(rows) == first[::-1]
    assert any("You asked them this week" in x for x in rows[1].reasons)
    # Half a year later the ask no longer weighs.
    later = ask.ask(session, "a job at Acme", as_of=NOW + dt.timedelta(days=400))
    assert rows[1].score < later[0].score


def test_people_you_helped_rank_up(session: Session) -> None:
    a = people.add(session, "Ann Acme", org="Acme")
    b = people.add(session, "Bo Acme", org="Acme")
    moderate(session, a)
    moderate(session, b)
    before = {r.person.name: r.score for r in ask.ask(session, "a job at Acme", as_of=NOW)}
    # Help the one currently second.
    second = min(before, key=lambda k: (before[k], k))
    target = a if second == "Ann Acme" else b
    interactions.log(
        session,
        [target],
        "email",
        when=NOW - dt.timedelta(days=30),
        gave=["referral", "intro"],
        now=NOW,
    )
    rows = ask.ask(session, "a job at Acme", as_of=NOW)
    assert rows[0].person.name == second
    assert any("You have given them more" in x for x in rows[0].reasons)


def test_job_needs_prefer_a_moderately_weak_tie_to_a_very_strong_one() -> None:
    strong_tie, moderate_tie = np.array([0.95]), np.array([ask_weights.TIE_PEAK])
    assert ask.tie_preference(moderate_tie, "job") > ask.tie_preference(strong_tie, "job")
    assert ask.tie_preference(moderate_tie, "help") < ask.tie_preference(strong_tie, "help")


def test_a_strong_tie_at_the_target_still_beats_a_weak_one_for_a_favour(
    session: Session,
) -> None:
    a = people.add(session, "Ann Close", location="Lisbon")
    b = people.add(session, "Bo Distant", location="Lisbon")
    strong(session, a)
    weak(session, b)
    rows = ask.ask(session, "help moving my couch in Lisbon", as_of=NOW)
    assert needs.spec_from_text(session, "help moving my couch in Lisbon").kind == "help"
    assert _order(rows) == ["Ann Close", "Bo Distant"]
    assert "Is in Lisbon." in rows[0].reasons


def test_nobody_matches(session: Session) -> None:
    moderate(session, people.add(session, "Ann Any"))
    assert ask.ask(session, "a submarine captain", as_of=NOW) == []


@given(
    st.floats(min_value=-50, max_value=50, allow_nan=False),
    st.floats(min_value=-50, max_value=50, allow_nan=False),
    st.floats(min_value=0, max_value=3650, allow_nan=False),
    st.floats(min_value=0, max_value=3650, allow_nan=False),
)
def test_willingness_is_bounded_and_monotone(b1: float, b2: float, d1: float, d2: float) -> None:
    w = ask.willingness(np.array([b1, b2, b1, b1]), np.array([d1, d1, d1, d2]))
    assert ((w > 0) & (w <= 1.0)).all()
    if b1 < b2:
        assert w[0] <= w[1]
    if d1 < d2:
        assert w[2] <= w[3]


@given(st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_tie_preference_is_an_inverted_u_for_jobs(s1: float, s2: float) -> None:
    p = ask.tie_preference(np.array([s1, s2]), "job")
    assert ((p >= 0) & (p <= 1.0)).all()
    peak = ask_weights.TIE_PEAK
    if s1 < s2 <= peak:
        assert p[0] <= p[1] + 1e-12
    if peak <= s1 < s2:
        assert p[0] >= p[1] - 1e-12
    assert ask.tie_preference(np.array([peak]), "job")[0] == 1.0


def test_ask_cli(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Dana Acme", "--org", "Acme").code == 0
    assert cli("log", "Dana Acme", "--kind", "call").code == 0
    r = cli("need", "add", "a backend job", "--org", "Acme", "--role", "Engineer")
    assert r.code == 0, r.err
    r = cli("ask", "1", "--format", "json")
    assert r.code == 0, r.err
    [row] = json.loads(r.out)
    assert set(row) == {"person", "score", "reasons", "path"}
    assert row["person"]["name"] == "Dana Acme"
    assert row["reasons"][0] == "Works at Acme."
    r = cli("ask", "a backend job at Acme")
    assert r.code == 0 and "1. Dana Acme (Acme)" in r.out
    r = cli("ask", "99")
    assert r.code == 1 and r.err == "error: no need #99\n"
    r = cli("ask", "  ")
    assert r.code == 1 and "need" in r.err


def test_names_in_reasons_read_as_a_sentence() -> None:
    from goodwill.asking.ask import _names

    assert _names(["Ann"]) == "Ann"
    assert _names(["Ann", "Bea"]) == "Ann and Bea"
    assert _names(["Ann", "Bea", "Cy"]) == "Ann, Bea and 1 more"
    assert _names(["Ann", "Bea", "Cy", "Di", "Ed"], most=3) == "Ann, Bea, Cy and 2 more"
