"""Informational interviews: the profile, planning, the prep sheet from a known history."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.career import interviews, profile
from goodwill.errors import InvalidInput
from goodwill.records import interactions, people
from goodwill.store.models import Knows, Meeting, Organization, Setting
from tests.helpers import Result

NOW = dt.datetime(2024, 3, 13, 9, 0)


def _history(session: Session) -> dict[str, int]:
    """Dana at Acme (a target), Lee her colleague, Sam who knows her, two past exchanges."""
    profile.update(
        session,
        pitch="I build data platforms. I want to move into ML infrastructure.",
        roles=["ML engineer"],
        orgs_=["Acme"],
        places=["Berlin"],
        offers=["reviews of data pipelines"],
    )
    dana = people.add(
        session,
        "Dana Kim",
        emails=["dana@acme.com"],
        org="Acme",
        title="Staff Engineer",
        met="met at PyCon 2023",
        location="Berlin",
    )
    people.set_role(session, dana, "Globex", "Engineer", current=False)
    dana.looking_for = "a speaker for her meetup"
    lee = people.add(session, "Lee Park", org="Acme", title="Recruiter")
    sam = people.add(session, "Sam Rivera", emails=["sam@example.com"])
    a, b = sorted((dana.id, sam.id))
    session.add(Knows(a_id=a, b_id=b, how="meeting"))
    interactions.log(
        session,
        [dana],
        "coffee",
        when=dt.datetime(2024, 1, 10, 9),
        summary="talked about Rust",
        gave=["info"],
        got=["advice"],
        now=NOW,
    )
    interactions.log(
        session, [dana], "email", when=dt.datetime(2024, 1, 11, 9), gave=["thanks"], now=NOW
    )
    session.flush()
    return {"dana": dana.id, "lee": lee.id, "sam": sam.id}


def test_profile_round_trip_and_targets(session: Session) -> None:
    profile.update(
        session, pitch="  Two   sentences. Really. ", roles=["PM", "pm"], orgs_=["Acme", "Initech"]
    )
    got = profile.get(session)
    assert got.pitch == "Two sentences. Really."
    assert got.target_roles == ["PM"]  # case-insensitive duplicates collapse
    assert got.target_orgs == ["Acme", "Initech"]
    assert session.scalar(select(Organization.is_target).where(Organization.name == "Acme"))
    got = profile.update(session, remove=["initech", "PM"], offers=["mock interviews"])
    assert (got.target_orgs, got.target_roles, got.offers) == (["Acme"], [], ["mock interviews"])
    assert got.pitch == "Two sentences. Really."  # untouched when not given


def test_profile_bad_input_writes_nothing(session: Session) -> None:
    with pytest.raises(InvalidInput, match="two sentences"):
        profile.update(session, pitch="x" * 700)
    with pytest.raises(InvalidInput, match="not in your profile"):
        profile.update(session, roles=["PM"], remove=["CTO"])
    assert session.scalar(select(func.count()).select_from(Setting)) == 0


def test_prep_sheet_from_a_known_history(session: Session) -> None:
    ids = _history(session)
    dana = people.resolve(session, "Dana Kim")
    meeting = interviews.plan(session, dana, when=dt.datetime(2024, 3, 20, 10), now=NOW)
    sheet = interviews.prep_sheet(session, meeting)
    assert sheet.person == "Dana Kim" and sheet.title == "Staff Engineer"
    assert sheet.organization is not None and sheet.organization.name == "Acme"
    assert sheet.organization.target is True
    assert sheet.organization.people_you_know == ["Lee Park"]
    assert sheet.past_roles == ["Engineer, Globex"]
    assert [(k.id, k.how) for k in sheet.shared_contacts] == [(ids["sam"], "meeting")]
    assert [(i.date, i.kind, i.gave, i.got) for i in sheet.past_exchanges] == [
        (dt.date(2024, 1, 11), "email", ["thanks"], []),
        (dt.date(2024, 1, 10), "coffee", ["info"], ["advice"]),
    ]
    assert (sheet.gave_total, sheet.got_total) == (2, 1)
    assert sheet.you_could_offer[0] == "reviews of data pipelines"
    assert "a speaker for her meetup" in sheet.you_could_offer[1]
    assert 8 <= len(sheet.questions) <= 12
    categories = {q.category for q in sheet.questions}
    assert {
        "The field",
        "The industry",
        "How they got their role",
        "The skills that matter",
        "Whom else to talk to",
    } <= categories
    text = interviews.render(sheet)
    for expected in (
        "# Informational interview with Dana Kim on Wednesday 20 March 2024",
        "**This is not a job interview.**",
        "**Your pitch:** I build data platforms. I want to move into ML infrastructure.",
        "- Roles: ML engineer",
        "- Organisations: Acme",
        "- Places: Berlin",
        "- **Works as:** Staff Engineer, Acme",
        "- **How you met:** met at PyCon 2023",
        "- **Others you know there:** Lee Park",
        "- Sam Rivera (meeting)",
        "- 2024-01-10 coffee: talked about Rust (gave info; got advice)",
        "- reviews of data pipelines",
        f"goodwill meet done {meeting.id}",
    ):
        assert expected in text, expected
    numbered = re.findall(r"^(\d+)\. ", text, re.MULTILINE)
    assert [int(n) for n in numbered] == list(range(1, len(sheet.questions) + 1))
    assert "{" not in text  # every placeholder was filled or its question skipped
    stored = json.loads(session.get(Meeting, meeting.id).questions)  # type: ignore[union-attr]
    assert [q["text"] for q in stored] == [q.text for q in sheet.questions]


def test_a_second_meeting_prefers_new_questions(session: Session) -> None:
    _history(session)
    dana = people.resolve(session, "Dana Kim")
    first = interviews.plan(session, dana, when=dt.datetime(2024, 3, 20, 10), now=NOW)
    interviews.done(session, first, now=dt.datetime(2024, 3, 20, 12))
    second = interviews.plan(session, dana, when=dt.datetime(2024, 4, 20, 10), now=NOW)
    q1 = {q.text for q in interviews.prep_sheet(session, first).questions}
    q2 = {q.text for q in interviews.prep_sheet(session, second).questions}
    assert len(q1 & q2) <= 2  # the bank has enough fresh questions for almost all of them


def test_planning_in_the_past_is_refused(session: Session) -> None:
    _history(session)
    dana = people.resolve(session, "Dana Kim")
    with pytest.raises(InvalidInput, match="in the past"):
        interviews.plan(session, dana, when=dt.datetime(2024, 3, 12, 18), now=NOW)
    assert session.scalar(select(func.count()).select_from(Meeting)) == 0
    # Later today is fine; a second planned meeting with the same person is not.
    interviews.plan(session, dana, when=dt.datetime(2024, 3, 13, 8), now=NOW)
    with pytest.raises(InvalidInput, match="already has a planned meeting"):
        interviews.plan(session, dana, now=NOW)


def test_meet_cli_plan_list_prep_and_errors(cli: Callable[..., Result], tmp_path: Path) -> None:
    assert cli("person", "add", "Dana Kim", "--org", "Acme", "--title", "CTO").code == 0
    r = cli("meet", "Dana", "--informational", "--date", "2001-01-01")
    assert r.code == 1
    assert r.err == (
        "error: invalid date '2001-01-01': is in the past; a planned meeting needs a date "
        "from today on (record a past one with 'goodwill log')\n"
    )
    assert "no meetings yet" in cli("meet", "list").out
    sheet = tmp_path / "prep.md"
    r = cli("meet", "Dana", "--informational", "--date", "in 3 days", "-o", sheet)
    assert r.code == 0, r.err
    assert r.out == ""
    assert "planned meeting #1 with Dana Kim" in r.err
    text = sheet.read_text()
    assert text.startswith("# Informational interview with Dana Kim on ")
    assert "**This is not a job interview.**" in text
    rows = json.loads(cli("meet", "list", "--format", "json").out)
    assert [(m["id"], m["person"], m["organization"], m["status"]) for m in rows] == [
        (1, "Dana Kim", "Acme", "planned")
    ]
    r = cli("meet", "prep", "1")
    assert r.code == 0 and r.out.startswith("# Informational interview with Dana Kim")
    data = json.loads(cli("meet", "prep", "1", "--format", "json").out)
    assert data["meeting"]["id"] == 1 and 8 <= len(data["questions"]) <= 12
    r = cli("meet", "prep", "7")
    assert (r.code, r.err) == (1, "error: no meeting #7; see 'goodwill meet list'\n")
    r = cli("meet", "Nobody", "--informational")
    assert r.code == 1 and r.err.startswith("error: no person matches 'Nobody'")
    assert cli("meet", "cancel", "1").code == 0
    assert json.loads(cli("meet", "list", "--format", "json").out)[0]["status"] == "cancelled"


def test_me_cli(cli: Callable[..., Result]) -> None:
    r = cli("me")
    assert r.code == 0 and "(not set" in r.out
    r = cli("me", "--pitch", "I ship things.", "--role", "PM", "--org", "Acme", "--offer", "intros")
    assert r.code == 0 and "profile saved" in r.err
    data = json.loads(cli("me", "--format", "json").out)
    assert data == {
        "name": None,
        "emails": [],
        "pitch": "I ship things.",
        "target_roles": ["PM"],
        "target_orgs": ["Acme"],
        "target_places": [],
        "offers": ["intros"],
    }
    r = cli("me", "--remove", "nothing-like-this")
    assert r.code == 1 and "is not in your profile" in r.err


def test_me_name_and_addresses_sign_drafts_and_stay_out_of_the_network(
    cli: Callable[..., Result],
) -> None:
    r = cli("me", "--email", "sam@example.com")
    assert r.code == 1 and "goodwill me --name" in r.err  # who you are comes first
    assert cli("person", "add", "Dana Kim", "--email", "dana@example.com").code == 0
    r = cli("me", "--name", "Sam Carter", "--email", "Sam@Example.com")
    assert r.code == 0 and "Sam Carter" in r.out and "sam@example.com" in r.out
    data = json.loads(cli("me", "--format", "json").out)
    assert (data["name"], data["emails"]) == ("Sam Carter", ["sam@example.com"])
    # You are not one of your contacts: not listed, found, exported or due.
    listed = json.loads(cli("person", "list", "--format", "json").out)
    assert [p["name"] for p in listed] == ["Dana Kim"]
    assert "nothing matches" in cli("search", "Carter").out
    assert "Sam Carter" not in cli("export", "csv").out
    # Drafts are signed with your first name.
    assert cli("log", "Dana", "--kind", "coffee", "--got", "help", "--date", "yesterday").code == 0
    today = json.loads(cli("today", "--format", "json").out)
    assert today["actions"] and all(
        a["draft"].rstrip().endswith("All the best,\nSam") for a in today["actions"]
    )
    # An address of someone else's is refused; yours can be dropped.
    r = cli("me", "--email", "dana@example.com")
    assert r.code == 1 and "dana@example.com" in r.err
    assert cli("me", "--remove", "sam@example.com").code == 0
    assert json.loads(cli("me", "--format", "json").out)["emails"] == []
