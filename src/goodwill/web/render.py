"""Templates (Jinja2, always autoescaped) and the helpers every page uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from goodwill.errors import InvalidInput
from goodwill.web.guard import CSRF_FIELD, csrf_token_for

TEMPLATES = Path(__file__).parent / "templates"

# The navigation: (path, label). A page appears here only once its domain exists.
NAV: list[tuple[str, str]] = [
    ("/", "Today"),
    ("/people", "People"),
    ("/log", "Log"),
    ("/needs", "Needs"),
    ("/network", "Network"),
    ("/report", "Report"),
    ("/import", "Import"),
]


def _ago(value: dt.date | dt.datetime | None, today: dt.date | None = None) -> str:
    if value is None:
        return "never"
    day = value.date() if isinstance(value, dt.datetime) else value
    days = ((today or dt.date.today()) - day).days
    if days < 0:
        return f"in {-days} day{'s' if days != -1 else ''}"
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def _initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    if not parts:
        return name[:1].upper() or "?"
    return (parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")).upper()


def _hue(value: int | str) -> int:
    """A stable, calm colour for an avatar, from an id."""
    return (int(value) * 47) % 360 if str(value).isdigit() else sum(map(ord, str(value))) % 360


def make_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every template, whatever its extension
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # the templates ship with the package: no stat() per page
    )
    env.filters["ago"] = _ago
    env.filters["initials"] = _initials
    env.filters["hue"] = _hue
    return env


class Renderer:
    def __init__(self) -> None:
        self.env = make_env()

    def page(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        ctx: dict[str, Any] = {
            "request": request,
            "csrf_token": csrf_token_for(request),
            "csrf_field": CSRF_FIELD,
            "nav": NAV,
            "path": request.url.path,
            "today": request.app.state.clock().date(),
            "errors": {},
            "form_error": None,
            "notice": None,
        }
        ctx.update(context or {})
        html = self.env.get_template(name).render(ctx)
        return HTMLResponse(html, status_code=status, headers=headers)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def field_errors(
    exc: InvalidInput,
    field_map: dict[str, str] | None = None,
    known: Iterable[str] | None = None,
) -> dict[str, str]:
    """The message of a domain InvalidInput, keyed by the form field it belongs to
    (`form` when the form has no such field, shown above it)."""
    field = (field_map or {}).get(exc.field, exc.field)
    if known is not None and field not in set(known):
        return {"form": str(exc)[:1].upper() + str(exc)[1:] + "."}
    why = exc.why[:1].upper() + exc.why[1:]
    return {field: why if why.endswith((".", "?")) else why + "."}
