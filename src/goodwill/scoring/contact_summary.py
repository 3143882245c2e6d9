"""The per-person contact summary: tie strength and cadences without scanning every row.

Tie strength for everyone needs, per person, the first and last interaction, a decayed
channel-weighted count and who started contact. Grouping every participant row for that
costs about a second at 2,000,000 rows; this module keeps the answers in
`contact_summary` (one row per person) and brings it up to date before each read:

- database triggers (migration 0004) put the person of any changed participant row on
  `contact_dirty`, whoever writes (the domain, imports, bulk inserts, another process);
- `refresh` recomputes the dirty people only (or everyone, after a bulk load or when the
  strength model's weights changed), in SQL, and empties the list;
- readers use a person's row only when all of that person's history lies before the date
  asked about; anyone else (a date in the past, something logged today) is computed from
  the participant rows as before, so answers are the same either way.

The decayed count is stored relative to a fixed anchor day and rescaled at read time:
sum w * exp(k (d - now)) = exp(k (anchor - now)) * sum w * exp(k (d - anchor)).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import (
    ColumnElement,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from goodwill.store.db import number_matrix
from goodwill.store.models import ContactDirty, ContactSummary, Participant

# 2000-01-01 as a Julian day number: decayed counts are stored relative to it.
ANCHOR_DAY = 2451544.5
# Weights of channels not named in a model's weights.
DEFAULT_CHANNEL_WEIGHT = 0.5
# More dirty people than this share of the summary: rebuild it in one grouped scan.
REBUILD_SHARE = 0.2
_CHUNK = 5000


@dataclass(frozen=True)
class Decay:
    """What the decayed counts depend on: channel weights and two half-lives in days (the
    year-long intensity and contact in the last weeks)."""

    channel_weights: Mapping[str, float]
    half_life_days: float
    short_half_life_days: float = 30.0

    @property
    def rate(self) -> float:
        return math.log(2) / self.half_life_days

    @property
    def short_rate(self) -> float:
        return math.log(2) / self.short_half_life_days

    def fingerprint(self) -> str:
        weights = ",".join(f"{k}={v:g}" for k, v in sorted(self.channel_weights.items()))
        return (
            f"h={self.half_life_days:g};s={self.short_half_life_days:g};"
            f"d={DEFAULT_CHANNEL_WEIGHT:g};{weights}"
        )


def aggregates(decay: Decay, anchor_day: float) -> list[ColumnElement[Any]]:
    """Per person: last day, first day, decayed weighted count (to `anchor_day`), count,
    started by me, started by someone known, weighted count, and the weighted count
    decayed with the short half-life (to `anchor_day`). The one definition the scan and
    the summary share.

    The short half-life's stored values grow as exp(days since the anchor / 43): a double
    holds them until about 2080 (the anchor is 2000-01-01)."""
    pt = Participant
    channel = case(dict(decay.channel_weights), value=pt.kind, else_=DEFAULT_CHANNEL_WEIGHT)
    weight = func.exp((pt.day - anchor_day) * decay.rate)
    return [
        func.max(pt.day),
        func.min(pt.day),
        func.sum(channel * weight),
        func.count(),
        func.sum(case((pt.initiated_by == "me", 1), else_=0)),
        func.count(pt.initiated_by),
        func.sum(channel),
        func.sum(channel * func.exp((pt.day - anchor_day) * decay.short_rate)),
    ]


def ensure_exp(session: Session) -> None:
    """SQLite builds without math functions get exp() from Python (same results)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    raw = session.connection().connection.driver_connection
    try:
        raw.execute("SELECT exp(0)")  # type: ignore[union-attr]
    except Exception:
        raw.create_function("exp", 1, math.exp, deterministic=True)  # type: ignore[union-attr]


def refresh(session: Session, decay: Decay) -> bool:
    """Bring the summary up to date. False when it cannot be written (a read-only file,
    a concurrent refresh of the same people): the caller then computes from the rows."""
    if _current(session, decay):
        return True
    ensure_exp(session)
    try:
        with session.begin_nested():
            _refresh(session, decay)
    except DBAPIError:
        return False
    return True


# Is the summary built for this model and nothing marked? One statement, no savepoint:
# the answer before almost every read (the writes of the web app bring it up to date).
_CURRENT = select(
    select(ContactSummary.model).limit(1).scalar_subquery(),
    exists().where(ContactDirty.person_id.is_not(None)),
)


