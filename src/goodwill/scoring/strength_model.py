"""Tie strength as a chance: P(in touch in the next 90 days), from a fitted logistic model.

`strength.py` reads the facts of every tie (last and first contact, channel-weighted
counts decayed over a year and over the last weeks, who started, mutual contacts) and its
six components; this module turns them into the model's features (adding the trend of
the last weeks against the year and the share of answers) and applies the coefficients
fitted by `benchmarks/enron_strength.py --fit` (a pairwise ranking logistic regression
with an L2 penalty, then Platt scaling, on the fit half of the Enron mailboxes imported
through `goodwill import mbox`; docs/scoring.md gives the procedure, the held-out table
and the reliability curve). Every coefficient lives in `FIT`, the one place to change them.
Everyone at once is numpy (imported where it is needed); one person (`strength_one`) is plain
Python with the same formulas, for the command line's lean `person show`, which must not
pay for importing numpy. The constants of tie strength's components (`Model`, `MODEL`) are
here too, numpy-free, for the same reason; `strength.py` computes with them.

It also says the chance in words and names the features that moved it most.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

HORIZON_DAYS = 90  # what the chance is about: contact in the next this many days
NEVER_DAYS = 10_000.0  # days since the last contact of someone never in touch (recency)


@dataclass(frozen=True)
class Model:
    """Every weight and time constant of tie strength, in one place."""

    # How much each component counts in the weighted average (they need not sum to 1).
    w_recency: float
    w_intensity: float
    w_duration: float
    w_reciprocity: float
    w_overlap: float
    w_rhythm: float
    # recency = 0.5 ** (days since last contact / half-life)
    recency_half_life_days: float
    # intensity = 1 - exp(-decayed weighted count / scale); each interaction counts
    # channel weight * 0.5 ** (age / half-life)
    intensity_half_life_days: float
    intensity_scale: float
    # duration = 1 - exp(-days known / scale)
    duration_scale_days: float
    # reciprocity = (2 * min(by me, by them) + prior) / (by me + by them + 2 * prior)
    reciprocity_prior: float
    # overlap = 1 - exp(-mutual contacts / scale)
    overlap_scale: float
    # rhythm (BG/NBD): contact rates across ties follow a gamma(shape r, rate alpha per day)
    # and after each contact the tie lapses with a probability drawn from beta(a, b);
    # rhythm = P(still alive | history) * P(at least one contact in the horizon | alive).
    rhythm_r: float
    rhythm_alpha_days: float
    rhythm_a: float
    rhythm_b: float
    rhythm_horizon_days: float
    # rhythm counts contacts in units of this channel weight (an email or message): a
    # meeting counts two, a note less than one.
    rhythm_contact_weight: float
    # Depth of each channel; unknown kinds count as DEFAULT_CHANNEL_WEIGHT.
    channel_weights: Mapping[str, float] = field(default_factory=dict)
    # "contact in the last weeks": each interaction counts channel weight * 0.5 ** (age /
    # this half-life) (strength_model's "recent" and "trend" features)
    recent_half_life_days: float = 30.0

    def weights(self) -> np.ndarray:
        import numpy as np

        return np.array(
            [
                self.w_recency,
                self.w_intensity,
                self.w_duration,
                self.w_reciprocity,
                self.w_overlap,
                self.w_rhythm,
            ]
        )


# Weights of channels not named in a model's weights.
DEFAULT_CHANNEL_WEIGHT = 0.5
CHANNEL_WEIGHTS: dict[str, float] = {
    "meeting": 1.0,
    "coffee": 1.0,
    "event": 0.7,
    "call": 0.8,
    "letter": 0.6,
    "email": 0.5,
    "message": 0.5,
    "note": 0.2,
}

# The defaults, calibrated on the fit half of the Enron mailboxes (docs/scoring.md shows
# the other half). rhythm_r and rhythm_alpha_days are chosen with the model's penalty by
# `benchmarks/enron_strength.py --fit` (two-fold cross-validation; these won); the w_*
# weights only weigh `combine` (the components' plain average), not the chance. Rounded:
# the search is noisy in the second decimal.
MODEL = Model(
    w_recency=0.54,
    w_intensity=0.28,
    w_duration=0.01,
    w_reciprocity=0.04,
    w_overlap=0.11,
    w_rhythm=0.24,
    recency_half_life_days=50.0,
    intensity_half_life_days=365.0,
    intensity_scale=2.0,
    duration_scale_days=400.0,
    reciprocity_prior=0.4,
    overlap_scale=0.5,
    rhythm_r=0.3,
    rhythm_alpha_days=120.0,
    rhythm_a=0.4,
    rhythm_b=0.35,
    rhythm_horizon_days=90.0,
    rhythm_contact_weight=0.5,
    channel_weights=CHANNEL_WEIGHTS,
)

COMPONENTS: tuple[str, ...] = (
    "recency",
    "intensity",
    "duration",
    "reciprocity",
    "overlap",
    "rhythm",
)


# 2000-01-01 as a Julian day number: the kept figures (contact_summary, ledger_summary)
# store decayed counts relative to it.
ANCHOR_DAY = 2451544.5


def fingerprint(channel_weights: Mapping[str, float], half_life: float, short: float) -> str:
    """What the contact summary's decayed counts depend on, as its rows record it
    (`contact_summary.Decay.fingerprint`): rows of another model are not read."""
    weights = ",".join(f"{k}={v:g}" for k, v in sorted(channel_weights.items()))
    return f"h={half_life:g};s={short:g};d={DEFAULT_CHANNEL_WEIGHT:g};{weights}"


def reciprocity_one(count: float, by_me: float, by_them: float, model: Model = MODEL) -> float:
    """One value of `strength.components`' reciprocity."""
    if count <= 0:
        return 0.0
    prior = model.reciprocity_prior
    return (2.0 * min(by_me, by_them) + prior) / (by_me + by_them + 2.0 * prior)


