"""iCalendar (.ics) files: past meetings become interactions with the people in them.

What is imported
- Every VEVENT occurrence that started before `now`; recurring events are expanded with
  recurring-ical-events (RRULE, RDATE, EXDATE, moved and cancelled occurrences).
- Its people are the organizer and the attendees, less you (`--me`), rooms and resources
  (CUTYPE=ROOM/RESOURCE), attendees who declined, and addresses that are not email
  addresses (Google's `@virtual` placeholders...). Each one becomes a PersonRecord (name
  from CN, email from mailto:), so the matcher finds them among the people you know.
- Kind "call" when the summary says so (call, phone, dial-in) or the location is a phone
  number; otherwise "meeting". The summary is the event's SUMMARY.
- source_key is "ics:" + UID for a single event and "ics:" + UID + "/" + RECURRENCE-ID for
  an occurrence of a recurring one, so importing the same calendar again changes nothing.

What is left out, with one issue per reason: occurrences you declined (PARTSTAT=DECLINED on
your attendee line), cancelled ones (STATUS:CANCELLED), and those with nobody but you.
A calendar whose events are all left out (or yet to happen) is not an error: the result
counts the events read, and the import says it found them and had nothing to import.

Real files break the standard in many ways; they are repaired before icalendar reads them:
any line ending (LF, CRLF, CR, mixed), a byte-order mark, leading blank lines, text that is
not UTF-8 (read as Windows-1252), empty TZIDs, unknown or 8-bit TZIDs (times become
floating), spaces after the colon of a date, dates with a stray Z, spaces inside RRULE.
A property still unreadable is dropped with an issue; an event without a usable start is
skipped with an issue. No input makes the parser raise anything but ImportFailed for a
file that is not a calendar at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goodwill.errors import ImportFailed
from goodwill.io import files, messaging
from goodwill.io.records import (
    ImportOptions,
    InteractionRecord,
    ParseIssue,
    ParseResult,
    PersonRecord,
)

SOURCE = "ics"
# A series keeps at most this many past occurrences (the most recent ones).
MAX_OCCURRENCES = 5000
# A few hundred bytes of rules must never cost more than a few seconds and megabytes: a
# series may list at most this many RDATEs, and a file's series together expand at most
# MAX_EXPANDED_PER_FILE occurrences (the rest is skipped with an issue).
MAX_EXPANDED_PER_SERIES = 20_000
MAX_EXPANDED_PER_FILE = 30_000  # building one costs about 0.5 ms: 15 s at most
# A rule is walked (dateutil, no component built) at most this far to find where its
# latest MAX_OCCURRENCES begin; a rule with more occurrences before now is not meetings.
MAX_RULE_STEPS = 100_000
MAX_STEPS_PER_FILE = 500_000  # all the series of a file together (about 3 s)
_FLOOR = dt.datetime(1900, 1, 1)
# A series keeps at most this many overrides (VEVENTs sharing its UID); more is not a
# calendar but a file built to make the recurrence library slow.
MAX_OVERRIDES = 1000
# A series repeating more often than this is not meetings (a minutely alarm...).
MAX_PER_YEAR = 3000

_CALL = re.compile(r"\b(?:call|phone|dial[- ]?in|conference line)\b", re.IGNORECASE)
_PHONE = re.compile(r"^\s*(?:tel:)?\+?[\d\s().-]{7,}\s*$", re.IGNORECASE)
_DATE_PROPS = {"DTSTART", "DTEND", "DUE", "RECURRENCE-ID", "EXDATE", "RDATE"}
_DATE_Z = re.compile(r"\b(\d{8})Z\b")
_NOT_PEOPLE = {"ROOM", "RESOURCE"}


@dataclass
class _Line:
    number: int  # 1-based physical line where this logical (unfolded) line starts
    text: str


@dataclass
class _Event:
    component: Any  # icalendar.Event
    line: int | None


@dataclass
class _State:
    file: str
    me: frozenset[str]
    now: dt.datetime
    result: ParseResult = field(default_factory=ParseResult)
    people: dict[str, PersonRecord] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)
    skipped: Counter[str] = field(default_factory=Counter)
    timezones: list[Any] = field(default_factory=list)  # of the calendar being read
    expanded: int = 0  # occurrences expanded so far in this file (MAX_EXPANDED_PER_FILE)
    walked: int = 0  # rule steps walked so far in this file (MAX_STEPS_PER_FILE)

    def issue(self, line: int | None, message: str, skipped: bool = True) -> None:
        self.result.issues.append(ParseIssue(self.file, line, message, skipped))


def parse_ics(path: Path, options: ImportOptions) -> ParseResult:
    """Read an .ics file into people and past meetings (see the module docstring)."""
    text, issues = _read(path, options)
    lines, nested = _drop_nested(_repair(_unfold(text)), path.name)
    issues.extend(nested)
    if not any(ln.text.upper().startswith("BEGIN:VCALENDAR") for ln in lines):
        raise ImportFailed(f"{path} is not an iCalendar file (no BEGIN:VCALENDAR line)")
    state = _State(path.name, frozenset(), messaging.now_utc(options))
    state.result.item = "event"
    state.result.issues.extend(issues)
    calendars = _calendars(lines, path, state)
    events = [ev.component for _, evs in calendars for ev in evs]
    state.me = _who_am_i([cal for cal, _ in calendars], events, options, state)
    for cal, evs in calendars:
        _import_calendar(cal, evs, state)
    state.result.issues.extend(
        messaging.skip_summary(state.file, "event occurrence", state.skipped, options)
    )
    state.result.people = list(state.people.values())
    return state.result


def _calendars(lines: list[_Line], path: Path, state: _State) -> list[tuple[Any, list[_Event]]]:
    """The calendars of the file with their events; when icalendar refuses the whole
    file, each event is read on its own and an unreadable one is skipped by line."""
    import icalendar

    try:
        calendars = icalendar.Calendar.from_ical(_text(lines), multiple=True)
    except (ValueError, KeyError, IndexError, TypeError):
        return _salvage(lines, path, state)
    begins = [ln.number for ln in lines if ln.text.upper() == "BEGIN:VEVENT"]
    per_calendar = [list(cal.walk("VEVENT")) for cal in calendars]
    if sum(len(evs) for evs in per_calendar) != len(begins):  # nested events: no lines
        begins = [0] * sum(len(evs) for evs in per_calendar)
    numbers = iter(begins)
    return [
        (cal, [_Event(ev, next(numbers) or None) for ev in evs])
        for cal, evs in zip(calendars, per_calendar, strict=True)
    ]


def _text(lines: list[_Line]) -> str:
    return "".join(ln.text + "\r\n" for ln in lines)


def _blocks(lines: list[_Line]) -> Iterator[tuple[str, list[_Line]]]:
    """Top-level VTIMEZONE and VEVENT blocks, and calendar properties (as one-line blocks),
    whatever the nesting around them."""
    depth, kind, block = 0, "", []
    for ln in lines:
        upper = ln.text.upper()
        if depth == 0 and upper in ("BEGIN:VEVENT", "BEGIN:VTIMEZONE"):
            depth, kind, block = 1, upper[6:], [ln]
        elif depth:
            block.append(ln)
            if upper.startswith("BEGIN:"):
                depth += 1
            elif upper.startswith("END:"):
                depth -= 1
                if depth == 0:
                    yield kind, block
        elif upper.startswith(("X-WR-", "CALSCALE:")):
            yield "PROPERTY", [ln]


def _salvage(lines: list[_Line], path: Path, state: _State) -> list[tuple[Any, list[_Event]]]:
    import icalendar

    cal = icalendar.Calendar()
    blocks = list(_blocks(lines))
    for kind, block in blocks:
        if kind == "PROPERTY":
            name, _, value = block[0].text.partition(":")
            cal.add(name, value)
        elif kind == "VTIMEZONE":
            try:
                cal.add_component(icalendar.Timezone.from_ical(_text(block)))
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                state.issue(block[0].number, f"unreadable time zone ignored ({exc})", False)
    events = []
    zones = "".join(tz.to_ical().decode("utf-8") for tz in cal.walk("VTIMEZONE"))
    for kind, block in blocks:
        if kind != "VEVENT":
            continue
        try:
            wrapped = icalendar.Calendar.from_ical(
                "BEGIN:VCALENDAR\r\n" + zones + _text(block) + "END:VCALENDAR\r\n"
            )
            event = wrapped.walk("VEVENT")[0]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            state.issue(block[0].number, f"unreadable event skipped ({exc})")
            continue
        cal.add_component(event)
        events.append(_Event(event, block[0].number))
    if not events and not any(kind == "VEVENT" for kind, _ in blocks):
        raise ImportFailed(f"{path} is not a readable iCalendar file: it holds no readable event")
    return [(cal, events)]


# --- reading and repairing the text -------------------------------------------------------


def _read(path: Path, options: ImportOptions) -> tuple[str, list[ParseIssue]]:
    """The file's text, through io.files (size, binary and encoding checks)."""
    text, encoding = files.read_text(path, options.limit(), "an iCalendar file")
    if encoding != "cp1252":
        return text, []
    raw = text.encode("cp1252")  # the bytes again, to say where the first odd one is
    try:
        raw.decode("utf-8")
        line = None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
    return text, [ParseIssue(path.name, line, "not UTF-8: read as Windows-1252", False)]


