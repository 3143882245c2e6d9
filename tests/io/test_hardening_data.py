"""Issue 27, data safety: restore never deletes, backups come back byte for byte, the
database and its copies are private, a failed migration leaves the database as it was,
and a write that waits on another writer says so in one sentence (CLI and web)."""

from __future__ import annotations

import shutil
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from goodwill.errors import StoreError
from goodwill.store import address
from goodwill.store import db as gdb
from goodwill.store.db import open_store
from tests.helpers import Result, run_cli, writer_holding_the_lock


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def sqlite_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """The CLI on an SQLite file (these tests are about the file itself)."""
    monkeypatch.setenv("GOODWILL_DB", str(tmp_path / "goodwill.db"))
    monkeypatch.setenv("COLUMNS", "200")
    return run_cli


def test_restore_refuses_a_database_whose_restored_tables_hold_rows(
    sqlite_cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It checked people and interactions only, then emptied every table of the backup.
    assert sqlite_cli("person", "add", "Ida Berg", "--org", "Acme").code == 0
    assert sqlite_cli("export", "json", "-o", tmp_path / "b.json").code == 0
    monkeypatch.setenv("GOODWILL_DB", str(tmp_path / "other.db"))
    assert sqlite_cli("org", "add", "Keep Me Inc").code == 0
    assert sqlite_cli("need", "add", "a job in Lisbon").code == 0
    r = sqlite_cli("import", "json", tmp_path / "b.json")
    assert r.code == 1 and "organization" in r.err and "new --db" in r.err, r.err
    assert "Keep Me Inc" in sqlite_cli("org", "list").out
    assert "a job in Lisbon" in sqlite_cli("need", "list").out


def test_restore_copies_the_sqlite_file_first(
    sqlite_cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sqlite_cli("person", "add", "Ida Berg").code == 0
    assert sqlite_cli("export", "json", "-o", tmp_path / "b.json").code == 0
    (tmp_path / "new").mkdir()
    monkeypatch.setenv("GOODWILL_DB", str(tmp_path / "new" / "goodwill.db"))
    r = sqlite_cli("import", "json", tmp_path / "b.json")
    assert r.code == 0 and "saved as" in r.out, r
    copies = list((tmp_path / "new").glob("goodwill.db.before-restore-*"))
    assert len(copies) == 1 and _mode(copies[0]) == 0o600


def test_a_backup_with_merged_people_comes_back_byte_for_byte(
    sqlite_cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The second UPDATE for merged_into_id/met_through_id rewrote updated_at.
    assert sqlite_cli("person", "add", "Ida Berg", "--email", "ida@example.com").code == 0
    assert sqlite_cli("person", "add", "Ida B.", "--email", "ida.b@example.com").code == 0
    assert sqlite_cli("person", "merge", "ida@example.com", "ida.b@example.com").code == 0
    assert sqlite_cli("export", "json", "-o", tmp_path / "b.json").code == 0
    time.sleep(0.01)  # so that a rewritten updated_at would differ
    monkeypatch.setenv("GOODWILL_DB", str(tmp_path / "other.db"))
    assert sqlite_cli("import", "json", tmp_path / "b.json").code == 0
    assert sqlite_cli("export", "json", "-o", tmp_path / "c.json").code == 0
    assert (tmp_path / "b.json").read_bytes() == (tmp_path / "c.json").read_bytes()


def test_the_database_file_and_its_backups_are_private(tmp_path: Path) -> None:
    path = tmp_path / "goodwill.db"
    open_store(str(path)).dispose()
    assert _mode(path) == 0o600
    wide = tmp_path / "wide.db"
    shutil.copy(path, wide)
    wide.chmod(0o644)
    open_store(str(wide)).dispose()
    assert _mode(wide) == 0o600  # an existing file made private when opened
    assert _mode(gdb.backup_sqlite(path, "0001")) == 0o600


def _failing_migrations(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    shutil.copytree(gdb.MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    head = gdb.head_revision()
    (folder / "versions" / "9999_fails_halfway.py").write_text(
        f'''"""A migration that fails after some of its DDL ran."""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("half_column", sa.Text))
    op.execute("INSERT INTO half_done (id) VALUES (1)")
    raise RuntimeError("this migration fails halfway")


def downgrade() -> None:
    pass
'''
    )
    return folder


def test_a_migration_that_fails_halfway_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "goodwill.db"
    open_store(str(path)).dispose()
    failing = _failing_migrations(tmp_path)
    # the store reads its migrations through store.address (the lean start-up path) too
    monkeypatch.setattr(gdb, "MIGRATIONS_DIR", failing)
    monkeypatch.setattr(address, "MIGRATIONS_DIR", failing)
    with pytest.raises(StoreError, match="left as it was"):
        open_store(str(path))
    monkeypatch.undo()
    store = open_store(str(path), migrate_schema=False)
    with store.engine.connect() as conn:
        insp = inspect(conn)
        assert "half_done" not in insp.get_table_names()
        assert "half_column" not in {c["name"] for c in insp.get_columns("person")}
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    store.dispose()
    assert version == gdb.head_revision()


def test_a_write_that_waits_on_another_writer_says_so_in_one_sentence(
    sqlite_cli: Callable[..., Result], tmp_path: Path
) -> None:
    # It printed the raw SQL and its parameters (personal data) after 5 s.
    assert sqlite_cli("person", "list").code == 0  # the file exists, migrated
    with writer_holding_the_lock(tmp_path / "goodwill.db"):
        r = sqlite_cli("person", "add", "Secret Person", "--email", "secret@example.com")
    assert r.code == 1
    assert r.err == "error: another goodwill command is writing; try again\n"


def test_database_urls_never_show_their_password(sqlite_cli: Callable[..., Result]) -> None:
    for url in (
        "post gres://bob:s3cret@localhost/db",
        "postgresql://bob:s3cret@localhost:abc/db",
        "postgresql+nodriver://bob:s3cret@localhost/db",
    ):
        r = sqlite_cli("--db", url, "person", "list")
        assert r.code == 1
        assert "s3cret" not in r.err and "bob:***@" in r.err, r.err
        assert "unexpected" not in r.err and r.err.count("\n") == 1, r.err


def test_a_bad_port_is_a_clear_sentence(sqlite_cli: Callable[..., Result]) -> None:
    r = sqlite_cli("--db", "postgresql://bob:s3cret@localhost:abc/db", "person", "list")
    assert "port is not a number" in r.err
