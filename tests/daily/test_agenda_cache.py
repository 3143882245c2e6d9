"""The kept agenda: after any write, the candidates from the kept parts (patched for whoever
changed) are exactly those computed afresh; and the change log behind it marks the right
people on both backends."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from goodwill.asking import needs
from goodwill.daily import agenda, agenda_cache, sources
from goodwill.demo import fill as demo
from goodwill.records import interactions, people, requests
from goodwill.scoring import cadence
from goodwill.store import cachefile, changes
from goodwill.store import kept as kept_store
from goodwill.store.db import CACHE_DIR_ENV, Store
from goodwill.store.models import Interaction, Person, Request

TODAY = dt.date(2026, 3, 2)
NOON = dt.datetime(2026, 3, 2, 12, 0)


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Keep the parts of any network (tests are small), in a folder of the test's own."""
    monkeypatch.setattr(agenda_cache, "KEEP_MIN_PEOPLE", 0)
    monkeypatch.setattr(agenda_cache, "PATCH_SHARE", 1.0)  # patch even a tiny network
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    kept_store.forget()
    yield tmp_path / "cache"
    kept_store.forget()


def _shape(found: list[sources.Action]) -> list[tuple[Any, ...]]:
    return [
        (a.id, a.kind, a.person_id, a.reason, a.order, a.context, a.due, a.gave, a.asked)
        for a in found
    ]


def _same_as_fresh(s: Session, today: dt.date = TODAY) -> list[sources.Action]:
    got = agenda_cache.candidates(s, today)
    assert _shape(got) == _shape(sources.candidates(s, today))
    return got


def _people(s: Session) -> list[Person]:
    return list(
        s.scalars(select(Person).where(people.ACTIVE, Person.is_me.is_(False)).order_by(Person.id))
    )


# Each write a day's work or an edit could make; all through the domain.
def _log(s: Session, rng: random.Random) -> None:
    who = rng.sample(_people(s), rng.choice([1, 1, 2]))
    kind = rng.choice(["call", "email", "message", "coffee"])
    when = NOON - dt.timedelta(days=rng.choice([0, 0, 3, 40, 400]))
    gave = rng.choice([(), ("help",), ("intro",)])
    got = rng.choice([(), (), ("advice",)])
    interactions.log(s, who, kind, when=when, gave=gave, got=got, initiated_by="me", now=NOON)


def _done(s: Session, rng: random.Random) -> None:
    plan = agenda.build(s, TODAY, minutes=60)
    if plan.actions:
        action = rng.choice(plan.actions)
        agenda.done(s, action.id, TODAY, now=NOON)


def _promise(s: Session, rng: random.Random) -> None:
    who = rng.choice(_people(s))
    interactions.log(
        s,
        [who],
        "call",
        when=NOON - dt.timedelta(days=10),
        follow_up_on=TODAY - dt.timedelta(days=1),
        follow_up_note="send the deck",
        now=NOON,
    )


def _edit(s: Session, rng: random.Random) -> None:
    who = rng.choice(_people(s))
    change = rng.choice(["circle", "looking", "title", "tag", "name", "working"])
    if change == "circle":
        people.edit(s, who, circle=rng.choice(["close", "active", "network", "wider"]))
    elif change == "looking":
        people.edit(s, who, looking_for=rng.choice(["climate investors", "a designer", None]))
    elif change == "working":
        people.edit(s, who, working_on=rng.choice(["a fintech app", "hiring engineers"]))
    elif change == "title":
        people.set_role(s, who, rng.choice(["Acme", "Globex"]), rng.choice(["Designer", "CTO"]))
    elif change == "tag":
        people.add_tags(s, who, [rng.choice(["investor", "climate", "designer"])])
    else:
        people.edit(s, who, name=f"Renamed Person{rng.randrange(1000)}")
    s.flush()


def _remove(s: Session, rng: random.Random) -> None:
    people.remove(s, rng.choice(_people(s)))


def _add(s: Session, rng: random.Random) -> None:
    person = people.add(s, f"New Person{rng.randrange(10**6)}", title="Investor", org="Acme")
    if rng.random() < 0.5:
        person.met_through_id = rng.choice(_people(s)).id
        person.looking_for = "climate investors"
    s.flush()


def _ask_me(s: Session, rng: random.Random) -> None:
    requests.add(s, rng.choice(_people(s)), "an intro to a designer", now=NOON)


def _answer(s: Session, rng: random.Random) -> None:
    waiting = list(s.scalars(select(Request).where(Request.status == "open").order_by(Request.id)))
    if waiting:
        requests.answer(s, rng.choice(waiting), helped=True, now=NOON)


