"""Circles and cadences: how often you want to be in touch, and who is due or overdue.

Every person belongs to a circle; each circle has an ideal and a maximum interval between
contacts. The defaults follow the layered structure of human networks (Dunbar's layers:
a handful of close ties seen every couple of weeks, more active ones monthly, a wider
network a few times a year, acquaintances about once a year). The user changes them per
circle (the `circle_setting` table) and per person (`Person.cadence_ideal_days/max_days`).

Any interaction resets the clock, not only calls. Someone past the ideal interval is
*due*; past the maximum, *overdue*. Someone never contacted counts from when they were
met or added. A *dormant* tie is one with no contact for `DORMANT_AFTER_DAYS` (default a
year; research on dormant ties uses three) whose strength once stood high.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill import validate, vocab
from goodwill.errors import InvalidInput
from goodwill.records import people
from goodwill.scoring import strength
from goodwill.store import policy
from goodwill.store.days import day_number, ordinals
from goodwill.store.db import raw_rows
from goodwill.store.models import CircleSetting, Person


@dataclass(frozen=True)
class Cadence:
    ideal_days: int
    max_days: int


# Defaults per circle, in days: (ideal, maximum). The one place these numbers live.
DEFAULTS: dict[str, Cadence] = {
    "close": Cadence(14, 30),
    "active": Cadence(30, 90),
    "network": Cadence(90, 180),
    "wider": Cadence(180, 365),
}

# No contact for this long makes a tie dormant (if it was ever strong).
DORMANT_AFTER_DAYS = 365
# A tie whose peak strength reached this is worth reviving. Strength is the chance of
# contact in the next 90 days (strength_model): 0.5 is "at its best, more likely than not
# to be in touch every quarter", a tie that was strong once. (0.35 on the old weighted
# average, which a single recent email could reach.)
DORMANT_MIN_PEAK = 0.5
# Past dates (years before today) at which peak strength is sampled.
PEAK_SAMPLE_YEARS: tuple[int, ...] = (1, 2, 3, 5)

OK, DUE, OVERDUE, DORMANT = "ok", "due", "overdue", "dormant"


class Status(NamedTuple):
    """Where one person stands against their cadence on a given day (a named tuple: the
    agenda builds one per person, 50,000 at a time)."""

    person_id: int
    circle: str
    ideal_days: int
    max_days: int
    last_contact: dt.date | None  # None: never in touch (counted from `since`)
    since: dt.date  # the day the clock started: last contact, else met or added
    days: int  # days since `since`
    state: str  # ok | due | overdue | dormant

    @property
    def due_on(self) -> dt.date:
        return self.since + dt.timedelta(days=self.ideal_days)

    @property
    def overdue_on(self) -> dt.date:
        return self.since + dt.timedelta(days=self.max_days)

    @property
    def lateness(self) -> float:
        """How far along the way to the maximum: 1.0 at the maximum, more beyond it."""
        return self.days / self.max_days


def _check_days(value: int, field: str) -> int:
    if value <= 0:
        raise InvalidInput(field, value, "must be a positive number of days")
    if value > 3650:
        raise InvalidInput(field, value, "must be at most 3650 days (ten years)")
    return value


def circles(session: Session) -> dict[str, Cadence]:
    """Each circle's cadence: the user's setting where there is one, else the default."""
    # In a team each member sets their own (`policy.member_key`): the rows named for them.
    mine = {policy.member_key(c): c for c in vocab.CIRCLES}
    saved = {
        mine[row.circle]: Cadence(row.ideal_days, row.max_days)
        for row in session.scalars(select(CircleSetting).where(CircleSetting.circle.in_(mine)))
    }
    return {c: saved.get(c, DEFAULTS[c]) for c in vocab.CIRCLES}


def customised(session: Session) -> set[str]:
    mine = {policy.member_key(c): c for c in vocab.CIRCLES}
    rows = session.scalars(select(CircleSetting.circle).where(CircleSetting.circle.in_(mine)))
    return {mine[c] for c in rows}


def set_circle(
    session: Session,
    circle: str,
    *,
    ideal_days: int | None = None,
    max_days: int | None = None,
    reset: bool = False,
) -> Cadence:
    """Change a circle's cadence (or `reset` it to the default). Checked before writing."""
    name = validate.choice(circle, vocab.CIRCLES, "circle")
    row = session.get(CircleSetting, policy.member_key(name))
    if reset:
        if row is not None:
            session.delete(row)
            session.flush()
        return DEFAULTS[name]
    if ideal_days is None and max_days is None:
        raise InvalidInput("cadence", "", "give --ideal and/or --max in days, or --reset")
    current = circles(session)[name]
    ideal = _check_days(ideal_days, "ideal") if ideal_days is not None else current.ideal_days
    most = _check_days(max_days, "max") if max_days is not None else current.max_days
    if most < ideal:
        raise InvalidInput(
            "max", most, f"the maximum must be at least the ideal interval ({ideal} days)"
        )
    if row is None:
        session.add(CircleSetting(circle=policy.member_key(name), ideal_days=ideal, max_days=most))
    else:
        row.ideal_days, row.max_days = ideal, most
    session.flush()
    return Cadence(ideal, most)


