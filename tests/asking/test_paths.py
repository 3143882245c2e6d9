"""Warm paths on hand-built networks: strongest first, exact hop limits, clear errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.asking import paths
from goodwill.errors import InvalidInput, NotFound
from goodwill.records import interactions, introductions, knows, people, requests
from goodwill.store.db import CACHE_DIR_ENV
from goodwill.store.models import Knows, Person
from tests.asking.helpers import NOW, moderate, strong, weak
from tests.helpers import Result


def _names(found: list[paths.PathOut]) -> list[list[str]]:
    return [[st.name for st in p.steps] for p in found]


def test_two_hops_through_a_strong_tie_beat_a_weak_tie(session: Session) -> None:
    alice = people.add(session, "Alice Strong")
    bob = people.add(session, "Bob Weak")
    dana = people.add(session, "Dana Target", org="Acme")
    strong(session, alice)
    weak(session, bob)
    knows.add(session, alice, dana, confidence=0.6)
    knows.add(session, bob, dana, confidence=0.6)
    found = paths.paths_to(session, "Dana Target", as_of=NOW)
    assert _names(found) == [["Alice Strong", "Dana Target"], ["Bob Weak", "Dana Target"]]
    assert found[0].score > found[1].score
    first = found[0]
    assert first.hops == 2
    assert first.steps[0].via == "your contact"
    assert first.steps[1].strength == pytest.approx(0.6)
    assert first.score == pytest.approx(first.steps[0].strength * 0.6, abs=1e-3)


def test_someone_you_know_yourself_is_reached_directly(session: Session) -> None:
    friends = [people.add(session, f"Friend {i}") for i in range(3)]
    dana = people.add(session, "Dana Target")
    for f in friends:
        strong(session, f)
        knows.add(session, f, dana, confidence=0.9)
    weak(session, dana)  # you know Dana, even barely: no introduction through a friend
    found = paths.paths_to(session, "Dana Target", limit=3, as_of=NOW)
    assert _names(found) == [["Dana Target"]]
    assert found[0].steps[0].via == "your contact"


def test_a_path_never_relays_through_someone_you_know(session: Session) -> None:
    """You know Bea (weakly) and Al (strongly); Al knows Bea, Bea knows Zoe: the way to Zoe
    is through Bea directly, not you -> Al -> Bea -> Zoe."""
    al, bea = people.add(session, "Al Strong"), people.add(session, "Bea Weak")
    zoe = people.add(session, "Zoe Target")
    strong(session, al)
    weak(session, bea)
    knows.add(session, al, bea, confidence=0.95)
    knows.add(session, bea, zoe, confidence=0.9)
    assert _names(paths.paths_to(session, "Zoe Target", as_of=NOW)) == [["Bea Weak", "Zoe Target"]]


def test_a_warm_path_survives_an_unrelated_knows_edge(session: Session) -> None:
    """Two friends each know the target's colleague; a new edge between the friends must
    not take either way in away (one path per first hop)."""
    ann, ben = people.add(session, "Ann Friend"), people.add(session, "Ben Friend")
    cy = people.add(session, "Cy Middle")
    dee = people.add(session, "Dee Target")
    strong(session, ann)
    moderate(session, ben)
    knows.add(session, ann, cy, confidence=0.9)
    knows.add(session, ben, cy, confidence=0.9)
    knows.add(session, cy, dee, confidence=0.9)
    before = _names(paths.paths_to(session, "Dee Target", as_of=NOW))
    assert before == [
        ["Ann Friend", "Cy Middle", "Dee Target"],
        ["Ben Friend", "Cy Middle", "Dee Target"],
    ]
    knows.add(session, ann, ben, how="met at a party", confidence=0.3)
    assert _names(paths.paths_to(session, "Dee Target", as_of=NOW)) == before


def test_a_strong_colleague_link_beats_a_weak_acquaintance(session: Session) -> None:
    """Same tie to both middle people; one worked with the target in a small team."""
    carl = people.add(session, "Carl Colleague", org="Tiny Lab")
    erin = people.add(session, "Erin Acquaintance")
    dana = people.add(session, "Dana Target", org="Tiny Lab")
    people.set_role(session, dana, "Acme", current=True)
    moderate(session, carl)
    moderate(session, erin)
    knows.add(session, erin, dana, how="met once at a conference", confidence=0.1)
    found = paths.paths_to(session, "Dana", as_of=NOW)
    assert _names(found)[0] == ["Carl Colleague", "Dana Target"]
    assert found[0].steps[1].via == "colleagues at Tiny Lab"
    assert found[1].steps[1].via == "knows"


def test_path_to_an_organisation_ends_at_people_who_work_there(session: Session) -> None:
    alice = people.add(session, "Alice Strong")
    dana = people.add(session, "Dana Acme", org="Acme")
    ed = people.add(session, "Ed Acme", org="Acme")
    people.add(session, "Nobody Else")
    strong(session, alice)
    knows.add(session, alice, dana, confidence=0.8)
    knows.add(session, dana, ed, confidence=0.9)
    found = paths.paths_to(session, "Acme", as_of=NOW)
    # Ed is reached through Dana's colleague link or knows-edge, but a path through a
    # person already at Acme is not a separate way in: only Alice -> Dana is shown.
    assert _names(found) == [["Alice Strong", "Dana Acme"]]
    assert found[0].target == "Acme"


def test_max_hops_is_exact(session: Session) -> None:
    a = people.add(session, "Ann First")
    b = people.add(session, "Ben Second")
    c = people.add(session, "Cat Third")
    z = people.add(session, "Zed Far")
    w = people.add(session, "Wes Weak")
    strong(session, a)
    weak(session, w)
    knows.add(session, a, b)
    knows.add(session, b, c)
    knows.add(session, c, z)
    knows.add(session, w, z, confidence=0.05)
    assert _names(paths.paths_to(session, "Zed Far", max_hops=4, as_of=NOW))[0] == [
        "Ann First",
        "Ben Second",
        "Cat Third",
        "Zed Far",
    ]
    assert _names(paths.paths_to(session, "Zed Far", max_hops=3, as_of=NOW)) == [
        ["Wes Weak", "Zed Far"]
    ]
    assert paths.paths_to(session, "Zed Far", max_hops=1, as_of=NOW) == []


def test_derived_edges_from_meetings_referrals_and_introductions(session: Session) -> None:
    me_friend = people.add(session, "Fay Friend")
    met = people.add(session, "Gus Met")
    referred = people.add(session, "Hal Referred")
    introduced = people.add(session, "Ivy Introduced")
    strong(session, me_friend)
    interactions.log(session, [me_friend, met], "meeting", when=NOW - dt.timedelta(days=3), now=NOW)
    r = requests.add(session, me_friend, "an accountant", now=NOW)
    requests.answer(session, r, referred=referred, now=NOW)
    intro = introductions.propose(session, me_friend, introduced, "both love maps", now=NOW)
    for step in ("asked_a", "asked_b", "made"):
        introductions.advance(session, intro, step, now=NOW)
    g = paths.graph(session)
    [f] = g.nodes([me_friend.id]).tolist()
    links = {
        int(g.ids[d]): paths.LINK_KINDS[int(h)]
        for d, h in zip(
            g.dst[g.src_ptr[f] : g.src_ptr[f + 1]],
            g.how[g.src_ptr[f] : g.src_ptr[f + 1]],
            strict=True,
        )
    }
    assert links == {met.id: "meeting", referred.id: "referral", introduced.id: "introduction"}
    # A referral and an introduction are stored knows-edges; a shared meeting is derived.
    stored = session.scalar(select(func.count()).select_from(Knows))
    assert stored == 2


def test_evidence_for_one_pair_adds_up(session: Session) -> None:
    a = people.add(session, "Ann A")
    b = people.add(session, "Bea B")
    knows.add(session, a, b, how="employer", confidence=0.5)
    knows.add(session, a, b, how="meeting", confidence=0.5)
    g = paths.graph(session)
    assert g.strength.tolist() == pytest.approx([0.75, 0.75])  # 1 - 0.5 * 0.5


def test_graph_is_reloaded_after_a_change(session: Session) -> None:
    a = people.add(session, "Ann A")
    b = people.add(session, "Bea B")
    assert paths.graph(session).src.size == 0
    knows.add(session, a, b, confidence=0.5)
    assert paths.graph(session).strength.tolist() == [0.5, 0.5]
    knows.add(session, a, b, confidence=0.9)  # the same edge, changed in place
    assert paths.graph(session).strength.tolist() == pytest.approx([0.9, 0.9])
    people.remove(session, b)
    assert paths.graph(session).src.size == 0


def test_a_one_to_one_interaction_keeps_the_graph_and_renews_the_ties(session: Session) -> None:
    a = people.add(session, "Ann A")
    b = people.add(session, "Bea B")
    knows.add(session, a, b, confidence=0.5)
    g = paths.graph(session)
    assert paths.ties(session, g, NOW).tolist() == [0.0, 0.0]  # you know neither yet
    interactions.log(session, [a], "coffee", when=NOW - dt.timedelta(days=3), now=NOW)
    assert paths.graph(session) is g  # no new meeting between two people: same graph
    tie = paths.ties(session, g, NOW)
    assert tie[g.nodes(np.array([a.id]))[0]] > 0.0 and tie[g.nodes(np.array([b.id]))[0]] == 0.0
    # A meeting of two people is evidence that they know each other: a new graph.
    interactions.log(session, [a, b], "meeting", when=NOW - dt.timedelta(days=2), now=NOW)
    g2 = paths.graph(session)
    assert g2 is not g and g2.fingerprint != g.fingerprint
    assert paths.ties(session, g2, NOW)[g2.nodes(np.array([b.id]))[0]] > 0.0


def test_ties_renewed_for_the_people_of_new_interactions_equal_a_full_recompute(
    session: Session,
) -> None:
    met = [people.add(session, f"Met {i}") for i in range(6)]
    new = people.add(session, "Never Met")
    for i, p in enumerate(met):
        (strong if i % 2 else weak)(session, p)
    knows.add(session, met[0], met[1], confidence=0.5)
    g = paths.graph(session)
    before = paths.ties(session, g, NOW)
    # One-to-one contacts, one with someone never met: the graph stays, two ties move.
    interactions.log(session, [met[2]], "call", when=NOW - dt.timedelta(days=1), now=NOW)
    interactions.log(session, [new], "coffee", when=NOW - dt.timedelta(hours=3), now=NOW)
    assert paths.graph(session) is g
    renewed = paths.ties(session, g, NOW)
    assert renewed.tolist() == _full_ties(session, g, NOW)
    moved = {i for i in range(g.n) if renewed[i] != before[i]}
    assert moved == set(g.nodes(np.array([met[2].id, new.id])).tolist())


def test_editing_what_the_graph_does_not_read_keeps_it(session: Session) -> None:
    a = people.add(session, "Ann A", org="Initech")
    b = people.add(session, "Bea B")
    knows.add(session, a, b, confidence=0.5)
    g = paths.graph(session)
    people.edit(session, a, add_tags_=["climate"], note="met at a meetup", circle="close")
    session.flush()
    assert paths.graph(session) is g
    # What it reads: whether a role is current, and who met whom through whom.
    a.roles[0].is_current = False
    session.flush()
    g2 = paths.graph(session)
    assert g2 is not g and not g2.mem_current.any()
    b.met_through_id = a.id
    session.flush()
    assert paths.graph(session) is not g2


def _same_graph(a: paths.Graph, b: paths.Graph) -> bool:
    """Equal arrays (floats to the cache file's float32 precision)."""

    def same(x: np.ndarray, y: np.ndarray) -> bool:
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            return x.shape == y.shape and bool(np.allclose(x, y, rtol=0, atol=1e-6))
        return np.array_equal(x, y)

    names = [f.name for f in dataclasses.fields(paths.Graph) if f.name != "fingerprint"]
    return all(same(getattr(a, n), getattr(b, n)) for n in names)


_BUILD = paths._build  # a rebuild, whatever a test spies on


def _spy_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The fingerprints of the graphs built from scratch from now on (extensions aside)."""
    built: list[str] = []
    monkeypatch.setattr(paths, "_build", lambda s, fp: built.append(fp) or _BUILD(s, fp))
    return built


def _full_ties(session: Session, g: paths.Graph, as_of: dt.datetime) -> list[float]:
    """Every tie computed afresh, node by node."""
    values = np.zeros(g.n)
    paths._put(values, g, paths.tie_strengths(session, as_of))
    return values.tolist()


def _network(session: Session) -> list[Person]:
    a = people.add(session, "Ann A", org="Initech")
    b = people.add(session, "Bea B", org="Initech")
    c = people.add(session, "Cy C")
    knows.add(session, a, c, confidence=0.5)
    strong(session, a)
    weak(session, c)
    interactions.log(session, [a, b], "meeting", when=NOW - dt.timedelta(days=9), now=NOW)
    return [a, b, c]


def test_adding_people_extends_the_graph_as_a_rebuild_would(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, c = _network(session)
    g = paths.graph(session)
    paths.ties(session, g, NOW)
    built = _spy_builds(monkeypatch)
    full_ties: list[object] = []
    tie_strengths = paths.tie_strengths
    monkeypatch.setattr(
        paths,
        "tie_strengths",
        lambda s, when, ids=None: full_ties.append(ids) or tie_strengths(s, when, ids),
    )
    people.add(session, "Dee D", org="Initech")  # at an organisation in the graph
    people.add(session, "Eve E", org="Newco")  # at a new one
    people.add(session, "Fay F")
    people.set_role(session, b, "Globex")  # and someone's new job ends the old one
    session.flush()
    grown = paths.graph(session)
    assert not built and grown.n == g.n + 3
    assert _same_graph(grown, _BUILD(session, grown.fingerprint))
    tie = paths.ties(session, grown, NOW)
    assert not full_ties  # the newcomers' ties are 0 without computing anyone's
    assert tie.tolist() == _full_ties(session, grown, NOW)
    # A removal takes the person out, links and all; those who knew them lose a mutual
    # contact (ties as of tomorrow count today's edges).
    tomorrow = dt.datetime.now() + dt.timedelta(days=1)
    paths.ties(session, paths.graph(session), tomorrow)
    people.remove(session, c)
    shrunk = paths.graph(session)
    assert _same_graph(shrunk, _BUILD(session, paths.fingerprint(session)))
    assert not built
    assert paths.ties(session, shrunk, tomorrow).tolist() == _full_ties(session, shrunk, tomorrow)
    # A merge: the duplicate out, every pair of the one kept relinked, their ties renewed.
    dee = people.resolve(session, "Dee D")
    knows.add(session, dee, b, how="employer", confidence=0.6)
    paths.ties(session, paths.graph(session), tomorrow)
    people.merge(session, a, b)
    merged = paths.graph(session)
    assert _same_graph(merged, _BUILD(session, paths.fingerprint(session)))
    assert not built
    assert paths.ties(session, merged, tomorrow).tolist() == _full_ties(session, merged, tomorrow)
    # What can take evidence away rebuilds: here an edge changed in place.
    knows.add(session, a, dee, how="employer", confidence=0.9)
    assert _same_graph(paths.graph(session), _BUILD(session, paths.fingerprint(session)))
    assert built


def test_new_evidence_between_people_relinks_only_them_as_a_rebuild_would(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, c = _network(session)
    d, e = people.add(session, "Dee D"), people.add(session, "Eve E")
    strong(session, d)
    g = paths.graph(session)
    # Ties as of tomorrow: knows-edges made today count as mutual contacts then.
    tomorrow = dt.datetime.now() + dt.timedelta(days=1)
    paths.ties(session, g, tomorrow)
    built = _spy_builds(monkeypatch)
    later = NOW + dt.timedelta(minutes=1)

    def check() -> None:
        grown = paths.graph(session)
        assert not built and _same_graph(grown, _BUILD(session, grown.fingerprint))
        assert paths.ties(session, grown, tomorrow).tolist() == _full_ties(session, grown, tomorrow)

    knows.add(session, a, d, confidence=0.4)  # a new pair: Dee's mutual contacts change
    knows.add(session, a, c, how="employer", confidence=0.7)  # more on a known pair
    check()
    interactions.log(session, [b, c, e], "meeting", when=NOW - dt.timedelta(days=1), now=NOW)
    check()
    r = requests.add(session, d, "a designer", now=later)
    requests.answer(session, r, referred=e, now=later)
    intro = introductions.propose(session, b, d, "both climb", now=later)
    for step in ("asked_a", "asked_b", "made"):
        introductions.advance(session, intro, step, now=later + dt.timedelta(minutes=1))
    check()


@pytest.mark.parametrize("seed", range(6))
def test_random_changes_extend_the_graph_exactly(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random networks, then random new, removed and merged people, new edges and
    meetings: the extended graph is the rebuilt one, array for array."""
    import random

    from goodwill.store.db import open_store

    rng = random.Random(seed)
    monkeypatch.setattr(paths.W, "COLLEAGUE_CIRCLE", 2)  # small organisations dilute too
    store = open_store(str(tmp_path / "g.db"))
    try:
        with store.session() as s:
            crowd = [people.add(s, f"P{i} Q", org=rng.choice(["A", "B", None])) for i in range(14)]
            for p in rng.sample(crowd, 5):
                people.set_role(s, p, rng.choice(["A", "C"]), current=False)

            edges: set[tuple[int, int, str]] = set()

            def grow() -> None:
                for _ in range(rng.randint(1, 6)):
                    a, b = sorted(rng.sample(crowd, 2), key=lambda p: p.id)
                    how = rng.choice(["manual", "employer"])
                    if (a.id, b.id, how) not in edges:  # a new edge (a changed one rebuilds)
                        edges.add((a.id, b.id, how))
                        knows.add(s, a, b, how=how, confidence=rng.choice([0.3, 0.5]))
                for _ in range(rng.randint(0, 3)):
                    group = rng.sample(crowd, rng.randint(2, 4))
                    interactions.log(s, group, "meeting", when=NOW - dt.timedelta(days=1), now=NOW)

            grow()
            g = paths.graph(s)
            built = _spy_builds(monkeypatch)
            for _ in range(3):
                for gone in rng.sample(crowd, rng.randint(0, 2)):  # someone added and
                    people.remove(s, gone)  # removed between two looks rebuilds: not here
                    crowd.remove(gone)
                if rng.random() < 0.5:
                    keep, dup = rng.sample(crowd, 2)
                    people.merge(s, keep, dup)
                    crowd = [s.get(Person, p.id) or p for p in crowd if p.id != dup.id]
                    edges = {(k.a_id, k.b_id, k.how) for k in s.scalars(select(Knows))}
                crowd += [people.add(s, f"New{len(crowd)} Q") for _ in range(rng.randint(0, 2))]
                grow()
                s.flush()
                grown = paths.graph(s)
                assert grown is not g and _same_graph(grown, _BUILD(s, grown.fingerprint))
                g = grown
            assert not built  # every step extended the graph
    finally:
        store.dispose()


def test_someone_coming_back_while_another_goes_rebuilds(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, c = _network(session)
    people.remove(session, c)
    paths.graph(session)
    built = _spy_builds(monkeypatch)
    c.removed_at = None  # back (as a restore would), and another one goes
    people.remove(session, b)
    grown = paths.graph(session)
    assert built and _same_graph(grown, _BUILD(session, grown.fingerprint))
    assert sorted(grown.ids.tolist()) == sorted([a.id, c.id])


def test_a_caller_with_an_older_graph_leaves_the_kept_ties_to_renew(session: Session) -> None:
    """A web thread may still hold the graph from before a change: asking ties of it must
    not drop what the kept graph's ties are due (the people of a new knows-edge)."""
    _, b, c = _network(session)
    tomorrow = dt.datetime.now() + dt.timedelta(days=1)  # today's edges count as mutual
    older = paths.graph(session)
    paths.ties(session, older, tomorrow)
    knows.add(session, b, c, confidence=0.8)
    kept = paths.graph(session)
    assert kept is not older
    paths.ties(session, older, tomorrow)  # the older graph's caller
    assert paths.ties(session, kept, tomorrow).tolist() == _full_ties(session, kept, tomorrow)


def test_the_cache_file_is_extended_by_the_next_process(
    session: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(paths, "DISK_CACHE_MIN_EDGES", 0)
    _network(session)
    paths.ties(session, paths.graph(session), NOW)
    paths._MEMORY.clear()  # as a new command would start
    people.add(session, "Dee D", org="Initech")
    built = _spy_builds(monkeypatch)
    grown = paths.graph(session)
    assert not built and _same_graph(grown, _BUILD(session, grown.fingerprint))
    paths._MEMORY.clear()
    extended: list[str] = []
    extend = paths._extend
    monkeypatch.setattr(paths, "_extend", lambda s, g, fp: extended.append(fp) or extend(s, g, fp))
    assert paths.graph(session).fingerprint == grown.fingerprint  # from the file, as saved
    assert not extended


def test_bad_targets_and_hops(session: Session) -> None:
    people.add(session, "Dana Kim", org="Globex Corporation")
    with pytest.raises(InvalidInput, match="at most 4"):
        paths.paths_to(session, "Globex", max_hops=5)
    with pytest.raises(InvalidInput, match="at least 1"):
        paths.paths_to(session, "Globex", max_hops=0)
    with pytest.raises(NotFound, match=r"no organisation or person matches 'Globx'.*Globex"):
        paths.paths_to(session, "Globx")


def test_ranges_helper_concatenates_slices() -> None:
    ptr = np.array([0, 2, 2, 5, 6])
    assert paths._ranges(ptr, np.array([0, 2, 3])).tolist() == [0, 1, 2, 3, 4, 5]
    assert paths._ranges(ptr, np.array([1])).tolist() == []


def test_path_cli(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Alice Strong").code == 0
    assert cli("person", "add", "Dana Target", "--org", "Acme").code == 0
    assert cli("log", "Alice Strong", "--kind", "coffee").code == 0
    r = cli("knows", "Alice Strong", "Dana Target", "--how", "college roommates")
    assert r.code == 0, r.err
    assert "Alice Strong knows Dana Target (manual)" in r.err
    r = cli("path", "--to", "Acme", "--format", "json")
    assert r.code == 0, r.err
    [p] = json.loads(r.out)
    assert [s["name"] for s in p["steps"]] == ["Alice Strong", "Dana Target"]
    assert set(p) == {"target", "score", "hops", "steps"}
    r = cli("path", "--to", "Acme")
    assert "you -> Alice Strong" in r.out
    r = cli("path", "--to", "Acme", "--max-hops", "5")
    assert r.code == 1
    assert r.err.startswith("error: invalid max-hops 5: must be at most 4")
    r = cli("path", "--to", "Acmee")
    assert r.code == 1
    assert "no organisation or person matches 'Acmee'" in r.err and "Acme" in r.err
    r = cli("knows", "Alice Strong", "--format", "json")
    [edge] = json.loads(r.out)
    assert (edge["b"], edge["how"], edge["note"], edge["derived"]) == (
        "Dana Target",
        "manual",
        "college roommates",
        False,
    )
    r = cli("knows", "Alice Strong", "Alice Strong")
    assert r.code == 1 and "cannot know themself" in r.err


def test_threads_share_the_kept_graph_safely(tmp_path: Path) -> None:
    """The web app's worker threads look up paths while writes extend the graph: no
    error, and what is kept at the end is what a rebuild gives."""
    from concurrent.futures import ThreadPoolExecutor

    from goodwill.store.db import open_store

    store = open_store(str(tmp_path / "t.db"))
    try:
        with store.session() as s:
            crowd = [people.add(s, f"P{i} Q", org="Acme" if i % 2 else None) for i in range(12)]
            for a, b in itertools.pairwise(crowd):
                knows.add(s, a, b, confidence=0.4)
            strong(s, crowd[0])

        def look(i: int) -> int:
            with store.session() as s:
                g = paths.graph(s)
                return int(paths.ties(s, g, NOW).size + g.n)

        def write(i: int) -> None:
            with store.session() as s:
                newcomer = people.add(s, f"New{i} Q")
                knows.add(s, newcomer, s.get(Person, crowd[i % 12].id), confidence=0.3)  # type: ignore[arg-type]

        with ThreadPoolExecutor(max_workers=6) as pool:
            jobs = [pool.submit(look, i) for i in range(30)]
            jobs += [pool.submit(write, i) for i in range(6)]
            for job in jobs:
                job.result()  # re-raises whatever a thread hit
        with store.session() as s:
            kept = paths.graph(s)
            assert kept.n == 18 and _same_graph(kept, _BUILD(s, kept.fingerprint))
    finally:
        store.dispose()