def _unfold(text: str) -> list[_Line]:
    """Logical lines, continuation lines (leading space or tab) joined, any line ending.

    The pieces of a logical line are joined once at its end, so that a line folded a
    million times costs linear time, not a string rebuilt per continuation.
    """
    out: list[_Line] = []
    pieces: list[str] = []
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if raw[:1] in (" ", "\t") and out:
            pieces.append(raw[1:])
        elif raw.strip():
            if pieces:
                out[-1].text = "".join(pieces)
            out.append(_Line(number, raw))
            pieces = [raw]
    if pieces:
        out[-1].text = "".join(pieces)
    return out


def _drop_nested(lines: list[_Line], file: str) -> tuple[list[_Line], list[ParseIssue]]:
    """Drop VEVENTs nested inside a VEVENT (RFC 5545 does not allow them; with one UID
    they make the recurrence library quadratic), with one issue for all of them."""
    out: list[_Line] = []
    depth = 0  # VEVENTs open
    dropped, first = 0, 0
    for ln in lines:
        upper = ln.text.upper()
        if upper == "BEGIN:VEVENT":
            depth += 1
            if depth > 1:
                dropped += 1
                first = first or ln.number
                continue
        elif upper == "END:VEVENT" and depth:
            depth -= 1
            if depth >= 1:
                continue
        elif depth > 1:
            continue
        out.append(ln)
    if not dropped:
        return out, []
    message = f"{dropped} event(s) nested inside another event (not allowed by RFC 5545) skipped"
    return out, [ParseIssue(file, first, message, True)]


