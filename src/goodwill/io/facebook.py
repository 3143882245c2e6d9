"""Facebook "Download your information" friends JSON (friends.json / your_friends.json).

Facebook writes every non-ASCII character as the UTF-8 bytes of it, each escaped as a
latin-1 code point ("JosÃ©" for "José"); `repair` undoes that. Friendship timestamps
(Unix seconds) become the date you met.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from goodwill.errors import ImportFailed
from goodwill.io import files
from goodwill.io.records import ImportOptions, ParseIssue, ParseResult, PersonRecord

SOURCE = "facebook"
_LISTS = ("friends_v2", "friends", "received_requests_v2", "sent_requests_v2")


def repair(text: str) -> str:
    """Undo Facebook's mojibake; text that is not mojibake comes back unchanged."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _entries(data: Any) -> list[Any] | None:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in _LISTS:
            if isinstance(data.get(key), list):
                return list(data[key])
    return None


def parse(path: Path, options: ImportOptions) -> ParseResult:
    text, _ = files.read_text(path, options.limit(), "a Facebook friends JSON file", legacy=None)
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ImportFailed(f"{path} is not a Facebook friends file: not valid JSON{where}") from exc
    entries = _entries(data)
    if entries is None:
        raise ImportFailed(f"{path} is not a Facebook friends file: no 'friends_v2' list in it")
    return parse_entries(entries, str(path), text)


def _line_finder(text: str, count: int) -> Any:
    """Line numbers of entries (JSON keeps none): the lines that open an object, when the
    export is pretty-printed one entry per object; otherwise unknown."""
    starts = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"(?m)^\s*\{", text)]
    if text.lstrip().startswith("{") and len(starts) == count + 1:
        starts = starts[1:]
    return (lambda n: starts[n]) if len(starts) == count else (lambda n: None)


def parse_entries(entries: list[Any], name: str, text: str = "") -> ParseResult:
    result = ParseResult()
    line_of = _line_finder(text, len(entries))
    for n, entry in enumerate(entries):
        line = line_of(n)
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("name"), str)
            or not entry["name"].strip()
        ):
            result.issues.append(ParseIssue(name, line, f"entry {n + 1} has no name: skipped"))
            continue
        person = repair(entry["name"]).strip()
        met_on = None
        stamp = entry.get("timestamp")
        if isinstance(stamp, int | float) and not isinstance(stamp, bool):
            try:
                met_on = dt.datetime.fromtimestamp(stamp, dt.UTC).date()
            except (OverflowError, OSError, ValueError):
                result.issues.append(
                    ParseIssue(name, line, f"timestamp {stamp!r} is not a date", False)
                )
        result.people.append(
            PersonRecord(
                source=SOURCE,
                source_key=f"{person}|{stamp}" if stamp is not None else person,
                line=line,
                name=person,
                met_on=met_on,
                how_met="Friends on Facebook",
                raw=json.dumps(entry, ensure_ascii=False, sort_keys=True),
            )
        )
    return result
