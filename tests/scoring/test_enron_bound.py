"""The offline measurements of benchmarks/enron_bound.py: candidate features from what the
import stores, the numpy boosted trees of the flexible bound, and the noise of the target.
Each on small data whose answer is known by hand."""

from __future__ import annotations

import math

import numpy as np
from benchmarks import enron_bound as eb
from benchmarks import enron_strength as bench
from hypothesis import given, settings
from hypothesis import strategies as st

# person id, day, who started (1 you, 0 them), interaction id
HISTORY = np.array(
    [
        [1, 100.0, 1, 1],  # you write to 1 alone
        [1, 102.0, 0, 2],  # 1 answers two days later
        [1, 150.0, 1, 3],  # you write to 1 and 2 together
        [2, 150.0, 1, 3],
        [2, 195.0, 0, 4],  # 2 writes, 45 days after
        [1, 250.0, 0, 5],  # after the date: never seen
    ]
)
# person id, day, 1 when you were in To (0: Cc)
COPIES = np.array([[1, 102.0, 1], [2, 195.0, 0], [1, 250.0, 0]])
IDS = np.array([1, 2, 3], dtype=np.int64)  # 3: never in touch


def test_candidates_of_a_known_history() -> None:
    f = eb.candidates(HISTORY, COPIES, IDS, 200.0)
    assert set(f) == set(eb.CANDIDATES)
    assert np.allclose(f["n7"], np.log1p([0, 1, 0]))
    assert np.allclose(f["n90"], np.log1p([1, 2, 0]))
    assert np.allclose(f["n365"], np.log1p([3, 2, 0]))
    assert np.allclose(f["quarter_vs_year"], f["n90"] - f["n365"])
    assert np.allclose(f["my_start_share"], [3 / 5, 2 / 4, 1 / 2])  # (by you + 1) / (all + 2)
    # of your messages to 1, one of two was to 1 alone; to 2, none of one
    assert np.allclose(f["one_to_one"], [1.5 / 3, 0.5 / 2, 0.5])
    assert np.allclose(f["group_size"], [math.log(2) / 2, math.log(2), 0])
    # 1 answered your day-100 message within 7 days, not the day-150 one; 2 took 45 days
    assert np.allclose(f["they_answer"], [1.5 / 3, 0.5 / 2, 0.5])
    assert np.allclose(f["i_answer"], [0.5 / 2, 0.5 / 1, 0.5])  # you answered nobody
    # gaps of 1's contacts: 2 and 48 days (mean 25, spread 23)
    assert np.allclose(f["burstiness"], [(23 - 25) / 48, 0, 0])
    assert np.allclose(
        f["overdue"], [math.log1p(50) - math.log1p(25), math.log1p(5) - math.log1p(45), 0]
    )
    assert np.allclose(f["since_sent"], np.log1p([50, 50, 5000]))
    assert np.allclose(f["since_received"], np.log1p([98, 5, 5000]))
    assert np.allclose(f["direct_share"], [1.5 / 2, 0.5 / 2, 0.5])
    assert np.allclose(f["to_recent"], np.log1p([0.5 ** (98 / 30), 0, 0]))
    assert np.allclose(f["cc_recent"], np.log1p([0, 0.5 ** (5 / 30), 0]))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(1, 4),
            st.floats(0, 400, allow_nan=False),
            st.integers(0, 1),
            st.integers(1, 12),
        ),
        min_size=1,
        max_size=30,
    ),
    seed=st.integers(0, 2**16),
    now=st.floats(1, 500, allow_nan=False),
)
def test_candidates_do_not_depend_on_row_order_or_the_future(
    rows: list[tuple[int, float, int, int]], seed: int, now: float
) -> None:
    history = np.array(rows, dtype=float)
    ids = np.arange(1, 6, dtype=np.int64)
    copies = history[:, :3].copy()
    shuffled = history[np.random.default_rng(seed).permutation(len(history))]
    later = np.vstack([history, [[1, now + 1.0, 1, 13], [2, now, 0, 14]]])
    a = eb.candidates(history, copies, ids, now)
    for other in (
        eb.candidates(shuffled, copies, ids, now),
        eb.candidates(later, copies, ids, now),
    ):
        for name in eb.CANDIDATES:
            assert np.all(np.isfinite(a[name])), name
            assert np.allclose(a[name], other[name]), name


