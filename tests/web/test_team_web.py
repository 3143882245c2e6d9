"""`goodwill serve --team`: sign-in, CSRF, rate limit, and the permission matrix: every
GET route of the pages and the JSON API, as the owner, another member (cookie and token),
an admin and a signed-out visitor, searched for marker strings in Ann's private note,
ledger entry and need. PostgreSQL: team mode's store."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import select

from goodwill.records import team
from goodwill.store import policy
from goodwill.store.db import Store, open_store
from goodwill.store.models import Interaction, Need, Person
from tests.team.helpers import MARK_NOTE, MARKS_ALL, ok, seeded_team
from tests.team.helpers import cli as run
from tests.web.helpers import NOW, TOKEN_RE, Web, make_app

MARKS = MARKS_ALL


@pytest.fixture
def team_store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("GOODWILL_DB", db_url)
    monkeypatch.delenv("GOODWILL_USER", raising=False)
    seeded_team()
    ok(
        run(
            "user",
            "add",
            "Ada",
            "--email",
            "ada@x.org",
            "--role",
            "admin",
            "--password-stdin",
            stdin="lovelace1\n",
        )
    )
    store = open_store(db_url)
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture
def app(team_store: Store) -> FastAPI:
    return make_app(team_store, team=True)


def signed_in(app: FastAPI, email: str, password: str) -> Web:
    web = Web(app)
    token = TOKEN_RE.search(web.get("/login").text)
    assert token
    r = web.post(
        "/login",
        data={"csrf_token": token.group(1), "email": email, "password": password, "next": "/"},
    )
    assert r.status_code == 303, r.text
    return web


def test_signed_out_pages_go_to_login_and_the_api_answers_401(app: FastAPI) -> None:
    web = Web(app)
    try:
        r = web.get("/people")
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fpeople"
        assert web.get("/api/people").status_code == 401
        assert web.get("/api/people", headers={"authorization": "Bearer nope"}).status_code == 401
        assert web.get("/login").status_code == 200
        # A form without its CSRF token is refused, even the sign-in form.
        r = web.post("/login", data={"email": "sam@x.org", "password": "battery staple"})
        assert r.status_code == 403
    finally:
        web.close()


def test_sign_in_sets_a_strict_httponly_cookie_and_wrong_passwords_get_429(app: FastAPI) -> None:
    web = Web(app)
    try:
        token = TOKEN_RE.search(web.get("/login").text)
        assert token
        form = {"csrf_token": token.group(1), "email": "sam@x.org", "next": "/"}
        for _ in range(team.MAX_FAILURES):
            r = web.post("/login", data={**form, "password": "wrong one"})
            assert r.status_code == 401 and "do not match" in r.text
        r = web.post("/login", data={**form, "password": "battery staple"})
        assert r.status_code == 429 and "too many wrong passwords" in r.text.lower()
        web2 = Web(app)
        try:
            other = TOKEN_RE.search(web2.get("/login").text)
            assert other
            r = web2.post(
                "/login",
                data={
                    "csrf_token": other.group(1),
                    "email": "ann@x.org",
                    "password": "correct horse",
                    "next": "/people",
                },
            )
            assert r.status_code == 303 and r.headers["location"] == "/people"
            cookie = r.headers["set-cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            page = web2.get("/people")
            assert page.status_code == 200 and "Sign out" in page.text and "Ann" in page.text
            assert web2.form("/logout", {}, page="/people").status_code == 303
            assert web2.get("/people").status_code == 303
        finally:
            web2.close()
    finally:
        web.close()


def _paths(app: FastAPI, ids: dict[str, int]) -> list[str]:
    """Every GET route, its path parameters filled with ids of Ann's objects."""
    out = []
    routes = []
    for item in app.routes:  # FastAPI keeps an included router's routes behind it
        inner = getattr(item, "original_router", None)
        routes += list(inner.routes) if inner is not None else [item]
    for route in routes:
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        if route.path in ("/login", "/log/suggest", "/invite/{secret}"):  # public, own test
            continue
        path = route.path
        for name in re.findall(r"{(\w+)}", path):
            value = {"name": "strength"}.get(name, str(ids.get(name, ids["person_id"])))
            path = path.replace("{" + name + "}", value)
        out.append(path)
    out += [
        "/log/suggest?q=Mia",
        "/api/search?q=MARKER",
        f"/api/search?q={MARK_NOTE}",
        "/people?q=Mia",
        "/api/interactions",
        "/team?to=Mia%20Chen",  # teammates' ties: only what each owner shares
    ]
    return out


