"""A re-import decides "unchanged" from a record's exact key and raw text when the parser
says the raw text is the whole record (matcher.Matcher._same_as_stored), and otherwise
goes the whole way: both decide the same, warnings and duplicates included."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from goodwill import validate
from goodwill.errors import InvalidInput
from goodwill.io import importer, linkedin, matcher
from goodwill.io.records import ImportOptions
from goodwill.records import people
from goodwill.store.db import Store
from goodwill.store.models import Person

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def _file(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "Connections.csv"
    path.write_text(header + "".join(f"{r}\n" for r in rows))
    return path


def _plan(store: Store, path: Path, by_raw: bool) -> matcher.Plan:
    records = linkedin.parse(path, ImportOptions()).people
    with store.session() as s:
        return matcher.match(s, records, by_raw=by_raw)


def _decided(plan: matcher.Plan) -> list[tuple[str, int | None, str | None]]:
    return [(d.action, d.target, d.fingerprint) for d in plan.decisions]


ROWS = [
    "Ada,Lovelace,https://www.linkedin.com/in/ada,ada@example.org,Acme,CEO,01 Jan 2020",
    "Alan,Turing,https://www.linkedin.com/in/alan,,Bletchley,Analyst,02 Feb 2021",
    # A comma in a value: the raw text is not the whole record.
    '"Grace","Hopper, PhD",https://www.linkedin.com/in/grace,,"Navy, US",Admiral,03 Mar 2022',
    # An address normalise leaves out with a warning, every time it reads it.
    "Edsger,Dijkstra,https://www.linkedin.com/in/edsger,not-an-address,Eindhoven,Prof,",
    # No profile: the key is the name and the company.
    "Barbara,Liskov,,,MIT,Professor,04 Apr 2019",
]


def test_an_unchanged_row_is_known_by_its_raw_text(store: Store, tmp_path: Path) -> None:
    path = _file(tmp_path, ROWS)
    first = importer.import_file(store, "linkedin", path, ImportOptions())
    assert first.created == 5
    fast, whole = _plan(store, path, by_raw=True), _plan(store, path, by_raw=False)
    assert _decided(fast) == _decided(whole)
    assert [d.action for d in fast.decisions] == ["unchanged"] * 5
    # Ada, Alan and Barbara by their raw text; Grace (a comma) and Edsger (a warning) not.
    by_raw = [d.record.name for d in fast.decisions if d.facts is None]
    assert by_raw == ["Ada Lovelace", "Alan Turing", "Barbara Liskov"]
    assert [str(i) for i in fast.issues] == [str(i) for i in whole.issues]
    assert any("not-an-address" in i.message for i in fast.issues)
    again = importer.import_file(store, "linkedin", path, ImportOptions())
    assert (again.unchanged, again.created, again.updated) == (5, 0, 0)
    assert [i.message for i in again.issues] == [i.message for i in first.issues]


def test_a_changed_row_a_duplicate_and_a_removed_person(store: Store, tmp_path: Path) -> None:
    importer.import_file(store, "linkedin", _file(tmp_path, ROWS[:2]), ImportOptions())
    with store.session() as s:
        alan = s.scalars(select(Person).where(Person.display_name == "Alan Turing")).one()
        people.remove(s, alan)
    changed = ROWS[0].replace("CEO", "CTO")
    path = _file(tmp_path, [changed, ROWS[1], changed])
    fast, whole = _plan(store, path, by_raw=True), _plan(store, path, by_raw=False)
    assert _decided(fast) == _decided(whole)
    assert [d.action for d in fast.decisions] == ["update", "skip", "skip"]
    assert [str(i) for i in fast.issues] == [str(i) for i in whole.issues]


def test_other_header_names_go_the_whole_way(store: Store, tmp_path: Path) -> None:
    """The URL and address read from 'Profile URL' and 'Email': not in the raw text."""
    header = "First Name,Last Name,Profile URL,Email,Company,Position,Connected On\n"
    path = _file(tmp_path, [ROWS[0]], header)
    records = linkedin.parse(path, ImportOptions()).people
    assert records[0].emails and not records[0].raw_is_whole
    importer.import_file(store, "linkedin", path, ImportOptions())
    path.write_text(path.read_text().replace("ada@example.org", "lovelace@example.org"))
    fast = _plan(store, path, by_raw=True)
    assert [d.action for d in fast.decisions] == ["update"]


NAMES = st.text(alphabet=st.sampled_from("abAB ,.-é\"'"), min_size=1, max_size=8)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=NAMES,
    last=NAMES,
    email=st.sampled_from(["", "a@example.org", "bad", "A@Example.org"]),
    company=NAMES,
    edit=st.sampled_from(["", "first", "email", "company"]),
)
def test_raw_and_whole_way_decide_alike(
    store: Store,
    tmp_path: Path,
    first: str,
    last: str,
    email: str,
    company: str,
    edit: str,
) -> None:
    """Any row, imported, then read again as it was or with one value changed: the raw
    text path decides exactly what the whole way does."""

    def row(f: str, e: str, c: str) -> str:
        cells = [f, last, f"https://www.linkedin.com/in/p-{abs(hash((first, last)))}", e, c]
        quoted = ['"' + x.replace('"', '""') + '"' for x in cells]
        return ",".join([*quoted, "Engineer", "01 Jan 2020"])

    path = _file(tmp_path, [row(first, email, company)])
    importer.import_file(store, "linkedin", path, ImportOptions())
    changes = {"first": (first + "x", email, company), "email": (first, "c@example.org", company)}
    changes["company"] = (first, email, company + "y")
    path = _file(tmp_path, [row(*changes.get(edit, (first, email, company)))])
    assert _decided(_plan(store, path, True)) == _decided(_plan(store, path, False))


SLUGS = st.text(alphabet=st.sampled_from("abcXYZ-_09%$é/?# "), min_size=1, max_size=12)


@given(slug=SLUGS, host=st.sampled_from(["https://www.", "http://www.", "https://", "https://uk."]))
def test_a_canonical_profile_address_is_given_back_as_the_long_way_would(
    slug: str, host: str
) -> None:
    """validate.linkedin_url returns an address already in its form at once: the same
    answer as the whole check (a trailing space sends it the long way)."""
    value = f"{host}linkedin.com/in/{slug}"
    try:
        long_way = validate.linkedin_url(value + " ")
    except InvalidInput:
        with pytest.raises(InvalidInput):
            validate.linkedin_url(value)
        return
    assert validate.linkedin_url(value) == long_way
    assert validate.linkedin_url(long_way) == long_way
