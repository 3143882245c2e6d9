"""Prebuilt reads on SQLite go straight to the driver (db._Prepared): the same rows as
through SQLAlchemy, whatever the parameters (dates, lists, defaults) and result types."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from goodwill.daily import agenda
from goodwill.demo import fill as demo
from goodwill.records import interactions, people
from goodwill.report import habits, network, reports
from goodwill.scoring import cadence, flags, ledger, strength
from goodwill.store import db
from goodwill.store.db import IDS, Store, open_store, raw_rows, run_read
from goodwill.store.models import Interaction, Person
from goodwill.views import people_list, person_page

TODAY = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 2, 18, 30)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(str(tmp_path_factory.mktemp("prepared") / "demo.db"))
    with store.session() as s:
        demo.generate(s, people=60, seed=3, today=TODAY)
    yield store
    store.dispose()


def _through_sqlalchemy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "_prepared", lambda stmt, dialect: None)


# Whole figures made of prebuilt reads: what the pages show.
FIGURES: dict[str, Callable[[Session], Any]] = {
    "details": lambda s: [
        person_page.detail(s, p, as_of=NOW).model_dump()
        for p in s.scalars(select(Person).order_by(Person.id)).all()
    ],
    "summaries": lambda s: [p.model_dump() for p in people_list.summaries(s)],
    "scores": lambda s: strength.scores(s, NOW),
    "balances": lambda s: ledger.balances(s, NOW),
    "flags": lambda s: flags.compute(s, NOW),
    "cadence": lambda s: cadence.statuses(s, TODAY),
    "agenda": lambda s: agenda.build(s, TODAY).model_dump(),
    "week": lambda s: habits.week(s, TODAY).model_dump(),
    "report": lambda s: reports.figures(s, weeks=8, today=TODAY).model_dump(),
    "map": lambda s: network.network_map(s, NOW, limit=40).model_dump(),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_the_figures_are_the_same_as_through_sqlalchemy(
    demo_store: Store, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    figure = FIGURES[name]
    with demo_store.session() as s:
        fast = [figure(s), figure(s)]  # a statement is prepared the second time it runs
    assert db._PREPARED, "nothing was prepared: the fast path did not run"
    with monkeypatch.context() as m:
        _through_sqlalchemy(m)
        with demo_store.session() as s:
            slow = figure(s)
    assert fast[0] == slow
    assert fast[1] == slow


_AFTER = (
    select(Interaction.id, Interaction.occurred_at, Interaction.planned)
    .where(Interaction.occurred_at >= bindparam("after"), Interaction.kind == "call")
    .order_by(Interaction.id)
)
_AMONG = select(Person.id, func.lower(Person.display_name)).where(Person.id.in_(IDS))


def _both(session: Session, stmt: Any, params: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    run_read(session, stmt, params)  # seen once: prepared from now on
    fast = run_read(session, stmt, params).all()
    slow = [tuple(r) for r in session.connection().execute(stmt, params).all()]
    return fast, slow


@settings(max_examples=40, deadline=None)
@given(
    after=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 4, 1)),
    ids=st.lists(st.integers(min_value=-3, max_value=80), max_size=30),
)
def test_parameters_and_results_are_read_as_sqlalchemy_would(
    demo_store: Store, after: dt.datetime, ids: list[int]
) -> None:
    """Dates bound as SQLAlchemy writes them (whole seconds too), booleans and dates in
    the results, lists of any length (none included), a value built into the statement."""
    with demo_store.session() as s:
        fast, slow = _both(s, _AFTER, {"after": after})
        assert fast == slow
        assert all(isinstance(r[1], dt.datetime) and isinstance(r[2], bool) for r in fast)
        fast, slow = _both(s, _AMONG, {"ids": ids})
        assert sorted(fast) == sorted(slow)


def test_a_statement_built_for_one_call_is_not_kept(demo_store: Store) -> None:
    with demo_store.session() as s:
        before = len(db._PREPARED)
        for n in range(5):
            stmt = select(Person.id).where(Person.id > n)
            assert raw_rows(s, stmt) == [tuple(r) for r in s.execute(stmt).all()]
        assert len(db._PREPARED) == before


def test_sql_written_at_each_run_goes_through_sqlalchemy(tmp_path: Path) -> None:
    """A value SQLAlchemy writes into the SQL itself (a separator here) is not prepared."""
    store = open_store(str(tmp_path / "x.db"))
    try:
        with store.session() as s:
            people.add(s, "Ann Lee")
            people.add(s, "Bob Chen")
            stmt = select(func.aggregate_strings(Person.display_name, ", "))
            assert run_read(s, stmt).scalars() == ["Ann Lee, Bob Chen"]
            assert run_read(s, stmt).scalars() == ["Ann Lee, Bob Chen"]
            assert db._PREPARED[id(stmt)][1] is None
    finally:
        store.dispose()


def test_a_time_is_bound_as_sqlalchemy_stores_it(tmp_path: Path) -> None:
    """SQLite compares times as text: a time on the second is written with its zero
    microseconds, as SQLAlchemy stores it (the driver alone would leave them out, and
    '10:00:00.000000' would then come after '10:00:00')."""
    store = open_store(str(tmp_path / "t.db"))
    at = dt.datetime(2026, 1, 1, 10, 0, 0)
    stmt = select(Interaction.id).where(Interaction.occurred_at > bindparam("after"))
    try:
        with store.session() as s:
            ann = people.add(s, "Ann Lee")
            interactions.log(s, [ann], "call", when=at, now=at)
            for _ in range(3):  # through SQLAlchemy, then prepared
                assert raw_rows(s, stmt, {"after": at}) == []
                assert len(raw_rows(s, stmt, {"after": at - dt.timedelta(seconds=1)})) == 1
            assert db._PREPARED[id(stmt)][1] is not None
    finally:
        store.dispose()
