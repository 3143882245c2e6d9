"""Round trips are lossless: export -> import into an empty database -> export gives the
same bytes (vCard, CSV, JSON backup), and an unchanged imported card comes back as it was."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goodwill.io import export
from goodwill.records import interactions, people
from goodwill.store.db import Store, open_store
from tests.helpers import DATA, Result
from tests.io.helpers import run

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéüñ", min_size=2, max_size=8).map(str.capitalize)
SAFE = (
    st.text(alphabet="abcdefghij ,;:.-'\\éñ", min_size=1, max_size=25).map(str.strip).filter(bool)
)
NOTE = st.lists(SAFE, min_size=1, max_size=3).map("\n".join)
PERSON = st.fixed_dictionaries(
    {
        "given": WORD,
        "family": WORD,
        "org": st.none() | WORD,
        "title": st.none() | SAFE,
        "tags": st.lists(
            st.text(alphabet="abcxyz -", min_size=1, max_size=8).map(str.strip).filter(bool),
            max_size=3,
        ),
        "note": st.none() | NOTE,
        "n_emails": st.integers(0, 2),
        "n_phones": st.integers(0, 2),
        "linkedin": st.booleans(),
        "location": st.none() | SAFE,
    }
)
RT = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rt") / "empty.db"
    open_store(str(path)).dispose()
    return path


def fresh(template: Path, folder: Path, name: str) -> Store:
    target = folder / name
    shutil.copyfile(template, target)
    return open_store(str(target))


def fill(store: Store, persons: list[dict[str, object]]) -> None:
    with store.session() as s:
        for i, p in enumerate(persons):
            person = people.add(
                s,
                f"{p['given']} {p['family']}",
                emails=[f"p{i}.{k}@example.com" for k in range(p["n_emails"])],  # type: ignore[call-overload]
                phones=[f"+1 415 555 {i:02d}{k:02d}" for k in range(p["n_phones"])],  # type: ignore[call-overload]
                org=p["org"],  # type: ignore[arg-type]
                title=p["title"] if p["org"] else None,  # type: ignore[arg-type]
                tags=p["tags"],  # type: ignore[arg-type]
                note=p["note"],  # type: ignore[arg-type]
                linkedin=f"https://www.linkedin.com/in/p-{i}" if p["linkedin"] else None,
                location=p["location"],  # type: ignore[arg-type]
            )
            if i % 2:
                interactions.log(
                    s,
                    [person],
                    "coffee",
                    when=dt.datetime(2025, 1, i + 1, 9),
                    summary="talk",
                    gave=["info"],
                )


def exported(store: Store, fmt: str) -> bytes:
    with store.session() as s:
        return export.export_bytes(s, fmt)


def roundtrip(
    template: Path, persons: list[dict[str, object]], fmt: str, import_as: str
) -> tuple[bytes, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        one, two = fresh(template, folder, "one.db"), fresh(template, folder, "two.db")
        try:
            fill(one, persons)
            first = exported(one, fmt)
            (folder / "out").write_bytes(first)
            if persons:
                run(two, import_as, folder / "out")
            return first, exported(two, fmt)
        finally:
            one.dispose()
            two.dispose()


@RT
@given(st.lists(PERSON, max_size=5))
def test_vcard_export_import_export_is_lossless(
    template: Path, persons: list[dict[str, object]]
) -> None:
    first, second = roundtrip(template, persons, "vcard", "vcard")
    assert first.decode() == second.decode()


# Two CSV rows equal in every column are one contact given twice: names are kept distinct.
@RT
@given(st.lists(PERSON, min_size=1, max_size=5, unique_by=lambda p: (p["given"], p["family"])))
def test_csv_export_import_export_is_lossless(
    template: Path, persons: list[dict[str, object]]
) -> None:
    first, second = roundtrip(template, persons, "csv", "google")
    assert first.decode() == second.decode()


@RT
@given(st.lists(PERSON, min_size=1, max_size=5))
def test_json_backup_restore_backup_gives_the_same_bytes(
    template: Path, persons: list[dict[str, object]]
) -> None:
    first, second = roundtrip(template, persons, "json", "json")
    assert first == second


def test_exported_cards_read_back_with_vobject(store: Store) -> None:
    """vobject, an independent reader, agrees with what we write."""
    import vobject

    fill(
        store,
        [
            {
                "given": "Zoë",
                "family": "Ng",
                "org": "A; B, C",
                "title": "CTO",
                "tags": ["x"],
                "note": "l1\nl2; l3",
                "n_emails": 1,
                "n_phones": 1,
                "linkedin": True,
                "location": "Paris",
            }
        ],
    )
    card = next(vobject.readComponents(exported(store, "vcard").decode()))
    assert card.fn.value == "Zoë Ng" and card.org.value == ["A; B, C"]
    assert card.note.value == "l1\nl2; l3" and card.email.value == "p0.0@example.com"


CARDS = [
    "android_v21_complicated.vcf",
    "ezvcard_gmail-single.vcf",
    "android_v40_sort_as.vcf",
    "ezvcard_rfc2426-example.vcf",
]


@pytest.mark.parametrize("name", CARDS)
def test_an_unchanged_imported_card_is_exported_as_it_was(store: Store, name: str) -> None:
    path = DATA / "realworld" / name
    run(store, "vcard", path)
    original = path.read_bytes().decode("utf-8")
    out = exported(store, "vcard").decode("utf-8")
    cards = re.findall(
        r"^BEGIN:VCARD$.*?^END:VCARD$", original.replace("\r\n", "\n"), re.I | re.M | re.S
    )
    assert cards
    for card in cards:
        assert card.replace("\n", "\r\n") in out


def test_a_changed_card_keeps_what_goodwill_does_not_manage(store: Store) -> None:
    run(store, "vcard", DATA / "realworld" / "android_v30_ios_613_multiline.vcf")
    with store.session() as s:
        people.edit(s, people.resolve(s, "Bob Smith"), add_emails=["bob@new.example"])
    out = exported(store, "vcard").decode()
    assert "bob@new.example" in out and "bob@smithauto.com" in out
    assert "PHOTO;ENCODING=b" in out and "X-ABLabel" in out.replace("X-ABLABEL", "X-ABLabel")


def test_vdir_has_one_card_per_person_with_stable_names(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    assert cli("import", "vcard", DATA / "realworld" / "ezvcard_gmail-list.vcf").code == 0
    assert cli("person", "add", "Mo Ali", "--email", "mo@example.com").code == 0
    assert cli("export", "vcard", "--vdir", tmp_path / "a").code == 0
    assert cli("export", "vcard", "--vdir", tmp_path / "b").code == 0
    first = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(first) == 4 and first == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in first:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_cli_export_json_then_import_json(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("person", "add", "Ida Berg", "--email", "ida@example.com", "--tag", "x").code == 0
    assert cli("export", "json", "-o", tmp_path / "b.json").code == 0
    monkeypatch.setenv("GOODWILL_DB", str(tmp_path / "other.db"))
    r = cli("import", "json", tmp_path / "b.json")
    assert r.code == 0, r.err
    assert cli("export", "json", "-o", tmp_path / "c.json").code == 0
    assert (tmp_path / "b.json").read_bytes() == (tmp_path / "c.json").read_bytes()


def test_stray_carriage_returns_leave_no_blank_lines(store: Store, tmp_path: Path) -> None:
    """A card saved with CR CR LF line ends (and a lone CR in a note) comes back out with
    one CRLF per line: no blank line between properties."""
    src = tmp_path / "stray.vcf"
    src.write_bytes(
        b"BEGIN:VCARD\r\r\nVERSION:3.0\r\r\nFN:Stray Return\r\r\nN:Return;Stray;;;\r\r\n"
        b"EMAIL:stray@example.com\r\r\nEND:VCARD\r\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Lone Return\r\nN:Return;Lone;;;\r\nEND:VCARD\r\n"
    )
    run(store, "vcard", src)
    with store.session() as s:
        people.edit(s, people.resolve(s, "Lone Return"), note="line one\rline two")
    out = exported(store, "vcard").decode("utf-8")
    assert "stray@example.com" in out and "line one\\nline two" in out
    assert "\r\n\r\n" not in out and "\r\r" not in out
    assert all(line for line in out.split("\r\n")[:-1])
