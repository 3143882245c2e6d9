"""`goodwill import mbox|maildir` end to end, on SQLite and PostgreSQL: re-import changes
nothing, --dry-run writes nothing, bad input writes nothing, and the same people across a
mailbox, a vCard file and a LinkedIn export are one person each."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import DATA, Result

MAIL = DATA / "mail"
ME = ("--me", "ann@example.com", "--me", "ann.work@corp.example")
Cli = Callable[..., Result]


def report(cli: Cli, *args: str | Path) -> dict[str, Any]:
    r = cli("import", *args, "--format", "json")
    assert r.code == 0, r.err
    return dict(json.loads(r.out))


def people(cli: Cli) -> dict[str, dict[str, Any]]:
    r = cli("person", "list", "--format", "json")
    assert r.code == 0, r.err
    return {p["name"]: p for p in json.loads(r.out)}


def show(cli: Cli, who: str) -> dict[str, Any]:
    r = cli("person", "show", who, "--format", "json")
    assert r.code == 0, r.err
    return dict(json.loads(r.out))


def test_import_an_mbox_then_again_changes_nothing(cli: Cli) -> None:
    first = report(cli, "mbox", MAIL / "inbox.mbox", *ME)
    assert (first["created"], first["interactions_created"], first["skipped"]) == (4, 7, 3)
    assert sorted(people(cli)) == ["Bob Builder", "Carol Jones", "Gina", "Zoë Martin"]
    bob = show(cli, "bob@example.org")
    assert bob["interactions_count"] == 3
    assert [(i["date"], i["initiated_by"]) for i in bob["recent"]] == [
        ("2024-01-15", "me"),
        ("2024-01-10", None),
        ("2024-01-10", "me"),
    ]
    again = report(cli, "mbox", MAIL / "inbox.mbox", *ME)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert (again["interactions_created"], again["interactions_unchanged"]) == (0, 7)
    assert show(cli, "bob@example.org")["interactions_count"] == 3


def test_your_addresses_from_the_profile_stand_for_me(cli: Cli) -> None:
    """`goodwill me --email` once: later imports tell your messages without --me."""
    assert cli("me", "--name", "Ann Example", "--email", ME[1], "--email", ME[3]).code == 0
    told = report(cli, "mbox", MAIL / "inbox.mbox")
    assert not [i for i in told["issues"] if "no --me given" in i["message"]]  # not guessed
    assert (told["created"], told["interactions_created"]) == (4, 7)
    assert sorted(people(cli)) == ["Bob Builder", "Carol Jones", "Gina", "Zoë Martin"]
    recent = show(cli, "bob@example.org")["recent"]
    assert [i["initiated_by"] for i in recent] == ["me", None, "me"]


def test_dry_run_writes_nothing(cli: Cli) -> None:
    r = report(cli, "mbox", MAIL / "inbox.mbox", *ME, "--dry-run")
    assert r["dry_run"] and r["created"] == 4 and r["interactions_created"] == 7
    assert people(cli) == {}


def test_table_report_lists_the_reasons(cli: Cli) -> None:
    r = cli("import", "mbox", MAIL / "inbox.mbox", *ME)
    assert r.code == 0, r.err
    assert "4 created" in r.out and "interactions: 7 created" in r.out
    assert "mailing-list mail" in r.out and "inbox.mbox:87" in r.out


def test_a_maildir_and_the_same_message_in_an_mbox(cli: Cli, tmp_path: Path) -> None:
    first = report(cli, "maildir", MAIL / "maildir", "--me", "ann@example.com")
    assert (first["created"], first["interactions_created"]) == (3, 4)
    sent = (MAIL / "maildir" / ".Sent" / "new" / "1707500000.M4P4.host").read_text()
    box = tmp_path / "sent.mbox"
    box.write_text("From ann@example.com Fri Feb  9 16:00:00 2024\n" + sent + "\n")
    again = report(cli, "mbox", box, "--me", "ann@example.com")
    assert (again["interactions_created"], again["interactions_unchanged"]) == (0, 1)
    assert show(cli, "kim@example.com")["interactions_count"] == 1


def test_strict_stops_at_a_malformed_message_and_writes_nothing(cli: Cli) -> None:
    r = cli("import", "mbox", MAIL / "inbox.mbox", *ME, "--strict")
    assert r.code == 1
    assert r.err == (
        "error: inbox.mbox:80: message 9: no Date header: used 2024-02-05 10:00 instead "
        "(--strict: stopped, nothing was imported)\n"
    )
    assert people(cli) == {}


def test_strict_imports_a_clean_mailbox_with_newsletters_in_it(cli: Cli, tmp_path: Path) -> None:
    box = tmp_path / "clean.mbox"
    box.write_text(
        "From bob@example.org Mon Jan 15 10:00:00 2024\nFrom: Bob <bob@example.org>\n"
        "To: ann@example.com\nDate: Mon, 15 Jan 2024 10:00:00 +0000\nMessage-ID: <c1@x>\n\nhi\n\n"
        "From news@shop.example Mon Jan 15 11:00:00 2024\nFrom: news@shop.example\n"
        "To: ann@example.com\nList-Id: <news.shop.example>\n"
        "Date: Mon, 15 Jan 2024 11:00:00 +0000\n\nbuy\n"
    )
    r = report(cli, "mbox", box, "--me", "ann@example.com", "--strict")
    assert (r["created"], r["interactions_created"], r["issues"]) == (1, 1, [])


def test_a_mailbox_with_nobody_else_in_it_imports_nothing_and_says_so(
    cli: Cli, tmp_path: Path
) -> None:
    box = tmp_path / "notes.mbox"
    box.write_text(
        "From ann@example.com Mon Jan 15 10:00:00 2024\nFrom: Ann <ann@example.com>\n"
        "To: ann.work@corp.example\nDate: Mon, 15 Jan 2024 10:00:00 +0000\n\nnote\n\n"
        "From news@shop.example Mon Jan 15 11:00:00 2024\nFrom: news@shop.example\n"
        "To: ann@example.com\nList-Id: <news.shop.example>\n"
        "Date: Mon, 15 Jan 2024 11:00:00 +0000\n\nbuy\n"
    )
    r = cli("import", "mbox", box, *ME)
    assert r.code == 0, r.err
    assert r.out.startswith(f"read 2 messages from {box}, none to import: nothing was imported")
    assert "only to yourself" in r.out and "mailing-list mail" in r.out
    assert people(cli) == {}


def test_a_mailbox_of_unreadable_messages_is_an_error(cli: Cli, tmp_path: Path) -> None:
    box = tmp_path / "broken.mbox"
    box.write_text("From x Mon Jan 15 10:00:00 2024\nSubject: no sender\n\nbody\n")
    r = cli("import", "mbox", box, *ME)
    assert r.code == 1 and r.err.startswith(f"error: nothing to import from {box}: broken.mbox:1")
    assert people(cli) == {}


def test_bad_files_are_one_clear_sentence_and_write_nothing(cli: Cli, tmp_path: Path) -> None:
    png = tmp_path / "photo.mbox"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    vcf = tmp_path / "contacts.mbox"
    vcf.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Bob\nEND:VCARD\n")
    cases = [
        (("mbox", png), f"error: {png} is a PNG picture, not an mbox file\n"),
        (("mbox", vcf), f"error: {vcf} is not an mbox file (it must begin with a 'From ' line)\n"),
        (("mbox", tmp_path), f"error: {tmp_path} is a folder, not an mbox file (for a Maildir "
                             "use maildir)\n"),
        (("maildir", tmp_path), f"error: {tmp_path} is not a Maildir (no cur/ and new/ folders "
                                "in it)\n"),
        (("mbox", MAIL / "inbox.mbox", "--me", "ann"),
         "error: invalid me 'ann': not an email address\n"),
    ]  # fmt: skip
    for args, message in cases:
        r = cli("import", *args)
        assert (r.code, r.err) == (1, message)
    assert people(cli) == {}


def test_the_same_people_across_mailbox_vcard_and_linkedin_are_one_each(
    cli: Cli, tmp_path: Path
) -> None:
    vcf = tmp_path / "contacts.vcf"
    vcf.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Robert Builder\r\nN:Builder;Robert;;;\r\n"
        "EMAIL;TYPE=work:BOB@example.org\r\nTEL:+1 555 010 0001\r\nORG:Builders Inc\r\n"
        "END:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Carol Jones\r\nN:Jones;Carol;;;\r\n"
        "EMAIL:carol@example.net\r\nEND:VCARD\r\n"
    )
    linkedin = tmp_path / "Connections.csv"
    linkedin.write_text(
        'Notes:\n"When exporting your connection data, you may notice that some of the email '
        'addresses are missing."\n\n'
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Gina,Rossi,https://www.linkedin.com/in/ginarossi,gina@example.com,Acme,CTO,12 Mar 2024\n"
        "Bob,Builder,https://www.linkedin.com/in/bobbuilder,bob@example.org,Builders Inc,CEO,"
        "01 Feb 2023\n"
    )
    assert report(cli, "vcard", vcf)["created"] == 2
    mail = report(cli, "mbox", MAIL / "inbox.mbox", *ME)
    assert (mail["created"], mail["interactions_created"]) == (2, 7)  # Zoë and Gina are new
    li = report(cli, "linkedin", linkedin)
    assert li["created"] == 0  # both matched by email
    found = people(cli)
    assert len(found) == 4
    bob = show(cli, "bob@example.org")
    assert bob["name"] == "Robert Builder"  # the vCard's name stands
    assert bob["interactions_count"] == 3
    assert bob["phones"] == ["+15550100001"]
    assert bob["links"] == ["https://www.linkedin.com/in/bobbuilder"]
    assert show(cli, "gina@example.com")["interactions_count"] == 1
    assert show(cli, "carol@example.net")["interactions_count"] == 3
