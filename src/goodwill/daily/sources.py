"""Where the daily session's actions come from: one source per kind of action.

The sources and their order are described in `goodwill.daily.agenda`; `parts` computes
what can be kept between writes (`agenda_cache`), `assemble` turns parts into actions.
"""


from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, aliased

from goodwill import vocab
from goodwill.career import profile
from goodwill.daily import actions, drafts
from goodwill.records import people, requests
from goodwill.scoring import cadence, flags
from goodwill.store import days
from goodwill.store.db import raw_rows
from goodwill.store.models import (
    Exchange,
    Interaction,
    Need,
    Participant,
    Person,
    PersonTag,
    Role,
    Tag,
)

# Dormant ties whose peak strength is computed (closest circles, most recently lapsed).
DORMANT_SHORTLIST = 300
# People tried, in order, when looking for a give-first match; matches kept.
GIVE_ATTEMPTS = 40
GIVE_KEEP = 3
# Whom you would introduce: people you know well enough to ask.
INTRODUCER_CIRCLES: tuple[str, ...] = ("close", "active", "network")

# Words that say nothing about whom to introduce (ignored when matching).
_GENERIC = frozenset(
    re.split(
        r"\s+",
        """a an the for to on of in at with and or their his her my your our new good great
        someone somebody people person introductions introduction intro intros advice
        feedback help looking find finding get some any more about into from role roles job
        jobs users user moving move hire hiring app apps work working""",
    )
)
_WORD = re.compile(r"[a-z][a-z0-9+#]*")


