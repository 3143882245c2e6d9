"""Tie strength on real email, through the mbox importer: on a slice of the Enron benchmark
(the 12 most active mailboxes, three cutoffs) the fitted model must rank who you will be in
touch with in the next 90 days at least as well as the best of recency alone, decayed
frequency alone and their best mix, and its chances must be calibrated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from goodwill.scoring import strength_model
from tests.helpers import shared_dir

# Three quarter-starts among the benchmark's 36 cutoffs: before, during and after the
# spring of 2001 (the data changes most in autumn 2001, when Enron fell).
SLICE = (dt.datetime(2000, 10, 1), dt.datetime(2001, 4, 1), dt.datetime(2001, 10, 1))


def test_model_is_not_below_the_best_baseline_on_a_slice_of_enron(tmp_path: Path) -> None:
    shared = shared_dir()
    if not (shared / "datasets" / "enron" / "emails.csv.gz").is_file():
        pytest.skip("the Enron data set is not in the shared folder (GOODWILL_SHARED_DIR)")
    from benchmarks import enron_strength as bench

    data = bench.load(shared)
    mes = bench.most_active(data, 12)
    items = bench.gather(data, mes, SLICE, tmp_path)
    assert len(items) >= 25  # 12 mailboxes, 3 cutoffs, a few without both outcomes
    half_life, weight = bench.choose_baselines([c for c in items if bench.in_fit_half(c.me)])
    got = bench.scores_at(items, strength_model.FIT, half_life, weight)
    assert got["model"] >= max(got["recency"], got["frequency"], got["mix"]), got
    assert got["model"] > 0.85
    x, y = bench.stack(items)
    error, _curve = bench.ece(strength_model.chance(x), y)
    assert error < 0.08  # 0.02 on the 25 held-out mailboxes of the full benchmark


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
