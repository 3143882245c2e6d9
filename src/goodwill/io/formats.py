"""The registry of import formats: a format name -> the parser that reads it.

A parser takes a path and the ImportOptions and returns a ParseResult. It reads through
goodwill.io.files (size, binary and encoding checks), reports a bad record as a ParseIssue
with its line and goes on, and raises ImportFailed only when the file as a whole is not
of its format. It never writes anything: the matcher and the writer do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from goodwill.io import facebook, google_csv, ics, linkedin, mail, outlook_csv, vcard
from goodwill.io.records import ImportOptions, ParseResult

Parser = Callable[[Path, ImportOptions], ParseResult]

PARSERS: dict[str, Parser] = {
    "vcard": vcard.parse,
    "linkedin": linkedin.parse,
    "facebook": facebook.parse,
    "google": google_csv.parse,
    "outlook": outlook_csv.parse,
    "csv": google_csv.parse_any,
    "ics": ics.parse_ics,
    "mbox": mail.parse_mbox,
    "maildir": mail.parse_maildir,
}

# "json" is not a parser: a goodwill backup restores a whole database (see backup.py).
RESTORE = "json"


def names() -> list[str]:
    return sorted([*PARSERS, RESTORE])
