"""Two members signed in side by side in Chromium: Ann finds that Sam knows someone at
Zenith and asks him for an introduction; Sam accepts it from his Today page, records
that Mia agreed (double opt-in) and that he made the introduction; Ann sees it made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from goodwill.store.db import open_store
from goodwill.web import create_app
from tests.team.helpers import MARKS_ALL, cli, ok, seeded_team
from tests.web.helpers import ServerThread
from tests.web.test_browser import browser_context_args, browser_type_launch_args

pytestmark = pytest.mark.browser
__all__ = ["browser_context_args", "browser_type_launch_args"]


@pytest.fixture
def server(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerThread]:
    monkeypatch.setenv("GOODWILL_DB", db_url)
    monkeypatch.delenv("GOODWILL_USER", raising=False)
    seeded_team()
    when = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    ok(cli("--user", "Sam", "log", "Mia Chen", "--kind", "call", "--date", when))
    store = open_store(db_url)
    try:
        with ServerThread(create_app(store, team=True)) as running:
            yield running
    finally:
        store.dispose()


def sign_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(url + "/")
    expect(page).to_have_url(url + "/login?next=%2F")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    expect(page.locator("form.signed-in")).to_be_visible()


def test_two_members_side_by_side(browser: Browser, server: ServerThread) -> None:
    ann = browser.new_context().new_page()
    sam = browser.new_context().new_page()
    sign_in(ann, server.url, "ann@x.org", "correct horse")
    sign_in(sam, server.url, "sam@x.org", "battery staple")

    ann.goto(server.url + "/team?to=Zenith")
    expect(ann.locator(".team-routes")).to_contain_text("Sam on your team knows Mia Chen at Zenith")
    ann.fill("input[name=why]", "the platform role")
    ann.click("text=Ask Sam for an introduction")
    expect(ann.locator(".team-intros")).to_contain_text("You asked Sam")

    sam.goto(server.url + "/")
    asks = sam.locator(".team-asks")
    expect(asks).to_contain_text("Ann asks you to introduce them to Mia Chen (the platform role)")
    asks.locator("button", has_text="Accept").click()
    # Double opt-in: Sam asks Mia, records her yes, then makes the introduction.
    expect(sam.locator(".team-asks")).to_contain_text(
        "Ask Mia Chen whether they would like to meet Ann"
    )
    ann.goto(server.url + "/team")
    expect(ann.locator(".team-intros")).to_contain_text("accepted")
    sam.locator(".team-asks button", has_text="Mia Chen agreed").click()
    expect(sam.locator(".team-asks")).to_contain_text("Mia Chen agreed: introduce them to Ann")
    sam.locator(".team-asks button", has_text="Introduction made").click()
    expect(sam.locator(".team-asks")).to_have_count(0)

    ann.goto(server.url + "/team")
    expect(ann.locator(".team-intros")).to_contain_text("made")
    # Neither sees the other's private rows on the pages they have open.
    for page in (ann, sam):
        page.goto(server.url + "/people/1")
    for mark in MARKS_ALL:
        assert mark not in sam.content()
    ann.context.close()
    sam.context.close()
