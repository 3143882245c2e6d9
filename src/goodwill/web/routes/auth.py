"""The login form shown when the server was started with a token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from goodwill.web.guard import (
    AUTH_COOKIE,
    Guard,
    auth_cookie_header,
    cleared_auth_cookie,
    client_address,
    too_many_tries,
)
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
    client = client_address(request)
    wait = guard.throttle.wait(client)
    if wait:  # locked out: the token is not even looked at
        return render(request).page(
            request,
            "login.html",
            {"next": _safe_next(next), "errors": {"token": too_many_tries(wait)}},
            status=429,
            headers={"retry-after": str(int(wait) + 1)},
        )
    if not guard.token_ok(token):
        guard.throttle.failed(client)
        return render(request).page(
            request,
            "login.html",
            {"next": _safe_next(next), "errors": {"token": "That is not the token."}},
            status=401,
        )
    guard.throttle.succeeded(client)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.headers.append("set-cookie", auth_cookie_header(request, guard.sessions.new()))
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """Sign this browser out: its session is revoked on the server, not only forgotten."""
    guard: Guard = request.app.state.guard
    guard.sessions.revoke(request.cookies.get(AUTH_COOKIE))
    response = RedirectResponse("/login" if guard.token else "/", status_code=303)
    response.headers.append("set-cookie", cleared_auth_cookie(request))
    return response
