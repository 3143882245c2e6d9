"""The login form shown when the server was started with a token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from goodwill.web.guard import Guard, auth_cookie_header
from goodwill.web.routes.deps import render

router = APIRouter(include_in_schema=False)


def _safe_next(value: str | None) -> str:
    # Only paths on this server: never an open redirect.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    guard: Guard = request.app.state.guard
    if guard.token is None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request).page(request, "login.html", {"next": _safe_next(next)})


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    guard: Guard = request.app.state.guard
    if guard.token is None:
        return RedirectResponse(_safe_next(next), status_code=303)
    if not guard.token_ok(token):
        return render(request).page(
            request,
            "login.html",
            {"next": _safe_next(next), "errors": {"token": "That is not the token."}},
            status=401,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.headers.append("set-cookie", auth_cookie_header(guard))
    return response
