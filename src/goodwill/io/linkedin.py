"""LinkedIn's data export: Connections.csv, messages.csv and Invitations.csv.

PATH is one of these files or the unzipped export folder (all three are read). The header
is looked for, not assumed at a fixed line: Connections.csv starts with "Notes:" lines whose
length LinkedIn changes, and files re-saved in a spreadsheet may lose them (or the header:
rows are then read in LinkedIn's column order when their third cell is a profile URL).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from goodwill import validate
from goodwill.errors import ImportFailed, InvalidInput
from goodwill.io import files, tables
from goodwill.io.records import (
    ImportOptions,
    InteractionRecord,
    ParseIssue,
    ParseResult,
    PersonRecord,
)
from goodwill.safe_text import has_controls

SOURCE = "linkedin"
CONNECTION_COLUMNS = [
    "First Name",
    "Last Name",
    "URL",
    "Email Address",
    "Company",
    "Position",
    "Connected On",
]
_FILES = ("Connections.csv", "messages.csv", "Invitations.csv")


@lru_cache(maxsize=65536)
def _profile(url: str) -> str | None:
    if not url.strip():
        return None
    try:
        return validate.linkedin_url(url)
    except InvalidInput:
        return None


def _split_family(last: str) -> tuple[str, str | None]:
    """'Park, CFA, FRM' -> ('Park', 'CFA, FRM'): credentials LinkedIn keeps in the last name."""
    if "," in last:
        family, _, rest = last.partition(",")
        return family.strip(), rest.strip() or None
    return last, None


def _kind(header: list[str]) -> str | None:
    low = {h.lower() for h in header}
    if {"first name", "last name"} <= low and ("url" in low or "profile url" in low):
        return "connections"
    if {"conversation id", "from", "date"} <= low:
        return "messages"
    if {"from", "to", "sent at", "direction"} <= low:
        return "invitations"
    return None


def _headerless(header: list[str]) -> bool:
    return len(header) >= 3 and _profile(header[2]) is not None and "linkedin.com" in header[2]


def parse(path: Path, options: ImportOptions) -> ParseResult:
    if path.is_dir():
        found = [path / n for n in _FILES if (path / n).is_file()]
        if not found:
            raise ImportFailed(
                f"{path} holds none of {', '.join(_FILES)}: is it a LinkedIn export?"
            )
        result = ParseResult()
        for file in found:
            part = parse_file(file, options)
            result.people += part.people
            result.interactions += part.interactions
            result.issues += part.issues
            result.items += part.items
            result.clean = part.clean if file == found[0] else result.clean and part.clean
            result.item = part.item if part.items else result.item
        return result
    return parse_file(path, options)


def parse_file(path: Path, options: ImportOptions) -> ParseResult:
    text, _ = files.read_text(path, options.limit(), "a LinkedIn CSV file")
    return parse_text(text, str(path), options)


def parse_text(text: str, name: str, options: ImportOptions) -> ParseResult:
    found = tables.read(text, lambda h: _kind(h) is not None or _headerless(h))
    if found is None:
        raise ImportFailed(
            f"{name} is not a LinkedIn export file: no header such as "
            f"'{','.join(CONNECTION_COLUMNS)}' in its first lines"
        )
    header, rows = found
    kind = _kind(header)
    if kind is None:  # a re-saved Connections.csv without its header: the first row is data
        result = _connections(name, CONNECTION_COLUMNS, rows, first=header)
    elif kind == "connections":
        result = _connections(name, header, rows)
    elif kind == "messages":
        result = _messages(name, rows, options)
    else:
        result = _invitations(name, rows, options)
    # Every text a row gives is a slice of the file's text: none has a control character
    # when the file has none.
    result.clean = not has_controls(text)
    return result


def _connections(
    name: str, header: list[str], rows: object, first: list[str] | None = None
) -> ParseResult:
    result = ParseResult()
    cols = [c.lower() for c in CONNECTION_COLUMNS]
    all_rows = list(rows)  # type: ignore[call-overload]
    if first is not None:
        all_rows.insert(0, tables.Row(1, dict(zip(cols, (c.strip() for c in first), strict=False))))
        if all_rows[1:] and all_rows[1].line == 1:
            all_rows[1].line = 2
    for row in all_rows:
        if "__error__" in row.values:
            result.issues.append(
                ParseIssue(name, row.line, f"unreadable row: {row.values['__error__']}")
            )
            continue
        try:
            record = _connection(row)
        except Exception as exc:  # a row we cannot read must not stop the others
            result.issues.append(ParseIssue(name, row.line, f"unreadable row: {exc}"))
            continue
        if record is None:
            result.issues.append(
                ParseIssue(name, row.line, "row has no name and no profile URL: skipped")
            )
            continue
        record.line = row.line
        result.people.append(record)
    return result


_RAW_COLUMNS = [c.lower() for c in CONNECTION_COLUMNS]


def _connection(row: tables.Row) -> PersonRecord | None:
    values = row.values  # read directly (the names are already lower-case): 30,000 rows
    first = values.get("first name", "")
    family, suffix = _split_family(values.get("last name", ""))
    url = _profile(values.get("url") or values.get("profile url", ""))
    name = f"{first} {family}" if first and family else first or family
    if not name and not url:
        return None
    email = values.get("email address") or values.get("email", "")
    connected = values.get("connected on", "")
    company = values.get("company", "")
    key = url or f"name:{name.lower()}|{company.lower()}"
    raw = [values.get(c, "") for c in _RAW_COLUMNS]
    return PersonRecord(
        source=SOURCE,
        source_key=key,
        name=name or None,
        given_name=first or None,
        family_name=family or None,
        suffix=suffix,
        emails=[(email, None)] if email else [],
        links=[("linkedin", url)] if url else [],
        org=company or None,
        title=values.get("position") or None,
        met_on=tables.parse_date(connected) if connected else None,
        how_met="Connected on LinkedIn",
        raw=",".join(raw),
        # Unless a value has a comma, or the URL or address came from another column.
        raw_is_whole=not any("," in v for v in raw)
        and (bool(values.get("url")) or "profile url" not in values)
        and (bool(values.get("email address")) or "email" not in values),
    )


def _is_me(options: ImportOptions, url: str | None, name: str, me_guess: str | None) -> bool:
    for me in options.me:
        m = me.strip().lower()
        if (url and _profile(me) == url) or (m and m == name.strip().lower()):
            return True
    return not options.me and url is not None and url == me_guess


def _person(source: str, url: str | None, name: str, line: int) -> PersonRecord | None:
    if not url and not name.strip():
        return None
    return PersonRecord(
        source=source,
        source_key=url or f"name:{name.strip().lower()}",
        line=line,
        name=name.strip() or None,
        links=[("linkedin", url)] if url else [],
    )


def _messages(name: str, rows: object, options: ImportOptions) -> ParseResult:
    result = ParseResult(item="message")
    parsed = []
    counts: Counter[str] = Counter()
    for row in rows:  # type: ignore[attr-defined]
        if "__error__" in row.values:
            result.issues.append(
                ParseIssue(name, row.line, f"unreadable row: {row.values['__error__']}")
            )
            continue
        sender_url = _profile(row.get("SENDER PROFILE URL"))
        recipients = [
            u for x in re.split(r"[,\s]+", row.get("RECIPIENT PROFILE URLS")) if (u := _profile(x))
        ]
        conversation = set(recipients) | ({sender_url} if sender_url else set())
        counts.update(conversation)
        parsed.append((row, sender_url, recipients))
    result.items = len(parsed)  # read, whether or not someone besides you is in them
    # Without --me, you are whoever is in every conversation (the owner of the export).
    guess = counts.most_common(1)[0][0] if counts else None
    if not options.me and parsed:
        result.issues.append(
            ParseIssue(
                name, None, f"no --me given: took {guess} (in every conversation) as you", False
            )
        )
    seen: dict[str, PersonRecord] = {}
    for row, sender_url, recipients in parsed:
        when = tables.parse_datetime(row.get("DATE"))
        if when is None:
            result.issues.append(
                ParseIssue(
                    name, row.line, f"message date {row.get('DATE')!r} is not a date: skipped"
                )
            )
            continue
        sender_name = row.get("FROM")
        names = [n.strip() for n in row.get("TO").split(",")] if row.get("TO") else []
        if len(names) != len(recipients):
            names = [""] * len(recipients)
        from_me = _is_me(options, sender_url, sender_name, guess)
        others = (
            list(zip(recipients, names, strict=True)) if from_me else [(sender_url, sender_name)]
        )
        keys = []
        for url, person_name in others:
            if url is not None and _is_me(options, url, person_name, guess):
                continue
            record = _person("linkedin_messages", url, person_name, row.line)
            if record is None:
                continue
            if record.source_key not in seen:
                seen[record.source_key] = record
                result.people.append(record)
            keys.append(record.source_key)
        if not keys:
            result.issues.append(ParseIssue(name, row.line, "message with nobody but you: skipped"))
            continue
        subject = row.get("SUBJECT") or row.get("CONVERSATION TITLE")
        result.interactions.append(
            InteractionRecord(
                source=SOURCE,
                source_key=(
                    f"linkedin:{row.get('CONVERSATION ID')}:{when.isoformat()}:"
                    f"{sender_url or sender_name}"
                ),
                occurred_at=when,
                kind="message",
                line=row.line,
                summary=f"LinkedIn: {subject}" if subject else "LinkedIn message",
                initiated_by="me" if from_me else "them",
                participants=keys,
            )
        )
    return result


def _invitations(name: str, rows: object, options: ImportOptions) -> ParseResult:
    result = ParseResult()
    for row in rows:  # type: ignore[attr-defined]
        if "__error__" in row.values:
            result.issues.append(
                ParseIssue(name, row.line, f"unreadable row: {row.values['__error__']}")
            )
            continue
        incoming = row.get("Direction").upper() != "OUTGOING"
        url = _profile(row.get("inviterProfileUrl") if incoming else row.get("inviteeProfileUrl"))
        other = row.get("From") if incoming else row.get("To")
        record = _person("linkedin_invitations", url, other, row.line)
        when = tables.parse_datetime(row.get("Sent At"))
        if record is None:
            result.issues.append(ParseIssue(name, row.line, "invitation names nobody: skipped"))
            continue
        result.people.append(record)
        if when is None:
            result.issues.append(
                ParseIssue(
                    name, row.line, f"invitation date {row.get('Sent At')!r} is not a date", False
                )
            )
            continue
        message = row.get("Message")
        result.interactions.append(
            InteractionRecord(
                source=SOURCE,
                source_key=f"linkedin-invitation:{record.source_key}:{when.isoformat()}",
                occurred_at=when,
                kind="message",
                line=row.line,
                summary="LinkedIn invitation" + (f": {message}" if message else ""),
                initiated_by="them" if incoming else "me",
                participants=[record.source_key],
            )
        )
    return result
