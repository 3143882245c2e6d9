"""/doctor and /doctor.json: one view of the database and the sync sources."""

from __future__ import annotations

import datetime as dt

from goodwill.records import sync_sources
from goodwill.store.db import Store
from goodwill.views import doctor
from tests.web.helpers import NOW, Web


def _sources(store: Store) -> None:
    with store.session() as s:
        ok = sync_sources.get(s, "mail", "imaps://robin@mail.example.org/INBOX")
        sync_sources.succeeded(ok, {"last_uid": 3}, at=NOW - dt.timedelta(hours=2))
        bad = sync_sources.get(s, "contacts", "/home/robin/.contacts/<script>")
        sync_sources.failed(bad, "the folder is gone", at=NOW - dt.timedelta(days=3))
        sync_sources.failed(bad, "the folder is gone <b>", at=NOW - dt.timedelta(hours=1))


def test_the_page_and_its_json_are_one_report(store: Store, web: Web) -> None:
    _sources(store)
    page = web.get("/doctor")
    assert page.status_code == 200
    html = page.text
    assert 'href="/doctor"' in html and 'aria-current="page"' in html  # in the navigation
    assert "imaps://robin@mail.example.org/INBOX" in html
    assert "Failing since" in html and "the folder is gone &lt;b&gt;" in html  # escaped
    assert "<script>" not in html.split("</header>", 1)[1]
    assert "Organisations" in html and "rganizations" not in html

    data = web.get("/doctor.json")
    assert data.status_code == 200 and data.headers["content-type"] == "application/json"
    body = data.json()
    with store.session() as s:
        expected = doctor.report(s, NOW).model_dump(mode="json")
    assert body == expected
    assert "organisations" in body["counts"] and "organizations" not in body["counts"]
    by_kind = {src["kind"]: src for src in body["sources"]}
    assert by_kind["contacts"]["failing"] is True and by_kind["mail"]["failing"] is False
    assert by_kind["mail"]["last_error"] is None


def test_no_source_yet_says_where_to_start(web: Web) -> None:
    html = web.get("/doctor").text
    assert "No sync source yet" in html and "docs/capture.md" in html
    assert web.get("/doctor.json").json()["sources"] == []


def test_an_error_followed_by_a_good_sync_is_history(store: Store, web: Web) -> None:
    with store.session() as s:
        src = sync_sources.get(s, "mail", "imaps://robin@mail.example.org/INBOX")
        sync_sources.failed(src, "the server did not answer", at=NOW - dt.timedelta(hours=3))
    assert web.get("/doctor.json").json()["sources"][0]["recovered"] is False
    assert "synced fine since" not in web.get("/doctor").text
    with store.session() as s:
        src = sync_sources.get(s, "mail", "imaps://robin@mail.example.org/INBOX")
        sync_sources.succeeded(src, {"last_uid": 9}, at=NOW - dt.timedelta(hours=1))
    source = web.get("/doctor.json").json()["sources"][0]
    assert source["recovered"] is True and source["failing"] is False
    assert source["last_error"] == "the server did not answer"  # kept: when it last failed
    assert "synced fine since" in web.get("/doctor").text


def test_the_command_says_an_old_error_is_history(store: Store) -> None:
    from tests.helpers import run_cli

    with store.session() as s:
        src = sync_sources.get(s, "mail", "imaps://robin@mail.example.org/INBOX")
        sync_sources.failed(src, "the server did not answer", at=NOW - dt.timedelta(hours=3))
    first = run_cli("--db", store.url, "doctor")
    assert first.code == 0, first.err
    assert "the server did not answer" in first.out and "synced fine since" not in first.out
    with store.session() as s:
        src = sync_sources.get(s, "mail", "imaps://robin@mail.example.org/INBOX")
        sync_sources.succeeded(src, {"last_uid": 9}, at=NOW - dt.timedelta(hours=1))
    later = run_cli("--db", store.url, "doctor")
    assert "synced fine since" in " ".join(later.out.split())
