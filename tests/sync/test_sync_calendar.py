"""Calendar sync with a vdir: goodwill's events out, your meetings in (moved, cancelled)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from goodwill.career import interviews
from goodwill.records import people
from goodwill.store.db import Store
from goodwill.store.models import Interaction, Participant, Person
from goodwill.sync import calendar
from tests.helpers import Result

NOW = dt.datetime(2026, 3, 2, 9, 0)


def _event(uid: str, start: str, *, status: str = "", extra: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\n"
        "DURATION:PT1H\r\nSUMMARY:Coffee with Ana\r\n"
        "ORGANIZER;CN=Me:mailto:me@example.com\r\n"
        "ATTENDEE;CN=Ana Lima;PARTSTAT=ACCEPTED:mailto:ana@example.com\r\n"
        f"{status}{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def _setup(store: Store) -> int:
    with store.session() as s:
        people.set_me(s, name="Me Myself", add_emails=["me@example.com"])
        return people.add(s, "Ana Lima", emails=["ana@example.com"], note="PRIVATE").id


def _meetings(store: Store) -> list[tuple[dt.datetime, bool, list[int]]]:
    with store.session() as s:
        rows = s.scalars(select(Interaction).where(Interaction.source == "calendar")).all()
        return [
            (
                i.occurred_at,
                i.planned,
                list(
                    s.scalars(
                        select(Participant.person_id).where(Participant.interaction_id == i.id)
                    )
                ),
            )
            for i in rows
        ]


def test_a_meeting_comes_in_moves_and_is_cancelled(store: Store, tmp_path: Path) -> None:
    ana = _setup(store)
    folder = tmp_path / "cal"
    folder.mkdir()
    path = folder / "abc.ics"
    path.write_text(_event("abc", "20260305T100000Z"))
    report = calendar.sync_calendar(store, folder, now=NOW)
    assert report.interactions_created == 1
    assert _meetings(store) == [(dt.datetime(2026, 3, 5, 10), True, [ana])]
    # Nothing changed: nothing read, nothing written.
    quiet = calendar.sync_calendar(store, folder, now=NOW)
    assert (quiet.read, quiet.written, quiet.interactions_created) == (0, 0, 0)
    # The event moves.
    path.write_text(_event("abc", "20260306T150000Z"))
    moved = calendar.sync_calendar(store, folder, now=NOW)
    assert moved.interactions_updated == 1
    assert _meetings(store) == [(dt.datetime(2026, 3, 6, 15), True, [ana])]
    # Its time comes: it is done, no longer planned.
    calendar.sync_calendar(store, folder, now=dt.datetime(2026, 3, 7))
    assert _meetings(store)[0][1] is False
    # A planned one cancelled goes away.
    path.write_text(_event("abc", "20260310T150000Z"))
    calendar.sync_calendar(store, folder, now=dt.datetime(2026, 3, 7))
    path.write_text(_event("abc", "20260310T150000Z", status="STATUS:CANCELLED\r\n"))
    cancelled = calendar.sync_calendar(store, folder, now=dt.datetime(2026, 3, 7))
    assert cancelled.interactions_cancelled == 1 and _meetings(store) == []


def test_recurring_meetings_are_keyed_by_occurrence(store: Store, tmp_path: Path) -> None:
    _setup(store)
    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / "weekly.ics").write_text(
        _event("weekly", "20260216T100000Z", extra="RRULE:FREQ=WEEKLY;COUNT=4\r\n")
    )
    report = calendar.sync_calendar(store, folder, now=NOW)
    assert report.interactions_created == 4
    planned = sorted(p for _, p, _ in _meetings(store))
    assert planned == [False, False, True, True]
    (folder / "weekly.ics").unlink()
    gone = calendar.sync_calendar(store, folder, now=NOW)
    assert gone.interactions_cancelled == 2  # the planned ones; the past stay in history
    assert len(_meetings(store)) == 2


def test_a_new_attendee_becomes_a_person_once(store: Store, tmp_path: Path) -> None:
    _setup(store)
    folder = tmp_path / "cal"
    folder.mkdir()
    extra = "ATTENDEE;CN=Bo Chen:mailto:bo@example.com\r\n"
    (folder / "a.ics").write_text(_event("a", "20260301T100000Z", extra=extra))
    (folder / "b.ics").write_text(_event("b", "20260228T100000Z", extra=extra))
    calendar.sync_calendar(store, folder, now=NOW)
    with store.session() as s:
        names = s.scalars(select(Person.display_name).where(Person.is_me.is_(False))).all()
    assert sorted(names) == ["Ana Lima", "Bo Chen"]


def test_goodwills_events_are_written_once_and_removed(store: Store, tmp_path: Path) -> None:
    ana = _setup(store)
    with store.session() as s:
        meeting = interviews.plan(
            s,
            s.get(Person, ana),
            when=dt.datetime(2026, 3, 4, 14),
            now=NOW,  # type: ignore[arg-type]
        )
        mid = meeting.id
    folder = tmp_path / "cal"
    first = calendar.sync_calendar(store, folder, now=NOW)
    assert first.written == 2  # the daily block and the interview
    files = {p.name: p.read_bytes() for p in folder.glob("*.ics")}
    assert any(b"Informational interview: Ana Lima" in d for d in files.values())
    assert not any(b"PRIVATE" in d for d in files.values())
    mtimes = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.ics")}
    again = calendar.sync_calendar(store, folder, now=NOW)
    assert (again.written, again.read, again.untouched) == (0, 0, 2)
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.ics")} == mtimes
    with store.session() as s:
        interviews.cancel(s, interviews.get(s, mid))
    gone = calendar.sync_calendar(store, folder, now=NOW)
    assert gone.removed == 1 and len(list(folder.glob("*.ics"))) == 1
    # Our own events coming back through the folder are not meetings with anyone.
    assert _meetings(store) == []


def test_unreadable_files_are_issues(store: Store, tmp_path: Path) -> None:
    _setup(store)
    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / "bad.ics").write_bytes(b"BEGIN:VCALENDAR\r\nthis is not\r\n")
    report = calendar.sync_calendar(store, folder, now=NOW)
    assert len(report.issues) == 1 and "bad.ics" in report.issues[0]


def test_cli_calendar_json_and_dry_run(cli: Callable[..., Result], tmp_path: Path) -> None:
    folder = tmp_path / "cal"
    dry = cli("sync", "calendar", str(folder), "--dry-run")
    assert dry.code == 0 and "would write 1" in dry.out and "dry run" in dry.out
    assert not folder.exists()
    result = cli("sync", "calendar", str(folder), "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["written"] == 1
    assert len(list(folder.glob("*.ics"))) == 1
    assert "--dry-run" in cli("sync", "calendar", "--help").out
