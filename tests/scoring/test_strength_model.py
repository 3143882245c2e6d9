"""Tie strength as a chance (strength_model): the last year's facts, the fitted model's
inference, its words and its reasons, on hand-built histories (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from goodwill.records import interactions, people
from goodwill.scoring import cadence, strength, strength_model
from goodwill.store.models import Person

AS_OF = dt.datetime(2024, 6, 1)
N = len(strength_model.FEATURES)


def _day(days_before: float) -> dt.datetime:
    return AS_OF - dt.timedelta(days=days_before)


def _log(s: Session, who: list[Person], days_before: float, **kw: object) -> None:
    interactions.log(s, who, "email", when=_day(days_before), now=AS_OF, **kw)  # type: ignore[arg-type]


def test_recent_contact_and_answers_read_the_same_from_the_summary_and_the_rows(
    session: Session,
) -> None:
    """Contact in the last weeks (30-day half-life, channel-weighted) and the share of
    answers: the contact summary (everyone, history before today) and the participant rows
    (a date in the past) give the same figures."""
    ann, bob = people.add(session, "Ann Able"), people.add(session, "Bob Baker")
    _log(session, [ann], 10, initiated_by="me")
    _log(session, [ann, bob], 100, initiated_by=None)  # an answer to both
    interactions.log(session, [bob], "coffee", when=_day(40), now=AS_OF, initiated_by="them")
    session.flush()  # the summary is kept by the write's triggers
    summed = strength.features(session, AS_OF)  # from the summary
    scanned = strength.features(session, AS_OF, [ann.id, bob.id])
    grouped = strength.features(session, AS_OF, baseline=True)  # from the rows, always
    expected = [
        0.5 * 0.5 ** (10 / 30) + 0.5 * 0.5 ** (100 / 30),  # email weight 0.5
        0.5 * 0.5 ** (100 / 30) + 1.0 * 0.5 ** (40 / 30),  # coffee weight 1
    ]
    for f in (summed, scanned, grouped):
        assert np.allclose(f.decayed_short, expected, rtol=1e-9)
        x = strength.design(f, strength.components(f))
        replies = x[:, strength_model.FEATURES.index("replies")]
        assert replies.tolist() == [0.5, 0.5]
        trend = x[:, strength_model.FEATURES.index("trend")]
        assert np.allclose(trend, np.log((1 + f.decayed_short) / (1 + f.decayed)))


def test_strength_is_the_fitted_chance_and_zero_without_contact(session: Session) -> None:
    ann, bob = people.add(session, "Ann Able"), people.add(session, "Bob Baker")
    for d in range(5, 200, 14):
        _log(session, [ann], d)
    session.flush()
    ids, _parts, values = strength.scored(session, AS_OF)
    got = dict(zip(ids, values.tolist(), strict=True))
    assert got[bob.id] == 0.0
    assert strength_model.LIKELY <= got[ann.id] < 1.0
    f = strength.features(session, AS_OF, [ann.id])
    x = strength.design(f, strength.components(f))
    assert round(float(strength_model.chance(x)[0]), 4) == got[ann.id]


def test_a_single_email_is_not_a_tie_that_was_strong_once(session: Session) -> None:
    """Why the dormant threshold is 0.5 on the chance scale: one message ten days ago
    leaves you far from sure to be in touch again this quarter; fortnightly contact
    over half a year makes it more likely than not."""
    once, often = people.add(session, "Ona Once"), people.add(session, "Otto Often")
    _log(session, [once], 10)
    for d in range(10, 190, 14):
        _log(session, [often], d)
    session.flush()
    got = strength.scores(session, AS_OF)
    assert got[once.id] < cadence.DORMANT_MIN_PEAK <= got[often.id]


def test_longer_silence_means_a_lower_chance(session: Session) -> None:
    p = people.add(session, "Pat Page")
    for d in (400, 300, 200):
        _log(session, [p], d)
    session.flush()
    later = [strength.scores(session, AS_OF + dt.timedelta(days=k))[p.id] for k in (0, 60, 180)]
    assert later[0] > later[1] > later[2]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=N, max_size=N))
def test_the_chance_is_a_probability_whatever_the_features(row: list[float]) -> None:
    value = float(strength_model.chance(np.array([row]))[0])
    assert 0.0 <= value <= 1.0
    parts = strength_model.contributions(np.array([row]))[0]
    z = strength_model.FIT.intercept + parts.sum()
    assert abs(float(strength_model.logit(np.array([row]))[0]) - z) < 1e-6 * max(1.0, abs(z))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(0, 10, allow_nan=False), min_size=N, max_size=N),
    st.floats(0.1, 5, allow_nan=False),
)
def test_recency_only_lowers_the_chance(row: list[float], more: float) -> None:
    """The fitted weight of recency (log days since last contact) is negative: a longer
    silence, all else equal, never raises the chance."""
    x = np.array([row, row])
    x[1, 0] += more
    value = strength_model.chance(x)
    assert value[1] <= value[0]


def test_words_say_the_chance() -> None:
    assert strength_model.words(0.83).startswith("likely to stay in touch: 83 % chance")
    assert strength_model.words(0.45).startswith("could go either way: 45 %")
    assert strength_model.words(0.2) == (
        "fading: 20 % chance of contact this quarter without a nudge"
    )
    assert strength_model.words(0.0, ever=False) == "no contact yet"


def test_reasons_are_the_largest_moves_with_their_direction() -> None:
    fit = strength_model.FIT
    typical = np.array(fit.center)
    quiet = typical.copy()
    quiet[0] += 3 * fit.scale[0]  # a much longer silence than usual
    why = strength_model.reasons(quiet)
    assert why[0][0] == "recency" and why[0][1] < 0
    assert why[0][2] == "a long time since you were last in touch"
    assert strength_model.reasons(typical) == []  # a typical tie: nothing stands out
    busy = typical.copy()
    busy[2] += 2 * fit.scale[2]  # contact in the last weeks
    busy[5] += 1 * fit.scale[5]  # and a steady rhythm
    names = [name for name, _change, _words in strength_model.reasons(busy)]
    assert names == ["recent", "rhythm"]
    assert "strength" not in strength_model.explain(0.9, busy)
    assert strength_model.explain(0.9, busy).startswith("likely to stay in touch")
    assert strength_model.explain(0.0, None) == "no contact yet"
