"""The `goodwill` entry point: the read commands people run dozens of times a day from
scripts and editors answer before the command line is even built.

`goodwill person list` and `goodwill search TEXT` (table or JSON) on a SQLite file are
read here, through people_reads (the standard library only), and written as the
same JSON the full command line writes; `goodwill person show PERSON` (table or JSON)
through person_reads, its table drawn by the one renderer both paths share; so is
`goodwill sync contacts DIR --format json` when nothing changed on either side
(sync/quick), and `goodwill sync mail URL` when the folder has nothing new
(sync/quick_mail). Building the command tree costs Typer, and running any command through
it costs pydantic (Typer checks every parameter with it): together several times the read
itself. Anything this does not recognise exactly (another command, another format,
--help, a value out of range, a database it cannot read as it is, a name that is not
exactly one person) goes to the full command line, which answers as it always has.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

_KINDS = ("person", "org", "interaction")
_FORMATS = ("json", "table")  # CSV: the full command line


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        if _lean(args):
            return
    except BrokenPipeError:
        sys.exit(0)
    from goodwill.cli import main as full

    full(argv)


def parse(args: Sequence[str]) -> tuple[str | None, str, dict[str, Any]] | None:
    """(--db, command, its options) for a lean read, or None for the full command line."""
    if os.environ.get("GOODWILL_USER"):
        return None  # a team member's reads go through the team's policy (the full path)
    words = list(args)
    db = None
    if words and (words[0] == "--db" or words[0].startswith("--db=")):
        if words[0] == "--db":
            if len(words) < 2:
                return None
            db, words = words[1], words[2:]
        else:
            db, words = words[0].split("=", 1)[1], words[1:]
    if words[:2] == ["person", "list"]:
        options = _options(words[2:], {"--limit": "limit"}, positional=0)
        if options is None or options.get("format", "table") not in _FORMATS:
            return None
        limit = _number(options.get("limit"), 1, None)
        if limit is False:
            return None
        return db, "person list", {"limit": limit, "format": options.get("format", "table")}
    if words[:2] == ["sync", "contacts"]:
        # Only the plain run (no --dry-run, --circle or --tag): sync/quick answers it when
        # nothing changed on either side.
        options = _options(words[2:], {}, positional=1)
        if options is None or options.get("format") != "json":
            return None
        return db, "sync contacts", {"folder": options["args"][0]}
    if words[:2] == ["sync", "mail"]:  # sync/quick_mail reads its own options
        return db, "sync mail", {"words": words[2:]}
    if words[:2] == ["person", "show"]:
        # PERSON is every word left (words without quotes are one name), as Typer reads it.
        options = _options(words[2:], {}, positional=-1)
        if options is None or not options["args"]:
            return None
        fmt = options.get("format", "table")
        if fmt not in _FORMATS:
            return None
        return db, "person show", {"person": " ".join(options["args"]), "format": fmt}
    if words[:1] == ["search"]:
        options = _options(words[1:], {"--limit": "limit", "--kind": "kind"}, positional=1)
        if options is None or options.get("format", "table") not in _FORMATS:
            return None
        limit = _number(options.get("limit"), 1, 500)
        kinds = options.get("kind", [])
        if limit is False or any(k not in _KINDS for k in kinds):
            return None
        return (
            db,
            "search",
            {
                "text": options["args"][0],
                "kinds": kinds,
                "limit": limit or 20,
                "format": options.get("format", "table"),
            },
        )
    return None


def _options(words: list[str], names: dict[str, str], *, positional: int) -> dict[str, Any] | None:
    """--format/-f and the named options (--kind repeatable), `positional` arguments (any
    number when negative)."""
    out: dict[str, Any] = {"args": []}
    i = 0
    while i < len(words):
        word = words[i]
        name, value = (word, None)
        if word.startswith("--") and "=" in word:
            name, value = word.split("=", 1)
        if name in ("--format", "-f") or name in names:
            if value is None:
                if i + 1 >= len(words):
                    return None
                value = words[i + 1]
                i += 1
            if name in ("--format", "-f"):
                out["format"] = value.lower()
            elif names[name] == "kind":
                out.setdefault("kind", []).append(value)
            else:
                out[names[name]] = value
        elif word.startswith("-") and word != "-":
            return None  # --help and anything else: the full command line
        else:
            out["args"].append(word)
        i += 1
    if positional >= 0 and len(out["args"]) != positional:
        return None
    return out


def _number(value: str | None, low: int, high: int | None) -> int | bool | None:
    """The option's number, None when not given, False when the full command line should
    say what is wrong with it."""
    if value is None:
        return None
    try:
        n = int(value)
    except ValueError:
        return False
    return n if n >= low and (high is None or n <= high) else False


def _lean(args: Sequence[str]) -> bool:
    request = parse(args)
    if request is None:
        return False
    db, command, options = request
    if command == "sync mail":
        from goodwill.sync import quick_mail

        return quick_mail.run(db, options["words"])
    if command == "sync contacts":
        import json
        from pathlib import Path

        from goodwill.sync import quick

        found = quick.unchanged_contacts(db, Path(options["folder"]))
        if found is None:
            return False
        sys.stdout.write(json.dumps(quick.report(found), indent=2, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return True
    if command == "person show":
        return _show(db, options["person"], options["format"])
    from goodwill.views import people_reads

    if command == "person list":
        rows = people_reads.summaries(db, limit=options["limit"])
    else:
        rows = people_reads.search(
            db, options["text"], kinds=options["kinds"] or None, limit=options["limit"]
        )
    if rows is None:
        return False
    if options["format"] == "table":
        if command == "person list":
            people_reads.table(rows, people_reads.LIST_COLUMNS, empty=people_reads.LIST_EMPTY)
        else:
            empty = people_reads.search_empty(options["text"])
            people_reads.table(rows, people_reads.SEARCH_COLUMNS, empty=empty)
    else:
        # As cli.output.print_json writes it.
        sys.stdout.write(people_reads.dumps(rows) + "\n")
    sys.stdout.flush()
    return True


def _show(db: str | None, person: str, fmt: str) -> bool:
    from goodwill.views import person_reads

    found = person_reads.detail(db, person)
    if found is None:
        return False
    if fmt == "json":
        import json

        # As cli.output.print_json writes it.
        sys.stdout.write(json.dumps(found, indent=2, ensure_ascii=False) + "\n")
    else:
        person_reads.render(found)
    sys.stdout.flush()
    return True
