"""Tie strength for every person, as of any date: the chance of contact in the next 90 days.

This module reads each tie's facts and six components, each in [0, 1]; the fitted model
in `strength_model` turns them into the chance (docs/scoring.md explains the model, the
research it rests on and how benchmarks/enron_strength.py fitted it):

- recency: how long since you were last in touch (the strongest single predictor,
  Gilbert & Karahalios 2009);
- intensity: how often you were in touch, each interaction weighted by its channel
  (meeting > call > message/email) and decayed by its age;
- duration: how long you have known each other (first interaction to the date);
- reciprocity: whether both of you start contact, not only one side;
- overlap: how many mutual contacts you share (knows edges to other people you know);
- rhythm: the chance you are in touch again within the next 90 days given your own
  rhythm with them: a silence is long or short relative to how often you usually talk
  (the BG/NBD model of repeat contact, Fader, Hardie & Lee 2005).

The components' constants live in `strength_model.MODEL`, the fitted coefficients in
`strength_model.FIT`. Everything is computed from what
happened strictly before `as_of`, in one grouped query per table and vectorised numpy:
never one query per person.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from sqlalchemy import DateTime, bindparam, func, or_, select
from sqlalchemy.orm import Session

from goodwill.scoring import contact_summary, strength_model

# The components' constants (`Model`, `MODEL`: every weight and time constant of tie
# strength) live beside the fitted model, numpy-free, for the lean `person show`.
from goodwill.scoring.strength_model import CHANNEL_WEIGHTS as CHANNEL_WEIGHTS
from goodwill.scoring.strength_model import COMPONENTS as COMPONENTS
from goodwill.scoring.strength_model import DEFAULT_CHANNEL_WEIGHT as DEFAULT_CHANNEL_WEIGHT
from goodwill.scoring.strength_model import MODEL as MODEL
from goodwill.scoring.strength_model import Model as Model
from goodwill.store.days import UNIX_JD as _UNIX_JD
from goodwill.store.days import day_number, from_day_number
from goodwill.store.db import IDS, AnySelect, number_matrix, raw_rows, run_read
from goodwill.store.models import Email, Knows, Participant, Person


@dataclass
class Features:
    """Raw per-person facts before `as_of`, as parallel numpy arrays (one slot per id)."""

    ids: np.ndarray  # int64
    days_since_last: np.ndarray  # inf when never in touch
    days_known: np.ndarray  # since the first interaction; 0 when never
    decayed: np.ndarray  # channel-weighted, decayed count
    decayed_short: np.ndarray  # the same with the short half-life (contact in the last weeks)
    decayed_plain: np.ndarray  # unweighted decayed count (a baseline; zeros unless asked)
    count: np.ndarray
    weighted_count: np.ndarray  # channel-weighted, not decayed
    by_me: np.ndarray
    by_them: np.ndarray
    mutual: np.ndarray  # sum of knows-edge confidences to other people


_ACTIVE = select(Person.id).where(Person.removed_at.is_(None), Person.is_me.is_(False))
_ACTIVE_AMONG = _ACTIVE.where(Person.id.in_(IDS))


def _people(session: Session, person_ids: Sequence[int] | None) -> np.ndarray:
    if person_ids is None:
        found = run_read(session, _ACTIVE)
    else:
        found = run_read(session, _ACTIVE_AMONG, {"ids": list(person_ids)})
    return np.array(sorted(found.scalars()), dtype=np.int64)


def features(
    session: Session,
    as_of: dt.datetime,
    person_ids: Sequence[int] | None = None,
    model: Model = MODEL,
    *,
    baseline: bool = False,
) -> Features:
    """Per-person facts from interactions and knows edges strictly before `as_of`.

    `baseline` also computes the unweighted decayed count (for the calibration benchmark).
    """
    ids = _people(session, person_ids)
    n = len(ids)
    out = Features(
        ids=ids,
        days_since_last=np.full(n, np.inf),
        days_known=np.zeros(n),
        decayed=np.zeros(n),
        decayed_short=np.zeros(n),
        decayed_plain=np.zeros(n),
        count=np.zeros(n),
        weighted_count=np.zeros(n),
        by_me=np.zeros(n),
        by_them=np.zeros(n),
        mutual=np.zeros(n),
    )
    if n == 0:
        return out
    now_day = day_number(as_of)
    decay = _decay(model)
    # The per-person summary (kept for the default model) answers for everyone whose
    # history lies wholly before the date; the rest (a past date, something logged today,
    # a model being tuned) are grouped from their rows.
    summary = None
    if not baseline and decay == _decay(MODEL):
        summary = contact_summary.read(session, decay, now_day, person_ids)
    if summary is not None:
        _fill(out, now_day, summary.ids, summary.data)
        scan: list[int] | None = summary.stale
    else:
        scan = None if person_ids is None else ids.tolist()
    if scan is None or scan:
        _fill(out, now_day, *_scan(session, decay, now_day, scan, baseline))
    out.mutual = _mutual(session, as_of, ids, person_ids is not None)
    return out


def _decay(model: Model) -> contact_summary.Decay:
    return contact_summary.Decay(
        model.channel_weights, model.intensity_half_life_days, model.recent_half_life_days
    )


def summary(
    session: Session, now_day: float, person_ids: Sequence[int] | None, *, inclusive: bool
) -> contact_summary.Summary | None:
    """The contact summary of the default model (see `contact_summary.read`)."""
    return contact_summary.read(session, _decay(MODEL), now_day, person_ids, inclusive=inclusive)


def _scan(
    session: Session,
    decay: contact_summary.Decay,
    now_day: float,
    person_ids: list[int] | None,
    baseline: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Group the participant rows before `now_day` (of `person_ids`, or everyone).

    Participant rows carry copies of their interaction's facts (migration 0002), so this
    is one scan of a covering index in person order: no join, no sort.
    """
    contact_summary.ensure_exp(session)
    pt = Participant
    columns = [pt.person_id, *contact_summary.aggregates(decay, now_day)]
    if baseline:
        columns.append(func.sum(func.exp((pt.day - now_day) * decay.rate)))
    stmt = select(*columns).where(pt.day < now_day, pt.planned.is_(False)).group_by(pt.person_id)
    if person_ids is not None:
        stmt = stmt.where(pt.person_id.in_(person_ids))
    data = number_matrix(session, stmt, len(columns))
    return data[:, 0].astype(np.int64), data[:, 1:]