def _split(line: str) -> tuple[str, str, str] | None:
    """NAME, ';params' and value of a content line, quotes in parameters respected."""
    colon = line.find(":")
    if colon < 0:
        return None
    if '"' not in line[:colon]:  # the usual case, fast
        name, _, params = line[:colon].partition(";")
        return name.strip().upper(), (";" + params if params else ""), line[colon + 1 :]
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            head = line[:i]
            name, _, params = head.partition(";")
            return name.strip().upper(), (";" + params if params else ""), line[i + 1 :]
    return None


def _repair(lines: list[_Line]) -> list[_Line]:
    """Fix the common breakages of real exporters so icalendar can read the rest."""
    out: list[_Line] = []
    skip_tz = False
    for i, ln in enumerate(lines):
        parts = _split(ln.text)
        if parts is None:
            continue  # not a content line (stray text, a cut-off line): nothing to read
        name, params, value = parts
        if name == "BEGIN" and value.strip().upper() == "VTIMEZONE":
            # A VTIMEZONE without a usable TZID would make icalendar refuse the file.
            skip_tz = not _timezone_has_id(lines, i)
            if skip_tz:
                continue
        if skip_tz:
            if name == "END" and value.strip().upper() == "VTIMEZONE":
                skip_tz = False
            continue
        if name in ("BEGIN", "END"):
            value = value.strip()
        # An empty TZID= parameter means no time zone: a floating time.
        params = re.sub(r';TZID=(?:"")?(?=;|$)', "", params, flags=re.IGNORECASE)
        if name in _DATE_PROPS:
            value = _DATE_Z.sub(r"\1", value.strip().replace(" ", ""))
        elif name in ("RRULE", "EXRULE"):
            value = re.sub(r"\s+", "", value)
        out.append(_Line(ln.number, f"{name}{params}:{value}"))
    return out


