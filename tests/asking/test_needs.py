"""Needs: add, list, close, announce; free text recognised; bad input writes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.asking import announce, needs
from goodwill.errors import InvalidInput, NotFound
from goodwill.records import orgs, people
from goodwill.store.models import Need, NeedTarget, Organization
from tests.helpers import Result


def test_add_list_close(session: Session) -> None:
    need = needs.add(
        session,
        "A product job in fintech",
        orgs_=["Acme", "Globex"],
        role="Product Manager",
        place="Berlin",
        tags=["Fintech", "fintech"],
    )
    [row] = needs.summaries(session)
    assert (row.id, row.kind, row.organizations, row.roles, row.places, row.tags) == (
        need.id,
        "job",
        ["Acme", "Globex"],
        ["Product Manager"],
        ["Berlin"],
        ["fintech"],
    )
    assert row.keywords == []  # every word is a target already
    assert orgs.resolve(session, "Acme").is_target
    needs.close(session, need, outcome="joined Acme")
    assert needs.summaries(session) == []
    [closed] = needs.summaries(session, status="closed")
    assert (closed.status, closed.outcome) == ("closed", "joined Acme")
    with pytest.raises(InvalidInput, match="already closed"):
        needs.close(session, need)


def test_an_existing_org_is_reused(session: Session) -> None:
    people.add(session, "Dana Kim", org="Globex Corporation")
    need = needs.add(session, "intro", orgs_=["globex"])
    assert [t.value for t in need.targets] == ["Globex Corporation"]
    assert session.scalar(select(func.count()).select_from(Organization)) == 1


def test_bad_needs_write_nothing(session: Session) -> None:
    with pytest.raises(InvalidInput, match="must not be empty"):
        needs.add(session, "   ")
    with pytest.raises(InvalidInput, match="role"):
        needs.add(session, "a job", role=" ")
    with pytest.raises(NotFound, match="no need #4"):
        needs.get(session, "4")
    with pytest.raises(InvalidInput, match="number"):
        needs.get(session, "four")
    assert session.scalar(select(func.count()).select_from(Need)) == 0
    assert session.scalar(select(func.count()).select_from(NeedTarget)) == 0


def test_free_text_recognises_orgs_tags_places(session: Session) -> None:
    people.add(session, "Dana Kim", org="Acme Robotics", tags=["hardware"], location="Berlin")
    spec = needs.spec_from_text(session, "A hardware job at Acme Robotics in Berlin")
    assert (spec.org_names, spec.tags, spec.places, spec.kind) == (
        ["Acme Robotics"],
        ["hardware"],
        ["Berlin"],
        "job",
    )
    assert spec.keywords == []
    assert needs.spec_from_text(session, "advice on pricing").kind == "information"
    assert needs.spec_from_text(session, "someone to lend me a ladder").kind == "help"


@given(st.text(max_size=60))
def test_keywords_are_lowercase_words_without_stopwords(text: str) -> None:
    words = needs.keywords(text)
    assert len(words) == len(set(words))
    for w in words:
        assert w == w.lower() and w.strip() == w and len(w) > 1
        assert w not in needs._STOP


def test_announce_drafts(session: Session) -> None:
    need = needs.add(
        session, "A product manager role", orgs_=["Acme", "Globex"], role="Product Manager"
    )
    post = announce.draft(session, need, "linkedin")
    assert post.subject is None
    assert "I am looking for a product manager role." in post.body
    assert "Do you know someone at Acme or Globex?" in post.body
    mail = announce.draft(session, need, "email")
    assert mail.subject == "A small ask: A product manager role"
    assert mail.body.startswith("Hi,")
    with pytest.raises(InvalidInput, match="choose one of linkedin, email"):
        announce.draft(session, need, "fax")


def test_need_cli(cli: Callable[..., Result]) -> None:
    r = cli("need", "add", "", "--org", "Acme")
    assert r.code == 1 and r.err == "error: invalid need '': must not be empty\n"
    assert json.loads(cli("need", "list", "--format", "json").out) == []
    r = cli("need", "add", "a design job", "--org", "Acme", "--tag", "ux")
    assert r.code == 0 and "added need #1" in r.err
    [row] = json.loads(cli("need", "list", "--format", "json").out)
    assert (row["text"], row["organizations"], row["tags"]) == ("a design job", ["Acme"], ["ux"])
    r = cli("need", "announce", "1", "--channel", "email")
    assert r.code == 0 and r.out.startswith("Subject: A small ask: a design job")
    r = cli("need", "announce", "1", "--channel", "linkedin", "--format", "json")
    assert json.loads(r.out)["body"].endswith("#Ux")
    assert cli("need", "close", "1", "--outcome", "hired").code == 0
    r = cli("need", "close", "1")
    assert r.code == 1 and "already closed" in r.err
    # A logged interaction can serve a need.
    assert cli("person", "add", "Dana Kim").code == 0
    assert cli("log", "Dana Kim", "--kind", "call", "--need", "1").code == 0
    [row] = json.loads(cli("need", "list", "--status", "all", "--format", "json").out)
    assert row["interactions"] == 1
