"""The contact summary gives the same tie-strength facts and last contacts as grouping the
participant rows, through every kind of change (on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from goodwill.records import interactions, people
from goodwill.scoring import contact_summary, strength
from goodwill.store.models import ContactDirty, ContactSummary, Interaction, Person

AS_OF = dt.datetime(2024, 6, 1)
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


def _dirty(s: Session) -> int:
    return int(s.scalar(select(func.count()).select_from(ContactDirty)) or 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summary_matches_the_rows_through_every_change(session: Session, seed: int) -> None:
    rng = random.Random(seed)
    crowd = [people.add(session, f"Person {i}") for i in range(12)]
    _history(session, rng, crowd, 60)
    _assert_same(session, AS_OF)
    assert _dirty(session) == 0  # the read brought the summary up to date
    # Past dates are answered from the rows (history after them is not summarised).
    _assert_same(session, AS_OF - dt.timedelta(days=400))
    # New interactions, one of them at the very date asked about.
    _history(session, rng, crowd, 5)
    interactions.log(session, [crowd[0]], "call", when=AS_OF, now=AS_OF)
    assert _dirty(session) > 0
    _assert_same(session, AS_OF)
    # An interaction moved, re-kinded and re-attributed (0002's copies follow it).
    first = session.scalars(select(Interaction).order_by(Interaction.id)).first()
    assert first is not None
    first.occurred_at = AS_OF - dt.timedelta(days=3)
    first.kind = "meeting"
    first.initiated_by = "them"
    session.flush()
    _assert_same(session, AS_OF)
    # A planned interaction that happened, and one deleted outright.
    session.execute(update(Interaction).where(Interaction.planned.is_(True)).values(planned=False))
    last = session.scalars(select(Interaction).order_by(Interaction.id.desc())).first()
    assert last is not None
    session.delete(last)
    session.flush()
    _assert_same(session, AS_OF)
    # Two people merged: the kept one carries both histories; the other has none.
    people.merge(session, crowd[1], crowd[2])
    _assert_same(session, AS_OF)
    # A person deleted with their rows.
    session.execute(delete(Person).where(Person.id == crowd[3].id))
    session.flush()
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


def test_a_changed_model_rebuilds_the_summary(session: Session) -> None:
    a = people.add(session, "Ann Able")
    interactions.log(session, [a], "meeting", when=AS_OF - dt.timedelta(days=10), now=AS_OF)
    strength.features(session, AS_OF)
    row = session.get(ContactSummary, a.id)
    assert row is not None and row.model == strength._decay(strength.MODEL).fingerprint()
    other = contact_summary.Decay({"meeting": 0.25}, 30.0)
    assert contact_summary.refresh(session, other)
    session.expire_all()
    row = session.get(ContactSummary, a.id)
    assert row is not None and row.model == other.fingerprint()
    # meeting weight 0.25, ten days old with a 30-day half-life, anchored to 2000-01-01
    age = (AS_OF - dt.timedelta(days=10) - dt.datetime(2000, 1, 1)).days
    assert row.decayed == pytest.approx(0.25 * 2 ** (age / 30.0), rel=1e-9)
    _assert_same(session, AS_OF)  # and back to the default model


def test_an_emptied_summary_is_rebuilt(session: Session) -> None:
    a = people.add(session, "Ann Able")
    interactions.log(session, [a], "call", when=AS_OF - dt.timedelta(days=4), now=AS_OF)
    _assert_same(session, AS_OF)
    session.execute(delete(ContactSummary))
    assert _dirty(session) == 0
    _assert_same(session, AS_OF)
    assert session.get(ContactSummary, a.id) is not None
