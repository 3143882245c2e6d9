"""Figures kept per person (the list's badges): a write recomputes the people it concerns
only, and no page ever shows a person's figures from before a change to them, whether
made through the app or elsewhere."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import insert, select

from goodwill import cadence, concerns, interactions, people
from goodwill.db import Store
from goodwill.models import Exchange, Interaction, Knows, Person
from goodwill.web import figures
from tests.web.conftest import NOW, Web, make_app

YESTERDAY = (NOW - dt.timedelta(days=1)).date().isoformat()


def row(html: str, name: str) -> str:
    """The list's table row of `name`."""
    found = [r for r in html.split("<tr>") if f'<span class="name">{name}</span>' in r]
    assert len(found) == 1, name
    return found[0]


def balance(html: str, name: str) -> str:
    """What the balance cell of `name` says: 'gave N · got M' or '–' (nothing yet)."""
    match = re.search(r'title="(gave \d+ · got \d+)', row(html, name))
    return match.group(1) if match else "–"


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[int]]]:
    """The ids each computation of the list's badges was asked for."""
    calls: list[list[int]] = []
    real = figures.badges

    def spy(s: Any, ids: Sequence[int], now: dt.datetime) -> dict[int, figures.Badges]:
        calls.append(sorted(ids))
        return real(s, ids, now)

    monkeypatch.setattr(figures, "badges", spy)
    yield calls


@pytest.fixture
def browser(store: Store) -> Iterator[Web]:
    client = Web(make_app(store))
    yield client
    client.close()


def test_a_write_through_the_app_recomputes_the_people_it_concerns_only(
    browser: Web, team: dict[str, int], computed: list[list[int]]
) -> None:
    assert balance(browser.get("/people").text, "Bo Chen") == "–"
    assert computed == [sorted(team.values())]
    browser.get("/people")
    assert len(computed) == 1  # all kept
    r = browser.form(
        "/log",
        {"person_id": str(team["bo"]), "kind": "call", "gave": "info", "date": YESTERDAY},
    )
    assert r.status_code == 303
    html = browser.get("/people").text
    assert balance(html, "Bo Chen") == "gave 1 · got 0"
    assert computed[1:] == [[team["bo"]]]
    assert balance(html, "Dana Kim") == "gave 1 · got 1"


def test_a_log_with_several_people_concerns_each_of_them(
    browser: Web, team: dict[str, int], computed: list[list[int]]
) -> None:
    browser.get("/people")
    r = browser.form(
        "/log",
        {
            "person_id": [str(team["ana"]), str(team["lee"])],
            "kind": "meeting",
            "got": "help",
            "date": YESTERDAY,
        },
    )
    assert r.status_code == 303
    html = browser.get("/people").text
    assert computed[1:] == [sorted([team["ana"], team["lee"]])]
    assert balance(html, "Ana Souza") == balance(html, "Lee Park") == "gave 0 · got 1"


def test_an_edit_through_the_app_shows_on_the_next_list(
    browser: Web, team: dict[str, int], computed: list[list[int]]
) -> None:
    before = row(browser.get("/people").text, "Bo Chen")
    page = browser.get(f"/people/{team['bo']}/edit")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = browser.post(
        f"/people/{team['bo']}/edit",
        data={"csrf_token": token.group(1), "name": "Bo Chen", "circle": "close", "cadence": "1"},
    )
    assert r.status_code == 303
    after = row(browser.get("/people").text, "Bo Chen")
    assert computed[1:] == [[team["bo"]]]
    assert after != before and "circle-close" in after


def test_a_change_made_elsewhere_recomputes_everyone(
    store: Store, browser: Web, team: dict[str, int], computed: list[list[int]]
) -> None:
    browser.get("/people")
    with store.session() as s:  # the command line, an import: not this app
        bo = s.get(Person, team["bo"])
        assert bo is not None
        interactions.log(s, [bo], "call", when=NOW - dt.timedelta(days=1), got=["help"], now=NOW)
    html = browser.get("/people").text
    assert balance(html, "Bo Chen") == "gave 0 · got 1"
    assert computed[1:] == [sorted(team.values())]