def _timezone_has_id(lines: list[_Line], start: int) -> bool:
    for ln in lines[start + 1 :]:
        parts = _split(ln.text)
        if parts is None:
            continue
        name, _, value = parts
        if name == "TZID":
            return bool(value.strip())
        if name == "END" and value.strip().upper() == "VTIMEZONE":
            return False
    return False


# --- you and the others -----------------------------------------------------------------


def _who_am_i(
    calendars: list[Any], events: list[Any], options: ImportOptions, state: _State
) -> frozenset[str]:
    me = messaging.my_addresses(options)
    if me:
        return me
    # Google names an account's main calendar after its address.
    for cal in calendars:
        owner = messaging.address(str(cal.get("X-WR-CALNAME", "")))
        if owner:
            state.issue(None, f"no --me given: took {owner} (the calendar's name) as you", False)
            return frozenset({owner})
    # Count each event once, however many overrides of it the file holds.
    seen: dict[str, set[str]] = {}
    for ev in events:
        uid = str(ev.get("UID", "")).strip() or str(id(ev))
        seen.setdefault(uid, set()).update(a for a, _ in _parties(ev))
    counts: Counter[str] = Counter(a for addrs in seen.values() for a in addrs)
    if not counts:
        return frozenset()  # nobody in any event: nothing to guess, nothing to say
    guessed, note = messaging.guess_me(counts, len(seen), state.file)
    state.result.issues.append(note)
    return guessed


def _parties(ev: Any) -> Iterator[tuple[str, Any]]:
    """(address, property) of the organizer and each attendee with a valid address."""
    props: list[Any] = []
    for name in ("ORGANIZER", "ATTENDEE"):
        value = ev.get(name)
        if value is None:
            continue
        props.extend(value if isinstance(value, list) else [value])
    for prop in props:
        addr = messaging.address(str(prop))
        if addr:
            yield addr, prop


def _param(prop: Any, name: str) -> str:
    params = getattr(prop, "params", None) or {}
    value = params.get(name, "")
    return str(value).strip().upper() if not isinstance(value, list) else ""


def _people_in(ev: Any, state: _State) -> tuple[list[tuple[str, str | None]], str | None]:
    """The others in an occurrence as (address, name), or a reason to skip it."""
    if str(ev.get("STATUS", "")).strip().upper() == "CANCELLED":
        return [], "cancelled"
    others: dict[str, str | None] = {}
    for addr, prop in _parties(ev):
        declined = _param(prop, "PARTSTAT") == "DECLINED"
        if addr in state.me:
            if declined:
                return [], "you declined it"
            continue
        if declined or _param(prop, "CUTYPE") in _NOT_PEOPLE or messaging.is_automated(addr):
            continue
        name = messaging.display_name(_param_text(prop, "CN"), addr)
        if addr not in others or (name and not others[addr]):
            others[addr] = name
    if not others:
        return [], "nobody else in it (no organizer or attendee besides you)"
    return list(others.items()), None


