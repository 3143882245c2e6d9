"""Host check, CSRF, token auth, headers, autoescaping, and no traceback for the browser."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from markupsafe import escape
from sqlalchemy import func, select

from goodwill.records import people
from goodwill.store.db import Store
from goodwill.store.models import Interaction
from goodwill.views import people_list
from tests.web.helpers import Web, make_app


def count_interactions(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count(Interaction.id))) or 0)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "localhost:8765"])
def test_loopback_hosts_are_served(app: FastAPI, host: str) -> None:
    web = Web(app, host=host)
    assert web.get("/people").status_code == 200
    web.close()


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "127.0.0.2"])
def test_other_hosts_are_refused(app: FastAPI, host: str) -> None:
    """A DNS-rebinding page sends its own name: it gets nothing, not even the API."""
    web = Web(app, host=host)
    for path in ("/people", "/api/people", "/openapi.json"):
        r = web.get(path)
        assert r.status_code == 400
        assert r.text == "Invalid Host header"
    web.close()


def test_bound_host_is_allowed(store: Store) -> None:
    web = Web(make_app(store, allowed_hosts=["box.lan"]), host="box.lan:8765")
    assert web.get("/people").status_code == 200
    web.close()


def test_write_without_csrf_token_is_refused_and_writes_nothing(
    web: Web, store: Store, team: dict[str, int]
) -> None:
    before = count_interactions(store)
    r = web.post("/log", data={"person_id": team["dana"], "kind": "call"})
    assert r.status_code == 403
    assert "Page expired" in r.text
    r = web.post("/log", data={"csrf_token": "0" * 64, "person_id": team["dana"], "kind": "call"})
    assert r.status_code == 403
    r = web.post("/api/interactions", json={"people": ["Dana Kim"], "kind": "call"})
    assert r.status_code == 403
    assert count_interactions(store) == before


def test_csrf_token_is_bound_to_the_browser(app: FastAPI, team: dict[str, int]) -> None:
    """A token read from another browser's page does not work with this browser's cookie."""
    alice, mallory = Web(app), Web(app)
    stolen = mallory.csrf()
    alice.get("/log")
    r = alice.post("/log", data={"csrf_token": stolen, "person_id": team["dana"], "kind": "call"})
    assert r.status_code == 403
    alice.close()
    mallory.close()


def test_csrf_header_is_accepted(web: Web, store: Store, team: dict[str, int]) -> None:
    token = web.csrf()
    r = web.post(
        "/api/interactions",
        json={"people": ["Dana Kim"], "kind": "call"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 201, r.text
    assert count_interactions(store) == 3


def test_cookies_are_http_only_and_same_site(web: Web) -> None:
    cookie = web.get("/people").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_security_headers(web: Web) -> None:
    r = web.get("/people")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_pages_load_nothing_from_outside(web: Web, team: dict[str, int]) -> None:
    for path in ("/people", f"/people/{team['dana']}", "/log"):
        html = web.get(path).text
        assert "http://" not in html.replace('href="http://', "")
        assert 'src="http' not in html and 'href="https://cdn' not in html


def test_names_are_escaped(web: Web, store: Store) -> None:
    with store.session() as s:
        pid = people.add(
            s,
            "<script>alert(1)</script> Evil",
            location='"><img src=x>',
            org="<i>Acme</i>",
            title="<b>CTO</b>",
            tags=["<u>vip</u>"],
        ).id
    for path in ("/people", f"/people/{pid}", "/people?q=evil"):
        html = web.get(path).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        for raw in ("<i>Acme</i>", "<b>CTO</b>", "<u>vip</u>"):  # the list's row, the page
            assert raw not in html
            assert str(escape(raw)) in html, (path, raw)
    assert '"><img src=x>' not in web.get(f"/people/{pid}").text


def test_token_protects_every_page_and_the_api(store: Store) -> None:
    app = make_app(store, token="correct horse battery")
    web = Web(app)
    r = web.get("/people?q=dana")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fpeople%3Fq%3Ddana"
    assert web.get("/api/people").status_code == 401
    assert web.get("/openapi.json").status_code == 401
    assert web.get("/static/app.css").status_code == 200
    bearer = {"Authorization": "Bearer correct horse battery"}
    assert web.get("/api/people", headers=bearer).status_code == 200
    assert web.get("/api/people", headers={"Authorization": "Bearer nope"}).status_code == 401
    token = web.csrf("/login")
    r = web.post("/login", data={"csrf_token": token, "token": "wrong", "next": "/people"})
    assert r.status_code == 401
    assert "That is not the token." in r.text
    r = web.post(
        "/login", data={"csrf_token": token, "token": "correct horse battery", "next": "/people"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/people"
    assert web.get("/people").status_code == 200
    web.close()


def test_login_never_redirects_off_site(store: Store) -> None:
    web = Web(make_app(store, token="correct horse battery"))
    token = web.csrf("/login")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        r = web.post(
            "/login", data={"csrf_token": token, "token": "correct horse battery", "next": target}
        )
        assert r.headers["location"] == "/"
    web.close()


def test_unexpected_error_shows_a_friendly_page_without_traceback(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(people_list, "count", boom)
    r = web.get("/people")
    assert r.status_code == 500
    assert "Something went wrong" in r.text
    assert "secret internal detail" not in r.text and "Traceback" not in r.text
    monkeypatch.setattr(people, "resolve", boom)
    r = web.get("/api/people/1")
    assert r.status_code == 500
    assert r.json() == {"detail": r.json()["detail"]}
    assert "secret" not in r.text


def test_unknown_page_is_friendly(web: Web) -> None:
    r = web.get("/no/such/page")
    assert r.status_code == 404
    assert "There is no page at this address." in r.text
    assert "<nav" in r.text  # the whole layout, so the way back is there
