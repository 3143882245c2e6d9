"""Health and red flags: one-way relationships, thank-yous owed, requests left open, and
your own taker pattern. Each flag carries its reason in words.

- one_way: you gave `ONE_WAY_MIN_GIVES` times or more in the last `ONE_WAY_WINDOW_DAYS`
  and nothing came back (no help, info, idea, advice, intro or referral received, no ask
  of yours granted; a thank-you alone is not something back), or they refused or ignored
  an ask of yours in that window and nothing came back since;
- thanks_owed: you received help, an intro or a referral in the last
  `THANKS_LOOKBACK_DAYS`, `THANKS_GRACE_DAYS` or more ago, and logged no thanks since;
- unanswered_request: someone asked you for something and the request is still open;
- taker: about you: over the last `TAKER_WINDOW_DAYS`, most of the contact you started
  served a need of yours, or your asks outnumber your gives by more than `TAKER_ASK_RATIO`.

All of it is a handful of grouped queries over the recent window, whatever the network size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, DateTime, and_, bindparam, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from goodwill.schemas.ledger import FLAG_KINDS, Flag

# The rules' constants and their words, shared with the lean `person show`.
from goodwill.scoring.ledger_rules import FLAG_ORDER as FLAG_ORDER
from goodwill.scoring.ledger_rules import GIVE_KINDS as GIVE_KINDS
from goodwill.scoring.ledger_rules import ONE_WAY_MIN_GIVES as ONE_WAY_MIN_GIVES
from goodwill.scoring.ledger_rules import ONE_WAY_WINDOW_DAYS as ONE_WAY_WINDOW_DAYS
from goodwill.scoring.ledger_rules import THANKS_FOR as THANKS_FOR
from goodwill.scoring.ledger_rules import THANKS_GRACE_DAYS as THANKS_GRACE_DAYS
from goodwill.scoring.ledger_rules import THANKS_LOOKBACK_DAYS as THANKS_LOOKBACK_DAYS
from goodwill.scoring.ledger_rules import (
    gives_reason,
    request_reason,
    snub_reason,
    thanks_reason,
)
from goodwill.scoring.ledger_rules import times as _times
from goodwill.scoring.ledger_rules import when as when
from goodwill.store.days import as_datetime
from goodwill.store.db import IDS, AnySelect, run_read
from goodwill.store.models import Exchange, Interaction, Person, Request

# The daily session asks for a thank-you sooner and more often than the red flag fires:
# from the day you received something, advice included (what an informational interview
# gives you), so that the thanks goes out within a day, before it is overdue.
THANK_YOU_KINDS: tuple[str, ...] = (*THANKS_FOR, "advice")
THANK_YOU_AFTER_DAYS = 0
THANK_YOU_LOOKBACK_DAYS = 21  # older advice is not worth a late thank-you; red flags stay
TAKER_WINDOW_DAYS = 90
TAKER_NEED_SHARE = 0.5  # "most": more than half of the contact you started
TAKER_MIN_STARTED = 4  # too few contacts say nothing about a pattern
TAKER_ASK_RATIO = 2.0
TAKER_MIN_ASKS = 3

# The exchange table under the names the queries below give it, aliased once: a new alias
# builds its column proxies again on first use (about a millisecond per query and call).
_GOT_BACK, _GRANTED_BACK = aliased(Exchange), aliased(Exchange)
_SNUB, _SNUB_INNER = aliased(Exchange), aliased(Exchange)
_OWED, _THANKS = aliased(Exchange), aliased(Exchange)

# The statements below are built once per shape (everyone, or the people in `IDS`) with
# the dates as parameters: for one person's page, building them cost five times running.
_AS_OF = bindparam("as_of", type_=DateTime())
_START = bindparam("start", type_=DateTime())  # the start of the rule's window
_UPTO = bindparam("upto", type_=DateTime())  # the end of a grace period


def compute(
    session: Session, as_of: dt.datetime, person_ids: Sequence[int] | None = None
) -> list[Flag]:
    """Every flag as of `as_of` (history strictly before it), most urgent kinds first.

    With `person_ids`, only the flags about those people (and no taker flag, which is about
    you).
    """
    ids = list(person_ids) if person_ids is not None else None
    found = [
        *one_way(session, as_of, ids),
        *thanks_owed(session, as_of, ids),
        *unanswered_requests(session, as_of, ids),
    ]
    named = [Flag(**n._asdict()) for n in _name(session, found)]
    if ids is None:
        named.extend(taker(session, as_of))
    order = {k: i for i, k in enumerate(FLAG_ORDER)}
    assert set(order) == set(FLAG_KINDS)
    named.sort(
        key=lambda f: (
            order[f.kind],
            f.since or dt.date.min,
            (f.person or "").lower(),
            f.person_id or 0,
        )
    )
    return named


class Named(NamedTuple):
    """A flag about someone, with their name: what the daily session reads (thousands at
    scale, so no schema object is built for them)."""

    kind: str
    person: str
    person_id: int
    reason: str
    since: dt.date


def _name(session: Session, found: list[tuple[str, int, str, dt.date]]) -> list[Named]:
    """Attach names; drop flags about removed people and about you."""
    if not found:
        return []
    wanted = sorted({pid for _, pid, _, _ in found})
    people: dict[int, str] = dict(run_read(session, _NAMES, {"ids": wanted}).all())
    return [
        Named(kind, people[pid], pid, reason.replace("{name}", people[pid]), since)
        for kind, pid, reason, since in found
        if pid in people
    ]


_NAMES = select(Person.id, Person.display_name).where(
    Person.id.in_(IDS), Person.removed_at.is_(None), Person.is_me.is_(False)
)


def _gave(x: Any) -> ColumnElement[bool]:
    """Something given (a thank-you is not), in the exchange table or an alias of it."""
    return and_(x.direction == "gave", x.kind.in_(GIVE_KINDS))


def _got(x: Any) -> ColumnElement[bool]:
    return and_(x.direction == "got", x.kind.in_(GIVE_KINDS))


def _granted(x: Any) -> ColumnElement[bool]:
    return and_(x.direction == "asked", x.outcome == "granted")


def snubbed(x: Any) -> ColumnElement[bool]:
    """An ask of yours refused or ignored."""
    return and_(x.direction == "asked", x.outcome.in_(("refused", "ignored")))


def one_way(
    session: Session, as_of: dt.datetime, ids: list[int] | None
) -> list[tuple[str, int, str, dt.date]]:
    """Both one-way rules, one flag per person: the gives first, then the asks snubbed."""
    found: dict[int, tuple[list[str], dt.datetime]] = {
        pid: ([reason], since) for pid, reason, since in _one_way_gives(session, as_of, ids)
    }
    for pid, reason, since in _one_way_snubs(session, as_of, ids):
        reasons, first = found.get(pid, ([], since))
        found[pid] = ([*reasons, reason], min(first, since))
    return [
        ("one_way", pid, "; ".join(reasons), since.date())
        for pid, (reasons, since) in found.items()
    ]


def one_way_gives(
    session: Session, as_of: dt.datetime, person_ids: Sequence[int] | None = None
) -> list[Named]:
    """The one-way flags of the first rule alone (you gave, nothing came back), without
    the refused or ignored asks: whom the daily session suggests a small ask of."""
    ids = list(person_ids) if person_ids is not None else None
    found = _one_way_gives(session, as_of, ids)
    return _name(session, [("one_way", pid, why, since.date()) for pid, why, since in found])


def _one_way_window(x: Any) -> tuple[ColumnElement[bool], ...]:
    return (x.occurred_at >= _START, x.occurred_at < _AS_OF)


def _one_way_dates(as_of: dt.datetime, ids: list[int] | None) -> dict[str, Any]:
    dates = {"start": as_of - dt.timedelta(days=ONE_WAY_WINDOW_DAYS), "as_of": as_of}
    return dates if ids is None else {**dates, "ids": ids}


@cache
def _one_way_gives_stmt(some: bool) -> AnySelect:
    x, got, granted = Exchange, _GOT_BACK, _GRANTED_BACK

    def none_back(back: Any, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        """Nothing of this kind came back from them in the window (an index seek)."""
        return ~exists().where(back.person_id == x.person_id, condition, *_one_way_window(back))

    # One pass over the window's gives (a covering index), then, for whoever gave three
    # times or more, whether anything came back.
    stmt = (
        select(
            x.person_id,
            func.count(),
            func.min(x.occurred_at),
            func.aggregate_strings(x.kind, ","),
        )
        .where(*_one_way_window(x), _gave(x))
        .group_by(x.person_id)
        .having(
            func.count() >= ONE_WAY_MIN_GIVES,
            none_back(got, _got(got)),
            none_back(granted, _granted(granted)),
        )
    )
    return stmt.where(x.person_id.in_(IDS)) if some else stmt


def _one_way_gives(
    session: Session, as_of: dt.datetime, ids: list[int] | None
) -> list[tuple[int, str, dt.datetime]]:
    """(person, reason, since) of ONE_WAY_MIN_GIVES gives or more and nothing back."""
    stmt = _one_way_gives_stmt(ids is not None)
    out = []
    for pid, gives, first_give, kinds in run_read(session, stmt, _one_way_dates(as_of, ids)):
        first = as_datetime(first_give)
        reason = gives_reason(int(gives), first, kinds.split(","))
        out.append((pid, reason, first))
    return out


@cache
def _snubs_stmt(some: bool) -> tuple[AnySelect, AnySelect]:
    """The snubs, and the last thing back from each of their people."""
    x, inner = _SNUB, _SNUB_INNER
    # The snubs: found in the covering index, then only they are read from the table.
    snub_ids = select(inner.id).where(snubbed(inner), *_one_way_window(inner))
    if some:
        snub_ids = snub_ids.where(inner.person_id.in_(IDS))
    snubs = (
        select(x.person_id, x.occurred_at, x.outcome, x.text)
        .where(x.id.in_(snub_ids))
        .order_by(x.occurred_at, x.id)
    )
    # For everyone: one pass over the window's covering index ("+ 0": with an indexable
    # person_id, SQLite would rather seek each person's whole history, far slower over many
    # people with many exchanges). For a few people (a page, a person), the snubbed
    # people's own rows (`ids`): far less than the window.
    if some:
        whose = x.person_id.in_(IDS)
    else:
        whose = (x.person_id + 0).in_(select(inner.person_id).where(inner.id.in_(snub_ids)))
    last_back = (
        select(x.person_id, func.max(x.occurred_at))
        .where(*_one_way_window(x), _got(x) | _granted(x), whose)
        .group_by(x.person_id)
    )
    return snubs, last_back


def _one_way_snubs(
    session: Session, as_of: dt.datetime, ids: list[int] | None
) -> list[tuple[int, str, dt.datetime]]:
    """(person, reason, when) of each refused or ignored ask that nothing came back after."""
    snubs_stmt, last_back_stmt = _snubs_stmt(ids is not None)
    params = _one_way_dates(as_of, ids)
    snubs = run_read(session, snubs_stmt, params).all()
    if not snubs:  # most people: no need to read what came back
        return []
    if ids is not None:
        params["ids"] = sorted({pid for pid, *_ in snubs})
    last_back = {pid: as_datetime(last) for pid, last in run_read(session, last_back_stmt, params)}
    out = []
    for pid, occurred, outcome, text in snubs:
        if pid in last_back and last_back[pid] >= occurred:
            continue  # something came back since
        out.append((pid, snub_reason(outcome, text, occurred), occurred))
    return out


def thank_yous_due(
    session: Session, as_of: dt.datetime, person_ids: Sequence[int] | None = None
) -> list[Named]:
    """Thank-yous the daily session should propose now (see THANK_YOU_KINDS)."""
    ids = list(person_ids) if person_ids is not None else None
    recent = thanks_owed(
        session,
        as_of,
        ids,
        kinds=THANK_YOU_KINDS,
        grace_days=THANK_YOU_AFTER_DAYS,
        lookback_days=THANK_YOU_LOOKBACK_DAYS,
    )
    overdue = thanks_owed(session, as_of, ids)  # the red flags, whatever their age
    first: dict[int, tuple[str, int, str, dt.date]] = {}
    for item in sorted([*overdue, *recent], key=lambda x: x[3]):
        first.setdefault(item[1], item)  # one thank-you per person: the oldest debt
    return sorted(
        _name(session, list(first.values())), key=lambda f: (f.since or dt.date.min, f.person_id)
    )


@cache
def _thanks_owed_stmt(kinds: tuple[str, ...], some: bool) -> AnySelect:
    got, thanks = _OWED, _THANKS
    thanked = exists().where(
        thanks.person_id == got.person_id,
        thanks.direction == "gave",
        thanks.kind == "thanks",
        thanks.occurred_at >= got.occurred_at,
        thanks.occurred_at < _AS_OF,
    )
    stmt = (
        select(got.person_id, got.kind, got.occurred_at)
        .where(
            got.direction == "got",
            got.kind.in_(kinds),
            got.occurred_at >= _START,
            got.occurred_at <= _UPTO,
            ~thanked,
        )
        .order_by(got.occurred_at)
    )
    return stmt.where(got.person_id.in_(IDS)) if some else stmt


def thanks_owed(
    session: Session,
    as_of: dt.datetime,
    ids: list[int] | None,
    *,
    kinds: Sequence[str] = THANKS_FOR,
    grace_days: int = THANKS_GRACE_DAYS,
    lookback_days: int = THANKS_LOOKBACK_DAYS,
) -> list[tuple[str, int, str, dt.date]]:
    params: dict[str, Any] = {
        "as_of": as_of,
        "start": as_of - dt.timedelta(days=lookback_days),
        "upto": as_of - dt.timedelta(days=grace_days),
    }
    if ids is not None:
        params["ids"] = ids
    owed: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for pid, kind, occurred in run_read(
        session, _thanks_owed_stmt(tuple(kinds), ids is not None), params
    ):
        owed[pid].append((kind, occurred))
    return [
        ("thanks_owed", pid, thanks_reason(items), items[0][1].date())
        for pid, items in owed.items()
    ]


_REQUESTS_OPEN = (
    select(Request.person_id, Request.text, Request.created_at, Request.due)
    .where(Request.status == "open", Request.created_at < _AS_OF)
    .order_by(Request.created_at, Request.id)
)
_REQUESTS_OPEN_OF = _REQUESTS_OPEN.where(Request.person_id.in_(IDS))


def unanswered_requests(
    session: Session, as_of: dt.datetime, ids: list[int] | None
) -> list[tuple[str, int, str, dt.date]]:
    stmt = _REQUESTS_OPEN if ids is None else _REQUESTS_OPEN_OF
    params = {"as_of": as_of} if ids is None else {"as_of": as_of, "ids": ids}
    out = []
    for pid, text, created, due in run_read(session, stmt, params):
        reason = request_reason(text, created, due, as_of.date())
        out.append(("unanswered_request", pid, reason, created.date()))
    return out


def taker(session: Session, as_of: dt.datetime) -> list[Flag]:
    """Your own pattern over the last TAKER_WINDOW_DAYS: contact only when you need."""
    start = as_of - dt.timedelta(days=TAKER_WINDOW_DAYS)
    started, for_need = session.execute(
        select(
            func.count(),
            func.sum(case((Interaction.need_id.is_not(None), 1), else_=0)),
        ).where(
            Interaction.initiated_by == "me",
            Interaction.planned.is_(False),
            Interaction.occurred_at >= start,
            Interaction.occurred_at < as_of,
        )
    ).one()
    asks, gives = session.execute(
        select(
            func.sum(case((Exchange.direction == "asked", 1), else_=0)),
            func.sum(case((_gave(Exchange), 1), else_=0)),
        ).where(Exchange.occurred_at >= start, Exchange.occurred_at < as_of)
    ).one()
    started, for_need = int(started or 0), int(for_need or 0)
    asks, gives = int(asks or 0), int(gives or 0)
    reasons = []
    if started >= TAKER_MIN_STARTED and for_need > TAKER_NEED_SHARE * started:
        reasons.append(
            f"over the last {TAKER_WINDOW_DAYS} days {for_need} of the {started} contacts "
            "you started served a need of yours"
        )
    if asks >= TAKER_MIN_ASKS and asks > TAKER_ASK_RATIO * gives:
        reasons.append(
            f"over the last {TAKER_WINDOW_DAYS} days you asked {_times(asks)} "
            f"and gave {_times(gives) if gives else 'nothing'}"
        )
    if not reasons:
        return []
    text = "; ".join(reasons) + ": reach out with nothing to ask, and give first"
    return [Flag(kind="taker", reason=text, since=start.date())]
