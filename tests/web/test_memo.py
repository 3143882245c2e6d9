"""The memo of whole-network figures: computed once per version of the data, whoever
changed it, and once however many requests ask at the same time."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator

import anyio.to_thread
import pytest
from anyio.from_thread import start_blocking_portal
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.records import interactions, people
from goodwill.scoring import contact_summary, strength
from goodwill.store.db import Store
from goodwill.store.models import Interaction, Person
from goodwill.web.memo import Memo
from goodwill.web.versions import Versions
from tests.web.helpers import NOW, Web, make_app
from tests.web.test_today_page import action_ids, owed


def tokenless(html: str) -> str:
    return re.sub(r"[0-9a-f]{64}", "", html)  # each browser's CSRF token


def count(s: Session) -> int:
    return int(s.scalar(select(func.count()).select_from(Interaction)) or 0)


def log_one(store: Store) -> None:
    with store.session() as s:
        who = people.add(s, f"Someone {time.monotonic_ns()}")
        interactions.log(s, [who], "call", when=NOW, now=NOW)


@pytest.fixture
def versions(store: Store) -> Versions:
    return Versions(store)


@pytest.fixture
def cache(store: Store, versions: Versions) -> Iterator[Memo]:
    m = Memo(store, versions)
    yield m
    m.close()


def test_the_version_moves_with_any_commit_and_only_then(store: Store, versions: Versions) -> None:
    first = versions.current()
    assert versions.current() == first
    log_one(store)
    log_one(store)
    assert versions.current() == first + 1
    assert versions.current() == first + 1


def test_a_value_is_computed_once_per_version(store: Store, cache: Memo) -> None:
    calls: list[int] = []

    def compute(s: Session) -> int:
        calls.append(1)
        return count(s)

    assert cache.get("n", compute) == cache.get("n", compute) == 0
    log_one(store)  # the command line, another process: seen on the next request
    assert cache.get("n", compute) == 1
    assert len(calls) == 2


def test_concurrent_requests_share_one_computation(store: Store, cache: Memo) -> None:
    calls: list[int] = []
    started, gate = threading.Event(), threading.Event()

    def slow(s: Session) -> int:
        calls.append(1)
        started.set()
        assert gate.wait(5)
        return count(s)

    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(cache.get("n", slow)))
    first.start()
    assert started.wait(5)  # the run is under way: the others wait for it (or, if it
    others = [  # is done by the time they ask, find its value): no second run either way
        threading.Thread(target=lambda: results.append(cache.get("n", slow))) for _ in range(4)
    ]
    for t in others:
        t.start()
    gate.set()
    for t in [first, *others]:
        t.join(5)
    assert results == [0] * 5 and len(calls) == 1


def test_a_page_on_the_event_loop_waits_without_a_thread_and_cannot_cancel_the_run(
    store: Store, cache: Memo
) -> None:
    started, gate = threading.Event(), threading.Event()

    def slow(s: Session) -> int:
        started.set()
        assert gate.wait(5)
        return count(s)

    async def scenario() -> tuple[list[int], int]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        runner = asyncio.ensure_future(cache.aget("n", slow))  # runs it in a worker thread
        await anyio.to_thread.run_sync(started.wait, 5)
        waiters = [asyncio.ensure_future(cache.aget("n", slow)) for _ in range(3)]
        await asyncio.sleep(0)  # they look it up: the run is there to wait for
        borrowed = limiter.borrowed_tokens  # the run's thread only
        waiters[0].cancel()  # a browser gives up: the others still get the value
        gate.set()
        values = [await w for w in [runner, *waiters[1:]]]
        return values, borrowed

    with start_blocking_portal() as portal:  # a loop of its own (another may be running)
        values, borrowed = portal.call(scenario)
    assert values == [0, 0, 0] and borrowed == 1
    assert cache.get("n", count) == 0  # kept for the next page


def test_a_run_overtaken_by_a_newer_one_finishes_as_its_own(store: Store, cache: Memo) -> None:
    """A page's run handed to a worker thread may start after a write let another page
    register a newer run of the same figure: each finishes with its own (the newer kept)."""
    version, _found, _run, mine = cache._lookup("n")  # registered, not started yet
    log_one(store)
    assert cache.get("n", count) == 1  # the newer run, registered over it, is done
    assert cache._run("n", count, version, mine) == 1  # the older one now: no error
    assert mine.result() == 1
    calls: list[int] = []
    assert cache.get("n", lambda s: calls.append(1) or count(s)) == 1 and not calls


def test_a_failed_computation_is_an_error_for_its_requests_only(cache: Memo) -> None:
    def broken(s: Session) -> int:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        cache.get("n", broken)
    assert cache.get("n", count) == 0


def test_a_write_leaves_nothing_for_the_next_page_to_commit(store: Store) -> None:
    """The contact summary of a write is brought up to date by the write itself: the next
    pages reading tie strength commit nothing (the version stays where the write left it)."""
    who = people_ids(store)[0]
    app = make_app(store)
    writer, reader = Web(app), Web(app)
    versions: Versions = app.state.memo.versions
    try:
        token = writer.csrf()
        r = writer.post("/log", data={"csrf_token": token, "person_id": str(who), "kind": "call"})
        assert r.status_code == 303
        with store.session() as s:  # kept by the write's own triggers
            assert contact_summary.same_rows(
                contact_summary.kept_rows(s),
                contact_summary.fresh_rows(s, strength._decay(strength.MODEL)),
            )
        after = versions.current()
        assert reader.get(f"/people/{who}").status_code == 200
        assert reader.get("/people").status_code == 200
        assert versions.current() == after
    finally:
        writer.close()
        reader.close()


def people_ids(store: Store) -> list[int]:
    with store.session() as s:
        if not s.scalar(select(func.count()).select_from(Person)):
            people.add(s, "Sam Lee")
        return list(s.scalars(select(Person.id)))


def test_after_logging_in_one_browser_every_browsers_today_shows_it(store: Store) -> None:
    """The thank-you action goes away on the very next page, the writer's and another's."""
    ids = owed(store)
    app = make_app(store)
    writer, reader = Web(app), Web(app)
    try:
        assert f"thank_you:p{ids['sam']}" in {
            a.rsplit(":", 1)[0] for a in action_ids(reader.get("/").text)
        }
        r = writer.form(
            "/log",
            {"person_id": str(ids["sam"]), "kind": "email", "gave": "thanks", "date": ""},
        )
        assert r.status_code == 303
        mine = {a.rsplit(":", 1)[0] for a in action_ids(writer.get("/").text)}
        assert f"thank_you:p{ids['sam']}" not in mine
        theirs = {a.rsplit(":", 1)[0] for a in action_ids(reader.get("/").text)}
        assert theirs == mine
    finally:
        writer.close()
        reader.close()