def test_boosted_trees_learn_an_interaction_a_linear_model_cannot() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (4000, 3))
    y = (x[:, 0] * x[:, 1] > 0).astype(float)  # the XOR of two signs; the third is noise
    train, test = slice(0, 3000), slice(3000, None)
    model = eb.Boosted(trees=60, depth=2, rate=0.3).fit(x[train], y[train])
    assert bench.auc(model.decision(x[test]), y[test]) > 0.95
    linear = bench.newton_logistic(np.column_stack([np.ones(3000), x[train]]), y[train], np.ones(4))
    assert bench.auc(x[test] @ linear[1:], y[test]) < 0.6
    again = eb.Boosted(trees=60, depth=2, rate=0.3).fit(x[train], y[train])
    assert np.array_equal(model.decision(x[test]), again.decision(x[test]))  # seeded


def _case(me: int, cutoff_at: int, days: np.ndarray, labels: np.ndarray) -> bench.Case:
    """A case whose model ranks exactly as recency does (only the recency feature set)
    and whose decayed frequency ranks the other way."""
    x = np.zeros((len(days), len(bench.strength_model.FEATURES)))
    x[:, bench.strength_model.FEATURES.index("recency")] = np.log1p(days)
    plain = {h: days.astype(float) for h in bench.BASELINE_HALF_LIVES}
    return bench.Case(me, bench.CUTOFFS[cutoff_at], x, days, plain, labels)


def test_never_below_chance_counts_resamplings_at_or_above_the_best_baseline() -> None:
    rng = np.random.default_rng(1)
    items = []
    for me in (1, 3, 5):  # odd ids: held out
        for at in range(len(bench.CUTOFFS)):
            days = rng.uniform(1, 300, 12)
            items.append(_case(me, at, days, days < rng.uniform(30, 200)))
    # The model ties recency (the best baseline) at every cutoff: margin exactly 0, so a
    # model moved up by any amount is never below, moved down always is.
    got = eb.never_below_chance(items, [1, 3, 5], 90.0, 0.2, 12, means=(-0.01, 0.01), draws=50)
    assert got["mailboxes"] == 3
    assert got["margin"] == 0.0
    assert got["never_below_chance"] == {"-0.01": 0.0, "+0.01": 1.0}


def test_forward_selection_keeps_a_feature_that_carries_the_outcome() -> None:
    """Eight mailboxes (even ids fitted on), where the outcome follows one candidate
    (`n30`) and nothing in the model's own features: the selection takes it first, by a
    wide margin in cross-validation, and it lifts the held-out AUC."""
    rng = np.random.default_rng(2)
    items, cands = [], {}
    for me in range(8):
        for at in (0, 12, 24):
            n = 40
            signal = rng.normal(size=n)
            labels = signal + 0.5 * rng.normal(size=n) > 0
            days = rng.uniform(1, 300, n)
            x = rng.normal(size=(n, len(bench.strength_model.FEATURES)))
            plain = {h: rng.uniform(0, 3, n) for h in bench.BASELINE_HALF_LIVES}
            items.append(bench.Case(me, bench.CUTOFFS[at], x, days, plain, labels))
            cand = {name: rng.normal(size=n) for name in eb.CANDIDATES}
            cand["n30"] = signal
            cands[(me, bench.CUTOFFS[at])] = cand
    steps = eb.forward(items, cands, list(range(8)), 90.0, 0.2, ("n7", "n30", "burstiness"))
    assert steps[1]["features"] == ["n30"]
    assert float(steps[1]["cv"]) > float(steps[0]["cv"]) + 0.2  # type: ignore[arg-type]
    held = steps[1]["held_out"]["top8"]  # type: ignore[index]
    assert held["model"] > 0.85
