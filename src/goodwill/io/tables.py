"""CSV tables as exported by contact programs: find the header, keep each row's line number."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class Row:
    line: int
    values: dict[str, str]  # header (stripped, lower-case) -> value (stripped)

    def get(self, *names: str) -> str:
        for name in names:
            value = self.values.get(name.lower())
            if value:
                return value
        return ""


def _dialect(text: str) -> str:
    sample = text[:4096]
    first = next((line for line in sample.splitlines() if line.strip()), "")
    if first.count(";") > first.count(",") and first.count(";") >= 2:
        return ";"
    if first.count("\t") > first.count(",") and first.count("\t") >= 2:
        return "\t"
    return ","


def read(
    text: str, is_header: Callable[[list[str]], bool], *, max_scan: int = 50
) -> tuple[list[str], Iterator[Row]] | None:
    """The header and the rows after it, or None when no line in the first `max_scan`
    records passes `is_header` (preamble lines such as LinkedIn's "Notes:" are skipped)."""
    delimiter = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    last_line = 0
    for _ in range(max_scan):
        try:
            cells = next(reader)
        except (StopIteration, csv.Error):
            return None
        last_line = reader.line_num
        header = [c.strip().lstrip("\ufeff").strip('"').strip() for c in cells]
        if is_header(header):
            return header, _rows(reader, header, last_line)
    return None


def _rows(reader: Iterator[list[str]], header: list[str], last_line: int) -> Iterator[Row]:
    names = [h.lower() for h in header]
    line = last_line
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Row(start, {"__error__": str(exc)})
            return
        line = reader.line_num  # type: ignore[attr-defined]
        if not any(c.strip() for c in cells):
            continue
        values = {n: c.strip() for n, c in zip(names, cells, strict=False) if n}
        if len(cells) > len(names):
            values["__extra__"] = ",".join(c for c in cells[len(names) :] if c.strip())
        yield Row(start, values)


_DATE_FORMATS = (
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%y",
    "%d-%b-%Y",
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%b %d, %Y",
    "%B %d, %Y",
)


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_PLACEHOLDER = re.compile(r"[0/.\-: ]+")
_DAY_MON_YEAR = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3})[A-Za-z]*[ -](\d{4})$")


@lru_cache(maxsize=4096)  # an export's dates repeat: a few thousand days over 30,000 rows
def parse_date(value: str) -> dt.date | None:
    """Dates as contact exports write them; None for empty or placeholder values (0/0/00)."""
    v = " ".join(value.split())
    if not v or _PLACEHOLDER.fullmatch(v):
        return None
    if (m := _DAY_MON_YEAR.match(v)) and m.group(2).lower() in _MONTHS:  # LinkedIn: 12 Mar 2024
        try:
            return dt.date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(v, fmt).date()
        except ValueError:
            continue
    return None


_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S UTC",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%y, %I:%M %p",
    "%m/%d/%Y, %I:%M %p",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y %H:%M",
)


def parse_datetime(value: str) -> dt.datetime | None:
    v = " ".join(value.split())
    if not v:
        return None
    for fmt in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(v, fmt)
        except ValueError:
            continue
    try:
        parsed = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        day = parse_date(v)
        return dt.datetime.combine(day, dt.time(12, 0)) if day else None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed
