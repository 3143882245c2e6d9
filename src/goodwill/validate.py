"""Parsing and checking of the values people type: emails, phones, dates, choices.

Each function returns the normalised value or raises InvalidInput naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from goodwill.errors import InvalidInput

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(r"^[^@\s<>(),;:\"]+@" + _LABEL + r"(?:\." + _LABEL + r")+$")
_AGO = re.compile(r"^(\d+|an?)\s*(day|week|month|year)s?\s+ago$")
_IN = re.compile(r"^in\s+(\d+|an?)\s*(day|week|month|year)s?$")
_NEXT = re.compile(r"^(next|last)\s+(week|month|year|[a-z]+day)$")
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DATE_HINT = "use YYYY-MM-DD, 'today', 'tomorrow', '3 days ago', 'in 2 weeks' or 'next friday'"

DEFAULT_REGION = "US"
# Ids are 32-bit on PostgreSQL: a bigger number names no record (and must not reach a query).
MAX_ID = 2**31 - 1


def email(value: str, field: str = "email") -> str:
    """A syntactically valid address, lower-cased (addresses match case-insensitively)."""
    v = value.strip()
    if v.lower().startswith("mailto:"):
        v = v[7:]
    # Consecutive dots are invalid in theory but real (Enron: d..steffes@enron.com).
    if not _EMAIL.match(v) or ".." in v.rpartition("@")[2]:
        raise InvalidInput(field, value, "not an email address")
    return v.lower()


def phone(value: str, region: str | None = None, field: str = "phone") -> str:
    """A phone number in E.164 (+15551234567); `region` is used for national numbers."""
    import phonenumbers  # imported lazily: it takes a while to load

    v = value.strip()
    if v.lower().startswith("tel:"):
        v = v[4:]
    try:
        parsed = phonenumbers.parse(v, region or DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(field, value, "not a phone number") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidInput(field, value, "not a possible phone number")
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def date(value: str, field: str = "date", today: dt.date | None = None) -> dt.date:
    """ISO dates (2024-03-12), written ones (12 Mar 2024), 'today', 'yesterday', 'tomorrow',
    '3 days ago', 'a week ago', 'in 2 weeks', 'next week', 'last month', 'next friday'
    (the first Friday after today), 'last monday' (the latest Monday before today)."""
    v = value.strip().lower()
    base = today or dt.date.today()
    if v == "today":
        return base
    if v == "yesterday":
        return base - dt.timedelta(days=1)
    if v == "tomorrow":
        return base + dt.timedelta(days=1)
    if (m := _AGO.match(v)) or (m := _IN.match(v)):
        sign = -1 if m.re is _AGO else 1
        try:
            return base + sign * dt.timedelta(days=_count(m.group(1)) * _UNIT_DAYS[m.group(2)])
        except OverflowError:  # '999999 years ago': before year 1
            raise InvalidInput(field, value, "too far from today to be a date") from None
    if (m := _NEXT.match(v)) and (m.group(2) in _UNIT_DAYS or m.group(2) in _WEEKDAYS):
        return _next_or_last(base, m.group(1) == "next", m.group(2))
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        pass
    for fmt in ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%b %d, %Y", "%B %d, %Y"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise InvalidInput(field, value, f"not a date ({_DATE_HINT})")


def _count(word: str) -> int:
    return 1 if word in ("a", "an") else int(word)


def _next_or_last(base: dt.date, forward: bool, unit: str) -> dt.date:
    """'next week' is 7 days on; 'next friday' the first Friday after `base` (never
    `base` itself), 'last friday' the latest one before it."""
    sign = 1 if forward else -1
    if unit in _UNIT_DAYS:
        return base + dt.timedelta(days=sign * _UNIT_DAYS[unit])
    gap = (_WEEKDAYS.index(unit) - base.weekday()) * sign % 7 or 7
    return base + dt.timedelta(days=sign * gap)


def datetime(value: str, field: str = "date", now: dt.datetime | None = None) -> dt.datetime:
    """A date or date-time; a bare date means noon that day (so time zones do not move it)."""
    v = value.strip()
    if "T" in v or (len(v) > 10 and v[10] == " " and v[:4].isdigit()):
        try:
            parsed = dt.datetime.fromisoformat(v)
        except ValueError as exc:
            raise InvalidInput(field, value, "not a date-time (use YYYY-MM-DD HH:MM)") from exc
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        return parsed
    if v.lower() == "now":
        return now or dt.datetime.now()
    day = date(v, field, today=(now.date() if now else None))
    return dt.datetime.combine(day, dt.time(12, 0))


def choice(
    value: str, allowed: Iterable[str], field: str, aliases: dict[str, str] | None = None
) -> str:
    """One of `allowed` (case-insensitive); the error lists the valid values."""
    options = tuple(allowed)
    v = value.strip().lower().replace("-", "_") if value else ""
    if aliases and v in aliases:
        v = aliases[v]
    if v in options:
        return v
    raise InvalidInput(field, value, "choose one of " + ", ".join(options))


def non_empty(value: str | None, field: str) -> str:
    if value is None or not value.strip():
        raise InvalidInput(field, value or "", "must not be empty")
    return value.strip()


def url(value: str, field: str = "url") -> str:
    v = value.strip()
    if not re.match(r"^https?://[^\s/$.?#].[^\s]*$", v, re.IGNORECASE):
        if re.match(r"^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?$", v, re.IGNORECASE):
            return "https://" + v
        raise InvalidInput(field, value, "not a web address (https://...)")
    return v


_CANONICAL_LINKEDIN = re.compile(r"https://www\.linkedin\.com/in/[^/?#\s]+")


def linkedin_url(value: str, field: str = "linkedin") -> str:
    """A LinkedIn profile URL in one canonical form: https://www.linkedin.com/in/slug."""
    if _CANONICAL_LINKEDIN.fullmatch(value) and value == value.lower():
        return value  # already in it (every profile URL of an export: tens of thousands)
    v = url(value, field)
    m = re.match(r"^https?://([a-z]{2,3}\.)?(www\.)?linkedin\.com/(in|pub)/([^/?#]+)", v, re.I)
    if not m:
        raise InvalidInput(field, value, "not a LinkedIn profile address (linkedin.com/in/...)")
    return f"https://www.linkedin.com/in/{m.group(4).lower()}"
