"""The team's sign-in page (`goodwill serve --team`): email and password, then a session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from goodwill.errors import InvalidInput
from goodwill.records import team
from goodwill.store import policy
from goodwill.web.routes.auth import _safe_next
from goodwill.web.routes.deps import render, store
from goodwill.web.team_auth import SESSION_COOKIE, cleared_cookie, session_cookie

router = APIRouter(include_in_schema=False)


def _form(
    request: Request, next_: str, email: str = "", error: str = "", status: int = 200
) -> Response:
    return render(request).page(
        request,
        "team_login.html",
        {"next": next_, "email": email, "errors": {"password": error} if error else {}},
        status=status,
    )


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    if getattr(request.state, "viewer", None) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _form(request, _safe_next(next))


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    target = _safe_next(next)
    try:
        with policy.acting_as(None), store(request).session() as s:
            cookie = team.sign_in(s, email, password)
    except team.TooManyAttempts as exc:
        return _form(request, target, email, str(exc).capitalize() + ".", status=429)
    if cookie is None:
        return _form(request, target, email, "That email and password do not match.", 401)
    response = RedirectResponse(target, status_code=303)
    response.headers.append("set-cookie", session_cookie(cookie))
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with policy.acting_as(None), store(request).session() as s:
            team.sign_out(s, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.headers.append("set-cookie", cleared_cookie())
    return response


def _invite_page(
    request: Request, secret: str, who: str = "", problem: str = "", error: str = "",
    status: int = 200,
) -> Response:  # fmt: skip
    return render(request).page(
        request,
        "team_invite.html",
        {
            "secret": secret,
            "who": who,
            "problem": problem,
            "errors": {"password": error} if error else {},
        },
        status=status,
    )


@router.get("/invite/{secret}")
def invite_form(request: Request, secret: str) -> Response:
    """An invite link: a form to set your password, or one sentence why it cannot."""
    with policy.acting_as(None), store(request).session() as s:
        try:
            member = team.invited(s, secret)
        except team.InviteUnusable as exc:
            return _invite_page(request, secret, problem=str(exc).capitalize() + ".", status=410)
    return _invite_page(request, secret, who=f"{member.name} <{member.email}>")


@router.post("/invite/{secret}")
def invite_accept(
    request: Request,
    secret: str,
    password: Annotated[str, Form(max_length=1000)] = "",
    again: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if password != again:
        return _invite_page(request, secret, error="The two passwords differ.", status=400)
    try:
        with policy.acting_as(None), store(request).session() as s:
            cookie = team.accept_invite(s, secret, password)
    except team.InviteUnusable as exc:
        return _invite_page(request, secret, problem=str(exc).capitalize() + ".", status=410)
    except InvalidInput as exc:
        why = exc.why[:1].upper() + exc.why[1:] + "."
        return _invite_page(request, secret, error=why, status=400)
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", session_cookie(cookie))
    return response
