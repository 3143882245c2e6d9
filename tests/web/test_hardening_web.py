"""Issue 27 on the web app: cross-site and oversized writes are refused before a byte of
the body is read, chunked bodies are counted, 500 pages carry the security headers,
out-of-range dates answer 400 naming the field, and no page loads anything from a CDN."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from goodwill.store.db import Store
from goodwill.web.guard import MAX_FORM_BYTES, SECURITY_HEADERS
from tests.web.helpers import Web, make_app


class Sent:
    """What an ASGI app answered, and how much of the body it asked for."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.body = b""
        self.receive_calls = 0
        self.body_read = 0


def call(
    app: FastAPI,
    method: str,
    path: str,
    headers: dict[str, str],
    chunks: list[bytes] | None = None,
) -> Sent:
    """One request through the real ASGI stack; the body comes in `chunks` (chunked when
    no content-length header is given)."""
    sent = Sent()
    pending = list(chunks or [b""])

    async def receive() -> dict[str, Any]:
        sent.receive_calls += 1
        body = pending.pop(0) if pending else b""
        sent.body_read += len(body)
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent.status = message["status"]
            sent.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            sent.body += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (k.lower().encode(), v.encode()) for k, v in {"host": "localhost", **headers}.items()
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8765),
    }
    # In a thread of its own: after a browser test, Playwright's event loop runs in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, app, scope, receive, send).result()  # type: ignore[arg-type]
    return sent


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},  # another port of localhost is another origin
        {"origin": "https://evil.example"},
        {"origin": "http://localhost:9999"},
        {"origin": "null", "sec-fetch-site": "cross-site"},  # a sandboxed frame elsewhere
    ],
)
def test_a_cross_site_write_is_refused_before_its_body_is_read(
    store: Store, headers: dict[str, str]
) -> None:
    app = make_app(store)
    body = b"x" * (512 * 1024)
    sent = call(app, "POST", "/log", {"content-type": "text/plain", **headers}, [body] * 300)
    assert sent.status == 403
    assert sent.receive_calls == 0
    assert "Cross-site request refused" in sent.body.decode()


@pytest.mark.parametrize(
    "origin",
    ["http://localhost", "null"],  # null: our own form under no-referrer
)
def test_a_same_origin_write_goes_on_to_the_csrf_check(store: Store, origin: str) -> None:
    app = make_app(store)
    headers = {
        "sec-fetch-site": "same-origin",
        "origin": origin,
        "content-type": "application/x-www-form-urlencoded",
    }
    sent = call(app, "POST", "/log", headers, [b"kind=call"])
    assert sent.status == 403 and b"Page expired" in sent.body  # refused by CSRF, later


def test_an_oversized_upload_is_refused_on_its_content_length(store: Store) -> None:
    # A 60 MB upload without a token was read in full before the 403.
    app = make_app(store)
    headers = {
        "content-type": "multipart/form-data; boundary=x",
        "content-length": str(60 * 1024 * 1024),
    }
    sent = call(app, "POST", "/import/preview", headers, [b"x" * 1024 * 1024] * 60)
    assert sent.status == 413
    assert sent.receive_calls == 0


def test_a_form_post_is_limited_to_a_megabyte(store: Store) -> None:
    app = make_app(store)
    headers = {"content-type": "text/plain", "content-length": str(MAX_FORM_BYTES + 1)}
    sent = call(app, "POST", "/log", headers, [b"x" * (MAX_FORM_BYTES + 1)])
    assert sent.status == 413 and sent.receive_calls == 0


def test_a_chunked_body_is_counted_and_cut_at_the_limit(store: Store) -> None:
    # A 150 MB cross-site text POST took the server from 119 MB to 425 MB.
    app = make_app(store)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    chunk = b"a" * (64 * 1024)
    sent = call(app, "POST", "/log", headers, [chunk] * 2400)
    assert sent.status == 413
    assert sent.body_read <= MAX_FORM_BYTES + len(chunk)
    for name, _ in SECURITY_HEADERS:
        assert name in sent.headers


def test_a_500_page_carries_the_security_headers(store: Store) -> None:
    app = make_app(store)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("unexpected")

    web = Web(app)
    r = web.get("/boom")
    assert r.status_code == 500
    assert "Something went wrong" in r.text and "RuntimeError" not in r.text
    for name, value in SECURITY_HEADERS:
        assert r.headers.get(name) == value
    web.close()


@pytest.mark.parametrize("value", ["999999 years ago", "in 999999 years", "99999999999 days ago"])
def test_a_relative_date_out_of_range_answers_400_naming_the_field(
    web: Web, team: dict[str, int], value: str
) -> None:
    r = web.form("/log", {"who": "Bo Chen", "kind": "call", "date": value})
    assert r.status_code == 400
    assert re.search(r'id="date-error">[^<]*too far from today', r.text, re.I)
    r = web.form("/log", {"who": "Bo Chen", "kind": "call", "follow_up": value})
    assert r.status_code == 400
    assert re.search(r'id="follow_up-error">[^<]*too far from today', r.text, re.I)


def test_no_swagger_page_loads_from_a_cdn(web: Web) -> None:
    assert web.get("/api/docs").status_code == 404
    assert web.get("/openapi.json").status_code == 200


def test_a_write_waiting_on_another_writer_answers_503_and_the_preview_needs_no_lock(
    tmp_path: Path,
) -> None:
    from goodwill.records import people
    from goodwill.store.db import open_store
    from tests.helpers import writer_holding_the_lock

    path = tmp_path / "goodwill.db"
    store = open_store(str(path))
    with store.session() as s:
        people.add(s, "Bo Chen", emails=["bo@example.com"])
    web = Web(make_app(store))
    token = web.csrf("/import")
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nEMAIL:ann@example.com\r\nEND:VCARD\r\n"
    try:
        with writer_holding_the_lock(path):
            started = time.monotonic()
            r = web.post(
                "/import/preview",
                data={"csrf_token": token, "fmt": "vcard"},
                files={"file": ("ann.vcf", card, "text/vcard")},
            )
            assert r.status_code == 200, r.text[:300]
            assert time.monotonic() - started < 4  # it did not wait for the lock
            r = web.form("/log", {"who": "Bo Chen", "kind": "call"})
            assert r.status_code == 503
            assert "another goodwill command is writing; try again" in r.text
            assert "INSERT" not in r.text and "Traceback" not in r.text
    finally:
        web.close()
        store.dispose()
