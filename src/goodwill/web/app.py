"""The FastAPI application: pages, the JSON API, security and error handling.

The web layer is thin: each route parses its input, calls the domain in one transaction
(`with store.session() as s:`) and renders a template or a pydantic schema.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from goodwill import __version__
from goodwill.errors import Ambiguous, GoodwillError, InvalidInput, NotFound, StoreBusy
from goodwill.store.db import Store, open_store
from goodwill.web.guard import (
    MULTIPART_SLACK,
    CsrfFailed,
    Guard,
    GuardMiddleware,
    verify_csrf,
    with_security_headers,
)
from goodwill.web.memo import Memo
from goodwill.web.per_person import PerPerson, in_thread
from goodwill.web.render import Renderer
from goodwill.web.routes import (
    api,
    auth,
    doctor_page,
    import_page,
    log_page,
    login,
    manage,
    needs_page,
    network_page,
    people_pages,
    report_page,
    team_page,
    today,
)
from goodwill.web.uploads import Uploads
from goodwill.web.versions import Versions

STATIC = Path(__file__).parent / "static"
# Pages hold the GIL most of the time: more threads only add switching (web_load at 10,000
# people: 107 requests/s with 3 threads, 112 with 2, 120 with 1). Two, so that one slow
# request (an import's preview, a chart) does not hold up every other page.
WORKER_THREADS = 2
log = logging.getLogger("goodwill.web")


def create_app(
    store_or_db_url: Store | str | None,
    *,
    token: str | None = None,
    allowed_hosts: Iterable[str] = (),
    clock: Callable[[], dt.datetime] | None = None,
    secure: bool = False,
    team: bool = False,
) -> FastAPI:
    """The web app over a store (or a database path/URL, opened and closed with the app).

    `token`: when set, every page and API call needs it (required beyond localhost).
    `allowed_hosts`: Host header names accepted besides localhost, 127.0.0.1 and [::1].
    `clock`: what "now" is (tests pass a fixed one).
    `secure`: served over TLS (`goodwill serve --ssl-certfile`): every cookie is Secure.
    """
    owned = not isinstance(store_or_db_url, Store)
    store = store_or_db_url if isinstance(store_or_db_url, Store) else open_store(store_or_db_url)
    if team:
        from goodwill.store import policy

        policy.attach(store)
        token = None  # members sign in; figures are each member's

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Pages run in worker threads, each holding a database connection: fewer threads
        # than the pool has connections, so a busy moment queues instead of timing out.
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        yield
        app.state.memo.close()
        app.state.per_person.close()
        app.state.uploads.close()
        if owned:
            store.dispose()

    app = FastAPI(
        title="goodwill",
        version=__version__,
        description="The JSON API of goodwill, a local-first relationship manager.",
        lifespan=lifespan,
        dependencies=[Depends(verify_csrf)],
        docs_url=None,  # Swagger UI would load from a CDN: blank under the CSP, and a request out
        redoc_url=None,
    )
    app.state.store = store
    app.state.team = team
    app.state.guard = Guard(token=token, allowed_hosts=allowed_hosts, secure=secure)
    app.state.clock = clock or dt.datetime.now
    app.state.render = Renderer()
    app.state.uploads = Uploads()
    app.state.guard.max_upload = app.state.uploads.max_bytes + MULTIPART_SLACK
    versions = Versions(store)
    app.state.memo = Memo(store, versions)
    # Everyone's badges and rows filled in a thread of their own (not for a team: each
    # member's are their own, computed in the request's context).
    app.state.per_person = PerPerson(store, versions, None if team else in_thread(store))
    if team:
        from goodwill.web.team_auth import TeamAuthMiddleware

        app.add_middleware(TeamAuthMiddleware, store=store)
    app.add_middleware(GuardMiddleware, guard=app.state.guard)  # the outermost
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_error_handlers(app)

    # manage first: its /people/new must not be read as a person named "new".
    pages = (
        manage,
        today,
        people_pages,
        log_page,
        needs_page,
        network_page,
        report_page,
        import_page,
        doctor_page,
    )
    for module in (login if team else auth, *pages, api):
        app.include_router(module.router)
    if team:
        app.include_router(team_page.router)
    return app


def team_app() -> FastAPI:
    """The app of `goodwill serve --team --workers N`, made in each worker process from
    GOODWILL_DB and GOODWILL_ALLOWED_HOSTS (uvicorn's factory)."""
    import os

    hosts = [h for h in os.environ.get("GOODWILL_ALLOWED_HOSTS", "").split(",") if h]
    return create_app(os.environ.get("GOODWILL_DB"), team=True, allowed_hosts=hosts)


def _wants_json(request: Request) -> bool:
    return (
        request.url.path.startswith("/api")
        or "application/json" in request.headers.get("accept", "").split(",")[0]
    )


def _error(request: Request, status: int, title: str, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    render: Renderer = request.app.state.render
    return render.page(
        request, "error.html", {"title": title, "message": message, "status": status}, status=status
    )


def _add_error_handlers(app: FastAPI) -> None:
    """Every failure becomes a friendly page (or JSON under /api); never a traceback."""

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, "Not found", str(exc))

    @app.exception_handler(Ambiguous)
    async def ambiguous(request: Request, exc: Ambiguous) -> Response:
        return _error(request, 400, "Which one?", str(exc))

    @app.exception_handler(InvalidInput)
    async def invalid(request: Request, exc: InvalidInput) -> Response:
        return _error(request, 400, "That did not work", str(exc))

    @app.exception_handler(StoreBusy)
    async def busy(request: Request, exc: StoreBusy) -> Response:
        # Another process (a CLI import, a sync) holds the write lock: nothing was saved.
        response = _error(request, 503, "Busy", f"{exc}; nothing was saved.")
        response.headers["retry-after"] = "5"
        return response

    @app.exception_handler(GoodwillError)
    async def goodwill_error(request: Request, exc: GoodwillError) -> Response:
        return _error(request, 400, "That did not work", str(exc))

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return _error(
            request,
            403,
            "Page expired",
            "This form is out of date (or did not come from goodwill). "
            "Reload the page and try again.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error(request, 404, "Not found", "There is no page at this address.")
        if exc.status_code == 405:
            return _error(request, 405, "Not allowed", "This address does not accept that.")
        detail = exc.detail if isinstance(exc.detail, str) else "The request was not understood."
        return _error(request, exc.status_code, "That did not work", detail)

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": _jsonable_errors(exc.errors())}, status_code=422)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ())[1:]) or "input"
        message = f"{where}: {first.get('msg', 'invalid value')}"
        return _error(request, 422, "That did not work", message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        # Answered outside the guard's middleware (Starlette's ServerErrorMiddleware), so
        # the security headers are added here.
        return with_security_headers(
            _error(
                request,
                500,
                "Something went wrong",
                "goodwill hit an unexpected error; nothing was saved. "
                "The details are in the terminal running 'goodwill serve'.",
            )
        )


def _jsonable_errors(errors: object) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for e in errors if isinstance(errors, list | tuple) else []:
        if isinstance(e, dict):
            out.append({"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))})
    return out
