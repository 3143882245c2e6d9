"""The template environment: autoescaped, strict, and not re-read from disk per page."""

from __future__ import annotations

from goodwill.web.render import make_env


def test_templates_are_autoescaped_strict_and_loaded_once() -> None:
    env = make_env()
    assert env.autoescape is True
    assert env.auto_reload is False  # no stat() of every template on every page
    first = env.get_template("people_results.html")
    assert env.get_template("people_results.html") is first
    assert "&lt;b&gt;" in env.from_string("{{ x }}").render(x="<b>")
