"""What the phone's sync asks you, as actions of the daily session (CLI, domain)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from goodwill.career import interviews
from goodwill.daily import agenda
from goodwill.errors import GoodwillError
from goodwill.records import interactions, people
from goodwill.store.db import Store
from goodwill.store.models import Interaction, Meeting, Person, SyncEvent
from goodwill.sync import calendar, contacts, decisions
from tests.helpers import Result
from tests.sync.test_sync_calendar_phone import NOW, ios_edit

TODAY = dt.date(2026, 3, 2)


def _contacts(store: Store, folder: Path) -> None:
    contacts.sync_contacts(store, folder, contacts.Options())


def _asked(store: Store, folder: Path) -> tuple[int, int, Path]:
    """Ana's card deleted on the phone; Bo's title changed on both sides."""
    with store.session() as s:
        ana = people.add(s, "Ana Lima", emails=["ana@example.com"]).id
        bo = people.add(s, "Bo Chen", emails=["bo@example.com"], org="Acme, Inc.", title="CTO").id
    _contacts(store, folder)
    for path in folder.glob("*.vcf"):
        text = path.read_text()
        if "Ana Lima" in text:
            path.unlink()
        else:
            path.write_text(text.replace("TITLE:CTO", "TITLE:VP, Engineering"))
    with store.session() as s:
        people.edit(s, s.get(Person, bo), org="Acme, Inc.", title="Founder")  # type: ignore[arg-type]
    _contacts(store, folder)
    return ana, bo, folder


def _session_asks(store: Store) -> list[tuple[str, str, list[str]]]:
    with store.session() as s:
        plan = agenda.build(s, TODAY, 20)
    return [(a.kind, a.person, a.choices) for a in plan.actions if a.choices]


def test_each_open_event_is_an_action_with_its_choices(store: Store, tmp_path: Path) -> None:
    ana, bo, _ = _asked(store, tmp_path / "contacts")
    assert sorted(_session_asks(store)) == [
        ("sync_conflict", "Bo Chen", ["ours", "theirs"]),
        ("sync_deleted", "Ana Lima", ["keep", "remove"]),
    ]
    with store.session() as s:
        plan = agenda.build(s, TODAY, 20)
        ids = {a.kind: a.id for a in plan.actions if a.choices}
        assert plan.actions[0].choices and plan.actions[1].choices  # first in the session
        with pytest.raises(GoodwillError, match="choose ours or theirs"):
            decisions.resolve(s, ids["sync_conflict"], "remove")
        said = decisions.resolve(s, ids["sync_conflict"], "theirs")
        assert "VP, Engineering" in said
        role = people.current_role(s.get(Person, bo))  # type: ignore[arg-type]
        assert (role.organization.name, role.title) == ("Acme, Inc.", "VP, Engineering")  # type: ignore[union-attr]
        decisions.resolve(s, ids["sync_deleted"], "remove")
        assert s.get(Person, ana).removed_at is not None  # type: ignore[union-attr]
        with pytest.raises(GoodwillError, match="already decided"):
            decisions.resolve(s, ids["sync_deleted"], "keep")
    assert _session_asks(store) == []


def _cancelled_meeting(store: Store, tmp_path: Path) -> int:
    with store.session() as s:
        people.set_me(s, name="Me Myself", add_emails=["me@example.com"])
        bo = people.add(s, "Bo Chen", emails=["bo@example.com"])
        iid = interactions.log(
            s, [bo], "coffee", when=dt.datetime(2026, 3, 6, 8), planned=True, now=NOW
        ).id
    folder = tmp_path / "cal"
    calendar.sync_calendar(store, folder, now=NOW)
    ios_edit(folder / f"interaction-{iid}@goodwill.local.ics", status="CANCELLED")
    calendar.sync_calendar(store, folder, now=NOW)
    return iid


def test_a_cancelled_meeting_kept_goes_back_to_the_phone(store: Store, tmp_path: Path) -> None:
    iid = _cancelled_meeting(store, tmp_path)
    assert _session_asks(store) == [
        ("sync_cancelled", "Bo Chen", ["keep", "cancel"]),
    ]
    with store.session() as s:
        (action,) = [a for a in agenda.build(s, TODAY, 20).actions if a.choices]
        decisions.resolve(s, action.id)  # the safe choice: keep
    again = calendar.sync_calendar(store, tmp_path / "cal", now=NOW)
    assert again.written == 1
    assert (
        b"CANCELLED"
        not in (tmp_path / "cal" / f"interaction-{iid}@goodwill.local.ics").read_bytes()
    )


def test_a_cancelled_meeting_cancelled(
    cli: Callable[..., Result], store: Store, tmp_path: Path
) -> None:
    iid = _cancelled_meeting(store, tmp_path)
    shown = cli("today", "--date", TODAY.isoformat())
    assert shown.code == 0, shown.err
    assert "Keep or cancel the meeting with Bo Chen" in shown.out
    assert "goodwill done 1 --pick keep | --pick cancel" in shown.out
    bad = cli("done", "1", "--pick", "maybe", "--date", TODAY.isoformat())
    assert bad.code != 0 and "choose keep or cancel" in bad.err and "Traceback" not in bad.err
    result = cli("done", "1", "--pick", "cancel", "--date", TODAY.isoformat())
    assert result.code == 0, result.err
    assert "Cancelled the meeting with Bo Chen" in result.out + result.err
    with store.session() as s:
        assert s.get(Interaction, iid) is None
        assert s.scalars(select(SyncEvent.status).where(SyncEvent.kind == "cancelled")).all() == [
            "closed"
        ]
    assert "Keep or cancel" not in cli("today", "--date", TODAY.isoformat()).out


def test_a_time_conflict_takes_the_phones_time(store: Store, tmp_path: Path) -> None:
    with store.session() as s:
        ana = people.add(s, "Ana Lima", emails=["ana@example.com"])
        mid = interviews.plan(s, ana, when=dt.datetime(2026, 3, 4, 14), now=NOW).id
    folder = tmp_path / "cal"
    calendar.sync_calendar(store, folder, now=NOW)
    ios_edit(folder / f"meeting-{mid}@goodwill.local.ics", start="20260307T100000Z")
    with store.session() as s:
        s.get(Meeting, mid).planned_for = dt.datetime(2026, 3, 9, 11)  # type: ignore[union-attr]
    calendar.sync_calendar(store, folder, now=NOW)
    with store.session() as s:
        (action,) = [a for a in agenda.build(s, TODAY, 20).actions if a.choices]
        assert action.kind == "sync_conflict" and "2026-03-07 10:00" in action.reason
        decisions.resolve(s, action.id, "theirs")
        assert s.get(Meeting, mid).planned_for == dt.datetime(2026, 3, 7, 10)  # type: ignore[union-attr]