def test_permission_matrix(app: FastAPI, team_store: Store) -> None:
    with policy.acting_as(policy.Viewer(1, "Ann", "admin")), team_store.session() as s:
        ids = {
            "person_id": s.scalars(select(Person.id)).first() or 1,
            "need_id": s.scalars(select(Need.id)).first() or 1,
            "interaction_id": s.scalars(select(Interaction.id)).first() or 1,
        }
    ids["ref"] = ids["person_id"]
    ids["org_id"] = 1
    paths = _paths(app, ids)
    assert len(paths) >= 15
    ann = signed_in(app, "ann@x.org", "correct horse")
    sam = signed_in(app, "sam@x.org", "battery staple")
    ada = signed_in(app, "ada@x.org", "lovelace1")
    with policy.acting_as(policy.Viewer(1, "Ann", "admin")), team_store.session() as s:
        sam_token = team.new_token(s, "Sam")
    sam_script = Web(app)
    nobody = Web(app)
    seen_by_ann = ""
    try:
        for path in paths:
            r = ann.get(path)
            assert r.status_code < 500, (path, r.text[:300])
            seen_by_ann += r.text
            for who, web, headers in (
                ("sam", sam, {}),
                ("ada (admin)", ada, {}),
                ("sam's token", sam_script, {"authorization": f"Bearer {sam_token}"}),
            ):
                r = web.get(path, headers=headers)
                assert r.status_code < 500, (who, path, r.text[:300])
                for mark in MARKS:
                    assert mark not in r.text, (who, path, mark)
            r = nobody.get(path)
            assert r.status_code in (303, 401), path
            assert not any(m in r.text for m in MARKS)
        # The owner does see what is theirs (the matrix is not passing by showing nothing).
        for mark in MARKS:
            assert mark in seen_by_ann, mark
        assert ann.get(f"/needs/{ids['need_id']}").status_code == 200
        assert sam.get(f"/needs/{ids['need_id']}").status_code == 404
        assert (
            sam_script.get(
                f"/api/needs/{ids['need_id']}/ask", headers={"authorization": f"Bearer {sam_token}"}
            ).status_code
            == 404
        )
        # Removing Sam ends his session and his token at once.
        ok(run("user", "remove", "Sam"))
        assert sam.get("/people").status_code == 303
        r = sam_script.get("/api/people", headers={"authorization": f"Bearer {sam_token}"})
        assert r.status_code == 401
    finally:
        for web in (ann, sam, ada, sam_script, nobody):
            web.close()


