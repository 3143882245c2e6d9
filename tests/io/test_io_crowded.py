"""Crowded names: thousands of people sharing a surname cost each record a bounded number
of comparisons, names one letter apart stay different people, and a crowded block decides
exactly as comparing the whole block would."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.io import matcher, writer
from goodwill.io.records import PersonRecord
from goodwill.store.db import Store
from goodwill.store.models import MergeSuggestion, Person

# First names one or two letters apart (Wei / Wen / Wai...), all starting with W, so that
# with one surname they all fall into one block.
FIRST = [f"W{a}{b}" for a in "aeiou" for b in ("i", "n", "ng", "y", "ri", "nda")]
ORGS = ["Google", "Infosys", "Accenture", "Wipro", "Amazon", "Tata Consultancy Services"]


def crowd(n: int, seed: int = 3, *, emails: bool = True) -> list[PersonRecord]:
    rng = random.Random(seed)
    return [
        PersonRecord(
            "vcard",
            f"uid-{i}",
            name=f"{rng.choice(FIRST)} Wang",
            org=rng.choice(ORGS),
            emails=[(f"p{i}@example.com", None)] if emails else [],
        )
        for i in range(n)
    ]


def test_thousands_sharing_a_surname_cost_a_bounded_number_of_comparisons(
    session: Session,
) -> None:
    records = crowd(3000)
    m = matcher.Matcher(session, None)
    plan = m.decide_all(records)
    # Everyone has their own address: nobody merges, however alike the names.
    assert [d.action for d in plan.decisions] == ["create"] * 3000
    # Bounded per record (at most the block cap, or the org and name caps, per block key),
    # where the whole block would be about 4.5 million comparisons.
    per_record = matcher.BLOCK_CAP + matcher.ORG_CAP + matcher.NAME_CAP
    assert m.compared <= 3000 * per_record
    assert m.compared < 3000 * 3000 / 2 / 5
    stats = writer.write(session, plan)
    assert stats.created == 3000
    assert session.scalar(select(func.count()).select_from(Person)) == 3000


def test_names_one_letter_apart_are_different_people(session: Session) -> None:
    # A crowded block first (well over the cap), then two names one letter apart at one
    # organisation, then the first of them again.
    records = crowd(2 * matcher.BLOCK_CAP, seed=5)
    records += [
        PersonRecord("vcard", "wei", name="Wei Wang", org="Pied Piper"),
        PersonRecord("vcard", "wen", name="Wen Wang", org="Pied Piper"),
        PersonRecord("outlook", "wei-again", name="Wei Wang", org="Pied Piper Inc."),
    ]
    plan = matcher.match(session, records)
    wei, wen, again = plan.decisions[-3:]
    assert (wei.action, wen.action) == ("create", "create")
    assert wei.target != wen.target
    assert (again.action, again.target) == ("merge", wei.target)
    stats = writer.write(session, plan)
    pairs = session.execute(select(MergeSuggestion.a_id, MergeSuggestion.b_id)).all()
    ids = {stats.ids[wei.target], stats.ids[wen.target]}  # type: ignore[index]
    assert tuple(sorted(ids)) in {tuple(sorted(p)) for p in pairs}
    names = session.scalars(
        select(Person.display_name).where(Person.id.in_(ids)).order_by(Person.id)
    ).all()
    assert names == ["Wei Wang", "Wen Wang"]


def test_crowded_names_import_whole_through_the_cli_path(store: Store) -> None:
    with store.session() as s:
        plan = matcher.match(s, crowd(1500, seed=9, emails=False))
        creates = sum(1 for d in plan.decisions if d.action == "create")
        merges = sum(1 for d in plan.decisions if d.action == "merge")
        stats = writer.write(s, plan)
        s.commit()
    # Without addresses, the same name at the same organisation is one person.
    assert creates + merges == 1500 and merges > 0
    assert stats.created == creates


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(FIRST[:4]),
            st.sampled_from(["Wang", "Kumar"]),
            st.sampled_from([*ORGS[:3], ""]),
            st.sampled_from(["", "a@x.example", "b@x.example", "c@x.example"]),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_a_crowded_block_decides_as_the_whole_block_would(
    session: Session, rows: list[tuple[str, str, str, str]]
) -> None:
    records = [
        PersonRecord(
            "vcard",
            f"k{i}",
            name=f"{first} {last}",
            org=org or None,
            emails=[(email, None)] if email else [],
        )
        for i, (first, last, org, email) in enumerate(rows)
    ]
    whole = matcher.Matcher(session, None, block_cap=10**9).decide_all(records)
    # Every cap tiny: only the people sharing an organisation or the exact name decide.
    capped = matcher.Matcher(session, None, block_cap=2, org_cap=1, name_cap=1).decide_all(records)
    assert [(d.action, d.target) for d in capped.decisions] == [
        (d.action, d.target) for d in whole.decisions
    ]

    # What a crowded block may lose is suggestions, never gain them.
    def pairs(plan: matcher.Plan) -> set[tuple[int, int]]:
        return {(min(s.a, s.b), max(s.a, s.b)) for s in plan.suggestions}

    assert pairs(capped) <= pairs(whole)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(FIRST[:6]),
            st.sampled_from(["Wang", "Kumar"]),
            st.sampled_from(["", *ORGS[:3]]),
            st.booleans(),
        ),
        min_size=1,
        max_size=60,
    ),
    caps=st.sampled_from([(10**9, 10**9, 10**9), (2, 1, 1), (4, 2, 1)]),
)
def test_a_record_with_a_profile_is_compared_with_those_without_one(
    session: Session, rows: list[tuple[str, str, str, bool]], caps: tuple[int, int, int]
) -> None:
    """A record with a LinkedIn profile is compared with exactly the people of its blocks
    who have none (blocks whose every member has one are passed over at once): the same
    people as its candidates without the profile, less everyone with one."""
    m = matcher.Matcher(session, None, block_cap=caps[0], org_cap=caps[1], name_cap=caps[2])
    for i, (first, last, org, profile) in enumerate(rows):
        record = PersonRecord(
            "linkedin",
            f"k{i}",
            name=f"{first} {last}",
            org=org or None,
            links=[("linkedin", f"https://www.linkedin.com/in/p{i}")] if profile else [],
        )
        facts, _ = matcher.normalise(record, None)
        assert facts is not None
        if facts.linkedin:
            plain = dataclasses.replace(facts, links=())
            assert m.index.candidates(facts, *m.caps) == (
                m.index.candidates(plain, *m.caps) - m.index.linked
            )
        m.plan.decisions.append(m.decide(record))
