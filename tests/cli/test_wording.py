"""What people expect from the words: plurals, a thank-you that does not fit said so,
namesakes pointed out, the report saying where it went."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from goodwill.wording import plural
from tests.helpers import Result


def test_plural() -> None:
    assert [plural(1, "lead"), plural(2, "lead"), plural(0, "day")] == [
        "1 lead",
        "2 leads",
        "0 days",
    ]
    assert (plural(1, "person"), plural(1200, "person")) == ("1 person", "1,200 people")


def test_a_thank_you_that_does_not_fit_is_said(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Tara Helper").code == 0
    r = cli("log", "Tara", "Helper", "--kind", "call", "--got", "help", "--date", "2026-03-10")
    assert r.code == 0, r.err
    out = cli("today", "--date", "2026-03-15", "--minutes", "1").out
    assert "Nothing owed today" not in out
    assert "Nothing fits in 1 minutes, but thank Tara Helper is waiting" in out
    assert "0 actions" in out
    one = cli("today", "--date", "2026-03-15", "--minutes", "30").out
    assert "1 action," in one


def test_an_exact_namesake_is_warned_about_and_suggested(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Dana Kim").code == 0
    r = cli("person", "add", "dana kim")
    assert r.code == 0
    assert "warning: you already have a dana kim (#1)" in r.err
    assert "goodwill person merge 1 2" in r.err
    rows = json.loads(cli("person", "merge", "--suggest", "--format", "json").out)
    assert [(x["a_id"], x["b_id"], x["reason"]) for x in rows] == [
        (1, 2, "same name, added by hand")
    ]
    assert "warning" not in cli("person", "add", "Dana Kimball").err


def test_report_says_where_it_wrote(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("lead", "add", "Data engineer at Cobalt").code == 0
    r = cli("report", "--weeks", "2")
    assert r.code == 0, r.err
    assert f"report written to {tmp_path / 'report.html'}" in r.err
    assert "0 referrals, 1 lead;" in r.out and "1 informational interview" not in r.out
