"""Tie strength as a chance: P(in touch in the next 90 days), from a fitted logistic model.

`strength.py` reads the facts of every tie (last and first contact, decayed counts, who
started, mutual contacts) and its six components; this module adds what the last year
says (contact in the last weeks, the trend of this quarter against the year, one-to-one
against group mail, replies, people met together), turns both into the model's features
and applies the coefficients fitted by `benchmarks/enron_strength.py --fit`
(L2-regularised logistic regression on the fit half of the Enron mailboxes; docs/scoring.md
gives the procedure, the held-out table and the reliability curve). Inference is numpy
only; every coefficient lives in `FIT`, the one place to change them.

It also says the chance in words and names the features that moved it most.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from goodwill import contact_summary
from goodwill.days import day_number
from goodwill.db import number_matrix
from goodwill.models import Interaction, Participant

# The window the recent facts look back over, and the half-life of "contact lately".
WINDOW_DAYS = 365.0
QUARTER_DAYS = 90.0
RECENT_HALF_LIFE_DAYS = 30.0
HORIZON_DAYS = 90  # what the chance is about: contact in the next this many days

FEATURES: tuple[str, ...] = (
    "recency",  # log(1 + days since last contact)
    "intensity",  # log(1 + channel-weighted count decayed with a 365-day half-life)
    "recent",  # log(1 + channel-weighted count decayed with a 30-day half-life, last year)
    "duration",  # log(1 + days since first contact)
    "reciprocity",  # the reciprocity component of strength.py, 0..1
    "rhythm",  # the BG/NBD rhythm component of strength.py, 0..1
    "mutual",  # log(1 + mutual contacts: knows edges to other people you know)
    "crowd",  # log(1 + distinct other people in your interactions with them, last year)
    "trend",  # log((1 + contacts this quarter) / (1 + a quarter of the year's contacts))
    "they_start",  # share of contacts they started, of all contacts
    "replies",  # share of the last year's contacts that answered the other side
    "direct",  # share of the last year's contacts that were one-to-one
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
# (docs/scoring.md). Features whose weight went against the research (intensity once
# "recent" is in, reciprocity) were dropped to 0; mutual contacts (knows edges) and replies
# are 0 because the mail holds none, so the data cannot weigh them. Refit, do not edit.
FIT = Fit(
    center=(
        3.662,
        1.2762,
        0.5176,
        5.1941,
        0.3699,
        0.4129,
        0.0,
        1.1695,
        0.0763,
        0.4435,
        0.0,
        0.6412,
    ),
    scale=(1.5511, 1.0286, 0.6799, 1.084, 0.2798, 0.3466, 1.0, 1.235, 0.6984, 0.39, 1.0, 0.3961),
    coef=(-0.5456, 0.0, 0.4224, 0.1785, 0.0, 0.4988, 0.0, 0.1065, 0.0347, 0.0189, 0.0, -0.0169),
    intercept=0.0598,
    l2=1.0,
)


@dataclass
class Recent:
    """Per-person facts of the last year, as parallel arrays in the slots of `ids`."""

    decayed_short: np.ndarray  # channel-weighted, 30-day half-life
    quarter: np.ndarray  # contacts in the last 90 days
    year: np.ndarray  # contacts in the last 365 days
    direct: np.ndarray  # of those, one-to-one
    replies: np.ndarray  # of those, answers (initiated_by None)
    met_with: np.ndarray  # distinct other people in those interactions


def recent(
    session: Session,
    as_of: dt.datetime,
    ids: np.ndarray,
    restrict: bool,
    channel_weights: Mapping[str, float],
) -> Recent:
    """The last year's facts before `as_of` for `ids` (sorted); `restrict` limits the
    scan to them. Driven by the interaction time index: it reads one year, not history."""
    n = len(ids)
    out = Recent(*(np.zeros(n) for _ in range(6)))
    if n == 0:
        return out
    contact_summary.ensure_exp(session)
    now_day = day_number(as_of)
    start = as_of - dt.timedelta(days=WINDOW_DAYS)
    window = and_(
        Interaction.occurred_at >= start,
        Interaction.occurred_at < as_of,
        Interaction.planned.is_(False),
    )
    pt = Participant
    size = (
        select(pt.interaction_id.label("iid"), func.count().label("n"))
        .join(Interaction, Interaction.id == pt.interaction_id)
        .where(window)
        .group_by(pt.interaction_id)
        .subquery()
    )
    channel = case(
        dict(channel_weights),
        value=pt.kind,
        else_=contact_summary.DEFAULT_CHANNEL_WEIGHT,
    )
    rate = math.log(2) / RECENT_HALF_LIFE_DAYS
    stmt = (
        select(
            pt.person_id,
            func.sum(channel * func.exp((pt.day - now_day) * rate)),
            func.sum(case((pt.day >= now_day - QUARTER_DAYS, 1), else_=0)),
            func.count(),
            func.sum(case((size.c.n == 1, 1), else_=0)),
            func.sum(case((pt.initiated_by.is_(None), 1), else_=0)),
        )
        .join(size, size.c.iid == pt.interaction_id)
        .group_by(pt.person_id)
    )
    other = aliased(Participant)
    mine = aliased(Participant)
    met = (
        select(mine.person_id, func.count(func.distinct(other.person_id)))
        .join(Interaction, Interaction.id == mine.interaction_id)
        .join(
            other,
            and_(
                other.interaction_id == mine.interaction_id,
                other.person_id != mine.person_id,
            ),
        )
        .where(window)
        .group_by(mine.person_id)
    )
    params = None
    if restrict:
        stmt = stmt.where(pt.person_id.in_(ids.tolist()))
        met = met.where(mine.person_id.in_(ids.tolist()))
    data = number_matrix(session, stmt, 6, params)
    if len(data):
        pos, ok = _slots(ids, data[:, 0])
        rows = data[ok]
        out.decayed_short[pos] = rows[:, 1]
        out.quarter[pos] = rows[:, 2]
        out.year[pos] = rows[:, 3]
        out.direct[pos] = rows[:, 4]
        out.replies[pos] = rows[:, 5]
    data = number_matrix(session, met, 2, params)
    if len(data):
        pos, ok = _slots(ids, data[:, 0])
        out.met_with[pos] = data[ok, 1]
    return out


def _slots(ids: np.ndarray, found: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keys = found.astype(np.int64)
    pos = np.searchsorted(ids, keys)
    ok = (pos < len(ids)) & (ids[np.minimum(pos, len(ids) - 1)] == keys)
    return pos[ok], ok


def design(
    days_since_last: np.ndarray,
    decayed: np.ndarray,
    days_known: np.ndarray,
    count: np.ndarray,
    by_them: np.ndarray,
    mutual: np.ndarray,
    reciprocity: np.ndarray,
    rhythm: np.ndarray,
    r: Recent,
) -> np.ndarray:
    """The feature matrix (columns in FEATURES order) of people seen at least once."""
    seen = np.maximum(count, 1.0)
    year = np.maximum(r.year, 1.0)
    since = np.where(np.isfinite(days_since_last), days_since_last, 10_000.0)
    return np.column_stack(
        [
            np.log1p(np.maximum(since, 0.0)),
            np.log1p(decayed),
            np.log1p(r.decayed_short),
            np.log1p(np.maximum(days_known, 0.0)),
            reciprocity,
            rhythm,
            np.log1p(mutual),
            np.log1p(r.met_with),
            np.log((1.0 + r.quarter) / (1.0 + r.year / 4.0)),
            by_them / seen,
            np.where(r.year > 0, r.replies / year, 0.0),
            np.where(r.year > 0, r.direct / year, 0.0),
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
    "crowd": ("you are in touch within a wider circle", "you are in touch one-to-one only"),
    "trend": ("more contact this quarter than usual", "less contact this quarter than usual"),
    "they_start": ("they reach out to you", "you do most of the reaching out"),
    "replies": ("you answer each other", "few answers either way"),
    "direct": ("mostly one-to-one", "mostly group messages"),
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


def rows_of(x: np.ndarray, ids: Sequence[int]) -> dict[int, np.ndarray]:
    """One design row per person id."""
    return {pid: x[i] for i, pid in enumerate(ids)}