def _param_text(prop: Any, name: str) -> str | None:
    params = getattr(prop, "params", None) or {}
    value = params.get(name)
    return str(value) if isinstance(value, str) else None


def _person(addr: str, name: str | None, line: int | None, state: _State) -> None:
    rec = state.people.get(addr)
    if rec is None:
        state.people[addr] = PersonRecord(
            source=SOURCE, source_key=addr, line=line, name=name, emails=[(addr, None)]
        )
    elif name and not rec.name:
        rec.name = name


# --- events and their occurrences -------------------------------------------------------


def _import_calendar(cal: Any, events: list[_Event], state: _State) -> None:
    groups: dict[str, list[_Event]] = {}
    for ev in events:
        uid = str(ev.component.get("UID", "")).strip()
        if not uid:
            uid = _made_up_uid(ev.component)
            ev.component["UID"] = uid
        groups.setdefault(uid, []).append(ev)
    for uid, group in groups.items():
        if len(group) > MAX_OVERRIDES:
            state.issue(
                group[MAX_OVERRIDES].line,
                f"event {_title(group[0].component, uid)!r} has {len(group)} versions with "
                f"one UID: only the first {MAX_OVERRIDES} are read",
            )
            del group[MAX_OVERRIDES:]
    zone = _calendar_zone(cal)
    state.timezones = list(cal.walk("VTIMEZONE"))  # once: walking is slow on big calendars
    for uid, group in groups.items():
        try:
            _import_series(cal, uid, group, zone, state)
        except Exception as exc:
            summary = str(group[0].component.get("SUMMARY", "")).strip() or uid
            state.issue(group[0].line, f"event {summary!r} could not be read: {exc}")


def _made_up_uid(component: Any) -> str:
    """A stable stand-in for a missing UID, from what identifies the event."""
    parts = [str(component.get(n, "")) for n in ("DTSTART", "SUMMARY", "ORGANIZER", "LOCATION")]
    start = component.get("DTSTART")
    if start is not None and hasattr(start, "to_ical"):
        parts[0] = start.to_ical().decode("utf-8", "replace")
    return "nouid-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _calendar_zone(cal: Any) -> dt.tzinfo | None:
    """X-WR-TIMEZONE, the zone Google means for floating times, when it is a real zone."""
    from zoneinfo import ZoneInfo

    name = str(cal.get("X-WR-TIMEZONE", "")).strip()
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return None


def _drop_broken(ev: _Event, state: _State) -> bool:
    """Remove properties icalendar could not read; False if the start itself is unusable."""
    errors = getattr(ev.component, "errors", [])
    for name, message in list(errors):
        if name == "DTSTART":
            return False
        if name in ev.component:
            del ev.component[name]
            state.issue(ev.line, f"unreadable {name} ignored ({message})", skipped=False)
    try:
        start = ev.component.decoded("DTSTART")
    except Exception:
        return False
    return isinstance(start, dt.date)


def _import_series(
    cal: Any, uid: str, group: list[_Event], zone: dt.tzinfo | None, state: _State
) -> None:
    usable = []
    for ev in group:
        if _drop_broken(ev, state):
            usable.append(ev)
        else:
            summary = str(ev.component.get("SUMMARY", "")).strip() or uid
            state.issue(ev.line, f"event {summary!r} has no readable start (DTSTART); skipped")
    if not usable:
        return
    state.result.items += 1  # read: imported, or left out with a reason (or yet to happen)
    line = usable[0].line
    master = usable[0].component
    recurring = len(usable) > 1 or any(
        ev.component.get(p) is not None
        for ev in usable
        for p in ("RRULE", "RDATE", "RECURRENCE-ID")
    )
    if not recurring:
        _occurrence(master, uid, None, line, zone, state)
        return
    for occ in _expand(cal, uid, usable, state):
        rid = occ.get("RECURRENCE-ID")
        _occurrence(occ, uid, rid.dt if rid is not None else None, line, zone, state, True)


