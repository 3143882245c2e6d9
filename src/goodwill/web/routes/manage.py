"""The browser does it all: add, merge and remove people, add organisations, correct or
delete an interaction, answer requests, introduce people, undo, export a backup.

Each route is a thin face on the same domain function the command line calls. Every
change that can be undone says so in the banner with an Undo button.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from goodwill import validate, vocab
from goodwill.daily import undo as undoing
from goodwill.errors import Ambiguous, InvalidInput, NotFound
from goodwill.io import export as exporter
from goodwill.records import interactions, introductions, namesakes, orgs, people, requests
from goodwill.schemas.web import PathId, split_list
from goodwill.store.models import Interaction, Person
from goodwill.web.render import field_errors
from goodwill.web.routes.deps import now, render, store

router = APIRouter(include_in_schema=False)

NEW_PERSON_FIELDS = {
    "name": "name",
    "email": "email",
    "phone": "phone",
    "org": "org",
    "organisation": "org",
    "title": "title",
    "circle": "circle",
    "tags": "tags",
    "met": "met",
    "note": "note",
    "linkedin": "linkedin",
}


class NewPersonForm(BaseModel):
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=500)
    phone: str = Field(default="", max_length=200)
    org: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=200)
    circle: str = Field(default="network", max_length=20)
    tags: str = Field(default="", max_length=500)
    met: str = Field(default="", max_length=500)
    linkedin: str = Field(default="", max_length=500)
    note: str = Field(default="", max_length=5000)
    same_name_ok: bool = False
    next: str = Field(default="", max_length=200)


def _safe_next(value: str, default: str) -> str:
    """Only a path of this app: never an address elsewhere."""
    ok = value.startswith("/") and not value.startswith("//") and "\\" not in value
    return value if ok else default


def _new_page(request: Request, extra: dict[str, Any], status: int = 200) -> Response:
    ctx: dict[str, Any] = {
        "values": {"circle": "network"},
        "circles": vocab.CIRCLES,
        "same_name": [],
    }
    ctx.update(extra)
    return render(request).page(request, "person_new.html", ctx, status=status)


@router.get("/people/new")
def person_new_form(request: Request, name: str = "", next: str = "") -> Response:
    return _new_page(request, {"values": {"circle": "network", "name": name, "next": next}})


@router.post("/people/new")
def person_new(request: Request, form: Annotated[NewPersonForm, Form()]) -> Response:
    values = form.model_dump()
    try:
        with store(request).session() as s:
            same = namesakes.namesakes(s, form.name)
            if same and not form.same_name_ok:
                labels = [people._label(s, p) for p in same]
                return _new_page(
                    request,
                    {"values": values, "same_name": list(zip(same, labels, strict=True))},
                    status=400,
                )
            person = people.add(
                s,
                validate.non_empty(form.name, "name"),
                emails=split_list(form.email),
                phones=split_list(form.phone),
                org=form.org.strip() or None,
                title=form.title.strip() or None,
                circle=form.circle or None,
                tags=split_list(form.tags),
                met=form.met.strip() or None,
                linkedin=form.linkedin.strip() or None,
                note=form.note.strip() or None,
            )
            namesakes.suggest_merges(s, person)
            new_id = person.id
    except InvalidInput as exc:
        errors = field_errors(exc, NEW_PERSON_FIELDS, NewPersonForm.model_fields)
        return _new_page(request, {"values": values, "errors": errors}, status=400)
    back = _safe_next(form.next, "")
    if back.startswith("/log"):
        sep = "&" if "?" in back else "?"
        return RedirectResponse(f"{back}{sep}person={new_id}", status_code=303)
    return RedirectResponse(f"/people/{new_id}?added=1", status_code=303)


@router.post("/people/{person_id}/remove")
def person_remove(request: Request, person_id: PathId) -> Response:
    with store(request).session() as s:
        person = people.resolve(s, str(person_id))
        people.remove(s, person)
    return RedirectResponse(f"/people?removed={person_id}", status_code=303)


@router.post("/people/{person_id}/restore")
def person_restore(request: Request, person_id: PathId) -> Response:
    with store(request).session() as s:
        person = s.get(Person, person_id)
        if person is None:
            raise NotFound(f"no person #{person_id}")
        if person.merged_into_id is not None:
            raise InvalidInput("person", person.display_name, "was merged; it cannot come back")
        person.removed_at = None
        s.flush()
        from goodwill.store import search as search_index

        search_index.index_people(s, [person.id])
    return RedirectResponse(f"/people/{person_id}", status_code=303)


@router.post("/people/{person_id}/merge")
def person_merge(
    request: Request, person_id: PathId, other: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    with store(request).session() as s:
        keep = people.resolve(s, str(person_id))
        if not other.strip():
            raise InvalidInput("other", "", "name the person to merge into this one")
        try:
            dup = people.resolve(s, other)
        except (NotFound, Ambiguous) as exc:
            raise InvalidInput("other", other, str(exc)) from exc
        people.merge(s, keep, dup)
    return RedirectResponse(f"/people/{person_id}?merged=1", status_code=303)


@router.post("/orgs/new")
def org_new(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    industry: Annotated[str, Form(max_length=200)] = "",
    target: Annotated[bool, Form()] = False,
) -> Response:
    with store(request).session() as s:
        org = orgs.add(
            s, validate.non_empty(name, "organisation"), industry=industry or None, target=target
        )
        label = org.name
    return RedirectResponse("/people?" + urlencode({"org_added": label}), status_code=303)


# -- interactions --------------------------------------------------------------------------
class InteractionEditForm(BaseModel):
    kind: str = Field(default="", max_length=20)
    date: str = Field(default="", max_length=40)
    summary: str = Field(default="", max_length=5000)
    next: str = Field(default="", max_length=200)


@router.post("/interactions/{interaction_id}/edit")
def interaction_edit(
    request: Request, interaction_id: PathId, form: Annotated[InteractionEditForm, Form()]
) -> Response:
    current = now(request)
    with store(request).session() as s:
        item = interactions.get(s, interaction_id)
        when = None
        if form.date.strip() and form.date.strip() != item.occurred_at.date().isoformat():
            when = validate.datetime(form.date, now=current)
        interactions.edit(
            s, item, kind=form.kind or None, when=when, summary=form.summary, now=current
        )
    back = _safe_next(form.next, "/log")
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}edited={interaction_id}", status_code=303)


@router.post("/interactions/{interaction_id}/remove")
def interaction_remove(
    request: Request, interaction_id: PathId, next: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    with store(request).session() as s:
        item = interactions.get(s, interaction_id)
        kind = item.kind
        interactions.remove(s, item)
    back = _safe_next(next, "/log")
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}" + urlencode({"removed": kind}), status_code=303)


# -- the daily session -----------------------------------------------------------------------
@router.post("/today/undo")
def today_undo(request: Request, action: Annotated[str, Form(max_length=200)] = "") -> Response:
    with store(request).session() as s:
        undoing.undo(s, action)
    return RedirectResponse("/?undone=1", status_code=303)


# -- requests and introductions --------------------------------------------------------------
@router.post("/requests/{request_id}/answer")
def request_answer(
    request: Request,
    request_id: PathId,
    how: Annotated[str, Form(max_length=20)] = "helped",
    text: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    with store(request).session() as s:
        item = requests.get(s, request_id)
        referred: Person | None = None
        if how == "referred":
            try:
                referred = people.resolve(s, text)
            except (NotFound, Ambiguous) as exc:
                raise InvalidInput("referred", text, str(exc)) from exc
        requests.answer(
            s,
            item,
            helped=how == "helped",
            offered=text if how == "offered" else None,
            referred=referred,
            note=text.strip() or None if how == "helped" else None,
            now=now(request),
        )
        person_id = item.person_id
    return RedirectResponse(_safe_next(next, f"/people/{person_id}"), status_code=303)


@router.post("/introductions")
def introduction_new(
    request: Request,
    a: Annotated[int, Form(ge=1)],
    b: Annotated[str, Form(max_length=200)] = "",
    why: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    with store(request).session() as s:
        first = people.resolve(s, str(a))
        try:
            second = people.resolve(s, b)
        except (NotFound, Ambiguous) as exc:
            raise InvalidInput("introduce to", b, str(exc)) from exc
        introductions.propose(s, first, second, why, now=now(request))
    return RedirectResponse(f"/people/{a}", status_code=303)


@router.post("/introductions/{intro_id}/step")
def introduction_step(
    request: Request,
    intro_id: PathId,
    step: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    with store(request).session() as s:
        intro = introductions.get(s, intro_id)
        introductions.advance(s, intro, step, now=now(request))
        a_id = intro.a_id
    return RedirectResponse(_safe_next(next, f"/people/{a_id}"), status_code=303)


# -- a backup --------------------------------------------------------------------------------
@router.get("/export/{fmt}")
def export_file(request: Request, fmt: str) -> Response:
    kind = validate.choice(fmt, ("json", "vcard", "csv"), "export format")
    with store(request).session() as s:
        data = exporter.export_bytes(s, kind)
    stamp = now(request).date().isoformat()
    ext, mime = {
        "json": ("json", "application/json"),
        "vcard": ("vcf", "text/vcard"),
        "csv": ("csv", "text/csv"),
    }[kind]
    name = f"goodwill-{'backup' if kind == 'json' else 'contacts'}-{stamp}.{ext}"
    return Response(
        data,
        media_type=mime,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def undo_notice(s: Session, interaction_id: int) -> dict[str, Any] | None:
    """The banner's Undo for a just-logged interaction (None when it is gone already)."""
    item = s.get(Interaction, interaction_id)
    if item is None:
        return None
    return {
        "url": f"/interactions/{item.id}/remove",
        "fields": {"next": "/log"},
        "label": "Undo",
    }
