"""The iCalendar parser on hand-made calendars: what becomes a meeting, who is in it, keys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from goodwill.errors import ImportFailed, InvalidInput
from goodwill.io import ics
from goodwill.io.ics import parse_ics
from goodwill.io.records import ImportOptions, ParseResult

NOW = dt.datetime(2024, 6, 1, 12, 0)
ME = "ann@example.com"


def calendar(*events: str, head: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n"
        + head
        + "".join(events)
        + "END:VCALENDAR\n"
    )


def event(uid: str, *lines: str) -> str:
    return "BEGIN:VEVENT\nUID:" + uid + "\n" + "".join(ln + "\n" for ln in lines) + "END:VEVENT\n"


def parse(
    tmp_path: Path,
    text: str | bytes,
    me: tuple[str, ...] = (ME,),
    now: dt.datetime = NOW,
    eol: str = "\r\n",
) -> ParseResult:
    path = tmp_path / "cal.ics"
    data = text if isinstance(text, bytes) else text.replace("\n", eol).encode("utf-8")
    path.write_bytes(data)
    return parse_ics(path, ImportOptions(me=list(me), now=now))


COFFEE = event(
    "coffee-1",
    "SUMMARY:Coffee with Bob",
    "DTSTART:20240110T090000Z",
    "DTEND:20240110T100000Z",
    "ORGANIZER;CN=Bob Builder:mailto:Bob@Example.org",
    "ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED:mailto:ann@example.com",
    "ATTENDEE;CN=Carol Jones;PARTSTAT=ACCEPTED:MAILTO:carol@example.net",
)


def test_a_past_meeting_becomes_an_interaction_with_everyone_but_you(tmp_path: Path) -> None:
    r = parse(tmp_path, calendar(COFFEE))
    assert [(i.source_key, i.occurred_at, i.kind, i.initiated_by) for i in r.interactions] == [
        ("ics:coffee-1", dt.datetime(2024, 1, 10, 9, 0), "meeting", "them")
    ]
    assert r.interactions[0].summary == "Coffee with Bob"
    assert r.interactions[0].participants == ["bob@example.org", "carol@example.net"]
    assert [(p.source, p.source_key, p.name, p.emails) for p in r.people] == [
        ("ics", "bob@example.org", "Bob Builder", [("bob@example.org", None)]),
        ("ics", "carol@example.net", "Carol Jones", [("carol@example.net", None)]),
    ]
    assert r.issues == []


def test_you_organised_it(tmp_path: Path) -> None:
    ev = event(
        "mine",
        "DTSTART:20240110T090000Z",
        "ORGANIZER:mailto:ann@example.com",
        "ATTENDEE:mailto:bob@example.org",
    )
    r = parse(tmp_path, calendar(ev))
    assert [(i.initiated_by, i.participants) for i in r.interactions] == [
        ("me", ["bob@example.org"])
    ]


def test_an_occurrence_you_declined_is_skipped(tmp_path: Path) -> None:
    ev = event(
        "declined",
        "DTSTART:20240110T090000Z",
        "ORGANIZER:mailto:bob@example.org",
        "ATTENDEE;PARTSTAT=DECLINED:mailto:ann@example.com",
    )
    r = parse(tmp_path, calendar(ev))
    assert r.interactions == [] and r.people == []
    assert [str(i) for i in r.issues] == ["cal.ics: skipped 1 event occurrence: you declined it"]


def test_others_who_declined_rooms_and_automated_addresses_are_not_people(
    tmp_path: Path,
) -> None:
    ev = event(
        "rooms",
        "DTSTART:20240110T090000Z",
        "ORGANIZER:mailto:ann@example.com",
        "ATTENDEE;PARTSTAT=DECLINED:mailto:dan@example.com",
        "ATTENDEE;CUTYPE=ROOM:mailto:room-4@example.com",
        "ATTENDEE;CUTYPE=RESOURCE:mailto:projector@example.com",
        "ATTENDEE:mailto:calendar-noreply@example.com",
        "ATTENDEE;CN=Contacts:mailto:4dhmurjkc5hn8sq0@virtual",
        "ATTENDEE;CN=Eve:mailto:eve@example.com",
    )
    r = parse(tmp_path, calendar(ev))
    assert r.interactions[0].participants == ["eve@example.com"]
    assert [p.source_key for p in r.people] == ["eve@example.com"]


def test_cancelled_and_alone_are_skipped_with_a_reason_each(tmp_path: Path) -> None:
    cancelled = event(
        "c", "DTSTART:20240110T090000Z", "STATUS:CANCELLED", "ATTENDEE:mailto:bob@example.org"
    )
    alone = event("a", "SUMMARY:Focus time", "DTSTART:20240111T090000Z")
    r = parse(tmp_path, calendar(cancelled, alone))
    assert r.interactions == []
    assert sorted(str(i) for i in r.issues) == [
        "cal.ics: skipped 1 event occurrence: cancelled",
        "cal.ics: skipped 1 event occurrence: nobody else in it "
        "(no organizer or attendee besides you)",
    ]


def test_future_events_are_not_imported(tmp_path: Path) -> None:
    r = parse(tmp_path, calendar(COFFEE), now=dt.datetime(2024, 1, 10, 8, 59))
    assert r.interactions == [] and r.people == [] and r.issues == []


@pytest.mark.parametrize(
    ("summary", "location", "kind"),
    [
        ("Phone screen with Bob", "", "call"),
        ("Intro call", "", "call"),
        ("Catch-up", "+1 (555) 123-4567", "call"),
        ("Catch-up", "tel:+15551234567", "call"),
        ("Recall planning", "Room 4", "meeting"),
        ("Callback design review", "", "meeting"),
        ("Lunch", "12 Main Street", "meeting"),
    ],
)
def test_kind_is_call_only_when_clearly_a_call(
    tmp_path: Path, summary: str, location: str, kind: str
) -> None:
    lines = ["SUMMARY:" + summary, "DTSTART:20240110T090000Z", "ATTENDEE:mailto:b@example.org"]
    if location:
        lines.append("LOCATION:" + location)
    r = parse(tmp_path, calendar(event("k", *lines)))
    assert r.interactions[0].kind == kind


WEEKLY = calendar(
    event(
        "weekly",
        "SUMMARY:1:1 Bob",
        "DTSTART:20240101T100000Z",
        "DURATION:PT30M",
        "RRULE:FREQ=WEEKLY",
        "EXDATE:20240115T100000Z",
        "ORGANIZER:mailto:bob@example.org",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@example.com",
    ),
    event(
        "weekly",
        "SUMMARY:1:1 Bob",
        "RECURRENCE-ID:20240122T100000Z",
        "DTSTART:20240122T100000Z",
        "ORGANIZER:mailto:bob@example.org",
        "ATTENDEE;PARTSTAT=DECLINED:mailto:ann@example.com",
    ),
    event(
        "weekly",
        "SUMMARY:1:1 Bob (moved)",
        "RECURRENCE-ID:20240129T100000Z",
        "DTSTART:20240130T150000Z",
        "ORGANIZER:mailto:bob@example.org",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@example.com",
    ),
)


def test_recurring_events_are_expanded_up_to_now(tmp_path: Path) -> None:
    r = parse(tmp_path, WEEKLY, now=dt.datetime(2024, 2, 6))
    got = [(i.source_key, i.occurred_at, i.summary) for i in r.interactions]
    assert got == [
        ("ics:weekly/20240101T100000Z", dt.datetime(2024, 1, 1, 10, 0), "1:1 Bob"),
        ("ics:weekly/20240108T100000Z", dt.datetime(2024, 1, 8, 10, 0), "1:1 Bob"),
        # the 15th is an EXDATE, the 22nd declined, the 29th moved to the 30th
        ("ics:weekly/20240129T100000Z", dt.datetime(2024, 1, 30, 15, 0), "1:1 Bob (moved)"),
        ("ics:weekly/20240205T100000Z", dt.datetime(2024, 2, 5, 10, 0), "1:1 Bob"),
    ]
    assert [str(i) for i in r.issues] == ["cal.ics: skipped 1 event occurrence: you declined it"]


def test_parsing_again_gives_the_same_records(tmp_path: Path) -> None:
    first = parse(tmp_path, WEEKLY)
    assert parse(tmp_path, WEEKLY) == first
    assert len({i.source_key for i in first.interactions}) == len(first.interactions) == 20


@pytest.mark.parametrize("eol", ["\n", "\r", "\r\n"])
def test_any_line_ending_reads_the_same(tmp_path: Path, eol: str) -> None:
    assert parse(tmp_path, WEEKLY, eol=eol) == parse(tmp_path, WEEKLY, eol="\r\n")


def test_mixed_line_endings_and_folded_lines(tmp_path: Path) -> None:
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\nBEGIN:VEVENT\r\nUID:fold\n"
        "SUMMARY:Long\r\n  meeting\nDTSTART:20240110T0900\r\n 00Z\r\n"
        "ATTENDEE;CN=Bob\r\n\t Builder:mailto:bob@exa\n mple.org\r\nEND:VEVENT\nEND:VCALENDAR"
    )
    r = parse(tmp_path, text.encode())
    assert [(i.summary, i.occurred_at, i.participants) for i in r.interactions] == [
        ("Long meeting", dt.datetime(2024, 1, 10, 9, 0), ["bob@example.org"])
    ]
    assert r.people[0].name == "Bob Builder"


def test_missing_end_time_and_a_broken_one_are_fine(tmp_path: Path) -> None:
    no_end = event("e1", "DTSTART:20240110T090000Z", "ATTENDEE:mailto:b@example.org")
    bad_end = event(
        "e2", "DTSTART:20240111T090000Z", "DTEND:tomorrow", "ATTENDEE:mailto:b@example.org"
    )
    r = parse(tmp_path, calendar(no_end, bad_end))
    assert [i.source_key for i in r.interactions] == ["ics:e1", "ics:e2"]
    assert len(r.issues) == 1 and "DTEND" in r.issues[0].message and not r.issues[0].skipped
    assert r.issues[0].line == 9  # the BEGIN:VEVENT line of the second event


def test_time_zones_become_utc_and_unknown_ones_floating(tmp_path: Path) -> None:
    paris = event("p", "DTSTART;TZID=Europe/Paris:20240115T100000", "ATTENDEE:mailto:b@x.org")
    mars = event("m", "DTSTART;TZID=Mars/Olympus:20240116T100000", "ATTENDEE:mailto:b@x.org")
    empty = event("e", "DTSTART;TZID=:20240117T100000", "ATTENDEE:mailto:b@x.org")
    windows = event(
        "w", "DTSTART;TZID=W. Europe Standard Time:20240118T100000", "ATTENDEE:mailto:b@x.org"
    )
    day = event("d", "DTSTART;VALUE=DATE:20240119", "ATTENDEE:mailto:b@x.org")
    r = parse(tmp_path, calendar(paris, mars, empty, windows, day))
    assert [i.occurred_at for i in r.interactions] == [
        dt.datetime(2024, 1, 15, 9, 0),
        dt.datetime(2024, 1, 16, 10, 0),
        dt.datetime(2024, 1, 17, 10, 0),
        dt.datetime(2024, 1, 18, 9, 0),
        dt.datetime(2024, 1, 19, 12, 0),  # a whole day: noon
    ]


def test_a_vtimezone_without_tzid_and_an_8bit_tzid(tmp_path: Path) -> None:
    text = calendar(
        event("z", "DTSTART;TZID=Зона:20240115T100000", "ATTENDEE:mailto:b@x.org"),
        head="BEGIN:VTIMEZONE\nTZID:\nBEGIN:STANDARD\nDTSTART:16010101T000000\n"
        "TZOFFSETFROM:+0000\nTZOFFSETTO:+0000\nEND:STANDARD\nEND:VTIMEZONE\n"
        "BEGIN:VTIMEZONE\nTZID:Зона\nBEGIN:STANDARD\nDTSTART:16010101T000000\n"
        "TZOFFSETFROM:+0300\nTZOFFSETTO:+0300\nEND:STANDARD\nEND:VTIMEZONE\n",
    )
    r = parse(tmp_path, text)
    assert [i.occurred_at for i in r.interactions] == [dt.datetime(2024, 1, 15, 7, 0)]


def test_text_that_is_not_utf8_is_read_as_windows_1252(tmp_path: Path) -> None:
    text = calendar(event("l", "DTSTART:20240110T090000Z", "ATTENDEE;CN=Zoë:mailto:z@x.org"))
    r = parse(tmp_path, text.replace("\n", "\r\n").encode("cp1252"))
    assert r.people[0].name == "Zoë"
    assert [(i.line, i.skipped) for i in r.issues] == [(7, False)]
    assert "not UTF-8" in r.issues[0].message


def test_an_event_without_a_start_is_reported_by_line(tmp_path: Path) -> None:
    r = parse(tmp_path, calendar(COFFEE, event("nostart", "SUMMARY:When?")))
    assert [i.source_key for i in r.interactions] == ["ics:coffee-1"]
    assert [str(i) for i in r.issues] == [
        "cal.ics:13: event 'When?' has no readable start (DTSTART); skipped"
    ]


def test_an_event_without_uid_gets_a_stable_key(tmp_path: Path) -> None:
    text = calendar(COFFEE.replace("UID:coffee-1\n", ""))
    keys = [i.source_key for i in parse(tmp_path, text).interactions]
    assert keys == [i.source_key for i in parse(tmp_path, text).interactions]
    assert keys[0].startswith("ics:nouid-")


def test_a_very_long_uid_is_hashed_to_fit(tmp_path: Path) -> None:
    r = parse(tmp_path, calendar(COFFEE.replace("coffee-1", "x" * 600)))
    key = r.interactions[0].source_key
    assert key.startswith("ics:sha256:") and len(key) < 100


def test_the_same_event_twice_is_imported_once(tmp_path: Path) -> None:
    r = parse(tmp_path, calendar(COFFEE) + calendar(COFFEE))
    assert [i.source_key for i in r.interactions] == ["ics:coffee-1"]
    assert [str(i) for i in r.issues] == [
        "cal.ics: skipped 1 event occurrence: the same event appears twice in the file"
    ]


def test_without_me_the_address_in_most_events_is_you(tmp_path: Path) -> None:
    other = event(
        "other",
        "DTSTART:20240111T090000Z",
        "ORGANIZER:mailto:ann@example.com",
        "ATTENDEE:mailto:dan@example.com",
    )
    r = parse(tmp_path, calendar(COFFEE, other), me=())
    assert [i.participants for i in r.interactions] == [
        ["bob@example.org", "carol@example.net"],
        ["dan@example.com"],
    ]
    assert "took ann@example.com as your address" in r.issues[0].message
    assert not r.issues[0].skipped


def test_without_me_a_google_calendar_named_after_you(tmp_path: Path) -> None:
    r = parse(tmp_path, calendar(COFFEE, head="X-WR-CALNAME:carol@example.net\n"), me=())
    assert r.interactions[0].participants == ["bob@example.org", "ann@example.com"]


def test_without_me_and_no_clear_owner_everyone_is_a_participant(tmp_path: Path) -> None:
    r = parse(tmp_path, calendar(COFFEE), me=())
    assert r.interactions[0].participants == [
        "bob@example.org",
        "ann@example.com",
        "carol@example.net",
    ]
    assert r.interactions[0].initiated_by is None
    assert "pass --me" in r.issues[0].message


def test_an_invalid_me_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="invalid me 'ann'"):
        parse(tmp_path, calendar(COFFEE), me=("ann",))


def test_a_rule_repeating_every_minute_is_not_meetings(tmp_path: Path) -> None:
    ev = event(
        "alarm",
        "SUMMARY:Ping",
        "DTSTART:20200101T000000Z",
        "RRULE:FREQ=MINUTELY",
        "ATTENDEE:mailto:b@x.org",
    )
    r = parse(tmp_path, calendar(ev))
    assert r.interactions == []
    assert "repeats more than 3000 times a year" in r.issues[0].message


def test_a_rule_with_a_count_is_expanded_whatever_its_frequency(tmp_path: Path) -> None:
    ev = event(
        "few", "DTSTART:20200101T000000Z", "RRULE:FREQ=MINUTELY;COUNT=3", "ATTENDEE:mailto:b@x.org"
    )
    r = parse(tmp_path, calendar(ev))
    assert [i.occurred_at.minute for i in r.interactions] == [0, 1, 2]


def test_a_long_daily_series_keeps_the_latest_occurrences(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ics, "MAX_OCCURRENCES", 10)
    ev = event("daily", "DTSTART:20240101T090000Z", "RRULE:FREQ=DAILY", "ATTENDEE:mailto:b@x.org")
    r = parse(tmp_path, calendar(ev), now=dt.datetime(2024, 2, 1))
    assert [i.occurred_at.date() for i in r.interactions] == [
        dt.date(2024, 1, d) for d in range(22, 32)
    ]
    assert [i.message for i in r.issues] == [
        "event 'daily' repeats often since long ago: only its occurrences since 2024-01-21 "
        "are imported"
    ]


def test_a_broken_rule_keeps_the_first_occurrence(tmp_path: Path) -> None:
    ev = event(
        "badrule", "DTSTART:20240101T090000Z", "RRULE:FREQ=FORTNIGHTLY", "ATTENDEE:mailto:b@x.org"
    )
    r = parse(tmp_path, calendar(ev))
    assert [i.occurred_at for i in r.interactions] == [dt.datetime(2024, 1, 1, 9, 0)]
    assert len(r.issues) == 1 and not r.issues[0].skipped


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty: there is nothing to import"),
        (b"  \r\n\r\n", "holds only blank space: there is nothing to import"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a PNG picture, not an iCalendar file"),
        (b"\x00\x01\x02\x03" * 20, "is a binary file, not an iCalendar file"),
        (
            b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob\r\nEND:VCARD\r\n",
            "is not an iCalendar file (no BEGIN:VCALENDAR line)",
        ),
        (b"hello, world\n", "is not an iCalendar file (no BEGIN:VCALENDAR line)"),
    ],
)
def test_a_file_that_is_not_a_calendar_is_a_clear_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    with pytest.raises(ImportFailed) as err:
        parse(tmp_path, content)
    assert str(err.value) == f"{tmp_path / 'cal.ics'} {message}"


def test_a_missing_file_and_a_huge_one_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match=r"nope\.ics does not exist"):
        parse_ics(tmp_path / "nope.ics", ImportOptions(me=[ME], now=NOW))
    path = tmp_path / "cal.ics"
    path.write_text(calendar(COFFEE))
    with pytest.raises(ImportFailed, match="more than the 100 bytes an import reads"):
        parse_ics(path, ImportOptions(me=[ME], now=NOW, max_bytes=100))


def test_with_strict_only_problems_are_issues(tmp_path: Path) -> None:
    text = calendar(COFFEE, event("c", "DTSTART:20240110T090000Z", "STATUS:CANCELLED"))
    path = tmp_path / "cal.ics"
    path.write_text(text)
    r = parse_ics(path, ImportOptions(me=[ME], now=NOW, strict=True))
    assert [i.source_key for i in r.interactions] == ["ics:coffee-1"] and r.issues == []


def test_an_event_that_breaks_the_whole_file_is_skipped_alone(tmp_path: Path) -> None:
    # A time zone with an unreadable start, inside an event: icalendar refuses the file.
    broken = (
        "BEGIN:VEVENT\nUID:bad\nDTSTART:20240110T090000Z\nATTENDEE:mailto:x@example.com\n"
        "BEGIN:VTIMEZONE\nTZID:B\nBEGIN:STANDARD\nDTSTART:bad\nTZOFFSETFROM:+0100\n"
        "TZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\nEND:VEVENT\n"
    )
    later = event("later", "DTSTART:20240112T090000Z", "ATTENDEE:mailto:dan@example.com")
    r = parse(tmp_path, calendar(COFFEE, broken, later))
    assert [i.source_key for i in r.interactions] == ["ics:coffee-1", "ics:later"]
    assert [(i.line, i.skipped) for i in r.issues] == [(13, True)]
    assert r.issues[0].message.startswith("unreadable event skipped")


def test_a_broken_time_zone_is_dropped_and_its_times_float(tmp_path: Path) -> None:
    head = (
        "BEGIN:VTIMEZONE\nTZID:Broken\nBEGIN:STANDARD\nDTSTART:bad\nTZOFFSETFROM:+0100\n"
        "TZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\n"
    )
    ev = event("z", "DTSTART;TZID=Broken:20240112T090000", "ATTENDEE:mailto:dan@example.com")
    r = parse(tmp_path, calendar(COFFEE, ev, head=head))
    assert [i.occurred_at for i in r.interactions] == [
        dt.datetime(2024, 1, 10, 9, 0),
        dt.datetime(2024, 1, 12, 9, 0),
    ]
    assert [(i.line, i.skipped) for i in r.issues] == [(4, False)]
    assert r.issues[0].message.startswith("unreadable time zone ignored")
