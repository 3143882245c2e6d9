"""The quick look of `sync contacts` (sync/quick.py): it answers only when the full run
would do nothing, with the full run's report, and without loading SQLAlchemy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from goodwill.records import people
from goodwill.store.db import Store, open_store
from goodwill.store.models import Person
from goodwill.sync import contacts, quick

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def synced(tmp_path: Path) -> tuple[Store, str, Path]:
    db = str(tmp_path / "g.db")
    store = open_store(db)
    with store.session() as s:
        for i in range(3):
            people.add(s, f"Person {i}", emails=[f"p{i}@example.com"])
    folder = tmp_path / "contacts"
    contacts.sync_contacts(store, folder, contacts.Options())
    contacts.sync_contacts(store, folder, contacts.Options())
    yield store, db, folder
    store.dispose()


def test_the_state_version_is_the_full_runs() -> None:
    assert quick.STATE_VERSION == contacts.STATE_VERSION


def test_a_quiet_run_is_answered_like_the_full_run(synced: tuple[Store, str, Path]) -> None:
    store, db, folder = synced
    looked = quick.unchanged_contacts(db, folder)
    full = contacts.sync_contacts(store, folder, contacts.Options())
    assert looked == {"folder": str(folder.resolve()), "untouched": 3, "open_events": 0}
    assert (full.read, full.written, full.untouched) == (0, 0, 3)
    # The whole report, in the schema's order, as the full run's JSON.
    assert quick.report(looked) == full.model_dump(mode="json")
    assert list(quick.report(looked)) == list(type(full).model_fields)


def test_any_change_goes_to_the_full_run(synced: tuple[Store, str, Path]) -> None:
    store, db, folder = synced
    first = sorted(folder.glob("*.vcf"))[0]
    os.utime(first, ns=(1, 1))  # touched: the full run reads it
    assert quick.unchanged_contacts(db, folder) is None
    contacts.sync_contacts(store, folder, contacts.Options())
    assert quick.unchanged_contacts(db, folder) is not None
    (folder / "new.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:New\r\nEND:VCARD\r\n")
    assert quick.unchanged_contacts(db, folder) is None
    (folder / "new.vcf").unlink()
    first.unlink()  # deleted on the phone
    assert quick.unchanged_contacts(db, folder) is None
    report = contacts.sync_contacts(store, folder, contacts.Options())
    assert report.deleted_on_phone == 1
    contacts.sync_contacts(store, folder, contacts.Options())
    # Known as deleted now: quiet again, and the open question is counted.
    assert quick.unchanged_contacts(db, folder) == {
        "folder": str(folder.resolve()), "untouched": 2, "open_events": 1,
    }  # fmt: skip
    with store.session() as s:
        people.edit(s, s.get(Person, 1), title="CTO", org="Acme")  # type: ignore[arg-type]
    assert quick.unchanged_contacts(db, folder) is None
    assert quick.unchanged_contacts(db, folder.parent / "elsewhere") is None


def test_the_command_answers_without_sqlalchemy(synced: tuple[Store, str, Path]) -> None:
    _, db, folder = synced
    code = (
        "import sys; sys.argv[0] = 'goodwill'; from goodwill.launch import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('SQLALCHEMY' if 'sqlalchemy' in sys.modules else 'LEAN', file=sys.stderr)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    args = ["--db", db, "sync", "contacts", str(folder), "--format", "json"]
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
    )
    assert done.stderr.strip().endswith("LEAN"), done.stderr
    assert json.loads(done.stdout)["untouched"] == 3
    # The table goes through the command line (still without the store), the same counts.
    args[-1] = "table"
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
    )
    assert done.stderr.strip().endswith("LEAN"), done.stderr
    assert "0 cards read" in done.stdout and "3 untouched" in done.stdout
