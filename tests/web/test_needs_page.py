"""Needs and Ask: the list, adding a need (errors beside fields), whom to ask with reasons,
and the warm paths as graph data."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from goodwill.asking import ask, needs
from goodwill.store.db import Store
from goodwill.store.models import Need
from goodwill.web.routes.needs_page import warm_graph
from tests.web.helpers import NOW, Web


def need_count(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count(Need.id))) or 0)


def graph_data(html: str) -> dict[str, list[dict[str, object]]]:
    match = re.search(r'<script type="application/json" id="need-graph">(.*?)</script>', html)
    assert match, "no graph data on the page"
    data: dict[str, list[dict[str, object]]] = json.loads(match.group(1))
    return data


def test_list_and_add(web: Web, store: Store, team: dict[str, int]) -> None:
    page = web.get("/needs")
    assert page.status_code == 200 and "No open needs" in page.text
    assert 'href="/needs" class="active"' in page.text
    r = web.form(
        "/needs",
        {"text": "A staff role in platform teams", "orgs": "Acme", "role": "Staff Engineer"},
        page="/needs",
    )
    assert r.status_code == 303
    need_id = int(r.headers["location"].rsplit("/", 1)[1])
    listing = web.get("/needs").text
    assert "A staff role in platform teams" in listing and f'href="/needs/{need_id}"' in listing
    assert '<span class="chip target-org">Acme</span>' in listing
    with store.session() as s:
        saved = needs.summaries(s)
    assert [(n.text, n.organizations, n.roles) for n in saved] == [
        ("A staff role in platform teams", ["Acme"], ["Staff Engineer"])
    ]


def test_add_errors_beside_the_field(web: Web, store: Store) -> None:
    r = web.form("/needs", {"text": "  ", "orgs": "Acme", "place": "Porto"}, page="/needs")
    assert r.status_code == 400
    assert '<p class="error" id="text-error">Must not be empty.</p>' in r.text
    assert 'value="Porto"' in r.text and 'value="Acme"' in r.text  # input kept
    assert need_count(store) == 0


def test_add_needs_csrf(web: Web, store: Store) -> None:
    r = web.post("/needs", data={"text": "A job"})
    assert r.status_code == 403 and need_count(store) == 0


def test_whom_to_ask(web: Web, store: Store, team: dict[str, int]) -> None:
    with store.session() as s:
        need = needs.add(s, "A job at Globex", orgs_=["Globex"], now=NOW)
        expected = ask.ask(s, needs.spec_of(need), limit=10, as_of=NOW)
        need_id = need.id
    assert expected, "the fixture should give someone to ask"
    html = web.get(f"/needs/{need_id}").text
    helpers = re.findall(r'<a class="name" href="/people/(\d+)">', html)
    assert [int(h) for h in helpers] == [row.person.id for row in expected]
    for reason in expected[0].reasons:
        assert f"<li>{reason}</li>" in html.replace("&#39;", "'")
    data = graph_data(html)
    ids = {n["id"] for n in data["nodes"]}
    assert "me" in ids and f"p{expected[0].person.id}" in ids
    assert all(e["source"] in ids and e["target"] in ids for e in data["edges"])
    # Lee works at Globex and is reached through Dana: the path ends at the organisation.
    assert "o:Globex" in ids
    assert "/static/vendor/cytoscape.min.js" in html and "<script>" not in html


def test_close_a_need(web: Web, store: Store) -> None:
    with store.session() as s:
        need_id = needs.add(s, "Advice on a move", now=NOW).id
    r = web.form(f"/needs/{need_id}/close", {"outcome": "Found it"}, page="/needs")
    assert r.status_code == 303
    listing = web.get("/needs").text
    assert "Recently closed" in listing and "Found it" in listing
    again = web.form(f"/needs/{need_id}/close", {"outcome": "x"}, page="/needs")
    assert again.status_code == 400 and "already closed" in again.text


def test_unknown_need_is_a_friendly_404(web: Web) -> None:
    r = web.get("/needs/999")
    assert r.status_code == 404 and "no need #999" in r.text


def test_api(web: Web, store: Store, team: dict[str, int]) -> None:
    with store.session() as s:
        need_id = needs.add(s, "A job at Globex", orgs_=["Globex"], now=NOW).id
    rows = web.get("/api/needs").json()
    assert [r["id"] for r in rows] == [need_id] and rows[0]["organizations"] == ["Globex"]
    helpers = web.get(f"/api/needs/{need_id}/ask?limit=3").json()
    assert helpers and {"person", "score", "reasons"} <= set(helpers[0])
    assert web.get("/api/needs?status=nope").status_code == 400
    assert web.get("/api/needs/999/ask").status_code == 404


def test_warm_graph_shapes() -> None:
    from goodwill.schemas.needs import AskOut, PathOut, PathStep, PersonRef

    step_a = PathStep(id=1, name="Ana", strength=0.8, via="your contact")
    step_b = PathStep(id=2, name="Bo", strength=0.4, via="colleagues at Acme")
    route = PathOut(target="Acme", score=0.3, hops=2, steps=[step_a, step_b])
    helper = AskOut(person=PersonRef(id=2, name="Bo"), score=0.5, reasons=["x"], path=route)
    direct = AskOut(person=PersonRef(id=3, name="Cy"), score=0.4, reasons=["y"])
    g = warm_graph([helper, direct], [route])
    kinds = {n["id"]: n["kind"] for n in g["nodes"]}
    assert kinds == {"me": "me", "p1": "person", "p2": "helper", "o:Acme": "target", "p3": "helper"}
    pairs = {(e["source"], e["target"]) for e in g["edges"]}
    assert pairs == {("me", "p1"), ("p1", "p2"), ("p2", "o:Acme"), ("me", "p3")}