def _current(session: Session, decay: Decay) -> bool:
    stored, dirty = session.connection().execute(_CURRENT).one()
    return bool(stored == decay.fingerprint() and not dirty)


def _refresh(session: Session, decay: Decay) -> None:
    conn = session.connection()
    fingerprint = decay.fingerprint()
    stored = conn.execute(select(ContactSummary.model).limit(1)).scalar()
    dirty = conn.execute(select(func.count()).select_from(ContactDirty)).scalar_one()
    if stored == fingerprint and dirty == 0:
        return
    if stored is None and dirty == 0:
        # Empty and nothing marked: no history at all, or a summary emptied by hand.
        if conn.execute(select(Participant.person_id).limit(1)).first() is None:
            return
        stored = ""
    if stored not in (None, fingerprint):
        _rebuild(session, decay, None)
        return
    total = conn.execute(select(func.count()).select_from(ContactSummary)).scalar_one()
    if dirty > REBUILD_SHARE * total:
        _rebuild(session, decay, None)
        return
    ids = list(conn.execute(select(ContactDirty.person_id)).scalars())
    for start in range(0, len(ids), _CHUNK):
        _rebuild(session, decay, ids[start : start + _CHUNK])


def _rebuild(session: Session, decay: Decay, ids: Sequence[int] | None) -> None:
    """Recompute the rows of `ids` (None: everyone) and take them off the dirty list."""
    conn = session.connection()
    if ids is None:
        conn.execute(delete(ContactDirty))
        conn.execute(delete(ContactSummary))
    else:
        conn.execute(delete(ContactDirty).where(ContactDirty.person_id.in_(ids)))
        conn.execute(delete(ContactSummary).where(ContactSummary.person_id.in_(ids)))
    pt = Participant
    model = literal(decay.fingerprint(), ContactSummary.model.type)
    source = select(pt.person_id, *aggregates(decay, ANCHOR_DAY), model).where(
        pt.planned.is_(False), pt.day.is_not(None)
    )
    if ids is not None:
        source = source.where(pt.person_id.in_(ids))
    columns = [
        "person_id",
        "last_day",
        "first_day",
        "decayed",
        "count",
        "by_me",
        "initiated",
        "weighted",
        "decayed_short",
    ]
    conn.execute(
        insert(ContactSummary).from_select([*columns, "model"], source.group_by(pt.person_id))
    )


@dataclass
class Summary:
    """Summary rows as parallel arrays, rescaled to a date, plus who must be scanned."""

    ids: np.ndarray  # int64, ascending
    data: np.ndarray  # columns as `aggregates` (the decayed count rescaled to now)
    stale: list[int]  # people with history on or after the date: not summarised here


_READ_ALL = select(
    ContactSummary.person_id,
    ContactSummary.last_day,
    ContactSummary.first_day,
    ContactSummary.decayed,
    ContactSummary.count,
    ContactSummary.by_me,
    ContactSummary.initiated,
    ContactSummary.weighted,
    ContactSummary.decayed_short,
).order_by(ContactSummary.person_id)
# A page's people (the expanding parameter `ids`): built once, as building the statement
# cost more than running it.
_READ_SOME = _READ_ALL.where(ContactSummary.person_id.in_(bindparam("ids", expanding=True)))


def read(
    session: Session,
    decay: Decay,
    now_day: float,
    person_ids: Sequence[int] | None = None,
    *,
    inclusive: bool = False,
) -> Summary | None:
    """The summary as of `now_day` (history strictly before it, or up to it when
    `inclusive`), or None if it cannot be brought up to date."""
    if not refresh(session, decay):
        return None
    if person_ids is None:
        matrix = number_matrix(session, _READ_ALL, 9)
    else:
        matrix = number_matrix(session, _READ_SOME, 9, {"ids": list(person_ids)})
    late = matrix[:, 1] > now_day if inclusive else matrix[:, 1] >= now_day
    stale = matrix[late, 0].astype(np.int64).tolist()
    matrix = matrix[~late]
    data = matrix[:, 1:].copy()
    data[:, 2] *= math.exp((ANCHOR_DAY - now_day) * decay.rate)
    data[:, 7] *= math.exp((ANCHOR_DAY - now_day) * decay.short_rate)
    return Summary(ids=matrix[:, 0].astype(np.int64), data=data, stale=stale)
