"""`meet done`: the interaction, the exchanges, and referred names turned into people."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.career import interviews
from goodwill.career.interviews import Referral, parse_referral
from goodwill.errors import Ambiguous, InvalidInput
from goodwill.records import people
from goodwill.scoring import flags
from goodwill.store.models import Interaction, Knows, Meeting, Person
from tests.helpers import Result

PLANNED_AT = dt.datetime(2024, 3, 1, 9)
HELD = dt.datetime(2024, 3, 12, 10)
AFTER = dt.datetime(2024, 3, 12, 15)


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("Sam Rivera <Sam@Globex.com>", Referral("Sam Rivera", "sam@globex.com")),
        ("  Sam   Rivera  ", Referral("Sam Rivera", None)),
        ("Sam Rivera<sam@globex.com>", Referral("Sam Rivera", "sam@globex.com")),
    ],
)
def test_parse_referral(spec: str, expected: Referral) -> None:
    assert parse_referral(spec) == expected


@pytest.mark.parametrize("spec", ["<sam@globex.com>", "", "   ", "sam@globex.com", "Sam <nope>"])
def test_parse_referral_refuses(spec: str) -> None:
    with pytest.raises(InvalidInput, match="referred"):
        parse_referral(spec)


def _meeting(session: Session) -> tuple[Person, Meeting]:
    dana = people.add(session, "Dana Kim", emails=["dana@acme.com"], org="Acme")
    return dana, interviews.plan(session, dana, when=HELD, now=PLANNED_AT)


def test_done_turns_referred_names_into_people_met_through_the_referrer(
    session: Session,
) -> None:
    dana, meeting = _meeting(session)
    lee = people.add(session, "Lee Park", emails=["lee@acme.com"], met="old colleague")
    pat = people.add(session, "Pat Moss")
    outcome = interviews.done(
        session,
        meeting,
        referred=[
            "Sam Rivera <sam@globex.com>",  # new
            "Someone Else <LEE@acme.com>",  # an existing email wins over the name
            "pat moss",  # an exact name (any case)
            "Sam Rivera <sam@globex.com>",  # said twice, recorded once
        ],
        learned="Acme hires through referrals",
        resume_feedback="lead with impact",
        gave=["info"],
        now=AFTER,
    )
    assert [(r.name, r.new) for r in outcome.referred] == [
        ("Sam Rivera", True),
        ("Lee Park", False),
        ("Pat Moss", False),
    ]
    assert _count(session, Person) == 4  # Dana, Lee, Pat and the new Sam: no duplicate
    sam = people.resolve(session, "sam@globex.com")
    assert (sam.met_through_id, sam.how_met, sam.met_on) == (
        dana.id,
        "referred by Dana Kim",
        HELD.date(),
    )
    # Lee keeps how you met; both get "met through" since none was recorded.
    assert (lee.met_through_id, lee.how_met) == (dana.id, "old colleague")
    assert pat.met_through_id == dana.id and pat.how_met == "referred by Dana Kim"
    edges = session.execute(select(Knows.a_id, Knows.b_id, Knows.how, Knows.source)).all()
    assert sorted(edges) == sorted(
        (min(dana.id, p.id), max(dana.id, p.id), "referral", f"meeting:{meeting.id}")
        for p in (sam, lee, pat)
    )
    assert all(a < b for a, b, _, _ in edges)
    stored = session.get(Meeting, meeting.id)
    assert stored is not None
    assert (stored.status, stored.learned, stored.resume_feedback) == (
        "done",
        "Acme hires through referrals",
        "lead with impact",
    )
    item = session.get(Interaction, outcome.interaction_id)
    assert item is not None
    assert (item.kind, item.occurred_at, item.planned) == ("meeting", HELD, False)
    assert sorted((x.person_id, x.direction, x.kind) for x in item.exchanges) == sorted(
        [(dana.id, "gave", "info"), (dana.id, "got", "advice"), (dana.id, "got", "referral")]
    )
    assert outcome.thank_by == dt.date(2024, 3, 13)
    assert outcome.meeting.referrals == 3
    # The daily session's rule sees the referral received and no thanks since.
    owed = flags.thanks_owed(session, AFTER + dt.timedelta(days=2), None)
    assert [(kind, pid) for kind, pid, _, _ in owed] == [("thanks_owed", dana.id)]


def test_done_without_got_records_advice(session: Session) -> None:
    _, meeting = _meeting(session)
    outcome = interviews.done(session, meeting, now=AFTER)
    assert (outcome.gave, outcome.got, outcome.referred) == ([], ["advice"], [])
    assert outcome.thank_by == dt.date(2024, 3, 13)


def test_a_referred_name_keeps_an_earlier_referrer(session: Session) -> None:
    _, meeting = _meeting(session)
    ann = people.add(session, "Ann Lee")
    sam = people.add(session, "Sam Rivera")
    sam.met_through_id = ann.id
    interviews.done(session, meeting, referred=["Sam Rivera"], now=AFTER)
    assert sam.met_through_id == ann.id
    assert _count(session, Knows) == 1  # but the referral edge to Dana is recorded


def test_ambiguous_exact_name_asks_for_the_email(session: Session) -> None:
    _, meeting = _meeting(session)
    people.add(session, "Alex Lee", emails=["a1@example.com"])
    people.add(session, "Alex Lee", emails=["a2@example.com"])
    with pytest.raises(Ambiguous, match="add their email"):
        interviews.done(session, meeting, referred=["Alex Lee"], now=AFTER)
    match = interviews.done(session, meeting, referred=["Alex Lee <a2@example.com>"], now=AFTER)
    assert match.referred[0].email == "a2@example.com" and not match.referred[0].new


def test_refusals(session: Session) -> None:
    _, meeting = _meeting(session)
    with pytest.raises(InvalidInput, match="themself"):
        interviews.done(session, meeting, referred=["Dana Kim"], now=AFTER)
    with pytest.raises(InvalidInput, match="exchange kind"):
        interviews.done(session, meeting, got=["money"], now=AFTER)
    interviews.done(session, meeting, now=AFTER)
    with pytest.raises(InvalidInput, match="is already done"):
        interviews.done(session, meeting, now=AFTER)


def _setup_cli(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Dana Kim", "--email", "dana@acme.com").code == 0
    assert cli("meet", "Dana", "--informational", "--date", "tomorrow").code == 0


def test_cli_referred_without_a_name_writes_nothing(cli: Callable[..., Result]) -> None:
    _setup_cli(cli)
    r = cli(
        "meet",
        "done",
        "1",
        "--referred",
        "Sam Rivera <sam@globex.com>",
        "--referred",
        "<kim@globex.com>",
        "--learned",
        "x",
    )
    assert r.code == 1
    assert r.err == (
        "error: invalid referred '<kim@globex.com>': a referred person needs a name: "
        "'Name <email>'\n"
    )
    rows = json.loads(cli("person", "list", "--format", "json").out)
    assert [p["name"] for p in rows] == ["Dana Kim"]
    meeting = json.loads(cli("meet", "list", "--format", "json").out)[0]
    assert (meeting["status"], meeting["learned"], meeting["held_on"]) == ("planned", None, None)
    assert json.loads(cli("person", "show", "Dana", "--format", "json").out)["recent"] == []


def test_cli_done_reports_names_and_thank_you(cli: Callable[..., Result]) -> None:
    _setup_cli(cli)
    r = cli(
        "meet",
        "done",
        "#1",
        "--referred",
        "Sam Rivera <sam@globex.com>",
        "--got",
        "information",
        "--resume-feedback",
        "one page",
    )
    assert r.code == 0, r.err
    assert "recorded meeting #1 with Dana Kim" in r.err
    assert "referred: Sam Rivera (#2, new): follow up with them soon" in r.out
    assert "say thank you to Dana Kim by " in r.out
    sam = json.loads(cli("person", "show", "sam@globex.com", "--format", "json").out)
    assert sam["how_met"] == "referred by Dana Kim"
    assert [(k["name"], k["how"]) for k in sam["knows"]] == [("Dana Kim", "referral")]
    dana = json.loads(cli("person", "show", "Dana", "--format", "json").out)
    assert dana["recent"][0]["got"] == ["info", "referral"]
    r = cli("meet", "done", "1")
    assert (r.code, r.err) == (1, "error: invalid meeting 1: is already done\n")
