"""The JSON API: the command line's schemas, errors as JSON, and schemathesis over it."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import FastAPI

from goodwill.store.db import Store
from tests.helpers import Result
from tests.web.helpers import Web


def test_person_json_is_the_cli_json(
    web: Web, team: dict[str, int], cli: Callable[..., Result]
) -> None:
    api = web.get(f"/api/people/{team['dana']}").json()
    shown = json.loads(cli("person", "show", str(team["dana"]), "--format", "json").out)
    assert api == shown
    listed = json.loads(cli("person", "list", "--format", "json").out)
    assert web.get("/api/people").json() == listed


def test_people_filters_and_search(web: Web, team: dict[str, int]) -> None:
    assert [p["name"] for p in web.get("/api/people?tag=mentor").json()] == ["Dana Kim", "Lee Park"]
    assert [p["name"] for p in web.get("/api/people?q=globex").json()] == ["Lee Park"]
    assert [p["name"] for p in web.get("/api/people?limit=1&offset=1").json()] == ["Bo Chen"]
    hits = web.get("/api/search?q=platform").json()
    assert [(h["kind"], h["title"]) for h in hits] == [("interaction", "coffee")]


def test_orgs(web: Web, team: dict[str, int]) -> None:
    orgs = web.get("/api/orgs").json()
    assert [(o["name"], o["people"]) for o in orgs] == [("Acme", 2), ("Globex", 1)]
    acme = web.get(f"/api/orgs/{orgs[0]['id']}").json()
    assert [p["name"] for p in acme["current"]] == ["Ana Souza", "Dana Kim"]


def test_errors_are_json(web: Web, team: dict[str, int]) -> None:
    r = web.get("/api/people/9999")
    assert r.status_code == 404 and r.json() == {"detail": "no person matches '9999'"}
    assert web.get("/api/orgs/9999").status_code == 404
    r = web.get("/api/people?circle=bestie")
    assert r.status_code == 400 and "circle" in r.json()["detail"]
    r = web.get("/api/people?limit=0")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "limit"]


def test_log_through_the_api(web: Web, team: dict[str, int]) -> None:
    headers = {"X-CSRF-Token": web.csrf()}
    body = {"people": ["dana@example.com"], "kind": "email", "date": "2025-03-01", "got": ["idea"]}
    r = web.post("/api/interactions", json=body, headers=headers)
    assert r.status_code == 201
    assert r.json()["people"] == ["Dana Kim"] and r.json()["got"] == ["idea"]
    assert r.json()["date"] == "2025-03-01"
    items = web.get("/api/interactions").json()
    assert [i["date"] for i in items] == ["2025-03-11", "2025-03-01", "2025-02-02"]
    assert items[1]["id"] == r.json()["id"]
    r = web.post("/api/interactions", json={**body, "kind": "lunch"}, headers=headers)
    assert r.status_code == 400 and r.json()["detail"].startswith("invalid kind 'lunch'")


def test_openapi_lists_the_api_only(web: Web) -> None:
    paths = web.get("/openapi.json").json()["paths"]
    assert sorted(paths) == [
        "/api/interactions",
        "/api/needs",
        "/api/needs/{need_id}/ask",
        "/api/network",
        "/api/orgs",
        "/api/orgs/{org_id}",
        "/api/people",
        "/api/people/{person_id}",
        "/api/report",
        "/api/search",
    ]


def test_schemathesis_finds_no_server_error(store: Store, team: dict[str, int]) -> None:
    """Generated requests for every operation: none may end in a 5xx."""
    import hypothesis
    import schemathesis
    from schemathesis.checks import not_a_server_error

    from tests.web.helpers import make_app

    app: FastAPI = make_app(store, allowed_hosts=["testserver"])
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = list(schema.get_all_operations())
    assert len(operations) == 11
    for result in operations:
        operation = result.ok()

        @hypothesis.settings(
            max_examples=12,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        check()
