"""Helpers the web tests share: the app in process (httpx over ASGI) and a real server for
browser tests (uvicorn in a thread on a free 127.0.0.1 port)."""

from __future__ import annotations

import datetime as dt
import re
import socket
import threading
import time
from functools import partial
from typing import Any

import httpx
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI

from goodwill.store.db import Store

NOW = dt.datetime(2025, 3, 14, 16, 30)
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class Web:
    """A synchronous face on httpx.AsyncClient + ASGITransport (cookies kept, like a browser).

    The client's event loop runs in a thread of its own (an anyio blocking portal), so the
    tests work whatever loop the main thread has running (Playwright's sync API keeps one).
    """

    def __init__(self, app: FastAPI, host: str = "localhost") -> None:
        self.app = app
        self._portal_cm = start_blocking_portal()
        self.portal = self._portal_cm.__enter__()
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url=f"http://{host}",
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.portal.call(partial(self.client.request, method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def csrf(self, page: str = "/log") -> str:
        """The CSRF token of a page (fetching it also sets the seed cookie)."""
        match = TOKEN_RE.search(self.get(page).text)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def form(self, url: str, data: dict[str, Any], page: str = "/log", **kw: Any) -> httpx.Response:
        return self.post(url, data={"csrf_token": self.csrf(page), **data}, **kw)

    def close(self) -> None:
        """Close the client and, as the app's shutdown does (ASGITransport runs no
        lifespan), its fill thread: a fill still reading would hold the tables a test's
        teardown drops."""
        self.portal.call(self.client.aclose)
        self._portal_cm.__exit__(None, None, None)
        book = getattr(self.app.state, "per_person", None)
        if book is not None:
            book.close()


def make_app(store: Store, **kwargs: Any) -> FastAPI:
    from goodwill.web import create_app

    return create_app(store, clock=lambda: NOW, **kwargs)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerThread:
    """uvicorn serving an app in a thread, on 127.0.0.1 and a free port."""

    def __init__(self, app: FastAPI) -> None:
        import uvicorn

        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
