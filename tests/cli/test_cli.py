"""The command-line contract: help everywhere, formats, exit codes, one-sentence errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from goodwill.cli import app
from tests.helpers import Result

SRC = Path(__file__).resolve().parents[2] / "src"


def _commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    # typer vendors its own click: walk the command tree by shape, not by class.
    yield " ".join(path) or "goodwill", group
    for name, cmd in getattr(group, "commands", {}).items():
        yield from _commands(cmd, (*path, name))


def test_every_command_and_option_has_help() -> None:
    root = typer.main.get_command(app)
    missing = []
    for name, cmd in _commands(root):
        if not (cmd.help or "").strip():
            missing.append(name)
        for param in cmd.params:
            if not (getattr(param, "help", None) or "").strip():
                missing.append(f"{name} {param.opts[0]}")
    assert missing == []


def test_the_contract_commands_exist() -> None:
    root = typer.main.get_command(app)
    names = {name for name, _ in _commands(root)}
    for cmd in (
        "person add",
        "person list",
        "person show",
        "person edit",
        "person remove",
        "person merge",
        "org add",
        "org list",
        "org show",
        "log",
        "search",
        "demo",
    ):
        assert cmd in names


def _add_two(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Dana Kim", "-e", "dana@example.com", "--org", "Acme").code == 0
    assert cli("person", "add", "Omar Haddad", "--circle", "close").code == 0


def test_read_commands_speak_three_formats(cli: Callable[..., Result]) -> None:
    _add_two(cli)
    rows = json.loads(cli("person", "list", "--format", "json").out)
    assert [r["name"] for r in rows] == ["Dana Kim", "Omar Haddad"]
    table = cli("person", "list").out
    assert "Dana Kim" in table and "Omar Haddad" in table
    parsed = list(csv.DictReader(io.StringIO(cli("person", "list", "--format", "csv").out)))
    assert [r["name"] for r in parsed] == ["Dana Kim", "Omar Haddad"]
    assert parsed[0]["emails"] == "dana@example.com"
    orgs = json.loads(cli("org", "list", "--format", "json").out)
    assert [(o["name"], o["people"]) for o in orgs] == [("Acme", 1)]
    shown = json.loads(cli("org", "show", "acme", "--format", "json").out)
    assert [p["name"] for p in shown["current"]] == ["Dana Kim"]


def test_unknown_person_is_exit_1_with_suggestions(cli: Callable[..., Result]) -> None:
    _add_two(cli)
    r = cli("person", "show", "Dana Kym")
    assert r.code == 1
    assert r.err == "error: no person matches 'Dana Kym'; did you mean Dana Kim?\n"
    assert r.out == ""


def test_bad_values_write_nothing(cli: Callable[..., Result]) -> None:
    _add_two(cli)
    for args, field in (
        (("person", "add", "Ann Lee", "-e", "ann@example.com", "-e", "ann@"), "email"),
        (("person", "add", "Ann Lee", "-p", "12"), "phone"),
        (("log", "Dana Kim", "--kind", "coffee", "--date", "last tuesdayish"), "date"),
        (("log", "Dana Kim", "--kind", "brunch"), "kind"),
        (("log", "Dana Kim", "--kind", "call", "--gave", "cash"), "exchange kind"),
    ):
        r = cli(*args)
        assert r.code == 1, args
        assert r.err.startswith(f"error: invalid {field} "), r.err
        assert "Traceback" not in r.err
    rows = json.loads(cli("person", "list", "--format", "json").out)
    assert [r["name"] for r in rows] == ["Dana Kim", "Omar Haddad"]
    assert (
        json.loads(cli("person", "show", "Dana Kim", "--format", "json").out)["interactions_count"]
        == 0
    )


def test_usage_errors_exit_2(cli: Callable[..., Result]) -> None:
    r = cli("person", "list", "--format", "yaml")
    assert r.code == 2
    r = cli("log", "Dana")
    assert r.code == 2 and "--kind" in r.err


def test_edit_remove_merge_through_the_cli(cli: Callable[..., Result]) -> None:
    _add_two(cli)
    assert cli("person", "add", "D. Kim", "-e", "dk@home.org").code == 0
    assert cli("person", "edit", "Dana Kim", "--title", "CTO", "--tag", "mentor").code == 0
    assert cli("person", "merge", "dana@example.com", "dk@home.org").code == 0
    shown = json.loads(cli("person", "show", "Dana Kim", "--format", "json").out)
    assert shown["emails"] == ["dana@example.com", "dk@home.org"]
    assert shown["title"] == "CTO" and shown["tags"] == ["mentor"]
    assert cli("person", "remove", "Omar").code == 0
    r = cli("log", "Omar Haddad", "--kind", "call")
    assert r.code == 1 and "no person matches 'Omar Haddad'" in r.err


def test_search_finds_people_orgs_and_summaries(cli: Callable[..., Result]) -> None:
    _add_two(cli)
    cli("log", "Omar", "--kind", "coffee", "--summary", "talked about kubernetes migrations")
    hits = json.loads(cli("search", "kube", "--format", "json").out)
    assert [(h["kind"], h["title"]) for h in hits] == [("interaction", "coffee")]
    hits = json.loads(cli("search", "acme", "--format", "json").out)
    assert {h["kind"] for h in hits} == {"person", "org"}
    assert cli("search", "nothing-like-this").out.startswith("nothing matches")


def test_demo_is_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers import run_cli

    outs = []
    for name in ("a.db", "b.db"):
        monkeypatch.setenv("GOODWILL_DB", str(tmp_path / name))
        assert run_cli("demo", "--people", "40", "--seed", "3", "--today", "2026-06-01").code == 0
        outs.append(run_cli("person", "list", "--format", "json").out)
    assert outs[0] == outs[1]
    assert len(json.loads(outs[0])) == 40  # referrals of its job search included


def _run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "goodwill", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_a_real_process_starts_and_fails_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    proc = _run("--help", db=db)
    assert proc.returncode == 0 and "person" in proc.stdout
    proc = _run("person", "show", "nobody", db=db)
    assert proc.returncode == 1
    assert proc.stderr == "error: no person matches 'nobody'\n"


def test_demo_keeps_invented_people_out_of_yours(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Dana Kim").code == 0
    r = cli("demo", "--people", "20")
    assert r.code == 1
    assert r.err.startswith("error: this database already holds 1 person of yours")
    assert len(json.loads(cli("person", "list", "--format", "json").out)) == 1
    assert cli("demo", "--people", "20", "--append").code == 0
    assert len(json.loads(cli("person", "list", "--format", "json").out)) > 20


def test_demo_twice_changes_nothing(cli: Callable[..., Result]) -> None:
    assert cli("demo", "--people", "20").code == 0
    r = cli("demo", "--people", "20")
    assert r.code == 0 and "already here" in r.err
    before = cli("person", "list", "--format", "json").out
    assert cli("demo", "--people", "20").code == 0
    assert cli("person", "list", "--format", "json").out == before
