"""Full-text search stays in step with every write, on SQLite (FTS5) and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from goodwill.demo import fill as demo
from goodwill.records import interactions, orgs, people
from goodwill.store import search
from goodwill.store.db import Store, open_store
from goodwill.views import people_list

NOW = dt.datetime(2026, 6, 1, 12, 0)


def _found(session: Session, query: str) -> set[tuple[str, str]]:
    found = {(h.kind, h.title) for h in search.search(session, query)}
    # A search of people alone reads their own index (migration 0009): the same people.
    alone = {(h.kind, h.title) for h in search.search(session, query, kinds=["person"])}
    assert alone == {hit for hit in found if hit[0] == "person"}
    return found


def _check_index(session: Session) -> None:
    if session.get_bind().dialect.name == "sqlite":  # raises if FTS5 and its table disagree
        for fts in ("search_fts", "search_fts_person"):  # every document; people alone
            session.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')"))


def test_people_are_found_by_name_org_tag_and_notes(session: Session) -> None:
    people.add(
        session,
        "Dana Kim",
        org="Acme Robotics",
        title="Roboticist",
        tags=["mentor"],
        note="Knows everyone in Lisbon",
    )
    people.add(session, "Omar Haddad", org="Globex")
    assert _found(session, "dana") == {("person", "Dana Kim")}
    assert _found(session, "robot") == {("person", "Dana Kim"), ("org", "Acme Robotics")}
    assert _found(session, "mentor") == {("person", "Dana Kim")}
    assert _found(session, "lisbon") == {("person", "Dana Kim")}
    assert _found(session, "dana lisbon") == {("person", "Dana Kim")}
    assert _found(session, "omar lisbon") == set()
    _check_index(session)


def test_edits_removals_and_merges_update_the_index(session: Session) -> None:
    dana = people.add(session, "Dana Kim")
    dup = people.add(session, "Dana K", note="met at PyCon")
    people.edit(session, dana, name="Dana Park")
    assert _found(session, "kim") == set()
    assert _found(session, "park") == {("person", "Dana Park")}
    people.merge(session, dana, dup)
    assert _found(session, "pycon") == {("person", "Dana Park")}
    people.remove(session, dana)
    assert _found(session, "park") == set()
    _check_index(session)


def test_interaction_summaries_are_searchable(session: Session) -> None:
    p = people.add(session, "Dana Kim")
    interactions.log(session, [p], "coffee", when=NOW, now=NOW, summary="Résumé review, über good")
    assert _found(session, "resume") == {("interaction", "coffee")}
    assert _found(session, "uber") == {("interaction", "coffee")}
    org = orgs.add(session, "Initech", industry="Software")
    assert ("org", org.name) in _found(session, "software")
    assert search.search(session, "initech", kinds=["person"]) == []
    _check_index(session)


def test_rebuild_after_a_bulk_load(session: Session) -> None:
    stats = demo.generate(session, people=30, seed=1, today=dt.date(2026, 6, 1))
    assert stats.people == 30
    some = people_list.summaries(session, limit=1)[0]
    assert ("person", some.name) in _found(session, some.name)
    search.rebuild(session)
    assert ("person", some.name) in _found(session, some.name)
    _check_index(session)


@pytest.fixture(scope="module")
def query_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(str(tmp_path_factory.mktemp("q") / "q.db"))
    with store.session() as s:
        people.add(s, 'Dana "DK" Kim', note="AND OR NOT NEAR * ^ - ( ) :")
    yield store
    store.dispose()


@settings(max_examples=80, deadline=None)
@given(query=st.text(max_size=40))
def test_any_query_text_is_safe(query_store: Store, query: str) -> None:
    """Quotes, operators and unicode in a query never reach FTS5 as syntax."""
    with query_store.session() as s:
        hits = search.search(s, query)
    assert all(h.kind in {"person", "org", "interaction"} for h in hits)
    if query.strip().lower() == "dana":
        assert [h.title for h in hits] == ['Dana "DK" Kim']


def test_ranked_ids_are_the_hits_ids_in_their_order(session: Session) -> None:
    """`ranked_ids` (the people list, the log form's suggestions, ask) gives the ids of the
    hits of that kind `search` finds, in the same order."""
    for i in range(12):
        people.add(session, f"Sam Rivera {i}", note=f"met Sam at meetup number {i}")
    people.add(session, "Samira Okafor", note="runs the Lisbon meetup")
    interactions.log(
        session,
        [people.resolve(session, "Samira Okafor")],
        "call",
        when=NOW,
        now=NOW,
        summary="Sam's intro",
    )
    full = search.search(session, "sam", kinds=["person"], limit=50)
    assert len(full) == 13
    assert search.ranked_ids(session, "sam", kind="person", limit=50) == [h.id for h in full]
    assert search.ranked_ids(session, "sam", kind="person", limit=3) == [h.id for h in full[:3]]
    assert search.ranked_ids(session, "sam", kind="interaction", limit=5) == [
        h.id for h in search.search(session, "sam", kinds=["interaction"])
    ]
    assert search.ranked_ids(session, "  ", kind="person", limit=5) == []


def test_a_search_of_people_reads_their_own_index(session: Session) -> None:
    """On SQLite a search of people alone reads the people's FTS5 table, not the one that
    also holds every interaction summary; PostgreSQL has a partial GIN index of them (its
    planner's choice depends on the table's statistics, so the index itself is checked)."""
    if session.get_bind().dialect.name != "sqlite":
        definition = session.execute(
            text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_search_doc_tsv_person' "
                "AND schemaname = current_schema()"
            )
        ).scalar_one()
        assert "WHERE ((kind)::text = 'person'::text)" in definition
        return
    stmt, params = search._ranked(True, ["sam"], ["person"], 5, "")
    plan = [str(r[-1]) for r in session.execute(text("EXPLAIN QUERY PLAN " + stmt.text), params)]
    assert any("search_fts_person VIRTUAL TABLE" in step for step in plan), plan
    assert not any("search_fts " in step + " " for step in plan), plan
