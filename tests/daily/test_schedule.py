"""The iCalendar schedule: a daily block with today's agenda, and upcoming cadence dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.daily import schedule
from goodwill.errors import InvalidInput
from goodwill.records import interactions, people
from goodwill.store.models import Setting
from tests.helpers import Result

TODAY = dt.date(2026, 3, 15)
NOW = dt.datetime(2026, 3, 15, 9, 0)


def events(data: bytes) -> list[Calendar]:
    return list(Calendar.from_ical(data).walk("VEVENT"))


def test_calendar_parses_with_block_and_cadence_dates(session: Session) -> None:
    olga = people.add(session, "Olga Overdue", circle="close")
    interactions.log(session, [olga], "call", when=NOW - dt.timedelta(days=40), now=NOW)
    soon = people.add(session, "Sol Soon", circle="close")
    interactions.log(session, [soon], "call", when=NOW - dt.timedelta(days=10), now=NOW)
    data = schedule.calendar_bytes(session, today=TODAY, daily=dt.time(7, 45), minutes=25)
    cal = Calendar.from_ical(data)
    assert str(cal["PRODID"]).startswith("-//goodwill//")
    block, *reminders = events(data)
    assert block.decoded("DTSTART") == dt.datetime(2026, 3, 15, 7, 45)
    assert block.decoded("DURATION") == dt.timedelta(minutes=25)
    assert dict(block["RRULE"]) == {"FREQ": ["DAILY"]}
    description = str(block["DESCRIPTION"])
    assert "1. Keep in touch with Olga Overdue" in description
    assert f"goodwill done keep_in_touch:p{olga.id}:d20260203" in description
    assert str(block["SUMMARY"]) == "Networking: 1 action, 15 min"  # a call
    [reminder] = reminders
    assert str(reminder["SUMMARY"]) == "Keep in touch with Sol Soon"
    assert reminder.decoded("DTSTART") == dt.date(2026, 3, 19)  # 14 days after the call
    assert len({str(e["UID"]) for e in events(data)}) == 2


def test_same_day_same_file(session: Session) -> None:
    people.add(session, "Ana Lima")
    assert schedule.calendar_bytes(session, today=TODAY) == schedule.calendar_bytes(
        session, today=TODAY
    )


@pytest.mark.parametrize("value", ["25:00", "8", "eight", "08:61", ""])
def test_bad_times(value: str) -> None:
    with pytest.raises(InvalidInput, match="not a time of day"):
        schedule.parse_time(value)


@pytest.mark.parametrize(
    ("value", "expected"), [("08:30", (8, 30)), ("7.05", (7, 5)), ("9h00", (9, 0))]
)
def test_times(value: str, expected: tuple[int, int]) -> None:
    assert schedule.parse_time(value) == dt.time(*expected)


def test_preferences_are_saved_and_checked(session: Session) -> None:
    assert schedule.preferences(session) == (dt.time(8, 30), 20)
    schedule.save_preferences(session, dt.time(7, 0), 30)
    assert schedule.preferences(session) == (dt.time(7, 0), 30)
    with pytest.raises(InvalidInput):
        schedule.save_preferences(session, None, 0)
    assert schedule.preferences(session) == (dt.time(7, 0), 30)


def test_schedule_cli_writes_an_importable_file(cli: Callable[..., Result], tmp_path: Path) -> None:
    target = tmp_path / "net.ics"
    r = cli("schedule", "--daily", "08:30", "--minutes", "20", "-o", str(target))
    assert r.code == 0, r.err
    assert "a daily 20-minute block at 08:30" in r.err
    [block] = events(target.read_bytes())
    assert block.decoded("DTSTART").time() == dt.time(8, 30)
    bad = cli("schedule", "--daily", "8 in the morning", "-o", str(tmp_path / "x.ics"))
    assert bad.code == 1 and "error: invalid daily '8 in the morning'" in bad.err
    assert not (tmp_path / "x.ics").exists()
    zero = cli("schedule", "--minutes", "0", "-o", str(tmp_path / "y.ics"))
    assert zero.code == 1 and not (tmp_path / "y.ics").exists()


def test_bad_input_writes_no_preference(session: Session) -> None:
    with pytest.raises(InvalidInput):
        schedule.calendar_bytes(session, today=TODAY, minutes=-1)
    assert session.scalar(select(func.count()).select_from(Setting)) == 0


def test_export_ics_uses_the_saved_schedule(cli: Callable[..., Result], tmp_path: Path) -> None:
    assert cli("person", "add", "Olga Overdue", "--circle", "close").code == 0
    assert (
        cli("schedule", "--daily", "07:45", "--minutes", "15", "-o", str(tmp_path / "a.ics")).code
        == 0
    )
    target = tmp_path / "export.ics"
    r = cli("export", "ics", "-o", str(target))
    assert r.code == 0, r.err
    blocks = [e for e in events(target.read_bytes()) if e.get("RRULE")]
    assert len(blocks) == 1
    assert blocks[0].decoded("DTSTART").time() == dt.time(7, 45)
    assert blocks[0]["RRULE"]["FREQ"] == ["DAILY"]
