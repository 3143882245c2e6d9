"""Leads: stages, and the origin chain met → referred → sent, through `meet done`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from goodwill.career import interviews, opportunities
from goodwill.errors import InvalidInput
from goodwill.records import interactions, people
from goodwill.store.models import Knows, Lead
from tests.helpers import Result

T0 = dt.datetime(2024, 1, 5, 9)


def _chain(session: Session) -> tuple[int, int, int, Lead]:
    """Met Ann at PyCon; Ann referred Bob; Bob referred Cat; Cat sent a posting."""
    ann = people.add(session, "Ann Lee", met="met at PyCon", met_on=dt.date(2023, 4, 2))
    m1 = interviews.plan(session, ann, when=T0, now=T0 - dt.timedelta(days=3))
    interviews.done(session, m1, referred=["Bob Chen <bob@globex.com>"], now=T0)
    bob = people.resolve(session, "bob@globex.com")
    when = T0 + dt.timedelta(days=20)
    m2 = interviews.plan(session, bob, when=when, now=when - dt.timedelta(days=2))
    interviews.done(session, m2, referred=["Cat Diaz <cat@initech.com>"], now=when)
    cat = people.resolve(session, "cat@initech.com")
    lead = opportunities.add(
        session,
        "Data engineer",
        org="Initech",
        source=cat,
        url="jobs.initech.com/42",
        now=dt.datetime(2024, 3, 1, 10),
    )
    return ann.id, bob.id, cat.id, lead


def test_origin_chain_through_meet_done(session: Session) -> None:
    ann, bob, cat, lead = _chain(session)
    detail = opportunities.detail(session, lead)
    assert detail.url == "https://jobs.initech.com/42"
    assert (detail.organization, detail.stage, detail.from_person) == (
        "Initech",
        "heard_of",
        "Cat Diaz",
    )
    assert detail.origin == "Ann Lee → Bob Chen → Cat Diaz"
    assert [(s.person_id, s.relation, s.text, s.date) for s in detail.chain] == [
        (ann, "met", "you met Ann Lee: met at PyCon", dt.date(2023, 4, 2)),
        (bob, "referred", "Ann Lee referred you to Bob Chen", dt.date(2024, 1, 5)),
        (cat, "referred", "Bob Chen referred you to Cat Diaz", dt.date(2024, 1, 25)),
        (cat, "sent", "Cat Diaz sent you this lead", dt.date(2024, 3, 1)),
    ]
    assert all(s.last_thanked is None for s in detail.chain)
    interactions.log(
        session,
        [people.resolve(session, "Ann Lee")],
        "email",
        when=dt.datetime(2024, 3, 2, 9),
        gave=["thanks"],
        now=dt.datetime(2024, 3, 2, 10),
    )
    again = opportunities.detail(session, lead)
    assert [s.last_thanked for s in again.chain] == [dt.date(2024, 3, 2), None, None, None]
    assert [s.thank_owed for s in again.chain] == [False, True, True, True]


def test_chain_from_a_referral_edge_without_met_through(session: Session) -> None:
    ann = people.add(session, "Ann Lee")
    bob = people.add(session, "Bob Chen")
    bob.created_at = ann.created_at + dt.timedelta(days=1)  # Ann was known first
    a, b = sorted((ann.id, bob.id))
    session.add(Knows(a_id=a, b_id=b, how="referral"))
    session.flush()
    lead = opportunities.add(session, "PM", source=bob)
    assert opportunities.outs(session, [lead])[0].origin == "Ann Lee → Bob Chen"


def test_a_met_through_loop_ends(session: Session) -> None:
    ann = people.add(session, "Ann Lee")
    bob = people.add(session, "Bob Chen")
    ann.met_through_id, bob.met_through_id = bob.id, ann.id
    session.flush()
    lead = opportunities.add(session, "PM", source=bob)
    assert opportunities.detail(session, lead).origin == "Ann Lee → Bob Chen"
    assert opportunities.chain_ids(session, bob.id) == [ann.id, bob.id]


def test_stages_and_list_order(session: Session) -> None:
    ann = people.add(session, "Ann Lee")
    first = opportunities.add(session, "One", source=ann, now=T0)
    second = opportunities.add(session, "Two", stage_="Heard of", now=T0)
    third = opportunities.add(session, "Three", org="Acme", now=T0)
    opportunities.set_stage(session, first, "interview", note="round 1 on Monday", now=T0)
    opportunities.set_stage(session, third, "closed", now=T0)
    assert first.stage == "interviewing" and first.notes == "round 1 on Monday"
    rows = opportunities.list_leads(session)
    assert [(r.id, r.stage, r.origin) for r in rows] == [
        (first.id, "interviewing", "Ann Lee"),
        (second.id, "heard_of", None),
        (third.id, "closed", None),
    ]
    assert [r.id for r in opportunities.list_leads(session, "closed")] == [third.id]
    with pytest.raises(InvalidInput, match="choose one of heard_of, applied"):
        opportunities.set_stage(session, first, "hired")
    assert first.stage == "interviewing"


@pytest.mark.parametrize(
    ("value", "stage"),
    [
        ("heard of", "heard_of"),
        ("heard-of", "heard_of"),
        ("Applied", "applied"),
        ("offer", "offer"),
    ],
)
def test_stage_names(value: str, stage: str) -> None:
    assert opportunities.stage(value) == stage


def test_cli_leads(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Ann Lee", "--met", "met at PyCon").code == 0
    r = cli("lead", "add", "Data engineer", "--from", "Nobody Known", "--org", "Initech")
    assert r.code == 1 and r.err.startswith("error: no person matches 'Nobody Known'")
    r = cli("lead", "add", "Data engineer", "--stage", "hired")
    assert r.code == 1
    assert r.err == (
        "error: invalid stage 'hired': choose one of heard_of, applied, interviewing, "
        "offer, closed\n"
    )
    assert json.loads(cli("lead", "list", "--format", "json").out) == []
    assert json.loads(cli("org", "list", "--format", "json").out) == []  # no stray Initech
    r = cli("lead", "add", "Data engineer", "--from", "Ann", "--org", "Initech")
    assert (r.code, r.err) == (0, "added lead #1: Data engineer from Ann Lee\n")
    r = cli("lead", "stage", "1", "hired")
    assert r.code == 1 and "invalid stage 'hired'" in r.err
    assert cli("lead", "stage", "1", "applied").err == "lead #1 is now applied\n"
    rows = json.loads(cli("lead", "list", "--format", "json").out)
    assert [(x["id"], x["stage"], x["organization"], x["origin"]) for x in rows] == [
        (1, "applied", "Initech", "Ann Lee")
    ]
    shown = cli("lead", "show", "1").out
    assert "1. you met Ann Lee: met at PyCon" in shown
    assert "2. Ann Lee sent you this lead" in shown
    assert "thank: Ann Lee" in shown
    r = cli("lead", "show", "9")
    assert (r.code, r.err) == (1, "error: no lead #9; see 'goodwill lead list'\n")
