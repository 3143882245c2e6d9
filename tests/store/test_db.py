"""The store: creation, pragmas, migrations, refusals with one clear sentence."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select, text

from goodwill.errors import StoreError
from goodwill.records import people
from goodwill.scoring import strength
from goodwill.store.db import MIGRATIONS_DIR, Store, head_revision, known_revisions, open_store
from goodwill.store.models import Base, Person
from goodwill.views import people_list

SRC = Path(__file__).resolve().parents[2] / "src"


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def test_head_revision_is_alembics_head() -> None:
    script = ScriptDirectory.from_config(_alembic_config())
    assert script.get_current_head() == head_revision()
    assert len(script.get_heads()) == 1, "migrations must form one line"


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_create_exactly_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # The full-text index (FTS5 tables, a tsvector index) is made by hand in the migration.
    diff = [
        d
        for d in diff
        if not (d[0] == "remove_table" and d[1].name.startswith("search_fts"))
        and not (d[0] == "remove_index" and d[1].name.startswith("ix_search_doc_tsv"))
    ]
    assert diff == []


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "g.db"))
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.dispose()


def test_default_location_follows_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOODWILL_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    store = open_store()
    assert store.url.endswith(str(tmp_path / "xdg" / "goodwill" / "goodwill.db"))
    store.dispose()
    monkeypatch.setenv("GOODWILL_DB", str(tmp_path / "env.db"))
    store = open_store()
    assert store.url.endswith("env.db")
    store.dispose()


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("shopping list: milk, eggs\n")
    with pytest.raises(StoreError, match="is not a goodwill database"):
        open_store(str(bogus))
    assert bogus.read_text() == "shopping list: milk, eggs\n"


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        open_store(str(tmp_path))


def test_a_read_only_folder_is_refused() -> None:
    # /sys is mounted read-only on our machines, even for root.
    if Path("/sys").exists() and not _writable("/sys"):
        with pytest.raises(StoreError, match=r"read-only|cannot create"):
            open_store("/sys/goodwill.db")
        with pytest.raises(StoreError, match="cannot create the folder"):
            open_store("/sys/goodwill-data/goodwill.db")
    else:
        pytest.fail("this test needs a read-only folder such as /sys")


def _writable(path: str) -> bool:
    try:
        Path(path, ".goodwill-probe").touch()
    except OSError:
        return False
    Path(path, ".goodwill-probe").unlink()
    return True


def test_a_folder_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(StoreError, match="cannot create the folder"):
        open_store(str(tmp_path / "afile" / "goodwill.db"))


def test_an_unreachable_postgres_is_one_sentence() -> None:
    with pytest.raises(StoreError, match="cannot connect to the PostgreSQL database"):
        open_store("postgresql://nobody@127.0.0.1:1/none")


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(StoreError, match="SQLite or PostgreSQL"):
        open_store("mysql://root@localhost/db")


def test_a_newer_schema_is_refused(db_url: str) -> None:
    store = open_store(db_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.dispose()
    with pytest.raises(StoreError, match="newer goodwill"):
        open_store(db_url)


def test_an_old_sqlite_database_is_backed_up_then_migrated(tmp_path: Path) -> None:
    revisions = known_revisions()
    assert len(revisions) >= 2, "needs at least two migrations"
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revisions[0])
        conn.execute(
            text(
                "INSERT INTO person (display_name, circle, is_me, created_at, updated_at) "
                "VALUES ('Old Friend', 'close', 0, '2020-01-01', '2020-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO interaction (occurred_at, kind, planned, created_at) "
                "VALUES ('2020-02-03 10:00:00.000000', 'coffee', 0, '2020-02-03')"
            )
        )
        conn.execute(text("INSERT INTO participant (interaction_id, person_id) VALUES (1, 1)"))
    engine.dispose()
    store = open_store(str(path))
    with store.session() as s:
        assert s.scalar(select(Person.display_name)) == "Old Friend"
        assert strength.last_contacts(s) == {1: dt.datetime(2020, 2, 3, 10, 0)}
    store.dispose()
    backups = list(tmp_path.glob(f"old.db.bak-{revisions[0]}-*"))
    assert len(backups) == 1
    con = sqlite3.connect(backups[0])
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == revisions[0]
    assert con.execute("SELECT display_name FROM person").fetchone()[0] == "Old Friend"
    con.close()


def test_a_failed_command_writes_nothing(store: Store) -> None:
    with pytest.raises(Exception, match="invalid email"), store.session() as s:
        people.add(s, "Ann Lee", emails=["ann@example.com"])
        people.add(s, "Bob Ray", emails=["not-an-email"])
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 0


def test_cli_reports_a_bad_database_without_traceback(tmp_path: Path) -> None:
    bogus = tmp_path / "photo.jpg"
    bogus.write_bytes(b"\xff\xd8\xff\xe0" + bytes(200))
    proc = subprocess.run(
        [sys.executable, "-m", "goodwill", "--db", str(bogus), "person", "list"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert proc.returncode == 1
    assert (
        proc.stderr.strip()
        == f"error: {bogus} is not a goodwill database (it is not an SQLite file)"
    )
    assert "Traceback" not in proc.stderr


def test_the_people_lists_page_and_count_are_read_from_the_active_name_index(
    tmp_path: Path,
) -> None:
    """Migrations 0006 and 0007: on SQLite (no statistics), the list's page is read in name
    order from ix_person_active_name, not sorted from everyone on each request, and counted
    from it (it holds the active people only: not removed, not you)."""
    from sqlalchemy import event

    store = open_store(str(tmp_path / "g.db"))
    with store.session() as s:
        for i in range(30):
            people.add(s, f"Person {i:02d}")
        people.remove(s, people.resolve(s, "Person 03"))
    sent: list[tuple[str, object]] = []

    def keep(_conn: object, _cur: object, statement: str, params: object, *_: object) -> None:
        sent.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", keep)
    with store.session() as s:
        rows = people_list.summaries(s, limit=10, offset=5)
        total = people_list.count(s)
    event.remove(store.engine, "before_cursor_execute", keep)
    assert [r.name for r in rows] == [f"Person {i:02d}" for i in range(6, 16)]
    assert total == 29

    def plan_of(marker: str) -> str:
        statement, params = next((q, p) for q, p in sent if marker in q)
        with store.engine.connect() as conn:
            return " ".join(
                str(row[-1])
                for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)  # type: ignore[arg-type]
            )

    page, count = plan_of("ORDER BY lower("), plan_of("count(*) AS count_1 \nFROM person")
    store.dispose()
    assert "ix_person_active_name" in page and "TEMP B-TREE" not in page, page
    assert "INDEX ix_person_active_name" in count, count
