"""The main flows end to end in a real headless Chromium, with screenshots for the docs.

The server is uvicorn in a thread on a free 127.0.0.1 port over a temp SQLite database
with a demo network (60 people, fixed seed and date) and one hand-made person.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from goodwill.demo import fill as demo
from goodwill.records import people
from goodwill.store.db import open_store
from goodwill.store.models import Person
from goodwill.views import people_list
from goodwill.web import create_app
from tests.web.helpers import NOW, ServerThread

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("GOODWILL_BROWSER", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        why = f"the browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):  # CI installs it: a missing browser there is a failure
            pytest.fail(why)
        pytest.skip(why)
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args() -> dict[str, Any]:
    return {"viewport": {"width": 1280, "height": 860}, "locale": "en-GB"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    store = open_store(str(tmp_path_factory.mktemp("browser") / "goodwill.db"))
    with store.session() as s:
        demo.generate(s, people=60, seed=11, today=NOW.date())
        people.add(
            s,
            "Dana Whitfield",
            emails=["dana.whitfield@example.org"],
            org="Northwind Labs",
            title="Engineering Manager",
            tags=["mentor"],
            circle="active",
            location="Lisbon",
        )
        running_total = len(people_list.summaries(s))
    # A clock that starts at NOW and ticks, as a real one does: what you log is in the past
    # a moment later, when the next page reads it.
    start = time.monotonic()
    app = create_app(store, clock=lambda: NOW + dt.timedelta(seconds=time.monotonic() - start))
    with ServerThread(app) as running:
        running.people_total = running_total  # type: ignore[attr-defined]
        running.store = store  # type: ignore[attr-defined]
        yield running
    store.dispose()


@pytest.fixture
def site(page: Page, server: ServerThread) -> Iterator[Page]:
    """The page, checked to request nothing outside the test server and to log no error."""
    outside: list[str] = []
    errors: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(server.url) else None,
    )
    expected = "Failed to load resource: the server responded with a status of 4"  # form errors

    def on_console(message: Any) -> None:
        if message.type == "error" and not message.text.startswith(expected):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(8000)
    yield page
    assert outside == [], f"requests left the machine: {outside}"
    assert errors == [], f"browser errors: {errors}"


def shot(page: Page, name: str, *, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar belongs at the top
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def test_do_todays_first_action(site: Page, server: ServerThread) -> None:
    site.goto(server.url + "/")
    expect(site.locator("h1")).to_have_text("Today's session")
    first = site.locator("#action-1")
    expect(first.locator(".reason")).not_to_be_empty()
    shot(site, "today")
    expect(site.locator("#today-stats .stat-value").first).to_have_text("0")
    first.locator("input[name=note]").fill("Sent a short note")
    first.get_by_role("button", name="Done").click()
    done = site.locator(".action.is-done")
    expect(done).to_contain_text("Done: logged")
    expect(site.locator("#today-stats .stat-value").first).to_have_text("1")
    assert site.url == server.url + "/"  # in place, no page load


def test_log_an_interaction_in_a_few_clicks(site: Page, server: ServerThread) -> None:
    site.goto(server.url + "/log")
    who = site.locator("#f-who")
    expect(who).to_be_focused()
    who.type("whitf")
    expect(site.locator("[data-pick-person]")).to_have_count(1)
    who.press("Enter")  # takes the first suggestion
    expect(site.locator("#chosen .person-chip")).to_have_text(re.compile("Dana Whitfield"))
    site.locator("label.chip-toggle", has_text="call").click()
    site.locator("label.chip-toggle.gave", has_text="intro").click()
    site.locator("label.chip-toggle.got", has_text="advice").click()
    site.locator("#f-summary").fill("Talked about her team's hiring plans")
    shot(site, "log")
    site.get_by_role("button", name="Log it").click()
    expect(site.locator(".notice")).to_contain_text(
        f"Logged call with Dana Whitfield on {NOW.date().isoformat()}."
    )
    expect(site.locator(".notice").get_by_role("button", name="Undo")).to_be_visible()


def test_log_errors_are_shown_beside_the_field(site: Page, server: ServerThread) -> None:
    site.goto(server.url + "/log")
    site.locator("#f-summary").fill("Kept text")
    site.get_by_role("button", name="Log it").click()
    expect(site.locator("#who-error")).to_have_text("An interaction needs at least one person.")
    expect(site.locator("#f-summary")).to_have_value("Kept text")


def test_find_a_person_and_edit_them(site: Page, server: ServerThread) -> None:
    site.goto(server.url + "/people")
    total = server.people_total  # type: ignore[attr-defined]
    expect(site.locator("#count")).to_contain_text(f"{total} people")
    shot(site, "people", full=False)
    site.locator("#q").type("whitf")
    expect(site.locator("table.people tbody tr")).to_have_count(1)
    expect(site).to_have_url(re.compile(r"/people\?q=whitf$"))  # bookmarkable
    site.get_by_role("link", name=re.compile("Dana Whitfield")).click()
    expect(site.locator("h1")).to_contain_text("Dana Whitfield")
    expect(site.locator(".timeline")).to_contain_text("Talked about her team's hiring plans")
    shot(site, "person")
    url = site.url
    site.get_by_role("link", name="Edit").click()
    form = site.locator("form.edit-form")
    expect(form).to_be_visible()
    assert site.url == url  # edited in place
    form.locator("#f-location").fill("Porto")
    form.locator("#f-add_email").fill("not an email")
    form.get_by_role("button", name="Save").click()
    expect(site.locator("#add_email-error")).to_have_text("Not an email address.")
    expect(site.locator("#f-location")).to_have_value("Porto")
    shot(site, "person-edit")
    site.locator("#f-add_email").fill("dana@northwind.example")
    site.locator("form.edit-form").get_by_role("button", name="Save").click()
    expect(site.locator(".notice")).to_have_text("Saved.")
    expect(site.locator(".facts")).to_contain_text("Porto")
    expect(site.locator(".facts")).to_contain_text("dana@northwind.example")


def test_bulk_tag_from_the_list(site: Page, server: ServerThread) -> None:
    site.goto(server.url + "/people?q=whitf")
    site.locator("table.people tbody input[type=checkbox]").first.check()
    site.locator("#bulk-tag").fill("conference-2025")
    site.get_by_role("button", name="Add tag").click()
    expect(site.locator(".notice")).to_have_text("Tagged 1 person “conference-2025”.")
    site.goto(server.url + "/people?tag=conference-2025")
    expect(site.locator("table.people tbody tr")).to_have_count(1)


def test_unknown_person_is_a_friendly_page(site: Page, server: ServerThread) -> None:
    response = site.goto(server.url + "/people/424242")
    assert response is not None and response.status == 404
    expect(site.locator("h1")).to_have_text("Not found")
    expect(site.get_by_role("link", name="Go to your people")).to_be_visible()


def test_small_screens(site: Page, server: ServerThread) -> None:
    site.set_viewport_size({"width": 390, "height": 844})
    site.goto(server.url + "/")
    width = site.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    shot(site, "today-mobile", full=False)
    site.goto(server.url + "/people")
    width = site.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the people list scrolls sideways on a phone ({width}px)"
    row = site.locator("table.people tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "grid"  # a card, not a row
    shot(site, "people-mobile", full=False)
    assert dt.date.today()  # the server's clock is fixed; the browser's is not used


DATA = Path(__file__).resolve().parents[1] / "data"


def test_import_a_file(site: Page, server: ServerThread) -> None:
    site.goto(server.url + "/import")
    expect(site.locator("h1")).to_have_text("Import contacts")
    site.locator("#f-file").set_input_files(str(DATA / "realworld" / "ezvcard_gmail-single.vcf"))
    site.locator("#f-fmt").select_option("vcard")
    shot(site, "import-form", full=False)
    site.get_by_role("button", name="Preview").click()
    report = site.locator("#report")
    expect(report).to_contain_text("Preview of ezvcard_gmail-single.vcf")
    expect(report.locator(".stat-created .stat-value")).to_have_text("1")
    shot(site, "import")
    site.get_by_role("button", name=re.compile(r"Import 1 record")).click()
    expect(site.locator(".notice")).to_contain_text("Imported ezvcard_gmail-single.vcf.")
    site.goto(server.url + "/people?q=dartmouth")
    expect(site.locator("table.people tbody tr")).to_have_count(1)


def test_import_errors_beside_the_field(site: Page, server: ServerThread, tmp_path: Path) -> None:
    bad = tmp_path / "notes.vcf"
    bad.write_text("not a card\n")
    site.goto(server.url + "/import")
    site.locator("#f-file").set_input_files(str(bad))
    site.get_by_role("button", name="Preview").click()
    expect(site.locator("#file-error")).to_contain_text("notes.vcf is not a vCard file")


def test_ask_for_a_need(site: Page, server: ServerThread) -> None:
    site.goto(server.url + "/needs")
    site.locator("#f-text").fill("A data engineering role")
    site.locator("#f-orgs").fill("Cobalt Cloud")
    site.locator("#f-role").fill("Data Engineer")
    site.get_by_role("button", name="Add need").click()
    expect(site.locator("h1")).to_have_text("A data engineering role")
    helpers = site.locator("ol.helpers > li")
    expect(helpers.first.locator("ul.reasons li").first).not_to_be_empty()
    graph = site.locator("[data-graph]")
    expect(graph).to_have_attribute("data-ready", "true")
    expect(graph.locator("canvas").first).to_be_visible()
    shot(site, "needs")
    site.goto(server.url + "/needs")
    expect(site.locator(".need-item")).to_contain_text(["A data engineering role"])
    shot(site, "needs-list", full=False)


def test_network_map(site: Page, server: ServerThread) -> None:
    site.goto(server.url + "/network")
    graph = site.locator("#network-map")
    expect(graph).to_have_attribute("data-ready", "true")
    count = site.evaluate(
        "JSON.parse(document.getElementById('network-data').textContent).nodes"
        ".filter(n => n.href).length"
    )
    with server.store.session() as s:  # type: ignore[attr-defined]
        others = s.scalar(
            select(func.count(Person.id)).where(Person.removed_at.is_(None), ~Person.is_me)
        )
    assert count == others  # everyone but you (fewer than the map's 300)
    shot(site, "network", full=False)
    first = site.locator("ul.plain li a.person-link").first
    name = first.locator(".name").inner_text()
    first.click()
    expect(site.locator("h1")).to_contain_text(name)


def test_network_map_layout_fills_its_box_without_overlaps(
    site: Page, server: ServerThread
) -> None:
    """The README's demo has one organisation of 70 people: the clusters must still fill
    the map's box (one ring per cluster stacked them in a thin column) and never overlap."""
    site.goto(server.url + "/network")
    expect(site.locator("#network-map")).to_have_attribute("data-ready", "true")
    sizes = [70, 37, 26, 24, 23, 21, 16, 14, 13, 9, 9, 8, 1]
    nodes = [
        {"id": f"p{c}-{i}", "href": "/people/1", "cluster": c, "strength": (i % 10) / 10}
        for c, size in enumerate(sizes)
        for i in range(size)
    ] + [{"id": f"n{i}", "href": "/people/1", "cluster": -1, "strength": 0.5} for i in range(30)]
    nodes.append({"id": "o0", "label": "an organisation", "cluster": 0})  # a parent: no href
    aspect = 800 / 680
    positions = site.evaluate(
        "([nodes, aspect]) => window.goodwillClusterPositions(nodes, aspect)", [nodes, aspect]
    )
    assert set(positions) == {n["id"] for n in nodes if "href" in n}
    xs = [p["x"] for p in positions.values()]
    ys = [p["y"] for p in positions.values()]
    shape = (max(xs) - min(xs)) / (max(ys) - min(ys))
    assert aspect / 2 < shape < aspect * 2, shape
    boxes = []
    for key in [*range(len(sizes)), -1]:
        prefix = f"p{key}-" if key >= 0 else "n"
        members = [p for name, p in positions.items() if name.startswith(prefix)]
        boxes.append(
            (
                min(p["x"] for p in members),
                min(p["y"] for p in members),
                max(p["x"] for p in members),
                max(p["y"] for p in members),
            )
        )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]
            assert apart, (a, b)


