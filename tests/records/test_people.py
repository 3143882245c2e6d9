"""People: add, resolve, list, edit, remove, merge (domain functions, on both backends)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.errors import Ambiguous, InvalidInput, NotFound
from goodwill.records import interactions, people
from goodwill.scoring import strength
from goodwill.store.models import Knows, Participant, Person
from goodwill.views import people_list, person_page

NOW = dt.datetime(2026, 6, 1, 12, 0)


def test_add_parses_and_normalises(session: Session) -> None:
    p = people.add(
        session,
        "Dr. Dana  M. Kim Jr.",
        emails=["Dana.Kim@Example.COM"],
        phones=["(415) 555-0134"],
        org="Acme, Inc.",
        title="Data Scientist",
        tags=["Mentor"],
        circle="active",
        linkedin="linkedin.com/in/DanaKim/",
    )
    assert (p.given_name, p.middle_name, p.family_name) == ("Dana", "M.", "Kim")
    assert (p.prefix, p.suffix) == ("Dr.", "Jr.")
    assert [e.address for e in p.emails] == ["dana.kim@example.com"]
    assert [ph.number for ph in p.phones] == ["+14155550134"]
    assert [link.url for link in p.links] == ["https://www.linkedin.com/in/danakim"]
    assert [t.name for t in p.tags] == ["mentor"]
    assert p.roles[0].organization.key == "acme"
    assert p.circle == "active"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"emails": ["dana@"]}, "email"),
        ({"phones": ["call me maybe"]}, "phone"),
        ({"circle": "besties"}, "circle"),
        ({"linkedin": "https://example.com/dana"}, "linkedin"),
        ({"title": "CTO"}, "title"),
    ],
)
def test_add_refuses_bad_values_naming_the_field(
    session: Session, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        people.add(session, "Dana Kim", **kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_an_email_belongs_to_one_person(session: Session) -> None:
    people.add(session, "Dana Kim", emails=["dana@example.com"])
    with pytest.raises(InvalidInput, match=r"already belongs to Dana Kim \(#\d+\)"):
        people.add(session, "Dana K.", emails=["DANA@example.com"])


def test_resolve_by_id_email_and_name(session: Session) -> None:
    dana = people.add(session, "Dana Kim", emails=["dana@example.com"])
    people.add(session, "Omar Haddad")
    assert people.resolve(session, str(dana.id)) is dana
    assert people.resolve(session, f"#{dana.id}") is dana
    assert people.resolve(session, "DANA@example.com") is dana
    assert people.resolve(session, "dana kim") is dana
    assert people.resolve(session, "Kim") is dana


def test_an_ambiguous_name_lists_the_matches(session: Session) -> None:
    a = people.add(session, "Dana Kim", emails=["dana@acme.com"], org="Acme")
    b = people.add(session, "Dana Lee")
    with pytest.raises(Ambiguous) as err:
        people.resolve(session, "Dana")
    message = str(err.value)
    assert f"Dana Kim (#{a.id}, dana@acme.com, Acme)" in message
    assert f"Dana Lee (#{b.id})" in message


def test_an_unknown_person_suggests_close_names(session: Session) -> None:
    people.add(session, "Dana Kim")
    with pytest.raises(NotFound, match="no person matches 'Dana Kym'; did you mean Dana Kim"):
        people.resolve(session, "Dana Kym")
    with pytest.raises(NotFound, match="no person matches '999'"):
        people.resolve(session, "999")


def test_edit_changes_fields_and_roles(session: Session) -> None:
    p = people.add(session, "Dana Kim", org="Acme", title="Engineer")
    people.edit(
        session,
        p,
        org="Globex",
        title="Staff Engineer",
        add_tags_=["alumni"],
        note="Loves climbing",
        looking_for="a co-founder",
        cadence_days=30,
    )
    assert [(r.organization.name, r.is_current) for r in p.roles] == [
        ("Acme", False),
        ("Globex", True),
    ]
    assert p.notes == "Loves climbing" and p.looking_for == "a co-founder"
    assert (p.cadence_ideal_days, p.cadence_max_days) == (30, 60)
    with pytest.raises(InvalidInput, match="cadence"):
        people.edit(session, p, cadence_days=0)


def test_removed_people_leave_lists_but_are_named_clearly(session: Session) -> None:
    p = people.add(session, "Dana Kim", emails=["dana@example.com"])
    people.remove(session, p)
    assert people_list.summaries(session) == []
    with pytest.raises(NotFound, match=r"Dana Kim \(#\d+\) was removed on"):
        people.resolve(session, "dana@example.com")
    with pytest.raises(InvalidInput, match="was removed"):
        interactions.log(session, [p], "call", now=NOW)


def test_merge_moves_everything_once(session: Session) -> None:
    keep = people.add(session, "Dana Kim", emails=["dana@acme.com"], tags=["mentor"])
    dup = people.add(
        session,
        "D. Kim",
        emails=["dana@home.org"],
        phones=["+14155550134"],
        tags=["mentor", "climbing"],
        circle="close",
        location="Berlin",
    )
    friend = people.add(session, "Omar Haddad")
    both = interactions.log(session, [keep, dup], "meeting", when=NOW, now=NOW)
    interactions.log(session, [dup], "call", when=NOW, now=NOW, gave=["info"])
    session.add(Knows(a_id=min(dup.id, friend.id), b_id=max(dup.id, friend.id), how="manual"))
    session.add(Knows(a_id=min(keep.id, dup.id), b_id=max(keep.id, dup.id), how="manual"))
    session.flush()

    merged = people.merge(session, keep, dup)
    assert sorted(e.address for e in merged.emails) == ["dana@acme.com", "dana@home.org"]
    assert [t.name for t in merged.tags] == ["climbing", "mentor"]
    assert merged.circle == "close" and merged.location == "Berlin"
    assert (
        session.scalar(
            select(func.count())
            .select_from(Participant)
            .where(Participant.interaction_id == both.id)
        )
        == 1
    )
    detail = person_page.detail(session, merged)
    assert detail.interactions_count == 2
    assert [k.name for k in detail.knows] == ["Omar Haddad"]
    assert people.resolve(session, str(dup.id)).id == keep.id  # the old id leads to the survivor
    assert session.get(Person, dup.id).merged_into_id == keep.id  # type: ignore[union-attr]


def test_summaries_filter_and_report_last_contact(session: Session) -> None:
    a = people.add(session, "Ann Lee", org="Acme", tags=["mentor"], circle="close")
    people.add(session, "Bob Ray", org="Globex")
    interactions.log(session, [a], "coffee", when=NOW - dt.timedelta(days=3), now=NOW)
    interactions.log(session, [a], "call", when=NOW - dt.timedelta(days=1), now=NOW)
    assert [p.name for p in people_list.summaries(session)] == ["Ann Lee", "Bob Ray"]
    assert [p.name for p in people_list.summaries(session, tag="mentor")] == ["Ann Lee"]
    assert [p.name for p in people_list.summaries(session, circle="close")] == ["Ann Lee"]
    assert [p.name for p in people_list.summaries(session, org="globex")] == ["Bob Ray"]
    (ann,) = people_list.summaries(session, ids=[a.id])
    assert ann.last_contact == (NOW - dt.timedelta(days=1)).date()
    assert ann.organization == "Acme"


def test_summaries_page_through_chosen_people_in_name_order(session: Session) -> None:
    """The due and flagged filters pass chosen ids: they are paged in name order, counted,
    and the removed and you are left out, with or without filters."""
    names = ["dana", "Bea", "carl", "Abe", "Eve", "fay"]
    crowd = {n: people.add(session, n) for n in names}
    people.remove(session, crowd["carl"])
    chosen = [crowd[n].id for n in ("fay", "carl", "Abe", "dana", "Eve")]
    assert [r.name for r in people_list.summaries(session, ids=chosen)] == [
        "Abe",
        "dana",
        "Eve",
        "fay",
    ]
    page = people_list.summaries(session, ids=chosen, limit=2, offset=1)
    assert [r.name for r in page] == ["dana", "Eve"]
    assert people_list.count(session, ids=chosen) == 4
    assert people_list.count(session) == 5
    assert [r.name for r in people_list.summaries(session, limit=2, offset=4)] == ["fay"]
    assert people_list.matching_ids(session, chosen) == {
        crowd[n].id for n in ("fay", "Abe", "dana", "Eve")
    }
    people.add_tags(session, crowd["Eve"], ["mentor"])  # not flushed: summaries does it
    assert [r.name for r in people_list.summaries(session, ids=chosen, tag="mentor")] == ["Eve"]


def test_summaries_list_contact_details_in_their_order(session: Session) -> None:
    """Emails and phones as added, tags by name, the current role's organisation and title
    (an older role added later does not win), for a page of people and for everyone."""
    ann = people.add(
        session,
        "Ann Lee",
        emails=["zed@example.com", "abe@example.com"],
        phones=["+44 20 7946 0958", "+1 212 555 0100"],
        tags=["mentor", "alumni", "python"],
        org="Acme",
        title="CTO",
    )
    people.set_role(session, ann, "Initech", "Engineer", current=False)
    people.add(session, "Bob Ray")
    session.flush()
    for rows in (people_list.summaries(session, ids=[ann.id]), people_list.summaries(session)[:1]):
        (row,) = rows
        assert row.emails == ["zed@example.com", "abe@example.com"]
        assert row.phones == ["+442079460958", "+12125550100"]
        assert row.tags == ["alumni", "mentor", "python"]
        assert (row.organization, row.title) == ("Acme", "CTO")
    bob = people_list.summaries(session)[1]
    assert (bob.emails, bob.phones, bob.tags, bob.organization) == ([], [], [], None)


def test_log_refuses_the_future_unless_planned(session: Session) -> None:
    p = people.add(session, "Ann Lee")
    later = NOW + dt.timedelta(days=2)
    with pytest.raises(InvalidInput, match="is in the future; use --planned"):
        interactions.log(session, [p], "coffee", when=later, now=NOW)
    planned = interactions.log(session, [p], "coffee", when=later, now=NOW, planned=True)
    assert planned.planned


def test_log_records_exchanges_and_requests(session: Session) -> None:
    p = people.add(session, "Ann Lee")
    item = interactions.log(
        session,
        [p],
        "coffee",
        when=NOW,
        now=NOW,
        gave=["information"],
        got=["intro"],
        asked=["a referral"],
        they_asked=["resume review"],
    )
    kinds = sorted((x.direction, x.kind) for x in item.exchanges)
    assert kinds == [("asked", "ask"), ("gave", "info"), ("got", "intro"), ("they_asked", "ask")]
    with pytest.raises(InvalidInput, match="choose one of info, idea, help"):
        interactions.log(session, [p], "coffee", when=NOW, now=NOW, gave=["money"])


def test_last_contact_ignores_planned_and_follows_moves(session: Session) -> None:
    p = people.add(session, "Ann Lee")
    past = interactions.log(session, [p], "call", when=NOW - dt.timedelta(days=9), now=NOW)
    interactions.log(session, [p], "coffee", when=NOW + dt.timedelta(days=2), now=NOW, planned=True)
    assert strength.last_contacts(session) == {p.id: NOW - dt.timedelta(days=9)}
    past.occurred_at = NOW - dt.timedelta(days=4)
    session.flush()
    assert strength.last_contacts(session) == {p.id: NOW - dt.timedelta(days=4)}
    assert strength.last_contacts(session, as_of=NOW - dt.timedelta(days=5)) == {}
