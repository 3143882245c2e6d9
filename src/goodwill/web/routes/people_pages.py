"""People: the searchable list with filters and bulk tagging; a person's page, edited in place."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from goodwill import vocab
from goodwill.errors import GoodwillError, InvalidInput
from goodwill.records import introductions, people, requests
from goodwill.schemas.people import PersonSummary
from goodwill.schemas.web import BulkTagForm, PathId, PersonEditForm
from goodwill.store import search
from goodwill.store.models import Person, Tag
from goodwill.views import people_list as listing
from goodwill.views import person_page as page_of
from goodwill.web import figures
from goodwill.web.render import field_errors, is_htmx
from goodwill.web.routes.deps import cached, minute, now, per_person, render, store

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
SEARCH_LIMIT = 500  # search hits considered before filters and paging

# Domain InvalidInput.field -> the form field it is shown beside.
EDIT_FIELDS = {
    "email": "add_email",
    "phone": "add_phone",
    "organization": "org",
    "tag": "tags",
    "link": "linkedin",
}


def badges_of(request: Request, ids: Sequence[int]) -> dict[int, figures.Badges]:
    """These people's badges, kept per person for the hour (web/per_person.py):
    recomputed when a change concerns them, and in the background for everyone each hour
    (tie strength and balances fade by the day, not by the minute)."""
    # Computed as of this very moment (what was logged a second ago counts: history
    # strictly before it), kept under the hour.
    as_of = now(request)
    hour = as_of.replace(minute=0, second=0, microsecond=0)
    return per_person(
        request,
        ("badges", hour),
        ids,
        partial(figures.badges, now=as_of),
        partial(figures.badges, ids=None, now=as_of),
    )


def find_people(
    s: Session,
    *,
    q: str = "",
    circle: str = "",
    tag: str = "",
    org: str = "",
    only: Sequence[int] | None = None,
    in_order: Sequence[int] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[int], int]:
    """The ids of the people matching the search and filters (best match first, else by
    name) on one page, and how many match in all. Search ranks; the filters and paging are
    the domain's. `only` restricts to these ids (the due and flagged filters); `in_order`,
    when the caller has it, is everyone listed in the list's order (`listing.listed_ids`):
    thousands of ids are then paged here rather than sent to the database twice."""
    f_circle, f_tag, f_org = circle or None, tag or None, org or None
    limit = limit or PAGE_SIZE
    if in_order is not None and only is not None and not (q.strip() or circle or tag or org):
        chosen = set(only)
        matched = [pid for pid in in_order if pid in chosen]
        return matched[offset : offset + limit], len(matched)
    if q.strip():
        hits = search.ranked_ids(s, q, kind="person", limit=SEARCH_LIMIT)
        wanted = set(only) if only is not None else None
        ranked = [pid for pid in hits if wanted is None or pid in wanted]
        keep = listing.matching_ids(s, ranked, circle=f_circle, tag=f_tag, org=f_org)
        matched = [pid for pid in ranked if pid in keep]
        return matched[offset : offset + limit], len(matched)
    if only is not None and not only:
        return [], 0
    total = listing.count(s, ids=only, circle=f_circle, tag=f_tag, org=f_org)
    shown = listing.listed_ids(
        s, ids=only, limit=limit, offset=offset, circle=f_circle, tag=f_tag, org=f_org
    )
    return shown, total


def rows_of(request: Request, ids: Sequence[int]) -> list[PersonSummary]:
    """These people's list rows, in this order, kept per person for the day
    (web/per_person.py, by the rule for rows: a change to someone's emails, tags, roles or
    history recomputes theirs)."""
    kept = per_person(
        request, ("rows", now(request).date()), ids, listing.summaries_by_id, rows=True
    )
    return [kept[pid] for pid in ids if pid in kept]


@router.get("/people")
def people_list(
    request: Request,
    q: str = "",
    circle: str = "",
    tag: str = "",
    org: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    due: bool = False,
    flagged: bool = False,
    tagged: int | None = None,
    as_: Annotated[str | None, Query(alias="as")] = None,
    removed: int | None = None,
    org_added: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    errors: dict[str, str] = {}
    total = 0
    as_of = minute(request)
    only: set[int] | None = None
    in_order: list[int] | None = None  # everyone listed, in the list's order
    if due:  # kept per person: a write recomputes the cadences of whom it concerns only
        with store(request).session() as s:
            in_order = figures.listed_order(s)
        day = as_of.date()
        dues = per_person(request, ("due", day), in_order, partial(figures.due_marks, today=day))
        only = {pid for pid, is_due in dues.items() if is_due}
    if flagged:
        marked = set(cached(request, ("flagged", as_of), partial(figures.flagged_ids, now=as_of)))
        only = marked if only is None else only & marked
    shown: list[int] = []
    with store(request).session() as s:
        try:
            shown, total = find_people(
                s,
                q=q,
                circle=circle,
                tag=tag,
                org=org,
                only=sorted(only) if only is not None else None,
                in_order=in_order,
                offset=(page - 1) * PAGE_SIZE,
            )
        except InvalidInput as exc:
            errors = field_errors(exc)
        except GoodwillError as exc:  # an unknown or ambiguous organisation
            errors = {"org": str(exc)}
        all_tags = list(s.scalars(select(Tag.name).order_by(Tag.name)))
    rows = rows_of(request, shown)
    marks = badges_of(request, shown)
    params = {
        k: v
        for k, v in {
            "q": q,
            "circle": circle,
            "tag": tag,
            "org": org,
            "due": "1" if due else "",
            "flagged": "1" if flagged else "",
        }.items()
        if v
    }
    ctx: dict[str, Any] = {
        "marks": marks,
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, math.ceil(total / PAGE_SIZE)),
        "params": params,
        "query": urlencode(params),
        "circles": vocab.CIRCLES,
        "all_tags": all_tags,
        "errors": errors,
        "notice": f"Tagged {tagged} {'person' if tagged == 1 else 'people'} “{as_}”."
        if tagged is not None and as_
        else None,
    }
    if removed is not None:
        with store(request).session() as s:
            gone = s.get(Person, removed)
            if gone is not None and gone.removed_at is not None and not gone.merged_into_id:
                ctx["notice"] = f"Removed {gone.display_name}; their history stays."
                ctx["undo"] = {
                    "url": f"/people/{removed}/restore",
                    "fields": {},
                    "label": "Undo",
                }
    elif org_added:
        ctx["notice"] = f"Added the organisation {org_added}."
    if request.headers.get("hx-target") == "results":
        # The address bar gets the clean, bookmarkable address of this view.
        clean = "/people" + ("?" + ctx["query"] if ctx["query"] else "")
        return render(request).page(
            request, "people_results.html", ctx, headers={"HX-Push-Url": clean}
        )
    return render(request).page(request, "people.html", ctx, status=400 if errors else 200)


@router.post("/people/tag")
def bulk_tag(request: Request, form: Annotated[BulkTagForm, Form()]) -> Response:
    back = dict(form.back_params())
    if not form.ids:
        raise InvalidInput("people", "", "tick at least one person to tag")
    with store(request).session() as s:
        chosen = s.scalars(select(Person).where(Person.id.in_(form.ids), people.ACTIVE)).all()
        for person in chosen:
            people.edit(s, person, add_tags_=[form.tag])
        name = people.tag_by_name(s, form.tag).name
    back.update({"tagged": str(len(chosen)), "as": name})
    return RedirectResponse("/people?" + urlencode(back), status_code=303)


def _person_context(
    request: Request, s: Session, person: Person, *, show_all: bool
) -> dict[str, Any]:
    if request.method == "GET":
        mark = badges_of(request, [person.id])[person.id]
    else:  # a write is under way: what it changed is not in the kept badges yet
        mark = figures.badges(s, [person.id], now(request))[person.id]
    detail = page_of.detail(
        s,
        person,
        recent=10_000 if show_all else 25,
        as_of=now(request),
        known=page_of.Known(mark.strength, mark.balance, mark.flags),
    )
    return {
        "mark": mark,
        "p": detail,
        "current": next((r for r in detail.roles if r.current), None),
        "circles": vocab.CIRCLES,
        "show_all": show_all,
        "kinds": vocab.INTERACTION_KINDS,
        "open_requests": requests.list_(s, status="open", person=person),
        "intros": [
            i for i in introductions.summaries(s, open_only=True) if person.id in (i.a_id, i.b_id)
        ],
    }


def _edit_values(person: Person) -> dict[str, str]:
    """The edit form's fields as they stand (what an edit is compared with)."""
    current = next((r for r in person.roles if r.is_current), None)
    return {
        "name": person.display_name,
        "circle": person.circle,
        "org": current.organization.name if current else "",
        "title": (current.title or "") if current else "",
        "location": person.location or "",
        "industry": person.industry or "",
        "how_met": person.how_met or "",
        "working_on": person.working_on or "",
        "looking_for": person.looking_for or "",
        "interests": person.interests or "",
        "tags": ", ".join(t.name for t in person.tags),
        "add_email": "",
        "add_phone": "",
        "linkedin": "",
        "cadence": str(person.cadence_ideal_days or ""),
        "note": "",
    }


