"""Tie strengths kept between writes (`kept_strength`, the web app's network map): equal
to scoring everyone afresh, whatever happened since, with only the people a write
concerned scored again when that is enough. Both backends; each write and each reading
in a transaction of its own, as in the web app."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence

import pytest
from sqlalchemy.orm import Session

from goodwill.records import interactions, knows, people
from goodwill.report import network
from goodwill.schemas.network import NetworkMap
from goodwill.scoring import cadence, kept_strength, strength
from goodwill.store import kept
from goodwill.store.db import Store
from goodwill.store.models import Person

# Later than anything the tests write (knows-edges are stamped with the real clock), and
# mid-hour, so that every call falls in the same hour.
AS_OF = (dt.datetime.now() + dt.timedelta(days=2)).replace(minute=30, second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _nothing_kept() -> Iterator[None]:
    kept.forget()
    yield
    kept.forget()


@pytest.fixture
def scored(monkeypatch: pytest.MonkeyPatch) -> list[list[int] | None]:
    """The people `strength.scores` is asked about, call by call (None: everyone)."""
    calls: list[list[int] | None] = []
    real = strength.scores

    def spy(
        session: Session, as_of: dt.datetime, person_ids: Sequence[int] | None = None
    ) -> dict[int, float]:
        calls.append(None if person_ids is None else list(person_ids))
        return real(session, as_of, person_ids)

    monkeypatch.setattr(strength, "scores", spy)
    return calls


def _person(s: Session, pid: int) -> Person:
    found = s.get(Person, pid)
    assert found is not None
    return found


def _log(s: Session, ids: Sequence[int], days_ago: float, kind: str = "call") -> None:
    when = AS_OF - dt.timedelta(days=days_ago)
    interactions.log(s, [_person(s, pid) for pid in ids], kind, when=when, now=AS_OF)


def _network(store: Store, n: int = 6) -> list[int]:
    with store.session() as s:
        crowd = [people.add(s, f"Person {i}") for i in range(n)]
        s.flush()
        for i, p in enumerate(crowd[:4]):
            _log(s, [p.id], 30 + 7 * i, "coffee")
        knows.add(s, crowd[0], crowd[1], how="colleague")
        return [p.id for p in crowd]


def _kept(store: Store, as_of: dt.datetime = AS_OF) -> dict[int, float]:
    with store.session() as s:
        return kept_strength.scores(s, as_of)


def _exact(store: Store, as_of: dt.datetime = AS_OF) -> dict[int, float]:
    with store.session() as s:
        return strength.scores(s, as_of)


def test_a_logged_interaction_scores_only_its_people_again(
    store: Store, scored: list[list[int] | None]
) -> None:
    crowd = _network(store)
    first = _kept(store)
    assert first == _exact(store) and len(first) == 6
    a, b = crowd[1], crowd[5]
    with store.session() as s:
        _log(s, [a, b], 1)
    scored.clear()
    again = _kept(store)
    assert scored == [sorted([a, b])]
    assert again == _exact(store)
    assert again[b] > first[b] == 0.0
    scored.clear()
    assert _kept(store) == again
    assert scored == []  # nothing changed: nobody scored


@pytest.mark.parametrize(
    "change",
    ["remove someone", "add a knows-edge", "tag someone", "a circle's cadence", "next hour"],
)
def test_changes_beyond_their_people_score_everyone_again(
    store: Store, scored: list[list[int] | None], change: str
) -> None:
    crowd = _network(store)
    _kept(store)
    as_of = AS_OF
    with store.session() as s:
        if change == "remove someone":  # who knew them loses a mutual contact
            people.remove(s, _person(s, crowd[1]))
        elif change == "add a knows-edge":
            knows.add(s, _person(s, crowd[2]), _person(s, crowd[3]), how="friend")
        elif change == "tag someone":
            people.add_tags(s, _person(s, crowd[2]), ["mentor"])
        elif change == "a circle's cadence":
            cadence.set_circle(s, "network", ideal_days=20, max_days=40)
        else:
            as_of = AS_OF + dt.timedelta(hours=1)
    scored.clear()
    assert _kept(store, as_of) == _exact(store, as_of)
    assert scored[0] is None


def test_kept_strengths_follow_a_random_history(store: Store) -> None:
    """Whatever the writes, in whatever order, the kept strengths equal fresh ones."""
    rng = random.Random(4)
    crowd = _network(store, 10)
    gone: set[int] = set()

    def left() -> list[int]:
        return [pid for pid in crowd if pid not in gone]

    def log(s: Session) -> None:
        kind = rng.choice(["coffee", "call", "email", "meeting"])
        _log(s, rng.sample(left(), rng.randint(1, 3)), rng.uniform(0.1, 400), kind)

    def edge(s: Session) -> None:
        a, b = rng.sample(left(), 2)
        knows.add(s, _person(s, a), _person(s, b), how=rng.choice(["colleague", "friend"]))

    def remove(s: Session) -> None:
        if len(left()) > 4:
            pid = rng.choice(left())
            people.remove(s, _person(s, pid))
            gone.add(pid)

    def add(s: Session) -> None:
        newcomer = people.add(s, f"Newcomer {len(crowd)}")
        s.flush()
        crowd.append(newcomer.id)

    steps: list[Callable[[Session], None]] = [log] * 6 + [edge, remove, add]
    for _ in range(25):
        with store.session() as s:
            rng.choice(steps)(s)
        assert _kept(store) == _exact(store)


def test_the_kept_map_is_the_map(store: Store) -> None:
    crowd = _network(store)

    def maps() -> tuple[NetworkMap, NetworkMap]:
        with store.session() as s:
            return network.kept_map(s, AS_OF, limit=4), network.network_map(s, AS_OF, limit=4)

    kept, exact = maps()
    assert kept == exact
    with store.session() as s:
        _log(s, [crowd[5]], 0.1)
    kept, exact = maps()
    assert kept == exact
    assert crowd[5] in {n.id for n in kept.nodes}
