"""Security for the web app, even on localhost.

- Host check: a page from another site that rebinds its DNS name to 127.0.0.1 still sends
  its own name in the Host header; only the loopback names and the bound host are served.
- CSRF: each browser gets a random seed in an HttpOnly, SameSite=Strict cookie; the token
  in every form (and in htmx's X-CSRF-Token header) is an HMAC of that seed with a secret
  that never leaves the process. A write without the matching token is refused.
- Token auth: when a token is set (required beyond localhost), every page asks for it once
  (POST /login starts a session of its own, revocable by POST /logout; see signin.py)
  and API clients send `Authorization: Bearer TOKEN`. The token never travels in a URL.
  Wrong tokens are slowed down per client address (429 while locked out). Cookies are
  Secure when the app is served over TLS.
- Cross-site writes and oversized bodies are refused before the body is read: a write
  whose Sec-Fetch-Site is not same-origin (or none), or whose Origin is another site, gets
  403; a Content-Length over the limit gets 413, and a chunked body is counted as it comes.
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

from fastapi import HTTPException
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request, cookie_parser
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from goodwill.web.signin import Sessions, Throttle

CSRF_COOKIE = "gw_csrf"
AUTH_COOKIE = "gw_auth"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
# Reachable without the token: the login form and the assets it needs, and signing out.
PUBLIC_PREFIXES = ("/login", "/logout", "/static/")

# The largest body of a write: forms are small; the import page's upload is limited by
# Guard.max_upload (the uploads' own limit and room for the multipart wrapping).
MAX_FORM_BYTES = 1024 * 1024
UPLOAD_PREFIX = "/import/"
MULTIPART_SLACK = 64 * 1024
# What a browser says of a request made by this server's own pages (none: typed or a bookmark).
SAME_SITE_FETCH = frozenset({"same-origin", "none"})

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


class BodyTooLarge(HTTPException):
    """A request body (chunked: no Content-Length) went past the limit while being read."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request is larger than the {limit // 1024} KB allowed")


