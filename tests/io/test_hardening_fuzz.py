"""Hypothesis fuzz of every importer with hostile structure (issue 27): long folded runs,
nested blocks, dense and repeated recurrence rules, formula cells, control bytes, deep
JSON. The stated budget, per generated file (up to about 1 MB): at most BUDGET_SECONDS
of CPU time (the machine is shared: wall time would measure the neighbours) and BUDGET_MB
of memory allocated at the peak (tracemalloc), and no error but ImportFailed. The
crafted files of test_hardening_crafted.py cover the worst known cases in a child
process (ru_maxrss)."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goodwill.errors import ImportFailed
from goodwill.io import formats, ics
from goodwill.io.records import ImportOptions

BUDGET_SECONDS = 5.0
BUDGET_MB = 100
FUZZ = settings(
    max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
NOW = dt.datetime(2026, 1, 1)

_DAYS = ",".join(str(d) for d in range(1, 32))
HOSTILE = [
    " " + "QUFB" * 18,
    "\t" + "=0D=0A" * 10,
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "\x00\x1b[31m\x07\x7f\x9b",
    '"' * 3,
    ",,,,,,,,,,",
    "[" * 50,
    "{" * 50,
    "BEGIN:VEVENT",
    "END:VEVENT",
    "BEGIN:VCARD",
    "END:VCARD",
    "RRULE:FREQ=SECONDLY;COUNT=999999",
    "RRULE:FREQ=DAILY",
    f"RRULE:FREQ=YEARLY;BYMONTHDAY={_DAYS}",
    "RRULE:FREQ=MINUTELY;INTERVAL=1",
    "RDATE:20200101T000000Z,20200102T000000Z,20200103T000000Z",
    "From a@b Mon Jan  1 00:00:00 2024",
    "From: =?utf-8?b?" + "QUFB" * 30 + "?= <a@example.com>",
]
VOCAB = {
    "vcard": [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "FN:Ann",
        "EMAIL:ann@example.com",
        "PHOTO;ENCODING=b:AAAA",
        "NOTE;ENCODING=QUOTED-PRINTABLE:a=",
        "END:VCARD",
    ],
    "ics": [
        "BEGIN:VCALENDAR",
        "BEGIN:VEVENT",
        "UID:u",
        "DTSTART:20200101T090000Z",
        "ORGANIZER:mailto:bob@example.org",
        "ATTENDEE:mailto:me@example.com",
        "RECURRENCE-ID:20200102T090000Z",
        "END:VEVENT",
        "END:VCALENDAR",
    ],
    "csv": [
        "Name,E-mail 1 - Value,Notes",
        "Ann,ann@example.com,hi",
        "First Name,Last Name,Email Address,Company,Position,Connected On",
        "Ann,Lee,ann@example.com,Acme,CTO,01 Jan 2024",
        "Notes:",
        "",
    ],
    "json": ['{"friends_v2": [', '{"name": "Ann", "timestamp": 1600000000},', "]}"],
    "mail": [
        "From a@b Mon Jan  1 00:00:00 2024",
        "From: Ann <ann@example.com>",
        "To: me@example.com",
        "Date: Mon, 1 Jan 2024 10:00:00 +0000",
        "Message-ID: <1@x>",
        "Subject: hi",
        "",
        "body",
    ],
}
FORMATS = {
    "vcard": ("vcard", ".vcf"),
    "ics": ("ics", ".ics"),
    "linkedin": ("csv", ".csv"),
    "google": ("csv", ".csv"),
    "outlook": ("csv", ".csv"),
    "csv": ("csv", ".csv"),
    "facebook": ("json", ".json"),
    "mbox": ("mail", ".mbox"),
    "maildir": ("mail", ""),
}


def documents(vocab: str) -> st.SearchStrategy[bytes]:
    line = st.sampled_from(VOCAB[vocab] + HOSTILE)
    run = st.tuples(line, st.integers(min_value=1, max_value=400))
    return st.lists(run, max_size=25).map(
        lambda runs: "\r\n".join(text for text, n in runs for _ in range(n)).encode("utf-8")
    )


RULES = st.sampled_from(
    [
        "RRULE:FREQ=MONTHLY;INTERVAL=4",
        "RRULE:FREQ=SECONDLY;COUNT=300000",
        "RRULE:FREQ=WEEKLY;COUNT=7000",
        "RRULE:FREQ=DAILY",
        f"RRULE:FREQ=YEARLY;BYMONTHDAY={_DAYS}",
        f"RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY={_DAYS};BYHOUR=9,10",
        "RRULE:FREQ=HOURLY;BYMINUTE=0,30",
        "RDATE:20200101T000000Z,20200102T000000Z",
        "EXDATE:20200103T090000Z",
        "RRULE:FREQ=FORTNIGHTLY",
    ]
)


@st.composite
def calendars(draw: st.DrawFn) -> bytes:
    """Well-formed calendars whose events carry hostile rules, nesting and overrides."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0"]
    for n in range(draw(st.integers(1, 4))):
        year = draw(st.integers(1900, 2025))
        event = [
            f"UID:e{n % 2}",
            f"DTSTART:{year}0101T090000Z",
            "ORGANIZER:mailto:bob@example.org",
            "ATTENDEE:mailto:me@example.com",
        ]
        event += draw(st.lists(RULES, max_size=3))
        nested = draw(st.integers(0, 300))
        lines += ["BEGIN:VEVENT", *event] * (nested + 1) + ["END:VEVENT"] * (nested + 1)
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines).encode()


def _parse(fmt: str, suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        if fmt == "maildir":
            for sub in ("cur", "new", "tmp"):
                (path / sub).mkdir(parents=True)
            (path / "cur" / "1.eml").write_bytes(data or b"x")
        else:
            path.write_bytes(data or b"x")
        tracemalloc.start()
        started = time.process_time()
        try:
            formats.PARSERS[fmt](path, ImportOptions(me=["me@example.com"], now=NOW))
        except ImportFailed as exc:
            assert str(exc) and "\n" not in str(exc)
        finally:
            seconds = time.process_time() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    assert seconds < BUDGET_SECONDS, f"{fmt}: {seconds:.1f} s for {len(data)} bytes"
    assert peak < BUDGET_MB * 1024 * 1024, f"{fmt}: {peak / 2**20:.0f} MB for {len(data)} bytes"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_importer_stays_within_its_budget(fmt: str) -> None:
    vocab, suffix = FORMATS[fmt]

    @FUZZ
    @given(documents(vocab))
    def run(data: bytes) -> None:
        _parse(fmt, suffix, data)

    run()


def test_calendars_with_hostile_rules_stay_within_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Building an occurrence costs recurring-ical-events about 0.5 ms and walking a rule
    # step about 5 us, so the caps set the cost of the worst file (5,000 occurrences a
    # series, 30,000 a file, 100,000 steps a series, 500,000 a file: about 15 s of CPU;
    # the crafted tests run such files). Here the caps are a tenth: what is checked is
    # that the cost follows the caps, whatever the rules, nesting and overrides.
    for cap in ("MAX_OCCURRENCES", "MAX_EXPANDED_PER_FILE", "MAX_RULE_STEPS", "MAX_STEPS_PER_FILE"):
        monkeypatch.setattr(ics, cap, getattr(ics, cap) // 10)

    @FUZZ
    @given(calendars())
    def run(data: bytes) -> None:
        _parse("ics", ".ics", data)

    run()