def _edit_interaction(s: Session, rng: random.Random) -> None:
    last = s.scalar(select(Interaction).order_by(Interaction.id.desc()).limit(1))
    assert last is not None
    last.follow_up_on = TODAY - dt.timedelta(days=rng.choice([0, 2]))
    last.follow_up_note = "call back"
    s.flush()


def _everyone(s: Session, rng: random.Random) -> None:
    if rng.random() < 0.5:
        cadence.set_circle(s, "network", ideal_days=rng.choice([20, 60]))
    else:
        needs.add(s, f"a role in climate tech {rng.randrange(100)}", now=NOON)


WRITES: tuple[Callable[[Session, random.Random], None], ...] = (
    _log,
    _log,
    _done,
    _done,
    _promise,
    _edit,
    _edit,
    _remove,
    _add,
    _ask_me,
    _answer,
    _edit_interaction,
    _everyone,
)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_after_any_write_the_kept_agenda_is_the_fresh_one(
    store: Store, kept: Path, seed: int
) -> None:
    rng = random.Random(seed)
    with store.session() as s:
        demo.generate(s, people=70, seed=seed, today=TODAY)
    with store.session() as s:
        _same_as_fresh(s)
    day = TODAY
    for step in range(14):
        write = rng.choice(WRITES)
        with store.session() as s:
            write(s, rng)
        if step % 3 == 0:  # the next command reads the file, not this process's memory
            kept_store.forget()
        if step % 4 == 3:  # days go by (now and then one back)
            day += dt.timedelta(days=rng.choice([1, 1, 9, 40, -2]))
        with store.session() as s:
            _same_as_fresh(s, day)


