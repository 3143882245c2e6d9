"""The sync state kept between runs, checked against a fresh look after every step.

Hypothesis drives goodwill edits, phone edits, new cards, deleted cards and syncs in any
order; after each sync: every person on the phone has exactly one file, the file says
what goodwill holds, nobody was lost or duplicated, and a second run changes nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from goodwill.records import people
from goodwill.store.db import open_store
from goodwill.store.models import Email, Person
from goodwill.sync import cards, contacts, quick

NAMES = ["Ana Lima", "Bo Chen", "Cy Dee", "Di Eck", "Ed Fox", "Flo Gil"]


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="gw-sync-"))
        self.store = open_store(str(self.tmp / "g.db"))
        self.folder = self.tmp / "contacts"
        self.count = 0  # people made, on either side
        self.serial = 0  # for names, addresses and files: never reused
        self.emails: set[str] = set()  # every address ever given to anyone
        self.synced = False
        self.off: set[str] = set()  # emails of people whose card was deleted on the phone
        # Per file, what the phone added since the last sync (a deletion takes it back).
        self.pending: dict[str, tuple[set[str], int]] = {}
        # What changed since the last sync: in goodwill; on the phone, files changed or
        # deleted, and new files (a new file deleted again changed nothing).
        self.goodwill_changed = False
        self.phone_changed: set[str] = set()
        self.new_files: set[str] = set()

    def teardown(self) -> None:
        self.store.dispose()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _files(self) -> list[Path]:
        return sorted(self.folder.glob("*.vcf")) if self.folder.exists() else []

    @rule(name=st.sampled_from(NAMES))
    def add_in_goodwill(self, name: str) -> None:
        self.goodwill_changed = True
        self.count += 1
        self.serial += 1
        email = f"p{self.serial}@example.com"
        with self.store.session() as s:
            people.add(s, f"{name} {self.serial}", emails=[email], note="PRIVATE")
        self.emails.add(email)

    @precondition(lambda self: self.count > 0)
    @rule(which=st.integers(0, 50), title=st.sampled_from(["CTO", "CEO", "VP"]))
    def edit_in_goodwill(self, which: int, title: str) -> None:
        with self.store.session() as s:
            ids = list(s.scalars(select(Person.id).where(Person.removed_at.is_(None))))
            if not ids:
                return
            person = s.get(Person, ids[which % len(ids)])
            assert person is not None
            self.serial += 1
            extra = f"g{self.serial}-{which}@example.org"
            self.goodwill_changed = True
            people.edit(s, person, org="Acme", title=title, add_emails=[extra])
            self.emails.add(extra)

    @precondition(lambda self: self.synced)
    @rule(which=st.integers(0, 50), n=st.integers(0, 99))
    def edit_on_phone(self, which: int, n: int) -> None:
        files = self._files()
        if not files:
            return
        path = files[which % len(files)]
        text = path.read_bytes().decode()
        email = f"phone{n}-{which}@example.net"
        text = text.replace(
            "END:VCARD",
            f"item1.TEL;type=CELL;type=pref:+1 206 555 {n:04d}\r\nitem1.X-ABLabel:work\r\n"
            f"EMAIL;type=INTERNET:{email}\r\nEND:VCARD",
        )
        path.write_bytes(text.encode())
        if path.name not in self.new_files:
            self.phone_changed.add(path.name)
        self.emails.add(email)
        added, made = self.pending.get(path.name, (set(), 0))
        self.pending[path.name] = (added | {email}, made)

    @precondition(lambda self: self.synced)
    @rule(name=st.sampled_from(NAMES), known=st.booleans(), n=st.integers(0, 10_000))
    def new_card_on_phone(self, name: str, known: bool, n: int) -> None:
        made = 0
        self.serial += 1
        pending = {e for added, _ in self.pending.values() for e in added}
        usable = sorted(self.emails - self.off - pending)
        if known and usable:
            email = usable[n % len(usable)]
        else:
            self.count += 1
            made = 1
            email = f"new{n}-{self.serial}@example.net"
            name = f"{name} Phone{self.serial}"
            self.emails.add(email)
        fname = f"phone-{n}-{self.serial}.vcf"
        self.new_files.add(fname)
        self.pending[fname] = ({email} if made else set(), made)
        (self.folder / fname).write_bytes(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:phone-{n}-{self.serial}\r\nFN:{name}\r\n"
            f"EMAIL:{email}\r\nEND:VCARD\r\n".encode()
        )

    @precondition(lambda self: self.synced)
    @rule(which=st.integers(0, 50))
    def delete_on_phone(self, which: int) -> None:
        files = self._files()
        if files:
            path = files[which % len(files)]
            record = cards.read(path.read_bytes(), path.name)[1]
            assert record is not None
            added, made = self.pending.pop(path.name, (set(), 0))
            self.emails -= added  # never seen by goodwill
            self.count -= made
            self.off |= {e.lower() for e, _ in record.emails} - added
            path.unlink()
            if path.name in self.new_files:
                self.new_files.discard(path.name)  # made and gone before any sync
            else:
                self.phone_changed.add(path.name)

    @rule()
    def sync(self) -> None:
        contacts.sync_contacts(self.store, self.folder, contacts.Options())
        self.synced = True
        self.pending = {}
        again = contacts.sync_contacts(self.store, self.folder, contacts.Options())
        assert (again.read, again.written, again.removed, again.created) == (0, 0, 0, 0)
        self.goodwill_changed, self.phone_changed, self.new_files = False, set(), set()
        # A quiet run after a quiet run is answered by the quick look, as the full run does.
        looked = quick.unchanged_contacts(str(self.tmp / "g.db"), self.folder)
        assert looked is not None
        assert (looked["untouched"], looked["open_events"]) == (again.untouched, again.open_events)
        self._check()

    @precondition(lambda self: self.synced)
    @rule()
    def quick_look(self) -> None:
        looked = quick.unchanged_contacts(str(self.tmp / "g.db"), self.folder)
        if self.goodwill_changed or self.phone_changed or self.new_files:
            assert looked is None, "a change on either side must go to the full run"

    def _check(self) -> None:
        with self.store.session() as s:
            addresses = set(s.scalars(select(Email.address)))
            active = {
                p.id: p
                for p in s.scalars(
                    select(Person).where(Person.removed_at.is_(None), Person.is_me.is_(False))
                )
            }
            owner = dict(s.execute(select(Email.address, Email.person_id)).all())
            # Nobody lost an address, nobody was made twice.
            assert self.emails <= addresses
            assert len(active) == self.count
            seen: dict[int, str] = {}
            for path in self._files():
                data = path.read_bytes()
                assert b"PRIVATE" not in data and b"NOTE" not in data
                record = cards.read(data, path.name)[1]
                assert record is not None
                facts = cards.facts_of(record, None)
                assert facts is not None
                pids = {owner[e] for e in facts.email_set}
                assert len(pids) == 1, path
                pid = pids.pop()
                assert pid not in seen, f"{path.name} and {seen.get(pid)}: one person"
                seen[pid] = path.name
                # What the card says is what goodwill holds.
                held = contacts.load(s, [pid])[pid].facts
                assert cards.view(facts) == cards.view(held)
            # Everyone is on the phone but those whose card the phone deleted.
            for pid, person in active.items():
                if pid not in seen:
                    assert {e.address for e in person.emails} & self.off, person.display_name

    @invariant()
    def folder_has_no_temporary_files(self) -> None:
        if self.folder.exists():
            assert not [p for p in self.folder.iterdir() if p.name.startswith(".")]


SyncMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)
test_sync_state_matches_a_fresh_look = SyncMachine.TestCase
