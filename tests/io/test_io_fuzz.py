"""No input may crash an importer: any bytes give records and issues, or one clear
ImportFailed sentence (hypothesis fuzzing of every parser)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goodwill.errors import ImportFailed
from goodwill.io import formats, vcard
from goodwill.io.records import ImportOptions, ParseResult

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VCARD_LINES = st.sampled_from(
    [
        "BEGIN:VCARD",
        "END:VCARD",
        "VERSION:2.1",
        "VERSION:3.0",
        "VERSION:4.0",
        "FN:Ann Lee",
        "N:Lee;Ann;;;",
        "N;CHARSET=SHIFT_JIS:\x88\xc0",
        "EMAIL;TYPE=INTERNET:ann@example.com",
        "TEL;CELL:+1 415 555 0101",
        "TEL;VALUE=uri:tel:+44",
        "ORG:Acme;Dept",
        "TITLE:CTO",
        "NOTE;ENCODING=QUOTED-PRINTABLE:a=",
        "=0D=0Ab",
        "NOTE:x\\ny\\,z",
        "CATEGORIES:a,b\\,c",
        "BDAY:--0416",
        "BDAY:19800101",
        "PHOTO;ENCODING=BASE64;JPEG:AAAA",
        " continued",
        "\tfolded",
        "#comment",
        "",
        "item1.URL:https\\://x",
        "ADR:;;Street;City;;1;Country",
        "garbage ::: ;;",
        'X-Y;A="q;u:o";B:v',
        "UID:1",
        "ORG:",
        "FN:",
        "N:;;;;",
    ]
)


def _run(fmt: str, data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        try:
            result = formats.PARSERS[fmt](path, ImportOptions())
        except ImportFailed as exc:
            assert str(exc) and "\n" not in str(exc)
            return
        assert isinstance(result, ParseResult)
        for issue in result.issues:
            assert issue.line is None or issue.line >= 1


@FUZZ
@given(st.binary(max_size=2000))
def test_every_parser_survives_any_bytes(data: bytes) -> None:
    for fmt in formats.PARSERS:
        _run(fmt, data, ".txt")


@FUZZ
@given(st.text(max_size=1500))
def test_every_parser_survives_any_text(text: str) -> None:
    for fmt in formats.PARSERS:
        _run(fmt, text.encode("utf-8", "surrogatepass"), ".csv")


@FUZZ
@given(st.lists(VCARD_LINES, max_size=40), st.sampled_from(["\r\n", "\n", "\r"]))
def test_vcard_parser_survives_card_shaped_input(lines: list[str], eol: str) -> None:
    text = eol.join(lines)
    result = vcard.parse_text(text, "fuzz.vcf", eight_bit=True)
    assert all(p.source == "vcard" and p.source_key for p in result.people)
    _run("vcard", text.encode("latin-1", "replace"), ".vcf")


HEADERS = [
    "Notes:\nx\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On",
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
    "DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS",
    "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl",
    "Name,Given Name,Family Name,Group Membership,E-mail 1 - Type,E-mail 1 - Value,"
    "Phone 1 - Value,Birthday",
    "First Name,Last Name,E-mail Address,Company,Job Title,Birthday,Categories,Business Phone",
]
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "Ann",
            "https://www.linkedin.com/in/x",
            "12 Mar 2024",
            "0/0/00",
            "a@b.co",
            "2024-01-01 10:00:00 UTC",
            "9/20/26, 10:15 AM",
            "* My Contacts ::: X",
            "INCOMING",
            "+1 415 555 0101",
        ]
    ),
    st.text(max_size=20),
)


@FUZZ
@given(
    st.sampled_from(HEADERS),
    st.lists(st.lists(CELLS, max_size=12), max_size=15),
)
def test_csv_parsers_survive_rows_under_real_headers(header: str, rows: list[list[str]]) -> None:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    data = (header + "\n" + buf.getvalue()).encode("utf-8", "surrogatepass")
    for fmt in ("linkedin", "google", "outlook", "csv"):
        _run(fmt, data, ".csv")


@FUZZ
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(["name", "timestamp", "friends_v2", "x"]), inner, max_size=4
            )
        ),
        max_leaves=20,
    )
)
def test_facebook_parser_survives_any_json(value: object) -> None:
    import json

    _run("facebook", json.dumps({"friends_v2": value}).encode(), ".json")
    _run("facebook", json.dumps(value).encode(), ".json")