def _resolve(s: Session, ref: str) -> Person:
    return people.resolve(s, ref)


@router.get("/people/{ref}")
def person_page(
    request: Request,
    ref: str,
    all: bool = False,
    added: bool = False,
    merged: bool = False,
    edited: int | None = None,
    removed: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    with store(request).session() as s:
        person = _resolve(s, ref)
        if str(person.id) != ref:  # a name, an email or a merged id: go to the canonical page
            return RedirectResponse(f"/people/{person.id}", status_code=307)
        ctx = _person_context(request, s, person, show_all=all)
    ctx["editing"] = False
    if added:
        ctx["notice"] = f"Added {person.display_name}."
        ctx["undo"] = {"url": f"/people/{person.id}/remove", "fields": {}, "label": "Undo"}
    elif merged:
        ctx["notice"] = "Merged: everything they had is here now."
    elif edited is not None:
        ctx["notice"] = "Interaction corrected."
    elif removed and removed in vocab.INTERACTION_KINDS:
        ctx["notice"] = f"Removed the {removed}: its gives, asks and requests went with it."
    return render(request).page(request, "person.html", ctx)


@router.get("/people/{person_id}/edit")
def person_edit_form(request: Request, person_id: PathId) -> Response:
    with store(request).session() as s:
        person = _resolve(s, str(person_id))
        ctx = _person_context(request, s, person, show_all=False)
        ctx.update(editing=True, values=_edit_values(person))
    name = "person_body.html" if is_htmx(request) else "person.html"
    return render(request).page(request, name, ctx)


@router.post("/people/{person_id}/edit")
def person_edit(
    request: Request, person_id: PathId, form: Annotated[PersonEditForm, Form()]
) -> Response:
    errors: dict[str, str] = {}
    try:
        with store(request).session() as s:
            person = _resolve(s, str(person_id))
            before = _edit_values(person)
            people.edit(s, person, **form.edit_arguments(before))
    except InvalidInput as exc:
        errors = field_errors(exc, EDIT_FIELDS, PersonEditForm.model_fields)
    if not errors and not is_htmx(request):
        return RedirectResponse(f"/people/{person_id}", status_code=303)
    with store(request).session() as s:
        ctx = _person_context(request, s, _resolve(s, str(person_id)), show_all=False)
    ctx.update(editing=bool(errors), errors=errors, values=form.model_dump())
    if not errors:
        ctx["notice"] = "Saved."
    name = "person_body.html" if is_htmx(request) else "person.html"
    # htmx swaps only 2xx answers by default: a form with errors comes back as 200 there.
    status = 400 if errors and not is_htmx(request) else 200
    return render(request).page(request, name, ctx, status=status)
