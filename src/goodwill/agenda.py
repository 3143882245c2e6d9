"""The daily session: derive today's actions, order them, fit them in the minutes budget.

Actions come from these sources, in this order of priority:

1. thank_you     help received and no thank-you yet (the ledger's `thanks_owed` flag)
2. request       something someone asked of you, still open (the `request` table)
3. follow_up     a follow-up you promised (`Interaction.follow_up_on`), or someone a friend
                 referred you to (`Person.met_through_id`) whom you have not contacted yet
4. keep_in_touch people past their cadence: overdue first, then due (cadence.py)
5. reconnect     a dormant tie: strong once, out of touch for a year or more
6. give          give first: an introduction, your offer, or something to share that
                 matches what they are looking for or working on
7. ask           a small ask where the relationship has been one-way (the ledger's flag)

Each person appears once for the relationship-level kinds (keep_in_touch, reconnect, give,
ask); at most `PER_DAY` of some kinds are offered a day. The agenda takes actions in that
order while they fit the budget (a smaller later action may fill the time left); the rest
is "next". Nothing depends on the clock or on dict order: the same date and data give
the same agenda.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from goodwill import actions, cadence, drafts, people, vocab
from goodwill.errors import InvalidInput
from goodwill.models import (
    Interaction,
    Need,
    Organization,
    Participant,
    Person,
    PersonTag,
    Request,
    Role,
    Setting,
    Tag,
)
from goodwill.schemas.agenda import ActionOut, AgendaOut

DEFAULT_MINUTES = 20
MAX_MINUTES = 24 * 60
NEXT_LIMIT = 10
# Kinds offered at most this many times a day (the rest wait for another day).
PER_DAY: dict[str, int] = {"reconnect": 1, "give": 1, "ask": 1}
# Kinds that stand for the relationship as a whole: one per person on an agenda.
PER_PERSON = ("keep_in_touch", "reconnect", "give", "ask")
# People tried, in order, when looking for a give-first match.
GIVE_ATTEMPTS = 40

# Estimated minutes per kind of action and channel.
MINUTES: dict[str, dict[str, int]] = {
    "thank_you": {"message": 2, "email": 4, "call": 10},
    "request": {"message": 10, "email": 15, "call": 15},
    "follow_up": {"message": 5, "email": 8, "call": 15},
    "keep_in_touch": {"message": 3, "email": 5, "call": 15},
    "reconnect": {"message": 5, "email": 8, "call": 20},
    "give": {"message": 8, "email": 10, "call": 15},
    "ask": {"message": 3, "email": 5, "call": 10},
}
# The channel suggested from how you usually talk with someone (their most common kind).
CHANNEL_OF_KIND: dict[str, str] = {
    "message": "message",
    "call": "call",
    "email": "email",
    "letter": "email",
    "note": "email",
    "coffee": "message",
    "meeting": "email",
    "event": "email",
}
# The interaction logged by `done`, per channel (unless --kind says otherwise).
KIND_OF_CHANNEL: dict[str, str] = {"message": "message", "email": "email", "call": "call"}

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

    def sort_key(self) -> tuple[Any, ...]:
        return (actions.KINDS.index(self.kind), *self.order, self.person_id, self.id)


@dataclass
class _Ctx:
    session: Session
    today: dt.date
    person_ids: Sequence[int] | None  # None: everyone
    names: dict[int, str] = field(default_factory=dict)

    @property
    def end_of_day(self) -> dt.datetime:
        return dt.datetime.combine(self.today, dt.time.max)


def check_minutes(minutes: int) -> int:
    if minutes <= 0:
        raise InvalidInput("minutes", minutes, "must be a positive number of minutes")
    if minutes > MAX_MINUTES:
        raise InvalidInput("minutes", minutes, f"must be at most {MAX_MINUTES} (a whole day)")
    return minutes


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
    from goodwill import flags

    found = [
        f
        for f in flags.compute(ctx.session, ctx.end_of_day, person_ids=ctx.person_ids)
        if f.kind == "thanks_owed"
    ]
    alive = _active_ids(ctx, [f.person_id for f in found])
    out = []
    for f in found:
        if f.person_id not in alive:
            continue
        ref, help_kind, when = _flag_help(f)
        help_words = drafts.KIND_WORDS.get(help_kind, "your help") if help_kind else None
        when_words = drafts.when_words(when, ctx.today) if when else None
        reason = "they gave you " + (help_words or "help").replace("your ", "their ")
        if when_words:
            reason += f" {when_words}"
        out.append(
            Action(
                id=actions.make_id("thank_you", f.person_id, ref),
                kind="thank_you",
                person_id=f.person_id,
                reason=reason + "; no thank-you yet",
                template="thank_you.j2",
                order=(when or ctx.today,),
                context={"help": help_words, "help_when": when_words},
                gave=("thanks",),
                summary="Said thank you" + (f" for {help_words}" if help_words else ""),
            )
        )
    return out


def _flag_help(flag: Any) -> tuple[str, str | None, dt.date | None]:
    """The reference, kind and date of the help a thanks_owed flag is about."""
    interaction_id = getattr(flag, "interaction_id", None)
    kind = getattr(flag, "exchange_kind", None)
    since = getattr(flag, "since", None)
    when = since.date() if isinstance(since, dt.datetime) else since
    ref = f"i{interaction_id}" if interaction_id else f"d{when:%Y%m%d}" if when else "x"
    return ref, kind, when


def _requests(ctx: _Ctx) -> list[Action]:
    stmt = _scope(
        select(Request.id, Request.person_id, Request.text, Request.created_at, Request.due)
        .join(Person, Person.id == Request.person_id)
        .where(Request.status == "open", people.ACTIVE, Request.created_at <= ctx.end_of_day),
        Request.person_id,
        ctx,
    )
    out = []
    for rid, pid, text, created, due in ctx.session.execute(stmt):
        asked = drafts.when_words(created.date(), ctx.today)
        reason = f"they asked {asked}: {text}"
        if due is not None:
            late = (ctx.today - due).days
            reason += f" (due {due.isoformat()}{', late' if late > 0 else ''})"
        out.append(
            Action(
                id=actions.make_id("request", pid, f"r{rid}"),
                kind="request",
                person_id=pid,
                reason=reason,
                template="request.j2",
                order=(due or dt.date.max, created),
                context={"request": drafts.lower_first(text), "asked_when": asked},
                due=due,
                request_id=rid,
                summary=f"Answered: {text}",
            )
        )
    return out


def _follow_ups(ctx: _Ctx) -> list[Action]:
    """Promises due by today that no later interaction of yours has kept."""
    later = aliased(Interaction)
    mine = aliased(Participant)
    kept = exists(
        select(later.id)
        .join(mine, mine.interaction_id == later.id)
        .where(
            mine.person_id == Participant.person_id,
            later.occurred_at > Interaction.occurred_at,
            later.initiated_by == "me",
            later.planned.is_(False),
            later.occurred_at <= ctx.end_of_day,
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
        .join(Person, Person.id == Participant.person_id)
        .where(
            Interaction.follow_up_on.is_not(None),
            Interaction.follow_up_on <= ctx.today,
            people.ACTIVE,
            ~kept,
        ),
        Participant.person_id,
        ctx,
    )
    out = []
    for iid, pid, at, kind, due, note in ctx.session.execute(stmt):
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
    referrer = aliased(Person)
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


def _cadence_actions(ctx: _Ctx, statuses: list[cadence.Status]) -> list[Action]:
    circles = vocab.CIRCLES
    out = []
    for st in statuses:
        if st.state not in (cadence.DUE, cadence.OVERDUE):
            continue
        if st.last_contact is None:
            reason = f"{st.circle} circle: not in touch since you added them {st.days} days ago"
        else:
            reason = f"{st.circle} circle: last contact {st.days} days ago"
        reason += f" (every {st.ideal_days} days ideally, {st.max_days} at most)"
        if st.state == cadence.OVERDUE:
            reason = "overdue: " + reason
        out.append(
            Action(
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
        )
    return out


def _reconnects(ctx: _Ctx, statuses: list[cadence.Status]) -> list[Action]:
    dormant = {st.person_id: st for st in statuses if st.state == cadence.DORMANT}
    peaks = cadence.peak_strength(ctx.session, ctx.today, sorted(dormant))
    out = []
    for pid, peak in peaks.items():
        if peak < cadence.DORMANT_MIN_PEAK:
            continue
        st = dormant[pid]
        years = st.days / 365
        gap = f"{years:.1f} years" if years >= 1.5 else f"{st.days} days"
        out.append(
            Action(
                id=actions.make_id("reconnect", pid, f"d{st.since:%Y%m%d}"),
                kind="reconnect",
                person_id=pid,
                reason=f"dormant tie: strong once (peak strength {peak:.2f}), no contact for {gap}",
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


def _offer(session: Session) -> str | None:
    """What you can offer others, from your profile (the `offer` setting), if recorded."""
    for key in ("profile.offer", "offer"):
        row = session.get(Setting, key)
        if row is not None and row.value.strip():
            return row.value.strip()
    return None


def _article(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _introduce(ctx: _Ctx, pid: int, text: str) -> dict[str, Any] | None:
    """Someone else you know whose title, tags, industry or place match `text`."""
    words = _keywords(text)
    if not words:
        return None
    s = ctx.session
    current = (
        select(Role.person_id, Role.title, Organization.name.label("org"), Organization.industry)
        .join(Organization, Organization.id == Role.org_id)
        .where(Role.is_current.is_(True))
        .subquery()
    )
    scores: dict[int, list[str]] = {}
    for word in words:
        like = f"%{word}%"
        why_rows: list[tuple[int, str]] = []
        for qid, title in s.execute(
            select(current.c.person_id, current.c.title).where(current.c.title.ilike(like))
        ):
            why_rows.append((qid, f"works as {title}"))
        for qid, industry in s.execute(
            select(Person.id, Person.industry).where(Person.industry.ilike(like))
        ):
            why_rows.append((qid, f"works in {industry}"))
        for qid, place in s.execute(
            select(Person.id, Person.location).where(Person.location.ilike(like))
        ):
            why_rows.append((qid, f"is based in {place}"))
        for qid, tag in s.execute(
            select(PersonTag.person_id, Tag.name)
            .join(Tag, Tag.id == PersonTag.tag_id)
            .where(Tag.name.ilike(like))
        ):
            why_rows.append((qid, f"is {_article(tag.replace('-', ' '))}"))
        seen: set[int] = set()
        for qid, why in sorted(why_rows):
            if qid != pid and qid not in seen:
                seen.add(qid)
                scores.setdefault(qid, []).append(why)
    if not scores:
        return None
    alive = _active_ids(ctx, list(scores))
    circle = dict(
        s.execute(select(Person.id, Person.circle).where(Person.id.in_(sorted(alive)))).all()
    )
    ranked = sorted(
        (qid for qid in alive),
        key=lambda q: (
            -len(scores[q]),
            vocab.CIRCLES.index(circle[q]) if circle.get(q) in vocab.CIRCLES else 9,
            q,
        ),
    )
    if not ranked:
        return None
    best = ranked[0]
    # Need every word matched when there are several, so "climate investors" finds both.
    if len(words) > 1 and len(scores[best]) < min(2, len(words)):
        return None
    other = s.get(Person, best)
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


def _gives(ctx: _Ctx, statuses: list[cadence.Status], skip: set[int]) -> list[Action]:
    state = {st.person_id: st for st in statuses}
    stmt = _scope(
        select(Person.id, Person.circle, Person.looking_for, Person.working_on).where(
            people.ACTIVE,
            Person.is_me.is_(False),
            or_(Person.looking_for.is_not(None), Person.working_on.is_not(None)),
        ),
        Person.id,
        ctx,
    )
    rows = ctx.session.execute(stmt).all()

    def closeness(row: Any) -> tuple[Any, ...]:
        st = state.get(row.id)
        days = st.days if st else 10**6
        circle = vocab.CIRCLES.index(row.circle) if row.circle in vocab.CIRCLES else 9
        return (circle, days, row.id)

    offer = _offer(ctx.session)
    out: list[Action] = []
    limit = GIVE_ATTEMPTS if ctx.person_ids is None else len(rows)
    for row in sorted(rows, key=closeness)[:limit]:
        st = state.get(row.id)
        if row.id in skip or st is None or st.state == cadence.DORMANT:
            continue
        match = _give_match(ctx, row.id, row.looking_for, row.working_on, offer)
        if match is None:
            continue
        digest = hashlib.sha1(
            f"{match['type']}|{match['about']}|{match.get('other_id', '')}".encode()
        ).hexdigest()[:8]
        gave = {"intro": "intro", "offer": "help"}.get(match["type"], "info")
        if match["type"] == "intro":
            reason = f"they look for {match['about']}; {match['other']} {match['why']}"
        elif match["type"] == "offer":
            reason = f"{match['about']}; you can offer {match['what']}"
        else:
            reason = f"they are working on {match['about']}; share something useful"
        out.append(
            Action(
                id=actions.make_id("give", row.id, f"h{digest}"),
                kind="give",
                person_id=row.id,
                reason="give first: " + reason,
                template="give.j2",
                order=({"intro": 0, "offer": 1}.get(match["type"], 2), *closeness(row)),
                context={"match": match},
                gave=(gave,),
                summary={
                    "intro": f"Offered an introduction to {match.get('other')}",
                    "offer": "Offered help",
                }.get(match["type"], "Shared something useful"),
            )
        )
        if ctx.person_ids is None and len(out) >= PER_DAY["give"] + NEXT_LIMIT:
            break
    return out


def _give_match(
    ctx: _Ctx, pid: int, looking_for: str | None, working_on: str | None, offer: str | None
) -> dict[str, Any] | None:
    if looking_for:
        intro = _introduce(ctx, pid, looking_for)
        if intro is not None:
            intro["about"] = drafts.lower_first(looking_for)
            return intro
        if offer and set(_keywords(offer)) & set(_keywords(looking_for)):
            return {
                "type": "offer",
                "about": f"they look for {drafts.lower_first(looking_for)}",
                "what": offer,
            }
    if working_on:
        if offer and set(_keywords(offer)) & set(_keywords(working_on)):
            return {
                "type": "offer",
                "about": f"they work on {drafts.lower_first(working_on)}",
                "what": offer,
            }
        return {"type": "share", "about": drafts.lower_first(working_on)}
    return None


def _asks(ctx: _Ctx) -> list[Action]:
    from goodwill import flags

    found = [
        f
        for f in flags.compute(ctx.session, ctx.end_of_day, person_ids=ctx.person_ids)
        if f.kind == "one_way"
    ]
    alive = _active_ids(ctx, [f.person_id for f in found])
    need = ctx.session.scalar(
        select(Need.text)
        .where(Need.status == "open")
        .order_by(Need.created_at.desc(), Need.id.desc())
    )
    out = []
    for f in found:
        if f.person_id not in alive:
            continue
        detail = getattr(f, "reason", None) or getattr(f, "message", None) or "one-way"
        ask = f"advice on {drafts.lower_first(need)}" if need else "a recommendation"
        out.append(
            Action(
                id=actions.make_id("ask", f.person_id, f"d{ctx.today:%Y%m}"),
                kind="ask",
                person_id=f.person_id,
                reason=f"one-way lately ({detail}): a small ask lets them give back",
                template="ask.j2",
                order=(-float(getattr(f, "score", 0.0) or 0.0),),
                context={"need": drafts.lower_first(need)},
                asked=(ask,),
                summary=f"Asked for {ask}",
            )
        )
    return out


# -- putting it together ----------------------------------------------------------------


def candidates(
    session: Session, today: dt.date, person_ids: Sequence[int] | None = None
) -> list[Action]:
    """Every action the data calls for on `today`, in priority order (before state & budget)."""
    ctx = _Ctx(session, today, person_ids)
    statuses = cadence.statuses(session, today, person_ids)
    found: list[Action] = []
    found += _thank_yous(ctx)
    found += _requests(ctx)
    found += _follow_ups(ctx)
    found += _cadence_actions(ctx, statuses)
    found += _reconnects(ctx, statuses)
    found += _asks(ctx)
    busy = {a.person_id for a in found if a.kind in ("thank_you", "request", "follow_up")}
    found += _gives(ctx, statuses, busy)
    return sorted(found, key=Action.sort_key)


def _select(found: list[Action], hidden: set[str]) -> list[Action]:
    """Drop hidden actions, keep one relationship action per person, cap kinds per day."""
    per_person: set[int] = set()
    per_kind: Counter[str] = Counter()
    out = []
    for a in found:
        if a.id in hidden:
            continue
        if a.kind in PER_PERSON and a.person_id in per_person:
            continue
        if a.kind in PER_DAY and per_kind[a.kind] >= PER_DAY[a.kind]:
            continue
        per_kind[a.kind] += 1
        per_person.add(a.person_id)
        out.append(a)
    return out


def _channels(session: Session, person_ids: Sequence[int]) -> dict[int, str]:
    """How you usually talk with each person: the channel of their most common kind."""
    if not person_ids:
        return {}
    rows = session.execute(
        select(Participant.person_id, Interaction.kind, func.count())
        .join(Interaction, Interaction.id == Participant.interaction_id)
        .where(Participant.person_id.in_(sorted(set(person_ids))))
        .group_by(Participant.person_id, Interaction.kind)
    ).all()
    tally: dict[int, Counter[str]] = {}
    for pid, kind, n in rows:
        tally.setdefault(pid, Counter())[CHANNEL_OF_KIND.get(kind, "email")] += n
    return {
        pid: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for pid, c in tally.items()
    }


def _price(session: Session, items: list[Action]) -> None:
    channels = _channels(session, [a.person_id for a in items if a.channel is None])
    for a in items:
        a.channel = a.channel or channels.get(a.person_id, "email")
        a.minutes = MINUTES[a.kind][a.channel]


def _fit(items: list[Action], budget: int) -> tuple[list[Action], list[Action]]:
    """Take actions in priority order while they fit; what does not fit comes next."""
    chosen, rest, left = [], [], budget
    for a in items:
        if a.minutes <= left:
            chosen.append(a)
            left -= a.minutes
        else:
            rest.append(a)
    return chosen, rest


def _draft(session: Session, today: dt.date, items: list[Action]) -> list[ActionOut]:
    known = drafts.facts(session, [a.person_id for a in items], today)
    sign_off = drafts.sign_off(session)
    out = []
    for a in items:
        info = known.get(a.person_id)
        context = {**(info.context() if info else {}), **a.context, "sign_off": sign_off}
        out.append(
            ActionOut(
                id=a.id,
                kind=a.kind,
                person_id=a.person_id,
                person=info.name if info else f"#{a.person_id}",
                channel=a.channel or "email",
                minutes=a.minutes,
                reason=a.reason,
                draft=drafts.render(a.template, context),
                due=a.due,
            )
        )
    return out


def build(session: Session, today: dt.date, minutes: int = DEFAULT_MINUTES) -> AgendaOut:
    """Today's session: what fits in `minutes`, in priority order, and what comes next."""
    check_minutes(minutes)
    found = _select(candidates(session, today), actions.hidden(session, today))
    # Price (and draft) only what can matter: every action fits in at least 2 minutes.
    head = found[: minutes // 2 + NEXT_LIMIT + 1]
    _price(session, head)
    chosen, rest = _fit(head, minutes)
    upcoming = rest[:NEXT_LIMIT]
    more = len(found) - len(chosen) - len(upcoming)
    drafted = _draft(session, today, chosen + upcoming)
    return AgendaOut(
        date=today,
        budget_minutes=minutes,
        planned_minutes=sum(a.minutes for a in chosen),
        actions=drafted[: len(chosen)],
        next=drafted[len(chosen) :],
        more=more,
    )


def find(session: Session, action_id: str, today: dt.date) -> Action:
    """The action with this id among those the data calls for today (state ignored)."""
    ref = actions.parse(action_id)
    for a in candidates(session, today, [ref.person_id]):
        if a.id == str(ref):
            _price(session, [a])
            return a
    raise actions.not_found(str(ref))


def _when(today: dt.date, now: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    current = now or dt.datetime.now()
    if current.date() == today:
        return current, current
    noon = dt.datetime.combine(today, dt.time(12, 0))
    return noon, max(current, noon)


def done(
    session: Session,
    action_id: str,
    today: dt.date,
    *,
    note: str | None = None,
    kind: str | None = None,
    offered: str | None = None,
    referred: Person | None = None,
    now: dt.datetime | None = None,
) -> tuple[Action, Interaction]:
    """Do an action: log the interaction (with the thanks, answer or give) and remember it."""
    from goodwill import interactions

    ref = actions.parse(action_id)
    actions.check_open(session, str(ref))
    action = find(session, str(ref), today)
    person = session.get(Person, action.person_id)
    assert person is not None
    if (offered or referred) and action.kind != "request":
        raise InvalidInput("action", action_id, "--offered and --referred answer a request only")
    interaction_kind = kind or KIND_OF_CHANNEL.get(action.channel or "email", "email")
    when, current = _when(today, now)
    gave = list(action.gave)
    if action.kind == "request" and not (offered or referred):
        gave.append("help")
    logged = interactions.log(
        session,
        [person],
        interaction_kind,
        when=when,
        summary=note or action.summary,
        initiated_by="me",
        gave=gave,
        asked=list(action.asked),
        now=current,
    )
    if action.request_id is not None:
        _answer(session, action.request_id, note, offered, referred, current)
    actions.mark_done(session, action.id, today, note=note, interaction_id=logged.id)
    return action, logged


def _answer(
    session: Session,
    request_id: int,
    note: str | None,
    offered: str | None,
    referred: Person | None,
    now: dt.datetime,
) -> None:
    from goodwill import requests

    request = session.get(Request, request_id)
    assert request is not None
    requests.answer(  # type: ignore[attr-defined]
        session,
        request,
        helped=not (offered or referred),
        offered=offered,
        referred=referred,
        note=note,
        now=now,
    )


def snooze(
    session: Session, action_id: str, today: dt.date, until: dt.date | None = None
) -> Action:
    ref = actions.parse(action_id)
    actions.check_open(session, str(ref))
    action = find(session, str(ref), today)
    actions.snooze(session, action.id, today, until)
    return action


def skip(session: Session, action_id: str, today: dt.date, note: str | None = None) -> Action:
    ref = actions.parse(action_id)
    actions.check_open(session, str(ref))
    action = find(session, str(ref), today)
    actions.skip(session, action.id, today, note)
    return action


def names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        session.execute(
            select(Person.id, Person.display_name).where(Person.id.in_(sorted(set(ids))))
        ).all()
    )