def _expand(cal: Any, uid: str, group: list[_Event], state: _State) -> Iterator[Any]:
    """The past occurrences of one series: all of them, or the latest MAX_OCCURRENCES."""
    import icalendar
    import recurring_ical_events

    sub = icalendar.Calendar()
    for name in ("X-WR-TIMEZONE", "CALSCALE"):
        if name in cal:
            sub[name] = cal[name]
    for tz in state.timezones:
        sub.add_component(tz)
    for ev in group:
        sub.add_component(ev.component)
    line, title = group[0].line, _title(group[0].component, uid)
    if state.expanded >= MAX_EXPANDED_PER_FILE or state.walked >= MAX_STEPS_PER_FILE:
        state.issue(line, f"event {title!r} skipped: the file's repeating events "
                    "are too many to expand")  # fmt: skip
        return
    if _rdates(group) > MAX_EXPANDED_PER_SERIES:
        state.issue(line, f"event {title!r} lists more than {MAX_EXPANDED_PER_SERIES} "
                    "dates (RDATE): not meetings; skipped")  # fmt: skip
        return
    start = _window_start(group, state)
    if start is not None:
        with contextlib.suppress(Exception):  # a rule dateutil cannot read: the estimate
            start = _rule_window(group, state)
    if start is None:
        state.issue(line, f"event {title!r} repeats more than {MAX_PER_YEAR} times a year: "
                    "not a meeting; skipped")  # fmt: skip
        return
    if start > _FLOOR:
        state.issue(
            line,
            f"event {title!r} repeats often since long ago: only its occurrences since "
            f"{start:%Y-%m-%d} are imported",
            skipped=False,
        )
    try:
        # The window holds about MAX_OCCURRENCES occurrences (walked above without
        # building any): only those become components.
        found = recurring_ical_events.of(sub).between(start, state.now + dt.timedelta(1))
    except Exception as exc:  # a rule the library cannot expand: keep the dates given
        state.issue(
            line,
            f"the repetition of event {title!r} could not be expanded ({exc}); "
            "only its own dates are imported",
            skipped=False,
        )
        found = [ev.component for ev in group]
    # Only the past counts: the latest past occurrences are the ones to keep.
    occurrences = sorted((o for o in found if _sort_key(o) < state.now), key=_sort_key)
    state.expanded += len(found)
    if len(occurrences) > MAX_OCCURRENCES and start == _FLOOR:  # else said just above
        state.issue(
            line,
            f"event {title!r} has {len(occurrences)} occurrences: only the latest "
            f"{MAX_OCCURRENCES} are imported",
            skipped=False,
        )
    yield from occurrences[-MAX_OCCURRENCES:]


def _rdates(group: list[_Event]) -> int:
    """How many dates the series' RDATE properties list."""
    count = 0
    for ev in group:
        value = ev.component.get("RDATE")
        for prop in value if isinstance(value, list) else [value] if value is not None else []:
            count += len(getattr(prop, "dts", [prop]))
    return count


def _rule_window(group: list[_Event], state: _State) -> dt.datetime | None:
    """Where the latest MAX_OCCURRENCES past occurrences of the series' rules begin,
    found by walking each RRULE with dateutil (cheap: no component is built); None when
    a rule has more than MAX_RULE_STEPS occurrences before now (not meetings).

    Exact where the estimate (_window_start) is rough: BY* lists it cannot weigh, COUNT,
    UNTIL. Raises when dateutil cannot read a rule (the caller keeps the estimate)."""
    from dateutil.rrule import rrulestr

    latest: list[dt.datetime] = []
    total = 0
    # Every rule of the series (an event may hold hundreds) shares one budget of steps.
    budget = min(MAX_RULE_STEPS, MAX_STEPS_PER_FILE - state.walked)
    for ev in group:
        value = ev.component.get("RRULE")
        rules = value if isinstance(value, list) else [value] if value is not None else []
        if not rules:
            continue
        first = _when(ev.component.decoded("DTSTART"), None)
        for rule in rules:
            # Times as naive UTC on both sides: dateutil refuses to mix them.
            text = re.sub(r"(UNTIL=\d{8}(?:T\d{6})?)Z", r"\1", rule.to_ical().decode())
            kept: deque[dt.datetime] = deque(maxlen=MAX_OCCURRENCES)
            for when in rrulestr(text, dtstart=first, ignoretz=True):
                if when >= state.now:
                    break
                state.walked += 1
                budget -= 1
                if budget < 0:
                    return None
                kept.append(when)
                total += 1
            latest.extend(kept)
    if total <= MAX_OCCURRENCES:
        return _FLOOR
    latest.sort()
    # A day's margin: the walk is in UTC, the library's in the event's own zone.
    return max(_FLOOR, latest[-MAX_OCCURRENCES] - dt.timedelta(days=1))


