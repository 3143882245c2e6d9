"""Bad files: a clear sentence, and the database exactly as before."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from goodwill.errors import ImportFailed
from goodwill.store.db import Store
from tests.helpers import Result
from tests.io.helpers import run, snapshot

CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ok Person\r\nEMAIL:ok@example.com\r\nEND:VCARD\r\n"


@pytest.fixture
def seeded(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "seed.vcf"
    path.write_text(CARD)
    run(store, "vcard", path)
    return store


def _refused(store: Store, fmt: str, path: Path, match: str, **options: object) -> None:
    before = snapshot(store)
    with pytest.raises(ImportFailed, match=match):
        run(store, fmt, path, **options)
    assert snapshot(store) == before


def test_empty_file(seeded: Store, tmp_path: Path) -> None:
    (tmp_path / "empty.vcf").write_bytes(b"")
    _refused(seeded, "vcard", tmp_path / "empty.vcf", "is empty")


def test_blank_file(seeded: Store, tmp_path: Path) -> None:
    (tmp_path / "blank.csv").write_text("\n\n   \n")
    _refused(seeded, "linkedin", tmp_path / "blank.csv", "only blank space")


def test_binary_file(seeded: Store, tmp_path: Path) -> None:
    (tmp_path / "noise.vcf").write_bytes(bytes(range(256)) * 4)
    _refused(seeded, "vcard", tmp_path / "noise.vcf", "is a binary file, not a vCard file")


def test_zip_of_a_linkedin_export(seeded: Store, tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as z:
        z.writestr("Connections.csv", "First Name,Last Name\n")
    _refused(seeded, "linkedin", tmp_path / "export.zip", "ZIP archive: unzip it first")


def test_wrong_format(seeded: Store, tmp_path: Path) -> None:
    (tmp_path / "contacts.vcf").write_text("First Name,Last Name,URL\nA,B,C\n")
    _refused(seeded, "vcard", tmp_path / "contacts.vcf", "not a vCard file")
    (tmp_path / "cards.csv").write_text(CARD)
    _refused(seeded, "linkedin", tmp_path / "cards.csv", "not a LinkedIn export file")
    _refused(seeded, "google", tmp_path / "cards.csv", "not a Google Contacts CSV")
    _refused(seeded, "outlook", tmp_path / "cards.csv", "not an Outlook contacts CSV")
    _refused(seeded, "facebook", tmp_path / "cards.csv", "not valid JSON")
    _refused(seeded, "json", tmp_path / "cards.csv", "not a goodwill backup")


def test_wrong_encoding(seeded: Store, tmp_path: Path) -> None:
    (tmp_path / "friends.json").write_bytes('{"friends_v2": [{"name": "José"}]}'.encode("cp1252"))
    _refused(seeded, "facebook", tmp_path / "friends.json", "not UTF-8 text")


def test_file_over_the_size_limit_is_refused_before_reading(seeded: Store, tmp_path: Path) -> None:
    big = tmp_path / "huge.vcf"
    with big.open("wb") as fh:  # a sparse 1 GB file: nothing is really written or read
        fh.seek(1024**3 - 1)
        fh.write(b"\n")
    _refused(seeded, "vcard", big, r"is 1024 MB, more than the 512 MB")
    small = tmp_path / "small.vcf"
    small.write_text(CARD * 10)
    _refused(seeded, "vcard", small, "more than the", max_bytes=100)


def test_missing_file_and_folder(seeded: Store, tmp_path: Path) -> None:
    _refused(seeded, "vcard", tmp_path / "nope.vcf", "does not exist")
    _refused(seeded, "vcard", tmp_path, "is a folder")
    _refused(seeded, "linkedin", tmp_path, "holds none of Connections.csv")


def test_a_file_where_every_record_is_bad(seeded: Store, tmp_path: Path) -> None:
    (tmp_path / "bad.vcf").write_text("BEGIN:VCARD\nVERSION:3.0\nNOTE:who?\nEND:VCARD\n")
    _refused(
        seeded,
        "vcard",
        tmp_path / "bad.vcf",
        r"nothing to import from .*bad.vcf:1: card names nobody",
    )


def test_a_contacts_file_without_a_contact_is_an_error(seeded: Store, tmp_path: Path) -> None:
    (tmp_path / "header.csv").write_text("Name,Given Name,Family Name,E-mail 1 - Value\n")
    _refused(
        seeded,
        "google",
        tmp_path / "header.csv",
        r"nothing to import from .*header.csv: "
        "it holds no google records$",
    )


def test_linkedin_messages_with_nobody_but_you_import_nothing_without_error(
    seeded: Store, tmp_path: Path
) -> None:
    me = "https://www.linkedin.com/in/me"
    path = tmp_path / "messages.csv"
    path.write_text(
        "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
        f"DATE,SUBJECT,CONTENT\nc1,,Me,{me},Me,{me},2024-01-01 10:00:00 UTC,hi,note to self\n"
    )
    before = snapshot(seeded)
    report = run(seeded, "linkedin", path, me=[me])
    assert report.note == f"read 1 message from {path}, none to import: nothing was imported"
    assert [(i.line, i.message) for i in report.issues] == [
        (2, "message with nobody but you: skipped")
    ]
    assert snapshot(seeded) == before


def test_malformed_rows_are_reported_by_line_and_skipped(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(
        "Notes:\nsomething\n\n"
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,https://www.linkedin.com/in/ann-lee,not-an-email,Acme,CTO,31 Feb 2024\n"
        ",,,,,,\n,,,,Nobody Inc,,\n"
        "Bo,Chan,https://www.linkedin.com/in/bo-chan,,Acme,CEO,01 Jan 2024\n"
    )
    report = run(store, "linkedin", path)
    assert report.created == 2
    assert [(i.line, i.skipped) for i in report.issues] == [(5, False), (7, True)]
    assert "not-an-email" in report.issues[0].message


def test_unknown_format(seeded: Store, tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("hello")
    _refused(seeded, "palm", tmp_path / "x.txt", "unknown import format 'palm'")


def test_cli_says_one_sentence_and_exits_1(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "empty.vcf").write_bytes(b"")
    r = cli("import", "vcard", tmp_path / "empty.vcf")
    assert r.code == 1 and r.err.startswith("error: ") and r.err.count("\n") == 1
    assert "Traceback" not in r.err and "is empty" in r.err


def test_json_restore_refuses_a_database_that_is_not_empty(seeded: Store, tmp_path: Path) -> None:
    from goodwill.io import backup

    with seeded.session() as s:
        (tmp_path / "b.json").write_bytes(backup.dump(s))
    _refused(seeded, "json", tmp_path / "b.json", "into an empty database")