def rhythm_one(
    count: float,
    weighted_count: float,
    days_known: float,
    days_since_last: float,
    model: Model = MODEL,
) -> float:
    """One value of `strength.rhythm_of` (see it for the model)."""
    if count <= 0:
        return 0.0
    x = max(weighted_count / model.rhythm_contact_weight - 1.0, 0.0)
    known = days_known
    last = min(max(known - days_since_last, 0.0), known)
    r, alpha = model.rhythm_r, model.rhythm_alpha_days
    if x > 0:
        log_odds = (
            math.log(model.rhythm_a)
            - math.log(model.rhythm_b + max(x - 1.0, 0.0))
            + (r + x) * (math.log(alpha + known) - math.log(alpha + last))
        )
        alive = 0.5 * (1.0 - math.tanh(log_odds / 2.0))
    else:
        alive = 1.0
    horizon = model.rhythm_horizon_days
    active = -math.expm1((r + x) * math.log1p(-horizon / (alpha + known + horizon)))
    return alive * active


def strength_one(
    days_since_last: float,
    days_known: float,
    decayed: float,
    decayed_short: float,
    count: float,
    weighted_count: float,
    by_me: float,
    by_them: float,
    mutual: float,
    model: Model = MODEL,
) -> tuple[float, list[float] | None]:
    """One person's tie strength rounded as shown (`strength.scored`) and their row of
    `design` (None when never in touch: strength 0, no reasons)."""
    if count <= 0:
        return 0.0, None
    row = design_one(
        days_since_last,
        decayed,
        decayed_short,
        days_known,
        count,
        by_me,
        by_them,
        mutual,
        reciprocity_one(count, by_me, by_them, model),
        rhythm_one(count, weighted_count, days_known, days_since_last, model),
    )
    return round(chance_one(row), 4), row


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
    computed but mean nothing (strength is 0 for them). `design_one` is one row of it."""
    import numpy as np  # deferred: see the module's docstring

    seen = np.maximum(count, 1.0)
    since = np.where(np.isfinite(days_since_last), days_since_last, NEVER_DAYS)
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
    import numpy as np

    return (x - np.array(fit.center)) / np.array(fit.scale)  # type: ignore[no-any-return]


def logit(x: np.ndarray, fit: Fit = FIT) -> np.ndarray:
    """The model's log-odds per row of a design matrix."""
    import numpy as np

    if x.size == 0:
        return np.zeros(x.shape[0])
    return _standard(x, fit) @ np.array(fit.coef) + fit.intercept  # type: ignore[no-any-return]