def test_unchanged_data_is_not_recomputed(
    store: Store, kept: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.session() as s:
        demo.generate(s, people=40, seed=5, today=TODAY)
    computed: list[int] = []
    patched: list[frozenset[int]] = []
    real_parts, real_patch = sources.parts, agenda_cache._patch

    def parts(*args: Any, **kw: Any) -> sources.Parts:
        computed.append(1)
        return real_parts(*args, **kw)

    def patch(s: Session, p: sources.Parts, who: set[int], identity: set[int]) -> None:
        patched.append(frozenset(who))
        real_patch(s, p, who, identity)

    monkeypatch.setattr(sources, "parts", parts)
    monkeypatch.setattr(agenda_cache, "_patch", patch)
    with store.session() as s:
        first = agenda_cache.candidates(s, TODAY)
    kept_store.forget()
    with store.session() as s:
        assert _shape(agenda_cache.candidates(s, TODAY)) == _shape(first)  # from the file
    assert (len(computed), patched) == (1, [])
    with store.session() as s:
        someone = _people(s)[3]
        interactions.log(s, [someone], "call", when=NOON, now=NOON)
    with store.session() as s:
        _same_as_fresh(s)
    assert len(computed) == 2  # the fresh comparison only
    assert patched == [frozenset({someone.id})]
    with store.session() as s:
        agenda_cache.candidates(s, TODAY + dt.timedelta(days=1))  # the next day: carried
    assert len(computed) == 2
    with store.session() as s:
        agenda_cache.candidates(s, TODAY - dt.timedelta(days=1))  # an earlier one: afresh
    assert len(computed) == 3


def test_a_broken_or_foreign_file_is_recomputed(store: Store, kept: Path) -> None:
    with store.session() as s:
        demo.generate(s, people=30, seed=2, today=TODAY)
        agenda_cache.candidates(s, TODAY)
    files = list(kept.glob("agenda-*.npz"))
    assert len(files) == 1
    whole = files[0].read_bytes()
    for broken in (b"not a cache file", whole[: len(whole) // 2]):  # not ours; cut short
        files[0].write_bytes(broken)
        kept_store.forget()
        assert cachefile.read(files[0]) is None
        with store.session() as s:
            _same_as_fresh(s)
    # The same address, another database (made again): its first person differs.
    kept_store.forget()
    with store.session() as s:
        first = s.scalar(select(Person).order_by(Person.id).limit(1))
        assert first is not None
        s.execute(
            update(Person)
            .where(Person.id == first.id)
            .values(created_at=first.created_at - dt.timedelta(days=1))
        )
    with store.session() as s:
        _same_as_fresh(s)


def test_the_change_log_marks_whom_each_write_concerns(store: Store) -> None:
    with store.session() as s:
        ann = people.add(s, "Ann Lee", org="Acme", title="CTO")
        bob = people.add(s, "Bob Stone")
        s.flush()
        ann_id, bob_id = ann.id, bob.id

    def after(write: Callable[[Session], object]) -> changes.Changes:
        with store.session() as s:
            before = changes.mark(s)
        with store.session() as s:
            write(s)
        with store.session() as s:
            return changes.since(s, before)

    def get(s: Session, pid: int) -> Person:
        found = s.get(Person, pid)
        assert found is not None
        return found

    assert after(lambda s: None).people == frozenset()
    news = after(lambda s: interactions.log(s, [get(s, ann_id)], "call", gave=["help"], now=NOON))
    assert (news.people, news.identity) == ({ann_id}, frozenset())  # what happened, not who
    news = after(lambda s: people.edit(s, get(s, bob_id), circle="close"))
    assert (news.people, news.identity) == ({bob_id}, {bob_id})
    assert after(lambda s: people.add_tags(s, get(s, ann_id), ["investor"])).identity == {ann_id}

    def promise(s: Session) -> None:
        last = s.scalar(select(Interaction).order_by(Interaction.id.desc()).limit(1))
        assert last is not None
        last.follow_up_on = TODAY

    assert after(promise).people == {ann_id}
    assert (
        bob_id in after(lambda s: requests.add(s, get(s, bob_id), "a reference", now=NOON)).people
    )
    assert after(lambda s: cadence.set_circle(s, "close", ideal_days=10)).everyone
    removed = after(lambda s: people.remove(s, get(s, bob_id)))
    assert removed.identity == {bob_id}
    assert removed.of("presence") == {changes.EVERYONE}  # others' mutual contacts
    assert after(lambda s: people.add_email(s, get(s, ann_id), "ann@x.org")).kinds == {
        "details": {ann_id}
    }


def _keep_then_write(
    store: Store, write: Callable[[Session], object]
) -> tuple[list[sources.Action], list[sources.Action]]:
    """Today's candidates kept, then after `write` (checked against a fresh computation)."""
    with store.session() as s:
        before = agenda_cache.candidates(s, TODAY)
    with store.session() as s:
        write(s)
    with store.session() as s:
        return before, _same_as_fresh(s)


def _gives(found: list[sources.Action]) -> list[tuple[int, str]]:
    return [(a.person_id, a.reason) for a in found if a.kind == "give"]


def _world(s: Session) -> dict[str, int]:
    """A seeker, an introducer who could help them, and a referral."""
    seeker = people.add(s, "Sam Seeker", circle="wider")  # not among your introducers
    helper = people.add(s, "Hana Helper", circle="close", org="Acme", title="Climate Investor")
    friend = people.add(s, "Fred Friend", circle="active")
    referred = people.add(s, "Rita Referred", circle="network")
    s.flush()
    referred.met_through_id = friend.id
    referred.created_at = NOON - dt.timedelta(days=3)
    for p in (seeker, helper, friend):
        interactions.log(s, [p], "call", when=NOON - dt.timedelta(days=5), now=NOON)
    s.flush()
    return {"seeker": seeker.id, "helper": helper.id, "friend": friend.id, "referred": referred.id}


def _person(s: Session, pid: int) -> Person:
    found = s.get(Person, pid)
    assert found is not None
    return found


@pytest.mark.parametrize("looked_for", [None, "a pastry chef"])
def test_what_someone_looks_for_now_is_given_for(
    store: Store, kept: Path, looked_for: str | None
) -> None:
    with store.session() as s:
        ids = _world(s)
        _person(s, ids["seeker"]).looking_for = looked_for
    before, after = _keep_then_write(
        store,
        lambda s: people.edit(s, _person(s, ids["seeker"]), looking_for="climate investors"),
    )
    assert ids["seeker"] not in [pid for pid, _ in _gives(before)]
    assert (ids["seeker"], "give first: they look for climate investors; Hana Helper works as "
            "Climate Investor") in _gives(after)  # fmt: skip


def test_an_introducer_who_changed_is_named_as_they_are_now(store: Store, kept: Path) -> None:
    with store.session() as s:
        ids = _world(s)
        _person(s, ids["seeker"]).looking_for = "climate investors"
    _, after = _keep_then_write(
        store, lambda s: people.edit(s, _person(s, ids["helper"]), name="Hana Newname")
    )
    assert any("Hana Newname works as Climate Investor" in r for _, r in _gives(after))
    _, after = _keep_then_write(
        store, lambda s: people.set_role(s, _person(s, ids["helper"]), "Bakery", "Baker")
    )
    assert not any("Hana" in r for _, r in _gives(after))


def test_a_referral_names_whoever_referred_them_as_they_are_now(store: Store, kept: Path) -> None:
    with store.session() as s:
        ids = _world(s)
    before, after = _keep_then_write(
        store, lambda s: people.edit(s, _person(s, ids["friend"]), name="Fred Renamed")
    )
    reasons = [a.reason for a in after if a.person_id == ids["referred"]]
    assert "referred by Fred Renamed; you have not reached out yet" in reasons
    assert any("Fred Friend" in a.reason for a in before if a.person_id == ids["referred"])


def test_an_old_friendship_told_later_makes_a_dormant_tie_worth_reviving(
    store: Store, kept: Path
) -> None:
    with store.session() as s:
        old = people.add(s, "Olga Old", circle="active")
        s.flush()
        oid = old.id
        interactions.log(s, [old], "email", when=NOON - dt.timedelta(days=900), now=NOON)

    def history(s: Session) -> None:
        for d in range(0, 180, 6):
            when = NOON - dt.timedelta(days=430 + d)
            interactions.log(s, [_person(s, oid)], "coffee", when=when, now=NOON)

    before, after = _keep_then_write(store, history)
    assert [a.kind for a in before if a.person_id == oid] == []
    assert [a.kind for a in after if a.person_id == oid] == ["reconnect"]


def test_history_dated_between_two_days_moves_the_clock(store: Store, kept: Path) -> None:
    """Logged ahead (an interaction dated tomorrow) or met later than the kept day: the
    next day's board cannot move by arithmetic for them."""
    with store.session() as s:
        demo.generate(s, people=40, seed=4, today=TODAY)
        ahead = people.add(s, "Ada Ahead", circle="close")
        later = people.add(s, "Leo Later", circle="close")
        s.flush()
        when = NOON + dt.timedelta(days=2)
        interactions.log(s, [ahead], "call", when=when, now=when)
        later.met_on = TODAY + dt.timedelta(days=1)
        later.created_at = NOON + dt.timedelta(days=1)  # due 14 days after: a day matters
        ids = (ahead.id, later.id)
    with store.session() as s:
        _same_as_fresh(s, TODAY)
    with store.session() as s:
        found = _same_as_fresh(s, TODAY + dt.timedelta(days=14))
    assert not any(a.kind == "keep_in_touch" and a.person_id in ids for a in found)


def test_the_file_is_written_when_the_parts_first_move_then_at_most_every_save_every(
    store: Store, kept: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a stream of writes (the web app) the file is not rewritten after each; a file
    left behind the data still gives the fresh agenda to the next process."""
    with store.session() as s:
        demo.generate(s, people=40, seed=6, today=TODAY)
    saved: list[int] = []
    real_write = cachefile.write
    clock = [1000.0]
    monkeypatch.setattr(kept_store, "clock", lambda: clock[0])

    def write(where: Path, meta: Any, arrays: Any) -> bool:
        saved.append(meta["seq"])
        return real_write(where, meta, arrays)

    monkeypatch.setattr(cachefile, "write", write)
    with store.session() as s:
        _same_as_fresh(s)
    assert len(saved) == 1  # the first: right away
    for i in range(3):
        clock[0] += 1.0
        with store.session() as s:
            interactions.log(s, [_people(s)[i]], "call", when=NOON, now=NOON)
        with store.session() as s:
            _same_as_fresh(s)
    assert len(saved) == 1  # moved three times within SAVE_EVERY: not written
    kept_store.forget()  # the next process reads the file, three writes behind
    with store.session() as s:
        _same_as_fresh(s)
    assert len(saved) == 2 and saved[1] > saved[0]  # its first move: written, a later mark
    clock[0] += kept_store.SAVE_EVERY
    with store.session() as s:
        _same_as_fresh(s)
    assert set(saved[2:]) <= {saved[1]}  # what was found on the way, when due


def test_someone_still_due_after_a_write_is_told_as_they_are_now(store: Store, kept: Path) -> None:
    """The kept keep-in-touch actions: an earlier contact logged late, or a closer circle,
    leaves the person due but changes the reason."""
    with store.session() as s:
        nia = people.add(s, "Nia Network", circle="network")  # every 90 days, 180 at most
        s.flush()
        nid = nia.id
        interactions.log(s, [nia], "call", when=NOON - dt.timedelta(days=120), now=NOON)

    def reasons(found: list[sources.Action]) -> list[str]:
        return [a.reason for a in found if a.person_id == nid and a.kind == "keep_in_touch"]

    def later_call(s: Session) -> None:
        interactions.log(s, [_person(s, nid)], "email", when=NOON - dt.timedelta(days=100))

    before, after = _keep_then_write(store, later_call)
    assert reasons(before) == [
        "network circle: last contact 120 days ago (every 90 days ideally, 180 at most)"
    ]
    assert reasons(after) == [
        "network circle: last contact 100 days ago (every 90 days ideally, 180 at most)"
    ]
    _, after = _keep_then_write(store, lambda s: people.edit(s, _person(s, nid), circle="active"))
    assert reasons(after) == [
        "overdue: active circle: last contact 100 days ago (every 30 days ideally, 90 at most)"
    ]