def host_name(host_header: str) -> str:
    """The host part of a Host header, without the port ('[::1]:8765' -> '[::1]')."""
    value = host_header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[: end + 1] if end > 0 else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Guard:
    """The secret, the allowed hosts and the optional token of one running app."""

    def __init__(
        self, *, token: str | None, allowed_hosts: Iterable[str] = (), secure: bool = False
    ) -> None:
        self.token = token or None
        self.secure = secure  # served over TLS: every cookie is Secure
        self.sessions = Sessions()
        self.throttle = Throttle()
        self.secret = secrets.token_bytes(32)
        extra = {host_name(h) for h in allowed_hosts if h and h not in ("0.0.0.0", "::")}
        extra |= {f"[{h}]" for h in extra if ":" in h and not h.startswith("[")}
        self.allowed_hosts = frozenset(LOOPBACK_HOSTS | extra)
        self.max_upload = 20 * 1024 * 1024 + MULTIPART_SLACK  # create_app sets the real one

    def body_limit(self, path: str) -> int:
        return self.max_upload if path.startswith(UPLOAD_PREFIX) else MAX_FORM_BYTES

    def cross_site(self, headers: Headers) -> bool:
        """True when a browser says the write comes from another site (or origin).

        Sec-Fetch-Site decides when the browser sends it (every current one does). Else
        an Origin naming another host is refused; "null" is let through to the CSRF
        check, because our own pages send it: under Referrer-Policy no-referrer a
        browser sends `Origin: null` with a form's POST."""
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site is not None:
            return fetch_site.strip().lower() not in SAME_SITE_FETCH
        origin = (headers.get("origin") or "").strip().lower()
        if not origin or origin == "null":
            return False  # not a browser, or an old one: the CSRF token still applies
        scheme, sep, rest = origin.partition("://")
        if not sep or scheme not in ("http", "https"):
            return True
        return rest.rstrip("/") != headers.get("host", "").strip().lower()

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

    def bearer_ok(self, headers: Headers) -> bool:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.token_ok(value.strip())

    def authenticated(self, headers: Headers, cookies: dict[str, str]) -> bool:
        if self.token is None:
            return True
        if self.bearer_ok(headers):
            return True
        return self.sessions.valid(cookies.get(AUTH_COOKIE))


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
        path: str = scope.get("path", "/")
        secure = self.guard.secure or scope.get("scheme") == "https"
        client = _client(scope)
        if "authorization" in headers and self.guard.token is not None:
            wait = self.guard.throttle.wait(client)
            if wait:
                await _too_many(path, wait)(scope, receive, send)
                return
            if self.guard.bearer_ok(headers):
                self.guard.throttle.succeeded(client)
            else:
                self.guard.throttle.failed(client)
        if scope.get("method", "GET") not in SAFE_METHODS:
            refused = self._refuse_write(headers, path)
            if refused is not None:
                await refused(scope, receive, send)
                return
            receive = _counted(receive, self.guard.body_limit(path))
        cookies = cookie_parser(headers.get("cookie", ""))
        seed = cookies.get(CSRF_COOKIE)
        new_seed = None
        if not _csrf_seed_ok(seed):
            seed = new_seed = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_seed"] = seed
        scope["state"]["secure_cookies"] = secure
        if not path.startswith(PUBLIC_PREFIXES) and not self.guard.authenticated(headers, cookies):
            await self._refuse(scope, path, new_seed, secure)(scope, receive, send)
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
                    out.append("set-cookie", _cookie(CSRF_COOKIE, new_seed, secure))
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def _refuse_write(self, headers: Headers, path: str) -> Response | None:
        """403 for a cross-site write, 413 for a declared body over the limit; None: go on.
        Decided on the headers alone: not one byte of the body is read."""
        if self.guard.cross_site(headers) and not self.guard.bearer_ok(headers):
            return _with_headers(
                _plain_or_json(
                    path,
                    403,
                    "cross-site request refused: goodwill only accepts "
                    "changes made from its own pages",
                )
            )
        limit = self.guard.body_limit(path)
        length = headers.get("content-length", "")
        if length and (not length.strip().isdigit() or int(length) > limit):
            return _with_headers(
                _plain_or_json(
                    path, 413, f"the request is larger than the {limit // 1024} KB allowed"
                )
            )
        return None

    def _refuse(self, scope: Scope, path: str, new_seed: str | None, secure: bool) -> Response:
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
            response.headers.append("set-cookie", _cookie(CSRF_COOKIE, new_seed, secure))
        return _with_headers(response)


def _counted(receive: Receive, limit: int) -> Receive:
    """`receive`, raising BodyTooLarge once the body read so far passes `limit` (a chunked
    body has no Content-Length to check beforehand)."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return wrapped


def _plain_or_json(path: str, status: int, message: str) -> Response:
    if path.startswith("/api"):
        return JSONResponse({"detail": message}, status_code=status)
    return PlainTextResponse(message[:1].upper() + message[1:] + ".", status_code=status)


def with_security_headers(response: Response) -> Response:
    """The security headers on a response made outside the middleware (the 500 page)."""
    return _with_headers(response)


def _with_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS:
        response.headers.setdefault(name, value)
    return response


def _cookie(name: str, value: str, secure: bool = False, max_age: int | None = None) -> str:
    extra = ("; Secure" if secure else "") + (f"; Max-Age={max_age}" if max_age is not None else "")
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Strict{extra}"


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def client_address(request: Request) -> str:
    return _client(request.scope)


def _too_many(path: str, wait: float) -> Response:
    seconds = int(wait) + 1
    response = _plain_or_json(
        path, 429, f"too many wrong tokens from this address; try again in {seconds} s"
    )
    response.headers["retry-after"] = str(seconds)
    return _with_headers(response)


def too_many_tries(wait: float) -> str:
    return f"Too many wrong tokens from this address; try again in {int(wait) + 1} s."


def auth_cookie_header(request: Request, session_id: str) -> str:
    """The cookie of a new sign-in session (Secure under TLS)."""
    return _cookie(AUTH_COOKIE, session_id, bool(request.state.secure_cookies))


def cleared_auth_cookie(request: Request) -> str:
    return _cookie(AUTH_COOKIE, "", bool(request.state.secure_cookies), max_age=0)


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
