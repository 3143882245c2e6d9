"""goodwill's own calendar events edited on the phone come back: moved, cancelled, deleted.

The edits are made the way iOS Calendar and DAVx5 save an event: SEQUENCE bumped, a new
DTSTAMP, LAST-MODIFIED, X- properties, an alarm, DTSTART with a TZID and its VTIMEZONE.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import select

from goodwill.career import interviews
from goodwill.daily import schedule
from goodwill.records import interactions, people
from goodwill.store.db import Store
from goodwill.store.models import Interaction, Meeting, Person, SyncEvent
from goodwill.sync import calendar

NOW = dt.datetime(2026, 3, 2, 9, 0)
VTIMEZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
)


def ios_edit(path: Path, *, start: str | None = None, status: str | None = None) -> None:
    """Save the event as iOS does: the phone's PRODID, SEQUENCE+1, new stamps, X- lines, an
    alarm; a new start written with a TZID (`start` as 'TZID=Europe/Paris:20260305T150000'
    or a plain value)."""
    text = path.read_bytes().decode()
    text = text.replace("PRODID:-//goodwill//sync//EN", "PRODID:-//Apple Inc.//iOS 17.4//EN")
    if start is not None:
        prop, _, value = start.rpartition(":")
        line = f"DTSTART;{prop}:{value}" if prop else f"DTSTART:{value}"
        if "VALUE=DATE" in text:
            line = f"DTSTART;VALUE=DATE:{value}"
        text = re.sub(r"DTSTART[^\r\n]*", line, text, count=1)
        text = re.sub(r"DTEND[^\r\n]*\r\n", "", text)
        if "TZID" in prop:
            text = text.replace("BEGIN:VEVENT", VTIMEZONE + "BEGIN:VEVENT", 1)
    extra = (
        "SEQUENCE:1\r\nLAST-MODIFIED:20260302T101500Z\r\n"
        "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:Reminder\r\n"
        "X-WR-ALARMUID:1B2C\r\nEND:VALARM\r\n"
    )
    if status:
        extra = f"STATUS:{status}\r\n" + extra
    text = re.sub(r"DTSTAMP:[^\r\n]*", "DTSTAMP:20260302T101500Z", text)
    text = text.replace("END:VEVENT", extra + "END:VEVENT")
    path.write_bytes(text.encode())


def _setup(store: Store) -> tuple[int, int, int]:
    """Ana with a planned interview; Bo with a planned coffee and a follow-up."""
    with store.session() as s:
        people.set_me(s, name="Me Myself", add_emails=["me@example.com"])
        ana = people.add(s, "Ana Lima", emails=["ana@example.com"], note="PRIVATE")
        bo = people.add(s, "Bo Chen", emails=["bo@example.com"])
        meeting = interviews.plan(s, ana, when=dt.datetime(2026, 3, 4, 14), now=NOW)
        coffee = interactions.log(
            s, [bo], "coffee", when=dt.datetime(2026, 3, 6, 8), summary="Coffee: my notes",
            planned=True, follow_up_on=dt.date(2026, 3, 20), now=NOW,
        )  # fmt: skip
        return meeting.id, coffee.id, bo.id


def _file(folder: Path, uid: str) -> Path:
    return folder / f"{uid}@goodwill.local.ics"


def _events(store: Store) -> list[tuple[str, str | None, str]]:
    with store.session() as s:
        rows = s.scalars(select(SyncEvent).order_by(SyncEvent.id)).all()
        return [(e.kind, e.field, e.status) for e in rows]


def test_a_moved_interview_moves_and_the_file_stays_the_phones(
    store: Store, tmp_path: Path
) -> None:
    mid, _, _ = _setup(store)
    folder = tmp_path / "cal"
    calendar.sync_calendar(store, folder, now=NOW)
    path = _file(folder, f"meeting-{mid}")
    # Paris is UTC+1 in March: 16:30 there is 15:30 UTC.
    ios_edit(path, start="TZID=Europe/Paris:20260305T163000")
    phone_bytes = path.read_bytes()
    report = calendar.sync_calendar(store, folder, now=NOW)
    assert report.moved_on_phone == 1 and report.written == 0
    with store.session() as s:
        assert s.get(Meeting, mid).planned_for == dt.datetime(2026, 3, 5, 15, 30)  # type: ignore[union-attr]
    assert path.read_bytes() == phone_bytes  # goodwill did not write over the phone's copy
    assert _events(store) == [("moved", "when", "done")]
    # Nothing changed since: nothing read, nothing written, nothing recorded.
    quiet = calendar.sync_calendar(store, folder, now=NOW)
    assert (quiet.read, quiet.written, quiet.moved_on_phone) == (0, 0, 0)
    assert path.read_bytes() == phone_bytes


def test_an_edit_that_does_not_move_it_changes_nothing(store: Store, tmp_path: Path) -> None:
    mid, _, _ = _setup(store)
    folder = tmp_path / "cal"
    calendar.sync_calendar(store, folder, now=NOW)
    ios_edit(_file(folder, f"meeting-{mid}"))  # an alarm and a new SEQUENCE only
    report = calendar.sync_calendar(store, folder, now=NOW)
    assert (report.moved_on_phone, report.cancelled_on_phone, report.written) == (0, 0, 0)
    assert _events(store) == []


def test_cancelled_and_deleted_on_the_phone(store: Store, tmp_path: Path) -> None:
    mid, iid, _ = _setup(store)
    folder = tmp_path / "cal"
    calendar.sync_calendar(store, folder, now=NOW)
    ios_edit(_file(folder, f"meeting-{mid}"), status="CANCELLED")
    _file(folder, f"follow-up-{iid}").unlink()  # DAVx5 deletes the file
    ios_edit(_file(folder, f"interaction-{iid}"), status="CANCELLED")
    report = calendar.sync_calendar(store, folder, now=NOW)
    assert report.cancelled_on_phone == 2 and report.open_events == 1
    with store.session() as s:
        assert s.get(Meeting, mid).status == "cancelled"  # type: ignore[union-attr]
        coffee = s.get(Interaction, iid)
        assert coffee is not None and coffee.follow_up_on is None  # the follow-up dropped
        assert coffee.summary == "Coffee: my notes"  # your own meeting: asked, not deleted
    assert sorted(_events(store)) == [
        ("cancelled", "when", "done"),
        ("cancelled", "when", "done"),
        ("cancelled", "when", "open"),
    ]
    # The interview's file goes (goodwill has no such event now); the coffee's waits.
    assert not _file(folder, f"meeting-{mid}").exists()
    assert _file(folder, f"interaction-{iid}").exists()
    again = calendar.sync_calendar(store, folder, now=NOW)
    assert (again.written, again.read, again.cancelled_on_phone, again.open_events) == (
        0, 0, 0, 0,
    )  # fmt: skip
    assert b"CANCELLED" in _file(folder, f"interaction-{iid}").read_bytes()


def test_moved_on_both_sides_keeps_goodwills_time_as_a_conflict(
    store: Store, tmp_path: Path
) -> None:
    mid, _, _ = _setup(store)
    folder = tmp_path / "cal"
    calendar.sync_calendar(store, folder, now=NOW)
    ios_edit(_file(folder, f"meeting-{mid}"), start="20260307T100000Z")
    with store.session() as s:
        s.get(Meeting, mid).planned_for = dt.datetime(2026, 3, 9, 11)  # type: ignore[union-attr]
    report = calendar.sync_calendar(store, folder, now=NOW)
    assert report.conflicts == 1 and report.written == 1
    with store.session() as s:
        assert s.get(Meeting, mid).planned_for == dt.datetime(2026, 3, 9, 11)  # type: ignore[union-attr]
        event = s.scalars(select(SyncEvent)).one()
    assert (event.kind, event.status, event.ours, event.theirs) == (
        "conflict", "open", "2026-03-09 11:00", "2026-03-07 10:00",
    )  # fmt: skip
    assert b"20260309T110000" in _file(folder, f"meeting-{mid}").read_bytes()


def test_the_daily_block_moved_and_deleted(store: Store, tmp_path: Path) -> None:
    _setup(store)
    folder = tmp_path / "cal"
    calendar.sync_calendar(store, folder, now=NOW)
    path = folder / "daily-session@goodwill.local.ics"
    text = path.read_bytes().decode().replace("DURATION:PT20M", "DURATION:PT30M")
    path.write_bytes(text.encode())
    ios_edit(path, start="TZID=Europe/Paris:20240101T073000")
    report = calendar.sync_calendar(store, folder, now=NOW)
    assert report.moved_on_phone == 1
    with store.session() as s:
        assert schedule.preferences(s) == (dt.time(7, 30), 30)
    path.unlink()
    gone = calendar.sync_calendar(store, folder, now=NOW)
    assert gone.written == 0 and not path.exists()  # off the phone, as you wanted
    assert calendar.sync_calendar(store, folder, now=NOW).written == 0
    with store.session() as s:
        schedule.save_preferences(s, dt.time(9, 0), None)
    assert calendar.sync_calendar(store, folder, now=NOW).written == 1  # changed: back
    assert path.exists()


def test_a_moved_follow_up_moves(store: Store, tmp_path: Path) -> None:
    _, iid, _ = _setup(store)
    folder = tmp_path / "cal"
    calendar.sync_calendar(store, folder, now=NOW)
    ios_edit(_file(folder, f"follow-up-{iid}"), start="20260325")
    report = calendar.sync_calendar(store, folder, now=NOW)
    assert report.moved_on_phone == 1
    with store.session() as s:
        assert s.get(Interaction, iid).follow_up_on == dt.date(2026, 3, 25)  # type: ignore[union-attr]
        assert s.scalars(select(Person.display_name).where(Person.id > 0)).all()


def test_an_unreadable_copy_of_ours_is_one_clear_issue(store: Store, tmp_path: Path) -> None:
    mid, _, _ = _setup(store)
    folder = tmp_path / "cal"
    calendar.sync_calendar(store, folder, now=NOW)
    _file(folder, f"meeting-{mid}").write_bytes(b"BEGIN:VCALENDAR\r\nnot an event\r\n")
    report = calendar.sync_calendar(store, folder, now=NOW)
    assert report.issues == [
        f"meeting-{mid}@goodwill.local.ics: not a readable event, left as it is"
    ]
    with store.session() as s:
        meeting = s.get(Meeting, mid)
        assert meeting is not None
        assert (meeting.status, meeting.planned_for) == ("planned", dt.datetime(2026, 3, 4, 14))
    assert _events(store) == []
    assert calendar.sync_calendar(store, folder, now=NOW).issues == []  # said once