def chance(x: np.ndarray, fit: Fit = FIT) -> np.ndarray:
    """P(in touch in the next 90 days) per row of a design matrix."""
    import numpy as np

    z = logit(x, fit)
    return 0.5 * (1.0 + np.tanh(z / 2.0))  # type: ignore[no-any-return]  # 1 / (1 + e^-z)


def contributions(x: np.ndarray, fit: Fit = FIT) -> np.ndarray:
    """How far each feature moves the log-odds from a typical tie's (the fit data's mean),
    one row per person: positive raises the chance, negative lowers it."""
    import numpy as np

    return _standard(x, fit) * np.array(fit.coef)  # type: ignore[no-any-return]


# One person in plain Python: the same formulas as the numpy functions above, for a
# process that shows one person and must not import numpy (tests compare the two).


def design_one(
    days_since_last: float,
    decayed: float,
    decayed_short: float,
    days_known: float,
    count: float,
    by_me: float,
    by_them: float,
    mutual: float,
    reciprocity: float,
    rhythm: float,
) -> list[float]:
    """One row of `design`."""
    seen = max(count, 1.0)
    since = days_since_last if math.isfinite(days_since_last) else NEVER_DAYS
    return [
        math.log1p(max(since, 0.0)),
        math.log1p(decayed),
        math.log1p(decayed_short),
        math.log1p(max(days_known, 0.0)),
        reciprocity,
        rhythm,
        math.log1p(mutual),
        math.log((1.0 + decayed_short) / (1.0 + decayed)),
        by_them / seen,
        max(count - by_me - by_them, 0.0) / seen,
    ]


def contributions_one(row: Sequence[float], fit: Fit = FIT) -> list[float]:
    """One row of `contributions`."""
    return [
        (x - c) / s * w for x, c, s, w in zip(row, fit.center, fit.scale, fit.coef, strict=True)
    ]


def chance_one(row: Sequence[float], fit: Fit = FIT) -> float:
    """One value of `chance`."""
    z = sum(
        (x - c) / s * w for x, c, s, w in zip(row, fit.center, fit.scale, fit.coef, strict=True)
    )
    return 0.5 * (1.0 + math.tanh((z + fit.intercept) / 2.0))


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


def reasons(
    row: np.ndarray | Sequence[float], top: int = 3, fit: Fit = FIT
) -> list[tuple[str, float, str]]:
    """The `top` features that moved one person's chance most, as (feature, change in
    log-odds, words), largest change first; features that moved it by under 0.1 left out.
    One row of `design` (a numpy row or plain floats): computed in plain Python."""
    values = row.tolist() if hasattr(row, "tolist") else list(row)
    moved = contributions_one(values, fit)
    order = sorted(range(len(moved)), key=lambda i: -abs(moved[i]))[:top]  # stable
    out = []
    for i in order:
        value = moved[i]
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


def explain(value: float, row: np.ndarray | Sequence[float] | None, fit: Fit = FIT) -> str:
    """The chance in words with the two or three reasons that moved it most."""
    if row is None:
        return words(value, ever=False)
    why = [text for _name, _v, text in reasons(row, 3, fit)]
    return words(value) + (f" ({'; '.join(why)})" if why else "")
