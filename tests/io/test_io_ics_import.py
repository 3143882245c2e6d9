"""`goodwill import ics` end to end, on SQLite and PostgreSQL: meetings land on the people
you know, re-import changes nothing, --dry-run and bad files write nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import DATA, Result

Cli = Callable[..., Result]
CALCONNECT = DATA / "realworld" / "ical4j_calconnect.ics"
CHAIR = "icalchair@coffeebean.com"


def report(cli: Cli, *args: str | Path) -> dict[str, Any]:
    r = cli("import", *args, "--format", "json")
    assert r.code == 0, r.err
    return dict(json.loads(r.out))


def names(cli: Cli) -> list[str]:
    r = cli("person", "list", "--format", "json")
    assert r.code == 0, r.err
    return sorted(p["name"] for p in json.loads(r.out))


def show(cli: Cli, who: str) -> dict[str, Any]:
    r = cli("person", "show", who, "--format", "json")
    assert r.code == 0, r.err
    return dict(json.loads(r.out))


def test_import_a_calendar_then_again_changes_nothing(cli: Cli) -> None:
    first = report(cli, "ics", CALCONNECT, "--me", CHAIR)
    assert (first["created"], first["interactions_created"]) == (1, 5)
    assert names(cli) == ["iCal Participant/CoffeeBean"]
    them = show(cli, "icalparticipant@coffeebean.com")
    assert them["interactions_count"] == 5
    assert {(i["kind"], i["initiated_by"]) for i in them["recent"]} == {("meeting", "me")}
    assert [i["date"] for i in them["recent"]] == [f"2005-04-{d}" for d in (15, 14, 13, 12, 11)]
    again = report(cli, "ics", CALCONNECT, "--me", CHAIR)
    assert (again["created"], again["unchanged"]) == (0, 1)
    assert (again["interactions_created"], again["interactions_unchanged"]) == (0, 5)


def test_dry_run_writes_nothing(cli: Cli) -> None:
    r = report(cli, "ics", CALCONNECT, "--me", CHAIR, "--dry-run")
    assert r["dry_run"] and r["interactions_created"] == 5
    assert names(cli) == []


def test_attendees_you_know_get_the_meeting(cli: Cli, tmp_path: Path) -> None:
    assert cli("person", "add", "Sam Peter", "--email", "SAM@company.com").code == 0
    r = report(cli, "ics", DATA / "realworld" / "ical4j_blankTzid.ics", "--me", CHAIR)
    assert r["created"] == 1  # Bruce Roberts; Sam was known
    assert names(cli) == ["Bruce Roberts", "Sam Peter"]
    sam = show(cli, "sam@company.com")
    assert [(i["date"], i["people"]) for i in sam["recent"]] == [
        ("2015-08-26", ["Bruce Roberts", "Sam Peter"])
    ]


def test_a_calendar_with_nobody_else_in_it_imports_nothing_clearly(cli: Cli) -> None:
    path = DATA / "realworld" / "vobject_tzid_8bit.ics"
    r = cli("import", "ics", path, "--me", CHAIR)
    assert r.code == 0, r.err  # the import did its job: it found no one
    assert r.out.startswith(f"read 1 event from {path}, none to import: nothing was imported\n")
    assert "skipped 1 event occurrence: nobody else in it" in r.out
    assert names(cli) == []


SOLO = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:gym
DTSTART:20240105T070000Z
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Gym
END:VEVENT
BEGIN:VEVENT
UID:dentist
DTSTART:20240110T090000Z
SUMMARY:Dentist
ORGANIZER:mailto:me@example.com
END:VEVENT
BEGIN:VEVENT
UID:next-year
DTSTART:20990101T090000Z
SUMMARY:Coffee with Bo
ATTENDEE;CN=Bo:mailto:bo@example.com
END:VEVENT
END:VCALENDAR
"""


def test_solo_and_future_events_are_read_and_nothing_is_imported(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "mine.ics"
    path.write_text(SOLO)
    r = report(cli, "ics", path, "--me", "me@example.com")
    assert r["note"] == f"read 3 events from {path}, none to import: nothing was imported"
    assert (r["records"], r["interactions_created"]) == (0, 0)
    assert [i["message"] for i in r["issues"]] == [
        "skipped 4 event occurrences: nobody else in it (no organizer or attendee besides you)"
    ]
    assert names(cli) == []
    r = cli("import", "ics", path, "--me", "me@example.com", "--dry-run")
    assert r.code == 0 and "none to import" in r.out and "dry run: nothing was written" in r.out


def test_a_calendar_without_a_readable_event_is_an_error(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.ics"
    empty.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nEND:VCALENDAR\n")
    r = cli("import", "ics", empty, "--me", CHAIR)
    assert (r.code, r.err) == (
        1,
        f"error: nothing to import from {empty}: it holds no ics records\n",
    )
    broken = tmp_path / "broken.ics"
    broken.write_text(SOLO.replace("DTSTART:", "DTSTART:never"))
    r = cli("import", "ics", broken, "--me", CHAIR)
    assert r.code == 1
    assert r.err.startswith(f"error: nothing to import from {broken}: broken.ics:")
    assert "has no readable start (DTSTART)" in r.err


def test_bad_files_are_one_clear_sentence_and_write_nothing(cli: Cli, tmp_path: Path) -> None:
    vcf = tmp_path / "contacts.ics"
    vcf.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Bob\nEND:VCARD\n")
    empty = tmp_path / "empty.ics"
    empty.write_bytes(b"")
    zipped = tmp_path / "calendar.ics"
    zipped.write_bytes(b"PK\x03\x04" + bytes(100))
    cases = [
        (vcf, f"error: {vcf} is not an iCalendar file (no BEGIN:VCALENDAR line)\n"),
        (empty, f"error: {empty} is empty: there is nothing to import\n"),
        (zipped, f"error: {zipped} is a ZIP archive: unzip it first and import the file "
                 "inside, not an iCalendar file\n"),
        (tmp_path / "nope.ics", f"error: {tmp_path / 'nope.ics'} does not exist\n"),
    ]  # fmt: skip
    for path, message in cases:
        r = cli("import", "ics", path, "--me", CHAIR)
        assert (r.code, r.err) == (1, message)
    assert names(cli) == []