def test_report_page(site: Page, server: ServerThread) -> None:
    site.goto(server.url + "/report")
    expect(site.locator("h1")).to_have_text("Your networking")
    images = site.locator(".chart-grid img")
    expect(images).to_have_count(5)
    for i in range(5):
        images.nth(i).scroll_into_view_if_needed()
        site.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=images.nth(i).element_handle()
        )
    shot(site, "report")
    with site.expect_download() as info:
        site.get_by_role("link", name="Download HTML").click()
    assert info.value.suggested_filename.startswith("goodwill-report-")


def test_network_map_is_quiet_and_centres_the_found_person(
    site: Page, server: ServerThread
) -> None:
    warnings: list[str] = []
    site.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    site.goto(server.url + "/network")
    graph = site.locator("#network-map")
    expect(graph).to_have_attribute("data-ready", "true")
    site.wait_for_timeout(300)
    assert warnings == [], f"{len(warnings)} console warnings, e.g. {warnings[:2]}"
    site.locator("#map-search").fill("Dana Whitfield")
    site.wait_for_timeout(600)  # the centring animation
    found = site.evaluate(
        """() => {
          const cy = document.getElementById('network-map')._cyreg.cy;
          const n = cy.nodes('.found');
          const p = n.renderedPosition(), w = cy.width(), h = cy.height();
          return {count: n.length, dx: Math.abs(p.x - w / 2), dy: Math.abs(p.y - h / 2),
                  minFont: n.style('min-zoomed-font-size')};
        }"""
    )
    assert found["count"] == 1
    assert found["dx"] < 20 and found["dy"] < 20, found
    assert found["minFont"] in ("0", "0px")
    shot(site, "network-found", full=False)


