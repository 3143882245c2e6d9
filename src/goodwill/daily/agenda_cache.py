"""Today's candidate actions kept between commands, and brought up to date for whoever
changed since (`goodwill.store.kept`, driven by the change log).

Deriving the agenda reads the whole network (cadences of every person, the year's gives,
who could be introduced to whom): most of a second at 50,000 people. What it is made of
(`sources.Parts`) is kept in memory and in a file in the cache folder (`store/kept.py`,
`store/cachefile.py`), one day per database. The next command reads who changed since; if
nobody did, the parts serve as they are; else only the changed people's parts are
recomputed (`_patched`):

- their personal actions (thanks, answers, promises, small asks) and their cadence;
- the peak strengths and give-first matches found for them;
- when who they are changed (person row, roles, tags), their give-first pool entry, the
  actions of people they referred (which name them), and every match if they are among
  the people you would introduce (a match names its introducer);
- on a later day, everyone's personal actions are computed again (they count days), the
  cadence board moves on by arithmetic (except for people with history dated in between),
  and the give-first matches and (within a quarter) the peak strengths stay;
- a change that concerns everyone (cadences of a circle, settings, needs, organisations),
  an earlier day, or another database computes everything again.

The network-wide choices (which dormant ties, which give-first actions) are made again
from the patched parts each time, so the result is the same as computing afresh.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Hashable
from dataclasses import fields
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill import vocab
from goodwill.daily import sources
from goodwill.scoring import cadence
from goodwill.store import changes, kept
from goodwill.store.models import Interaction, Participant, Person

# Smaller networks are computed faster than a file is read and checked.
KEEP_MIN_PEOPLE = 2_000
# Beyond this share of the network changed (an import), computing afresh is faster.
PATCH_SHARE = 0.2
_ASSEMBLE = threading.Lock()  # assembling fills the kept parts in place
# What an action is made of (not the sort key it computes from them).
_ACTION_FIELDS = tuple(f.name for f in fields(sources.Action) if f.init)


def candidates(session: Session, today: dt.date) -> list[sources.Action]:
    """`sources.candidates(session, today)` for everyone, from the kept parts when they
    are that day's and that database's, patched for the people who changed."""

    def patch(parts: sources.Parts, day: Hashable, news: changes.Changes) -> sources.Parts | None:
        return _patched(session, parts, today, news)

    parts = kept.whole(
        session,
        "agenda",
        today,
        lambda: sources.parts(session, today),
        kinds=changes.FIGURES,
        patch=patch,
        stored=STORED,
    )
    with _ASSEMBLE:
        found_before = (len(parts.peaks), len(parts.matches))
        found = sources.assemble(session, parts)
        if (len(parts.peaks), len(parts.matches)) != found_before:
            kept.moved(session, "agenda", STORED)
    return found


def _patched(
    session: Session, parts: sources.Parts, today: dt.date, news: changes.Changes
) -> sources.Parts | None:
    """The kept parts brought to `today` and patched for who changed; None: afresh."""
    if news.everyone or len(news.people) > len(parts.board.ids) * PATCH_SHARE:
        return None
    who, identity = set(news.people), set(news.identity)
    if parts.today != today:
        if today < parts.today:
            return None
        parts, moved = _next_day(session, parts, today)
        who |= moved
    _patch(session, parts, who, identity)
    return parts


def _next_day(
    session: Session, old: sources.Parts, today: dt.date
) -> tuple[sources.Parts, set[int]]:
    """A later day's parts from an earlier day's: everyone's personal actions afresh (they
    count days); the cadence board moved on, except for the people whose clock it cannot
    move by arithmetic (returned, to be recomputed): history dated between the two days,
    or a clock held at the old day (met or added after it). The give-first pool and
    matches do not depend on the day, the peak strengths not within a quarter."""
    b = old.board
    days = today.toordinal() - b.since
    board = cadence.Standing(
        today, b.ids, b.circles, b.ideal, b.most, b.since, b.seen, days,
        cadence.states_of(days, b.ideal, b.most, b.seen),
    )  # fmt: skip
    held = set(b.ids[~b.seen & (b.since >= old.today.toordinal())].tolist())
    moved = set(
        session.scalars(
            select(Participant.person_id)
            .join(Interaction, Interaction.id == Participant.interaction_id)
            .where(
                Interaction.occurred_at > dt.datetime.combine(old.today, dt.time.max),
                Interaction.occurred_at <= dt.datetime.combine(today, dt.time.max),
            )
            .distinct()
        )
    )
    ctx = sources.scope(session, today, None)
    same = cadence.peak_dates(today) == cadence.peak_dates(old.today)
    peaks = old.peaks if same else {}
    parts = sources.Parts(
        today, sources.personal_actions(ctx), board, set(old.pool), peaks, old.matches
    )
    return parts, held | moved


def _patch(session: Session, parts: sources.Parts, who: set[int], identity: set[int]) -> None:
    """Recompute the parts of the people in `who` (see the module's docstring); `identity`:
    those of them whose person row, roles or tags changed."""
    if identity:  # a referral's follow-up names whoever referred them
        who |= set(session.scalars(select(Person.id).where(Person.met_through_id.in_(identity))))
    if not who:
        return
    ids = sorted(who)
    was = _circles(parts.board, identity)
    ctx = sources.scope(session, parts.today, ids)
    parts.personal = [a for a in parts.personal if a.person_id not in who]
    parts.personal += sources.personal_actions(ctx)
    parts.board = parts.board.replaced(ids, cadence.standing(session, parts.today, ids))
    for pid in who:
        parts.peaks.pop(pid, None)
        parts.in_touch.pop(pid, None)
    if not identity:
        return
    parts.pool -= identity
    parts.pool |= sources.pool(sources.scope(session, parts.today, sorted(identity)))
    for pid in identity:
        parts.matches.pop(pid, None)
    now = _circles(parts.board, identity)
    introducers = set(sources.INTRODUCER_CIRCLES)
    if (set(was.values()) | set(now.values())) & introducers:
        parts.matches.clear()  # whom you would introduce changed


def _circles(board: cadence.Standing, person_ids: set[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    want = np.asarray(sorted(person_ids), dtype=np.int64)
    pos = np.searchsorted(board.ids, want)
    return {
        int(board.ids[p]): board.circles[p]
        for p in pos.tolist()
        if p < len(board.ids) and int(board.ids[p]) in person_ids
    }


# -- the file ------------------------------------------------------------------------------


def _action(data: dict[str, Any]) -> sources.Action:
    data["order"] = tuple(data["order"])
    data["gave"] = tuple(data["gave"])
    data["asked"] = tuple(data["asked"])
    return sources.Action(**data)


def _encode(p: sources.Parts) -> tuple[dict[str, Any], kept.Arrays] | None:
    b = p.board
    if len(b.ids) < KEEP_MIN_PEOPLE:
        return None
    codes = {c: i for i, c in enumerate(vocab.CIRCLES)}
    if any(c not in codes for c in b.circles):
        return None  # a circle this version does not know
    meta = {
        "today": p.today,
        "personal": [{f: getattr(a, f) for f in _ACTION_FIELDS} for a in p.personal],
        "peaks": [[pid, v] for pid, v in p.peaks.items()],
        "matches": [[pid, m] for pid, m in p.matches.items()],
    }
    arrays = {
        "pool": np.array(sorted(p.pool), dtype=np.int64),
        "ids": b.ids,
        "circle": np.array([codes[c] for c in b.circles], dtype=np.int8),
        "ideal": b.ideal.astype(np.int32),
        "most": b.most.astype(np.int32),
        "since": b.since.astype(np.int32),
        "seen": b.seen,
    }
    return meta, arrays


def _decode(meta: dict[str, Any], data: kept.Arrays) -> sources.Parts:
    today = meta["today"]
    if not isinstance(today, dt.date):
        raise TypeError("no day")
    ids = data["ids"].astype(np.int64)
    ideal = data["ideal"].astype(np.int64)
    most = data["most"].astype(np.int64)
    since = data["since"].astype(np.int64)
    seen = data["seen"].astype(bool)
    circles = [vocab.CIRCLES[c] for c in data["circle"].tolist()]
    days = today.toordinal() - since
    board = cadence.Standing(
        today, ids, circles, ideal, most, since, seen, days,
        cadence.states_of(days, ideal, most, seen),
    )  # fmt: skip
    return sources.Parts(
        today=today,
        personal=[_action(a) for a in meta["personal"]],
        board=board,
        pool=set(data["pool"].tolist()),
        peaks={int(pid): float(v) for pid, v in meta["peaks"]},
        matches={int(pid): m for pid, m in meta["matches"]},
    )


STORED = kept.Stored("agenda", _encode, _decode)
