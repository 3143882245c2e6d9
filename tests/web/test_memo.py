"""The memo of whole-network figures: once per version of the data, never stale after a
browser's own write or a change made outside the app, stale for others only briefly."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import anyio.to_thread
import pytest
from anyio.from_thread import start_blocking_portal
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.records import interactions, people
from goodwill.scoring import contact_summary, strength
from goodwill.store.db import Store, open_store
from goodwill.store.models import Interaction, Person
from goodwill.web import memo
from goodwill.web.guard import CSRF_COOKIE
from goodwill.web.memo import Memo, Versions
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
    assert versions.current() == first + 1
    assert versions.current() == first + 1


def test_a_value_is_computed_once_per_version(store: Store, cache: Memo) -> None:
    calls: list[int] = []

    def compute(s: Session) -> int:
        calls.append(1)
        return count(s)

    assert cache.get("n", compute) == cache.get("n", compute) == 0
    log_one(store)
    assert cache.get("n", compute) == 1
    assert len(calls) == 2


def test_concurrent_requests_share_one_heavy_computation(store: Store, cache: Memo) -> None:
    calls: list[int] = []
    gate = threading.Event()

    def slow(s: Session) -> int:
        calls.append(1)
        gate.wait(5)
        return count(s)

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get("n", slow, heavy=True)))
        for _ in range(5)
    ]
    for t in threads:
        t.start()
    time.sleep(0.2)
    gate.set()
    for t in threads:
        t.join(5)
    assert results == [0] * 5 and len(calls) == 1


def test_only_other_browsers_see_the_value_from_before_a_write(
    store: Store, versions: Versions, cache: Memo
) -> None:
    compute = partial(count)
    assert cache.get("n", compute, "writer") == 0
    before = versions.current()
    log_one(store)
    versions.wrote("writer", before, versions.current())
    assert cache.get("n", compute, "writer") == 1  # its own write: always shown
    cache.clear()
    assert cache.get("n", compute, "reader") == 1
    log_one(store)  # another write from the same browser
    before = versions.current()
    log_one(store)
    versions.wrote("writer", before, versions.current())
    # The reader may see the value from just before while it is recomputed...
    assert cache.get("n", compute, "reader") in (1, 3)
    deadline = time.monotonic() + 5
    while cache.get("n", compute, "reader") != 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.get("n", compute, "reader") == 3


def test_a_change_made_elsewhere_shows_at_once(store: Store, cache: Memo) -> None:
    assert cache.get("n", count, "reader") == 0
    log_one(store)  # the command line: not a write of this app
    assert cache.get("n", count, "reader") == 1


def test_another_browsers_write_shows_after_a_moment_at_most(
    store: Store, versions: Versions, cache: Memo, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cache.get("n", count, "reader") == 0
    before = versions.current()
    log_one(store)
    versions.wrote("writer", before, versions.current())
    monkeypatch.setattr(memo, "STALE_SECONDS", 0.0)
    assert cache.get("n", count, "reader") == 1


def test_a_write_that_may_hide_another_change_is_not_trusted(
    store: Store, versions: Versions, cache: Memo
) -> None:
    assert cache.get("n", count, "reader") == 0
    before = versions.current()
    log_one(store)
    versions.current()  # seen in between: a change someone else made
    log_one(store)
    versions.wrote("writer", before, versions.current())
    assert cache.get("n", count, "reader") == 2


def test_a_page_on_the_event_loop_waits_without_a_thread_and_cannot_cancel_the_run(
    store: Store, cache: Memo
) -> None:
    gate = threading.Event()

    def slow(s: Session) -> int:
        gate.wait(5)
        return count(s)

    async def scenario() -> tuple[list[int], int]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        waiters = [asyncio.ensure_future(cache.aget("n", slow, heavy=True)) for _ in range(3)]
        await asyncio.sleep(0.2)
        borrowed = limiter.borrowed_tokens  # the run is on the memo's thread, not a worker's
        waiters[0].cancel()  # a browser gives up: the others still get the value
        gate.set()
        values = [await w for w in waiters[1:]]
        light = await cache.aget("light", count)  # computed in a worker thread
        return [*values, light], borrowed

    with start_blocking_portal() as portal:  # a loop of its own (another may be running)
        values, borrowed = portal.call(scenario)
    assert values == [0, 0, 0] and borrowed == 0
    assert cache.get("n", count) == 0  # kept for the next page


def test_overlapping_writes_of_the_app_are_theirs_and_a_change_elsewhere_is_not(
    store: Store, versions: Versions
) -> None:
    base = versions.begin_write("a")
    assert versions.begin_write("b") == base
    log_one(store)
    log_one(store)  # both browsers' writes commit while both run
    versions.end_write("a")
    log_one(store)
    end = versions.end_write("b")
    assert end == base + 2
    assert versions.may_serve_stale(base, end, "reader")  # another browser: briefly stale
    assert not versions.may_serve_stale(base, end, "a")  # a writer: never
    assert not versions.may_serve_stale(base, end, "b")
    log_one(store)  # the command line: no write of the app running
    assert not versions.may_serve_stale(base, versions.current(), "reader")


def test_a_failed_computation_is_an_error_for_its_requests_only(cache: Memo) -> None:
    def broken(s: Session) -> int:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        cache.get("n", broken, heavy=True)
    assert cache.get("n", count, heavy=True) == 0


def wait_for(condition: Callable[[], bool], seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_a_write_recomputes_the_heavy_figures_in_use_ahead_of_the_next_page(
    store: Store, cache: Memo, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def counted(name: str, s: Session) -> int:
        calls.append(name)
        return count(s)

    heavy, light = partial(counted, "heavy"), partial(counted, "light")
    assert cache.get("heavy", heavy, heavy=True) == 0
    assert cache.get("light", light) == 0
    assert cache.refresh_ahead() == 0  # nothing changed: nothing to do
    log_one(store)
    assert cache.refresh_ahead() == 1  # the heavy figure only: light ones wait for a page
    assert wait_for(lambda: calls.count("heavy") == 2)
    assert cache.get("heavy", heavy, "writer", heavy=True) == 1  # ready: no third run
    assert calls == ["heavy", "light", "heavy"]
    # A figure no page asked for lately is left alone.
    monkeypatch.setattr(memo, "REFRESH_AHEAD_SECONDS", 0.0)
    log_one(store)
    assert cache.refresh_ahead() == 0
    assert cache.get("heavy", heavy, "writer", heavy=True) == 2


def test_a_figure_nobody_read_since_it_was_computed_is_not_recomputed_ahead(
    store: Store, cache: Memo
) -> None:
    """Under a stream of writes, a heavy figure is recomputed ahead once, then only after a
    page has read it again (else every write would recompute what nobody looks at)."""
    calls: list[str] = []

    def counted(s: Session) -> int:
        calls.append("heavy")
        return len(calls) - 1

    assert cache.get("heavy", counted, heavy=True) == 0
    log_one(store)
    assert cache.refresh_ahead() == 1
    assert wait_for(lambda: len(calls) == 2)
    log_one(store)
    assert cache.refresh_ahead() == 0  # its last value was not read: left for a page
    assert cache.get("heavy", counted, "writer", heavy=True) == 2  # computed for the page
    log_one(store)
    assert cache.refresh_ahead() == 1  # read since: ahead again
    assert wait_for(lambda: len(calls) == 4)
    assert cache.get("heavy", counted, "writer", heavy=True) == 3


def test_the_app_recomputes_ahead_after_its_own_writes_only(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int | None] = []
    monkeypatch.setattr(Memo, "refresh_ahead", lambda self, version=None: seen.append(version))
    web = Web(make_app(store))
    try:
        web.get("/")
        web.get("/log")
        assert seen == []
        who = people_ids(store)[0]
        r = web.form("/log", {"person_id": str(who), "kind": "call", "date": ""})
        assert r.status_code == 303 and len(seen) == 1
        refused = web.post("/log", data={"person_id": str(who), "kind": "call"})  # no token
        assert refused.status_code == 403 and len(seen) == 1
    finally:
        web.close()


def test_a_write_leaves_nothing_for_the_next_page_to_commit(store: Store) -> None:
    """The contact summary of a write is brought up to date by the write itself: the next
    page reading tie strength commits nothing, and every step is the writer's own (so other
    browsers may be shown the figures from just before, and only the writer waits)."""
    who = people_ids(store)[0]
    app = make_app(store)
    writer, reader = Web(app), Web(app)
    versions: Versions = app.state.memo.versions
    versions.clock = lambda: 0.0  # a loaded machine must not outlast STALE_SECONDS
    try:
        token = writer.csrf()
        before = versions.current()
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
        seed = writer.client.cookies[CSRF_COOKIE]
        assert not versions.may_serve_stale(before, after, seed)
        assert versions.may_serve_stale(before, after, "another browser")
    finally:
        writer.close()
        reader.close()


def people_ids(store: Store) -> list[int]:
    with store.session() as s:
        if not s.scalar(select(func.count()).select_from(Person)):
            people.add(s, "Sam Lee")
        return list(s.scalars(select(Person.id)))


def test_after_logging_in_the_browser_today_shows_it(store: Store) -> None:
    """The thank-you action goes away on the writer's very next page; another browser's
    page catches up within STALE_SECONDS."""
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
        time.sleep(memo.STALE_SECONDS)
        theirs = {a.rsplit(":", 1)[0] for a in action_ids(reader.get("/").text)}
        assert theirs == mine
    finally:
        writer.close()
        reader.close()


def test_the_compute_process_gives_the_same_pages(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "process.db"))  # one backend is enough for the hand-over
    owed(store)
    plain, forked = Web(make_app(store)), Web(make_app(store, compute_process=True))
    try:
        forked.portal.call(forked.app.state.memo.process.start)  # type: ignore[arg-type]
        for page in ("/", "/network", "/report", "/people?due=1"):
            a, b = plain.get(page), forked.get(page)
            assert a.status_code == b.status_code == 200
            assert tokenless(a.text) == tokenless(b.text)
    finally:
        forked.app.state.memo.close()
        plain.close()
        forked.close()
        store.dispose()


def test_of_the_runs_pages_wait_for_the_quickest_goes_first(cache: Memo) -> None:
    """Each kind of figure's last runs are timed: when several pages wait, the quick
    figure (the map) is not held up behind the slow one (the daily session)."""
    order: list[str] = []
    gate = threading.Event()

    def run(name: str, seconds: float, s: Session) -> str:
        if name == "gate":
            gate.wait(5)
        time.sleep(seconds)
        order.append(name)
        return name

    slow, quick = partial(run, "slow", 0.1), partial(run, "quick", 0.0)
    assert cache.get(("slow", 1), slow, heavy=True) == "slow"  # timed once each
    assert cache.get(("quick", 1), quick, heavy=True) == "quick"
    runs = ((("gate", 1), partial(run, "gate", 0.0)), (("quick", 2), quick), (("slow", 2), slow))
    waiting = [
        threading.Thread(target=cache.get, args=(key, compute), kwargs={"heavy": True})
        for key, compute in runs
    ]
    for t in waiting:  # the gate runs; the quick figure, then the slow one, queue behind
        t.start()
        time.sleep(0.1)
    gate.set()
    for t in waiting:
        t.join(5)
    assert order == ["slow", "quick", "gate", "quick", "slow"]
