"""The first things a new user does: add a person, list, show, log, search."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.helpers import Result


def test_add_list_show_log_search(cli: Callable[..., Result]) -> None:
    r = cli(
        "person",
        "add",
        "Dana Kim",
        "--email",
        "dana@example.com",
        "--org",
        "Acme",
        "--title",
        "Engineer",
        "--tag",
        "mentor",
    )
    assert r.code == 0, r.err
    r = cli("person", "list", "--format", "json")
    rows = json.loads(r.out)
    assert [(p["name"], p["emails"], p["organization"]) for p in rows] == [
        ("Dana Kim", ["dana@example.com"], "Acme")
    ]
    r = cli(
        "log",
        "dana@example.com",
        "--kind",
        "coffee",
        "--summary",
        "talked about rust",
        "--gave",
        "info",
    )
    assert r.code == 0, r.err
    shown = json.loads(cli("person", "show", "Dana", "--format", "json").out)
    assert shown["interactions_count"] == 1
    assert shown["recent"][0]["gave"] == ["info"]
    hits = json.loads(cli("search", "rust", "--format", "json").out)
    assert [h["kind"] for h in hits] == ["interaction"]
