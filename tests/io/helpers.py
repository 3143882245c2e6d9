"""Helpers shared by the io tests: find fixture files, import them, look at the result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from goodwill.io import backup, importer
from goodwill.io.records import ImportOptions
from goodwill.schemas.io import ImportReport
from goodwill.schemas.people import PersonDetail
from goodwill.store.db import Store
from goodwill.store.models import Person
from goodwill.views import person_page
from tests.helpers import DATA, shared_dir

SUBDIRS = {".vcf": "vcard", ".csv": "csv", ".ics": "ics"}


def fixture(name: str) -> Path:
    """A real-world file: from tests/data when its licence let us copy it, else shared/."""
    local = DATA / "realworld" / name
    if local.exists():
        return local
    path = shared_dir() / "fixtures" / "realworld" / SUBDIRS[Path(name).suffix] / name
    if not path.exists():
        pytest.fail(f"fixture {name} is missing from shared/fixtures/realworld")
    return path


def run(store: Store, fmt: str, path: Path, **options: object) -> ImportReport:
    return importer.import_file(store, fmt, path, ImportOptions(**options))  # type: ignore[arg-type]


def everyone(store: Store) -> dict[str, PersonDetail]:
    with store.session() as s:
        found = s.scalars(select(Person).where(Person.removed_at.is_(None))).all()
        return {p.display_name: person_page.detail(s, p) for p in found}


def count_people(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Person)) or 0)


def snapshot(store: Store) -> bytes:
    """The whole database as backup bytes: equal snapshots mean nothing changed."""
    with store.session() as s:
        return backup.dump(s)


def tables_of(dump: bytes) -> dict[str, list[list[object]]]:
    data = json.loads(dump)
    return {name: block["rows"] for name, block in data["tables"].items()}


def names(store: Store) -> list[str]:
    with store.session() as s:
        return sorted(s.scalars(select(Person.display_name).where(Person.removed_at.is_(None))))