def _fill(out: Features, now_day: float, found: np.ndarray, data: np.ndarray) -> None:
    """Put aggregate rows (columns as `contact_summary.aggregates`) into their slots."""
    if len(found) == 0:
        return
    pos, ok = _slots(out.ids, found)
    data = data[ok]
    out.days_since_last[pos] = now_day - data[:, 0]
    out.days_known[pos] = now_day - data[:, 1]
    out.decayed[pos] = data[:, 2]
    out.count[pos] = data[:, 3]
    out.by_me[pos] = data[:, 4]
    out.by_them[pos] = data[:, 5] - data[:, 4]
    out.weighted_count[pos] = data[:, 6]
    out.decayed_short[pos] = data[:, 7]
    if data.shape[1] > 8:
        out.decayed_plain[pos] = data[:, 8]


def _slots(ids: np.ndarray, found: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each found id sits in the sorted `ids`, and which found ids are there at all."""
    keys = found.astype(np.int64)
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(len(keys), dtype=bool)
    pos = np.searchsorted(ids, keys)
    ok = (pos < len(ids)) & (ids[np.minimum(pos, len(ids) - 1)] == keys)
    return pos[ok], ok


_CREATED_BEFORE = bindparam("as_of", type_=DateTime())


@cache
def _mutual_stmts(restrict: bool) -> list[tuple[AnySelect, AnySelect]]:
    """Per end of an edge: the confidences summed per person, and the edges to take back
    out (to removed people or you); of the people in `IDS` when `restrict`."""
    out = []
    for mine, other in ((Knows.a_id, Knows.b_id), (Knows.b_id, Knows.a_id)):
        total = (
            select(mine, func.sum(Knows.confidence))
            .where(Knows.created_at < _CREATED_BEFORE)
            .group_by(mine)
        )
        if restrict:  # a few people's edges: look each other end up (no scan of everyone)
            total = total.where(mine.in_(IDS))
            stale = (
                select(mine, Knows.confidence)
                .join(Person, Person.id == other)
                .where(
                    mine.in_(IDS),
                    Knows.created_at < _CREATED_BEFORE,
                    or_(Person.removed_at.is_not(None), Person.is_me),
                )
            )
        else:
            gone = select(Person.id).where(or_(Person.removed_at.is_not(None), Person.is_me))
            stale = select(mine, Knows.confidence).where(
                Knows.created_at < _CREATED_BEFORE, other.in_(gone)
            )
        out.append((total, stale))
    return out


def _mutual(session: Session, as_of: dt.datetime, ids: np.ndarray, restrict: bool) -> np.ndarray:
    """Per person, the knows-edge confidences summed over the other people you know.

    Two GROUP BYs over covering indexes (one per end of an edge), then the edges that
    touch removed people or you are taken back out: they are not mutual contacts.
    """
    result = np.zeros(len(ids))
    params: dict[str, Any] = {"as_of": as_of}
    if restrict:
        params["ids"] = ids.tolist()
    for total, stale in _mutual_stmts(restrict):
        data = number_matrix(session, total, 2, params)
        if len(data):
            pos, ok = _slots(ids, data[:, 0])
            result[pos] += data[ok, 1]
        data = number_matrix(session, stale, 2, params)
        if len(data):
            pos, ok = _slots(ids, data[:, 0])
            np.subtract.at(result, pos, data[ok, 1])
    return np.maximum(result, 0.0)


def components(f: Features, model: Model = MODEL) -> np.ndarray:
    """The six components in [0, 1], one row per person (columns in COMPONENTS order)."""
    recency = np.power(0.5, f.days_since_last / model.recency_half_life_days)
    intensity = 1.0 - np.exp(-f.decayed / model.intensity_scale)
    duration = 1.0 - np.exp(-f.days_known / model.duration_scale_days)
    prior = model.reciprocity_prior
    reciprocity = (2.0 * np.minimum(f.by_me, f.by_them) + prior) / (
        f.by_me + f.by_them + 2.0 * prior
    )
    reciprocity = np.where(f.count > 0, reciprocity, 0.0)
    # Mutual contacts strengthen a tie you have; they do not make one: never in touch is 0.
    overlap = np.where(f.count > 0, 1.0 - np.exp(-f.mutual / model.overlap_scale), 0.0)
    rhythm = rhythm_of(f, model)
    return np.column_stack([recency, intensity, duration, reciprocity, overlap, rhythm])


def rhythm_of(f: Features, model: Model = MODEL) -> np.ndarray:
    """P(in touch within the horizon) under BG/NBD, from the weighted count, first and last
    contact: no decay constant, so the per-person sums of a summary table suffice.

    x repeat contacts (in units of `rhythm_contact_weight`) over T days known, the last one
    t_x days after the first. Odds that the tie has lapsed:
    a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ^ (r + x) for x > 0 (a single contact
    has not lapsed yet); computed in logs, as x runs to thousands.
    """
    seen = f.count > 0
    contacts = f.weighted_count / model.rhythm_contact_weight
    x = np.where(seen, np.maximum(contacts - 1.0, 0.0), 0.0)
    known = np.where(seen, f.days_known, 0.0)
    last = np.clip(known - np.where(seen, f.days_since_last, 0.0), 0.0, known)
    r, alpha = model.rhythm_r, model.rhythm_alpha_days
    log_odds = (
        np.log(model.rhythm_a)
        - np.log(model.rhythm_b + np.maximum(x - 1.0, 0.0))
        + (r + x) * (np.log(alpha + known) - np.log(alpha + last))
    )
    alive = np.where(x > 0, 0.5 * (1.0 - np.tanh(log_odds / 2.0)), 1.0)  # 1 / (1 + odds)
    horizon = model.rhythm_horizon_days
    active = -np.expm1((r + x) * np.log1p(-horizon / (alpha + known + horizon)))
    return np.where(seen, alive * active, 0.0)  # type: ignore[no-any-return]


def combine(parts: np.ndarray, model: Model = MODEL) -> np.ndarray:
    """The weighted average of the components: in [0, 1] whatever the weights."""
    w = model.weights()
    total = float(w.sum())
    if parts.size == 0 or total <= 0:
        return np.zeros(parts.shape[0])
    return np.clip(parts @ w / total, 0.0, 1.0)  # type: ignore[no-any-return]


def scores(
    session: Session,
    as_of: dt.datetime,
    person_ids: Sequence[int] | None = None,
    model: Model = MODEL,
) -> dict[int, float]:
    """Tie strength per active person, from history strictly before `as_of`: the chance
    of contact in the next 90 days."""
    ids, _parts, values = scored(session, as_of, person_ids, model)
    return dict(zip(ids, values.tolist(), strict=True))


def scored(
    session: Session,
    as_of: dt.datetime,
    person_ids: Sequence[int] | None = None,
    model: Model = MODEL,
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """(ids, their components (one row each, in COMPONENTS order), their tie strength
    rounded as shown): the strength with its reasons."""
    f = features(session, as_of, person_ids, model)
    parts = components(f, model)
    return f.ids.tolist(), parts, chance(f, design(f, parts)).round(4)


def design(f: Features, parts: np.ndarray) -> np.ndarray:
    """The fitted model's features (strength_model.FEATURES) of every person in `f`, from
    their facts and components (`components(f)`)."""
    return strength_model.design(
        f.days_since_last,
        f.decayed,
        f.decayed_short,
        f.days_known,
        f.count,
        f.by_me,
        f.by_them,
        f.mutual,
        parts[:, 3],
        parts[:, 5],
    )


def reasons(
    session: Session, as_of: dt.datetime, person_id: int
) -> list[tuple[str, float, str]] | None:
    """The two or three features that moved one person's strength most, as
    (feature, change in log-odds, words); None when you were never in touch."""
    f = features(session, as_of, [person_id])
    if len(f.ids) == 0 or f.count[0] == 0:
        return None
    x = design(f, components(f))
    return strength_model.reasons(x[0])


def chance(f: Features, x: np.ndarray) -> np.ndarray:
    """Tie strength: the chance of contact in the next 90 days (strength_model); 0 for
    someone you were never in touch with (mutual contacts alone make a path, not a tie)."""
    if len(f.ids) == 0:
        return np.zeros(0)
    return np.where(f.count > 0, strength_model.chance(x), 0.0)  # type: ignore[no-any-return]


def rows(
    session: Session, as_of: dt.datetime, person_ids: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """Every active person with id, name, emails and strength, strongest first.

    Plain dicts in the shape of `StrengthRow`, not validated: they come straight from the
    database, and validating 50,000 of them would cost more than computing them (the
    command line validates what it draws as a table; tests check the shape)."""
    f = features(session, as_of, person_ids)
    parts = components(f)
    values = chance(f, design(f, parts)).round(4)
    ids = f.ids.tolist()
    name_stmt = select(Person.id, Person.display_name).where(Person.removed_at.is_(None))
    email_stmt = select(Email.person_id, Email.address).order_by(Email.id)
    if person_ids is not None:
        name_stmt = name_stmt.where(Person.id.in_(ids))
        email_stmt = email_stmt.where(Email.person_id.in_(ids))
    names = dict(raw_rows(session, name_stmt))
    emails: dict[int, list[str]] = {}
    for pid, address in raw_rows(session, email_stmt):
        emails.setdefault(pid, []).append(address)
    last = dates(day_number(as_of) - f.days_since_last)
    order = np.lexsort((f.ids, -values)).tolist()
    strengths = values.tolist()
    return [
        {
            "id": ids[i],
            "name": names.get(ids[i], "?"),
            "emails": emails.get(ids[i], []),
            "strength": strengths[i],
            "last_contact": last[i],
        }
        for i in order
    ]


def dates(days: np.ndarray) -> list[dt.date | None]:
    """Calendar dates of day numbers (None where infinite: never)."""
    finite = np.isfinite(days)
    whole = np.floor(np.where(finite, days, _UNIX_JD) - _UNIX_JD).astype("int64")
    stamps = np.datetime64("1970-01-01", "D") + whole.astype("timedelta64[D]")
    stamps[~finite] = np.datetime64("NaT")
    return stamps.tolist()  # type: ignore[no-any-return]


def last_contacts(
    session: Session, ids: Sequence[int] | None = None, as_of: dt.datetime | None = None
) -> dict[int, dt.datetime]:
    """When each person was last in an interaction, up to `as_of` (a fixed number of queries).

    Most answers come from the contact summary (one row per person); people with history
    after `as_of` are looked up in the participant's copy of the interaction's time
    (`day`, migration 0002): per person, the latest entry of the (person, day) index is
    one seek, where grouping every participant row would read millions of them.
    """
    limit = day_number(as_of) if as_of is not None else math.inf
    kept = summary(session, limit, ids, inclusive=True)
    if kept is None:
        return _seek_last_contacts(session, ids, as_of)
    out = {
        pid: from_day_number(day)
        for pid, day in zip(kept.ids.tolist(), kept.data[:, 0].tolist(), strict=True)
    }
    if kept.stale:
        out.update(_seek_last_contacts(session, kept.stale, as_of))
    return out


def _seek_last_contacts(
    session: Session, ids: Sequence[int] | None, as_of: dt.datetime | None
) -> dict[int, dt.datetime]:
    latest = select(func.max(Participant.day)).where(
        Participant.person_id == Person.id, Participant.planned.is_(False)
    )
    if as_of is not None:
        latest = latest.where(Participant.day <= day_number(as_of))
    stmt = select(Person.id, latest.correlate(Person).scalar_subquery())
    if ids is not None:
        stmt = stmt.where(Person.id.in_(ids))
    rows = session.execute(stmt).all()
    return {pid: from_day_number(day) for pid, day in rows if day is not None}
