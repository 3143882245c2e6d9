"""The docs and the command line agree (the sqlite-utils habit).

Every command appears in the README or the guide, and every `goodwill ...` line in the
README and docs/*.md names a command that exists, with options that command takes: its
`--help` succeeds and each `--option` written is one of its own (or a global one).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from goodwill.cli import LOG_SUBCOMMANDS, app
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md"))
FRONT = [ROOT / "README.md", ROOT / "docs" / "guide.md"]
GLOBAL_OPTIONS = {"--db", "--user", "--version", "--help"}


def _tree() -> dict[tuple[str, ...], Any]:
    """Every command by its words: ("person", "add") -> the click command."""
    root = typer.main.get_command(app)
    out: dict[tuple[str, ...], Any] = {}

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        out[path] = cmd
        if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
            for name, sub in cmd.commands.items():
                if not sub.hidden:
                    walk(sub, (*path, name))

    walk(root, ())
    # `log edit ID` and `log remove ID` are sub-commands of `log` as typed.
    for word, name in LOG_SUBCOMMANDS.items():
        out[("log", word)] = root.commands[name]  # type: ignore[attr-defined]
    return out


TREE = _tree()
LEAVES = sorted(p for p, c in TREE.items() if p and not hasattr(c, "commands"))


def _doc_lines() -> list[tuple[str, int, str]]:
    """(file, line number, command line) for every `goodwill ...` in code in the docs."""
    found = []
    for path in [ROOT / "README.md", *DOCS]:
        in_block = False
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("```"):
                in_block = not in_block
                continue
            candidates = []
            if in_block:
                candidates.append(line.strip().removeprefix("$ "))
            candidates += re.findall(r"`(goodwill [^`]+)`", line)
            for text in candidates:
                text = text.split(" #")[0].split(" | ")[0].split(" && ")[0].strip()
                after = text.removeprefix("goodwill ").lstrip()
                if not re.match(r"(--)?[a-z]", after):  # a diagram or prose, not a command
                    continue
                if text.startswith("goodwill ") and "\\|" not in text and "..." not in text:
                    found.append((path.name, n, text))
    return found


def _command_of(words: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """The longest known command among the words, and the words after it."""
    args = list(words)
    # global options come first: --db X, --user X
    while args and args[0] in ("--db", "--user"):
        args = args[2:]
    path: tuple[str, ...] = ()
    while args and (*path, args[0]) in TREE:
        path = (*path, args.pop(0))
    default = getattr(TREE.get(path), "default_command", None)  # `meet PERSON` is `meet plan`
    if default and (*path, default) in TREE:
        path = (*path, default)
    return path, args


@pytest.mark.parametrize("path", LEAVES, ids=[" ".join(p) for p in LEAVES])
def test_every_command_is_in_the_readme_or_the_guide(path: tuple[str, ...]) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in FRONT)
    def has(line: str, word: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", line) is not None

    lines = [line for line in text.splitlines() if "goodwill" in line]
    assert any(all(has(line, word) for word in path) for line in lines), (
        f"'goodwill {' '.join(path)}' is in neither README.md nor docs/guide.md"
    )


@pytest.mark.parametrize("path", LEAVES, ids=[" ".join(p) for p in LEAVES])
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    command = TREE[path]
    assert (command.help or command.short_help or "").strip(), f"{' '.join(path)} has no help"
    result = run_cli(*path, "--help")
    assert result.code == 0, result.err


DOC_LINES = _doc_lines()


def test_the_docs_have_command_lines() -> None:
    assert len(DOC_LINES) > 50  # the scan below would pass vacuously on an empty list


@pytest.mark.parametrize("where, n, line", DOC_LINES, ids=[f"{w}:{n}" for w, n, _ in DOC_LINES])
def test_every_command_line_in_the_docs_parses(where: str, n: int, line: str) -> None:
    try:
        words = shlex.split(line)[1:]
    except ValueError:
        words = line.split()[1:]
    path, rest = _command_of(words)
    if not path and all(w.isupper() for w in rest):
        return  # the general form: goodwill --user NAME COMMAND
    assert path, f"{where}:{n}: '{line}' names no goodwill command"
    command = TREE[path]
    assert run_cli(*path, "--help").code == 0
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for word in rest:
        if word.startswith("--"):
            option = word.split("=")[0]
            assert option in known | GLOBAL_OPTIONS, (
                f"{where}:{n}: 'goodwill {' '.join(path)}' has no option {option}"
            )


def test_the_benchmarks_readme_stays_one_current_table() -> None:
    """History goes to benchmarks/results/HISTORY.md; the README opens with the table."""
    text = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    assert len(text.encode()) < 15_000
    assert text.index("## Current figures") < text.index("\n| ")
