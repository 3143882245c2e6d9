"""The daily session: derive today's actions, order them, fit them in the minutes budget.

Actions come from these sources, in this order of priority:

1. thank_you     help or advice received and no thank-you yet (`flags.thank_yous_due`,
                 the ledger's thanks rule asked sooner than its red flag)
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
import math
from collections import Counter
from collections.abc import Callable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.daily import actions, agenda_cache, decisions, drafts
from goodwill.daily.actions import MINUTES, PER_PERSON, PER_SESSION
from goodwill.daily.sources import Action, candidates
from goodwill.errors import InvalidInput
from goodwill.records import interactions, requests
from goodwill.schemas.agenda import ActionOut, AgendaOut
from goodwill.store.models import (
    Interaction,
    Participant,
    Person,
    Request,
)

DEFAULT_MINUTES = 20
MAX_MINUTES = 24 * 60
NEXT_LIMIT = 10
# The share of a session kept for those when obligations would fill it all.
RELATIONSHIP_SHARE = 0.25

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


def check_minutes(minutes: int) -> int:
    if minutes <= 0:
        raise InvalidInput("minutes", minutes, "must be a positive number of minutes")
    if minutes > MAX_MINUTES:
        raise InvalidInput("minutes", minutes, f"must be at most {MAX_MINUTES} (a whole day)")
    return minutes


def caps(minutes: int) -> dict[str, int]:
    """How many of each capped kind a session of `minutes` offers."""
    blocks = -(-minutes // 20)  # per started 20 minutes
    return {kind: n * blocks for kind, n in PER_SESSION.items()}


def _select(
    found: list[Action], hidden: set[str], minutes: int
) -> tuple[list[Action], list[Action]]:
    """Drop hidden actions and keep one relationship action per person; then split off
    what goes beyond the kind caps (offered in "next")."""
    limit = caps(minutes)
    per_person: set[int] = set()
    per_kind: Counter[str] = Counter()
    chosen, beyond = [], []
    for a in found:
        if a.id in hidden:
            continue
        if a.kind in PER_PERSON and a.person_id in per_person:
            continue
        per_person.add(a.person_id)
        if a.kind in limit and per_kind[a.kind] >= limit[a.kind]:
            beyond.append(a)
            continue
        per_kind[a.kind] += 1
        chosen.append(a)
    return chosen, beyond


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
    """Take actions in priority order while they fit; what does not fit comes next.

    Obligations (thanks, answers, promises) come first but leave RELATIONSHIP_SHARE of the
    time to the relationship itself when such an action is waiting, so that no session is
    only paying debts: the habit is to reach out with no need every day. That time goes
    to one action of each relationship kind first (keep in touch, reconnect, give, ask),
    for variety; then whatever fits, in priority order.
    """
    waiting = any(a.kind in PER_PERSON for a in items)
    reserve = math.ceil(budget * RELATIONSHIP_SHARE) if waiting else 0
    taken: set[str] = set()
    left = budget
    firsts = {next((a.id for a in items if a.kind == k), "") for k in PER_PERSON}
    passes: tuple[tuple[Callable[[Action], bool], int], ...] = (
        (lambda a: a.kind not in PER_PERSON, reserve),
        (lambda a: a.id in firsts, 0),  # one of each relationship kind, for variety
        (lambda a: True, 0),
    )
    for wanted, keep in passes:
        for a in items:
            if a.id not in taken and wanted(a) and a.minutes <= left - keep:
                taken.add(a.id)
                left -= a.minutes
    chosen = [a for a in items if a.id in taken]
    return chosen, [a for a in items if a.id not in taken]


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
    hidden = actions.hidden(session, today)
    found, beyond = _select(agenda_cache.candidates(session, today), hidden, minutes)
    # Price (and draft) only what can matter: every action fits in at least 2 minutes.
    head = found[: minutes // 2 + 1]
    # ... and the first of each relationship kind, so a long queue of debts cannot crowd
    # out the reaching out that _fit keeps time for.
    for kind in PER_PERSON:
        first = next((a for a in found if a.kind == kind), None)
        if first is not None and first not in head:
            head.append(first)
    head.sort(key=Action.sort_key)
    _price(session, head)
    chosen, rest = _fit(head, minutes)
    considered = {a.id for a in head}
    waiting = sorted(
        rest + [a for a in found if a.id not in considered] + beyond, key=Action.sort_key
    )
    upcoming = waiting[:NEXT_LIMIT]
    _price(session, [a for a in upcoming if not a.minutes])
    more = len(waiting) - len(upcoming)
    drafted = _draft(session, today, chosen + upcoming)
    # What your phone's sync asks you comes first (a minute each, a few per session).
    asks = decisions.waiting(session, hidden)
    now_, later = asks[: decisions.PER_SESSION], asks[decisions.PER_SESSION :]
    following = later + drafted[len(chosen) :]
    return AgendaOut(
        date=today,
        budget_minutes=minutes,
        planned_minutes=sum(a.minutes for a in chosen) + len(now_),
        actions=now_ + drafted[: len(chosen)],
        next=following[:NEXT_LIMIT],
        more=more + max(0, len(following) - NEXT_LIMIT),
    )


def fresh_decisions(session: Session, plan: AgendaOut, today: dt.date) -> AgendaOut:
    """A kept plan with its sync decisions read again (a decision is made outside the
    change log the kept plans follow): the same plan when they are the same."""
    asks = decisions.waiting(session, actions.hidden(session, today))
    now_ = asks[: decisions.PER_SESSION]
    had = [a for a in plan.actions if a.choices]
    if [a.id for a in had] == [a.id for a in now_]:
        return plan
    rest = [a for a in plan.actions if not a.choices]
    following = asks[decisions.PER_SESSION :] + [a for a in plan.next if not a.choices]
    return plan.model_copy(
        update={
            "actions": now_ + rest,
            "planned_minutes": plan.planned_minutes - len(had) + len(now_),
            "next": following[:NEXT_LIMIT],
        }
    )


def find(session: Session, action_id: str, today: dt.date) -> Action:
    """The action with this id among those the data calls for today (state ignored)."""
    ref = actions.parse(action_id)
    if ref.kind in actions.CHOICES:
        decisions.event_of(session, str(ref))  # open, and the one the id names
        return Action(str(ref), ref.kind, ref.person_id, "", "", (), minutes=1)
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
    ref = actions.parse(action_id)
    if ref.kind in actions.CHOICES:
        raise InvalidInput(
            "action", action_id, "a decision of your phone's sync: pick keep, remove, ours..."
        )
    actions.check_open(session, str(ref))
    action = find(session, str(ref), today)
    person = session.get(Person, action.person_id)
    assert person is not None
    if (offered or referred) and action.kind != "request":
        raise InvalidInput("action", action_id, "--offered and --referred answer a request only")
    # A thank-you is a message, whatever channel the help came by (a coffee is not repeated
    # to say thanks).
    default_kind = (
        "message"
        if action.kind == "thank_you"
        else KIND_OF_CHANNEL.get(action.channel or "email", "email")
    )
    interaction_kind = kind or default_kind
    when, current = _when(today, now)
    if action.request_id is not None:
        # Answering logs the interaction with the give (requests.answer, the needs rules).
        logged = _answer(session, action.request_id, note, offered, referred, current)
    else:
        logged = interactions.log(
            session,
            [person],
            interaction_kind,
            when=when,
            summary=note or action.summary,
            initiated_by="me",
            gave=list(action.gave),
            asked=list(action.asked),
            now=current,
        )
    actions.mark_done(session, action.id, today, note=note, interaction_id=logged.id)
    return action, logged


def _answer(
    session: Session,
    request_id: int,
    note: str | None,
    offered: str | None,
    referred: Person | None,
    now: dt.datetime,
) -> Interaction:
    request = session.get(Request, request_id)
    assert request is not None
    before = session.scalar(select(func.max(Interaction.id))) or 0
    requests.answer(
        session,
        request,
        helped=not (offered or referred),
        offered=offered,
        referred=referred,
        note=note,
        now=now,
    )
    logged = session.scalar(
        select(Interaction)
        .join(Participant, Participant.interaction_id == Interaction.id)
        .where(Interaction.id > before, Participant.person_id == request.person_id)
        .order_by(Interaction.id.desc())
        .limit(1)
    )
    assert logged is not None  # requests.answer records the give as an interaction
    return logged


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
