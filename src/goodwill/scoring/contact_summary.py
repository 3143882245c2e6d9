"""The per-person contact summary: tie strength and cadences without scanning every row.

Tie strength for everyone needs, per person, the first and last interaction, a decayed
channel-weighted count and who started contact. Grouping every participant row for that
costs about a second at 2,000,000 rows; `contact_summary` (one row per person) keeps the
answers, and readers only read it:

- database triggers on participant (migration 0016) bring a person's row up to date in
  the transaction that writes their interactions, whoever writes (the domain, imports, a
  sync, another process, plain SQL), so a read never writes and a read-only database file
  or role can be read;
- the triggers compute with the default model's weights and half-lives; its fingerprint
  is stored in each row, and a reader with another model scans the rows instead;
- readers use a person's row only when all of that person's history lies before the date
  asked about; anyone else (a date in the past, something logged today) is computed from
  the participant rows as before, so answers are the same either way;
- in a team, a member reads `member_summary` (migration 0018): the same row kept from their
  own interactions only, so a teammate's private history moves none of their figures
  (what teammates share is the shared tier: `store.policy.team_ties`).

The decayed count is stored relative to a fixed anchor day and rescaled at read time:
sum w * exp(k (d - now)) = exp(k (anchor - now)) * sum w * exp(k (d - anchor)).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Integer, bindparam, case, func, select
from sqlalchemy.orm import Session

# 2000-01-01 as a Julian day number: decayed counts are stored relative to it; the weight
# of channels not named in a model's weights.
from goodwill.scoring.strength_model import ANCHOR_DAY as ANCHOR_DAY
from goodwill.scoring.strength_model import DEFAULT_CHANNEL_WEIGHT as DEFAULT_CHANNEL_WEIGHT
from goodwill.scoring.strength_model import fingerprint
from goodwill.store import policy
from goodwill.store.db import number_matrix
from goodwill.store.models import ContactSummary, MemberSummary, Participant


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
        return fingerprint(self.channel_weights, self.half_life_days, self.short_half_life_days)


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


# The model the triggers keep the summary for (any row: all carry the same).
_MODEL = select(ContactSummary.model).limit(1)
_MEMBER = bindparam("member", type_=Integer())
_MEMBER_MODEL = select(MemberSummary.model).where(MemberSummary.owner_id == _MEMBER).limit(1)


def _member() -> int | None:
    """The team member whose own summary is read, or None (single-user goodwill)."""
    viewer = policy.current()
    return None if viewer is None else viewer.member_id


def kept_for(session: Session, decay: Decay) -> bool:
    """Does the summary hold figures of this model? (Empty: nobody has history, any model.)"""
    member = _member()
    if member is None:
        stored = session.connection().execute(_MODEL).scalar()
    else:
        stored = session.connection().execute(_MEMBER_MODEL, {"member": member}).scalar()
    return stored is None or stored == decay.fingerprint()


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
_M = MemberSummary
_READ_MEMBER_ALL = (
    select(
        *(_M.person_id, _M.last_day, _M.first_day, _M.decayed, _M.count, _M.by_me),
        *(_M.initiated, _M.weighted, _M.decayed_short),
    )
    .where(_M.owner_id == _MEMBER)
    .order_by(_M.person_id)
)
_READ_MEMBER_SOME = _READ_MEMBER_ALL.where(_M.person_id.in_(bindparam("ids", expanding=True)))


def _rows(session: Session, person_ids: Sequence[int] | None) -> np.ndarray:
    """The kept rows (columns as `_READ_ALL`) of `person_ids` or everyone: the member's own
    in a team, else the database's."""
    member = _member()
    params: dict[str, Any] = {} if member is None else {"member": member}
    if person_ids is not None:
        params["ids"] = list(person_ids)
    if member is None:
        stmt = _READ_ALL if person_ids is None else _READ_SOME
    else:
        stmt = _READ_MEMBER_ALL if person_ids is None else _READ_MEMBER_SOME
    return number_matrix(session, stmt, 9, params or None)


def read(
    session: Session,
    decay: Decay,
    now_day: float,
    person_ids: Sequence[int] | None = None,
    *,
    inclusive: bool = False,
) -> Summary | None:
    """The summary as of `now_day` (history strictly before it, or up to it when
    `inclusive`), or None when it is not kept for this model (scan the rows instead)."""
    if not kept_for(session, decay):
        return None
    matrix = _rows(session, person_ids)
    late = matrix[:, 1] > now_day if inclusive else matrix[:, 1] >= now_day
    stale = matrix[late, 0].astype(np.int64).tolist()
    matrix = matrix[~late]
    data = matrix[:, 1:].copy()
    data[:, 2] *= math.exp((ANCHOR_DAY - now_day) * decay.rate)
    data[:, 7] *= math.exp((ANCHOR_DAY - now_day) * decay.short_rate)
    return Summary(ids=matrix[:, 0].astype(np.int64), data=data, stale=stale)


def kept_rows(session: Session) -> np.ndarray:
    """The summary table as stored (columns as `_READ_ALL`, anchored, by person): in a team,
    the acting member's own."""
    return _rows(session, None)


def fresh_rows(session: Session, decay: Decay) -> np.ndarray:
    """What the summary should hold, grouped from the participant rows now (for checks:
    the kept table must equal this after any write). In a team the policy narrows the
    rows to the acting member's own, as their summary is."""
    ensure_exp(session)
    pt = Participant
    stmt = (
        select(pt.person_id, *aggregates(decay, ANCHOR_DAY))
        .where(pt.planned.is_(False), pt.day.is_not(None))
        .group_by(pt.person_id)
        .order_by(pt.person_id)
    )
    return number_matrix(session, stmt, 9)


def same_rows(kept: np.ndarray, fresh: np.ndarray) -> bool:
    """Kept and fresh rows agree: ids, days and counts exactly, sums to rounding (the
    triggers add one row at a time where a fresh grouping sums in another order)."""
    if kept.shape != fresh.shape:
        return False
    exact = [0, 1, 2, 4, 5, 6]
    return bool(
        np.array_equal(kept[:, exact], fresh[:, exact])
        and np.allclose(kept[:, [3, 7, 8]], fresh[:, [3, 7, 8]], rtol=1e-9, atol=0)
    )
