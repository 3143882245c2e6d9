"""Hypothesis fuzzing of the iCalendar parser: no input may crash it.

Whatever the bytes, parse_ics returns records or raises ImportFailed with a sentence; and
what it returns holds together: past times only, unique keys, participants who are people,
never you.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goodwill.errors import ImportFailed
from goodwill.io.ics import parse_ics
from goodwill.io.records import ImportOptions, ParseResult

NOW = dt.datetime(2024, 6, 1)
ME = "ann@example.com"
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

junk = st.text(max_size=30)
stamp = st.one_of(
    st.datetimes(min_value=dt.datetime(1500, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(
        lambda d: d.strftime("%Y%m%dT%H%M%S")
    ),
    st.dates(min_value=dt.date(1500, 1, 1), max_value=dt.date(2200, 1, 1)).map(
        lambda d: d.strftime("%Y%m%d")
    ),
    junk,
).flatmap(lambda v: st.sampled_from([v, v + "Z", " " + v, v + ",", v + "/PT1H"]))
tzid = st.sampled_from(["", ";TZID=", ";TZID=Europe/Paris", ';TZID="A, B"', ";TZID=Зона",
                        ";TZID=Mars/Olympus", ";VALUE=DATE", ";VALUE=PERIOD"])  # fmt: skip
freq = st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY", "MINUTELY",
                        "SECONDLY", "FORTNIGHTLY", ""])  # fmt: skip
rrule = st.builds(
    lambda f, n, i, by, until: "RRULE:FREQ=" + f + n + i + by + until,
    freq,
    st.one_of(st.just(""), st.integers(-1, 6000).map(lambda n: f";COUNT={n}")),
    st.one_of(st.just(""), st.integers(-1, 10).map(lambda n: f";INTERVAL={n}")),
    st.one_of(
        st.just(""),
        st.sampled_from(
            [";BYDAY=MO, TU", ";BYDAY=1TU", ";BYHOUR=1,2,3", ";BYMINUTE=0,30", ";BYDAY=XX"]
        ),
    ),
    st.one_of(st.just(""), stamp.map(lambda s: ";UNTIL=" + s)),
)
address = st.one_of(
    st.sampled_from([ME, "bob@example.org", "room@example.com", "x@virtual", "no-reply@x.org"]),
    st.emails().map(str),
    junk,
)
param = st.sampled_from(["", ";PARTSTAT=DECLINED", ";CUTYPE=ROOM", ";CN=Bob", ';CN="Doe, J"',
                         ";PARTSTAT=ACCEPTED;RSVP=TRUE", ";CN=é\\,"])  # fmt: skip
line = st.one_of(
    st.sampled_from(["BEGIN:VEVENT", "END:VEVENT", "BEGIN:VTIMEZONE", "END:VTIMEZONE",
                     "BEGIN:VCALENDAR", "END:VCALENDAR", "TZID:", "TZID:Зона",
                     "STATUS:CANCELLED", "BEGIN:STANDARD", "END:STANDARD",
                     "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "SUMMARY:Call"]),
    st.builds(lambda p, t, v: p + t + ":" + v,
              st.sampled_from(["DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"]),
              tzid, stamp),
    rrule,
    st.builds(lambda n, p, a: f"{n}{p}:mailto:{a}", st.sampled_from(["ATTENDEE", "ORGANIZER"]),
              param, address),
    st.builds(lambda v: "UID:" + v, st.sampled_from(["a", "b", "c"]) | junk),
    st.builds(lambda v: "DURATION:" + v, st.sampled_from(["PT1H", "P1D", "-PT1H", "bad"])),
    junk,
)  # fmt: skip
good_start = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2025, 1, 1)).map(
    lambda d: d.strftime("DTSTART:%Y%m%dT%H%M%SZ")
)
# A whole event: a start, people, maybe a rule, and some of the odd lines above.
event = st.builds(
    lambda start, people, extra: "\n".join(["BEGIN:VEVENT", start, *people, *extra, "END:VEVENT"]),
    st.one_of(good_start, good_start, line),
    st.lists(
        st.builds(lambda n, p, a: f"{n}{p}:mailto:{a}", st.sampled_from(["ATTENDEE", "ORGANIZER"]),
                  param, address),
        max_size=4,
    ),
    st.lists(line, max_size=4),
)  # fmt: skip
calendars = st.builds(
    lambda parts, eol, end: "BEGIN:VCALENDAR\n" + "\n".join(parts).replace("\n", eol)
    + eol + ("END:VCALENDAR" if end else ""),
    st.lists(st.one_of(event, event, line), max_size=12),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.booleans(),
)  # fmt: skip


def attempt(data: bytes, me: list[str]) -> ParseResult | None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.ics"
        path.write_bytes(data)
        try:
            return parse_ics(path, ImportOptions(me=me, now=NOW))
        except ImportFailed as exc:
            assert str(exc) and "\n" not in str(exc)
            return None


def holds_together(r: ParseResult | None, me: list[str]) -> None:
    if r is None:
        return
    keys = [i.source_key for i in r.interactions]
    assert len(keys) == len(set(keys))
    people = {p.source_key for p in r.people}
    for i in r.interactions:
        assert i.occurred_at < NOW
        assert i.kind in ("meeting", "call")
        assert i.participants and set(i.participants) <= people
        assert not set(i.participants) & set(me)
        assert len(i.source_key) <= 500


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    holds_together(attempt(data, [ME]), [ME])


@FUZZ
@given(calendars, st.sampled_from([[ME], []]))
def test_calendar_shaped_input_never_crashes(text: str, me: list[str]) -> None:
    holds_together(attempt(text.encode("utf-8", "surrogatepass"), me), me)


@FUZZ
@given(calendars, st.sampled_from(["cp1252", "latin-1", "utf-16"]))
def test_other_encodings_never_crash(text: str, encoding: str) -> None:
    holds_together(attempt(text.encode(encoding, "replace"), [ME]), [ME])
