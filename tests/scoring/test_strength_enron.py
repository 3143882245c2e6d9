"""Tie strength on real email (a small slice of the Enron network): it must rank who you
will be in touch with in the next 90 days better than recency alone."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from goodwill.scoring import strength
from tests.helpers import shared_dir


def test_model_beats_recency_on_a_slice_of_enron() -> None:
    shared = shared_dir()
    if not (shared / "datasets" / "enron" / "emails.csv.gz").is_file():
        pytest.skip("the Enron data set is not in the shared folder")
    from benchmarks import enron_strength as bench

    data = bench.load(shared)
    mes = bench.choose_mes(data, 12)
    cutoffs = (dt.datetime(2001, 4, 1), dt.datetime(2001, 10, 1))
    items = bench.cases(data, mes, cutoffs, strength.MODEL)
    assert len(items) >= 15
    model = [bench.auc(strength.combine(strength.components(c.features)), c.labels) for c in items]
    recency = [bench.auc(-c.features.days_since_last, c.labels) for c in items]
    assert np.mean(model) > np.mean(recency)
    assert np.mean(model) > 0.7


def test_auc_is_the_mann_whitney_statistic() -> None:
    from benchmarks import enron_strength as bench

    labels = np.array([1, 0, 1, 0, 0])
    assert bench.auc(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), labels) == 1.0
    assert bench.auc(np.array([1.0, 5.0, 2.0, 4.0, 3.0]), labels) == 0.0
    assert bench.auc(np.ones(5), labels) == 0.5  # ties count one half
    assert np.isnan(bench.auc(np.ones(3), np.array([1, 1, 1])))
