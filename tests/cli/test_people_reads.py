"""The command line's lean reads: `goodwill --help` imports no SQLAlchemy, numpy or
pydantic; `person list --format json` and `search` on a SQLite file read through the
DB-API and write exactly what the domain functions and their schemas write."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from goodwill import launch
from goodwill.cli.output import OutputFormat, emit
from goodwill.demo import fill as demo
from goodwill.records import people
from goodwill.schemas.people import PersonSummary, SearchHit
from goodwill.store import search as search_mod
from goodwill.store.db import Store, open_store
from goodwill.views import people_list, people_reads
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]  # the checkout: its src/ is what runs
HEAVY = ("sqlalchemy", "numpy", "pydantic", "pydantic_core")
QUERIES = ["kim", "acme", "coffee", "résumé", "engineer lon", "a", "zzzz", "", "Kim's"]


def imported(*args: str) -> set[str]:
    """The top-level packages a whole `goodwill ARGS` process imports (-X importtime)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "goodwill", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        line.split("|")[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with a demo network, you, someone removed and some odd text."""
    path = tmp_path_factory.mktemp("reads") / "goodwill.db"
    store = open_store(str(path))
    with store.session() as s:
        demo.generate(s, people=150, seed=5, today=dt.date(2026, 11, 1))
        people.set_me(s, name="Me Myself", add_emails=["me@example.com"])
        gone = people.add(s, "Gone Person", emails=["gone@example.com"])
        people.remove(s, gone)
        odd = people.add(s, 'Zoë "Quote" Ångström\\', emails=["zoe@example.com"], tags=["Ünï", "a"])
        people.set_role(s, odd, "Old Co", "Intern", current=False)
        people.set_role(s, odd, "New Co", None, current=True)
    store.dispose()
    return path


def domain_summaries(path: Path, limit: int | None = None) -> str:
    store = open_store(str(path))
    with store.session() as s:
        rows = people_list.summaries(s, limit=limit)
    store.dispose()
    return TypeAdapter(list[PersonSummary]).dump_json(rows, indent=2).decode()


def test_help_imports_no_sqlalchemy_numpy_or_pydantic() -> None:
    # (`goodwill person --help` runs the root callback, and Typer 0.29 checks every
    # parameter it coerces with pydantic: that one is Typer's, not ours.)
    assert not imported("--help") & set(HEAVY)
    assert not imported("--version") & set(HEAVY)


def test_lean_reads_import_neither_the_store_nor_the_command_line(filled: Path) -> None:
    for args in (
        ("--db", str(filled), "person", "list", "--format", "json"),
        ("--db", str(filled), "search", "kim", "--format", "json"),
    ):
        assert not imported(*args) & {*HEAVY, "typer", "rich"}, args
    for args in (  # tables: Rich draws them
        ("--db", str(filled), "person", "list"),
        ("--db", str(filled), "search", "kim", "--format", "table"),
    ):
        assert not imported(*args) & {*HEAVY, "typer"}, args


def test_person_list_is_what_the_domain_writes(filled: Path) -> None:
    lean = people_reads.summaries(str(filled))
    assert lean is not None and len(lean) == 151  # 150 demo people and Zoë; not me, not Gone
    assert people_reads.dumps(lean) == domain_summaries(filled)
    assert people_reads.dumps(people_reads.summaries(str(filled), limit=7)) == domain_summaries(
        filled, limit=7
    )
    zoe = next(r for r in lean if r["name"].startswith("Zoë"))
    assert (zoe["organization"], zoe["title"], zoe["tags"]) == ("New Co", None, ["a", "ünï"])


def test_search_is_what_the_domain_writes(filled: Path) -> None:
    store = open_store(str(filled))
    adapter = TypeAdapter(list[SearchHit])
    with store.session() as s:
        for query in QUERIES:
            for kinds in (None, ["person"], ["org", "interaction"], ["interaction"]):
                for limit in (20, 3):
                    hits = search_mod.search(s, query, kinds=kinds, limit=limit)
                    lean = people_reads.search(str(filled), query, kinds=kinds, limit=limit)
                    assert lean is not None
                    assert people_reads.dumps(lean) == adapter.dump_json(hits, indent=2).decode()
    store.dispose()


def test_a_relative_path_is_read_lean_too(filled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(filled.parent)
    lean = people_reads.summaries(filled.name)
    assert lean is not None and people_reads.dumps(lean) == domain_summaries(filled)


def test_the_command_line_writes_the_same_through_either_path(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ["person", "list", "--format", "json"],
        ["person", "list", "-f", "JSON", "--limit", "5"],
        ["search", "kim", "--format=json", "--kind", "person", "--limit", "4"],
        ["search", "coffee", "--kind", "org", "--kind", "interaction", "-f", "json"],
    ):
        argv = ["--db", str(filled), *args]
        assert launch.parse(argv) is not None, args
        launch.main(argv)
        fast = capsys.readouterr().out
        full = run_cli(*argv)  # the Typer command line (its own lean read inside)
        assert full.code == 0 and fast == full.out, args
    assert json.loads(fast)  # type: ignore[possibly-undefined]


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["person", "list", "--format", "csv"],
        ["search", "kim", "-f", "csv"],
        ["person", "list", "--format", "json", "--tag", "x"],
        ["person", "list", "--format", "json", "--limit", "0"],
        ["person", "list", "--format", "json", "--help"],
        ["search", "--format", "json"],
        ["search", "a", "b", "--format", "json"],
        ["search", "a", "--format", "json", "--limit", "501"],
        ["search", "a", "--format", "json", "--kind", "people"],
        ["--db"],
        ["person", "edit", "1", "--format", "json"],
    ],
)
def test_anything_else_goes_to_the_full_command_line(args: list[str]) -> None:
    assert launch.parse(args) is None


def test_tables_are_what_the_domain_prints(
    filled: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    store = open_store(str(filled))
    with store.session() as s:
        rows = people_list.summaries(s)
        found = {q: search_mod.search(s, q, kinds=["person"], limit=5) for q in ("kim", "zzzz")}
    store.dispose()
    emit(rows, OutputFormat.table, people_reads.LIST_COLUMNS, empty=people_reads.LIST_EMPTY)
    expected = capsys.readouterr().out
    assert launch.parse(["--db", str(filled), "person", "list"]) is not None
    launch.main(["--db", str(filled), "person", "list"])
    assert capsys.readouterr().out == expected and "Zoë" in expected
    for query, hits in found.items():
        empty = people_reads.search_empty(query)
        emit(hits, OutputFormat.table, people_reads.SEARCH_COLUMNS, empty=empty)
        expected = capsys.readouterr().out
        launch.main(["--db", str(filled), "search", query, "--kind", "person", "--limit", "5"])
        assert capsys.readouterr().out == expected, query
    assert expected == "nothing matches 'zzzz'\n"


def test_a_bad_kind_is_still_one_clear_sentence(filled: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "goodwill", "--db", str(filled), "search", "x", "--kind", "bob"],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error:") and "kind" in done.stderr


def test_a_database_it_cannot_read_as_it_is_goes_the_usual_way(
    tmp_path: Path, filled: Path
) -> None:
    missing = tmp_path / "new.db"
    assert people_reads.summaries(str(missing)) is None
    assert not missing.exists()  # the lean path never creates or writes a file
    old = tmp_path / "old.db"
    old.write_bytes(filled.read_bytes())
    with sqlite3.connect(old) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    assert people_reads.summaries(str(old)) is None  # to migrate: the store does it
    assert people_reads.search(str(old), "kim") is None
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    assert people_reads.summaries(str(text)) is None
    assert people_reads.summaries("postgresql://nobody@127.0.0.1:1/none") is None
    assert people_reads.summaries(f"sqlite:///{filled}") is None  # URLs: SQLAlchemy reads them
    assert people_reads.summaries("sqlite:///relative.db") is None


def test_on_any_database_the_command_answers(store: Store) -> None:
    # PostgreSQL and SQLite alike: the lean path steps aside where it cannot answer.
    with store.session() as s:
        people.add(s, "Dana Kim", emails=["dana@example.com"], org="Acme")
    os.environ["GOODWILL_DB"] = store.url.replace("postgresql+psycopg://", "postgresql://")
    try:
        out = run_cli("person", "list", "--format", "json")
        found = run_cli("search", "dana", "--format", "json")
    finally:
        del os.environ["GOODWILL_DB"]
    assert out.code == 0 and [p["name"] for p in json.loads(out.out)] == ["Dana Kim"]
    assert found.code == 0 and [h["title"] for h in json.loads(found.out)] == ["Dana Kim"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_dumps_writes_what_json_dumps_writes(value: Any) -> None:
    assert people_reads.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["id", "name", "emails", "title"]),
            st.none() | st.integers() | st.text() | st.lists(st.text(), max_size=3),
        ),
        max_size=5,
    )
)
def test_dumps_writes_rows_as_json_dumps_does(rows: list[dict[str, Any]]) -> None:
    assert people_reads.dumps(rows) == json.dumps(rows, indent=2, ensure_ascii=False)
