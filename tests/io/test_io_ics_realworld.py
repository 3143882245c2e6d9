"""Every real-world .ics file imports: one test per file, named after the quirk it holds.

The files come from ../shared/fixtures/realworld/ics (SOURCES.md there says where each
came from). Those whose licence allows it are also in tests/data/ics, so most of these
run without the shared folder; the others skip cleanly without it.

Most real samples have no attendees, and a meeting with nobody else in it is not an
interaction. To still check the times and recurrences read from them, some tests add one
guest attendee to every event of the real file (`with_guest`), changing nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from goodwill.io.ics import parse_ics
from goodwill.io.records import ImportOptions, ParseResult
from tests.helpers import DATA, shared_dir

NOW = dt.datetime(2025, 1, 1)
GUEST = "guest@example.com"


def fixture(name: str) -> Path:
    local = DATA / "realworld" / name
    if local.is_file():
        return local
    return shared_dir() / "fixtures" / "realworld" / "ics" / name


def parse(path: Path, *me: str) -> ParseResult:
    return parse_ics(path, ImportOptions(me=list(me or ("owner@example.com",)), now=NOW))


def with_guest(name: str, tmp_path: Path) -> Path:
    """The real file with one guest attendee added after each BEGIN:VEVENT line."""
    data = fixture(name).read_bytes()
    out = re.sub(
        rb"(BEGIN:VEVENT(\r\n|\r|\n))",
        rb"\1ATTENDEE;CN=Guest:mailto:" + GUEST.encode() + rb"\2",
        data,
    )
    path = tmp_path / name
    path.write_bytes(out)
    return path


def skipped(result: ParseResult) -> dict[str, int]:
    """The 'skipped N event occurrences: reason' issues as {reason: N}."""
    out = {}
    for issue in result.issues:
        m = re.match(r"skipped (\d+) event occurrences?: (.*)$", issue.message)
        if m:
            out[m.group(2)] = int(m.group(1))
    return out


NOBODY = "nobody else in it (no organizer or attendee besides you)"


def no_read_errors(result: ParseResult) -> None:
    bad = [i for i in result.issues if "could not" in i.message or "no readable" in i.message]
    assert bad == []


def weekdays(first: dt.date, last: dt.date, days: set[int]) -> list[dt.date]:
    out, d = [], first
    while d <= last:
        if d.weekday() in days:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def test_copies_in_tests_data_are_the_real_files() -> None:
    real = shared_dir() / "fixtures" / "realworld" / "ics"
    for local in sorted((DATA / "realworld").glob("*.ics")):
        assert local.read_bytes() == (real / local.name).read_bytes(), local.name


def test_outlook_quoted_tzid_with_comma_and_tab_folded_uid(tmp_path: Path) -> None:
    # ical4j_2207678: weekly on Fridays 09:30 in "Kuala Lumpur, Singapore" (+08:00).
    assert skipped(parse(fixture("ical4j_2207678.ics"))) == {
        NOBODY: (dt.date(2024, 12, 27) - dt.date(2008, 10, 31)).days // 7 + 1
    }
    r = parse(with_guest("ical4j_2207678.ics", tmp_path))
    uid = (
        "040000008200E00074C5B7101A82E00800000000C0CA27559A38C901000000000000000"
        "0100000001E9AFCA9DCE51242AB306C53D7095851"
    )
    first = r.interactions[0]
    assert first.source_key == f"ics:{uid}/20081031T013000Z"
    assert first.occurred_at == dt.datetime(2008, 10, 31, 1, 30)
    assert first.summary == "Scheduled Reboot"
    assert r.interactions[-1].occurred_at == dt.datetime(2024, 12, 27, 1, 30)
    assert len(r.interactions) == 844
    no_read_errors(r)


def test_exchange_empty_tzid_is_a_floating_time() -> None:
    # ical4j_blankTzid: "TZID:" and "DTSTART;TZID=:..." from Exchange 2010.
    r = parse(fixture("ical4j_blankTzid.ics"), "sam@company.com")
    assert [
        (i.source_key, i.occurred_at, i.initiated_by, i.participants) for i in r.interactions
    ] == [
        (
            "ics:t21ocubdt9jagerldbkak7uhcg@google.com",
            dt.datetime(2015, 8, 26, 9, 0),
            "them",
            ["roberts@company.com"],
        )
    ]
    assert [(p.source_key, p.name) for p in r.people] == [("roberts@company.com", "Bruce Roberts")]
    assert r.issues == []


def test_lotus_notes_rrule_with_tzid_parameter_and_folded_params() -> None:
    # ical4j_calconnect: daily COUNT=5 from 2005-04-11 09:00 "Eastern" (EDT, -04:00).
    r = parse(fixture("ical4j_calconnect.ics"), "icalchair@coffeebean.com")
    uid = "E88157FE01BE8A5C85256FDB006EBCC3-Lotus_Notes_Generated"
    assert [(i.source_key, i.occurred_at) for i in r.interactions] == [
        (f"ics:{uid}/200504{d}T130000Z", dt.datetime(2005, 4, d, 13, 0)) for d in range(11, 16)
    ]
    assert {(i.initiated_by, tuple(i.participants)) for i in r.interactions} == {
        ("me", ("icalparticipant@coffeebean.com",))
    }
    assert [(p.source_key, p.name) for p in r.people] == [
        ("icalparticipant@coffeebean.com", "iCal Participant/CoffeeBean")
    ]


def test_groupwise_room_attendee_with_a_space_in_its_address() -> None:
    # ical4j_groupwise: the meeting room is a RESOURCE whose mailto has a space in it.
    r = parse(fixture("ical4j_groupwise.ics"), "student@university.edu")
    assert [(i.occurred_at, i.summary, i.participants) for i in r.interactions] == [
        (dt.datetime(2008, 12, 17, 7, 30), "LT Team Meeting", ["jane.doe@university.edu"])
    ]
    assert [(p.source_key, p.name) for p in r.people] == [("jane.doe@university.edu", "Jane Doe")]
    # The organizer alone with the room is nobody else.
    assert skipped(parse(fixture("ical4j_groupwise.ics"), "jane.doe@university.edu")) == {NOBODY: 1}


def test_cdo_non_iana_tzid_spaces_in_byday_and_no_uid(tmp_path: Path) -> None:
    # icalendar_issue_165: weekdays 10:00 (+02:00) from Fri 2015-07-03 until 07-22 08:00Z.
    expected = weekdays(dt.date(2015, 7, 3), dt.date(2015, 7, 22), {0, 1, 2, 3, 4})
    assert skipped(parse(fixture("icalendar_issue_165_missing_event.ics"))) == {
        NOBODY: len(expected)
    }
    path = with_guest("icalendar_issue_165_missing_event.ics", tmp_path)
    r = parse(path)
    assert [i.occurred_at for i in r.interactions] == [
        dt.datetime.combine(d, dt.time(8, 0)) for d in expected
    ]
    keys = [i.source_key for i in r.interactions]
    assert all(k.startswith("ics:nouid-") for k in keys) and len(set(keys)) == len(keys)
    assert keys == [i.source_key for i in parse(path).interactions]  # stable


def test_podio_tab_folding_and_text_after_end_vcalendar(tmp_path: Path) -> None:
    # icalendar_issue_350: TAB-folded lines, an X-COMMENT line after END:VCALENDAR.
    assert skipped(parse(fixture("icalendar_issue_350.ics"))) == {NOBODY: 1}
    r = parse(with_guest("icalendar_issue_350.ics", tmp_path))
    assert [(i.source_key, i.occurred_at, i.summary) for i in r.interactions] == [
        ("ics:20055546456446", dt.datetime(2022, 2, 22, 18, 30), 'Termin 4353 und"so"')
    ]


def test_google_weekday_series_with_apple_structured_location(tmp_path: Path) -> None:
    # icalendar_x_location: MO-FR at 14:00 Europe/Zurich since 2016-10-28.
    expected = weekdays(dt.date(2016, 10, 28), dt.date(2024, 12, 31), {0, 1, 2, 3, 4})
    assert skipped(parse(fixture("icalendar_x_location.ics"))) == {NOBODY: len(expected)}
    r = parse(with_guest("icalendar_x_location.ics", tmp_path))
    assert len(r.interactions) == len(expected)
    assert r.interactions[0].occurred_at == dt.datetime(2016, 10, 28, 12, 0)  # CEST
    assert r.interactions[1].occurred_at == dt.datetime(2016, 10, 31, 13, 0)  # CET
    assert r.interactions[0].summary == "Daily Sync"


def test_google_birthdays_rdate_with_z_and_virtual_attendee(tmp_path: Path) -> None:
    # icaljs_google_birthday: RDATE:20131210Z (a date with a Z), attendee "...@virtual".
    r = parse(fixture("icaljs_google_birthday.ics"))
    assert r.interactions == [] and r.people == []
    assert skipped(r) == {NOBODY: 6}
    g = parse(with_guest("icaljs_google_birthday.ics", tmp_path))
    assert sorted((i.source_key, i.occurred_at) for i in g.interactions) == sorted(
        (f"ics:{uid}@google.com/{y}1210", dt.datetime(y, 12, 10, 12, 0))
        for uid in ("2014_BIRTHDAY_79d389868f96182e", "BIRTHDAY_79d389868f96182e")
        for y in (2012, 2013, 2014)
    )
    no_read_errors(g)


def test_zimbra_rdate_period_exdates_and_moved_occurrences() -> None:
    # icaljs_recur_instances: monthly on the first Tuesday, 3 EXDATEs, 5 RDATEs (one a
    # PERIOD), two occurrences moved by overrides that have no attendees.
    r = parse(
        shared_dir() / "fixtures/realworld/ics/icaljs_recur_instances.ics", "jlal@mozilla.com"
    )
    months = (2024 - 2012) * 12 + 3  # Oct 2012 .. Dec 2024
    assert len(r.interactions) == months - 3 + 5 - 2
    assert skipped(r) == {NOBODY: 2}
    assert {tuple(i.participants) for i in r.interactions} == {
        ("calmozilla1@gmail.com", "james@lightsofapollo.com", "iam.revelation@gmail.com")
    }
    assert {i.initiated_by for i in r.interactions} == {"me"}
    when = {i.occurred_at for i in r.interactions}
    assert dt.datetime(2012, 11, 6, 18, 0) in when  # first Tuesday of Nov 2012, PST
    assert dt.datetime(2012, 12, 4, 18, 0) not in when  # an EXDATE
    assert dt.datetime(2023, 11, 25, 9, 0) in when  # the RDATE PERIOD
    assert [(p.source_key, p.name) for p in r.people][:2] == [
        ("calmozilla1@gmail.com", "Sahaja Lal"),
        ("james@lightsofapollo.com", None),
    ]


def test_davx5_duration_and_folded_exdate_list_in_utc(tmp_path: Path) -> None:
    # recurringicalevents_issue_20: Tuesdays 16:15 Berlin, UNTIL 2020-02-04T15:14:59Z,
    # nine EXDATEs in UTC over three folded lines.
    path = tmp_path / "issue20.ics"
    path.write_bytes(
        (shared_dir() / "fixtures/realworld/ics/recurringicalevents_issue_20_exdate_ignored.ics")
        .read_bytes()
        .replace(b"BEGIN:VEVENT\n", b"BEGIN:VEVENT\nATTENDEE:mailto:guest@example.com\n")
    )
    r = parse(path)
    tuesdays = weekdays(dt.date(2019, 10, 15), dt.date(2020, 1, 28), {1})
    excluded = (
        {dt.date(2019, 10, d) for d in (15, 22)}
        | {dt.date(2019, 11, d) for d in (5, 19, 26)}
        | {dt.date(2019, 12, d) for d in (3, 17, 24, 31)}
    )
    expected = [d for d in tuesdays if d not in excluded]
    assert [i.occurred_at.date() for i in r.interactions] == expected
    assert r.interactions[0].occurred_at == dt.datetime(2019, 10, 29, 15, 15)  # CET


def test_exchange_all_day_fortnightly_with_windows_tzid_and_moved_days() -> None:
    # recurringicalevents_issue_28: two fortnightly all-day series (Thursday bins) with
    # UNTIL in UTC, "GMT Standard Time", and overrides moving days to Friday.
    r = parse(
        shared_dir()
        / "fixtures/realworld/ics/recurringicalevents_issue_28_rrule_with_UTC_endinginZ.ics"
    )
    assert skipped(r) == {NOBODY: 24}
    no_read_errors(r)


def test_evolution_override_with_a_lower_sequence(tmp_path: Path) -> None:
    # recurringicalevents_recurrence_sequence_number: weekly all-day on Tuesdays, the
    # 2020-09-22 occurrence overridden by a component with a lower SEQUENCE.
    src = shared_dir() / "fixtures/realworld/ics/recurringicalevents_recurrence_sequence_number.ics"
    path = tmp_path / "seq.ics"
    path.write_bytes(
        src.read_bytes().replace(
            b"BEGIN:VEVENT\r\n", b"BEGIN:VEVENT\r\nATTENDEE:mailto:g@x.org\r\n"
        )
    )
    r = parse(path)
    tuesdays = weekdays(dt.date(2020, 9, 8), dt.date(2024, 12, 31), {1})
    assert [i.occurred_at for i in r.interactions] == [
        dt.datetime.combine(d, dt.time(12, 0)) for d in tuesdays
    ]
    assert [i.summary for i in r.interactions[:3]] == ["Base event", "Base event", "Modified event"]


def test_thunderbird_weekly_with_exdates_in_utc_and_cancelled_overrides() -> None:
    # vobject_radicale-0827: Mondays 20:30 Paris until 2018-06-23, nine EXDATEs, two
    # occurrences cancelled by overrides.
    mondays = weekdays(dt.date(2017, 10, 9), dt.date(2018, 6, 23), {0})
    assert skipped(parse(fixture("vobject_radicale-0827.ics"))) == {
        NOBODY: len(mondays) - 9 - 2,
        "cancelled": 2,
    }


def test_outlook_cyrillic_8bit_tzid(tmp_path: Path) -> None:
    # vobject_tzid_8bit: TZID Екатеринбург (+06:00 in May 2008) and no DTEND.
    assert skipped(parse(fixture("vobject_tzid_8bit.ics"))) == {NOBODY: 1}
    r = parse(with_guest("vobject_tzid_8bit.ics", tmp_path))
    assert [(i.source_key, i.occurred_at) for i in r.interactions] == [
        ("ics:CyrillicTest", dt.datetime(2008, 5, 30, 9, 0))
    ]


def test_forcecom_space_after_colon_and_leading_blank_line() -> None:
    # vobject_vobject_0050: "METHOD: REQUEST", "DTEND: 2024...", DTEND and DURATION both.
    r = parse(fixture("vobject_vobject_0050.ics"), "me@example.com")
    assert [
        (i.source_key, i.occurred_at, i.summary, i.initiated_by, i.participants)
        for i in r.interactions
    ] == [
        (
            "ics:appointments@wellsfargo.com",
            dt.datetime(2024, 8, 12, 21, 30),
            "Personal: Open a new account",
            "them",
            ["appointments@wellsfargo.com"],
        )
    ]
    assert r.people[0].name == "Wells Fargo and Company"
    assert r.issues == []


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (DATA / "realworld").glob("*.ics")),
)
def test_every_copied_file_imports_without_an_unreadable_event(name: str) -> None:
    no_read_errors(parse(fixture(name)))
