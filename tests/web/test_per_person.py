"""Figures kept per person (the list's badges): a write recomputes the people it concerns
only, and no page ever shows a person's figures from before a change to them, whether
made through the app or elsewhere."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from functools import partial
from typing import Any

import anyio.to_thread
import pytest
from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from goodwill.records import interactions, people
from goodwill.scoring import cadence
from goodwill.store import changes
from goodwill.store.db import Store
from goodwill.store.models import (
    Email,
    Exchange,
    Interaction,
    Knows,
    Organization,
    Person,
    PersonTag,
    Phone,
)
from goodwill.views import people_list
from goodwill.web import figures
from goodwill.web.per_person import FIGURE_KINDS, ROW_KINDS, PerPerson
from goodwill.web.versions import Versions
from tests.web.helpers import NOW, Web, make_app

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
    """The ids each computation of the list's badges was asked for (a page at a time)."""
    calls: list[list[int]] = []
    real = figures.badges

    def spy(s: Any, ids: Sequence[int] | None, now: dt.datetime) -> dict[int, figures.Badges]:
        if ids is not None:  # not everyone's at once (the whole-network run)
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


def test_a_change_made_elsewhere_recomputes_whom_it_concerns(
    store: Store, browser: Web, team: dict[str, int], computed: list[list[int]]
) -> None:
    """The change log sees every writer: the command line here, plain SQL next."""
    browser.get("/people")
    with store.session() as s:  # the command line, an import: not this app
        bo = s.get(Person, team["bo"])
        assert bo is not None
        interactions.log(s, [bo], "call", when=NOW - dt.timedelta(days=1), got=["help"], now=NOW)
    html = browser.get("/people").text
    assert balance(html, "Bo Chen") == "gave 0 · got 1"
    assert computed[1:] == [[team["bo"]]]
    with store.engine.begin() as conn:  # another program, through plain SQL
        item = conn.execute(text("SELECT MAX(id) FROM interaction")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO exchange (interaction_id, person_id, direction, kind, occurred_at)"
                " VALUES (:i, :p, 'gave', 'info', :t)"
            ),
            {"i": item, "p": team["dana"], "t": NOW - dt.timedelta(days=1)},
        )
    html = browser.get("/people").text
    assert computed[2:] == [[team["dana"]]]
    assert balance(html, "Dana Kim") == "gave 2 · got 1"


def after(store: Store, write: Callable[[Session], object]) -> changes.Changes:
    """What the change log says `write` changed."""
    with store.session() as s:
        before = changes.mark(s)
    with store.session() as s:
        write(s)
    with store.session() as s:
        return changes.since(s, before)


def figures_of(news: changes.Changes) -> frozenset[int]:
    return news.of(*FIGURE_KINDS)


def rows_of(news: changes.Changes) -> frozenset[int]:
    return news.of(*ROW_KINDS)


def test_a_removed_contact_changes_the_mutual_contacts_of_others(
    store: Store, team: dict[str, int]
) -> None:
    """Removing Lee (Dana's mutual contact) changes Dana's strength: everyone is concerned."""

    def remove(s: Session) -> None:
        lee = s.get(Person, team["lee"])
        assert lee is not None
        people.remove(s, lee)

    assert changes.EVERYONE in figures_of(after(store, remove))


def test_what_each_write_concerns(store: Store, team: dict[str, int]) -> None:
    dana, lee, bo = team["dana"], team["lee"], team["bo"]

    def get(s: Session, pid: int) -> Person:
        found = s.get(Person, pid)
        assert found is not None
        return found

    news = after(
        store,
        lambda s: interactions.log(s, [get(s, dana), get(s, bo)], "coffee", gave=["info"], now=NOW),
    )
    assert figures_of(news) == {dana, bo}
    news = after(store, lambda s: s.add(Knows(a_id=lee, b_id=bo, how="employer")))
    assert figures_of(news) == {lee, bo}
    news = after(
        store,
        lambda s: people.edit(
            s, get(s, lee), add_tags_=["friend"], add_emails=["lee2@example.com"]
        ),
    )
    assert figures_of(news) <= {lee}
    assert figures_of(after(store, lambda s: people.edit(s, get(s, lee), circle="close"))) == {lee}
    news = after(store, lambda s: cadence.set_circle(s, "close", ideal_days=3, max_days=10))
    assert changes.EVERYONE in figures_of(news)

    def edit_interaction(s: Session) -> None:
        item = s.scalars(select(Interaction).order_by(Interaction.id).limit(1)).one()
        item.summary = "edited"
        item.occurred_at = NOW - dt.timedelta(days=9)

    with store.session() as s:
        first = s.scalars(select(Interaction).order_by(Interaction.id).limit(1)).one()
        who = {p.person_id for p in first.participants}
    assert figures_of(after(store, edit_interaction)) == who  # its people, not everyone

    def bulk(s: Session) -> None:
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

    assert figures_of(after(store, bulk)) == {bo}  # a bulk statement: triggers see its rows


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


# Kept for everyone at once: the whole-network run (in a thread of the app's own).