def test_a_removed_contact_changes_the_mutual_contacts_of_others(
    store: Store, browser: Web, team: dict[str, int]
) -> None:
    """Removing Lee (Dana's mutual contact) changes Dana's strength: everyone is concerned."""
    with concerns.collect() as seen, store.session() as s:
        lee = s.get(Person, team["lee"])
        assert lee is not None
        people.remove(s, lee)
    assert seen.everyone


def test_what_each_write_concerns(store: Store, team: dict[str, int]) -> None:
    dana, lee, bo = team["dana"], team["lee"], team["bo"]
    with concerns.collect() as seen, store.session() as s:
        who = [s.get(Person, dana), s.get(Person, bo)]
        interactions.log(s, [p for p in who if p], "coffee", gave=["info"], now=NOW)
    assert seen.people == {dana, bo} and not seen.everyone
    with concerns.collect() as seen, store.session() as s:
        s.add(Knows(a_id=lee, b_id=bo, how="employer"))
    assert seen.people == {lee, bo} and not seen.everyone
    with concerns.collect() as seen, store.session() as s:
        person = s.get(Person, lee)
        assert person is not None
        people.edit(s, person, add_tags_=["friend"], add_emails=["lee2@example.com"])
    assert not seen.everyone and seen.people <= {lee}
    with concerns.collect() as seen, store.session() as s:
        person = s.get(Person, lee)
        assert person is not None
        people.edit(s, person, circle="close")
    assert seen.people == {lee} and not seen.everyone
    with concerns.collect() as seen, store.session() as s:
        cadence.set_circle(s, "close", ideal_days=3, max_days=10)
    assert seen.everyone
    with concerns.collect() as seen, store.session() as s:
        item = s.scalars(select(Interaction).limit(1)).one()
        item.summary = "edited"
        item.occurred_at = NOW - dt.timedelta(days=9)
    assert seen.everyone
    with concerns.collect() as seen, store.session() as s:
        item_id = s.scalars(select(Interaction.id).limit(1)).one()
        s.execute(
            insert(Exchange),
            [
                {
                    "interaction_id": item_id,
                    "person_id": bo,
                    "direction": "gave",
                    "kind": "info",
                    "occurred_at": NOW,
                }
            ],
        )
    assert seen.everyone  # a bulk statement: its rows are not known
    with store.session() as s:  # no collector: nothing gathered, nothing fails
        person = s.get(Person, bo)
        assert person is not None
        people.edit(s, person, circle="wider")


def test_the_people_due_follow_writes_through_the_app_for_whom_they_concern(
    browser: Web, team: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[list[int]] = []
    real = figures.due_marks

    def spy(s: Any, ids: Sequence[int], today: dt.date) -> dict[int, bool]:
        asked.append(sorted(ids))
        return real(s, ids, today)

    monkeypatch.setattr(figures, "due_marks", spy)

    def due() -> list[str]:
        return re.findall(r'<span class="name">([^<]+)</span>', browser.get("/people?due=1").text)

    browser.get("/people")  # the first reader brings the fixture's contact summary up to date
    assert "Lee Park" not in due()
    assert asked == [sorted(team.values())]
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', browser.get(f"/people/{team['lee']}/edit").text
    )
    assert token
    r = browser.post(
        f"/people/{team['lee']}/edit",
        data={"csrf_token": token.group(1), "name": "Lee Park", "cadence": "7"},
    )
    assert r.status_code == 303
    assert "Lee Park" in due()  # last in touch 40 days ago, now every 7 days
    assert asked[1:] == [[team["lee"]]]
    r = browser.form("/log", {"person_id": str(team["lee"]), "kind": "call", "date": YESTERDAY})
    assert r.status_code == 303
    assert "Lee Park" not in due()
    assert asked[2:] == [[team["lee"]]]
