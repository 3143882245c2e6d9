"""Readers never write (issue 21, migration 0016): a read-only SQLite file (chmod 0444, or
`?mode=ro`) and a PostgreSQL role allowed SELECT only answer `today`, `strength`,
`person show`, `person list` and the web pages, right after writes made elsewhere."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, select, text

from goodwill.demo import fill as demo
from goodwill.errors import StoreError
from goodwill.records import interactions
from goodwill.store.db import open_store, resolve_url
from goodwill.store.models import Person
from tests.helpers import PG_URL, pg_schema, run_cli
from tests.web.helpers import Web, make_app

COMMANDS = (("today",), ("strength",), ("person", "list"), ("balance",))
PAGES = ("/", "/people", "/network", "/needs", "/report", "/log", "/api/people")


def _fill(url: str) -> int:
    """A demo network and, last, a write of the kind that used to leave work for readers
    (history for someone): the id of that person."""
    store = open_store(url)
    try:
        with store.session() as s:
            demo.generate(s, people=60, seed=3, today=dt.date.today())
        with store.session() as s:
            who = s.scalars(select(Person).where(Person.is_me.is_(False)).limit(1)).one()
            interactions.log(s, [who], "call", when=dt.datetime.now() - dt.timedelta(hours=2))
            return who.id
    finally:
        store.dispose()


def _reads_answer(url: str, who: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOODWILL_DB", url)
    monkeypatch.setenv("COLUMNS", "200")
    for args in (*COMMANDS, ("person", "show", str(who))):
        result = run_cli(*args)
        assert result.code == 0, (args, result.err)
        assert "error" not in result.err.lower(), (args, result.err)
    store = open_store(url)
    web = Web(make_app(store))
    try:
        for page in (*PAGES, f"/people/{who}", f"/api/people/{who}"):
            r = web.get(page)
            assert r.status_code == 200, (page, r.status_code, r.text[:300])
    finally:
        web.close()
        store.dispose()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOODWILL_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.usefixtures("_cache")
@pytest.mark.parametrize("how", ["chmod", "uri"])
def test_a_read_only_sqlite_file_answers_every_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    path = tmp_path / "goodwill.db"
    who = _fill(str(path))
    before = _digest(path)
    if how == "chmod":
        path.chmod(0o444)
        url = str(path)
    else:
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    _reads_answer(url, who, monkeypatch)
    assert _digest(path) == before
    assert not (tmp_path / "file:").exists()
    if how == "chmod":
        assert path.stat().st_mode & 0o777 == 0o444  # left as its owner made it
    # A write says so in one sentence, and changes nothing.
    monkeypatch.setenv("GOODWILL_DB", url)
    result = run_cli("person", "add", "Zed Zee")
    assert result.code != 0
    assert "read-only" in result.err and "Traceback" not in result.err
    assert _digest(path) == before


def test_a_read_only_file_of_an_older_schema_is_refused_in_one_sentence(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    store = open_store(str(path))
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0015'"))
    store.dispose()
    path.chmod(0o444)
    with pytest.raises(StoreError, match="read-only and its schema"):
        open_store(str(path))


@pytest.fixture
def select_only() -> Iterator[tuple[str, str]]:
    """A filled schema (its URL) and the URL of a role allowed to SELECT from it, only."""
    if not PG_URL:
        pytest.skip("set GOODWILL_TEST_POSTGRES_URL to run the PostgreSQL variant")
    role = f"reader_{uuid.uuid4().hex[:10]}"
    with pg_schema(PG_URL) as url:
        schema = url.rsplit("%3D", 1)[1]
        admin = create_engine(resolve_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE ROLE {role} LOGIN"))
            conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {role}"))
        try:
            yield url, str(make_url(url).set(username=role))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP OWNED BY {role}"))
                conn.execute(text(f"DROP ROLE {role}"))
            admin.dispose()


@pytest.mark.postgres
@pytest.mark.usefixtures("_cache")
def test_a_select_only_postgresql_role_answers_every_read(
    select_only: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, reader = select_only
    who = _fill(url)
    owner = create_engine(resolve_url(url), isolation_level="AUTOCOMMIT")
    schema = url.rsplit("%3D", 1)[1]
    role = make_url(reader).username
    with owner.connect() as conn:
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}"))
        counts = conn.execute(text("SELECT count(*) FROM person_change")).scalar()
    _reads_answer(reader, who, monkeypatch)
    with owner.connect() as conn:  # nothing written by the readers
        assert conn.execute(text("SELECT count(*) FROM person_change")).scalar() == counts
    owner.dispose()


def test_no_reader_module_refreshes_the_summary() -> None:
    """The reader-side refresh is gone for good: nothing in the source calls it."""
    src = Path(__file__).resolve().parents[2] / "src" / "goodwill"
    for path in src.rglob("*.py"):
        text_ = path.read_text()
        assert "refresh_summary" not in text_, path
        assert "contact_dirty" not in text_ or "migrations" in path.parts, path
