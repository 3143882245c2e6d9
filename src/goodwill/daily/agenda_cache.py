"""Today's candidate actions kept between commands, and brought up to date for whoever
changed since (the `person_change` table, migration 0005).

Deriving the agenda reads the whole network (cadences of every person, the year's gives,
who could be introduced to whom): most of a second at 50,000 people. What it is made of
(`sources.Parts`) is kept in memory and in a file in the user's cache folder, one day per
database. The next command reads who changed since; if nobody did, the parts serve as they
are; else only the changed people's parts are recomputed:

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
from the patched parts each time, so the result is the same as computing afresh. The file
is JSON and numbers (no pickle): reading it runs no code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill import vocab
from goodwill.daily import sources
from goodwill.scoring import cadence
from goodwill.store import changes
from goodwill.store.db import address, cache_file
from goodwill.store.models import Interaction, Participant, Person

# Smaller networks are computed faster than a file is read and checked.
KEEP_MIN_PEOPLE = 2_000
FORMAT = 3
# Beyond this share of the network changed (an import), computing afresh is faster.
PATCH_SHARE = 0.2
_LOCK = threading.RLock()  # the web app's threads share what is kept


@dataclass
class Kept:
    database: str  # tells apart two databases at the same address
    mark: changes.Mark  # where the change log stood when the parts were read
    parts: sources.Parts


_MEMORY: dict[str, Kept] = {}
# The file is for the next process (a command after the web app): written when the parts
# first move, then at most every SAVE_EVERY seconds while they keep moving (the web app
# patches them after each write; writing cost a fifth of the patch). A file behind the
# data is still right: it carries its own change-log mark and is patched from there.
SAVE_EVERY = 30.0
_SAVED: dict[str, float] = {}  # when each database's file was last written (monotonic)
_UNSAVED: set[str] = set()  # databases whose kept parts moved since their file was written
# What an action is made of (not the sort key it computes from them).
_ACTION_FIELDS = tuple(f.name for f in fields(sources.Action) if f.init)


def candidates(session: Session, today: dt.date) -> list[sources.Action]:
    """`sources.candidates(session, today)` for everyone, from the kept parts when they
    are that day's and that database's, patched for the people who changed."""
    with _LOCK:
        key = address(session)
        kept, changed = _current(session, key, today)
        found_before = (len(kept.parts.peaks), len(kept.parts.matches))
        found = sources.assemble(session, kept.parts)
        changed |= (len(kept.parts.peaks), len(kept.parts.matches)) != found_before
        if len(kept.parts.board.ids) >= KEEP_MIN_PEOPLE:
            _MEMORY[key] = kept
            if changed:
                _UNSAVED.add(key)
            if key in _UNSAVED and time.monotonic() - _SAVED.get(key, -SAVE_EVERY) >= SAVE_EVERY:
                _save(_file(key), kept)
                _SAVED[key] = time.monotonic()
                _UNSAVED.discard(key)
        return found


def _current(session: Session, key: str, today: dt.date) -> tuple[Kept, bool]:
    """The kept parts brought up to date (or computed afresh), and whether they moved."""
    database = changes.database(session)
    now = changes.mark(session)  # before anything is read: later changes come again
    kept = _MEMORY.get(key) or _load(_file(key))
    if kept is None or kept.database != database or kept.mark.seq > now.seq:
        return Kept(database, now, sources.parts(session, today)), True
    if kept.mark == now and kept.parts.today == today:
        return kept, False
    news = changes.since(session, kept.mark)
    if kept.parts.today == today and not news.people:
        kept.mark = news.mark
        return kept, False
    if news.everyone or len(news.people) > len(kept.parts.board.ids) * PATCH_SHARE:
        return Kept(database, news.mark, sources.parts(session, today)), True
    who, identity = set(news.people), set(news.identity)
    parts = kept.parts
    if parts.today != today:
        if today < parts.today:
            return Kept(database, news.mark, sources.parts(session, today)), True
        parts, moved = _next_day(session, parts, today)
        who |= moved
    _patch(session, parts, who, identity)
    return Kept(database, news.mark, parts), True


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


def _file(key: str) -> Path:
    return cache_file("agenda", key)


# -- the file ------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    raise TypeError(f"cannot keep {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$t" in obj:
            return dt.datetime.fromisoformat(obj["$t"])
        if "$d" in obj:
            return dt.date.fromisoformat(obj["$d"])
    return obj


def _action(data: dict[str, Any]) -> sources.Action:
    data["order"] = tuple(data["order"])
    data["gave"] = tuple(data["gave"])
    data["asked"] = tuple(data["asked"])
    return sources.Action(**data)


def _save(path: Path, kept: Kept) -> None:
    p = kept.parts
    b = p.board
    meta = {
        "format": FORMAT,
        "database": kept.database,
        "seq": kept.mark.seq,
        "running": list(kept.mark.running),
        "today": p.today.isoformat(),
        "personal": [{f: getattr(a, f) for f in _ACTION_FIELDS} for a in p.personal],
        "peaks": [[pid, v] for pid, v in p.peaks.items()],
        "matches": [[pid, m] for pid, m in p.matches.items()],
    }
    codes = {c: i for i, c in enumerate(vocab.CIRCLES)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(
            tmp,
            meta=np.frombuffer(json.dumps(meta, default=_encode).encode(), dtype=np.uint8),
            pool=np.array(sorted(p.pool), dtype=np.int64),
            ids=b.ids,
            circle=np.array([codes[c] for c in b.circles], dtype=np.int8),
            ideal=b.ideal.astype(np.int32),
            most=b.most.astype(np.int32),
            since=b.since.astype(np.int32),
            seen=b.seen,
        )
        os.replace(tmp, path)
    except (OSError, KeyError, TypeError):
        pass  # a cache that cannot be written is only slower (KeyError: a new circle)


def _load(path: Path) -> Kept | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(data["meta"].tobytes(), object_hook=_decode)
            if meta.get("format") != FORMAT:
                return None
            today = dt.date.fromisoformat(meta["today"])
            ids = data["ids"].astype(np.int64)
            ideal = data["ideal"].astype(np.int64)
            most = data["most"].astype(np.int64)
            since = data["since"].astype(np.int64)
            seen = data["seen"].astype(bool)
            circles = [vocab.CIRCLES[c] for c in data["circle"].tolist()]
            pool = set(data["pool"].tolist())
        days = today.toordinal() - since
        board = cadence.Standing(
            today, ids, circles, ideal, most, since, seen, days,
            cadence.states_of(days, ideal, most, seen),
        )  # fmt: skip
        parts = sources.Parts(
            today=today,
            personal=[_action(a) for a in meta["personal"]],
            board=board,
            pool=pool,
            peaks={int(pid): float(v) for pid, v in meta["peaks"]},
            matches={int(pid): m for pid, m in meta["matches"]},
        )
        mark = changes.Mark(int(meta["seq"]), tuple(int(x) for x in meta["running"]))
        return Kept(str(meta["database"]), mark, parts)
    except (OSError, KeyError, ValueError, IndexError, TypeError, zipfile.BadZipFile):
        return None  # unreadable, truncated or of another shape: computed afresh


def forget() -> None:
    """Drop what this process keeps (a new process starts so: tests)."""
    with _LOCK:
        _MEMORY.clear()
        _SAVED.clear()
        _UNSAVED.clear()