def test_schemathesis_as_a_signed_in_member(team_store: Store) -> None:
    """Generated requests for every API operation as Sam (Bearer token): no server error,
    and nothing of Ann's private rows in any answer (her ids are in the generated range)."""
    import hypothesis
    import schemathesis
    from schemathesis.checks import not_a_server_error

    with policy.acting_as(policy.Viewer(1, "Ann", "admin")), team_store.session() as s:
        token = team.new_token(s, "Sam")
    auth = {"Authorization": f"Bearer {token}"}
    app = make_app(team_store, team=True, allowed_hosts=["testserver"])
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=auth)
    operations = list(schema.get_all_operations())
    assert len(operations) >= 11
    for result in operations:
        operation = result.ok()

        @hypothesis.settings(
            max_examples=5,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            response = case.call_and_validate(headers=auth, checks=[not_a_server_error])
            assert not any(m in response.text for m in MARKS), case.path

        check()
    # Ann's need, asked for by id, is no object of Sam's.
    web = Web(app)
    try:
        assert web.get("/api/needs/1/ask", headers=auth).status_code == 404
    finally:
        web.close()


def test_invite_link_sets_a_password_once_and_expires(app: FastAPI, team_store: Store) -> None:
    out = ok(run("user", "invite", "kim@x.org", "--expires", "2d", "--url", "http://t.example"))
    link = out.out.strip().splitlines()[-1]
    assert link.startswith("http://t.example/invite/gwi_")
    path = link.removeprefix("http://t.example")
    web = Web(app)
    try:
        page = web.get(path)
        assert page.status_code == 200 and "kim &lt;kim@x.org&gt;" in page.text
        token = TOKEN_RE.search(page.text)
        assert token
        form = {"csrf_token": token.group(1), "password": "short", "again": "short"}
        r = web.post(path, data=form)
        assert r.status_code == 400 and "at least 8" in r.text
        form = {**form, "password": "kim-password", "again": "kim-password"}
        r = web.post(path, data=form)
        assert r.status_code == 303 and "gw_session=" in r.headers["set-cookie"]
        assert web.get("/people").status_code == 200  # signed in as Kim
        # Used: one clear sentence, no second password.
        again = Web(app)
        try:
            r = again.get(path)
            assert r.status_code == 410 and "was used already" in r.text
            assert "Traceback" not in r.text
            r = again.get("/invite/gwi_nonsense")
            assert r.status_code == 410 and "is not valid" in r.text
        finally:
            again.close()
    finally:
        web.close()
    with team_store.session() as s:
        assert team.sign_in(s, "kim@x.org", "kim-password") is not None
        # An expired link: one sentence too.
        with policy.acting_as(policy.Viewer(1, "Ann", "admin")):
            _, secret = team.invite(s, "lee@x.org", now=dt.datetime(2020, 1, 1))
    with team_store.session() as s, pytest.raises(team.InviteUnusable, match="has expired"):
        team.accept_invite(s, secret, "lee-password")
    web = Web(app)
    try:
        r = web.get(f"/invite/{secret}")
        assert r.status_code == 410 and "has expired" in r.text
    finally:
        web.close()
    r = run("user", "invite", "zed@x.org", "--expires", "1y")
    assert r.code == 1 and "hours, days or weeks" in r.err
    r = run("--user", "Sam", "user", "invite", "zed@x.org")
    assert r.code == 1 and "only a team admin" in r.err
    assert "invite" in ok(run("user", "audit")).out


def test_kept_figures_are_each_members_and_follow_their_writes(app: FastAPI) -> None:
    """A team's pages keep their figures per member and per version of the data: Sam's
    next page shows his own new call (made from the command line, another process's
    write), and what was kept for Ann is never Sam's."""
    ann = signed_in(app, "ann@x.org", "correct horse")
    sam = signed_in(app, "sam@x.org", "battery staple")
    try:
        for page in ("/people", "/api/people", "/"):
            ann.get(page)
        def report(web: Web) -> str:
            return TOKEN_RE.sub("", web.get("/report").text)

        ann_report, before = report(ann), report(sam)
        assert report(sam) == before  # kept: the same page
        when = (NOW - dt.timedelta(days=1)).date().isoformat()  # within the app's week
        ok(run("--user", "Sam", "log", "Mia Chen", "--kind", "call", "--date", when))
        assert report(sam) != before, "Sam's own call must show on his next page"
        assert report(ann) == ann_report  # Ann's figures are hers: Sam's call is not in them
        for page in ("/people", "/api/people", "/"):
            text = sam.get(page).text
            assert not any(m in text for m in MARKS), page
    finally:
        ann.close()
        sam.close()


def test_the_team_page_shows_the_strongest_ties_and_counts_the_rest(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from goodwill.web.routes import team_page

    ok(run("--user", "Ada", "log", "Mia Chen", "--kind", "call", "--date", "2020-01-02"))
    sam = signed_in(app, "sam@x.org", "battery staple")
    try:
        page = sam.get("/team?to=Mia%20Chen").text
        assert "Ann on your team knows Mia Chen" in page and "Ada on your team" in page
        assert "more of your teammates" not in page
        monkeypatch.setattr(team_page, "ROUTES_SHOWN", 1)
        page = sam.get("/team?to=Mia%20Chen").text
        # Ann's tie is the stronger (this year's coffee): shown; Ada's is counted.
        assert "Ann on your team knows Mia Chen" in page and "Ada on your team" not in page
        assert "and 1 more of your teammates' ties there" in page
    finally:
        sam.close()
