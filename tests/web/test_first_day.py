"""A new user's first day in a real Chromium, with no terminal at all: add three people,
log a coffee, undo it, import a LinkedIn file, do today's first action, ask for a need and
follow a path."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from goodwill.store.db import open_store
from goodwill.web import create_app
from tests.web.helpers import NOW, ServerThread
from tests.web.test_browser import browser_context_args, browser_type_launch_args, shot

pytestmark = pytest.mark.browser
__all__ = ["browser_context_args", "browser_type_launch_args"]  # the Chromium fixtures

CONNECTIONS = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses'
    ' are missing."\n\n'
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Ada,Byron,https://www.linkedin.com/in/ada-byron-example,ada@cobalt.example,"
    "Cobalt Climate,Hiring Manager,01 Mar 2025\n"
    "Grace,Hopper,https://www.linkedin.com/in/grace-hopper-example,,Navy Labs,Admiral,"
    "02 Mar 2025\n"
)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """A new user's empty database behind a real server."""
    store = open_store(str(tmp_path_factory.mktemp("first-day") / "goodwill.store.db"))
    start = time.monotonic()
    app = create_app(store, clock=lambda: NOW + dt.timedelta(seconds=time.monotonic() - start))
    with ServerThread(app) as running:
        yield running
    store.dispose()


def add_person(page: Page, name: str, org: str = "", email: str = "") -> None:
    page.get_by_role("link", name="Add person").first.click()
    expect(page.locator("h1")).to_have_text("Add a person")
    page.locator("#f-name").fill(name)
    if org:
        page.locator("#f-org").fill(org)
    if email:
        page.locator("#f-email").fill(email)
    page.get_by_role("button", name="Add person").click()
    expect(page.locator(".notice")).to_contain_text(f"Added {name}.")
    page.get_by_role("link", name="People", exact=True).click()


def test_a_new_users_first_day_without_a_terminal(
    page: Page, fresh: ServerThread, tmp_path: Path
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.set_default_timeout(10_000)
    page.on("dialog", lambda d: d.accept())  # Skip, Delete and Remove ask first
    url = fresh.url

    # An empty Today sends a new user to adding people, not to a terminal.
    page.goto(url + "/")
    expect(page.locator(".empty-state")).to_contain_text("Add the people you know")
    page.get_by_role("link", name="Add the people you know").click()
    expect(page.locator("h1")).to_have_text("Add a person")
    page.locator("#f-name").fill("Priya Raman")
    page.locator("#f-org").fill("Cobalt Climate")
    page.locator("#f-email").fill("priya@example.org")
    page.get_by_role("button", name="Add person").click()
    expect(page.locator(".notice")).to_contain_text("Added Priya Raman.")
    page.get_by_role("link", name="People", exact=True).click()
    add_person(page, "Sam Lee", email="sam@example.org")
    add_person(page, "Noor Haddad")
    expect(page.locator("#count")).to_have_text("3 people")
    shot(page, "first-day-people", full=False)

    # Log a coffee with Sam, picked with the arrow keys; then undo it from the banner.
    page.get_by_role("link", name="Log", exact=True).click()
    who = page.locator("#f-who")
    who.type("Sam")
    expect(page.locator("#suggest [data-pick-person]").first).to_be_visible()
    who.press("ArrowDown")
    who.press("Enter")
    expect(page.locator("#chosen")).to_contain_text("Sam Lee")
    page.locator("label.chip-toggle:has(input[value=coffee])").click()
    page.get_by_role("button", name="Log it").click()
    expect(page.locator(".notice")).to_contain_text("Logged coffee with Sam Lee")
    page.locator(".notice").get_by_role("button", name="Undo").click()
    expect(page.locator(".notice")).to_contain_text("Removed the coffee")
    expect(page.locator("aside .timeline, aside .muted").first).not_to_contain_text("Sam Lee")

    # A call with Priya, who gave advice: a thank-you is owed.
    who = page.locator("#f-who")
    who.type("Priya")
    expect(page.locator("#suggest [data-pick-person]").first).to_be_visible()
    who.press("Enter")
    page.locator("label.chip-toggle:has(input[value=call])").click()
    page.locator("label.chip-toggle.got:has(input[value=advice])").click()
    page.get_by_role("button", name="Log it").click()
    expect(page.locator(".notice")).to_contain_text("Logged call with Priya Raman")

    # Import a LinkedIn export: the format follows the file.
    export = tmp_path / "Connections.csv"
    export.write_text(CONNECTIONS)
    page.get_by_role("link", name="Import", exact=True).click()
    page.locator("#f-file").set_input_files(str(export))
    expect(page.locator("#f-fmt")).to_have_value("linkedin")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#report .stat-created .stat-value")).to_have_text("2")
    page.get_by_role("button", name="Import 2 records").click()
    expect(page.locator(".notice")).to_contain_text("Imported Connections.csv.")

    # Today's first action: thank Priya, with the keyboard.
    page.get_by_role("link", name="Today", exact=True).click()
    first = page.locator("#action-1")
    expect(first).to_contain_text("Priya Raman")
    mailto = first.locator("a.mailto").get_attribute("href") or ""
    assert mailto.startswith("mailto:priya@example.org?body=Hi%20Priya") and "+" not in mailto
    expect(page.locator("#today-count")).to_have_text("1 action")
    page.keyboard.press("j")
    page.keyboard.press("d")
    expect(page.locator(".action.is-done")).to_contain_text("Done: logged message with Priya Raman")
    expect(page.locator("#today-count")).to_have_text("0 actions left")

    # Ask for a need and follow the path it shows.
    page.get_by_role("link", name="Needs", exact=True).click()
    page.locator("#f-text").fill("A job at Cobalt Climate")
    page.locator("#f-orgs").fill("Cobalt Climate")
    page.get_by_role("button", name="Add need").click()
    expect(page.locator("h1")).to_have_text("A job at Cobalt Climate")
    helpers = page.locator("ol.helpers > li")
    expect(helpers.first).to_contain_text("Priya Raman")
    expect(page.locator(".ranking-note")).to_contain_text("Score:")
    path = page.locator("p.path-line").first
    expect(path).to_contain_text("You → Priya Raman → Ada Byron")
    shot(page, "first-day-need")
    path.get_by_role("link", name="Ada Byron").click()
    expect(page.locator("h1")).to_contain_text("Ada Byron")
    expect(page.locator(".person-head")).to_contain_text("Cobalt Climate")
    assert errors == [], f"browser errors or warnings: {errors}"
