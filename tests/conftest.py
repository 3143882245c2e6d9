"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from GOODWILL_TEST_POSTGRES_URL (`.ci/run` always sets it); each test
gets a schema of its own there, dropped afterwards, so parallel runs never collide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from goodwill.store.db import Store, open_store
from tests.helpers import PG_URL, Result, pg_schema, run_cli


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database location on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "goodwill.db")
        return
    if not PG_URL:
        pytest.skip("set GOODWILL_TEST_POSTGRES_URL to run the PostgreSQL variant")
    with pg_schema(PG_URL) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    try:
        yield s
    finally:
        s.dispose()


@pytest.fixture
def session(store: Store) -> Iterator[Session]:
    """A session whose work is committed at the end of the test (like one command)."""
    with store.session() as s:
        yield s



@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run the goodwill command line in process against the test database."""
    monkeypatch.setenv("GOODWILL_DB", db_url)
    monkeypatch.setenv("COLUMNS", "200")
    return run_cli
