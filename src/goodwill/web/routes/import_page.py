"""Import: upload a file, preview what the importer would do (a dry run), then confirm.

The importer (goodwill.io.importer) does everything: the preview is its dry run, the
confirmation its real run in one transaction. The upload waits in a temp file between the
two (web/uploads.py) and is deleted after either.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from goodwill import validate
from goodwill.errors import ImportFailed, InvalidInput
from goodwill.io import batches, detect, importer
from goodwill.io.records import ImportOptions
from goodwill.schemas.io import ImportReport
from goodwill.schemas.web import split_list
from goodwill.web.render import field_errors
from goodwill.web.routes.deps import now, render, store
from goodwill.web.uploads import Staged, Uploads, size_text
from goodwill.wording import plural

router = APIRouter(include_in_schema=False)

# The formats a single uploaded file can hold (a maildir is a folder; a backup restores a
# whole database): name -> what to pick it for.
FORMATS: dict[str, str] = {
    "vcard": "vCard (.vcf): phones, Apple and Google Contacts",
    "linkedin": "LinkedIn export: Connections.csv or messages.csv",
    "facebook": "Facebook export: your friends (JSON)",
    "google": "Google Contacts CSV",
    "outlook": "Outlook contacts CSV",
    "csv": "Any CSV with a name or email column",
    "ics": "Calendar (.ics): meetings become interactions",
    "mbox": "Mailbox (.mbox): emails become interactions",
}
IMPORT_FIELDS = {"format": "fmt", "me": "me"}
# The format picked by default: guessed from the file's name and first lines.
AUTO = "auto"
CHOICES: dict[str, str] = {AUTO: "Guess from the file", **FORMATS}


def uploads(request: Request) -> Uploads:
    up: Uploads = request.app.state.uploads
    return up


def _owner(request: Request) -> str:
    seed: str = request.state.csrf_seed
    return seed


def _options(request: Request, me: str, *, dry_run: bool) -> ImportOptions:
    return ImportOptions(
        me=split_list(me),
        dry_run=dry_run,
        max_bytes=uploads(request).max_bytes,
        now=now(request),
    )


def _readable(report: ImportReport, item: Staged) -> ImportReport:
    """The report naming the file as the browser did, not by its temp path."""
    out = report.model_copy(deep=True)
    out.path = item.name
    for issue in out.issues:
        issue.file = item.name
        issue.message = issue.message.replace(str(item.path), item.name)
    return out


def _failure(exc: ImportFailed, item: Staged) -> str:
    text = str(exc).replace(str(item.path), item.name)
    if not text.startswith(item.name):  # a file name keeps its case
        text = text[:1].upper() + text[1:]
    return text + ("" if text.endswith(".") else ".")


def _page(request: Request, extra: dict[str, Any], status: int = 200) -> Response:
    ctx: dict[str, Any] = {
        "formats": CHOICES,
        "values": {"fmt": AUTO, "me": ""},
        "kept": None,
        "limit": size_text(uploads(request).max_bytes),
        "report": None,
        "staged": None,
        "imported": False,
    }
    ctx.update(extra)
    return render(request).page(request, "import.html", ctx, status=status)


@router.get("/import")
def import_form(request: Request) -> Response:
    return _page(request, {})


@router.post("/import/preview")
def import_preview(
    request: Request,
    file: Annotated[UploadFile | None, File()] = None,
    fmt: Annotated[str, Form()] = "",
    me: Annotated[str, Form()] = "",
    key: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    values = {"fmt": fmt, "me": me}
    kept: Staged | None = None
    try:
        fmt = validate.choice(fmt or AUTO, CHOICES, "format")
        if file is not None and file.filename:
            if key:  # a new file replaces the one kept from a failed preview
                with contextlib.suppress(InvalidInput):
                    uploads(request).discard(uploads(request).get(key, _owner(request)).key)
            item = uploads(request).stage(_owner(request), file.filename, fmt, file.file)
        elif key:  # the file kept from a failed preview, tried with another format
            item = uploads(request).get(key, _owner(request))
        else:
            raise InvalidInput("file", "", "choose a file to import")
    except InvalidInput as exc:
        errors = field_errors(exc, IMPORT_FIELDS, ("fmt", "me", "file"))
        return _page(request, {"errors": errors, "values": values}, status=400)
    try:
        item.fmt = _guess(item) if fmt == AUTO else fmt
        values["fmt"] = item.fmt
        report = importer.preview(
            store(request),
            item.fmt,
            item.path,
            _options(request, me, dry_run=True),
            item.path.parent,
        )
    except ImportFailed as exc:
        # The upload is kept: pick another format and preview again, without choosing
        # the file a second time.
        kept = item
        return _page(
            request,
            {"errors": {"file": _failure(exc, item)}, "values": values, "kept": kept},
            status=400,
        )
    return _page(request, {"report": _readable(report, item), "staged": item, "values": values})


def _guess(item: Staged) -> str:
    found = detect.guess(item.path)
    if found not in FORMATS:
        raise ImportFailed(
            f"{item.name} looks like a {found} file, which the web page does not import; "
            f"use 'goodwill import {found} PATH'"
        )
    return found


@router.post("/import/confirm")
def import_confirm(
    request: Request,
    key: Annotated[str, Form(max_length=100)],
    me: Annotated[str, Form()] = "",
) -> Response:
    try:
        item = uploads(request).get(key, _owner(request))
    except InvalidInput as exc:
        return _page(request, {"errors": field_errors(exc, IMPORT_FIELDS)}, status=400)
    try:
        with store(request).session() as s:
            start = batches.begin(s)
        report = importer.import_file(
            store(request), item.fmt, item.path, _options(request, me, dry_run=False)
        )
        with store(request).session() as s:
            batch = batches.finish(s, start, item.name)
    except ImportFailed as exc:
        return _page(
            request,
            {"errors": {"file": _failure(exc, item)}, "values": {"fmt": item.fmt, "me": me}},
            status=400,
        )
    finally:
        uploads(request).discard(item.key)
    undoable = bool(batch.people or batch.interactions)
    return _page(
        request,
        {
            "report": _readable(report, item),
            "imported": True,
            "notice": f"Imported {item.name}.",
            "undo": {"url": "/import/undo", "fields": {}, "label": "Undo the import"}
            if undoable
            else None,
        },
    )


@router.post("/import/undo")
def import_undo(request: Request) -> Response:
    """Undo the last import as a whole (while nothing has touched what it added)."""
    with store(request).session() as s:
        batch = batches.undo(s)
    return _page(
        request,
        {
            "notice": f"Undid the import of {batch.name}: "
            f"{plural(len(batch.people), 'person')} and "
            f"{plural(len(batch.interactions), 'interaction')} removed."
        },
    )


@router.post("/import/cancel")
def import_cancel(request: Request, key: Annotated[str, Form(max_length=100)] = "") -> Response:
    with contextlib.suppress(InvalidInput):  # already gone: nothing to cancel
        uploads(request).discard(uploads(request).get(key, _owner(request)).key)
    return RedirectResponse("/import", status_code=303)
