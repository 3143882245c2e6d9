"""Import: upload, preview (the importer's dry run) with problems by line, confirm, cancel."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from goodwill.store.db import Store
from goodwill.store.models import Person
from tests.web.helpers import Web

CARDS = (
    b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Rita Gomez\r\nEMAIL:rita@example.com\r\nORG:Acme\r\n"
    b"END:VCARD\r\n"
    b"BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:nobody\r\nEND:VCARD\r\n"
    b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dana Kim\r\nEMAIL:dana@example.com\r\nEND:VCARD\r\n"
)
KEY_RE = re.compile(r'name="key" value="([^"]+)"')


def people_count(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count(Person.id))) or 0)


def upload(web: Web, data: bytes, name: str = "phone.vcf", fmt: str = "vcard", **extra: str):  # type: ignore[no-untyped-def]
    token = web.csrf("/import")
    return web.post(
        "/import/preview",
        data={"csrf_token": token, "fmt": fmt, **extra},
        files={"file": (name, data, "text/vcard")},
    )


def staged_files(web: Web) -> list[Path]:
    root = web.app.state.uploads.root
    return [p for p in root.rglob("*") if p.is_file()]


def test_form(web: Web) -> None:
    html = web.get("/import").text
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token"' in html
    for fmt in ("vcard", "linkedin", "facebook", "google", "outlook", "ics", "mbox"):
        assert f'<option value="{fmt}"' in html
    assert 'href="/import" class="active"' in html


def test_preview_then_confirm(web: Web, store: Store, team: dict[str, int]) -> None:
    before = people_count(store)
    r = upload(web, CARDS)
    assert r.status_code == 200
    html = r.text
    assert "Preview of" in html and "phone.vcf" in html
    assert re.search(r'stat-created">\s*<span class="stat-value">1<', html)
    assert re.search(r'stat-merged">\s*<span class="stat-value">1<', html)
    assert re.search(r'stat-skipped">\s*<span class="stat-value">1<', html)
    assert '<td class="line">7</td>' in html and "card names nobody" in html
    assert "/tmp" not in html  # the temp path is never shown
    assert people_count(store) == before  # a preview writes nothing
    key = KEY_RE.search(html)
    assert key and len(staged_files(web)) == 1
    r = web.form("/import/confirm", {"key": key.group(1)}, page="/import")
    assert r.status_code == 200
    assert "Imported phone.vcf." in r.text and "Imported from" in r.text
    assert people_count(store) == before + 1
    assert staged_files(web) == []  # deleted once imported
    # The same key cannot import twice.
    again = web.form("/import/confirm", {"key": key.group(1)}, page="/import")
    assert again.status_code == 400 and "expired or was already imported" in again.text
    assert people_count(store) == before + 1


def test_cancel_deletes_the_upload(web: Web, store: Store) -> None:
    key = KEY_RE.search(upload(web, CARDS).text)
    assert key and len(staged_files(web)) == 1
    r = web.form("/import/cancel", {"key": key.group(1)}, page="/import")
    assert r.status_code == 303 and r.headers["location"] == "/import"
    assert staged_files(web) == [] and people_count(store) == 0


def test_another_browser_cannot_confirm(web: Web, store: Store) -> None:
    key = KEY_RE.search(upload(web, CARDS).text)
    assert key
    other = Web(web.app)
    try:
        r = other.form("/import/confirm", {"key": key.group(1)}, page="/import")
    finally:
        other.close()
    assert r.status_code == 400 and "expired" in r.text
    assert people_count(store) == 0


def test_errors_beside_the_field(web: Web, store: Store) -> None:
    r = upload(web, b"just some words\n", name="notes.vcf")
    assert r.status_code == 400
    assert 'id="file-error"' in r.text and "notes.vcf" in r.text
    assert "/tmp" not in r.text
    r = upload(web, CARDS, fmt="palm-pilot")
    assert r.status_code == 400
    assert re.search(r'id="fmt-error">Choose one of auto, vcard, ', r.text)
    r = upload(web, b"", name="empty.vcf")
    assert r.status_code == 400
    assert (
        '<p class="error" id="file-error">The file is empty: there is nothing to import.' in r.text
    )
    r = upload(web, b"PK\x03\x04zipzipzip", name="contacts.zip")
    assert r.status_code == 400 and "a ZIP archive" in r.text
    # A file that failed is kept, to be tried again with another format without choosing
    # it again; an upload refused for its size or emptiness is not.
    assert 'Kept: <strong class="filename">contacts.zip</strong>' in r.text
    assert people_count(store) == 0
    assert sorted(p.name for p in staged_files(web)) == ["contacts.zip", "notes.vcf"]


def test_size_limit(web: Web, store: Store) -> None:
    web.app.state.uploads.max_bytes = 100
    r = upload(web, CARDS)
    assert r.status_code == 400
    assert "The file is larger than the 100 bytes the web page takes" in r.text
    assert "import it with" in r.text and "goodwill import" in r.text
    assert people_count(store) == 0 and staged_files(web) == []


def test_confirm_needs_csrf(web: Web, store: Store) -> None:
    key = KEY_RE.search(upload(web, CARDS).text)
    assert key
    r = web.post("/import/confirm", data={"key": key.group(1)})
    assert r.status_code == 403
    assert people_count(store) == 0


SOLO_CALENDAR = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:solo-1@test\r\nDTSTAMP:20240101T000000Z\r\n"
    b"DTSTART:20240105T090000Z\r\nDTEND:20240105T100000Z\r\nSUMMARY:Focus time\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_a_calendar_with_nobody_says_so_and_offers_no_import(web: Web, store: Store) -> None:
    r = upload(web, SOLO_CALENDAR, name="solo.ics", fmt="ics")
    assert r.status_code == 200
    html = r.text
    assert 'class="import-note"' in html and "nothing was imported" in html
    assert "This is what importing would do" not in html
    assert "/import/confirm" not in html and "/import/cancel" in html  # only cancel
    assert people_count(store) == 0
