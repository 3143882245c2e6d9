"""The mbox and Maildir parsers: headers only, direction, what is left out, bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from goodwill.errors import ImportFailed
from goodwill.io.mail import MAX_HEADER_BYTES, parse_maildir, parse_mbox
from goodwill.io.records import ImportOptions, ParseResult
from tests.helpers import DATA

NOW = dt.datetime(2024, 6, 1)
ME = ["ann@example.com", "Ann.Work@corp.example"]
MAIL = DATA / "mail"


def options(me: list[str] = ME, **kw: object) -> ImportOptions:
    return ImportOptions(me=me, now=NOW, **kw)  # type: ignore[arg-type]


def mbox(tmp_path: Path, *messages: str, eol: str = "\n") -> Path:
    path = tmp_path / "box.mbox"
    path.write_bytes("".join(messages).replace("\n", eol).encode("utf-8"))
    return path


def msg(sender: str = "bob@example.org", *headers: str, body: str = "Hello.\n") -> str:
    return (
        f"From {sender} Mon Jan 15 10:00:00 2024\n"
        + "".join(h + "\n" for h in headers)
        + "\n"
        + body
        + "\n"
    )


def summary(r: ParseResult) -> list[tuple[str, dt.datetime, str | None, list[str]]]:
    return [(i.source_key, i.occurred_at, i.initiated_by, i.participants) for i in r.interactions]


def test_a_hand_made_inbox() -> None:
    r = parse_mbox(MAIL / "inbox.mbox", options())
    assert summary(r) == [
        ("email:m1@example.com", dt.datetime(2024, 1, 10, 8, 0), "me",
         ["bob@example.org", "carol@example.net"]),
        ("email:m2@example.org", dt.datetime(2024, 1, 10, 12, 30), None, ["bob@example.org"]),
        ("email:m3@example.net", dt.datetime(2024, 1, 11, 15, 0), "them", ["carol@example.net"]),
        ("email:m4@corp.example", dt.datetime(2024, 1, 12, 9, 15), None, ["carol@example.net"]),
        ("email:m5@example.com", dt.datetime(2024, 1, 15, 10, 0), "me", ["bob@example.org"]),
        (r.interactions[5].source_key, dt.datetime(2024, 2, 5, 10, 0), "them", ["zoe@example.fr"]),
        ("email:g1@example.com", dt.datetime(2024, 2, 8, 15, 0), None, ["gina@example.com"]),
    ]  # fmt: skip
    assert r.interactions[5].source_key.startswith("email:sha256:")  # no Message-ID
    assert {i.kind for i in r.interactions} == {"email"}
    assert {i.source for i in r.interactions} == {"mbox"}
    assert [i.line for i in r.interactions] == [1, 11, 22, 31, 41, 80, 123]
    assert [(p.source_key, p.name, p.emails) for p in r.people] == [
        ("bob@example.org", "Bob Builder", [("bob@example.org", None)]),
        ("carol@example.net", "Carol Jones", [("carol@example.net", None)]),  # "Jones, Carol"
        ("zoe@example.fr", "Zoë Martin", [("zoe@example.fr", None)]),  # MIME encoded word
        ("gina@example.com", "Gina", [("gina@example.com", None)]),
    ]
    assert [str(i) for i in r.issues] == [
        "inbox.mbox:80: message 9: no Date header: used 2024-02-05 10:00 instead",
        "inbox.mbox:87: message 10: unreadable Date 'sometime last week'; skipped",
        "inbox.mbox:115: message 13: no From header; skipped",
        "inbox.mbox:135: message 15: dated in the future (2099-02-09); skipped",
        "inbox.mbox: skipped 1 message: a copy of a message already read (same Message-ID)",
        "inbox.mbox: skipped 1 message: bulk mail (Precedence: bulk)",
        "inbox.mbox: skipped 1 message: from an automated sender (no-reply, mailer-daemon...)",
        "inbox.mbox: skipped 1 message: mailing-list mail (List-Id or List-Unsubscribe)",
        "inbox.mbox: skipped 1 message: only to yourself",
    ]
    assert [i.skipped for i in r.issues] == [False] + [True] * 8


def test_bodies_are_never_read() -> None:
    # Bodies in inbox.mbox say "Secret body text"; one holds lines that look like headers.
    text = repr(parse_mbox(MAIL / "inbox.mbox", options()))
    assert "Secret" not in text and "mallory" not in text and "archive" not in text


def test_windows_line_endings() -> None:
    r = parse_mbox(MAIL / "crlf.mbox", options())
    assert summary(r) == [
        ("email:h1@example.com", dt.datetime(2024, 3, 2, 10, 0), "them", ["hal@example.com"]),
        ("email:h2@example.com", dt.datetime(2024, 3, 2, 11, 0), None, ["hal@example.com"]),
    ]


def test_a_maildir_with_a_sent_folder() -> None:
    r = parse_maildir(MAIL / "maildir", options(["ann@example.com"]))
    assert summary(r) == [
        ("email:j1@example.com", dt.datetime(2024, 2, 6, 6, 13, 20), "them", ["judy@example.com"]),
        ("email:i1@example.com", dt.datetime(2024, 2, 7, 10, 0), "them", ["ivan@example.com"]),
        ("email:a1@example.com", dt.datetime(2024, 2, 8, 9, 0), None, ["ivan@example.com"]),
        ("email:a2@example.com", dt.datetime(2024, 2, 9, 16, 0), "me",
         ["judy@example.com", "kim@example.com"]),
    ]  # fmt: skip
    assert {i.source for i in r.interactions} == {"maildir"}
    assert [(p.source_key, p.name) for p in r.people] == [
        ("judy@example.com", "Judy"),
        ("ivan@example.com", "Ivan Petrov"),
        ("kim@example.com", "Kim Lee"),
    ]
    assert [str(i) for i in r.issues] == [
        # Judy's message has no Date: the delivery time in the file name stands in.
        "maildir: message 1 (1707200000.M2P2.host): no Date header: used 2024-02-06 06:13 instead",
        "maildir: message 3 (1707600000.M5P5.host): has none of the headers of an email "
        "(From, Date...); skipped",
    ]
    assert "Secret" not in repr(r)


def test_the_same_message_in_mbox_and_maildir_has_the_same_key(tmp_path: Path) -> None:
    sent = (MAIL / "maildir" / ".Sent" / "new" / "1707500000.M4P4.host").read_text()
    path = mbox(tmp_path, "From ann@example.com Fri Feb  9 16:00:00 2024\n" + sent + "\n")
    from_mbox = parse_mbox(path, options()).interactions
    from_maildir = parse_maildir(MAIL / "maildir", options()).interactions
    assert from_mbox[0].source_key == "email:a2@example.com"
    assert from_mbox[0].source_key in {i.source_key for i in from_maildir}


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # (sender of the first, sender of the reply) -> initiated_by of the reply
        ("ann@example.com", "bob@example.org", None),  # they answer you
        ("bob@example.org", "ann@example.com", None),  # you answer them
        ("ann@example.com", "ann@example.com", "me"),  # your follow-up to yourself
        ("bob@example.org", "bob@example.org", "them"),  # their follow-up
    ],
)
def test_direction_of_replies(
    tmp_path: Path, first: str, second: str, expected: str | None
) -> None:
    def to(sender: str) -> str:
        return "bob@example.org" if sender == "ann@example.com" else "ann@example.com"

    path = mbox(
        tmp_path,
        msg(first, "Message-ID: <q@x>", "Date: Mon, 15 Jan 2024 10:00:00 +0000",
            f"From: {first}", f"To: {to(first)}"),
        msg(second, "Message-ID: <r@x>", "In-Reply-To: <q@x>",
            "Date: Mon, 15 Jan 2024 11:00:00 +0000", f"From: {second}", f"To: {to(second)}"),
    )  # fmt: skip
    r = parse_mbox(path, options())
    assert r.interactions[0].initiated_by == ("me" if first == "ann@example.com" else "them")
    assert r.interactions[1].initiated_by == expected


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("List-Id: <x.lists.example>", "mailing-list mail (List-Id or List-Unsubscribe)"),
        ("List-Unsubscribe: <mailto:u@x.org>", "mailing-list mail (List-Id or List-Unsubscribe)"),
        ("Precedence: list", "bulk mail (Precedence: list)"),
        ("Precedence: junk", "bulk mail (Precedence: junk)"),
        ("Auto-Submitted: auto-replied", "automatic message (Auto-Submitted)"),
        ("From: Do Not Reply <donotreply@bank.example>",
         "from an automated sender (no-reply, mailer-daemon...)"),
        ("From: MAILER-DAEMON@mx.example", "from an automated sender (no-reply, mailer-daemon...)"),
        ("From: calendar-noreply@google.com",
         "from an automated sender (no-reply, mailer-daemon...)"),
    ],
)  # fmt: skip
def test_bulk_and_automated_mail_is_left_out(tmp_path: Path, header: str, reason: str) -> None:
    sender = [] if header.startswith("From:") else ["From: bob@example.org"]
    path = mbox(
        tmp_path,
        msg("x", header, *sender, "To: ann@example.com", "Date: Mon, 15 Jan 2024 10:00:00 +0000"),
    )
    r = parse_mbox(path, options())
    assert r.interactions == [] and r.people == []
    assert [str(i) for i in r.issues] == [f"box.mbox: skipped 1 message: {reason}"]


def test_auto_submitted_no_is_a_personal_message(tmp_path: Path) -> None:
    path = mbox(
        tmp_path,
        msg("x", "Auto-Submitted: no", "From: bob@example.org", "To: ann@example.com",
            "Date: Mon, 15 Jan 2024 10:00:00 +0000"),
    )  # fmt: skip
    assert len(parse_mbox(path, options()).interactions) == 1


def test_incoming_mail_is_with_the_sender_only(tmp_path: Path) -> None:
    path = mbox(
        tmp_path,
        msg("x", "From: bob@example.org", "To: ann@example.com, dan@example.com",
            "Cc: eve@example.com", "Date: Mon, 15 Jan 2024 10:00:00 +0000"),
    )  # fmt: skip
    r = parse_mbox(path, options())
    assert [i.participants for i in r.interactions] == [["bob@example.org"]]
    assert [p.source_key for p in r.people] == ["bob@example.org"]


def test_addresses_in_many_forms(tmp_path: Path) -> None:
    to = (
        '"Doe, John" <JOHN@Example.COM>, plain@example.com, Jane Roe <jane@example.com>, '
        "(a comment) odd@example.com, Group: g1@example.com, g2@example.com;, "
        "=?iso-8859-1?q?Andr=E9?= <andre@example.fr>, not-an-address, bad@@x"
    )
    path = mbox(
        tmp_path,
        msg("x", "From: ann@example.com", f"To: {to}", "Date: Mon, 15 Jan 2024 10:00:00 +0000"),
    )
    r = parse_mbox(path, options())
    assert r.interactions[0].participants == [
        "john@example.com",
        "plain@example.com",
        "jane@example.com",
        "odd@example.com",
        "g1@example.com",
        "g2@example.com",
        "andre@example.fr",
    ]
    assert {p.source_key: p.name for p in r.people}["john@example.com"] == "John Doe"
    assert {p.source_key: p.name for p in r.people}["andre@example.fr"] == "André"
    assert r.issues[-1].message.startswith("left out 2 addresses that are not a valid email")


def test_eight_bit_headers_are_read_as_latin1(tmp_path: Path) -> None:
    path = tmp_path / "box.mbox"
    path.write_bytes(
        b"From x Mon Jan 15 10:00:00 2024\nFrom: Ren\xe9 <rene@example.fr>\n"
        b"To: ann@example.com\nDate: Mon, 15 Jan 2024 10:00:00 +0000\n\nbody\n"
    )
    assert parse_mbox(path, options()).people[0].name == "René"


def test_folded_headers_and_a_message_without_body(tmp_path: Path) -> None:
    path = mbox(
        tmp_path,
        "From x Mon Jan 15 10:00:00 2024\nFrom: bob@example.org\nTo:\n ann@example.com\n"
        "Date: Mon, 15 Jan 2024\n 10:00:00 +0000\nMessage-ID:\n <fold@x>\n"
        "From y Mon Jan 15 11:00:00 2024\nFrom: dan@example.com\nTo: ann@example.com\n"
        "Date: Mon, 15 Jan 2024 11:00:00 +0000",
    )
    r = parse_mbox(path, options())
    assert summary(r) == [
        ("email:fold@x", dt.datetime(2024, 1, 15, 10, 0), "them", ["bob@example.org"]),
        (r.interactions[1].source_key, dt.datetime(2024, 1, 15, 11, 0), "them",
         ["dan@example.com"]),
    ]  # fmt: skip


def test_headers_that_never_end_are_reported(tmp_path: Path) -> None:
    huge = "X-Junk: " + "a" * 1000 + "\n"
    path = mbox(
        tmp_path,
        "From x Mon Jan 15 10:00:00 2024\n" + huge * (MAX_HEADER_BYTES // 1000 + 1) + "\n",
        msg("y", "From: bob@example.org", "To: ann@example.com",
            "Date: Mon, 15 Jan 2024 10:00:00 +0000"),
    )  # fmt: skip
    r = parse_mbox(path, options())
    assert len(r.interactions) == 1
    assert str(r.issues[0]) == "box.mbox:1: message 1: headers longer than 256 KB; skipped"


def test_a_message_with_no_headers_at_all(tmp_path: Path) -> None:
    path = mbox(tmp_path, "From x Mon Jan 15 10:00:00 2024\n\njust a body\n")
    r = parse_mbox(path, options())
    assert r.interactions == []
    assert [str(i) for i in r.issues] == [
        "box.mbox:1: message 1: has none of the headers of an email (From, Date...); skipped"
    ]


def test_without_me_your_address_is_the_one_in_most_messages() -> None:
    r = parse_mbox(MAIL / "inbox.mbox", options([]))
    # 9 messages get past reading; ann@example.com is in 7 of them.
    note = (
        "inbox.mbox: no --me given: took ann@example.com as your address (it is in 7 of 9); "
        "pass --me to say otherwise"
    )
    assert note in [str(i) for i in r.issues]
    # ann.work@ is not known as yours: Carol's message to it counts as with Carol.
    assert summary(r)[0][2:] == ("me", ["bob@example.org", "carol@example.net"])


def test_with_strict_choices_are_not_issues_but_problems_are() -> None:
    r = parse_mbox(MAIL / "inbox.mbox", options(strict=True))
    assert [i.line for i in r.issues] == [80, 87, 115, 135]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty: there is nothing to import"),
        (b"\n\n  \n", "holds only blank space: there is nothing to import"),
        (b"PK\x03\x04zipzipzip",
         "is a ZIP archive: unzip it first and import the file inside, not an mbox file"),
        (b"\x00\x01\x02" * 50, "is a binary file, not an mbox file"),
        (b"BEGIN:VCARD\nFN:Bob\nEND:VCARD\n",
         "is not an mbox file (it must begin with a 'From ' line)"),
        (b"From: bob@example.org\nTo: ann@example.com\n\nhi\n",
         "is not an mbox file (it must begin with a 'From ' line)"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_an_mbox_is_a_clear_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "box.mbox"
    path.write_bytes(content)
    with pytest.raises(ImportFailed) as err:
        parse_mbox(path, options())
    assert str(err.value) == f"{path} {message}"


def test_wrong_paths_for_mbox_and_maildir(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="is a folder, not an mbox file"):
        parse_mbox(MAIL / "maildir", options())
    with pytest.raises(ImportFailed, match="does not exist"):
        parse_mbox(tmp_path / "nope", options())
    with pytest.raises(ImportFailed, match="is a file, not a Maildir folder"):
        parse_maildir(MAIL / "inbox.mbox", options())
    with pytest.raises(ImportFailed, match="does not exist"):
        parse_maildir(tmp_path / "nope", options())
    with pytest.raises(ImportFailed, match=r"is not a Maildir \(no cur/ and new/"):
        parse_maildir(tmp_path, options())
    big = mbox(tmp_path, msg("x", "From: bob@example.org"))
    with pytest.raises(ImportFailed, match="more than the 10 bytes an import reads"):
        parse_mbox(big, options(max_bytes=10))


def test_a_sender_or_recipients_without_a_valid_address(tmp_path: Path) -> None:
    path = mbox(
        tmp_path,
        msg("x", "From: ann@example.com", "To: a@b",
            "Date: Mon, 15 Jan 2024 10:00:00 +0000"),
        msg("y", "From: Jim <j@kean>", "To: ann@example.com",
            "Date: Mon, 15 Jan 2024 11:00:00 +0000"),
    )  # fmt: skip
    r = parse_mbox(path, options())
    assert r.interactions == []
    assert [str(i) for i in r.issues] == [
        "box.mbox: skipped 1 message: nobody else in it",
        "box.mbox: skipped 1 message: the sender's address is not a valid email address",
        "box.mbox: left out 2 addresses that are not a valid email address (e.g. 'a@b', 'j@kean')",
    ]
