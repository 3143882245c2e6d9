"""Today: the daily session. Each action with its reason and draft; done, snooze or skip."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Form, Query
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from goodwill import validate
from goodwill.daily import actions, agenda, schedule
from goodwill.daily import decisions as asked
from goodwill.errors import GoodwillError
from goodwill.report import habits
from goodwill.schemas.agenda import AgendaOut
from goodwill.schemas.web import ActionForm
from goodwill.store.models import Email
from goodwill.sync import decisions
from goodwill.web.render import is_htmx
from goodwill.web.routes.deps import cached_async, now, render, store

router = APIRouter(include_in_schema=False)

LABELS = actions.LABELS
MINUTE_CHOICES = (10, 20, 30, 45, 60)
# The buttons of a decision of your phone's sync (actions.CHOICES).
PICK_LABELS = {
    "keep": "Keep",
    "remove": "Remove from goodwill",
    "ours": "Keep goodwill's",
    "theirs": "Take the phone's",
    "cancel": "Cancel it",
}


def _plan(s: Session, day: dt.date, budget: int) -> tuple[AgendaOut, dict[str, Any]]:
    plan = agenda.build(s, day, budget)
    return plan, {**_stats(s, day), "emails": _emails(s, [a.person_id for a in plan.actions])}


def _emails(s: Session, ids: list[int]) -> dict[int, str]:
    """Each person's first email, for the draft's mailto: link."""
    if not ids:
        return {}
    out: dict[int, str] = {}
    rows = s.execute(
        select(Email.person_id, Email.address).where(Email.person_id.in_(ids)).order_by(Email.id)
    )
    for pid, address in rows:
        out.setdefault(pid, address)
    return out


def _stats(s: Session, today: dt.date) -> dict[str, Any]:
    week = habits.week(s, today)
    done_today = sum(1 for st in actions.history(s, since=today) if st.status == actions.DONE)
    return {"week": week, "done_today": done_today}


@router.get("/")
async def today_page(
    request: Request,
    minutes: Annotated[int | None, Query(ge=1, le=480)] = None,
    undone: bool = False,
) -> Response:
    # On the event loop: the page is a lookup and a small template; waiting for the agenda
    # to be computed holds no worker thread.
    day = now(request).date()
    budget = (
        minutes
        if minutes is not None
        else (await cached_async(request, ("prefs",), schedule.preferences))[1]
    )
    # The same day, budget and data give the same agenda: computed once, then shared.
    plan, stats = await cached_async(
        request, ("today", day, budget), partial(_plan, day=day, budget=budget)
    )
    if not request.app.state.team:
        # Decisions of the phone's sync are read fresh (closing one is not in the change
        # log the kept plan follows on PostgreSQL); a few indexed rows.
        plan = await anyio.to_thread.run_sync(_fresh, request, plan, day)
    ctx: dict[str, Any] = {
        "team_intros": await _team_intros(request),
        "plan": plan,
        "labels": LABELS,
        "pick_labels": PICK_LABELS,
        "minute_choices": MINUTE_CHOICES,
        **stats,
    }
    if undone:
        ctx["notice"] = "Undone: the action is back, and what it logged is gone."
    return render(request).page(request, "today.html", ctx)


def _fresh(request: Request, plan: AgendaOut, day: dt.date) -> AgendaOut:
    with store(request).session() as s:
        return agenda.fresh_decisions(s, plan, day)


async def _team_intros(request: Request) -> list[Any]:
    """A team's open introduction requests to the member signed in (none for one user)."""
    if not request.app.state.team:
        return []
    import anyio.to_thread

    from goodwill.asking import team as team_ask

    def read() -> list[Any]:
        with store(request).session() as s:
            return list(team_ask.incoming(s))

    return await anyio.to_thread.run_sync(read)


@router.post("/today/act")
def act(request: Request, form: Annotated[ActionForm, Form()]) -> Response:
    """Done, snooze or skip one action; htmx swaps the card for what happened."""
    current = now(request)
    day = current.date()
    result: dict[str, Any] = {"id": form.action, "op": form.op, "error": None}
    try:
        with store(request).session() as s:
            if form.op == "pick":
                ref, _ = asked.event_of(s, form.action)
                result["message"] = decisions.resolve(s, form.action, form.pick or None)
                result["person"] = _name(s, ref.person_id)
            elif form.op == "done":
                item, logged = agenda.done(
                    s, form.action, day, note=form.note.strip() or None, now=current
                )
                result["message"] = f"Done: logged {logged.kind} with {_name(s, item.person_id)}."
            elif form.op == "snooze":
                until = validate.date(form.until, "until", today=day) if form.until else None
                item = agenda.snooze(s, form.action, day, until)
                back = until or day + dt.timedelta(days=actions.DEFAULT_SNOOZE_DAYS)
                result["message"] = f"Snoozed until {back:%A %-d %B}."
            else:
                item = agenda.skip(s, form.action, day, form.note.strip() or None)
                result["message"] = "Skipped; it will not come back."
            if form.op != "pick":
                result["person"] = _name(s, item.person_id)
    except GoodwillError as exc:
        result["error"] = str(exc)
    if not is_htmx(request):
        if result["error"]:
            raise GoodwillError(result["error"])
        return RedirectResponse(f"/?minutes={form.minutes}" if form.minutes else "/", 303)
    with store(request).session() as s:
        stats = _stats(s, day)
    return render(request).page(request, "today_result.html", {**result, **stats})


def _name(s: Session, person_id: int) -> str:
    return agenda.names(s, [person_id]).get(person_id, "them")
