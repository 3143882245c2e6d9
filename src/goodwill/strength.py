"""Tie strength in [0, 1] for every person, as of any date.

Five components, each in [0, 1], combined as a weighted average (docs/scoring.md explains
the model and the research it rests on; benchmarks/enron_strength.py calibrates it):

- recency: how long since you were last in touch (the strongest single predictor,
  Gilbert & Karahalios 2009);
- intensity: how often you were in touch, each interaction weighted by its channel
  (meeting > call > message/email) and decayed by its age;
- duration: how long you have known each other (first interaction to the date);
- reciprocity: whether both of you start contact, not only one side;
- overlap: how many mutual contacts you share (knows edges to other people you know).

Every weight and time constant lives in `MODEL` below. Everything is computed from what
happened strictly before `as_of`, in one grouped query per table and vectorised numpy:
never one query per person.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from goodwill.models import Email, Interaction, Knows, Participant, Person
from goodwill.schemas.ledger import StrengthRow

# Julian day of the Unix epoch: SQLite's julianday() and PostgreSQL's epoch agree through it.
_UNIX_JD = 2440587.5
_EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class Model:
    """Every weight and time constant of tie strength, in one place."""

    # How much each component counts in the weighted average (they need not sum to 1).
    w_recency: float
    w_intensity: float
    w_duration: float
    w_reciprocity: float
    w_overlap: float
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
    # Depth of each channel; unknown kinds count as DEFAULT_CHANNEL_WEIGHT.
    channel_weights: Mapping[str, float] = field(default_factory=dict)

    def weights(self) -> np.ndarray:
        return np.array(
            [self.w_recency, self.w_intensity, self.w_duration, self.w_reciprocity, self.w_overlap]
        )


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

# The defaults, calibrated on the Enron email network (see docs/scoring.md).
MODEL = Model(
    w_recency=0.45,
    w_intensity=0.30,
    w_duration=0.10,
    w_reciprocity=0.10,
    w_overlap=0.05,
    recency_half_life_days=30.0,
    intensity_half_life_days=90.0,
    intensity_scale=3.0,
    duration_scale_days=365.0,
    reciprocity_prior=1.0,
    overlap_scale=5.0,
    channel_weights=CHANNEL_WEIGHTS,
)

COMPONENTS: tuple[str, ...] = ("recency", "intensity", "duration", "reciprocity", "overlap")


@dataclass
class Features:
    """Raw per-person facts before `as_of`, as parallel numpy arrays (one slot per id)."""

    ids: np.ndarray  # int64
    days_since_last: np.ndarray  # inf when never in touch
    days_known: np.ndarray  # since the first interaction; 0 when never
    decayed: np.ndarray  # channel-weighted, decayed count
    decayed_plain: np.ndarray  # unweighted decayed count (a baseline)
    count: np.ndarray
    by_me: np.ndarray
    by_them: np.ndarray
    mutual: np.ndarray  # sum of knows-edge confidences to other people


def day_number(when: dt.datetime) -> float:
    """The day number (Julian day) of a naive datetime, as the SQL below computes it."""
    return (when - _EPOCH).total_seconds() / 86400.0 + _UNIX_JD


def day_expr(session: Session, column: Any) -> ColumnElement[Any]:
    """SQL for the day number of a datetime column (see `day_number`)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(column)
    return func.extract("epoch", column) / 86400.0 + _UNIX_JD


