"""Introductions: double opt-in, in order; making one records gives and a knows-edge."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.errors import InvalidInput
from goodwill.records import introductions, people
from goodwill.store.models import Exchange, Introduction, Knows
from tests.asking.helpers import NOW
from tests.helpers import Result


def test_double_opt_in_flow(session: Session) -> None:
    a = people.add(session, "Ann A")
    b = people.add(session, "Bo B")
    intro = introductions.propose(session, a, b, "both build maps", now=NOW)
    [row] = introductions.pending(session)
    assert (row.stage, row.next_step) == ("proposed", "ask Ann A whether they want to meet Bo B")
    with pytest.raises(InvalidInput, match="the next step is asked_a"):
        introductions.advance(session, intro, "made", now=NOW)
    introductions.advance(session, intro, "asked_a", now=NOW)
    introductions.advance(session, intro, "asked_b", now=NOW)
    assert session.scalar(select(func.count()).select_from(Exchange)) == 0
    introductions.advance(session, intro, "made", now=NOW)
    gives = session.execute(
        select(Exchange.person_id, Exchange.direction, Exchange.kind).order_by(Exchange.person_id)
    ).all()
    assert gives == [(a.id, "gave", "intro"), (b.id, "gave", "intro")]
    edge = session.scalars(select(Knows)).one()
    assert (edge.a_id, edge.b_id, edge.how) == (a.id, b.id, "introduction")
    assert (
        introductions.pending(session)[0].next_step
        == "follow up with Ann A and Bo B: did they meet?"
    )
    introductions.advance(session, intro, "followed_up", now=NOW)
    assert introductions.pending(session) == []
    with pytest.raises(InvalidInput, match="already followed_up"):
        introductions.advance(session, intro, "declined", now=NOW)


def test_declined_and_bad_input(session: Session) -> None:
    a = people.add(session, "Ann A")
    b = people.add(session, "Bo B")
    with pytest.raises(InvalidInput, match="why"):
        introductions.propose(session, a, b, " ")
    with pytest.raises(InvalidInput, match="themself"):
        introductions.propose(session, a, a, "why not")
    assert session.scalar(select(func.count()).select_from(Introduction)) == 0
    intro = introductions.propose(session, a, b, "same city")
    with pytest.raises(InvalidInput, match="already in progress"):
        introductions.propose(session, b, a, "again")
    introductions.advance(session, intro, "asked_a")
    introductions.advance(session, intro, "declined")
    assert introductions.pending(session) == []
    assert session.scalar(select(func.count()).select_from(Knows)) == 0
    with pytest.raises(InvalidInput, match="choose one of"):
        introductions.advance(session, introductions.propose(session, a, b, "x"), "done")


def test_intro_cli(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Ann A").code == 0
    assert cli("person", "add", "Bo B").code == 0
    r = cli("intro", "Ann A", "Bo B")
    assert r.code == 1 and "--why" in r.err
    r = cli("intro", "Ann A", "Bo B", "--why", "both hire designers")
    assert r.code == 0 and "proposed; next: ask Ann A" in r.err
    for step in ("asked_a", "asked-b", "made"):
        r = cli("intro", "Bo B", "Ann A", "--step", step)
        assert r.code == 0, r.err
    [row] = json.loads(cli("intro", "--format", "json").out)
    assert (row["stage"], row["why"]) == ("made", "both hire designers")
    balance = json.loads(cli("balance", "--format", "json").out)
    assert {b["name"]: b["gives"] for b in balance} == {"Ann A": 1, "Bo B": 1}
    r = cli("intro", "Ann A", "Bo B", "--step", "followed_up")
    assert r.code == 0
    assert json.loads(cli("intro", "--format", "json").out) == []
    assert len(json.loads(cli("intro", "--all", "--format", "json").out)) == 1
