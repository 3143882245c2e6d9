"""Advice that looks right: needs match on meaningful words, numbers said in words, the
source of a finding cited once."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from goodwill.asking import ask, needs
from goodwill.records import people
from tests.asking.helpers import NOW, moderate
from tests.helpers import Result


def test_generic_words_of_job_talk_are_no_reason_alone(session: Session) -> None:
    baker = people.add(session, "Bo Baker", note="manager of a bakery, hiring soon")
    pm = people.add(session, "Pia Product", note="senior product manager at a fintech")
    for p in (baker, pm):
        moderate(session, p)
    found = ask.ask(session, "a hiring manager in fintech", as_of=NOW)
    reasons = {r.person.name: " ".join(r.reasons) for r in found}
    assert "Bo Baker" not in reasons
    assert "'fintech'" in reasons["Pia Product"] and "'manager'" not in reasons["Pia Product"]
    found = ask.ask(session, "a product manager role", as_of=NOW)
    assert [r.person.name for r in found] == ["Pia Product"]
    assert "'product manager'" in " ".join(found[0].reasons)


def test_keywords_keep_generic_words_only_in_phrases() -> None:
    assert needs.keywords("hiring manager at a climate startup") == ["climate", "startup"]
    assert needs.keywords("a product manager role") == ["product manager"]
    assert needs.keywords("intro to a hiring manager") == []
    assert needs.keywords("machine learning in Berlin") == ["machine", "learning", "berlin"]


def test_ask_cli_says_numbers_in_words_and_cites_once(cli: Callable[..., Result]) -> None:
    for name in ("Ann Fintech", "Ben Fintech", "Cy Fintech"):
        assert cli("person", "add", name, "--note", "works in fintech").code == 0
        for when in ("2026-01-05", "2025-09-01"):
            assert cli("log", name, "--kind", "call", "--date", when).code == 0
    r = cli("ask", "a job in fintech", "--as-of", "2026-03-01")
    assert r.code == 0, r.err
    assert r.out.count("Rajkumar") <= 1
    assert "match)" in r.out and "Score: how well they match" in r.out
