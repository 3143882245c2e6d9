"""Team sign-in for the web app (`goodwill serve --team`).

Every request but the sign-in page and its assets names a member: a browser by its
session cookie (HttpOnly, SameSite=Strict, kept server-side in the database so that every
worker process agrees and removing a member signs them out at once), a script by
`Authorization: Bearer TOKEN` (`goodwill user token`). The member is set for the request
(`policy.acting_as`): every transaction it opens reads as them, and on PostgreSQL
row-level security holds it to their own private rows. Without a member the JSON API
answers 401 and pages go to /login.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from goodwill.records import team
from goodwill.store import policy
from goodwill.store.db import Store
from goodwill.store.policy import Viewer

SESSION_COOKIE = "gw_session"
# Reachable signed out: the sign-in form, invite links and what they need.
PUBLIC_PREFIXES = ("/login", "/invite/", "/static/")
ASSETS = "/static/"


def session_cookie(value: str, max_age: int = team.SESSION_DAYS * 86400) -> str:
    return f"{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict"


def cleared_cookie() -> str:
    return f"{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"


def identify(store: Store, headers: Headers) -> tuple[Viewer | None, bool]:
    """(the member this request is from, or None; whether they came by a Bearer token).

    One statement in autocommit, on every request: no BEGIN and COMMIT around it (two
    round trips to the database, which under load cost more than the query), and no
    member set (the sessions and tokens are no member's private rows)."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    bearer = scheme.lower() == "bearer" and bool(value.strip())
    cookie = None if bearer else cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
    if not bearer and not cookie:
        return None, False
    with (
        policy.acting_as(None),
        store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn,
        Session(bind=conn) as s,
    ):
        if bearer:
            return team.by_token(s, value.strip()), True
        return (team.by_session(s, cookie) if cookie else None), False


class TeamAuthMiddleware:
    """Sign-in before any route; the member acting for the rest of the request."""

    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        import anyio.to_thread

        headers = Headers(scope=scope)
        path: str = scope.get("path", "/")
        if path.startswith(ASSETS):  # the same for everyone: nobody need be looked up
            viewer, bearer = None, False
        else:
            viewer, bearer = await anyio.to_thread.run_sync(identify, self.store, headers)
        state = scope.setdefault("state", {})
        state["team_bearer"] = bearer and viewer is not None
        state["viewer"] = viewer
        if viewer is None and not path.startswith(PUBLIC_PREFIXES):
            await _refuse(scope, path, bearer)(scope, receive, send)
            return
        with policy.acting_as(viewer):
            await self.app(scope, receive, send)


def _refuse(scope: Scope, path: str, bearer: bool) -> Response:
    if bearer or path.startswith("/api") or path == "/openapi.json":
        return JSONResponse(
            {"detail": "sign in first: send Authorization: Bearer TOKEN ('goodwill user token')"},
            status_code=401,
            headers={"www-authenticate": "Bearer"},
        )
    query = scope.get("query_string", b"").decode("latin-1")
    target = path + ("?" + query if query else "")
    return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)
