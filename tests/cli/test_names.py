"""Names typed as people type them: words without quotes are one name first."""

from __future__ import annotations

import json
from collections.abc import Callable

import typer.main
from hypothesis import given
from hypothesis import strategies as st

from goodwill.cli import app
from goodwill.records import names
from tests.cli.test_cli import _commands
from tests.helpers import Result


def test_a_cli_user_types_names_without_quotes(cli: Callable[..., Result]) -> None:
    for who in ("Priya Raman", "Sam Lee", "Sam Okafor"):
        assert cli("person", "add", who).code == 0
    assert cli("person", "add", "Noor Haddad", "--org", "Cobalt Climate").code == 0
    r = cli("log", "Sam", "Okafor", "--kind", "call")
    assert r.code == 0, r.err
    assert "logged call with Sam Okafor on" in r.err
    r = cli("log", "Priya", "Lee", "--kind", "call")
    assert r.code == 1
    assert r.err.startswith("error: no one is named 'Priya Lee', and its words name different")
    assert '"Priya Raman" "Sam Lee"' in r.err
    r = cli("log", "Priya Raman", "Sam Lee", "--kind", "coffee")  # quoted: two people
    assert r.code == 0 and "with Priya Raman, Sam Lee" in r.err, r.err
    r = cli("log", "Priya", "Raman", "Sam Okafor", "--kind", "email")
    assert r.code == 0 and "with Priya Raman, Sam Okafor" in r.err, r.err
    unknown = cli("log", "Nobody", "Here", "--kind", "call")
    assert unknown.code == 1 and unknown.err.startswith("error: no person matches 'Nobody Here'")
    assert cli("log", "Noor", "Haddad", "--kind", "coffee").code == 0
    r = cli("path", "--to", "Cobalt", "Climate", "--format", "json")
    assert r.code == 0, r.err
    assert [step["name"] for step in json.loads(r.out)[0]["steps"]] == ["Noor Haddad"]
    rows = json.loads(cli("person", "list", "--format", "json").out)
    assert len(rows) == 4
    shown = cli("person", "show", "Sam", "Okafor", "--format", "json")
    assert json.loads(shown.out)["name"] == "Sam Okafor"
    assert cli("person", "edit", "Sam", "Okafor", "--location", "Oslo").code == 0
    assert cli("balance", "Noor", "Haddad").code == 0
    assert cli("person", "remove", "Noor", "Haddad").code == 0


@given(st.lists(st.sampled_from(["Ann", "Lee", "#12", "7", "a@b.example", "Ann Lee", " "])))
def test_runs_keep_every_word_once_in_order(words: list[str]) -> None:
    grouped = names.runs(words)
    assert [w for run in grouped for w in run] == words
    for run in grouped:
        plain = [" " not in w.strip() and "@" not in w and not w.strip("# ").isdigit() for w in run]
        assert len(run) == 1 or all(plain)


def test_help_shows_plain_metavars() -> None:
    root = typer.main.get_command(app)
    ctx = root.make_context("goodwill", ["person"], resilient_parsing=True)
    shown = []
    for name, cmd in _commands(root):
        shown.append(cmd.get_help(ctx.__class__(cmd, info_name=name)))
    text = "\n".join(shown)
    assert "<str>" not in text and "<list[str]>" not in text and "<int>" not in text
    assert "EMAIL..." in text and "PERSON..." in text


def test_command_summaries_end_at_a_phrase(cli: Callable[..., Result]) -> None:
    listing = cli("--help").out
    lines = [line for line in listing.splitlines() if line.startswith("  ") and "  " in line[2:]]
    assert lines and not any(line.rstrip().endswith("...") for line in lines)
    assert "  done      Mark an action done: logs the interaction\n" in listing
