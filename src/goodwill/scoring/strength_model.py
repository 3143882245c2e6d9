"""Tie strength as a chance: P(in touch in the next 90 days), from a fitted logistic model.

`strength.py` reads the facts of every tie (last and first contact, channel-weighted
counts decayed over a year and over the last weeks, who started, mutual contacts) and its
six components; this module turns them into the model's features (adding the trend of
the last weeks against the year and the share of answers) and applies the coefficients
fitted by `benchmarks/enron_strength.py --fit` (a pairwise ranking logistic regression
with an L2 penalty, then Platt scaling, on the fit half of the Enron mailboxes imported
through `goodwill import mbox`; docs/scoring.md gives the procedure, the held-out table
and the reliability curve). Inference is numpy only; every coefficient lives in `FIT`, the
one place to change them.

It also says the chance in words and names the features that moved it most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HORIZON_DAYS = 90  # what the chance is about: contact in the next this many days

FEATURES: tuple[str, ...] = (
    "recency",  # log(1 + days since last contact)
    "intensity",  # log(1 + channel-weighted count decayed with a 365-day half-life)
    "recent",  # log(1 + channel-weighted count decayed with a 30-day half-life)
    "duration",  # log(1 + days since first contact)
    "reciprocity",  # the reciprocity component of strength.py, 0..1
    "rhythm",  # the BG/NBD rhythm component of strength.py, 0..1
    "mutual",  # log(1 + mutual contacts: knows edges to other people you know)
    "trend",  # log((1 + recent count) / (1 + year-long count)): the last weeks against the year
    "they_start",  # share of contacts they started, of all contacts
    "replies",  # share of contacts neither side started: answers (or not said)
)


@dataclass(frozen=True)
class Fit:
    """A fitted logistic model over standardised features:
    chance = 1 / (1 + exp(-(intercept + sum coef * (x - center) / scale)))."""

    center: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    l2: float  # the penalty it was fitted with (a record, not used at inference)


# Fitted by `benchmarks/enron_strength.py --fit` on the fit half (even ids) of the 50 most
# active Enron mailboxes at 36 cutoffs: pairwise ranking logistic regression, then Platt
# scaling, the L2 penalty chosen by two-fold cross-validation over those mailboxes
# (docs/scoring.md). Features whose weight went against the research (reciprocity, who
# started) were dropped to 0; mutual contacts (knows edges) and replies are 0 because the
# mail holds none, so the data cannot weigh them. Refit, do not edit.
FIT = Fit(
    center=(3.662, 1.2762, 0.5176, 5.1941, 0.3699, 0.4129, 0.0, -0.7585, 0.4435, 0.0),
    scale=(1.5511, 1.0286, 0.6799, 1.084, 0.2798, 0.3466, 1.0, 0.5905, 0.39, 1.0),
    coef=(-0.5387, 0.1829, 0.3504, 0.1506, 0.0, 0.545, 0.0, 0.0849, 0.0, 0.0),
    intercept=0.0694,
    l2=1000.0,
)


def design(
    days_since_last: np.ndarray,
    decayed: np.ndarray,
    decayed_short: np.ndarray,
    days_known: np.ndarray,
    count: np.ndarray,
    by_me: np.ndarray,
    by_them: np.ndarray,
    mutual: np.ndarray,
    reciprocity: np.ndarray,
    rhythm: np.ndarray,
) -> np.ndarray:
    """The feature matrix (columns in FEATURES order); rows of people never in touch are
    computed but mean nothing (strength is 0 for them)."""
    seen = np.maximum(count, 1.0)
    since = np.where(np.isfinite(days_since_last), days_since_last, 10_000.0)
    return np.column_stack(
        [
            np.log1p(np.maximum(since, 0.0)),
            np.log1p(decayed),
            np.log1p(decayed_short),
            np.log1p(np.maximum(days_known, 0.0)),
            reciprocity,
            rhythm,
            np.log1p(mutual),
            np.log((1.0 + decayed_short) / (1.0 + decayed)),
            by_them / seen,
            np.maximum(count - by_me - by_them, 0.0) / seen,
        ]
    )


def _standard(x: np.ndarray, fit: Fit) -> np.ndarray:
    return (x - np.array(fit.center)) / np.array(fit.scale)  # type: ignore[no-any-return]


def logit(x: np.ndarray, fit: Fit = FIT) -> np.ndarray:
    """The model's log-odds per row of a design matrix."""
    if x.size == 0:
        return np.zeros(x.shape[0])
    return _standard(x, fit) @ np.array(fit.coef) + fit.intercept  # type: ignore[no-any-return]


def chance(x: np.ndarray, fit: Fit = FIT) -> np.ndarray:
    """P(in touch in the next 90 days) per row of a design matrix."""
    z = logit(x, fit)
    return 0.5 * (1.0 + np.tanh(z / 2.0))  # type: ignore[no-any-return]  # 1 / (1 + e^-z)


def contributions(x: np.ndarray, fit: Fit = FIT) -> np.ndarray:
    """How far each feature moves the log-odds from a typical tie's (the fit data's mean),
    one row per person: positive raises the chance, negative lowers it."""
    return _standard(x, fit) * np.array(fit.coef)  # type: ignore[no-any-return]


# What each feature says, when it raised the chance and when it lowered it.
_REASONS: dict[str, tuple[str, str]] = {
    "recency": ("in touch recently", "a long time since you were last in touch"),
    "intensity": ("frequent contact over the past year", "little contact over the past year"),
    "recent": ("contact in the last few weeks", "no contact in the last few weeks"),
    "duration": ("you have known each other a long time", "a recent acquaintance"),
    "reciprocity": ("both of you reach out", "contact mostly goes one way"),
    "rhythm": ("this silence is normal for your rhythm", "a long silence for your rhythm"),
    "mutual": ("many people in common", "few people in common"),
    "trend": ("more contact lately than over the year", "less contact lately than over the year"),
    "they_start": ("they reach out to you", "you do most of the reaching out"),
    "replies": ("you answer each other", "few answers either way"),
}


def reasons(row: np.ndarray, top: int = 3, fit: Fit = FIT) -> list[tuple[str, float, str]]:
    """The `top` features that moved one person's chance most, as (feature, change in
    log-odds, words), largest change first; features that moved it by under 0.1 left out."""
    moved = contributions(row.reshape(1, -1), fit)[0]
    order = np.argsort(-np.abs(moved), kind="stable")[:top]
    out = []
    for i in order.tolist():
        value = float(moved[i])
        if abs(value) < 0.1:
            continue
        up, down = _REASONS[FEATURES[i]]
        out.append((FEATURES[i], round(value, 2), up if value > 0 else down))
    return out


LIKELY = 0.6  # at or above: "likely to stay in touch"
FADING = 0.3  # below (with some history): "fading"


def words(value: float, ever: bool = True) -> str:
    """The chance in words: what a person reads next to a tie."""
    if not ever:
        return "no contact yet"
    pct = f"{round(100 * value)} %"
    if value >= LIKELY:
        return f"likely to stay in touch: {pct} chance of contact in the next 90 days"
    if value >= FADING:
        return f"could go either way: {pct} chance of contact in the next 90 days"
    return f"fading: {pct} chance of contact this quarter without a nudge"


def explain(value: float, row: np.ndarray | None, fit: Fit = FIT) -> str:
    """The chance in words with the two or three reasons that moved it most."""
    if row is None:
        return words(value, ever=False)
    why = [text for _name, _v, text in reasons(row, 3, fit)]
    return words(value) + (f" ({'; '.join(why)})" if why else "")
