"""Their requests: open until answered with help, another offer or a referral; never a bare no."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.errors import InvalidInput, NotFound
from goodwill.records import people, requests
from goodwill.store.models import Exchange, Interaction, Knows, Request
from tests.helpers import Result

NOW = dt.datetime(2025, 3, 10, 12, 0)


def _gives(session: Session, person_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Exchange.kind)
            .where(Exchange.person_id == person_id, Exchange.direction == "gave")
            .order_by(Exchange.id)
        )
    )


def test_add_opens_a_request_and_logs_their_ask(session: Session) -> None:
    ana = people.add(session, "Ana Lima")
    r = requests.add(session, ana, "an intro to a recruiter", due=dt.date(2025, 3, 20), now=NOW)
    assert (r.status, r.due, r.person_id) == ("open", dt.date(2025, 3, 20), ana.id)
    asks = session.execute(
        select(Exchange.direction, Exchange.text, Exchange.outcome).where(
            Exchange.person_id == ana.id
        )
    ).all()
    assert asks == [("they_asked", "an intro to a recruiter", "open")]
    [row] = requests.open_requests(session, as_of=NOW)
    assert (row.id, row.person, row.text, row.overdue) == (
        r.id,
        "Ana Lima",
        "an intro to a recruiter",
        False,
    )


def test_answer_helped_records_a_give_and_closes_the_ask(session: Session) -> None:
    ana = people.add(session, "Ana Lima")
    r = requests.add(session, ana, "resume feedback", now=NOW - dt.timedelta(days=3))
    out = requests.answer(session, r.id, helped=True, note="sent comments", now=NOW)
    assert (out.status, out.answer, out.answer_text, out.answered_at) == (
        "answered",
        "helped",
        "sent comments",
        NOW,
    )
    assert _gives(session, ana.id) == ["help"]
    outcome = session.scalar(select(Exchange.outcome).where(Exchange.direction == "they_asked"))
    assert outcome == "granted"
    assert requests.open_requests(session) == []
    # As things stood before the answer, the request was open.
    [before] = requests.open_requests(session, as_of=NOW - dt.timedelta(days=1))
    assert (before.id, before.status, before.days_open) == (r.id, "open", 2)


def test_answer_offered_and_referred(session: Session) -> None:
    ana = people.add(session, "Ana Lima")
    bo = people.add(session, "Bo Chen")
    cy = people.add(session, "Cy Ode")
    r1 = requests.add(session, ana, "a job at your company", now=NOW)
    r2 = requests.add(session, bo, "an accountant", now=NOW)
    requests.answer(session, r1, offered="a mock interview instead", now=NOW)
    requests.answer(session, r2, referred=cy, now=NOW)
    assert (r1.answer, r1.answer_text) == ("offered", "a mock interview instead")
    assert (r2.answer, r2.referred_to_id) == ("referred", cy.id)
    assert _gives(session, ana.id) == ["help"]
    assert _gives(session, bo.id) == ["referral"]
    edge = session.scalars(select(Knows)).one()
    assert (edge.a_id, edge.b_id, edge.how) == (min(bo.id, cy.id), max(bo.id, cy.id), "referral")
    answered = requests.list_(session, status="answered")
    assert {(x.person, x.answer, x.referred_to) for x in answered} == {
        ("Ana Lima", "offered", None),
        ("Bo Chen", "referred", "Cy Ode"),
    }


def _counts(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(Interaction)) or 0,
        session.scalar(select(func.count()).select_from(Exchange)) or 0,
        session.scalar(select(func.count()).where(Request.status == "open")) or 0,
    )


def test_a_bare_no_is_refused_and_writes_nothing(session: Session) -> None:
    ana = people.add(session, "Ana Lima")
    r = requests.add(session, ana, "a loan", now=NOW)
    before = _counts(session)
    with pytest.raises(InvalidInput, match="bare no"):
        requests.answer(session, r.id, now=NOW)
    with pytest.raises(InvalidInput, match="choose one"):
        requests.answer(session, r.id, helped=True, offered="coffee", now=NOW)
    with pytest.raises(InvalidInput, match="offered"):
        requests.answer(session, r.id, offered="  ", now=NOW)
    with pytest.raises(InvalidInput, match="who asked"):
        requests.answer(session, r.id, referred=ana, now=NOW)
    assert _counts(session) == before
    assert r.status == "open"


def test_answering_a_closed_request_is_an_error(session: Session) -> None:
    ana = people.add(session, "Ana Lima")
    r = requests.add(session, ana, "advice", now=NOW)
    requests.answer(session, r.id, helped=True, now=NOW)
    before = _counts(session)
    with pytest.raises(InvalidInput, match="already answered on 2025-03-10"):
        requests.answer(session, r.id, helped=True, now=NOW)
    assert _counts(session) == before
    with pytest.raises(NotFound, match="no request #999"):
        requests.answer(session, 999, helped=True)


def test_open_requests_due_first_and_overdue(session: Session) -> None:
    ana = people.add(session, "Ana Lima")
    bo = people.add(session, "Bo Chen")
    late = requests.add(session, ana, "late one", due=dt.date(2025, 3, 1), now=NOW)
    soon = requests.add(session, bo, "soon one", due=dt.date(2025, 3, 12), now=NOW)
    undated = requests.add(session, bo, "whenever", now=NOW)
    rows = requests.open_requests(session, as_of=dt.date(2025, 3, 10))
    assert [(r.id, r.overdue) for r in rows] == [
        (late.id, True),
        (soon.id, False),
        (undated.id, False),
    ]
    # A request asked after as_of did not exist yet.
    assert requests.open_requests(session, as_of=NOW - dt.timedelta(days=1)) == []


def test_logging_they_asked_opens_a_request_answerable_here(session: Session) -> None:
    from goodwill.records import interactions

    ana = people.add(session, "Ana Lima")
    interactions.log(session, [ana], "call", they_asked=["a reference"], when=NOW, now=NOW)
    [row] = requests.open_requests(session)
    requests.answer(session, row.id, helped=True, now=NOW)
    assert requests.open_requests(session) == []


def test_request_cli_flow(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Ana Lima").code == 0
    assert cli("person", "add", "Cy Ode").code == 0
    r = cli("request", "add", "Ana Lima", "a reference letter", "--due", "2099-01-31")
    assert r.code == 0 and "request #1 from Ana Lima" in r.err
    [row] = json.loads(cli("request", "list", "--format", "json").out)
    assert (row["person"], row["text"], row["due"], row["status"]) == (
        "Ana Lima",
        "a reference letter",
        "2099-01-31",
        "open",
    )
    r = cli("request", "answer", "1")
    assert r.code == 1 and "bare no" in r.err
    r = cli("request", "answer", "1", "--referred", "Cy Ode")
    assert r.code == 0 and "answered request #1 (referred)" in r.err
    r = cli("request", "answer", "1", "--helped")
    assert r.code == 1 and "error: invalid request '#1': was already answered on" in r.err
    assert json.loads(cli("request", "list", "--format", "json").out) == []
    [row] = json.loads(cli("request", "list", "--status", "all", "--format", "json").out)
    assert (row["answer"], row["referred_to"]) == ("referred", "Cy Ode")
    r = cli("request", "add", "Ana Lima", " ")
    assert r.code == 1 and "must not be empty" in r.err
    assert len(json.loads(cli("request", "list", "--status", "all", "--format", "json").out)) == 1