def set_person(
    session: Session, person: Person, *, ideal_days: int | None, max_days: int | None
) -> None:
    """Override one person's cadence (None for both returns them to their circle's)."""
    if ideal_days is not None:
        _check_days(ideal_days, "ideal")
    if max_days is not None:
        _check_days(max_days, "max")
    if max_days is not None and ideal_days is not None and max_days < ideal_days:
        raise InvalidInput(
            "max", max_days, f"the maximum must be at least the ideal interval ({ideal_days} days)"
        )
    person.cadence_ideal_days, person.cadence_max_days = ideal_days, max_days
    session.flush()


def resolve(circle: Cadence, ideal_days: int | None, max_days: int | None) -> Cadence:
    """A person's effective cadence from their circle's and their own overrides.

    An override of the ideal alone keeps the circle's maximum unless the ideal exceeds it;
    an override of the maximum alone pulls the ideal down to it if needed.
    """
    ideal = ideal_days or circle.ideal_days
    most = max_days or max(circle.max_days, ideal)
    return Cadence(min(ideal, most), most)


def _start(met_on: dt.date | None, created: dt.datetime | None, today: dt.date) -> dt.date:
    """When the clock starts for someone never contacted: met, or added, whichever is later."""
    days = [d for d in (met_on, created.date() if created else None) if d is not None]
    return min(max(days), today) if days else today


def states_of(
    days: np.ndarray, ideal: np.ndarray, most: np.ndarray, ever: np.ndarray
) -> np.ndarray:
    """Per person: ok, due (past the ideal), overdue (past the maximum), or dormant (long
    past both, for someone you were once in touch with)."""
    state = np.where(days >= ideal, DUE, OK).astype(object)
    state[days > most] = OVERDUE
    state[ever & (days >= DORMANT_AFTER_DAYS) & (days > most)] = DORMANT
    return state


