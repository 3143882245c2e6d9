"""Draft messages: dates in words, topics, templates and the user's own templates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.daily import drafts
from goodwill.errors import InvalidInput

TODAY = dt.date(2026, 3, 15)


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (0, "today"),
        (1, "yesterday"),
        (4, "a few days ago"),
        (10, "last week"),
        (30, "a few weeks ago"),
        (60, "in January"),
        (200, "in August"),
        (400, "in February 2025"),
    ],
)
def test_when_words(days: int, words: str) -> None:
    assert drafts.when_words(TODAY - dt.timedelta(days=days), TODAY) == words


@pytest.mark.parametrize(
    ("summary", "topic"),
    [
        ("Call with Ana about their team's reorg", "your team's reorg"),
        ("Coffee at Blue Bottle: talked about remote work.", "remote work"),
        ("Lunch", None),
        (None, None),
        ("about " + "x" * 100, None),
    ],
)
def test_topic_of(summary: str | None, topic: str | None) -> None:
    assert drafts.topic_of(summary) == topic


def context(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "first_name": "Ana",
        "organization": "Acme",
        "topic": "remote work",
        "last": None,
        "they_did": ["the introduction"],
        "sign_off": "All the best,\nSam",
    }
    return {**base, **extra}


def test_keep_in_touch_is_warm_short_and_asks_nothing() -> None:
    text = drafts.render("keep_in_touch.j2", context())
    assert text == (
        "Hi Ana,\n\n"
        "I was thinking about our chat about remote work and wanted to say hello.\n"
        "How are things at Acme?\n\n"
        "All the best,\nSam"
    )


def test_every_builtin_template_renders_without_facts() -> None:
    for path in sorted(drafts.BUILTIN_DIR.glob("*.j2")):
        text = drafts.render(path.name, {"first_name": "Ana", "match": {}, "sign_off": "Best,"})
        assert text.startswith("Hi Ana,") and text.endswith("Best,"), path.name
        assert "\n\n\n" not in text, path.name
        assert all("  " not in line and " ." not in line for line in text.splitlines())


def test_user_templates_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "goodwill" / "templates" / "drafts"
    assert drafts.user_dir() == folder
    folder.mkdir(parents=True)
    (folder / "thank_you.j2").write_text("Cheers {{ first_name }}! {{ they_did[0] }}\n")
    assert drafts.render("thank_you.j2", context()) == "Cheers Ana! the introduction"
    assert drafts.render("keep_in_touch.j2", context()).startswith("Hi Ana,")
    (folder / "ask.j2").write_text("Hi {% if %}\n")
    with pytest.raises(InvalidInput, match=r"ask\.j2") as err:
        drafts.render("ask.j2", context())
    assert err.value.field == "template"


@given(st.dates(), st.dates())
def test_when_words_never_fails(day: dt.date, today: dt.date) -> None:
    assert drafts.when_words(day, today)


@given(st.text())
def test_tidy_is_idempotent(text: str) -> None:
    once = drafts.tidy(text)
    assert drafts.tidy(once) == once
    assert "\n\n\n" not in once
