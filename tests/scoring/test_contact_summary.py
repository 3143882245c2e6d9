"""The contact summary gives the same tie-strength facts and last contacts as grouping the
participant rows, through every kind of change (on SQLite and PostgreSQL); it is kept by
the database's triggers in the writing transaction, never by a reader (0016)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import random
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from goodwill.records import interactions, people
from goodwill.scoring import contact_summary, strength
from goodwill.store.models import ContactSummary, Interaction, Person

AS_OF = dt.datetime(2024, 6, 1)
MIGRATION = (
    Path(contact_summary.__file__).parents[1]
    / "store/migrations/versions/0016_figures_in_write_path.py"
)
KINDS = ("email", "call", "meeting", "coffee", "message", "note")
INITIATORS = ("me", "them", None)


def _by_scan(s: Session, as_of: dt.datetime) -> strength.Features:
    """Features grouped from the participant rows (the baseline columns force the scan)."""
    return strength.features(s, as_of, baseline=True)


def _assert_same(s: Session, as_of: dt.datetime) -> None:
    got, want = strength.features(s, as_of), _by_scan(s, as_of)
    assert got.ids.tolist() == want.ids.tolist()
    for name in ("days_since_last", "days_known", "count", "by_me", "by_them", "mutual"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
    assert np.allclose(got.decayed, want.decayed, rtol=1e-9, atol=1e-12)
    assert np.allclose(got.weighted_count, want.weighted_count, rtol=1e-12)


def _history(s: Session, rng: random.Random, crowd: list[Person], n: int) -> None:
    for _ in range(n):
        who = rng.sample(crowd, rng.choice((1, 1, 2, 3)))
        when = AS_OF - dt.timedelta(days=rng.uniform(0.01, 1500))
        interactions.log(
            s,
            who,
            rng.choice(KINDS),
            when=when,
            initiated_by=rng.choice(INITIATORS),
            planned=rng.random() < 0.1,
            now=AS_OF,
        )


def _kept(s: Session) -> bool:
    """The table as the triggers left it equals a fresh grouping of the rows."""
    decay = strength._decay(strength.MODEL)
    return contact_summary.same_rows(
        contact_summary.kept_rows(s), contact_summary.fresh_rows(s, decay)
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summary_matches_the_rows_through_every_change(session: Session, seed: int) -> None:
    rng = random.Random(seed)
    crowd = [people.add(session, f"Person {i}") for i in range(12)]
    _history(session, rng, crowd, 60)
    assert _kept(session)  # before any read
    _assert_same(session, AS_OF)
    # Past dates are answered from the rows (history after them is not summarised).
    _assert_same(session, AS_OF - dt.timedelta(days=400))
    # New interactions, one of them at the very date asked about.
    _history(session, rng, crowd, 5)
    interactions.log(session, [crowd[0]], "call", when=AS_OF, now=AS_OF)
    assert _kept(session)
    _assert_same(session, AS_OF)
    # An interaction moved, re-kinded and re-attributed (0002's copies follow it).
    first = session.scalars(select(Interaction).order_by(Interaction.id)).first()
    assert first is not None
    first.occurred_at = AS_OF - dt.timedelta(days=3)
    first.kind = "meeting"
    first.initiated_by = "them"
    session.flush()
    assert _kept(session)
    _assert_same(session, AS_OF)
    # A planned interaction that happened, and one deleted outright.
    session.execute(update(Interaction).where(Interaction.planned.is_(True)).values(planned=False))
    last = session.scalars(select(Interaction).order_by(Interaction.id.desc())).first()
    assert last is not None
    session.delete(last)
    session.flush()
    assert _kept(session)
    _assert_same(session, AS_OF)
    # Two people merged: the kept one carries both histories; the other has none.
    people.merge(session, crowd[1], crowd[2])
    assert _kept(session)
    _assert_same(session, AS_OF)
    # A person deleted with their rows.
    session.execute(delete(Person).where(Person.id == crowd[3].id))
    session.flush()
    assert _kept(session)
    _assert_same(session, AS_OF)
    assert session.get(ContactSummary, crowd[3].id) is None


def test_last_contacts_agree_with_the_rows(session: Session) -> None:
    rng = random.Random(5)
    crowd = [people.add(session, f"Person {i}") for i in range(8)]
    _history(session, rng, crowd, 40)
    for as_of in (None, AS_OF, AS_OF - dt.timedelta(days=300)):
        want = strength._seek_last_contacts(session, None, as_of)
        assert strength.last_contacts(session, None, as_of) == want
        ids = [p.id for p in crowd[:3]]
        assert strength.last_contacts(session, ids, as_of) == {
            k: v for k, v in want.items() if k in ids
        }


def test_the_triggers_compute_with_the_default_model(session: Session) -> None:
    """The triggers' constants (migration 0016) are the default model's: change the model
    and this fails until a migration replaces them."""
    spec = importlib.util.spec_from_file_location("goodwill_migration_0016", MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    decay = strength._decay(strength.MODEL)
    assert decay.fingerprint() == migration.MODEL_NAME
    assert migration.ANCHOR_DAY == contact_summary.ANCHOR_DAY
    a = people.add(session, "Ann Able")
    interactions.log(session, [a], "meeting", when=AS_OF - dt.timedelta(days=10), now=AS_OF)
    row = session.get(ContactSummary, a.id)
    assert row is not None and row.model == decay.fingerprint()
    # meeting weight 1.0, ten days old with a 365-day half-life, anchored to 2000-01-01
    age = (AS_OF - dt.timedelta(days=10) - dt.datetime(2000, 1, 1)).days
    assert row.decayed == pytest.approx(2 ** (age / 365.0), rel=1e-9)


def test_another_model_reads_the_rows(session: Session) -> None:
    a = people.add(session, "Ann Able")
    interactions.log(session, [a], "call", when=AS_OF - dt.timedelta(days=4), now=AS_OF)
    other = contact_summary.Decay({"meeting": 0.25}, 30.0)
    assert contact_summary.read(session, other, 2460000.0) is None  # not kept for it
    features = strength.features(session, AS_OF, model=_with(other))
    assert features.count.tolist() == [1.0]


def _with(decay: contact_summary.Decay) -> strength.Model:
    return dataclasses.replace(
        strength.MODEL,
        channel_weights=decay.channel_weights,
        intensity_half_life_days=decay.half_life_days,
    )


def test_a_summary_from_another_model_is_not_used(session: Session) -> None:
    a = people.add(session, "Ann Able")
    interactions.log(session, [a], "call", when=AS_OF - dt.timedelta(days=4), now=AS_OF)
    session.execute(update(ContactSummary).values(model="old", count=99))
    assert strength.features(session, AS_OF).count.tolist() == [1.0]  # from the rows
