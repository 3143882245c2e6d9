"""Security for the web app, even on localhost.

- Host check: a page from another site that rebinds its DNS name to 127.0.0.1 still sends
  its own name in the Host header; only the loopback names and the bound host are served.
- CSRF: each browser gets a random seed in an HttpOnly, SameSite=Strict cookie; the token
  in every form (and in htmx's X-CSRF-Token header) is an HMAC of that seed with a secret
  that never leaves the process. A write without the matching token is refused.
- Token auth: when a token is set (required beyond localhost), every page asks for it once
  (POST /login sets a signed cookie) and API clients send `Authorization: Bearer TOKEN`.
  The token never travels in a URL.
- Headers: a strict Content-Security-Policy (scripts from this server only; no request
  leaves the machine), no framing, no referrer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from urllib.parse import quote

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request, cookie_parser
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "gw_csrf"
AUTH_COOKIE = "gw_auth"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
# Reachable without the token: the login form and the assets it needs.
PUBLIC_PREFIXES = ("/login", "/static/")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
)


class CsrfFailed(Exception):
    """A write arrived without the token of the page it came from."""


def host_name(host_header: str) -> str:
    """The host part of a Host header, without the port ('[::1]:8765' -> '[::1]')."""
    value = host_header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[: end + 1] if end > 0 else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Guard:
    """The secret, the allowed hosts and the optional token of one running app."""

    def __init__(self, *, token: str | None, allowed_hosts: Iterable[str] = ()) -> None:
        self.token = token or None
        self.secret = secrets.token_bytes(32)
        extra = {host_name(h) for h in allowed_hosts if h and h not in ("0.0.0.0", "::")}
        extra |= {f"[{h}]" for h in extra if ":" in h and not h.startswith("[")}
        self.allowed_hosts = frozenset(LOOPBACK_HOSTS | extra)

    def _sign(self, purpose: str, value: str) -> str:
        msg = f"{purpose}:{value}".encode()
        return hmac.new(self.secret, msg, hashlib.sha256).hexdigest()

    def host_allowed(self, host_header: str) -> bool:
        return host_name(host_header) in self.allowed_hosts

    def csrf_token(self, seed: str) -> str:
        return self._sign("csrf", seed)

    def csrf_ok(self, seed: str, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf_token(seed), str(sent))

    def token_ok(self, given: str | None) -> bool:
        return (
            self.token is not None
            and given is not None
            and hmac.compare_digest(given.encode(), self.token.encode())
        )

    def auth_cookie_value(self) -> str:
        # Bound to the token: changing the token logs every browser out.
        return self._sign("auth", hashlib.sha256((self.token or "").encode()).hexdigest())

    def bearer_ok(self, headers: Headers) -> bool:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.token_ok(value.strip())

    def authenticated(self, headers: Headers, cookies: dict[str, str]) -> bool:
        if self.token is None:
            return True
        if self.bearer_ok(headers):
            return True
        cookie = cookies.get(AUTH_COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie, self.auth_cookie_value())


def _csrf_seed_ok(value: str | None) -> bool:
    return bool(value) and 20 <= len(value or "") <= 100 and (value or "").isascii()


class GuardMiddleware:
    """Host check, CSRF seed cookie, token auth and security headers, before any route."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not self.guard.host_allowed(headers.get("host", "")):
            await _with_headers(PlainTextResponse("Invalid Host header", status_code=400))(
                scope, receive, send
            )
            return
        cookies = cookie_parser(headers.get("cookie", ""))
        seed = cookies.get(CSRF_COOKIE)
        new_seed = None
        if not _csrf_seed_ok(seed):
            seed = new_seed = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_seed"] = seed
        path: str = scope.get("path", "/")
        if not path.startswith(PUBLIC_PREFIXES) and not self.guard.authenticated(headers, cookies):
            await self._refuse(scope, path, new_seed)(scope, receive, send)
            return

        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                # Server time of the page (benchmarks and the browser's dev tools read it).
                elapsed = (time.perf_counter() - started) * 1000
                out.append("server-timing", f"app;dur={elapsed:.1f}")
                for name, value in SECURITY_HEADERS:
                    out.setdefault(name, value)
                if new_seed:
                    out.append("set-cookie", _cookie(CSRF_COOKIE, new_seed))
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def _refuse(self, scope: Scope, path: str, new_seed: str | None) -> Response:
        response: Response
        if path.startswith("/api") or path == "/openapi.json":
            response = JSONResponse(
                {"detail": "this goodwill server needs its token: Authorization: Bearer TOKEN"},
                status_code=401,
                headers={"www-authenticate": "Bearer"},
            )
        else:
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + ("?" + query if query else "")
            response = RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)
        if new_seed:
            response.headers.append("set-cookie", _cookie(CSRF_COOKIE, new_seed))
        return _with_headers(response)


def _with_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS:
        response.headers.setdefault(name, value)
    return response


def _cookie(name: str, value: str) -> str:
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Strict"


def auth_cookie_header(guard: Guard) -> str:
    return _cookie(AUTH_COOKIE, guard.auth_cookie_value())


def csrf_token_for(request: Request) -> str:
    guard: Guard = request.app.state.guard
    return guard.csrf_token(request.state.csrf_seed)


async def verify_csrf(request: Request) -> None:
    """A dependency of every route: writes need the page's CSRF token (or the API token)."""
    if request.method in SAFE_METHODS:
        return
    guard: Guard = request.app.state.guard
    if guard.bearer_ok(request.headers) or getattr(request.state, "team_bearer", False):
        return  # a script with the token: browsers never send this header cross-site
    sent = request.headers.get(CSRF_HEADER)
    ctype = request.headers.get("content-type", "")
    if sent is None and ctype.startswith(("application/x-www-form-urlencoded", "multipart/")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not guard.csrf_ok(request.state.csrf_seed, sent):
        raise CsrfFailed()
