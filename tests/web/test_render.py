"""The template environment: autoescaped, strict, and not re-read from disk per page."""

from __future__ import annotations

import datetime as dt

import pytest

from goodwill.schemas.people import PersonSummary
from goodwill.web import render
from goodwill.web.figures import Badges
from goodwill.web.render import make_env


def test_templates_are_autoescaped_strict_and_loaded_once() -> None:
    env = make_env()
    assert env.autoescape is True
    assert env.auto_reload is False  # no stat() of every template on every page
    first = env.get_template("people_results.html")
    assert env.get_template("people_results.html") is first
    assert "&lt;b&gt;" in env.from_string("{{ x }}").render(x="<b>")


def test_a_row_is_written_again_when_its_row_badges_or_day_are_new(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The list keeps each person's row HTML while the very objects it came from stay kept;
    a replaced row, replaced badges or another day write it again."""
    written: list[int] = []
    real = render._person_row
    monkeypatch.setattr(render, "_WRITTEN", {})
    monkeypatch.setattr(
        render, "_person_row", lambda r, m, today: (written.append(r.id), real(r, m, today))[1]
    )
    day = dt.date(2026, 6, 1)
    ana = PersonSummary(id=1, name="Ana", circle="active", last_contact=day)
    bo = PersonSummary(id=2, name="Bo", circle="inner")
    marks = {1: Badges(strength=0.5)}
    first = render.person_rows([ana, bo], marks, day)
    assert render.person_rows([ana, bo], marks, day) == first
    assert written == [1, 2]  # the second page: both rows as written the first time
    renamed = ana.model_copy(update={"name": "Ana <b>"})
    again = render.person_rows([renamed, bo], marks, day)
    assert "Ana &lt;b&gt;" in again and written == [1, 2, 1]
    render.person_rows([renamed, bo], {1: Badges(strength=0.9)}, day)
    assert written == [1, 2, 1, 1]  # new badges: Ana's row again, Bo's kept
    later = render.person_rows([renamed, bo], {1: Badges(strength=0.9)}, day + dt.timedelta(1))
    assert written[4:] == [1, 2] and "yesterday" in later  # a new day: "ago" moves