@dataclass(frozen=True)
class Standing:
    """Everyone's cadence on one day as arrays (by person id, ascending): what the whole
    network's figures read without building an object per person."""

    today: dt.date
    ids: np.ndarray
    circles: list[str]
    ideal: np.ndarray
    most: np.ndarray
    since: np.ndarray  # ordinal day the clock started
    seen: np.ndarray  # whether that is a contact (else met or added)
    days: np.ndarray
    state: np.ndarray

    def statuses(self, states: Collection[str] | None = None) -> list[Status]:
        """Status objects for everyone, or only those in `states`."""
        keep = (
            np.isin(self.state, list(states))
            if states is not None
            else np.ones(len(self.ids), bool)
        )
        return self.at(np.flatnonzero(keep))

    def at(self, positions: np.ndarray) -> list[Status]:
        """Status objects of the people at these positions of the board, in that order."""
        keep = np.asarray(positions, dtype=np.int64)
        dates = {o: dt.date.fromordinal(o) for o in set(self.since[keep].tolist())}
        out = []
        for i, pid, ideal, most, o, ok, d, st in zip(
            keep.tolist(),
            self.ids[keep].tolist(),
            self.ideal[keep].tolist(),
            self.most[keep].tolist(),
            self.since[keep].tolist(),
            self.seen[keep].tolist(),
            self.days[keep].tolist(),
            self.state[keep].tolist(),
            strict=True,
        ):
            last = dates[o] if ok else None
            out.append(Status(pid, self.circles[i], ideal, most, last, dates[o], d, st))
        return out

    def replaced(self, person_ids: Collection[int], fresh: Standing) -> Standing:
        """This board with `person_ids` taken out and `fresh` (theirs, recomputed) put in."""
        out = ~np.isin(self.ids, np.asarray(list(person_ids), dtype=np.int64))
        ids = np.concatenate([self.ids[out], fresh.ids])
        order = np.argsort(ids, kind="stable")
        kept = np.flatnonzero(out).tolist()
        circles = [self.circles[i] for i in kept] + fresh.circles

        def merge(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
            return np.concatenate([mine[out], theirs])[order]

        return Standing(
            self.today,
            ids[order],
            [circles[i] for i in order.tolist()],
            merge(self.ideal, fresh.ideal),
            merge(self.most, fresh.most),
            merge(self.since, fresh.since),
            merge(self.seen, fresh.seen),
            merge(self.days, fresh.days),
            merge(self.state, fresh.state),
        )

    def of(self, person_ids: Sequence[int]) -> dict[int, tuple[int, str, str]]:
        """(days since the clock started, state, circle) of each of `person_ids` here."""
        want = np.asarray(sorted(set(person_ids)), dtype=np.int64)
        if not len(want) or not len(self.ids):
            return {}
        pos = np.minimum(np.searchsorted(self.ids, want), len(self.ids) - 1)
        hit = self.ids[pos] == want
        at = pos[hit]
        circles = [self.circles[i] for i in at.tolist()]
        facts = zip(self.days[at].tolist(), self.state[at].tolist(), circles, strict=True)
        return dict(zip(want[hit].tolist(), facts, strict=True))


def standing(session: Session, today: dt.date, person_ids: Sequence[int] | None = None) -> Standing:
    """Active people's cadence on `today` (everyone, or `person_ids`): a fixed number of
    queries, the arithmetic on arrays."""
    settings = circles(session)
    stmt = select(
        Person.id, Person.circle, Person.cadence_ideal_days, Person.cadence_max_days
    ).where(people.ACTIVE, Person.is_me.is_(False))
    if person_ids is not None:
        stmt = stmt.where(Person.id.in_(person_ids))
    rows = raw_rows(session, stmt.order_by(Person.id))
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    resolved: dict[tuple[str, int | None, int | None], Cadence] = {}
    cads = [
        resolved.get(key)
        or resolved.setdefault(
            key, resolve(settings.get(key[0], DEFAULTS["network"]), key[1], key[2])
        )
        for key in ((r[1], r[2], r[3]) for r in rows)
    ]
    ideal = np.array([c.ideal_days for c in cads], dtype=np.int64)
    most = np.array([c.max_days for c in cads], dtype=np.int64)
    if rows:
        since, seen = _clock_starts(session, today, ids, person_ids)
    else:
        since, seen = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    days = today.toordinal() - since
    state = states_of(days, ideal, most, seen)
    return Standing(today, ids, [r[1] for r in rows], ideal, most, since, seen, days, state)


def statuses(
    session: Session,
    today: dt.date,
    person_ids: Sequence[int] | None = None,
    *,
    states: Collection[str] | None = None,
) -> list[Status]:
    """Active people's cadence status on `today`, by id (everyone, or only those in
    `states`). A Status is built only for the people returned (at 50,000 people the
    objects are the cost)."""
    return standing(session, today, person_ids).statuses(states)


def _clock_starts(
    session: Session, today: dt.date, ids: np.ndarray, person_ids: Sequence[int] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per id (sorted): the day (ordinal) the clock started, and whether it is a contact.

    Last contacts up to the end of `today` come from the contact summary; people with
    history after that day, and people never in touch (clock from when they were met or
    added), are looked up one query each."""
    end = dt.datetime.combine(today, dt.time.max)
    since = np.zeros(len(ids), dtype=np.int64)
    seen = np.zeros(len(ids), dtype=bool)

    summary = strength.summary(session, day_number(end), person_ids, inclusive=True)
    if summary is not None:
        pos = np.searchsorted(ids, summary.ids)
        ok = (pos < len(ids)) & (ids[np.minimum(pos, len(ids) - 1)] == summary.ids)
        since[pos[ok]] = ordinals(summary.data[ok, 0])
        seen[pos[ok]] = True
        later = summary.stale
    else:
        later = ids.tolist()
    if later:
        last = strength.last_contacts(session, later, as_of=end)
        for pid, when in last.items():
            at = int(np.searchsorted(ids, pid))
            if at < len(ids) and ids[at] == pid:
                since[at], seen[at] = when.toordinal(), True
    unseen = ids[~seen].tolist()
    starts = _never_contacted_starts(session, today, unseen)
    since[~seen] = [starts[pid].toordinal() for pid in unseen]
    return since, seen


_CHUNK = 5000


def _never_contacted_starts(
    session: Session, today: dt.date, ids: Sequence[int]
) -> dict[int, dt.date]:
    """When the clock started for people never contacted (only they need the dates)."""
    out: dict[int, dt.date] = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), _CHUNK):
        rows = session.execute(
            select(Person.id, Person.met_on, Person.created_at).where(
                Person.id.in_(ordered[i : i + _CHUNK])
            )
        )
        for pid, met_on, created in rows:
            out[pid] = _start(met_on, created, today)
    return out


def counts(session: Session, today: dt.date) -> dict[str, dict[str, int]]:
    """Per circle: how many people, due and overdue (for `circle list`)."""
    out = {c: {"people": 0, DUE: 0, OVERDUE: 0, DORMANT: 0} for c in vocab.CIRCLES}
    for st in statuses(session, today):
        row = out.setdefault(st.circle, {"people": 0, DUE: 0, OVERDUE: 0, DORMANT: 0})
        row["people"] += 1
        if st.state != OK:
            row[st.state] += 1
    return out


def peak_dates(today: dt.date) -> list[dt.datetime]:
    """When peak strength is sampled: the end of the quarter before the day one, two,
    three and five years back (the same dates all through a quarter, so that a day's peak
    strengths still hold the next day)."""
    out = []
    for years in PEAK_SAMPLE_YEARS:
        back = today - dt.timedelta(days=365 * years)
        quarter = dt.date(back.year, 3 * ((back.month - 1) // 3) + 1, 1)
        out.append(dt.datetime.combine(quarter - dt.timedelta(days=1), dt.time.max))
    return out


def peak_strength(session: Session, today: dt.date, person_ids: Sequence[int]) -> dict[int, float]:
    """Each person's highest tie strength at the `peak_dates` (the ledger's scores)."""
    if not person_ids:
        return {}
    best: dict[int, float] = {}
    for when in peak_dates(today):
        for pid, score in strength.scores(session, when, person_ids=list(person_ids)).items():
            if score > best.get(pid, 0.0):
                best[pid] = score
    return best


def people_count(session: Session) -> int:
    return int(session.scalar(select(func.count(Person.id)).where(people.ACTIVE)) or 0)
