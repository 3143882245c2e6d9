"""The browser does it all: add, correct, undo, answer, introduce, export; imports guess."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from goodwill.records import interactions, people, requests
from goodwill.store.db import Store
from goodwill.store.models import ActionState, Interaction, Introduction, Organization, Person
from tests.web.helpers import NOW, Web
from tests.web.test_import_page import staged_files, upload
from tests.web.test_today_page import action_ids, owed

CONNECTIONS = (
    b'Notes:\n"When exporting your connection data, you may notice..."\n\n'
    b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    b"Ada,Byron,https://www.linkedin.com/in/ada,ada@example.com,Engines,Analyst,01 Mar 2025\n"
)


def count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_add_a_person_and_be_warned_of_an_exact_namesake(web: Web, store: Store) -> None:
    assert "Add person" in web.get("/people").text
    assert 'href="/people/new"' in web.get("/people").text  # the empty state too
    r = web.form("/people/new", {"name": "Dana Kim", "email": "dana@example.com", "org": "Acme"})
    assert r.status_code == 303
    page = web.get(r.headers["location"])
    assert "Added Dana Kim." in page.text and 'action="/people/' in page.text
    r = web.form("/people/new", {"name": "dana  kim"})
    assert r.status_code == 400 and "You already have" in r.text and "same_name_ok" in r.text
    assert count(store, Person) == 1
    r = web.form("/people/new", {"name": "Dana Kim", "same_name_ok": "true"})
    assert r.status_code == 303 and count(store, Person) == 2
    bad = web.form("/people/new", {"name": "Bo", "email": "not-an-email"})
    assert bad.status_code == 400 and 'id="email-error"' in bad.text


def test_log_offers_to_add_a_new_name_and_undo(web: Web, store: Store) -> None:
    suggest = web.get("/log/suggest", params={"who": "Zed Novak"})
    assert "Add “Zed Novak” as a new person" in suggest.text
    r = web.form("/log", {"who": "Zed Novak", "kind": "coffee"})
    assert r.status_code == 400 and "/people/new?name=Zed+Novak&amp;next=%2Flog" in r.text
    r = web.form("/people/new", {"name": "Zed Novak", "next": "/log"})
    assert r.status_code == 303 and r.headers["location"].startswith("/log?person=")
    r = web.form("/log", {"who": "Zed Novak", "kind": "coffee", "gave": ["info"]})
    assert r.status_code == 303
    page = web.get(r.headers["location"])
    undo = re.search(r'action="(/interactions/\d+/remove)"', page.text)
    assert "Logged coffee with Zed Novak" in page.text and undo
    r = web.form(undo.group(1), {"next": "/log"})
    assert r.status_code == 303 and count(store, Interaction) == 0
    assert "Removed the coffee" in web.get(r.headers["location"]).text


def test_timeline_entries_can_be_edited_and_deleted(web: Web, store: Store) -> None:
    with store.session() as s:
        ann, bo = people.add(s, "Ann Lee"), people.add(s, "Bo Chen")
        item = interactions.log(s, [ann, bo], "call", when=NOW, summary="a call", now=NOW)
        ids = (ann.id, item.id)
    page = web.get(f"/people/{ids[0]}").text
    assert f'action="/interactions/{ids[1]}/edit"' in page
    assert "with Bo Chen too" in page and "with Ann Lee" not in page
    r = web.form(
        f"/interactions/{ids[1]}/edit",
        {
            "kind": "coffee",
            "date": "2025-03-10",
            "summary": "coffee, in fact",
            "next": f"/people/{ids[0]}",
        },
    )
    assert r.status_code == 303 and "Interaction corrected." in web.get(r.headers["location"]).text
    with store.session() as s:
        got = s.get(Interaction, ids[1])
        assert got is not None and (got.kind, got.summary, got.occurred_at.day) == (
            "coffee",
            "coffee, in fact",
            10,
        )
    r = web.form(f"/interactions/{ids[1]}/remove", {"next": f"/people/{ids[0]}"})
    assert r.status_code == 303 and count(store, Interaction) == 0


def test_today_undo_skip_asks_and_mailto(web: Web, store: Store) -> None:
    owed(store)
    page = web.get("/").text
    assert 'data-confirm="Skip it for good?' in page
    assert 'href="mailto:mia@example.com?body=' in page
    assert 'id="today-count"' in page
    first = action_ids(page)[0]
    r = web.form(
        "/today/act", {"action": first, "op": "done"}, page="/", headers={"HX-Request": "true"}
    )
    assert 'action="/today/undo"' in r.text
    assert count(store, Interaction) == 3 and count(store, ActionState) == 1
    r = web.form("/today/undo", {"action": first}, page="/")
    assert r.status_code == 303
    assert "Undone" in web.get(r.headers["location"]).text
    assert count(store, Interaction) == 2 and count(store, ActionState) == 0
    assert first in action_ids(web.get("/").text)


def test_remove_restore_merge_org_request_intro_export(web: Web, store: Store) -> None:
    with store.session() as s:
        ann = people.add(s, "Ann Lee", emails=["ann@example.com"])
        dup = people.add(s, "Ann L.", emails=["ann.l@example.com"])
        bo = people.add(s, "Bo Chen")
        requests.add(s, ann, "a look at my CV", when=NOW, now=NOW)
        a, d, b = ann.id, dup.id, bo.id
    page = web.get(f"/people/{a}").text
    assert "They asked you" in page and "a look at my CV" in page
    rid = re.search(r'action="/requests/(\d+)/answer"', page)
    assert rid
    r = web.form(f"/requests/{rid.group(1)}/answer", {"how": "offered", "text": "a call instead"})
    assert r.status_code == 303 and "They asked you" not in web.get(f"/people/{a}").text
    r = web.form("/introductions", {"a": str(a), "b": "Bo Chen", "why": "both like climate"})
    assert r.status_code == 303 and count(store, Introduction) == 1
    iid = re.search(r'action="/introductions/(\d+)/step"', web.get(f"/people/{a}").text)
    assert (
        iid
        and web.form(f"/introductions/{iid.group(1)}/step", {"step": "asked_a"}).status_code == 303
    )
    r = web.form(f"/people/{a}/merge", {"other": "ann.l@example.com"})
    assert r.status_code == 303
    assert "ann.l@example.com" in web.get(f"/people/{a}").text
    r = web.form(f"/people/{b}/remove", {})
    listed = web.get(r.headers["location"]).text
    assert "Removed Bo Chen" in listed and f'action="/people/{b}/restore"' in listed
    web.form(f"/people/{b}/restore", {})
    with store.session() as s:
        assert s.get(Person, b).removed_at is None  # type: ignore[union-attr]
        assert s.get(Person, d).merged_into_id == a  # type: ignore[union-attr]
    r = web.form("/orgs/new", {"name": "Cobalt Climate", "target": "true"}, page="/people")
    assert r.status_code == 303 and count(store, Organization) == 1
    backup = web.get("/export/json")
    assert backup.status_code == 200 and "attachment" in backup.headers["content-disposition"]
    assert json.loads(backup.content)["format"] == "goodwill-backup"
    assert web.get("/export/exe").status_code == 400


def test_import_guesses_the_format_and_keeps_a_failed_upload(web: Web, store: Store) -> None:
    assert 'value="auto" selected' in web.get("/import").text
    r = upload(web, CONNECTIONS, name="Connections.csv", fmt="auto")
    assert r.status_code == 200, r.text
    assert "read as" in r.text and "1 record" in r.text
    r = upload(web, CONNECTIONS, name="Connections.csv", fmt="vcard")
    assert r.status_code == 400 and "Kept:" in r.text
    key = re.search(r'name="key" value="([^"]+)"', r.text)
    assert key
    token = web.csrf("/import")
    again = web.post(
        "/import/preview", data={"csrf_token": token, "fmt": "csv", "key": key.group(1)}
    )
    assert again.status_code == 200 and "Preview of" in again.text
    assert len(staged_files(web)) >= 1


def _import_connections(web: Web) -> str:
    r = upload(web, CONNECTIONS, name="Connections.csv", fmt="auto")
    key = re.search(r'name="key" value="([^"]+)"', r.text)
    assert key
    r = web.form("/import/confirm", {"key": key.group(1)}, page="/import")
    assert r.status_code == 200 and 'action="/import/undo"' in r.text
    return r.text


def test_an_import_is_undone_as_a_whole_until_its_people_are_touched(
    web: Web, store: Store
) -> None:
    with store.session() as s:
        people.add(s, "Kept Person")
    _import_connections(web)
    assert count(store, Person) == 2
    r = web.form("/import/undo", {}, page="/import")
    assert r.status_code == 200
    assert "Undid the import of Connections.csv: 1 person and 0 interactions removed." in r.text
    assert count(store, Person) == 1
    again = web.form("/import/undo", {}, page="/import")
    assert again.status_code == 400 and "there is no import to undo" in again.text
    _import_connections(web)
    r = web.form("/log", {"who": "Ada Byron", "kind": "call"})
    assert r.status_code == 303
    refused = web.form("/import/undo", {}, page="/import")
    assert refused.status_code == 400 and "were changed since" in refused.text
    assert count(store, Person) == 2
