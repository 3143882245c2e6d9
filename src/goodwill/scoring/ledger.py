"""The reciprocity ledger: what you gave and received, per relationship, and your asks.

A balance weighs each exchange by its kind (an introduction or a referral weighs more than
a piece of information) and by its age (half-life `BALANCE_HALF_LIFE_DAYS`): what you did
for someone five years ago counts less than last month's help. Computed in one grouped
query, whatever the number of people.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Float, bindparam, case, func, select
from sqlalchemy.orm import Session

from goodwill import validate
from goodwill.errors import NotFound
from goodwill.schemas.ledger import AskOutcome, Balance, BalanceRow
from goodwill.scoring import contact_summary

# The weights (what one exchange of each kind is worth, in "pieces of information"), their
# half-life and fingerprint, shared with the lean `person show`.
from goodwill.scoring.ledger_rules import BALANCE_HALF_LIFE_DAYS as BALANCE_HALF_LIFE_DAYS
from goodwill.scoring.ledger_rules import DEFAULT_KIND_WEIGHT as DEFAULT_KIND_WEIGHT
from goodwill.scoring.ledger_rules import FINGERPRINT as FINGERPRINT
from goodwill.scoring.ledger_rules import KIND_WEIGHTS as KIND_WEIGHTS
from goodwill.store import days, policy
from goodwill.store.db import IDS, AnySelect, run_read
from goodwill.store.models import Exchange, LedgerSummary, MemberLedger, Person

# How an ask you made can end (besides "open").
ASK_RESULTS: tuple[str, ...] = ("granted", "refused", "ignored")


# The day number of `as_of` (see `balances`).
_DAY = bindparam("day", type_=Float())


def _weighted(day: ColumnElement[float], direction: str) -> ColumnElement[float]:
    age = _DAY - day
    decay = func.exp(age * (-math.log(2) / BALANCE_HALF_LIFE_DAYS))
    weight = case(KIND_WEIGHTS, value=Exchange.kind, else_=DEFAULT_KIND_WEIGHT)
    return func.sum(case((Exchange.direction == direction, weight * decay), else_=0.0))


@cache
def _balances_stmt(dialect: str, some: bool) -> AnySelect:
    """Per person: weighted given and received, counts and last dates before `as_of` (the
    day number `day`); built once per database kind and shape (everyone, or `IDS`)."""
    gave = Exchange.direction == "gave"
    got = Exchange.direction == "got"
    day = days.day_expr_for(dialect, Exchange.occurred_at)
    stmt = (
        select(
            Exchange.person_id,
            _weighted(day, "gave"),
            _weighted(day, "got"),
            func.sum(case((gave, 1), else_=0)),
            func.sum(case((got, 1), else_=0)),
            func.max(case((gave, Exchange.occurred_at), else_=None)),
            func.max(case((got, Exchange.occurred_at), else_=None)),
        )
        .where(
            Exchange.occurred_at < bindparam("as_of", type_=DateTime()),
            Exchange.direction.in_(("gave", "got")),
        )
        .group_by(Exchange.person_id)
    )
    return stmt.where(Exchange.person_id.in_(IDS)) if some else stmt


_RATE = math.log(2) / BALANCE_HALF_LIFE_DAYS
_L = LedgerSummary
_KEPT_ALL = select(
    _L.person_id, _L.gave, _L.got, _L.gives, _L.gets, _L.last_give, _L.last_get, _L.last_day
)
_KEPT_SOME = _KEPT_ALL.where(_L.person_id.in_(IDS))
_KEPT_MODEL = select(_L.model).limit(1)
# In a team, a member's own ledger (0018): a teammate's exchanges are private to them.
_ML = MemberLedger
_MEMBER = _ML.owner_id == bindparam("member")
_MEMBER_ALL = select(
    _ML.person_id, _ML.gave, _ML.got, _ML.gives, _ML.gets, _ML.last_give, _ML.last_get,
    _ML.last_day,
).where(_MEMBER)  # fmt: skip
_MEMBER_SOME = _MEMBER_ALL.where(_ML.person_id.in_(IDS))
_MEMBER_MODEL = select(_ML.model).where(_MEMBER).limit(1)


def _kept(
    session: Session, day: float, ids: list[int] | None
) -> tuple[list[tuple[Any, ...]], list[int]] | None:
    """Rows as `_balances_stmt` gives them, from the ledger summary (kept by triggers in
    each write, 0016), and the people with exchanges on or after `day` (to group from
    the rows); None when the summary is kept for other weights."""
    viewer = policy.current()
    params: dict[str, Any] = {} if viewer is None else {"member": viewer.member_id}
    model = _KEPT_MODEL if viewer is None else _MEMBER_MODEL
    stored = session.connection().execute(model, params).scalar()
    if stored is not None and stored != FINGERPRINT:
        return None
    if ids is not None:
        params["ids"] = ids
    if viewer is None:
        stmt = _KEPT_ALL if ids is None else _KEPT_SOME
    else:
        stmt = _MEMBER_ALL if ids is None else _MEMBER_SOME
    rows = run_read(session, stmt, params or None)
    scale = math.exp((contact_summary.ANCHOR_DAY - day) * _RATE)
    found: list[tuple[Any, ...]] = []
    late: list[int] = []
    for pid, gave, got, gives, gets, last_give, last_get, last_day in rows:
        if last_day >= day:
            late.append(pid)
            continue
        give = None if last_give is None else days.from_day_number(last_give)
        get = None if last_get is None else days.from_day_number(last_get)
        found.append((pid, gave * scale, got * scale, gives, gets, give, get))
    return found, late


def _grouped(
    session: Session, dialect: str, as_of: dt.datetime, ids: list[int] | None
) -> list[tuple[Any, ...]]:
    """Rows grouped from the exchanges before `as_of` (of `ids`, or everyone)."""
    params: dict[str, Any] = {"as_of": as_of, "day": days.day_number(as_of)}
    if ids is not None:
        params["ids"] = ids
    stmt = _balances_stmt(dialect, ids is not None)
    return [tuple(row) for row in run_read(session, stmt, params)]


def balances(
    session: Session,
    as_of: dt.datetime,
    person_ids: Sequence[int] | None = None,
    *,
    from_rows: bool = False,
) -> dict[int, Balance]:
    """Given, received and balance per person, from exchanges strictly before `as_of`.

    Without `person_ids`: every active person (zeros for those with no exchange). Read
    from the ledger summary, or grouped from the exchanges when `from_rows` (for checks).
    """
    contact_summary.ensure_exp(session)
    if person_ids is None:
        ids = list(
            session.scalars(
                select(Person.id).where(Person.removed_at.is_(None), Person.is_me.is_(False))
            )
        )
    else:
        ids = list(dict.fromkeys(person_ids))
    result = {pid: Balance(person_id=pid) for pid in ids}
    dialect = session.get_bind().dialect.name
    day = days.day_number(as_of)
    kept = None if from_rows else _kept(session, day, None if person_ids is None else ids)
    if kept is None:  # not kept for these weights: group every exchange
        found = _grouped(session, dialect, as_of, None if person_ids is None else ids)
    else:
        found, late = kept
        if late:  # exchanges on or after the date: grouped from the rows
            found += _grouped(session, dialect, as_of, late)
    for pid, given, received, gives, gets, last_give, last_get in found:
        if pid not in result:
            continue
        given, received = round(float(given or 0), 3), round(float(received or 0), 3)
        result[pid] = Balance(
            person_id=pid,
            given=given,
            received=received,
            balance=round(given - received, 3),
            gives=int(gives or 0),
            gets=int(gets or 0),
            last_give=(None if last_give is None else days.as_date(last_give)),
            last_get=(None if last_get is None else days.as_date(last_get)),
        )
    return result


def balance_rows(
    session: Session, as_of: dt.datetime, person_ids: Sequence[int] | None = None
) -> list[BalanceRow]:
    """Balances with names, the most one-sided first (you gave most, then you owe most)."""
    found = balances(session, as_of, person_ids)
    names = dict(
        session.execute(
            select(Person.id, Person.display_name).where(Person.id.in_(list(found)))
        ).all()
    )
    rows = [
        BalanceRow(name=names.get(pid, "?"), **b.model_dump())
        for pid, b in found.items()
        if person_ids is not None or b.gives or b.gets
    ]
    rows.sort(key=lambda r: (-abs(r.balance), r.name.lower(), r.person_id))
    return rows


def record_ask_outcome(
    session: Session, person: Person, outcome: str, *, text: str | None = None
) -> AskOutcome:
    """Mark how an ask you made of `person` ended: granted, refused or ignored.

    Without `text`, the latest open ask; with it, the latest ask whose text contains it.
    """
    result = validate.choice(outcome, ASK_RESULTS, "outcome")
    stmt = (
        select(Exchange)
        .where(Exchange.person_id == person.id, Exchange.direction == "asked")
        .order_by(Exchange.occurred_at.desc(), Exchange.id.desc())
    )
    if text and text.strip():
        needle = text.strip().lower()
        ask = next((x for x in session.scalars(stmt) if needle in (x.text or "").lower()), None)
        if ask is None:
            raise NotFound(f"you made no ask of {person.display_name} that mentions '{text}'")
    else:
        ask = session.scalars(stmt.where(Exchange.outcome == "open")).first()
        if ask is None:
            raise NotFound(
                f"you have no open ask of {person.display_name}; "
                "log one with 'goodwill log ... --asked TEXT'"
            )
    ask.outcome = result
    session.flush()
    return AskOutcome(
        id=ask.id,
        person_id=person.id,
        person=person.display_name,
        text=ask.text,
        asked_on=ask.occurred_at.date(),
        outcome=result,
    )
