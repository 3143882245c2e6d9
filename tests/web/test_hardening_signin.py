"""Issue 27, serving beyond loopback: each sign-in its own revocable session, Secure
cookies under TLS, a logout, wrong tokens slowed down, and `goodwill serve` over HTTPS
(a real server with a self-signed certificate) or with a warning without it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from goodwill.store.db import Store
from goodwill.web.signin import FREE_FAILURES
from tests.web.helpers import Web, free_port, make_app

TOKEN = "correct horse battery"


def _sign_in(web: Web, token: str = TOKEN) -> httpx.Response:
    csrf = web.csrf("/login")
    return web.post("/login", data={"csrf_token": csrf, "token": token, "next": "/people"})


def _auth_cookie(response: httpx.Response) -> str:
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith("gw_auth=")]
    assert cookies, response.headers
    return cookies[0]


def test_each_sign_in_is_its_own_session_and_logout_revokes_only_it(store: Store) -> None:
    app = make_app(store, token=TOKEN)
    laptop, phone = Web(app), Web(app)
    try:
        first, second = _sign_in(laptop), _sign_in(phone)
        assert first.status_code == second.status_code == 303
        assert _auth_cookie(first) != _auth_cookie(second)
        stolen = laptop.client.cookies.get("gw_auth")
        assert laptop.get("/people").status_code == 200
        r = laptop.form("/logout", {}, page="/people")
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert "Max-Age=0" in _auth_cookie(r)
        assert phone.get("/people").status_code == 200  # the other sign-in lives on
        replay = Web(app)
        replay.client.cookies.set("gw_auth", stolen or "")
        r = replay.get("/people")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        replay.close()
    finally:
        laptop.close()
        phone.close()


def test_pages_offer_a_sign_out_button_when_a_token_is_set(store: Store) -> None:
    web = Web(make_app(store, token=TOKEN))
    _sign_in(web)
    assert 'action="/logout"' in web.get("/people").text
    web.close()
    plain = Web(make_app(store))
    assert 'action="/logout"' not in plain.get("/people").text
    plain.close()


def test_cookies_are_secure_under_tls(store: Store) -> None:
    # A browser sends a Secure cookie back over HTTPS only: the client speaks https.
    web = Web(make_app(store, token=TOKEN, secure=True))
    web.client.base_url = httpx.URL("https://localhost")
    r = _sign_in(web)
    assert "; Secure" in _auth_cookie(r)
    assert web.get("/people").status_code == 200
    web.close()
    proxied = Web(make_app(store, token=TOKEN))  # a TLS proxy in front: scheme https
    proxied.client.base_url = httpx.URL("https://localhost")
    r = proxied.get("/login")
    assert all("; Secure" in c for c in r.headers.get_list("set-cookie"))
    proxied.close()
    plain = Web(make_app(store, token=TOKEN))
    assert "; Secure" not in _auth_cookie(_sign_in(plain))
    plain.close()


def test_wrong_tokens_are_slowed_down(store: Store) -> None:
    web = Web(make_app(store, token=TOKEN))
    try:
        for _ in range(FREE_FAILURES + 1):
            assert _sign_in(web, "wrong guess").status_code == 401
        r = _sign_in(web)  # even the right token waits now: no oracle while locked out
        assert r.status_code == 429 and "try again in" in r.text
        assert int(r.headers["retry-after"]) >= 1
        bearer = {"authorization": "Bearer " + TOKEN}
        r = web.get("/api/people", headers=bearer)
        assert r.status_code == 429
    finally:
        web.close()


def test_wrong_bearer_tokens_are_slowed_down_too(store: Store) -> None:
    web = Web(make_app(store, token=TOKEN))
    try:
        for _ in range(FREE_FAILURES + 1):
            assert (
                web.get("/api/people", headers={"authorization": "Bearer nope"}).status_code == 401
            )
        assert web.get("/api/people", headers={"authorization": "Bearer nope"}).status_code == 429
    finally:
        web.close()


def _certificate(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def _serve(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    env = {**os.environ, "GOODWILL_DB": str(tmp_path / "goodwill.db"), "GOODWILL_TOKEN": TOKEN,
           "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "goodwill", "serve", "--port", str(port), *args],
        env=env, stderr=subprocess.PIPE, text=True,
    )
    return proc, port


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err


def _wait_for(url: str) -> httpx.Response:
    deadline = time.monotonic() + 20
    while True:
        try:
            return httpx.get(url, verify=False, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_over_https_with_a_certificate(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    proc, port = _serve(tmp_path, "--ssl-certfile", str(cert), "--ssl-keyfile", str(key))
    try:
        r = _wait_for(f"https://localhost:{port}/login")
        assert r.status_code == 200
        assert all("; Secure" in c for c in r.headers.get_list("set-cookie"))
    finally:
        err = _stop(proc)
    assert f"https://127.0.0.1:{port}/" in err and "warning" not in err


def test_serving_beyond_loopback_without_tls_warns(tmp_path: Path) -> None:
    proc, port = _serve(tmp_path, "--host", "0.0.0.0")
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/login").status_code == 200
    finally:
        err = _stop(proc)
    assert "warning: serving on 0.0.0.0 without TLS" in err


def test_serve_needs_both_tls_files(tmp_path: Path) -> None:
    cert, _key = _certificate(tmp_path)
    env = {**os.environ, "GOODWILL_DB": str(tmp_path / "goodwill.db"),
           "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    r = subprocess.run(
        [sys.executable, "-m", "goodwill", "serve", "--ssl-certfile", str(cert)],
        env=env, capture_output=True, text=True, timeout=30,
    )
    assert r.returncode == 1 and "needs both --ssl-certfile and --ssl-keyfile" in r.stderr
