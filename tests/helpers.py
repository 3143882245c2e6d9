"""Helpers the tests share: where the test data is, and the command line run in process.

Fixtures live in conftest.py; everything a test imports lives here (or in the helpers.py
of its own folder), never in a conftest.
"""

from __future__ import annotations

import io
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from goodwill.store.address import resolve_url

PG_URL = os.environ.get("GOODWILL_TEST_POSTGRES_URL")
SHARED = os.environ.get("GOODWILL_SHARED_DIR")  # ../shared: real-world fixtures and datasets
DATA = Path(__file__).parent / "data"
SRC = Path(__file__).resolve().parents[1] / "src"


def shared_dir() -> Path:
    """The folder beside the project with real exported files; skip cleanly without it."""
    if SHARED and Path(SHARED).is_dir():
        return Path(SHARED)
    guess = Path(__file__).resolve().parents[2] / "shared"
    if guess.is_dir():
        return guess
    pytest.skip("set GOODWILL_SHARED_DIR to the shared/ folder to run tests on real files")


@dataclass
class Result:
    code: int
    out: str
    err: str


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


@contextmanager
def writer_holding_the_lock(path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's write transaction: SQLite's one write lock, held."""
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=0.1)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@contextmanager
def pg_schema(url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search path is a schema of its own, dropped afterwards, so
    that parallel runs never collide."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(resolve_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
