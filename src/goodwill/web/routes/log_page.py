"""Log: record an interaction in a few clicks (people chips, kind and exchange chips)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from goodwill import validate, vocab
from goodwill.errors import Ambiguous, InvalidInput, NotFound
from goodwill.records import interactions, people
from goodwill.schemas.people import InteractionBrief, PersonSummary
from goodwill.schemas.web import LogForm, RecordId, split_list
from goodwill.store import search
from goodwill.store.models import Person
from goodwill.views import people_list, person_page
from goodwill.web.render import field_errors
from goodwill.web.routes import manage
from goodwill.web.routes.deps import now, render, store
from goodwill.web.routes.people_pages import rows_of

router = APIRouter(include_in_schema=False)

# Domain InvalidInput.field -> the form field it is shown beside.
LOG_FIELDS = {
    "person": "who",
    "exchange kind": "gave",
    "they-asked": "they_asked",
    "follow-up": "follow_up",
    "need": "who",
}


def recent_briefs(s: Session, limit: int = 8) -> list[InteractionBrief]:
    return person_page.latest_interactions(s, limit)


def _chosen(s: Session, ids: list[int]) -> list[PersonSummary]:
    return people_list.summaries(s, ids=ids) if ids else []


def _page(request: Request, s: Session, extra: dict[str, Any]) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "kinds": vocab.INTERACTION_KINDS,
        "exchange_kinds": vocab.EXCHANGE_KINDS,
        "recent": recent_briefs(s),
        "values": LogForm(kind="coffee").model_dump(),
        "chosen": [],
        "new_name": "",
    }
    ctx.update(extra)
    return ctx


@router.get("/log")
def log_form(
    request: Request,
    person: Annotated[list[RecordId], Query(max_length=50)] = [],  # noqa: B006 - copied per call
    logged: int | None = None,
    removed: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    extra: dict[str, Any] = {}
    with store(request).session() as s:
        extra["chosen"] = _chosen(s, person[:20])
        if logged is not None:
            brief = person_page.interaction_briefs(s, [logged])
            if brief:
                b = brief[0]
                extra["notice"] = f"Logged {b.kind} with {', '.join(b.people)} on {b.date}."
                extra["undo"] = manage.undo_notice(s, logged)
        elif removed and removed in vocab.INTERACTION_KINDS:
            extra["notice"] = f"Removed the {removed}: its gives, asks and requests went with it."
        ctx = _page(request, s, extra)
    return render(request).page(request, "log.html", ctx)


@router.get("/log/suggest")
def suggest(request: Request, who: str = "") -> Response:
    """People matching what is typed, as buttons that add a chip (htmx fragment)."""
    term = split_list(who)[-1] if split_list(who) else ""
    rows: list[PersonSummary] = []
    if term:
        with store(request).session() as s:
            hits = search.ranked_ids(s, term, kind="person", limit=8)
            shown = people_list.matching_ids(s, hits)  # as the list: the people it may show
        rows = rows_of(request, [pid for pid in hits if pid in shown])
    return render(request).page(request, "log_suggest.html", {"rows": rows, "term": term})


class _NewName(InvalidInput):
    """A typed name that matches no one: the page offers to add them."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__("person", name, message)
        self.name = name


def _who(s: Session, form: LogForm) -> list[Person]:
    chosen = [people.resolve(s, str(pid)) for pid in form.person_id]
    typed = []
    for ref in split_list(form.who):
        try:
            typed.append(people.resolve(s, ref))
        except NotFound as exc:
            raise _NewName(ref, str(exc)) from exc
        except Ambiguous as exc:
            raise InvalidInput("person", form.who, str(exc)) from exc
    return chosen + typed


@router.post("/log")
def log_post(request: Request, form: Annotated[LogForm, Form()]) -> Response:
    current = now(request)
    try:
        with store(request).session() as s:
            who = _who(s, form)
            when = None
            if form.date.strip():
                when = validate.datetime(form.date, now=current)
                if when.date() == current.date():
                    when = None  # today means now: noon may still be ahead of us
            due = (
                validate.date(form.follow_up, "follow-up", today=current.date())
                if (form.follow_up.strip())
                else None
            )
            item = interactions.log(
                s,
                who,
                form.kind,
                when=when,
                summary=form.summary.strip() or None,
                initiated_by=form.initiated or None,
                gave=form.gave,
                got=form.got,
                asked=[form.asked] if form.asked.strip() else [],
                they_asked=[form.they_asked] if form.they_asked.strip() else [],
                follow_up_on=due,
                now=current,
            )
            logged = item.id
    except InvalidInput as exc:
        with store(request).session() as s:
            ctx = _page(
                request,
                s,
                {
                    "errors": field_errors(exc, LOG_FIELDS, LogForm.model_fields),
                    "values": form.model_dump(),
                    "chosen": _chosen(s, form.person_id[:20]),
                    "new_name": exc.name if isinstance(exc, _NewName) else "",
                },
            )
        return render(request).page(request, "log.html", ctx, status=400)
    return RedirectResponse(f"/log?logged={logged}", status_code=303)
