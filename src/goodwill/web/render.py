"""Templates (Jinja2, always autoescaped) and the helpers every page uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
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
    ("/doctor", "Doctor"),
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


# The small pieces drawn once per row of a list (50 a page): plain functions rather than
# Jinja macros, whose calls cost several times as much.


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def avatar(id: int | str, name: str, size: str = "") -> Markup:
    return Markup(
        f'<span class="avatar {escape(size)}" style="--h: {_hue(id)}" aria-hidden="true">'
        f"{escape(_initials(name))}</span>"
    )


def meter(value: float) -> Markup:
    return Markup(
        f'<span class="meter" title="tie strength {value:.2f}">'
        f'<span style="width: {round(value * 100)}%"></span></span>'
    )


def health(mark: Any) -> Markup:
    """A cadence state other than ok, then each flag, as badges."""
    state = _field(mark, "health")
    out = (
        f'<span class="badge health-{escape(state)}">{escape(state)}</span>'
        if state and state != "ok"
        else ""
    )
    for f in _field(mark, "flags") or ():
        out += (
            f'<span class="badge warn" title="{escape(f.reason)}">'
            f"{escape(f.kind.replace('_', ' '))}</span>"
        )
    return Markup(out)


def balance(b: Any) -> Markup:
    if not (b and (b.gives or b.gets)):
        return Markup('<span class="muted small">–</span>')
    side = "pos" if b.balance > 0.05 else ("neg" if b.balance < -0.05 else "")
    return Markup(
        f'<span class="balance {side}" title="gave {b.gives} · got {b.gets} '
        f'(weighted {b.given:.1f} / {b.received:.1f})">{b.balance:+.1f}</span>\n'
    )


# Each person's row as last written, with the very objects it was written from: the web
# app keeps a person's row and badges as one object each until a write replaces it, so the
# same objects (`is`, the references held here) on the same day give the same HTML. Never
# more than one entry per person.
_WRITTEN: dict[int, tuple[Any, Any, dt.date, str]] = {}
_WRITTEN_MAX = 200_000


def person_rows(rows: Iterable[Any], marks: Any, today: dt.date) -> Markup:
    """The people list's rows (50 a page): written here rather than in the template, where
    each of their dozen lookups and calls per row cost several times as much (half the
    page's time), and written again only when the person's row or badges were replaced
    (a tenth of the server's time under load went here). The columns are
    people_results.html's."""
    out: list[str] = []
    if len(_WRITTEN) > _WRITTEN_MAX:
        _WRITTEN.clear()
    for r in rows:
        m = marks.get(r.id)
        written = _WRITTEN.get(r.id)
        if written is not None and written[0] is r and written[1] is m and written[2] == today:
            out.append(written[3])
            continue
        html = _person_row(r, m, today)
        _WRITTEN[r.id] = (r, m, today, html)
        out.append(html)
    return Markup("".join(out))


def _person_row(r: Any, m: Any, today: dt.date) -> str:
    """One row of `person_rows` (`m`: the person's badges, or None)."""
    name = escape(r.name)
    email = f'<span class="muted small block">{escape(r.emails[0])}</span>' if r.emails else ""
    org = ""
    if r.organization:
        title = f'<span class="muted small">{escape(r.title)}</span>' if r.title else ""
        org = f'<span class="block">{escape(r.organization)}</span>{title}'
    circle = escape(r.circle)
    tags = "".join(f'<span class="tag">{escape(t)}</span>' for t in r.tags[:3])
    if len(r.tags) > 3:
        tags += f'<span class="muted small">+{len(r.tags) - 3}</span>'
    last = r.last_contact
    when = (
        f'<span title="{escape(last or "never")}" class="{"" if last else "muted"}">'
        f"{escape(_ago(last, today))}</span>"
    )
    if m:
        when += f'<span class="block">{health(m)}</span>'
    return (
        "      <tr>\n"
        f'        <td class="check"><input type="checkbox" name="ids" value="{r.id}" '
        f'aria-label="Tick {name}"></td>\n'
        "        <td>\n"
        f'          <a class="person-link" href="/people/{r.id}">{avatar(r.id, r.name, "sm")}'
        f'<span><span class="name">{name}</span>{email}</span></a>\n'
        "        </td>\n"
        f'        <td class="hide-sm org">{org}</td>\n'
        f'        <td class="hide-md tags-cell"><span class="badge circle-{circle}">{circle}'
        f"</span> {tags}</td>\n"
        f'        <td class="hide-sm">{meter(m.strength) if m else ""}</td>\n'
        f'        <td class="hide-md">{balance(m.balance) if m else ""}</td>\n'
        f'        <td class="when">{when}</td>\n'
        "      </tr>\n"
    )


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
    env.globals.update(
        avatar=avatar, meter=meter, health=health, balance=balance, person_rows=person_rows
    )
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
            "undo": None,
            # The member signed in (`serve --team`), else None.
            "viewer": getattr(request.state, "viewer", None),
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
