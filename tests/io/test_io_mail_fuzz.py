"""Hypothesis fuzzing of the mbox and Maildir parsers: no input may crash them, and no
body ever reaches a record."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goodwill.errors import ImportFailed
from goodwill.io.mail import parse_maildir, parse_mbox
from goodwill.io.records import ImportOptions, ParseResult

NOW = dt.datetime(2024, 6, 1)
ME = "ann@example.com"
BODY = "BODY-MARK-7f3a"  # in bodies only: must never show up in what the parser returns
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

value = st.one_of(
    st.text(max_size=60).map(lambda s: s.replace(BODY, "")),
    st.sampled_from(["ann@example.com", "Bob <bob@example.org>", '"Doe, J" <j@x.org>',
                     "no-reply@x.org", "<m1@x>", "Mon, 15 Jan 2024 10:00:00 +0000",
                     "=?utf-8?q?Zo=C3=AB?= <z@x.fr>", "=?bogus?x?y?=", "a@b, (c) d@e; g: h@i;",
                     "Mon, 99 Foo 20240 99:99:99 +9999", "bulk", ""]),
)  # fmt: skip
header = st.builds(
    lambda name, v: f"{name}: {v}",
    st.sampled_from(["From", "To", "Cc", "Bcc", "Date", "Message-ID", "In-Reply-To", "List-Id",
                     "Precedence", "Auto-Submitted", "Subject", "X-Other", "from", "TO"]),
    value,
)  # fmt: skip
message = st.builds(
    lambda from_line, headers, body, eol: (
        from_line + eol + eol.join(headers) + eol + eol + body + eol
    ),
    st.sampled_from(["From x Mon Jan 15 10:00:00 2024", "From x", "From ", "From a b c d e f g"]),
    st.lists(st.one_of(header, st.text(max_size=30)), max_size=12),
    st.builds(lambda a, b: a + BODY + b, st.text(max_size=40), st.text(max_size=40)),
    st.sampled_from(["\n", "\r\n"]),
)


def holds_together(r: ParseResult, me: list[str]) -> None:
    assert BODY not in repr(r)
    keys = [i.source_key for i in r.interactions]
    assert len(keys) == len(set(keys))
    people = {p.source_key for p in r.people}
    for i in r.interactions:
        assert i.kind == "email" and i.initiated_by in ("me", "them", None)
        assert i.occurred_at <= NOW + dt.timedelta(days=1)
        assert i.participants and set(i.participants) <= people
        assert not set(i.participants) & set(me)


def try_mbox(data: bytes, me: list[str]) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.mbox"
        path.write_bytes(data)
        try:
            holds_together(parse_mbox(path, ImportOptions(me=me, now=NOW)), me)
        except ImportFailed as exc:
            assert str(exc) and "\n" not in str(exc)


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes_never_crash(data: bytes) -> None:
    try_mbox(b"From x Mon Jan 15 10:00:00 2024\n" + data, [ME])
    try_mbox(data, [ME])


@FUZZ
@given(st.lists(message, min_size=1, max_size=8), st.sampled_from([[ME], []]))
def test_mail_shaped_input_never_crashes_nor_leaks_a_body(msgs: list[str], me: list[str]) -> None:
    try_mbox("".join(msgs).encode("utf-8", "surrogatepass"), me)


@FUZZ
@given(st.lists(st.one_of(message.map(lambda m: m.split("\n", 1)[-1]), st.text()), max_size=6))
def test_maildir_messages_never_crash(msgs: list[str]) -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        for sub in ("cur", "new", "tmp"):
            (root / sub).mkdir()
        for n, m in enumerate(msgs):
            (root / ("cur" if n % 2 else "new") / f"{1700000000 + n}.M{n}.host").write_bytes(
                m.encode("utf-8", "surrogatepass")
            )
        holds_together(parse_maildir(root, ImportOptions(me=[ME], now=NOW)), [ME])


# --- the fast paths give what the general ones give ------------------------------------------

_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
plain_date = st.builds(
    lambda wd, d, mon, y, h, mi, s, sign, oh, om, zone: (
        f"{wd}{d} {mon} {y:04d} {h:02d}:{mi:02d}:{s:02d} {sign}{oh:02d}{om:02d}{zone}"
    ),
    st.sampled_from(["", *(f"{d}, " for d in _DAYS)]),
    st.integers(0, 32),
    st.sampled_from([*_MON, "jan", "MAY", "Foo"]),
    st.integers(0, 9999),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
    st.sampled_from("+-"),
    st.integers(0, 30),
    st.integers(0, 99),
    st.sampled_from(["", " (PDT)", " (GMT+1)", "  ", " (CEST)"]),
)


@FUZZ
@given(plain_date)
def test_the_fast_date_reads_what_the_stdlib_reads(value: str) -> None:
    from email.utils import parsedate_to_datetime

    from goodwill.io.mail import _plain_date
    from goodwill.io.messaging import utc_naive

    fast = _plain_date(value)
    try:
        slow: dt.datetime | None = utc_naive(parsedate_to_datetime(value))
    except (TypeError, ValueError, OverflowError, IndexError):
        slow = None
    if fast is not None:  # when the fast path answers, it answers as the stdlib does
        assert fast == slow


def test_the_fast_date_takes_the_usual_forms() -> None:
    from goodwill.io.mail import _plain_date

    assert _plain_date("Mon, 14 May 2001 16:39:00 -0700 (PDT)") == dt.datetime(2001, 5, 14, 23, 39)
    assert _plain_date("1 Jan 2024 00:30:00 +0100") == dt.datetime(2023, 12, 31, 23, 30)
    assert _plain_date("Mon, 14 May 2001 16:39:00 -0000") is None  # no zone: stdlib's rule
    assert _plain_date("Mon, 14 May 01 16:39:00 +0000") is None  # two-digit year


@FUZZ
@given(
    st.lists(st.one_of(value, st.sampled_from(["x", "@", "a@", "<>", '"q" <a@b.c>'])), max_size=4)
)
def test_a_cached_address_header_reads_as_a_fresh_one(parts: list[str]) -> None:
    from goodwill.io.mail import _address_header, _addresses, _Reader

    header_value = ", ".join(parts)
    first, second = _Reader("x", NOW), _Reader("x", NOW)
    _address_header.cache_clear()
    fresh = _addresses(header_value, first)
    again = _addresses(header_value, second)  # from the cache
    assert fresh == again and first.invalid == second.invalid
