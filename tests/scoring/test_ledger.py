"""The reciprocity ledger: balances weighted by kind and age; ask outcomes."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from goodwill.errors import InvalidInput, NotFound
from goodwill.records import interactions, people
from goodwill.scoring import ledger
from goodwill.store import days
from goodwill.store.models import Exchange

AS_OF = dt.datetime(2024, 6, 1)


def _day(days_before: float) -> dt.datetime:
    return AS_OF - dt.timedelta(days=days_before)


def test_balance_weighs_kinds_and_decays_with_age(session: Session) -> None:
    a = people.add(session, "Ann Able")
    b = people.add(session, "Bob Baker")
    interactions.log(session, [a], "call", when=_day(0.001), now=AS_OF, gave=["referral"])
    interactions.log(session, [a], "email", when=_day(10), now=AS_OF, got=["info"])
    # a year old: half the weight
    interactions.log(session, [b], "call", when=_day(365), now=AS_OF, gave=["intro"], got=["info"])
    got = ledger.balances(session, AS_OF)
    ba, bb = got[a.id], got[b.id]
    assert ba.given == pytest.approx(ledger.KIND_WEIGHTS["referral"], abs=0.01)
    assert ba.received == pytest.approx(0.5 ** (10 / 365), abs=0.01)
    assert ba.balance == pytest.approx(ba.given - ba.received, abs=0.002)
    assert (ba.gives, ba.gets, ba.last_give, ba.last_get) == (1, 1, _day(1).date(), _day(10).date())
    assert bb.given == pytest.approx(1.5, abs=0.01)  # intro 3.0, one half-life old
    assert bb.received == pytest.approx(0.5, abs=0.01)


def test_balance_ignores_the_future_and_lists_people_without_exchanges(session: Session) -> None:
    a = people.add(session, "Ann Able")
    c = people.add(session, "Cy Coe")
    interactions.log(session, [a], "call", when=_day(-3), now=AS_OF, planned=True, gave=["help"])
    got = ledger.balances(session, AS_OF)
    assert got[a.id].given == 0 and got[a.id].last_give is None
    assert set(got) == {a.id, c.id}
    assert ledger.balance_rows(session, AS_OF) == []  # nobody has exchanges yet


def test_balance_rows_most_one_sided_first(session: Session) -> None:
    a = people.add(session, "Ann Able")
    b = people.add(session, "Bob Baker")
    interactions.log(session, [a], "call", when=_day(1), now=AS_OF, gave=["info"])
    interactions.log(session, [b], "call", when=_day(1), now=AS_OF, got=["referral"])
    rows = ledger.balance_rows(session, AS_OF)
    assert [(r.name, r.balance > 0) for r in rows] == [("Bob Baker", False), ("Ann Able", True)]


def test_record_ask_outcome_marks_the_latest_open_ask(session: Session) -> None:
    a = people.add(session, "Ann Able")
    interactions.log(session, [a], "email", when=_day(20), now=AS_OF, asked=["an intro to Acme"])
    interactions.log(session, [a], "email", when=_day(5), now=AS_OF, asked=["resume feedback"])
    out = ledger.record_ask_outcome(session, a, "refused")
    assert (out.text, out.outcome, out.asked_on) == ("resume feedback", "refused", _day(5).date())
    out = ledger.record_ask_outcome(session, a, "Granted", text="acme")
    assert out.text == "an intro to Acme"
    outcomes = session.scalars(select(Exchange.outcome).order_by(Exchange.occurred_at)).all()
    assert outcomes == ["granted", "refused"]


def test_record_ask_outcome_bad_input_writes_nothing(session: Session) -> None:
    a = people.add(session, "Ann Able")
    with pytest.raises(NotFound, match="no open ask of Ann Able"):
        ledger.record_ask_outcome(session, a, "refused")
    interactions.log(session, [a], "email", when=_day(5), now=AS_OF, asked=["resume feedback"])
    with pytest.raises(InvalidInput, match="choose one of granted, refused, ignored"):
        ledger.record_ask_outcome(session, a, "maybe")
    with pytest.raises(NotFound, match="mentions 'pizza'"):
        ledger.record_ask_outcome(session, a, "granted", text="pizza")
    assert session.scalars(select(Exchange.outcome)).all() == ["open"]


def test_the_ledger_summary_is_kept_by_every_write(session: Session) -> None:
    """`ledger_summary` (kept by triggers, 0016) answers as grouping the exchanges does,
    through inserts, edits, moves, deletes and plain SQL, for dates before and after."""
    a, b, c = (people.add(session, n) for n in ("Ann Able", "Bob Baker", "Cy Coe"))
    interactions.log(session, [a, b], "call", when=_day(3), now=AS_OF, gave=["intro"])
    interactions.log(session, [a], "email", when=_day(400), now=AS_OF, got=["info", "help"])
    interactions.log(session, [c], "call", when=_day(-2), now=_day(-3), gave=["help"])

    def same() -> None:
        session.flush()
        for when in (AS_OF, _day(200), _day(-5)):
            assert ledger.balances(session, when) == ledger.balances(session, when, from_rows=True)

    same()
    first = session.scalars(select(Exchange).order_by(Exchange.id)).first()
    assert first is not None
    first.kind, first.direction = "referral", "got"
    same()
    first.person_id = c.id
    same()
    session.delete(first)
    same()
    session.execute(
        text("UPDATE exchange SET occurred_at = :t WHERE person_id = :p"),
        {"t": _day(30), "p": a.id},
    )
    same()
    kept = ledger._kept(session, days.day_number(_day(-30)), None)
    assert kept is not None and kept[0]  # read from the summary, not grouped


def test_the_ledger_triggers_use_the_ledger_weights() -> None:
    path = (
        Path(ledger.__file__).parents[1] / "store/migrations/versions/0016_figures_in_write_path.py"
    )
    spec = importlib.util.spec_from_file_location("goodwill_migration_0016_l", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert ledger.FINGERPRINT == migration.LEDGER_NAME
