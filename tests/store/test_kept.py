"""`store/kept`: values kept between calls are computed again exactly when the change log
says something they read changed, whoever wrote it (on SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import text

from goodwill.records import people
from goodwill.store import kept
from goodwill.store.db import Store


def test_whole_is_computed_again_after_a_change_of_its_kinds(store: Store) -> None:
    kept.forget()
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    def read(key: str = "k") -> int:
        with store.session() as s:
            return kept.whole(s, "test", key, compute, kinds=("identity",))

    with store.session() as s:
        ann = people.add(s, "Ann Able")
    assert read() == 1 and read() == 1  # kept
    with store.engine.begin() as conn:  # plain SQL, another kind: still kept
        conn.execute(text("INSERT INTO setting (key, value) VALUES ('x', '1')"))
    assert read() == 1
    with store.engine.begin() as conn:  # plain SQL of its kind: computed again
        conn.execute(text("UPDATE person SET nickname = 'A' WHERE id = :p"), {"p": ann.id})
    assert read() == 2 and read() == 2
    assert read("other") == 3  # another key
    kept.forget()
    assert read() == 4


def test_per_person_patches_only_the_people_changed(store: Store) -> None:
    kept.forget()
    asked: list[list[int] | None] = []

    def compute(ids: list[int] | None) -> dict[int, int]:
        asked.append(ids)
        with store.session() as s:
            rows = s.execute(text("SELECT id, length(display_name) FROM person")).all()
        return {pid: n for pid, n in rows if ids is None or pid in ids}

    def read() -> dict[int, int]:
        with store.session() as s:
            return kept.per_person(
                s, "test", 0, compute, everyone=("settings",), touched=("identity",)
            )

    with store.session() as s:
        ann, bob = people.add(s, "Ann Able"), people.add(s, "Bob Baker")
    assert read() == {ann.id: 8, bob.id: 9} and asked == [None]
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE person SET display_name = 'Bo' WHERE id = :p"), {"p": bob.id})
    assert read() == {ann.id: 8, bob.id: 2} and asked == [None, [bob.id]]
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO setting (key, value) VALUES ('y', '2')"))
    assert read() == {ann.id: 8, bob.id: 2} and asked[-1] is None
    kept.forget()
