"""Tie strength on real email, through the mbox importer: a slice of the Enron benchmark
(the 12 most active mailboxes, both halves, at three cutoffs fixed by a rule before any
result was seen: `enron_strength.slice_cutoffs`, evenly spaced over the 36, first and last
included). At each of them the model is compared with each baseline there (recency
alone, decayed frequency alone, their best mix; each given its best setting on the
slice's fit half), not with the baseline that is best on average.

Issue 25's target (at or above every baseline at every cutoff) is not met on this data
(docs/scoring.md: the margin and its bound); the test that states it is a strict xfail,
so it turns red the day it passes and the guards below can be tightened. The guards
catch a model that gets worse: on average over the slice it must beat every baseline, and
at no slice cutoff may it fall further below the best one than it does now."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from goodwill.scoring import strength_model
from tests.helpers import shared_dir

# The shortfall at the worst slice cutoff when the guard was written: -0.016 (2001-11-15,
# recency 0.879 against the model's 0.862). A model that falls further below is worse.
WORST_SHORTFALL = 0.025


@pytest.fixture(scope="module")
def slice_scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    shared = shared_dir()
    if not (shared / "datasets" / "enron" / "emails.csv.gz").is_file():
        pytest.skip("the Enron data set is not in the shared folder (GOODWILL_SHARED_DIR)")
    from benchmarks import enron_strength as bench

    cutoffs = bench.slice_cutoffs()
    assert [c.date() for c in cutoffs] == [
        dt.date(2000, 6, 1),
        dt.date(2001, 2, 15),
        dt.date(2001, 11, 15),
    ]
    data = bench.load(shared)
    mes = bench.most_active(data, 12)
    items = bench.gather(data, mes, cutoffs, tmp_path_factory.mktemp("enron"))
    assert len(items) >= 30  # 12 mailboxes, 3 cutoffs, a few without both outcomes
    half_life, weight = bench.choose_baselines([c for c in items if bench.in_fit_half(c.me)])
    per_cutoff = {
        cutoff: bench.scores_at(
            [c for c in items if c.cutoff == cutoff], strength_model.FIT, half_life, weight
        )
        for cutoff in cutoffs
    }
    x, y = bench.stack(items)
    return {"per_cutoff": per_cutoff, "ece": bench.ece(strength_model.chance(x), y)[0]}


BASELINES = ("recency", "frequency", "mix")


def test_model_beats_each_baseline_on_average_over_the_slice(
    slice_scores: dict[str, Any],
) -> None:
    cells = list(slice_scores["per_cutoff"].values())
    model = np.mean([c["model"] for c in cells])
    for name in BASELINES:
        assert model > np.mean([c[name] for c in cells]), (name, cells)
    assert model > 0.82  # 0.838 when written


def test_model_is_not_further_below_the_best_baseline_at_any_slice_cutoff(
    slice_scores: dict[str, Any],
) -> None:
    for cutoff, cell in slice_scores["per_cutoff"].items():
        assert cell["model"] >= cell["best_baseline"] - WORST_SHORTFALL, (cutoff, cell)


@pytest.mark.xfail(
    strict=True,
    reason="issue 25's target, not met: below decayed frequency at 2001-02-15 and recency "
    "at 2001-11-15 (docs/scoring.md)",
)
def test_model_is_at_or_above_every_baseline_at_every_slice_cutoff(
    slice_scores: dict[str, Any],
) -> None:
    for cutoff, cell in slice_scores["per_cutoff"].items():
        for name in BASELINES:
            assert cell["model"] >= cell[name], (cutoff, name, cell)


def test_chances_on_the_slice_are_calibrated(slice_scores: dict[str, Any]) -> None:
    # Pooled over the slice's contacts (0.044); 0.024 over the benchmark's 17,374 held-out ones.
    assert slice_scores["ece"] < 0.08, slice_scores["ece"]


def test_auc_is_the_mann_whitney_statistic() -> None:
    from benchmarks import enron_strength as bench

    labels = np.array([1, 0, 1, 0, 0])
    assert bench.auc(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), labels) == 1.0
    assert bench.auc(np.array([1.0, 5.0, 2.0, 4.0, 3.0]), labels) == 0.0
    assert bench.auc(np.ones(5), labels) == 0.5  # ties count one half
    assert np.isnan(bench.auc(np.ones(3), np.array([1, 1, 1])))


def test_the_fit_recovers_known_weights_and_is_calibrated() -> None:
    """The fitting procedure on data drawn from a known logistic model: the ranking
    weights point the right way and the chances match the outcomes."""
    from benchmarks import enron_strength as bench

    rng = np.random.default_rng(3)
    n_features = len(strength_model.FEATURES)
    true = np.zeros(n_features)
    true[0], true[2] = -1.5, 1.0  # recency and recent contact only
    items = []
    for me in range(40):
        x = rng.normal(size=(60, n_features))
        labels = rng.random(60) < 1 / (1 + np.exp(-(x @ true)))
        items.append(bench.Case(me, dt.datetime(2001, 1, 1), x, np.zeros(60), {}, labels))
    fit = bench.signed_fit(items, 1.0)
    assert fit.coef[0] < -1.0 and fit.coef[2] > 0.6
    assert max(abs(c) for i, c in enumerate(fit.coef) if i not in (0, 2)) < 0.3
    x, y = bench.stack(items)
    assert bench.ece(strength_model.chance(x, fit), y)[0] < 0.05


def test_the_slice_rule_takes_evenly_spaced_cutoffs_with_the_first_and_last() -> None:
    from benchmarks import enron_strength as bench

    assert bench.slice_cutoffs(2) == (bench.CUTOFFS[0], bench.CUTOFFS[-1])
    five = bench.slice_cutoffs(5)
    assert [bench.CUTOFFS.index(c) for c in five] == [0, 8, 17, 26, 35]


def test_the_bound_reads_only_history_before_the_cutoff() -> None:
    """The bound's extra facts at a date: rows on or after it change nothing (no look-ahead)."""
    from benchmarks import enron_strength as bench

    # (person, day, sent by me): person 1 written to 2 and 40 days before day 100, person 2
    # heard from 200 days before.
    rows = np.array([[1, 98.0, 1], [1, 60.0, 0], [2, -100.0, 0]], dtype=float)
    facts = bench._facts_at(rows, 100.0)
    later = bench._facts_at(np.vstack([rows, [[1, 100.0, 1], [2, 150.0, 0]]]), 100.0)
    assert np.array_equal(facts, later)
    assert facts.shape == (2, 11)
    assert facts[:, 0].tolist() == [np.log1p(1), 0.0]  # in the last 7 days
    assert facts[:, 3].tolist() == [np.log1p(2), np.log1p(1)]  # in the last 365 days
    assert facts[:, 8].tolist() == [0.5, 0.0]  # share sent by me


def test_the_pointwise_variant_recovers_known_weights() -> None:
    from benchmarks import enron_strength as bench

    rng = np.random.default_rng(4)
    items = []
    for me in range(30):
        x = rng.normal(size=(80, 3))
        labels = rng.random(80) < 1 / (1 + np.exp(-(0.5 + x @ np.array([-1.5, 1.0, 0.0]))))
        items.append(bench.Case(me, dt.datetime(2001, 1, 1), x, np.zeros(80), {}, labels))
    fit = bench.pointwise_fit(items, 1.0)
    coef = np.array(fit.coef) / np.array(fit.scale)  # back to the raw features' scale
    assert coef[0] < -1.2 and coef[1] > 0.7 and abs(coef[2]) < 0.25
    x, y = bench.stack(items)
    assert bench.ece(strength_model.chance(x, fit), y)[0] < 0.05