def _title(component: Any, uid: str) -> str:
    return " ".join(str(component.get("SUMMARY", "")).split())[:80] or uid


# Occurrences a year for each FREQ, before INTERVAL and the BY* lists that multiply it.
_PER_YEAR = {
    "YEARLY": 1,
    "MONTHLY": 12,
    "WEEKLY": 52,
    "DAILY": 365,
    "HOURLY": 8760,
    "MINUTELY": 525_600,
    "SECONDLY": 31_536_000,
}
_ORDER = list(_PER_YEAR)


def _window_start(group: list[_Event], state: _State) -> dt.datetime | None:
    """Where to start expanding so that a series yields at most about MAX_OCCURRENCES;
    None when it repeats so often that it cannot be a meeting.

    The bound is estimated from each RRULE: COUNT when given, else its occurrences a year
    (FREQ / INTERVAL times the BY* lists finer than FREQ) over the years it has run.
    """
    floor = dt.datetime(1900, 1, 1)
    first = min((_sort_key(ev.component) for ev in group), default=floor)
    total = 0.0
    per_year = 0.0
    last = max(first, floor)  # where the series ends, at the latest (estimated)
    for ev in group:
        value = ev.component.get("RRULE")
        for rule in value if isinstance(value, list) else [value] if value is not None else []:
            rate = _rate(rule)
            count = _first(rule, "COUNT")
            end = state.now
            if isinstance(count, int) and count >= 0:
                total += count
                if count > MAX_OCCURRENCES:  # a long series: its rate sets the window too
                    per_year += rate
                # The rate is an upper bound, so this end is early: more is expanded.
                years = count / max(rate, 1e-9)
                if years < (state.now - last).days / 365.25:
                    end = max(first, floor) + dt.timedelta(days=365.25 * years)
                last = max(last, min(end, state.now))
                continue
            per_year += rate
            until = _first(rule, "UNTIL")
            if isinstance(until, dt.date):
                end = min(end, _when(until, None))
            last = max(last, end)
            years = max((end - max(first, floor)).days / 365.25, 0) + 1
            total += rate * years
    if total <= MAX_OCCURRENCES:
        return floor
    if per_year > MAX_PER_YEAR:
        return None
    # Capped so that a slow series with a huge COUNT cannot reach before year 1.
    # A tenth more than the estimate: the deque keeps only the latest MAX_OCCURRENCES.
    years_back = min(1.1 * MAX_OCCURRENCES / max(per_year, 1), (last - floor).days / 365.25)
    return max(floor, last - dt.timedelta(days=365.25 * years_back))


def _first(rule: Any, key: str) -> Any:
    value = rule.get(key) if hasattr(rule, "get") else None
    return value[0] if isinstance(value, list) and value else value


