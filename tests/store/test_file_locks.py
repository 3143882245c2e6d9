"""A process that opens the store again must keep the locks its open connections hold.

Closing any descriptor of an SQLite file drops every POSIX lock the process holds on it
(SQLite's "How To Corrupt An SQLite Database File", 2.2). Reading the file's first bytes
from Python to tell an SQLite file from another one did that: a pooled connection (a web
server's, a long test's) lost its lock, another process writing and closing then believed
itself the last connection, checkpointed and removed the WAL under it, and the next read
answered "database disk image is malformed"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from goodwill.errors import StoreError
from goodwill.store.db import open_store

WRITER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("INSERT INTO setting (key, value) VALUES ('probe', 'from another process')")
conn.commit()
conn.close()
"""


def _setting(store_engine: object) -> list[str]:
    with store_engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(text("SELECT value FROM setting WHERE key = 'probe'"))
        return [r[0] for r in rows]


def test_opening_the_store_again_keeps_the_locks_of_open_connections(tmp_path: Path) -> None:
    db = tmp_path / "goodwill.db"
    store = open_store(str(db))
    assert _setting(store.engine) == []  # a pooled connection now stays open, as a server's
    again = open_store(str(db))  # a command run in the same process, or a second store
    again.dispose()
    subprocess.run([sys.executable, "-c", WRITER, str(db)], check=True)
    assert _setting(store.engine) == ["from another process"]
    assert Path(str(db) + "-wal").exists()  # the writer knew it was not the last one
    store.dispose()


@pytest.mark.parametrize("content", [b"hello, this is text", b"PK\x03\x04" + b"\x00" * 600])
def test_a_file_that_is_not_sqlite_is_one_sentence(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "notes.db"
    db.write_bytes(content)
    with pytest.raises(StoreError, match="is not a goodwill database"):
        open_store(str(db))
    assert db.read_bytes() == content
