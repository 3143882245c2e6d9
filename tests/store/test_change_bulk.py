"""The change log's marks of an import's new people, written in bulk (store.changes.
inserts_in_bulk): the same people and kinds as the insert triggers give, later than any
mark taken before, and the triggers as they were afterwards, committed or not."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from goodwill.errors import ImportFailed
from goodwill.io import importer, writer
from goodwill.io.records import ImportOptions
from goodwill.store import changes
from goodwill.store.db import Store, open_store
from goodwill.store.models import PersonChange


def _cards(n: int, start: int = 0) -> str:
    """vCards with every kind of row a new person gets: email, phone, link, role, tag; and
    some with none of the details."""
    out = []
    for i in range(start, start + n):
        details = (
            f"EMAIL:p{i}@example.org\r\nTEL:+1 415 555 {i:04d}\r\nURL:https://example.org/p{i}\r\n"
            if i % 3
            else ""
        )
        out.append(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bulk-{i}\r\nFN:Person{i} Bulk\r\n"
            f"N:Bulk;Person{i};;;\r\n{details}ORG:Org {i % 4}\r\nTITLE:Engineer\r\n"
            f"CATEGORIES:friends\r\nEND:VCARD\r\n"
        )
    return "".join(out)


def _marks(session: Session, after: changes.Mark) -> set[tuple[int, str]]:
    found = changes.since(session, after)
    return {(pid, kind) for kind, people in found.kinds.items() for pid in people}


def _triggers(store: Store) -> list[tuple[str, str]]:
    if not store.is_sqlite:
        return []
    with store.session() as s:
        rows = s.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        ).all()
    return [(name, sql) for name, sql in rows]


@contextlib.contextmanager
def _row_triggers_only() -> Iterator[None]:
    """The writer with the triggers doing the marking, one row at a time (as before)."""

    @contextlib.contextmanager
    def plain(_session: Session, _tables: object) -> Iterator[changes.BulkMarks]:
        yield changes.BulkMarks()

    original = writer.changes.inserts_in_bulk
    writer.changes.inserts_in_bulk = plain  # type: ignore[assignment]
    try:
        yield
    finally:
        writer.changes.inserts_in_bulk = original


def _import_marks(store: Store, path: Path) -> set[tuple[int, str]]:
    with store.session() as s:
        before = changes.mark(s)
    report = importer.import_file(store, "vcard", path, ImportOptions())
    assert report.created > 0
    with store.session() as s:
        return _marks(s, before)


def test_bulk_marks_equal_the_triggers_marks(store: Store, tmp_path: Path) -> None:
    """Two imports of the same cards, one marked in bulk, one by the row triggers: the
    same (person, kind) pairs, each later than the mark taken before the import."""
    path = tmp_path / "cards.vcf"
    path.write_text(_cards(30))
    bulk = _import_marks(store, path)
    assert {kind for _, kind in bulk} == {"identity", "details"}
    assert len({pid for pid, kind in bulk if kind == "identity"}) == 30
    assert len({pid for pid, kind in bulk if kind == "details"}) == 20
    if not store.is_sqlite:
        return  # PostgreSQL: the triggers mark the rows as ever
    twin = open_store(f"sqlite:///{tmp_path / 'twin.db'}")
    try:
        with _row_triggers_only():
            by_rows = _import_marks(twin, path)
    finally:
        twin.dispose()
    assert bulk == by_rows


def test_a_second_import_marks_its_new_people_only(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "cards.vcf"
    path.write_text(_cards(10))
    importer.import_file(store, "vcard", path, ImportOptions())
    with store.session() as s:
        known = {pid for pid, _ in s.execute(select(PersonChange.person_id, PersonChange.kind))}
    more = tmp_path / "more.vcf"
    more.write_text(_cards(10, start=10))
    marked = _import_marks(store, more)
    new = {pid for pid, _ in marked}
    assert len(new) == 10 and not (new & (known - {0}))


def test_the_triggers_stay_as_they_were(store: Store, tmp_path: Path) -> None:
    """After an import, a dry run (rolled back) and an import that fails half-way, every
    trigger is there with the same definition."""
    before = _triggers(store)
    path = tmp_path / "cards.vcf"
    path.write_text(_cards(12))
    importer.import_file(store, "vcard", path, ImportOptions(dry_run=True))
    assert _triggers(store) == before
    importer.import_file(store, "vcard", path, ImportOptions())
    assert _triggers(store) == before

    def broken(*_args: object) -> None:
        raise ImportFailed("the disk is full")

    more = tmp_path / "more.vcf"
    more.write_text(_cards(5, start=50))
    original = writer._source_records
    writer._source_records = broken  # type: ignore[assignment]
    try:
        with pytest.raises(ImportFailed):
            importer.import_file(store, "vcard", more, ImportOptions())
    finally:
        writer._source_records = original
    assert _triggers(store) == before
    # Rows written afterwards by plain SQL are marked by the triggers again.
    if store.is_sqlite:
        with store.session() as s:
            before_mark = changes.mark(s)
            pid = s.execute(text("SELECT MIN(id) FROM person WHERE id > 0")).scalar_one()
            s.execute(
                text("INSERT INTO phone (person_id, number, raw) VALUES (:p, '+14155550000', 'x')"),
                {"p": pid},
            )
            assert (pid, "details") in _marks(s, before_mark)
