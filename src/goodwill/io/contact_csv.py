"""Contact CSV rows -> PersonRecords, driven by a column map (Google, Outlook, Thunderbird).

Each layout is a dict from a field to the header names (in any of the languages the
exporting program speaks) that hold it; numbered columns ("E-mail 2 Address",
"Phone 3 - Value") are found by pattern. One function turns a row into a record.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from goodwill.errors import ImportFailed
from goodwill.io import files, tables
from goodwill.io.records import ImportOptions, ParseIssue, ParseResult, PersonRecord


@dataclass
class Layout:
    name: str
    fields: dict[str, tuple[str, ...]]
    email_columns: tuple[str, ...] = ()  # regexes of email value columns (lower-case)
    phone_columns: tuple[str, ...] = ()
    url_columns: tuple[str, ...] = ()
    label_of: dict[str, str] = field(default_factory=dict)  # value column -> its label column
    list_separator: str | None = None  # Google writes several values as "a ::: b"

    def columns(self, header: Iterable[str], patterns: tuple[str, ...]) -> list[str]:
        return [h for h in header if any(re.fullmatch(p, h) for p in patterns)]


def _split(value: str, sep: str | None) -> list[str]:
    if not value:
        return []
    parts = value.split(sep) if sep else [value]
    return [p.strip() for p in parts if p.strip()]


def _label(header: str, row: tables.Row, layout: Layout) -> str | None:
    label_col = layout.label_of.get(header)
    if label_col is None:
        m = re.match(r"^(e-mail|phone|website) (\d+) - value$", header)
        if m:
            for suffix in ("type", "label"):
                col = f"{m.group(1)} {m.group(2)} - {suffix}"
                if col in row.values:
                    label_col = col
                    break
    if label_col is None:
        m = re.match(r"^(business|home|mobile|other|work|primary|car|pager|assistant's)\b", header)
        return m.group(1) if m else None
    label = row.values.get(label_col, "").lstrip("* ").strip().lower()
    return label or None


def to_record(
    row: tables.Row, header: list[str], layout: Layout, source: str
) -> PersonRecord | None:
    low = [h.lower() for h in header]

    def get(key: str) -> str:
        return row.get(*layout.fields.get(key, ()))

    sep = layout.list_separator
    emails = [
        (e, _label(col, row, layout))
        for col in layout.columns(low, layout.email_columns)
        for e in _split(row.values.get(col, ""), sep)
    ]
    phones = [
        (p, _label(col, row, layout))
        for col in layout.columns(low, layout.phone_columns)
        for p in _split(row.values.get(col, ""), sep)
    ]
    links = []
    for col in layout.columns(low, layout.url_columns):
        for url in _split(row.values.get(col, ""), sep):
            links.append(("linkedin" if "linkedin.com/" in url.lower() else "web", url))
    groups = get("tags")
    tags = [
        g.strip()
        for g in (groups.split(sep) if sep else groups.split(";"))
        if g.strip() and not g.strip().startswith("*")
    ]
    given, family = get("given"), get("family")
    name = get("name") or " ".join(
        x for x in (get("prefix"), given, get("middle"), family, get("suffix")) if x
    )
    birthday = tables.parse_date(get("birthday"))
    if birthday is None and get("birth_year") and get("birth_month") and get("birth_day"):
        birthday = tables.parse_date(
            f"{get('birth_year')}-{int(get('birth_month')):02d}-{int(get('birth_day')):02d}"
        )
    city = ", ".join(x for x in (get("city"), get("region"), get("country")) if x)
    if not (name or emails or phones or get("org")):
        return None
    # Identity of a row without an id column: who it names and how to reach them.
    basis = "|".join(
        [name, *(e for e, _ in emails), *(p for p, _ in phones), *(u for _, u in links), get("org")]
    )
    return PersonRecord(
        source=source,
        source_key="sha1:" + hashlib.sha1(basis.lower().encode()).hexdigest(),
        line=row.line,
        name=name or None,
        given_name=given or None,
        middle_name=get("middle") or None,
        family_name=family or None,
        prefix=get("prefix") or None,
        suffix=get("suffix") or None,
        nickname=get("nickname") or None,
        emails=emails,
        phones=phones,
        links=links,
        org=get("org") or None,
        title=get("title") or None,
        location=city or None,
        birthday=birthday,
        tags=tags,
        notes=get("notes") or None,
        raw=",".join(row.values.get(h, "") for h in low if h),
    )


def parse_rows(
    name: str, header: list[str], rows: Iterable[tables.Row], layout: Layout, source: str
) -> ParseResult:
    result = ParseResult()
    for row in rows:
        if "__error__" in row.values:
            result.issues.append(
                ParseIssue(name, row.line, f"unreadable row: {row.values['__error__']}")
            )
            continue
        try:
            record = to_record(row, header, layout, source)
        except Exception as exc:  # one bad row must not stop the others
            result.issues.append(ParseIssue(name, row.line, f"unreadable row: {exc}"))
            continue
        if record is None:
            result.issues.append(
                ParseIssue(
                    name, row.line, "row names nobody (no name, email, phone or company): skipped"
                )
            )
            continue
        result.people.append(record)
    return result


def parse_file(
    path: Path,
    options: ImportOptions,
    *,
    what: str,
    is_header: Callable[[list[str]], bool],
    missing: str,
    layout: Layout,
    source: str,
) -> ParseResult:
    """Read a contacts CSV whose header is found by `is_header` (not at a fixed line) and
    parse its rows; a file without such a header is not of this format (`missing` says why)."""
    text, _ = files.read_text(path, options.limit(), what)
    found = tables.read(text, is_header)
    if found is None:
        raise ImportFailed(f"{path} is not {what}: {missing}")
    header, rows = found
    return parse_rows(str(path), header, rows, layout, source)
