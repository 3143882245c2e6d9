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
from typing import Any

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


def cell(value: object) -> str:
    """A value as one cell of a table on a terminal: text without control characters,
    numbers with two decimals, lists joined with commas, nothing as an empty cell."""
    if isinstance(value, str):
        return strip_controls(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    return strip_controls(str(value))


def console() -> Any:
    """The Rich console every table is printed on: other people's text is never markup (a
    contact named 'X [/b]' broke every table); off a terminal (a pipe, a file) there is no
    width to respect, so lines do not wrap at 80."""
    import shutil
    import sys

    from rich.console import Console

    width = None if sys.stdout.isatty() else max(shutil.get_terminal_size().columns, 160)
    # Deliberate styling goes through cli.output.styled.
    return Console(highlight=False, soft_wrap=False, width=width, markup=False)
