"""The Today page's decisions of your phone's sync, in a real headless Chromium.

A card deleted on the phone and a job changed on both sides (made by a real contacts sync
through a folder) show first in the session with a button per choice; pressing one
applies it in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from goodwill.records import people
from goodwill.store.db import open_store
from goodwill.store.models import Person
from goodwill.web import create_app
from tests.daily.test_sync_decisions import _asked
from tests.web.helpers import NOW, ServerThread
from tests.web.test_browser import (  # noqa: F401 (fixtures)
    browser_context_args,
    browser_type_launch_args,
    site,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    where = tmp_path_factory.mktemp("sync-browser")
    store = open_store(str(where / "goodwill.db"))
    ana, bo, _ = _asked(store, where / "contacts")
    app = create_app(store, clock=lambda: NOW + dt.timedelta(seconds=1))
    with ServerThread(app) as running:
        running.store = store  # type: ignore[attr-defined]
        running.ids = (ana, bo)  # type: ignore[attr-defined]
        yield running
    store.dispose()


def test_decide_what_the_phone_asked(site: Page, server: ServerThread) -> None:  # noqa: F811
    site.on("dialog", lambda d: d.accept())
    site.goto(server.url + "/")
    asks = site.locator("li.action").filter(has=site.locator("button.pick"))
    expect(asks).to_have_count(2)
    conflict = site.locator("li.action", has_text="Choose a value for")
    expect(conflict).to_contain_text("VP, Engineering")
    expect(conflict.get_by_role("button", name="Keep goodwill's")).to_be_visible()
    conflict.get_by_role("button", name="Take the phone's").click()
    expect(site.locator(".action.is-done").first).to_contain_text("Took your phone's organization")
    deleted = site.locator("li.action", has_text="Keep or remove")
    deleted.get_by_role("button", name="Remove from goodwill").click()
    expect(site.locator(".action.is-done")).to_have_count(2)
    expect(site.locator(".action.is-done").nth(1)).to_contain_text("Removed Ana Lima")
    store = server.store  # type: ignore[attr-defined]
    ana, bo = server.ids  # type: ignore[attr-defined]
    with store.session() as s:
        assert s.get(Person, ana).removed_at is not None  # type: ignore[union-attr]
        role = people.current_role(s.get(Person, bo))  # type: ignore[arg-type]
        assert role is not None and role.title == "VP, Engineering"
    site.goto(server.url + "/")
    expect(site.locator("button.pick")).to_have_count(0)