def run_now(compute: Any, store: Store) -> Future[Any]:
    """A runner that computes at once, in a session of its own (the app's thread's
    stand-in): its future is done before the book sees it."""
    done: Future[Any] = Future()
    with store.session() as s:
        done.set_result(compute(s))
    return done


def app_write(book: PerPerson, store: Store, pid: int) -> None:
    """A call logged with `pid` as a write of this app would be (the book told of it)."""
    with store.session() as s:
        person = s.get(Person, pid)
        assert person is not None
        interactions.log(s, [person], "call", when=NOW - dt.timedelta(hours=1), gave=["info"])


def test_the_first_request_of_a_period_fills_everyone_at_once(
    store: Store, team: dict[str, int], computed: list[list[int]]
) -> None:
    book = PerPerson(store, Versions(store), partial(run_now, store=store))
    wholes: list[str] = []

    def whole(s: Any) -> dict[int, figures.Badges]:
        wholes.append("everyone")
        return figures.badges(s, None, NOW)

    key = ("badges", NOW.replace(minute=0))
    each = partial(figures.badges, now=NOW)
    first = book.get(key, [team["dana"]], each, whole)
    assert wholes == ["everyone"]
    later = book.get(key, [team["lee"], team["bo"], team["ana"]], each, whole)
    assert wholes == ["everyone"]  # once per period
    assert computed == [[team["dana"]]]  # the first page's own, then none: all were filled
    with store.session() as s:
        direct = figures.badges(s, None, NOW)
    assert first[team["dana"]] == direct[team["dana"]]
    assert all(later[p] == direct[p] for p in later)
    # A change concerning Bo: his figure is computed again, the others stay kept.
    app_write(book, store, team["bo"])
    after = book.get(key, sorted(team.values()), each, whole)
    assert computed[1:] == [[team["bo"]]]
    balance = after[team["bo"]].balance
    assert balance is not None and balance.gives == 1


def test_until_the_fill_arrives_the_last_periods_figures_answer(
    store: Store, team: dict[str, int], computed: list[list[int]]
) -> None:
    runs: list[Future[Any]] = []
    asked: list[Any] = []  # what each run computes

    def later(compute: Any) -> Future[Any]:  # the test says when each run is done
        runs.append(Future())
        asked.append(compute)
        return runs[-1]

    def finish(i: int) -> None:
        with store.session() as s:
            runs[i].set_result(asked[i](s))

    book = PerPerson(store, Versions(store), later)
    each = partial(figures.badges, now=NOW)
    whole = partial(figures.badges, ids=None, now=NOW)
    everyone = sorted(team.values())
    book.get(("badges", 1), everyone[:2], each, whole)
    assert computed == [everyone[:2]] and len(runs) == 1
    finish(0)
    book.get(("badges", 2), everyone, each, whole)  # the next hour: its run is under way
    assert len(runs) == 2 and computed == [everyone[:2]]  # the last hour's answered
    app_write(book, store, team["ana"])
    book.get(("badges", 2), everyone, each, whole)
    assert computed[1:] == [[team["ana"]]]  # not from before the change concerning her
    runs[1].set_exception(RuntimeError("the fill failed"))
    book.get(("badges", 2), everyone, each, whole)  # a page at a time from now on
    assert computed[2:] == [sorted(set(everyone) - {team["ana"]})]


