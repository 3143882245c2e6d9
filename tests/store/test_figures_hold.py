"""`store/figures.held`: a merge or an undo that moves or deletes many of one person's rows
brings the kept figures up to date once, exactly, in the same transaction (on SQLite the
triggers would otherwise recompute that person once per row: quadratic)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import func, select, text

from goodwill.records import people
from goodwill.scoring import contact_summary, ledger, strength
from goodwill.store import figures
from goodwill.store.db import Store, open_store
from goodwill.store.models import FiguresHold

BASE = dt.datetime(2025, 1, 1, 9)


def _heavy(store: Store, n: int) -> tuple[int, int]:
    """Two people; the second has `n` interactions (one exchange in each tenth)."""
    with store.session() as s:
        keep, dup = people.add(s, "Ann Able"), people.add(s, "Ann Able Two")
        s.flush()
        kid, did = keep.id, dup.id
        conn = s.connection()
        for i in range(n):
            iid = conn.execute(
                text(
                    "INSERT INTO interaction (occurred_at, kind, planned, created_at) "
                    "VALUES (:o, 'email', false, :o) RETURNING id"
                ),
                {"o": BASE + dt.timedelta(hours=i)},
            ).scalar_one()
            conn.execute(
                text("INSERT INTO participant (interaction_id, person_id) VALUES (:i, :p)"),
                {"i": iid, "p": did},
            )
            if i % 10 == 0:
                conn.execute(
                    text(
                        "INSERT INTO exchange (interaction_id, person_id, direction, kind, "
                        "occurred_at) VALUES (:i, :p, 'got', 'advice', :o)"
                    ),
                    {"i": iid, "p": did, "o": BASE + dt.timedelta(hours=i)},
                )
    return kid, did


def _fresh(store: Store) -> None:
    with store.session() as s:
        kept = contact_summary.kept_rows(s)
        fresh = contact_summary.fresh_rows(s, strength._decay(strength.MODEL))
        assert contact_summary.same_rows(kept, fresh)
        when = BASE + dt.timedelta(days=400)
        assert ledger.balances(s, when) == ledger.balances(s, when, from_rows=True)
        assert s.scalar(select(func.count()).select_from(FiguresHold)) == 0


def test_a_merge_of_a_heavy_person_leaves_exact_figures_and_no_hold(store: Store) -> None:
    kid, did = _heavy(store, 120)
    with store.session() as s:
        people.merge(s, s.get(people.Person, kid), s.get(people.Person, did))
    _fresh(store)
    with store.session() as s:
        row = s.execute(
            text("SELECT count FROM contact_summary WHERE person_id = :p"), {"p": kid}
        ).scalar_one()
        assert row == 120
        assert (
            s.execute(
                text("SELECT count(*) FROM contact_summary WHERE person_id = :p"), {"p": did}
            ).scalar_one()
            == 0
        )


def test_an_error_inside_a_hold_leaves_no_hold_behind(store: Store) -> None:
    _kid, did = _heavy(store, 5)
    # The caller catches the error and its session commits: the figures must still be whole.
    with store.session() as s, pytest.raises(RuntimeError), figures.held(s, [did]):
        s.execute(text("DELETE FROM participant WHERE person_id = :p"), {"p": did})
        raise RuntimeError("a caller's failure")
    _fresh(store)


def _steps(path: str, n: int) -> int:
    """SQLite virtual-machine steps (in thousands) a merge of a person with `n` rows takes:
    a count of work, not of time, so the machine's load does not move it."""
    store = open_store(path)
    try:
        kid, did = _heavy(store, n)
        with store.session() as s:
            raw = s.connection().connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            counted = [0]

            def tick() -> int:
                counted[0] += 1
                return 0

            raw.set_progress_handler(tick, 1000)
            people.merge(s, s.get(people.Person, kid), s.get(people.Person, did))
            s.flush()
            raw.set_progress_handler(None, 0)
        return counted[0]
    finally:
        store.dispose()


def test_a_merge_costs_in_proportion_to_the_rows_moved(tmp_path: pytest.TempPathFactory) -> None:
    small = _steps(str(tmp_path / "small.db"), 250)  # type: ignore[operator]
    large = _steps(str(tmp_path / "large.db"), 1000)  # type: ignore[operator]
    # Four times the rows: about four times the work (per-row recomputing was ~16x).
    assert large < 7 * max(small, 1), (small, large)
