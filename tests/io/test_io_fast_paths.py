"""The import's fast paths decide and write exactly what the whole way did: the control
character pass skipped only when nothing has one, vCard reading without quotes or escapes,
a re-import of an unchanged file that writes nothing."""

from __future__ import annotations

import dataclasses
import gc
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from goodwill.errors import ImportFailed
from goodwill.io import importer, linkedin, vcard
from goodwill.io.records import ImportOptions, ParseResult, PersonRecord
from goodwill.safe_text import strip_controls
from goodwill.store.db import Store
from goodwill.store.models import Person, PersonChange, SourceRecord

# Text with and without control characters (C0 but tab and newline, DEL, C1).
TEXT = st.text(alphabet=st.sampled_from('ab ,;:\\"=\t\n\x00\x07\x1b\x7f\x9b'), max_size=12)
MAYBE = st.none() | TEXT


def _whole_way(result: ParseResult) -> None:
    """The pass as it was, on every field of every record (the reference)."""

    def clean(value: object) -> object:
        if isinstance(value, str):
            return strip_controls(value)
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, tuple):
            return tuple(clean(v) for v in value)
        return value

    for record in [*result.people, *result.interactions]:
        for f in dataclasses.fields(record):
            value = getattr(record, f.name)
            if f.name != "raw":
                setattr(record, f.name, clean(value))
            elif isinstance(value, str):
                setattr(record, f.name, value.replace("\x00", ""))


RECORDS = st.builds(
    PersonRecord,
    source=st.just("vcard"),
    source_key=TEXT,
    name=MAYBE,
    given_name=MAYBE,
    org=MAYBE,
    emails=st.lists(st.tuples(TEXT, MAYBE), max_size=2),
    phones=st.lists(st.tuples(TEXT, MAYBE), max_size=2),
    past_roles=st.lists(st.tuples(TEXT, MAYBE), max_size=2),
    tags=st.lists(TEXT, max_size=2),
    notes=MAYBE,
    raw=MAYBE,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(RECORDS, max_size=4))
def test_the_control_pass_gives_what_the_whole_way_gave(people: list[PersonRecord]) -> None:
    fast = ParseResult(people=[dataclasses.replace(p) for p in people])
    slow = ParseResult(people=[dataclasses.replace(p) for p in people])
    importer._strip_controls(fast)
    _whole_way(slow)
    assert fast.people == slow.people


def _connections(rows: list[str]) -> str:
    return "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n" + "".join(
        f"{r}\n" for r in rows
    )


def test_a_linkedin_file_with_a_control_character_is_cleaned(tmp_path: Path) -> None:
    plain = linkedin.parse_text(
        _connections(["Ada,Lovelace,https://www.linkedin.com/in/ada,,Acme,CEO,01 Jan 2020"]),
        "c.csv",
        ImportOptions(),
    )
    assert plain.clean
    dirty = linkedin.parse_text(
        _connections(["Ada\x1b[2J,Lovelace,https://www.linkedin.com/in/ada,,Acme,CEO,"]),
        "c.csv",
        ImportOptions(),
    )
    assert not dirty.clean
    importer._strip_controls(dirty)
    assert dirty.people[0].name == "Ada[2J Lovelace"


def test_a_quoted_printable_control_character_is_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "qp.vcf"
    path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;ENCODING=QUOTED-PRINTABLE:Eve =1B[31mRed\r\n"
        b"END:VCARD\r\n"
    )
    result = vcard.parse(path, ImportOptions())
    assert not result.clean and result.people[0].name == "Eve \x1b[31mRed"
    importer._strip_controls(result)
    assert result.people[0].name == "Eve [31mRed"
    plain = tmp_path / "plain.vcf"
    plain.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Eve\r\nEND:VCARD\r\n")
    assert vcard.parse(plain, ImportOptions()).clean


# The vCard readers as they were, character by character (the references).
def _params_split(text: str) -> list[str]:
    out, buf, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    return out


def _split_name_value(rest: str) -> tuple[str, str]:
    quoted = False
    for i, ch in enumerate(rest):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return rest[:i], rest[i + 1 :]
    return rest, ""


def _unescape(text: str) -> str:
    text = text.replace("\r\n", "\n")
    return re.sub(r"\\(.)", lambda m: vcard._TEXT_ESCAPES.get(m.group(1), m.group(1)), text)


def _split_escaped(text: str, sep: str) -> list[str]:
    parts, buf, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return [_unescape(p).strip() for p in parts]


VCARD_TEXT = st.text(alphabet=st.sampled_from('ab ,;:\\"=\r\nnN'), max_size=20)


@settings(max_examples=500, deadline=None)
@given(VCARD_TEXT)
def test_vcard_fast_paths_read_as_the_character_loops_did(text: str) -> None:
    assert vcard._params_split(text) == _params_split(text)
    assert vcard._split_name_value(text) == _split_name_value(text)
    assert vcard.unescape(text) == _unescape(text)
    for sep in ";,":
        assert vcard.split_escaped(text, sep) == _split_escaped(text, sep)


def _state(store: Store) -> tuple[object, ...]:
    with store.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Person)),
            s.scalar(select(func.max(PersonChange.seq))),
            s.execute(
                select(SourceRecord.id, SourceRecord.imported_at).order_by(SourceRecord.id)
            ).all(),
        )


def test_an_unchanged_file_again_writes_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(
        _connections(
            [
                f"P{i},Wang,https://www.linkedin.com/in/p{i}-wang,"
                f"{f'p{i}@example.com' if i % 3 == 0 else ''},"
                f"Acme {i % 4},Engineer,0{i % 9 + 1} Mar 2021"
                for i in range(60)
            ]
        )
    )
    first = importer.import_file(store, "linkedin", path, ImportOptions())
    assert first.created == 60
    before = _state(store)
    again = importer.import_file(store, "linkedin", path, ImportOptions())
    assert (again.created, again.updated, again.merged, again.unchanged) == (0, 0, 0, 60)
    assert _state(store) == before
    # One changed row: an update, through the whole matcher (its keys read on demand);
    # an address someone else has is not given to them.
    text = path.read_text()
    row = "P1,Wang,https://www.linkedin.com/in/p1-wang,,"
    assert row in text
    path.write_text(text.replace(row, row[:-1] + "p1@example.com,"))
    changed = importer.import_file(store, "linkedin", path, ImportOptions())
    assert (changed.updated, changed.unchanged, changed.created) == (1, 59, 0)
    path.write_text(text.replace(row, row[:-1] + "p3@example.com,"))
    taken = importer.import_file(store, "linkedin", path, ImportOptions())
    assert (taken.updated, taken.created) == (0, 0)
    with store.session() as s:
        owner = s.execute(
            select(Person.display_name)
            .join(Person.emails)
            .where(Person.emails.any(address="p3@example.com"))
        ).scalar_one()
    assert owner == "P3 Wang"


def test_the_cyclic_collector_runs_again_after_an_import(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.vcf"
    bad.write_text("not a card\n")
    assert gc.isenabled()
    with pytest.raises(ImportFailed):
        importer.import_file(store, "vcard", bad, ImportOptions())
    assert gc.isenabled()
    good = tmp_path / "one.vcf"
    good.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Eve\r\nEND:VCARD\r\n")
    paused: list[bool] = []
    real = importer.parse

    def spy(fmt: str, path: Path, options: ImportOptions) -> ParseResult:
        paused.append(not gc.isenabled())
        return real(fmt, path, options)

    monkeypatch.setattr(importer, "parse", spy)
    assert importer.import_file(store, "vcard", good, ImportOptions()).created == 1
    assert paused == [True] and gc.isenabled()