def ensure_exp(session: Session) -> None:
    """SQLite builds without math functions get exp() from Python (same results)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    raw = session.connection().connection.driver_connection
    try:
        raw.execute("SELECT exp(0)")  # type: ignore[union-attr]
    except Exception:
        raw.create_function("exp", 1, math.exp, deterministic=True)  # type: ignore[union-attr]


def _people(session: Session, person_ids: Sequence[int] | None) -> np.ndarray:
    stmt = select(Person.id).where(Person.removed_at.is_(None), Person.is_me.is_(False))
    if person_ids is not None:
        stmt = stmt.where(Person.id.in_(list(person_ids)))
    return np.array(sorted(session.scalars(stmt)), dtype=np.int64)


def features(
    session: Session,
    as_of: dt.datetime,
    person_ids: Sequence[int] | None = None,
    model: Model = MODEL,
) -> Features:
    """Per-person facts from interactions and knows edges strictly before `as_of`."""
    ensure_exp(session)
    ids = _people(session, person_ids)
    n = len(ids)
    out = Features(
        ids=ids,
        days_since_last=np.full(n, np.inf),
        days_known=np.zeros(n),
        decayed=np.zeros(n),
        decayed_plain=np.zeros(n),
        count=np.zeros(n),
        by_me=np.zeros(n),
        by_them=np.zeros(n),
        mutual=np.zeros(n),
    )
    if n == 0:
        return out
    now_day = day_number(as_of)
    age = literal(now_day) - day_expr(session, Interaction.occurred_at)
    channel = case(
        {k: v for k, v in model.channel_weights.items()},
        value=Interaction.kind,
        else_=DEFAULT_CHANNEL_WEIGHT,
    )
    decay = func.exp(age * (-math.log(2) / model.intensity_half_life_days))
    stmt = (
        select(
            Participant.person_id,
            func.min(age),
            func.max(age),
            func.sum(channel * decay),
            func.sum(decay),
            func.count(),
            func.sum(case((Interaction.initiated_by == "me", 1), else_=0)),
            func.sum(case((Interaction.initiated_by == "them", 1), else_=0)),
        )
        .join(Interaction, Interaction.id == Participant.interaction_id)
        .where(Interaction.occurred_at < as_of, Interaction.planned.is_(False))
        .group_by(Participant.person_id)
    )
    if person_ids is not None:
        stmt = stmt.where(Participant.person_id.in_(ids.tolist()))
    rows = session.execute(stmt).all()
    if rows:
        data = np.array(rows, dtype=np.float64)
        pos = np.searchsorted(ids, data[:, 0].astype(np.int64))
        ok = (pos < n) & (ids[np.minimum(pos, n - 1)] == data[:, 0])
        pos, data = pos[ok], data[ok]
        out.days_since_last[pos] = data[:, 1]
        out.days_known[pos] = data[:, 2]
        out.decayed[pos] = data[:, 3]
        out.decayed_plain[pos] = data[:, 4]
        out.count[pos] = data[:, 5]
        out.by_me[pos] = data[:, 6]
        out.by_them[pos] = data[:, 7]
    out.mutual = _mutual(session, as_of, ids, person_ids is not None)
    return out


def _mutual(session: Session, as_of: dt.datetime, ids: np.ndarray, restrict: bool) -> np.ndarray:
    """Sum of knows-edge confidences from each person to other (active) people."""
    alive = select(Person.id).where(Person.removed_at.is_(None))
    a = select(Knows.a_id.label("pid"), Knows.confidence.label("c")).where(
        Knows.created_at < as_of, Knows.b_id.in_(alive)
    )
    b = select(Knows.b_id.label("pid"), Knows.confidence.label("c")).where(
        Knows.created_at < as_of, Knows.a_id.in_(alive)
    )
    if restrict:
        a = a.where(Knows.a_id.in_(ids.tolist()))
        b = b.where(Knows.b_id.in_(ids.tolist()))
    edges = union_all(a, b).subquery()
    rows = session.execute(select(edges.c.pid, func.sum(edges.c.c)).group_by(edges.c.pid)).all()
    result = np.zeros(len(ids))
    if rows:
        data = np.array(rows, dtype=np.float64)
        pos = np.searchsorted(ids, data[:, 0].astype(np.int64))
        ok = (pos < len(ids)) & (ids[np.minimum(pos, len(ids) - 1)] == data[:, 0])
        result[pos[ok]] = data[ok, 1]
    return result


def components(f: Features, model: Model = MODEL) -> np.ndarray:
    """The five components in [0, 1], one row per person (columns in COMPONENTS order)."""
    recency = np.power(0.5, f.days_since_last / model.recency_half_life_days)
    intensity = 1.0 - np.exp(-f.decayed / model.intensity_scale)
    duration = 1.0 - np.exp(-f.days_known / model.duration_scale_days)
    prior = model.reciprocity_prior
    reciprocity = (2.0 * np.minimum(f.by_me, f.by_them) + prior) / (
        f.by_me + f.by_them + 2.0 * prior
    )
    reciprocity = np.where(f.count > 0, reciprocity, 0.0)
    overlap = 1.0 - np.exp(-f.mutual / model.overlap_scale)
    return np.column_stack([recency, intensity, duration, reciprocity, overlap])


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
    """Tie strength in [0, 1] per active person, from history strictly before `as_of`."""
    f = features(session, as_of, person_ids, model)
    values = combine(components(f, model), model)
    return dict(zip(f.ids.tolist(), values.round(4).tolist(), strict=True))


def rows(
    session: Session, as_of: dt.datetime, person_ids: Sequence[int] | None = None
) -> list[StrengthRow]:
    """Every active person with id, name, emails and strength, strongest first."""
    f = features(session, as_of, person_ids)
    values = combine(components(f)).round(4)
    ids = f.ids.tolist()
    names = dict(
        session.execute(select(Person.id, Person.display_name).where(Person.id.in_(ids))).all()
        if person_ids is not None
        else session.execute(
            select(Person.id, Person.display_name).where(Person.removed_at.is_(None))
        ).all()
    )
    emails: dict[int, list[str]] = {}
    email_stmt = select(Email.person_id, Email.address).order_by(Email.id)
    if person_ids is not None:
        email_stmt = email_stmt.where(Email.person_id.in_(ids))
    for pid, address in session.execute(email_stmt):
        emails.setdefault(pid, []).append(address)
    last_day = now_minus(as_of, f.days_since_last)
    order = np.lexsort((f.ids, -values))
    out = []
    for i in order.tolist():
        pid = ids[i]
        out.append(
            StrengthRow(
                id=pid,
                name=names.get(pid, "?"),
                emails=emails.get(pid, []),
                strength=float(values[i]),
                last_contact=_date_of(last_day[i]),
            )
        )
    return out


def now_minus(as_of: dt.datetime, days: np.ndarray) -> np.ndarray:
    """Day numbers `days` before `as_of` (inf stays inf)."""
    return day_number(as_of) - days


def _date_of(day: float) -> dt.date | None:
    if not math.isfinite(day):
        return None
    return (_EPOCH + dt.timedelta(days=day - _UNIX_JD)).date()
