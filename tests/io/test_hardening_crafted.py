"""Crafted files an attacker would send: each importer, in a child process, must finish
within a small time and peak-memory budget (issue 27). The budgets are generous for a
loaded 2-core machine and far below what each file cost before the fix (in brackets)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from goodwill.io import ics
from goodwill.io.records import ImportOptions
from tests.budget import run_parser

SECONDS = 5.0  # per file, CPU time of the parse (the machine is shared)
EXTRA_MB = 150  # per file, peak memory above the interpreter's own


def _ics(*body: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        + "".join(b + "\r\n" for b in body)
        + ("END:VCALENDAR\r\n")
    )


_PEOPLE = ("ORGANIZER:mailto:bob@example.org", "ATTENDEE:mailto:me@example.com")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_two_rules_one_secondly_with_a_huge_count(tmp_path: Path) -> None:
    # 271 bytes: 21 s and 546 MB before.
    path = _write(
        tmp_path,
        "two-rules.ics",
        _ics(
            "BEGIN:VEVENT",
            "UID:x",
            "DTSTART:20200101T000000Z",
            *_PEOPLE,
            "RRULE:FREQ=MONTHLY;INTERVAL=4",
            "RRULE:FREQ=SECONDLY;COUNT=200000",
            "END:VEVENT",
        ),
    )
    run = run_parser("ics", path, SECONDS)
    assert run.extra_mb < EXTRA_MB, run


def test_a_yearly_rule_with_long_by_lists(tmp_path: Path) -> None:
    # 441 bytes: 1.3 million occurrences, 127 s and 3.2 GB before.
    minutes = ",".join(str(m) for m in range(60))
    hours = ",".join(str(h) for h in range(24))
    days = ",".join(str(d) for d in range(1, 32))
    rule = (
        f"RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY={days};"
        f"BYHOUR={hours};BYMINUTE={minutes}"
    )
    path = _write(
        tmp_path,
        "by-lists.ics",
        _ics(
            "BEGIN:VEVENT",
            "UID:y",
            "DTSTART:20220101T000000Z",
            *_PEOPLE,
            rule,
            "END:VEVENT",
        ),
    )
    run = run_parser("ics", path, SECONDS)
    assert run.extra_mb < EXTRA_MB, run


def test_a_rule_the_estimate_misses_is_walked_before_it_is_expanded(tmp_path: Path) -> None:
    # YEARLY with BYMONTHDAY alone is every day (the estimate says 31 a year): the rule is
    # walked with dateutil first, and only its latest 5,000 occurrences become components
    # (46,000 of them took 13 s).
    days = ",".join(str(d) for d in range(1, 32))
    path = _write(
        tmp_path,
        "missed.ics",
        _ics(
            "BEGIN:VEVENT",
            "UID:z",
            "DTSTART:19000101T090000Z",
            *_PEOPLE,
            f"RRULE:FREQ=YEARLY;BYMONTHDAY={days}",
            "END:VEVENT",
        ),
    )
    run = run_parser("ics", path, SECONDS)
    assert run.extra_mb < EXTRA_MB, run
    assert run.summary["interactions"] == ics.MAX_OCCURRENCES


def test_too_many_rdates_are_refused(tmp_path: Path) -> None:
    start = dt.datetime(2000, 1, 1)
    dates = ",".join(f"{start + dt.timedelta(hours=i):%Y%m%dT%H%M%SZ}" for i in range(30_000))
    path = _write(
        tmp_path,
        "rdates.ics",
        _ics(
            "BEGIN:VEVENT",
            "UID:r",
            "DTSTART:20000101T000000Z",
            *_PEOPLE,
            f"RDATE:{dates}",
            "END:VEVENT",
        ),
    )
    run = run_parser("ics", path, SECONDS)
    assert run.extra_mb < EXTRA_MB, run
    assert any("dates (RDATE)" in m for m in run.summary["issues"])  # type: ignore[union-attr]


def test_nested_events_with_one_uid_are_skipped(tmp_path: Path) -> None:
    # 183 KB of VEVENTs nested in VEVENTs: 44 s and 1.6 GB before.
    depth = 1200
    body = [
        *(
            [
                "BEGIN:VEVENT",
                "UID:n",
                "DTSTART:20200101T000000Z",
                *_PEOPLE,
                "RRULE:FREQ=DAILY;COUNT=3",
            ]
            * depth
        ),
        *(["END:VEVENT"] * depth),
    ]
    path = _write(tmp_path, "nested.ics", _ics(*body))
    run = run_parser("ics", path, SECONDS)
    assert run.extra_mb < EXTRA_MB, run
    assert any("nested inside another event" in m for m in run.summary["issues"])  # type: ignore[union-attr]


def test_many_overrides_of_one_uid_are_capped(tmp_path: Path) -> None:
    events = []
    for i in range(3000):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=i)
        events += [
            "BEGIN:VEVENT",
            "UID:o",
            f"RECURRENCE-ID:{day:%Y%m%d}T090000Z",
            f"DTSTART:{day:%Y%m%d}T100000Z",
            *_PEOPLE,
            "END:VEVENT",
        ]
    path = _write(
        tmp_path,
        "overrides.ics",
        _ics(
            "BEGIN:VEVENT",
            "UID:o",
            "DTSTART:20200101T090000Z",
            *_PEOPLE,
            "RRULE:FREQ=DAILY",
            "END:VEVENT",
            *events,
        ),
    )
    run = run_parser("ics", path, SECONDS * 2)
    assert run.extra_mb < EXTRA_MB * 2, run
    assert any("versions with one UID" in m for m in run.summary["issues"])  # type: ignore[union-attr]


def _folded(value_bytes: int, width: int = 74) -> list[str]:
    data = "QUFB" * (value_bytes // 4)
    return [" " + data[i : i + width] for i in range(0, len(data), width)]


def test_an_ics_line_folded_a_hundred_thousand_times(tmp_path: Path) -> None:
    lines = [
        "BEGIN:VEVENT",
        "UID:f",
        "DTSTART:20200101T000000Z",
        *_PEOPLE,
        "X-BLOB:A",
        *_folded(6_000_000),
        "END:VEVENT",
    ]
    path = _write(tmp_path, "folded.ics", _ics(*lines))
    run = run_parser("ics", path, SECONDS)
    assert run.extra_mb < EXTRA_MB * 2, run


def test_a_vcard_with_one_folded_photo(tmp_path: Path) -> None:
    # 8 MB vCard with one folded PHOTO: 45 s before.
    text = "\r\n".join(
        [
            "BEGIN:VCARD",
            "VERSION:3.0",
            "FN:Ann Lee",
            "PHOTO;ENCODING=b;TYPE=JPEG:A",
            *_folded(6_000_000),
            "EMAIL:ann@example.com",
            "END:VCARD",
            "",
        ]
    )
    path = _write(tmp_path, "photo.vcf", text)
    run = run_parser("vcard", path, SECONDS)
    assert run.extra_mb < EXTRA_MB * 2, run
    assert run.summary["people"] == 1


def test_a_vcard_21_quoted_printable_value_with_many_soft_breaks(tmp_path: Path) -> None:
    lines = ["BEGIN:VCARD", "VERSION:2.1", "FN:Ann", "NOTE;ENCODING=QUOTED-PRINTABLE:a="]
    lines += ["abcdefghij=" for _ in range(200_000)] + ["end", "END:VCARD", ""]
    path = _write(tmp_path, "qp.vcf", "\r\n".join(lines))
    run = run_parser("vcard", path, SECONDS)
    assert run.extra_mb < EXTRA_MB, run


def test_a_count_above_the_cap_keeps_the_latest_occurrences(tmp_path: Path) -> None:
    # A single COUNT above 5,000 raised OverflowError and dropped the series.
    path = _write(
        tmp_path,
        "count.ics",
        _ics(
            "BEGIN:VEVENT",
            "UID:c",
            "DTSTART:20050101T090000Z",
            *_PEOPLE,
            "RRULE:FREQ=DAILY;COUNT=5500",
            "END:VEVENT",
        ),
    )
    result = ics.parse_ics(path, ImportOptions(me=["me@example.com"], now=dt.datetime(2026, 1, 1)))
    assert len(result.interactions) == ics.MAX_OCCURRENCES
    latest = max(i.occurred_at for i in result.interactions)
    assert latest == dt.datetime(2005, 1, 1, 9) + dt.timedelta(days=5499)


@pytest.mark.parametrize("fmt", ["vcard", "linkedin", "google", "outlook", "csv", "ics"])
def test_whole_file_formats_refuse_more_than_64_mb_by_default(fmt: str, tmp_path: Path) -> None:
    # They hold about 7x the file in memory: 512 MB by default was 3.5 GB.
    path = tmp_path / "big.txt"
    with path.open("wb") as fh:
        fh.truncate(65 * 1024 * 1024)  # sparse: nothing is written
    run = run_parser(fmt, path, SECONDS)
    assert "more than the 64 MB" in str(run.summary.get("failed")), run.summary


def test_mail_streams_so_it_keeps_the_large_default(tmp_path: Path) -> None:
    path = tmp_path / "big.mbox"
    with path.open("wb") as fh:
        fh.write(b"From a@b Mon Jan  1 00:00:00 2024\n")
        fh.truncate(100 * 1024 * 1024)
    run = run_parser("mbox", path, SECONDS)
    assert "more than the" not in str(run.summary.get("failed")), run.summary
