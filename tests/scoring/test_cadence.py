"""Circles and cadences: due, overdue, dormant; per-circle and per-person settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.errors import InvalidInput
from goodwill.records import interactions, people
from goodwill.scoring import cadence
from goodwill.store.models import CircleSetting
from tests.helpers import Result

TODAY = dt.date(2026, 3, 15)
NOW = dt.datetime(2026, 3, 15, 9, 0)


def ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def state_of(session: Session, person_id: int, today: dt.date = TODAY) -> cadence.Status:
    [found] = cadence.statuses(session, today, [person_id])
    return found


def test_defaults_follow_the_layers() -> None:
    assert [cadence.DEFAULTS[c] for c in ("close", "active", "network", "wider")] == [
        cadence.Cadence(14, 30),
        cadence.Cadence(30, 90),
        cadence.Cadence(90, 180),
        cadence.Cadence(180, 365),
    ]


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, "ok"), (13, "ok"), (14, "due"), (30, "due"), (31, "overdue"), (364, "overdue")],
)
def test_close_circle_states(session: Session, days: int, expected: str) -> None:
    p = people.add(session, "Ana Lima", circle="close")
    interactions.log(session, [p], "call", when=ago(days), now=NOW)
    st_ = state_of(session, p.id)
    assert (st_.state, st_.days, st_.last_contact) == (expected, days, ago(days).date())


def test_dormant_after_a_year_and_past_the_maximum(session: Session) -> None:
    p = people.add(session, "Ben Ode", circle="active")
    interactions.log(session, [p], "coffee", when=ago(400), now=NOW)
    assert state_of(session, p.id).state == "dormant"
    w = people.add(session, "Wen Li", circle="wider")
    interactions.log(session, [w], "email", when=ago(300), now=NOW)
    assert state_of(session, w.id).state == "due"


def test_any_interaction_resets_the_clock_but_not_a_planned_one(session: Session) -> None:
    p = people.add(session, "Cleo Park", circle="close")
    interactions.log(session, [p], "coffee", when=ago(40), now=NOW)
    assert state_of(session, p.id).state == "overdue"
    interactions.log(session, [p], "call", when=NOW + dt.timedelta(days=3), planned=True, now=NOW)
    assert state_of(session, p.id).state == "overdue"
    interactions.log(session, [p], "note", when=ago(1), now=NOW)
    assert state_of(session, p.id).state == "ok"


def test_never_contacted_counts_from_when_added(session: Session) -> None:
    p = people.add(session, "Dev Rao", circle="close")
    p.created_at = ago(20)
    session.flush()
    st_ = state_of(session, p.id)
    assert (st_.state, st_.last_contact, st_.since) == ("due", None, ago(20).date())


def test_circle_setting_and_person_override(session: Session) -> None:
    p = people.add(session, "Eve Moss", circle="network")
    interactions.log(session, [p], "email", when=ago(60), now=NOW)
    assert state_of(session, p.id).state == "ok"
    cadence.set_circle(session, "network", ideal_days=45, max_days=50)
    assert state_of(session, p.id).state == "overdue"
    cadence.set_person(session, p, ideal_days=100, max_days=None)
    st_ = state_of(session, p.id)
    assert (st_.ideal_days, st_.max_days, st_.state) == (100, 100, "ok")
    assert cadence.set_circle(session, "network", reset=True) == cadence.DEFAULTS["network"]
    assert session.scalar(select(func.count()).select_from(CircleSetting)) == 0


@pytest.mark.parametrize(
    ("ideal", "most", "field"),
    [(0, 10, "ideal"), (-3, None, "ideal"), (30, 10, "max"), (10, 5000, "max")],
)
def test_bad_circle_settings_write_nothing(
    session: Session, ideal: int, most: int | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        cadence.set_circle(session, "close", ideal_days=ideal, max_days=most)
    assert err.value.field == field
    assert session.scalar(select(func.count()).select_from(CircleSetting)) == 0


def test_unknown_circle_lists_the_valid_ones(session: Session) -> None:
    with pytest.raises(InvalidInput, match="close, active, network, wider"):
        cadence.set_circle(session, "besties", ideal_days=3)


@given(
    ideal=st.integers(1, 400),
    extra=st.integers(0, 400),
    a=st.integers(0, 2000),
    b=st.integers(0, 2000),
)
def test_state_only_worsens_with_time(ideal: int, extra: int, a: int, b: int) -> None:
    rank = {"ok": 0, "due": 1, "overdue": 2, "dormant": 3}
    lo, hi = min(a, b), max(a, b)

    def state(days: int, ever: bool) -> str:
        arrays = [np.array([v]) for v in (days, ideal, ideal + extra, ever)]
        return str(cadence.states_of(*arrays)[0])

    assert rank[state(lo, True)] <= rank[state(hi, True)]
    assert state(hi, False) != "dormant"


@given(
    ideal=st.integers(1, 400),
    extra=st.integers(0, 400),
    p_ideal=st.one_of(st.none(), st.integers(1, 900)),
    p_max=st.one_of(st.none(), st.integers(1, 900)),
)
def test_resolved_cadence_is_consistent(
    ideal: int, extra: int, p_ideal: int | None, p_max: int | None
) -> None:
    got = cadence.resolve(cadence.Cadence(ideal, ideal + extra), p_ideal, p_max)
    assert 1 <= got.ideal_days <= got.max_days
    if p_max is not None:
        assert got.max_days == p_max


def test_circle_cli(cli: Callable[..., Result]) -> None:
    r = cli("circle", "set", "close", "--ideal", "7", "--max", "21")
    assert r.code == 0, r.err
    assert "every 7 days ideally, 21 at most" in r.err
    import json

    rows = json.loads(cli("circle", "list", "--format", "json").out)
    close = next(r for r in rows if r["circle"] == "close")
    assert (close["ideal_days"], close["max_days"], close["customised"]) == (7, 21, True)
    bad = cli("circle", "set", "close", "--ideal", "30", "--max", "10")
    assert bad.code == 1
    assert "error: invalid max 10: the maximum must be at least the ideal interval" in bad.err
    rows = json.loads(cli("circle", "list", "--format", "json").out)
    assert next(r for r in rows if r["circle"] == "close")["max_days"] == 21
