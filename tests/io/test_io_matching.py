"""The matcher and writer: re-import is a no-op, duplicates across sources merge, unsure
pairs become suggestions, dry runs write nothing, matching costs no query per record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from goodwill.io import matcher, writer
from goodwill.io.records import InteractionRecord, PersonRecord
from goodwill.records import people
from goodwill.store.db import Store
from goodwill.store.models import Interaction, MergeSuggestion, Person, SourceRecord
from tests.io.helpers import everyone, names, run, snapshot, tables_of

CONNECTIONS = """Notes:
"When exporting your connection data, you may notice that some of the email addresses are missing."

First Name,Last Name,URL,Email Address,Company,Position,Connected On
Dana,Kim,https://www.linkedin.com/in/dana-kim,,Acme Inc.,Engineer,12 Mar 2024
Lee,Park,https://www.linkedin.com/in/lee-park,,Globex,Designer,6-Feb-25
Sam,"Rivera, CFA, FRM",https://www.linkedin.com/in/sam-rivera,,Initech,Analyst,01 Jan 2020
"""

CARDS = """BEGIN:VCARD
VERSION:3.0
FN:Dana Kim
N:Kim;Dana;;;
EMAIL;TYPE=WORK:dana@acme.example
TEL;TYPE=CELL:(415) 555-0101
ORG:ACME
CATEGORIES:friends,climbing
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Lee Park
N:Park;Lee;;;
EMAIL:lee@home.example
ORG:Umbrella
END:VCARD
"""


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reimport_of_the_same_file_changes_nothing(store: Store, tmp_path: Path) -> None:
    conn = write(tmp_path, "Connections.csv", CONNECTIONS)
    cards = write(tmp_path, "cards.vcf", CARDS)
    first = run(store, "linkedin", conn)
    run(store, "vcard", cards)
    before = snapshot(store)
    again = run(store, "linkedin", conn)
    again_cards = run(store, "vcard", cards)
    assert first.created == 3
    assert (again.created, again.updated, again.merged, again.unchanged) == (0, 0, 0, 3)
    assert (again_cards.created, again_cards.merged, again_cards.unchanged) == (0, 0, 2)
    assert snapshot(store) == before


def test_same_people_across_linkedin_vcard_and_a_mailbox_merge(
    store: Store, tmp_path: Path
) -> None:
    run(store, "linkedin", write(tmp_path, "Connections.csv", CONNECTIONS))
    report = run(store, "vcard", write(tmp_path, "cards.vcf", CARDS))
    # Dana: same name, Acme = ACME -> merged; Lee Park: same name, other company -> suggestion
    assert (report.created, report.merged, report.suggested) == (1, 1, 1)
    with store.session() as s:
        mailbox = [
            PersonRecord(
                "mbox", "dana@acme.example", name="Dana K.", emails=[("dana@acme.example", None)]
            ),
            PersonRecord(
                "mbox", "lee@home.example", name="Lee Park", emails=[("lee@home.example", None)]
            ),
        ]
        mails = [
            InteractionRecord(
                "mbox",
                "<1@acme.example>",
                dt.datetime(2026, 5, 1, 9),
                "email",
                initiated_by="them",
                participants=["dana@acme.example"],
            ),
            InteractionRecord(
                "mbox",
                "<2@home.example>",
                dt.datetime(2026, 5, 2, 9),
                "email",
                initiated_by="me",
                participants=["lee@home.example"],
            ),
        ]
        plan = matcher.match(s, mailbox)
        stats = writer.write(s, plan, mails, now=dt.datetime(2026, 6, 1))
        assert (stats.created, stats.merged, stats.interactions_created) == (0, 2, 2)
    found = everyone(store)
    dana = found["Dana Kim"]
    assert dana.emails == ["dana@acme.example"] and dana.phones == ["+14155550101"]
    assert dana.links == ["https://www.linkedin.com/in/dana-kim"]
    assert dana.organization == "Acme Inc." and dana.tags == ["climbing", "friends"]
    assert dana.interactions_count == 1 and dana.met_on == dt.date(2024, 3, 12)
    assert names(store) == ["Dana Kim", "Lee Park", "Lee Park", "Sam Rivera"]
    with store.session() as s:
        sources = sorted(
            s.scalars(select(SourceRecord.source).where(SourceRecord.person_id == dana.id))
        )
        assert sources == ["linkedin", "mbox", "vcard"]
        pair = s.scalars(select(MergeSuggestion)).one()
        pair_names = {s.get(Person, pair.a_id).display_name, s.get(Person, pair.b_id).display_name}  # type: ignore[union-attr]
        assert pair_names == {"Lee Park"} and "another organisation" in pair.reason


def test_linkedin_credentials_in_last_name_are_a_suffix(store: Store, tmp_path: Path) -> None:
    run(store, "linkedin", write(tmp_path, "Connections.csv", CONNECTIONS))
    with store.session() as s:
        sam = people.resolve(s, "Sam Rivera")
        assert (sam.family_name, sam.suffix) == ("Rivera", "CFA, FRM")
        park = people.resolve(s, "Lee Park")
        assert park.met_on == dt.date(2025, 2, 6)  # Excel re-save: 6-Feb-25


def test_different_linkedin_profiles_never_merge(session: Session) -> None:
    records = [
        PersonRecord(
            "linkedin",
            "a",
            name="Ana Lima",
            org="Acme",
            links=[("linkedin", "https://linkedin.com/in/ana-1")],
        ),
        PersonRecord(
            "linkedin",
            "b",
            name="Ana Lima",
            org="Acme",
            links=[("linkedin", "https://linkedin.com/in/ana-2")],
        ),
    ]
    plan = matcher.match(session, records)
    assert [d.action for d in plan.decisions] == ["create", "create"] and not plan.suggestions


def test_a_close_name_at_the_same_org_is_only_suggested(session: Session) -> None:
    people.add(session, "Jonathan Smith", org="Initech")
    plan = matcher.match(
        session, [PersonRecord("vcard", "x", name="Jonathon Smith", org="Initech")]
    )
    assert plan.decisions[0].action == "create"
    assert [s.reason for s in plan.suggestions] == ["similar name at the same organisation"]
    stats = writer.write(session, plan)
    assert stats.suggested == 1


def test_email_matches_exactly_whatever_the_name(session: Session) -> None:
    known = people.add(session, "Robert Tables", emails=["bobby@example.com"])
    plan = matcher.match(
        session, [PersonRecord("google", "k", name="Bob", emails=[("Bobby@Example.com", "home")])]
    )
    assert (plan.decisions[0].action, plan.decisions[0].target) == ("merge", known.id)


def test_a_shared_phone_with_another_name_is_not_a_merge(session: Session) -> None:
    people.add(session, "Front Desk", phones=["+1 415 555 0100"])
    plan = matcher.match(
        session,
        [PersonRecord("vcard", "k", name="Front Desk Team", phones=[("+14155550100", None)])],
    )
    assert plan.decisions[0].action == "merge"
    plan = matcher.match(
        session, [PersonRecord("vcard", "k2", name="Zed Q", phones=[("+14155550100", None)])]
    )
    assert plan.decisions[0].action == "create"


def test_removed_people_are_not_brought_back(session: Session) -> None:
    gone = people.add(session, "Gone Person", emails=["gone@example.com"])
    people.remove(session, gone)
    plan = matcher.match(
        session,
        [PersonRecord("vcard", "g", name="Gone Person", emails=[("gone@example.com", None)])],
    )
    assert plan.decisions[0].action == "skip"
    assert "removed" in plan.issues[0].message


def test_duplicates_inside_one_file_become_one_person(session: Session) -> None:
    records = [
        PersonRecord("vcard", "1", line=1, name="Kai Ito", emails=[("kai@example.com", None)]),
        PersonRecord(
            "vcard",
            "2",
            line=9,
            name="Kai Ito",
            emails=[("kai@example.com", None)],
            phones=[("+81 3 1234 5678", None)],
        ),
        PersonRecord("vcard", "1", line=20, name="Kai Ito", emails=[("kai@example.com", None)]),
    ]
    plan = matcher.match(session, records)
    assert [d.action for d in plan.decisions] == ["create", "merge", "skip"]
    assert "same record as line 1" in plan.issues[0].message
    stats = writer.write(session, plan)
    assert stats.created == 1
    kai = people.resolve(session, "kai@example.com")
    assert [p.number for p in kai.phones] == ["+81312345678"]


def test_dry_run_writes_nothing(store: Store, tmp_path: Path) -> None:
    before = snapshot(store)
    report = run(store, "linkedin", write(tmp_path, "Connections.csv", CONNECTIONS), dry_run=True)
    assert report.created == 3 and report.dry_run
    assert snapshot(store) == before


def test_matching_costs_a_fixed_number_of_queries(store: Store) -> None:
    with store.session() as s:
        for i in range(30):
            people.add(s, f"Person {i} Known", emails=[f"p{i}@example.com"], org="Acme")
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        with store.session() as s:
            small = matcher.match(
                s, [PersonRecord("vcard", "a", name="A B", emails=[("a@x.example", None)])]
            )
            n_small = len(statements)
            records = [
                PersonRecord("vcard", f"k{i}", name=f"Person {i} Known", org="Acme")
                for i in range(30)
            ]
            records += [
                PersonRecord(
                    "vcard", f"o{i}", name=f"Other {i}", emails=[(f"o{i}@x.example", None)]
                )
                for i in range(170)
            ]
            statements.clear()
            big = matcher.match(s, records)
            assert len(statements) == n_small
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert small.count("create") == 1 and big.count("merge") == 30


def test_interactions_are_not_duplicated_and_keep_direction(session: Session) -> None:
    records = [
        PersonRecord("mbox", "ada@example.com", name="Ada L", emails=[("ada@example.com", None)])
    ]
    mails = [
        InteractionRecord(
            "mbox",
            "<m1@x>",
            dt.datetime(2026, 1, 1, 8),
            "email",
            summary="hello",
            initiated_by="me",
            participants=["ada@example.com"],
        ),
        InteractionRecord(
            "mbox",
            "<m2@x>",
            dt.datetime(2026, 1, 2, 8),
            "email",
            initiated_by="them",
            participants=["ada@example.com", "nobody@x"],
        ),
        InteractionRecord(
            "mbox", "<m3@x>", dt.datetime(2026, 1, 3, 8), "email", participants=["nobody@x"]
        ),
    ]
    stats = writer.write(
        session, matcher.match(session, records), mails, now=dt.datetime(2026, 2, 1)
    )
    assert (stats.interactions_created, len(stats.issues)) == (2, 1)
    again = writer.write(
        session, matcher.match(session, records), mails[:2], now=dt.datetime(2026, 2, 1)
    )
    assert (again.interactions_created, again.interactions_unchanged) == (0, 2)
    rows = session.execute(
        select(Interaction.source_key, Interaction.initiated_by).order_by(Interaction.id)
    ).all()
    assert [tuple(r) for r in rows] == [("<m1@x>", "me"), ("<m2@x>", "them")]


def test_strict_stops_at_the_first_malformed_record(store: Store, tmp_path: Path) -> None:
    import pytest

    from goodwill.errors import ImportFailed

    bad = CARDS + "BEGIN:VCARD\nVERSION:3.0\nNOTE:nobody\nEND:VCARD\n"
    path = write(tmp_path, "bad.vcf", bad)
    before = snapshot(store)
    with pytest.raises(ImportFailed, match=r"bad.vcf:17: .*--strict"):
        run(store, "vcard", path, strict=True)
    assert snapshot(store) == before
    report = run(store, "vcard", path)
    assert report.created == 2 and [(i.line, i.skipped) for i in report.issues] == [(17, True)]


def test_every_fact_keeps_its_source(store: Store, tmp_path: Path) -> None:
    run(store, "vcard", write(tmp_path, "cards.vcf", CARDS))
    dump = tables_of(snapshot(store))
    assert {row[-1] for row in dump["email"]} == {"vcard"}
    raw = [r for r in dump["source_record"]]
    assert len(raw) == 2 and all("BEGIN:VCARD" in str(r) for r in raw)
    with store.session() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(SourceRecord)
                .where(SourceRecord.fingerprint.is_(None))
            )
            == 0
        )