def test_an_api_request_waits_for_a_worker_thread_once(
    browser: Web, team: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastAPI validates a plain endpoint's answer in a second worker thread; the API's
    routes (deps.InThread) serialise theirs on the event loop instead."""
    trips: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    r = browser.get(f"/api/people/{team['dana']}")
    assert r.status_code == 200 and r.json()["name"] == "Dana Kim"
    assert len(trips) == 1
    r = browser.get("/api/people?q=lee")
    assert [p["name"] for p in r.json()] == ["Lee Park"]
    assert len(trips) == 2


def test_what_was_just_logged_counts_on_the_next_pages(store: Store, team: dict[str, int]) -> None:
    """The badges are kept for the hour but computed as of the moment they are: a call
    logged a second ago shows on the list and on the person's page (history strictly
    before "now" counts, so "now" must not be rounded down to the minute or the hour)."""
    from goodwill.web import create_app

    ticks = itertools.count()
    web = Web(create_app(store, clock=lambda: NOW + dt.timedelta(seconds=next(ticks))))
    try:
        assert balance(web.get("/people").text, "Bo Chen") == "–"
        r = web.form("/log", {"person_id": str(team["bo"]), "kind": "call", "gave": "info"})
        assert r.status_code == 303  # no date: now, by the ticking clock
        assert balance(web.get("/people").text, "Bo Chen") == "gave 1 · got 0"
        page = web.get(f"/people/{team['bo']}").text
        assert "you gave 1, got 0" in page and "nothing exchanged yet" not in page
    finally:
        web.close()


# The list's rows (name, emails, tags, role, last contact), kept per person by the
# change log's kinds for rows.


@pytest.fixture
def rows_computed(monkeypatch: pytest.MonkeyPatch) -> list[list[int] | None]:
    """The ids each computation of list rows was asked for (None: everyone's)."""
    calls: list[list[int] | None] = []
    real = people_list.summaries_by_id

    def spy(s: Any, ids: Sequence[int] | None) -> dict[int, Any]:
        calls.append(None if ids is None else sorted(ids))
        return real(s, ids)

    monkeypatch.setattr(people_list, "summaries_by_id", spy)
    return calls


def test_what_each_write_changes_in_list_rows(store: Store, team: dict[str, int]) -> None:
    """Emails, tags and roles change a person's row, not their figures; a renamed
    organisation or tag changes everyone's rows; whatever changes figures changes rows."""
    dana, lee, bo = team["dana"], team["lee"], team["bo"]

    def edit_lee(s: Session) -> None:
        person = s.get(Person, lee)
        assert person is not None
        people.edit(s, person, add_tags_=["friend"], add_emails=["lee2@example.com"])
        people.set_role(s, person, "Initech", "CTO")

    news = after(store, edit_lee)
    assert lee in rows_of(news) and news.of("details") == {lee}

    def own_rows(s: Session) -> None:  # rows of their own (an import)
        s.add(Email(person_id=bo, address="bo2@example.com"))
        s.add(Phone(person_id=dana, number="+15550100"))

    news = after(store, own_rows)
    assert rows_of(news) == {bo, dana} and not figures_of(news)
    news = after(store, lambda s: s.execute(delete(PersonTag).where(PersonTag.person_id == lee)))
    assert rows_of(news) == figures_of(news) == {lee}  # a bulk statement: triggers see rows

    def coffee(s: Session) -> None:
        who = [s.get(Person, dana), s.get(Person, bo)]
        interactions.log(s, [p for p in who if p], "coffee", now=NOW)

    news = after(store, coffee)
    assert rows_of(news) == figures_of(news) == {dana, bo}

    def rename(s: Session) -> None:
        acme = s.scalars(select(Organization).where(Organization.name == "Acme")).one()
        acme.name = "Acme Corp"

    assert changes.EVERYONE in rows_of(after(store, rename))
    news = after(store, lambda s: cadence.set_circle(s, "close", ideal_days=3, max_days=10))
    assert changes.EVERYONE in rows_of(news) and changes.EVERYONE in figures_of(news)


def test_list_rows_are_kept_until_a_write_changes_them(
    store: Store, browser: Web, team: dict[str, int], rows_computed: list[list[int] | None]
) -> None:
    browser.get("/people")
    assert rows_computed == [sorted(team.values())]
    browser.get("/people")
    browser.get("/api/people")
    assert len(rows_computed) == 1  # all kept
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', browser.get(f"/people/{team['bo']}/edit").text
    )
    assert token
    r = browser.post(
        f"/people/{team['bo']}/edit",
        data={
            "csrf_token": token.group(1),
            "name": "Bo Chen",
            "org": "Initech",
            "title": "CTO",
            "tags": "angel",
        },
    )
    assert r.status_code == 303
    bo = row(browser.get("/people").text, "Bo Chen")
    assert "Initech" in bo and "CTO" in bo and '<span class="tag">angel</span>' in bo
    assert rows_computed[1:] == [[team["bo"]]]
    r = browser.form("/log", {"person_id": str(team["ana"]), "kind": "call", "date": YESTERDAY})
    assert r.status_code == 303
    assert "yesterday" in row(browser.get("/people").text, "Ana Souza")
    assert rows_computed[2:] == [[team["ana"]]]
    listed = {p["name"]: p for p in browser.get("/api/people").json()}
    assert listed["Bo Chen"]["organization"] == "Initech"
    assert listed["Ana Souza"]["last_contact"] == YESTERDAY


def test_list_rows_changed_elsewhere_are_read_again(
    store: Store, browser: Web, team: dict[str, int], rows_computed: list[list[int] | None]
) -> None:
    browser.get("/people")
    with store.session() as s:  # the command line: not this app
        bo = s.get(Person, team["bo"])
        assert bo is not None
        people.edit(s, bo, add_emails=["bo.chen@example.org"])
    assert "bo.chen@example.org" not in row(browser.get("/people").text, "Bo Chen")  # 2nd email
    assert [p["emails"] for p in browser.get("/api/people").json() if p["name"] == "Bo Chen"] == [
        ["bo@example.com", "bo.chen@example.org"]
    ]
    assert rows_computed[1:] == [[team["bo"]]]  # the change log names whom it concerns


def test_closing_the_app_ends_its_fill_thread(store: Store) -> None:
    """The fill thread reads the whole network; left running after the app closes, it held
    the tables a PostgreSQL test's teardown drops (a deadlock in CI)."""
    import threading

    from tests.web.helpers import Web, make_app

    app = make_app(store)
    runner = app.state.per_person.runner
    web = Web(app)
    assert web.get("/people").status_code == 200  # the list's first request starts a fill
    assert any(t.name.startswith(runner.name) for t in threading.enumerate())
    web.close()
    assert not [t for t in threading.enumerate() if t.name.startswith(runner.name)]
