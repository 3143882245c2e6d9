"""Text from other people made harmless where it lands: a terminal, a spreadsheet.

- Control characters (C0 but tab and newline, DEL, C1) are stripped from what an import
  reads: an escape sequence in a contact's name must never reach a terminal, and a NUL
  byte never the database.
- CSV cells that a spreadsheet would run as a formula (OWASP's rule: a cell that begins
  with = + - @, tab or carriage return) get a leading apostrophe; plain numbers such as
  -0.25 are left alone (they cannot be formulas). `--raw` opts out.
"""

from __future__ import annotations

import re

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def strip_controls(text: str) -> str:
    """`text` without control characters, tab and newline kept."""
    return _CONTROLS.sub("", text)


def has_controls(text: str) -> bool:
    """Whether `strip_controls` would change `text`."""
    return _CONTROLS.search(text) is not None


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text