@dataclass
class Action:
    """One derived action before drafting."""

    id: str
    kind: str
    person_id: int
    reason: str
    template: str
    order: tuple[Any, ...]  # sort key within the kind
    context: dict[str, Any] = field(default_factory=dict)
    due: dt.date | None = None
    channel: str | None = None  # None: from how you usually talk
    minutes: int = 0
    # What `done` records.
    gave: tuple[str, ...] = ()
    asked: tuple[str, ...] = ()
    request_id: int | None = None
    summary: str = ""

    # Computed once: a kept action (agenda.Parts.in_touch) is sorted again at every build.
    _key: tuple[Any, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def sort_key(self) -> tuple[Any, ...]:
        if self._key is None:
            self._key = (actions.KINDS.index(self.kind), *self.order, self.person_id, self.id)
        return self._key


@dataclass
class _Ctx:
    session: Session
    today: dt.date
    person_ids: Sequence[int] | None  # None: everyone
    matches: dict[str, dict[int, str]] = field(default_factory=dict)  # word -> people
    introducers: dict[str, list[tuple[int, str, str]]] | None = None  # text -> people
    _offers: list[str] | None = None

    @property
    def offers(self) -> list[str]:
        """What you can offer others (read once, when a give-first match needs it)."""
        if self._offers is None:
            self._offers = _offers(self.session)
        return self._offers

    @property
    def end_of_day(self) -> dt.datetime:
        return dt.datetime.combine(self.today, dt.time.max)


def scope(session: Session, today: dt.date, person_ids: Sequence[int] | None) -> _Ctx:
    """What the sources read on `today`, for `person_ids` (None: everyone)."""
    return _Ctx(session, today, person_ids)


def _scope(stmt: Any, column: Any, ctx: _Ctx) -> Any:
    return stmt.where(column.in_(ctx.person_ids)) if ctx.person_ids is not None else stmt


def _active_ids(ctx: _Ctx, ids: Sequence[int]) -> set[int]:
    if not ids:
        return set()
    stmt = select(Person.id).where(
        Person.id.in_(sorted(set(ids))), people.ACTIVE, Person.is_me.is_(False)
    )
    return set(ctx.session.scalars(stmt))


# -- the sources ------------------------------------------------------------------------


def _thank_yous(ctx: _Ctx) -> list[Action]:
    out = []
    for f in flags.thank_yous_due(ctx.session, ctx.end_of_day, ctx.person_ids):
        if f.person_id is None:  # thanks are owed to someone; only the taker flag has none
            continue
        since = f.since or ctx.today
        out.append(
            Action(
                id=actions.make_id("thank_you", f.person_id, f"d{since:%Y%m%d}"),
                kind="thank_you",
                person_id=f.person_id,
                reason=f.reason,
                template="thank_you.j2",
                order=(since,),
                context={"help_when": drafts.when_words(since, ctx.today)},
                gave=("thanks",),
                summary="Said thank you",
            )
        )
    return out


def _requests(ctx: _Ctx) -> list[Action]:
    out = []
    for r in requests.open_requests(ctx.session, ctx.end_of_day, ctx.person_ids):
        asked = drafts.when_words(r.asked_on, ctx.today)
        reason = f"{r.person} asked {asked}: {r.text}"
        if r.due is not None:
            reason += f" (due {r.due.isoformat()}{', late' if r.overdue else ''})"
        out.append(
            Action(
                id=actions.make_id("request", r.person_id, f"r{r.id}"),
                kind="request",
                person_id=r.person_id,
                reason=reason,
                template="request.j2",
                order=(r.due or dt.date.max, r.asked_on, r.id),
                context={"request": drafts.lower_first(r.text), "asked_when": asked},
                due=r.due,
                request_id=r.id,
                summary=f"Answered: {r.text}",
            )
        )
    return out


# Aliases made once: SQLAlchemy adapts an alias's columns on first use and keeps them,
# work that a new alias per daily session (thousands of times a day) repeated each time.
_MINE = aliased(Participant)
_REFERRER = aliased(Person)


def _follow_ups(ctx: _Ctx) -> list[Action]:
    """Promises due by today that no later interaction of yours has kept."""
    # A later contact you started keeps it (read from the participant copies, one seek).
    mine = _MINE
    kept = exists(
        select(mine.interaction_id).where(
            mine.person_id == Participant.person_id,
            mine.day > days.day_expr(ctx.session, Interaction.occurred_at),
            mine.day <= days.day_number(ctx.end_of_day),
            mine.initiated_by == "me",
            mine.planned.is_(False),
        )
    )
    stmt = _scope(
        select(
            Interaction.id,
            Participant.person_id,
            Interaction.occurred_at,
            Interaction.kind,
            Interaction.follow_up_on,
            Interaction.follow_up_note,
        )
        .join(Participant, Participant.interaction_id == Interaction.id)
        .where(
            Interaction.follow_up_on.is_not(None),
            Interaction.follow_up_on <= ctx.today,
            ~kept,
        ),
        Participant.person_id,
        ctx,
    )
    # Few promises: start from them (a join to person would start from everyone).
    rows = ctx.session.execute(stmt).all()
    alive = _active_ids(ctx, [r[1] for r in rows])
    out = []
    for iid, pid, at, kind, due, note in rows:
        if pid not in alive:
            continue
        promised = drafts.when_words(at.date(), ctx.today)
        what = note or "follow up"
        out.append(
            Action(
                id=actions.make_id("follow_up", pid, f"i{iid}"),
                kind="follow_up",
                person_id=pid,
                reason=f"you promised {promised} to {what} (due {due.isoformat()})",
                template="follow_up.j2",
                order=(due, at),
                context={
                    "promise": note,
                    "promised_when": promised,
                    "promised_noun": drafts.INTERACTION_WORDS.get(kind, "conversation"),
                },
                due=due,
                summary=f"Followed up: {what}",
            )
        )
    out.extend(_referrals(ctx))
    return out


def _referrals(ctx: _Ctx) -> list[Action]:
    """People a friend referred you to, added but never contacted: reach out."""
    referrer = _REFERRER
    contacted = exists(select(Participant.interaction_id).where(Participant.person_id == Person.id))
    stmt = _scope(
        select(
            Person.id, Person.created_at, referrer.id, referrer.display_name, referrer.given_name
        )
        .join(referrer, referrer.id == Person.met_through_id)
        .where(
            people.ACTIVE,
            Person.is_me.is_(False),
            Person.created_at <= ctx.end_of_day,
            ~contacted,
        ),
        Person.id,
        ctx,
    )
    out = []
    for pid, created, rid, rname, rgiven in ctx.session.execute(stmt):
        out.append(
            Action(
                id=actions.make_id("follow_up", pid, f"via{rid}"),
                kind="follow_up",
                person_id=pid,
                reason=f"referred by {rname}; you have not reached out yet",
                template="follow_up_referral.j2",
                order=(created.date(), created),
                context={"referred_by": rname, "referred_by_first": rgiven or rname.split()[0]},
                channel="email",
                summary=f"Reached out (referred by {rname})",
            )
        )
    return out


def _cadence_actions(board: cadence.Standing, kept: dict[int, Action]) -> list[Action]:
    """A keep-in-touch action for each person due or overdue, in board order; `kept`
    holds those already built (valid while the person's row of the board is), and the
    new ones are added to it."""
    due = np.flatnonzero(np.isin(board.state, (cadence.DUE, cadence.OVERDUE)))
    ids = board.ids[due].tolist()
    missing = [i for i, pid in zip(due.tolist(), ids, strict=True) if pid not in kept]
    for st in board.at(np.asarray(missing, dtype=np.int64)):
        kept[st.person_id] = _keep_in_touch(st)
    return [kept[pid] for pid in ids]


def _keep_in_touch(st: cadence.Status) -> Action:
    circles = vocab.CIRCLES
    if st.last_contact is None:
        reason = f"{st.circle} circle: not in touch since you added them {st.days} days ago"
    else:
        reason = f"{st.circle} circle: last contact {st.days} days ago"
    reason += f" (every {st.ideal_days} days ideally, {st.max_days} at most)"
    if st.state == cadence.OVERDUE:
        reason = "overdue: " + reason
    return Action(
        id=actions.make_id("keep_in_touch", st.person_id, f"d{st.since:%Y%m%d}"),
        kind="keep_in_touch",
        person_id=st.person_id,
        reason=reason,
        template="keep_in_touch.j2",
        order=(
            0 if st.state == cadence.OVERDUE else 1,
            circles.index(st.circle) if st.circle in circles else len(circles),
            -round(st.lateness, 6),
        ),
        due=st.due_on,
        summary="Checked in",
    )


def _reconnects(ctx: _Ctx, board: cadence.Standing, peaks: dict[int, float]) -> list[Action]:
    """The strongest dormant ties, among the closest circles and most recently lapsed.
    `peaks` holds the peak strengths already known; the missing ones are added to it."""
    order = {c: i for i, c in enumerate(vocab.CIRCLES)}
    at = np.flatnonzero(board.state == cadence.DORMANT)
    circle = np.array([order.get(board.circles[i], 9) for i in at.tolist()], dtype=np.int64)
    # By circle, then days, then id (the board is in id order: a stable sort keeps it).
    first = at[np.lexsort((board.days[at], circle))][:DORMANT_SHORTLIST]
    dormant = {st.person_id: st for st in board.at(first)}
    missing = sorted(pid for pid in dormant if pid not in peaks)
    found = cadence.peak_strength(ctx.session, ctx.today, missing)
    peaks.update({pid: found.get(pid, 0.0) for pid in missing})
    out = []
    for pid, st in dormant.items():
        peak = peaks[pid]
        if peak < cadence.DORMANT_MIN_PEAK:
            continue
        years = st.days / 365
        gap = f"{years:.1f} years" if years >= 1.5 else f"{st.days} days"
        out.append(
            Action(
                id=actions.make_id("reconnect", pid, f"d{st.since:%Y%m%d}"),
                kind="reconnect",
                person_id=pid,
                reason=(
                    f"dormant tie: strong once (at its best, {peak:.0%} likely to be in touch"
                    f" each quarter), no contact for {gap}"
                ),
                template="reconnect.j2",
                order=(-round(peak, 6), -st.days),
                channel="email",
                summary="Reconnected",
            )
        )
    return out


def _keywords(text: str) -> list[str]:
    words = []
    for w in _WORD.findall(text.lower().replace("-", " ")):
        if len(w) < 3 or w in _GENERIC:
            continue
        stem = w[:-1] if w.endswith("s") and not w.endswith("ss") and len(w) > 3 else w
        if stem not in words:
            words.append(stem)
    return words


def _offers(session: Session) -> list[str]:
    """What you can offer others, from your profile (`goodwill me --offer`)."""
    return [o.strip() for o in profile.get(session).offers if o.strip()]


def _offer_for(offers: Sequence[str], need: str) -> str | None:
    """The first of your offers that shares a keyword with what they need."""
    wanted = set(_keywords(need))
    return next((o for o in offers if set(_keywords(o)) & wanted), None)


def _article(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _introducers(ctx: _Ctx) -> dict[str, list[tuple[int, str, str]]]:
    """Who you could introduce, by the text of their title, industry, place and tags:
    people in INTRODUCER_CIRCLES (whom you know well enough to ask), loaded once. Those
    texts repeat a lot, so they are the keys: text -> [(person, field, text as typed)]."""
    if ctx.introducers is not None:
        return ctx.introducers
    s = ctx.session
    index: dict[str, list[tuple[int, str, str]]] = {}

    def add(pid: int, what: str, text: str | None) -> None:
        if text:
            index.setdefault(text.lower(), []).append((pid, what, text))

    # Plain rows (tens of thousands at scale; texts and ids need no conversion).
    for pid, title, industry, place in raw_rows(
        s,
        select(Person.id, Role.title, Person.industry, Person.location)
        .outerjoin(Role, (Role.person_id == Person.id) & Role.is_current.is_(True))
        .where(Person.circle.in_(INTRODUCER_CIRCLES), people.ACTIVE, Person.is_me.is_(False))
        .order_by(Person.id, Role.id),
    ):
        add(pid, "title", title)
        add(pid, "industry", industry)
        add(pid, "place", place)
    for pid, tag in raw_rows(
        s,
        select(PersonTag.person_id, Tag.name)
        .join(Tag, Tag.id == PersonTag.tag_id)
        .join(Person, Person.id == PersonTag.person_id)
        .where(Person.circle.in_(INTRODUCER_CIRCLES), people.ACTIVE, Person.is_me.is_(False))
        .order_by(PersonTag.person_id, Tag.name),
    ):
        add(pid, "tag", tag)
    ctx.introducers = index
    return index


def _why(what: str, text: str) -> str:
    if what == "title":
        return f"works as {text}"
    if what == "industry":
        return f"works in {text}"
    if what == "place":
        return f"is based in {text}"
    return f"is {_article(text.replace('-', ' '))}"


def _matches(ctx: _Ctx, word: str) -> dict[int, str]:
    """People whose title, industry, place or tags contain `word`, with why (cached)."""
    if word in ctx.matches:
        return ctx.matches[word]
    found: dict[int, str] = {}
    index = _introducers(ctx)
    for key in sorted(k for k in index if word in k):
        for pid, what, text in index[key]:
            if pid not in found:
                found[pid] = _why(what, text)
    ctx.matches[word] = found
    return found


def _introduce(ctx: _Ctx, pid: int, text: str) -> dict[str, Any] | None:
    """Someone else you know whose title, tags, industry or place match `text`."""
    words = _keywords(text)
    if not words:
        return None
    scores: dict[int, list[str]] = {}
    for word in words:
        for qid, why in _matches(ctx, word).items():
            if qid != pid:
                scores.setdefault(qid, []).append(why)
    # With several words, want two matched, so "climate investors" finds both.
    needed = min(2, len(words))
    good = [q for q in scores if len(scores[q]) >= needed]
    if not good:
        return None
    circle = dict(
        ctx.session.execute(select(Person.id, Person.circle).where(Person.id.in_(good))).all()
    )
    best = min(
        good,
        key=lambda q: (
            -len(scores[q]),
            vocab.CIRCLES.index(circle[q]) if circle.get(q) in vocab.CIRCLES else 9,
            q,
        ),
    )
    other = ctx.session.get(Person, best)
    assert other is not None
    role = people.current_role(other)
    return {
        "type": "intro",
        "other_id": best,
        "other": other.display_name,
        "other_first": other.nickname or other.given_name or other.display_name.split()[0],
        "other_title": role.title if role else None,
        "other_org": role.organization.name if role else None,
        "why": " and ".join(dict.fromkeys(scores[best])),
    }


def pool(ctx: _Ctx) -> set[int]:
    """People with something to give them for: what they look for or work on."""
    stmt = _scope(
        select(Person.id).where(
            people.ACTIVE,
            Person.is_me.is_(False),
            or_(Person.looking_for.is_not(None), Person.working_on.is_not(None)),
        ),
        Person.id,
        ctx,
    )
    return {r[0] for r in raw_rows(ctx.session, stmt)}


def _gives(
    ctx: _Ctx,
    board: cadence.Standing,
    skip: set[int],
    pool: set[int],
    kept: dict[int, dict[str, Any] | None],
) -> list[Action]:
    """Give-first actions for the closest people of `pool`; `kept` holds the matches
    already found (None: no match), and the new ones are added to it."""
    circles = {c: i for i, c in enumerate(vocab.CIRCLES)}
    state = board.of(list(pool))  # pid -> (days, state, circle)

    def closeness(pid: int) -> tuple[Any, ...]:
        days, _, circle = state[pid]
        return (circles.get(circle, 9), days, pid)

    out: list[Action] = []
    limit = GIVE_ATTEMPTS if ctx.person_ids is None else len(state)
    tried = [
        pid
        for pid in heapq.nsmallest(limit, state, key=closeness)
        if pid not in skip and state[pid][1] != cadence.DORMANT
    ]
    texts = _wants(ctx.session, [pid for pid in tried if pid not in kept])
    for pid in tried:
        if pid not in kept:
            kept[pid] = _give_match(ctx, pid, *texts.get(pid, (None, None)))
        match = kept[pid]
        if match is None:
            continue
        digest = hashlib.sha1(
            f"{match['type']}|{match['about']}|{match.get('other_id', '')}".encode()
        ).hexdigest()[:8]
        gave = {"intro": "intro", "offer": "help"}.get(match["type"], "info")
        if match["type"] == "intro":
            reason = f"they look for {match['about']}; {match['other']} {match['why']}"
        elif match["type"] == "offer":
            verb = "look for" if match["looking"] else "work on"
            reason = f"they {verb} {match['about']}; you can offer {match['what']}"
        else:
            reason = f"they are working on {match['about']}; share something useful"
        out.append(
            Action(
                id=actions.make_id("give", pid, f"h{digest}"),
                kind="give",
                person_id=pid,
                reason="give first: " + reason,
                template="give.j2",
                order=({"intro": 0, "offer": 1}.get(match["type"], 2), *closeness(pid)),
                context={"match": match},
                gave=(gave,),
                summary={
                    "intro": f"Offered an introduction to {match.get('other')}",
                    "offer": "Offered help",
                }.get(match["type"], "Shared something useful"),
            )
        )
        strong = sum(1 for a in out if a.order[0] < 2)  # intros and offers
        if ctx.person_ids is None and strong >= GIVE_KEEP:
            break
    out.sort(key=Action.sort_key)
    return out if ctx.person_ids is not None else out[:GIVE_KEEP]


def _wants(session: Session, ids: Sequence[int]) -> dict[int, tuple[str | None, str | None]]:
    """What each of `ids` looks for and works on."""
    if not ids:
        return {}
    stmt = select(Person.id, Person.looking_for, Person.working_on).where(Person.id.in_(ids))
    return {r[0]: (r[1], r[2]) for r in raw_rows(session, stmt)}


def _give_match(
    ctx: _Ctx, pid: int, looking_for: str | None, working_on: str | None
) -> dict[str, Any] | None:
    offers = ctx.offers
    if looking_for:
        intro = _introduce(ctx, pid, looking_for)
        if intro is not None:
            intro["about"] = drafts.lower_first(looking_for)
            return intro
        if offer := _offer_for(offers, looking_for):
            return {
                "type": "offer",
                "about": drafts.lower_first(looking_for),
                "looking": True,
                "what": offer,
            }
    if working_on:
        if offer := _offer_for(offers, working_on):
            return {
                "type": "offer",
                "about": drafts.lower_first(working_on),
                "looking": False,
                "what": offer,
            }
        return {"type": "share", "about": drafts.lower_first(working_on)}
    return None


def _refused_lately(ctx: _Ctx, ids: Sequence[int]) -> set[int]:
    """People who refused or ignored an ask of yours within the one-way window: asking
    them again so soon would be pushing, not a small ask."""
    if not ids:
        return set()
    start = ctx.end_of_day - dt.timedelta(days=flags.ONE_WAY_WINDOW_DAYS)
    # Such asks are few: all of the window's, from its covering index, beat a seek for
    # each of thousands of people.
    stmt = select(Exchange.person_id).where(
        flags.snubbed(Exchange),
        Exchange.occurred_at >= start,
        Exchange.occurred_at <= ctx.end_of_day,
    )
    return set(ctx.session.scalars(_scope(stmt, Exchange.person_id, ctx))) & set(ids)


def _asks(ctx: _Ctx) -> list[Action]:
    """A small ask where you gave and nothing came back (the ledger's one-way rule)."""
    # Only the gives: whoever refused or ignored an ask (the other one-way rule) is
    # left out below anyway.
    flagged = {
        f.person_id: f
        for f in flags.one_way_gives(ctx.session, ctx.end_of_day, ctx.person_ids)
        if f.person_id is not None
    }
    refused = _refused_lately(ctx, list(flagged))
    need = ctx.session.scalar(
        select(Need.text)
        .where(Need.status == "open")
        .order_by(Need.created_at.desc(), Need.id.desc())
        .limit(1)
    )
    ask = f"advice on {drafts.lower_first(need)}" if need else "a recommendation"
    out = []
    for pid, f in flagged.items():
        if pid in refused:
            continue
        since = f.since or ctx.today
        out.append(
            Action(
                id=actions.make_id("ask", pid, f"d{since:%Y%m%d}"),
                kind="ask",
                person_id=pid,
                reason=f"{f.reason}: a small ask lets them give back",
                template="ask.j2",
                order=(since,),
                context={"need": drafts.lower_first(need)},
                asked=(ask,),
                summary=f"Asked for {ask}",
            )
        )
    return out


# -- putting it together ----------------------------------------------------------------


@dataclass
class Parts:
    """What one day's candidates are made of. `personal` actions each depend only on their
    person's facts; the rest is chosen across the network from the cadence board, the peak
    strengths and the give-first pool and matches found so far. Kept between commands
    (agenda_cache.py) and patched for the people whose data changed."""

    today: dt.date
    personal: list[Action]
    board: cadence.Standing
    pool: set[int]
    peaks: dict[int, float] = field(default_factory=dict)
    matches: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    # The keep-in-touch action of each person due, built from their row of the board:
    # kept while that row is (after a write, thousands are the same; only in memory).
    in_touch: dict[int, Action] = field(default_factory=dict)


def personal_actions(ctx: _Ctx) -> list[Action]:
    """Thank-yous, requests, follow-ups and small asks (of `ctx.person_ids`, or everyone)."""
    return _thank_yous(ctx) + _requests(ctx) + _follow_ups(ctx) + _asks(ctx)


def parts(session: Session, today: dt.date, person_ids: Sequence[int] | None = None) -> Parts:
    """The parts of the candidates on `today`, computed afresh."""
    ctx = _Ctx(session, today, person_ids)
    return Parts(
        today,
        personal_actions(ctx),
        cadence.standing(session, today, person_ids),
        pool(ctx),
    )


def assemble(session: Session, p: Parts, person_ids: Sequence[int] | None = None) -> list[Action]:
    """Every action the parts call for, in priority order (peaks and matches found on the
    way are added to `p`)."""
    ctx = _Ctx(session, p.today, person_ids)
    found = list(p.personal)
    found += _cadence_actions(p.board, p.in_touch)
    found += _reconnects(ctx, p.board, p.peaks)
    busy = {a.person_id for a in found if a.kind in ("thank_you", "request", "follow_up")}
    found += _gives(ctx, p.board, busy, p.pool, p.matches)
    return sorted(found, key=Action.sort_key)


def candidates(
    session: Session, today: dt.date, person_ids: Sequence[int] | None = None
) -> list[Action]:
    """Every action the data calls for on `today`, in priority order (before state & budget)."""
    return assemble(session, parts(session, today, person_ids), person_ids)
