"""goodwill's interviews and the phone's edits of them, in any order, with syncs between.

Hypothesis plans and moves interviews in goodwill, moves, cancels and deletes their events
on the phone (iOS-style edits), and syncs; a model says what each interview must be after
each sync: moved as the phone moved it, goodwill's time kept when both moved it (an open
conflict), cancelled as the phone cancelled it, or waiting (an open question) when goodwill
had moved it since. After each sync a second run reads and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule
from sqlalchemy import func, select

from goodwill.career import interviews
from goodwill.records import people
from goodwill.store.db import open_store
from goodwill.store.models import Meeting, SyncEvent
from goodwill.sync import calendar
from tests.sync.test_sync_calendar_phone import NOW, ios_edit


class CalendarMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="gw-cal-"))
        self.store = open_store(str(self.tmp / "g.db"))
        self.folder = self.tmp / "cal"
        self.expected: dict[int, dt.datetime | None] = {}  # None: cancelled
        self.asked: set[int] = set()  # cancelled on the phone, waiting for you
        self.synced: set[int] = set()  # on the phone
        self.moved_here: dict[int, dt.datetime] = {}  # since the last sync
        self.phone: dict[int, tuple[str, dt.datetime | None]] = {}  # since the last sync
        self.conflicts = 0

    def teardown(self) -> None:
        self.store.dispose()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _path(self, mid: int) -> Path:
        return self.folder / f"meeting-{mid}@goodwill.local.ics"

    def _live(self) -> list[int]:
        return sorted(m for m, t in self.expected.items() if t is not None and m not in self.asked)

    @rule(hours=st.integers(1, 200))
    def plan_in_goodwill(self, hours: int) -> None:
        when = NOW + dt.timedelta(hours=hours)
        with self.store.session() as s:
            n = len(self.expected)
            who = people.add(s, f"Ana Lima {n}", emails=[f"ana{n}@example.com"])
            mid = interviews.plan(s, who, when=when, now=NOW).id
        self.expected[mid] = when

    @precondition(lambda self: self._live())
    @rule(which=st.integers(0, 20), hours=st.integers(1, 200))
    def move_in_goodwill(self, which: int, hours: int) -> None:
        mid = self._live()[which % len(self._live())]
        when = NOW + dt.timedelta(hours=hours)
        with self.store.session() as s:
            s.get(Meeting, mid).planned_for = when  # type: ignore[union-attr]
        self.moved_here[mid] = when

    def _on_phone(self) -> list[int]:
        return [
            m for m in self._live() if m in self.synced and self.phone.get(m, ("",))[0] != "gone"
        ]

    @precondition(lambda self: self._on_phone())
    @rule(
        which=st.integers(0, 20),
        hours=st.integers(1, 200),
        how=st.sampled_from(["move", "cancel", "delete"]),
    )
    def edit_on_phone(self, which: int, hours: int, how: str) -> None:
        mid = self._on_phone()[which % len(self._on_phone())]
        if self.phone.get(mid, ("",))[0] == "cancel":
            return  # a cancelled event is not moved again
        path = self._path(mid)
        if how == "move":
            when = NOW + dt.timedelta(hours=hours)
            ios_edit(path, start=f"{when:%Y%m%dT%H%M%S}Z")
            self.phone[mid] = ("move", when)
        elif how == "cancel":
            ios_edit(path, status="CANCELLED")
            self.phone[mid] = ("cancel", None)
        else:
            path.unlink()
            self.phone[mid] = ("gone", None)

    @rule()
    def sync(self) -> None:
        calendar.sync_calendar(self.store, self.folder, now=NOW)
        for mid, (how, when) in self.phone.items():
            ours = self.moved_here.get(mid)
            if how == "move":
                if ours is None:
                    self.expected[mid] = when
                elif ours != when:
                    self.expected[mid] = ours
                    self.conflicts += 1
                else:
                    self.expected[mid] = ours
            elif ours is not None:
                self.expected[mid] = ours
                self.asked.add(mid)
            else:
                self.expected[mid] = None
        for mid, when in self.moved_here.items():
            if mid not in self.phone:
                self.expected[mid] = when
        self.moved_here, self.phone = {}, {}
        self.synced = {m for m in self._live()}
        again = calendar.sync_calendar(self.store, self.folder, now=NOW)
        assert (again.read, again.written, again.removed) == (0, 0, 0), again
        self._check()

    def _check(self) -> None:
        with self.store.session() as s:
            for mid, when in self.expected.items():
                meeting = s.get(Meeting, mid)
                assert meeting is not None
                if when is None:
                    assert meeting.status == "cancelled", mid
                    assert not self._path(mid).exists()
                    continue
                assert (meeting.status, meeting.planned_for) == ("planned", when), mid
                if mid in self.asked:
                    continue
                view = calendar.phone_view(
                    self._path(mid).read_bytes(), f"meeting-{mid}@goodwill.local"
                )
                assert view is not None and not view.cancelled
                assert when.isoformat(timespec="minutes") in view.starts, (mid, view)
            conflicts = s.scalar(
                select(func.count()).where(SyncEvent.kind == "conflict", SyncEvent.status == "open")
            )
            assert conflicts == self.conflicts
            asked = s.scalar(
                select(func.count()).where(
                    SyncEvent.kind == "cancelled", SyncEvent.status == "open"
                )
            )
            assert asked == len(self.asked)


CalendarMachine.TestCase.settings = settings(max_examples=15, stateful_step_count=14, deadline=None)
test_calendar_edits_match_the_model = CalendarMachine.TestCase
