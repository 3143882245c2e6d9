"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from GOODWILL_TEST_POSTGRES_URL (`.ci/run` always sets it); each test
gets a schema of its own there, dropped afterwards, so parallel runs never collide.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from goodwill.store.db import Store, open_store, resolve_url

PG_URL = os.environ.get("GOODWILL_TEST_POSTGRES_URL")
SHARED = os.environ.get("GOODWILL_SHARED_DIR")  # ../shared: real-world fixtures and datasets
DATA = Path(__file__).parent / "data"


def shared_dir() -> Path:
    """The folder beside the project with real exported files; skip cleanly without it."""
    if SHARED and Path(SHARED).is_dir():
        return Path(SHARED)
    guess = Path(__file__).resolve().parents[2] / "shared"
    if guess.is_dir():
        return guess
    pytest.skip("set GOODWILL_SHARED_DIR to the shared/ folder to run tests on real files")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database location on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "goodwill.store.db")
        return
    if not PG_URL:
        pytest.skip("set GOODWILL_TEST_POSTGRES_URL to run the PostgreSQL variant")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(resolve_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


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


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run the goodwill command line in process against the test database."""
    monkeypatch.setenv("GOODWILL_DB", db_url)
    monkeypatch.setenv("COLUMNS", "200")
    return run_cli


def run_cli(*args: str) -> Result:
    from goodwill.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Result(code, out.getvalue(), err.getvalue())