def _rate(rule: Any) -> float:
    """Occurrences a year of one RRULE (an upper bound, roughly)."""
    freq = str(_first(rule, "FREQ") or "DAILY").upper()
    if freq not in _PER_YEAR:
        return 0.0  # the library will refuse it; nothing to bound
    interval = _first(rule, "INTERVAL")
    rate = _PER_YEAR[freq] / (interval if isinstance(interval, int) and interval > 0 else 1)
    level = _ORDER.index(freq)
    for key, unit in (("BYHOUR", "HOURLY"), ("BYMINUTE", "MINUTELY"), ("BYSECOND", "SECONDLY")):
        values = rule.get(key) if hasattr(rule, "get") else None
        if values and _ORDER.index(unit) > level:
            rate *= len(values) if isinstance(values, list) else 1
    # Lists that multiply a coarse frequency (BYSETPOS only ever narrows: ignored).
    for key, most, above in (
        ("BYMONTH", 12, "YEARLY"),
        ("BYWEEKNO", 53, "YEARLY"),
        ("BYYEARDAY", 366, "YEARLY"),
        ("BYMONTHDAY", 31, "MONTHLY"),
    ):
        values = rule.get(key) if hasattr(rule, "get") else None
        if values and level <= _ORDER.index(above):
            rate *= min(len(values) if isinstance(values, list) else 1, most)
    days = rule.get("BYDAY") if hasattr(rule, "get") else None
    if days and level <= _ORDER.index("WEEKLY"):
        n = len(days) if isinstance(days, list) else 1
        rate *= n * {"YEARLY": 53, "MONTHLY": 5}.get(freq, 1)
    return rate


def _sort_key(occ: Any) -> dt.datetime:
    try:
        return _when(occ.decoded("DTSTART"), None)
    except Exception:
        return dt.datetime.min


def _when(value: dt.date | dt.datetime, zone: dt.tzinfo | None) -> dt.datetime:
    """An event time as naive UTC; a whole day means noon (validate.datetime's rule)."""
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(12, 0))
    if value.tzinfo is None and zone is not None:
        value = value.replace(tzinfo=zone)
    return messaging.utc_naive(value)


def _rid_text(rid: dt.date | dt.datetime) -> str:
    if isinstance(rid, dt.datetime):
        return _when(rid, None).strftime("%Y%m%dT%H%M%S") + ("Z" if rid.tzinfo else "")
    return rid.strftime("%Y%m%d")


def _occurrence(
    occ: Any,
    uid: str,
    rid: dt.date | dt.datetime | None,
    line: int | None,
    zone: dt.tzinfo | None,
    state: _State,
    recurring: bool = False,
) -> None:
    when = _when(occ.decoded("DTSTART"), zone)
    if when >= state.now:
        return  # not happened yet: nothing to record, nothing wrong
    others, reason = _people_in(occ, state)
    if reason:
        state.skipped[reason] += 1
        return
    key = f"ics:{uid}"
    if recurring:
        key += "/" + _rid_text(rid if rid is not None else occ.decoded("DTSTART"))
    if len(key) > messaging.MAX_KEY:
        key = "ics:sha256:" + hashlib.sha256(key.encode()).hexdigest()
    if key in state.keys:
        state.skipped["the same event appears twice in the file"] += 1
        return
    state.keys.add(key)
    for addr, name in others:
        _person(addr, name, line, state)
    summary = " ".join(str(occ.get("SUMMARY", "")).split()) or None
    state.result.interactions.append(
        InteractionRecord(
            source=SOURCE,
            source_key=key,
            occurred_at=when,
            kind=_kind(summary, str(occ.get("LOCATION", ""))),
            line=line,
            summary=summary[:500] if summary else None,
            initiated_by=_initiator(occ, state),
            participants=[addr for addr, _ in others],
        )
    )


def _kind(summary: str | None, location: str) -> str:
    if (summary and _CALL.search(summary)) or _PHONE.match(location):
        return "call"
    return "meeting"


def _initiator(occ: Any, state: _State) -> str | None:
    """Who called the meeting: 'me' when you organised it, 'them' when someone else did."""
    organizer = occ.get("ORGANIZER")
    addr = messaging.address(str(organizer)) if organizer is not None else None
    if not addr or not state.me:
        return None
    return "me" if addr in state.me else "them"