def test_report_charts_read_on_a_phone(site: Page, server: ServerThread) -> None:
    site.set_viewport_size({"width": 390, "height": 844})
    site.goto(server.url + "/report")
    chart = site.locator("figure.chart-contacts img")
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    site.wait_for_function(
        "() => [...document.querySelectorAll('figure.chart img')].every(i => i.complete)"
    )
    src = chart.evaluate("img => img.currentSrc")
    assert "narrow=1" in src, src  # the phone's picture, drawn for its width
    width = site.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the report scrolls sideways on a phone ({width}px)"
    chart.screenshot(path=str(SHOTS / "report-chart-mobile.png"))


def test_doctor_shows_each_source_and_its_last_error(site: Page, server: ServerThread) -> None:
    import json

    from goodwill.records import sync_sources

    store = server.store  # type: ignore[attr-defined]
    with store.session() as s:
        mail = sync_sources.get(s, "mail", "imaps://dana@mail.example.org/INBOX")
        sync_sources.succeeded(mail, {"last_uid": 412}, at=NOW - dt.timedelta(minutes=14))
        cards = sync_sources.get(s, "contacts", "/home/dana/.local/share/contacts")
        sync_sources.succeeded(cards, {}, at=NOW - dt.timedelta(days=4))
        sync_sources.failed(
            cards,
            "cannot read the folder /home/dana/.local/share/contacts: no such folder",
            at=NOW - dt.timedelta(days=2),
        )
    site.goto(server.url + "/")
    site.get_by_role("navigation", name="Main").get_by_role("link", name="Doctor").click()
    expect(site).to_have_url(server.url + "/doctor")
    expect(site.get_by_role("heading", name="Doctor", exact=True)).to_be_visible()
    rows = site.locator("table.doctor tbody tr")
    expect(rows).to_have_count(2)
    failing = site.locator("tr.failing")
    expect(failing).to_contain_text("Failing since")
    expect(failing).to_contain_text("no such folder")
    expect(site.get_by_role("alert")).to_contain_text("1 source has been failing")
    expect(
        site.locator("tr.source", has_text="imaps://dana@mail.example.org/INBOX")
    ).to_contain_text("UTC")
    shot(site, "doctor")
    site.get_by_role("link", name="/doctor.json").click()
    data = json.loads(site.locator("body").inner_text())
    assert [s["kind"] for s in data["sources"]] == ["contacts", "mail"]
    assert data["counts"]["organisations"] >= 1
