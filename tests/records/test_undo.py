"""Mistakes undone: log edit / log remove, and undo of what the daily session recorded."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.daily import agenda, undo
from goodwill.errors import InvalidInput, NotFound
from goodwill.records import interactions, introductions, people, requests
from goodwill.scoring import ledger
from goodwill.store.models import ActionState, Exchange, Interaction, Knows, Request
from tests.daily.test_agenda import NOW, TODAY, build_world
from tests.helpers import Result


def test_edit_changes_only_what_is_given(session: Session) -> None:
    ann = people.add(session, "Ann Edit")
    bob = people.add(session, "Bob Edit")
    item = interactions.log(
        session, [ann], "call", when=NOW, gave=["info"], asked=["a reference"], now=NOW
    )
    interactions.edit(session, item, kind="coffee", summary="coffee, not a call", got=["advice"])
    assert (item.kind, item.summary) == ("coffee", "coffee, not a call")
    pairs = sorted((x.direction, x.kind) for x in item.exchanges)
    assert pairs == [("asked", "ask"), ("gave", "info"), ("got", "advice")]
    interactions.edit(session, item, people=[bob], gave=[])
    assert [p.person_id for p in item.participants] == [bob.id]
    assert sorted((x.person_id, x.direction) for x in item.exchanges) == [(bob.id, "got")]
    with pytest.raises(InvalidInput, match="kind"):
        interactions.edit(session, item, kind="telepathy")
    assert item.kind == "coffee"


def test_remove_takes_the_ledger_and_the_requests_it_opened(session: Session) -> None:
    ann = people.add(session, "Ann Remove")
    before = ledger.balances(session, NOW + dt.timedelta(days=1), [ann.id])[ann.id]
    item = interactions.log(
        session, [ann], "call", when=NOW, gave=["help"], they_asked=["a reference"], now=NOW
    )
    assert session.scalar(select(func.count()).select_from(Request)) == 1
    interactions.remove(session, item)
    assert session.scalar(select(func.count()).select_from(Request)) == 0
    assert session.scalar(select(func.count()).select_from(Exchange)) == 0
    after = ledger.balances(session, NOW + dt.timedelta(days=1), [ann.id])[ann.id]
    assert after == before
    with pytest.raises(NotFound, match="no interaction #"):
        interactions.get(session, item.id)
    with pytest.raises(InvalidInput, match="by its number"):
        interactions.get(session, "yesterday")


def test_removing_an_introduction_removes_its_knows_edge(session: Session) -> None:
    a, b = people.add(session, "Ada Intro"), people.add(session, "Ben Intro")
    intro = introductions.propose(session, a, b, why="both in climate")
    for step in ("asked_a", "asked_b", "made"):
        introductions.advance(session, intro, step, now=NOW)
    assert session.scalar(select(func.count()).select_from(Knows)) == 1
    made = session.get(Interaction, intro.interaction_id)
    assert made is not None
    interactions.remove(session, made)
    assert session.scalar(select(func.count()).select_from(Knows)) == 0
    assert intro.stage == "asked_b"


def test_undo_done_brings_the_action_back_and_the_request_reopens(session: Session) -> None:
    build_world(session)
    plan = agenda.build(session, TODAY, 200)
    thank = plan.actions[0]
    _, logged = agenda.done(session, thank.id, TODAY, now=NOW)
    assert logged.kind == "message"  # a thank-you is a message, not the channel of the help
    assert undo.undo(session, thank.id) == "done"
    assert session.get(Interaction, logged.id) is None
    assert thank.id in {a.id for a in agenda.build(session, TODAY, 200).actions}
    request = next(a for a in plan.actions if a.kind == "request")
    agenda.done(session, request.id, TODAY, now=NOW)
    assert session.scalars(select(Request.status)).one() == "answered"
    undo.undo(session, request.id)
    assert session.scalars(select(Request.status)).one() == "open"
    assert request.id in {a.id for a in agenda.build(session, TODAY, 200).actions}


def test_undo_skip_and_snooze(session: Session) -> None:
    build_world(session)
    first = agenda.build(session, TODAY, 200).actions[-1]
    agenda.skip(session, first.id, TODAY)
    assert first.id not in {a.id for a in agenda.build(session, TODAY, 200).actions}
    assert undo.undo(session, first.id) == "skipped"
    assert session.get(ActionState, first.id) is None
    assert first.id in {a.id for a in agenda.build(session, TODAY, 200).actions}
    with pytest.raises(InvalidInput, match="nothing to undo"):
        undo.undo(session, first.id)


def test_log_edit_and_remove_cli(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Priya Raman").code == 0
    r = cli("log", "Priya", "--kind", "call", "--gave", "info", "--they-asked", "an intro")
    assert r.code == 0, r.err
    iid = r.err.rsplit("#", 1)[1].rstrip(")\n")
    r = cli("log", "edit", iid, "--kind", "coffee", "--summary", "at the cafe", "--no-gave")
    assert r.code == 0, r.err
    assert f"edited coffee #{iid}" in r.err
    shown = json.loads(cli("person", "show", "Priya", "--format", "json").out)
    assert "at the cafe" in json.dumps(shown)
    assert json.loads(cli("request", "list", "--format", "json").out) != []
    r = cli("log", "remove", iid, "--yes")
    assert r.code == 0 and f"removed the coffee #{iid}" in r.err
    assert json.loads(cli("request", "list", "--format", "json").out) == []
    again = cli("log", "remove", iid, "--yes")
    assert (again.code, again.err) == (1, f"error: no interaction #{iid}\n")
    assert cli("log", "edit", "--help").code == 0


def test_done_and_skip_take_todays_numbers_and_undo(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Olga Overdue", "--circle", "close").code == 0
    assert cli("log", "Olga", "Overdue", "--kind", "call", "--date", "2026-02-01").code == 0
    assert cli("person", "add", "Dan Due").code == 0
    assert cli("log", "Dan", "Due", "--kind", "email", "--date", "2025-12-01").code == 0
    day = ("--date", "2026-03-15")
    plan = json.loads(cli("today", *day, "--format", "json").out)
    first, second = (a["id"] for a in plan["actions"])
    r = cli("done", "1", *day)
    assert r.code == 0, r.err
    assert r.err.startswith(f"done: {first} ")
    r = cli("skip", "1", *day)  # the numbers are today's: the second is first now
    assert r.code == 0 and r.err.startswith(f"skipped: {second}")
    bad = cli("done", "3", *day)
    assert bad.code == 1 and "today's session has 0 actions" in bad.err
    assert cli("undo", second).code == 0
    again = json.loads(cli("today", *day, "--format", "json").out)
    assert [a["id"] for a in again["actions"]] == [second]
    assert "done 1" in cli("today", *day).out


def test_request_answered_without_done_is_not_reopened_by_other_removals(
    session: Session,
) -> None:
    ann = people.add(session, "Ann Other")
    request = requests.add(session, ann, "feedback", when=NOW, now=NOW)
    requests.answer(session, request, helped=True, now=NOW)
    other = interactions.log(session, [ann], "call", when=NOW, now=NOW)
    interactions.remove(session, other)
    assert request.status == "answered"
