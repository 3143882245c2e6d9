"""The ledger commands end to end: strength, balance, flags, asked, log's bad input, person show."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.helpers import Result


def _setup(cli: Callable[..., Result]) -> None:
    for name, email in (("Dana Kim", "dana@example.com"), ("Eli Park", "eli@example.com")):
        assert cli("person", "add", name, "--email", email).code == 0


def test_strength_json_lists_id_name_emails_strength(cli: Callable[..., Result]) -> None:
    _setup(cli)
    assert cli("log", "Dana", "-k", "coffee", "-d", "2024-05-01", "--initiated", "them").code == 0
    assert cli("log", "Eli", "-k", "email", "-d", "2023-01-01").code == 0
    rows = json.loads(cli("strength", "--as-of", "2024-06-01", "--format", "json").out)
    assert [(r["name"], r["emails"]) for r in rows] == [
        ("Dana Kim", ["dana@example.com"]),
        ("Eli Park", ["eli@example.com"]),
    ]
    assert 1 > rows[0]["strength"] > rows[1]["strength"] > 0
    before = json.loads(cli("strength", "--as-of", "2024-05-01", "-f", "json").out)
    assert [r["name"] for r in before if r["strength"] > 0] == ["Eli Park"]  # same-day excluded
    r = cli("strength", "--as-of", "someday")
    assert r.code == 1 and "invalid as-of 'someday'" in r.err


def test_balance_and_flags_and_person_show(cli: Callable[..., Result]) -> None:
    _setup(cli)
    for day in ("2024-03-01", "2024-04-01", "2024-05-01"):
        assert cli("log", "Dana", "-k", "email", "-d", day, "--gave", "help").code == 0
    assert cli("log", "Eli", "-k", "call", "-d", "2024-05-20", "--got", "referral").code == 0
    assert cli("log", "Eli", "-k", "call", "-d", "2024-05-21", "--they-asked", "a ref").code == 0
    rows = json.loads(cli("balance", "--as-of", "2024-06-01", "-f", "json").out)
    assert [(r["name"], r["gives"], r["gets"]) for r in rows] == [
        ("Dana Kim", 3, 0),
        ("Eli Park", 0, 1),
    ]
    one = json.loads(cli("balance", "eli@example.com", "--as-of", "2024-06-01", "-f", "json").out)
    assert [(r["name"], r["balance"] < 0) for r in one] == [("Eli Park", True)]
    found = json.loads(cli("flags", "--as-of", "2024-06-01", "--format", "json").out)
    assert [(f["kind"], f["person"]) for f in found] == [
        ("thanks_owed", "Eli Park"),
        ("unanswered_request", "Eli Park"),
        ("one_way", "Dana Kim"),
    ]
    assert all(f["reason"] for f in found)
    shown = json.loads(cli("person", "show", "Dana", "--format", "json").out)
    assert shown["given"] > 0 and shown["last_give"] == "2024-05-01"
    assert [f["kind"] for f in shown["flags"]] == []  # today the gives are > 12 months old
    table = cli("person", "show", "Eli").out
    assert "strength" in table and "last get" in table and "2024-05-20" in table


def test_asked_records_an_outcome_and_feeds_one_way(cli: Callable[..., Result]) -> None:
    _setup(cli)
    assert cli("log", "Dana", "-k", "email", "--asked", "an intro to Acme").code == 0
    r = cli("asked", "Dana", "ignored")
    assert r.code == 0 and "ignored" in r.err
    found = json.loads(cli("flags", "-f", "json").out)
    assert [(f["kind"], f["person"]) for f in found] == [("one_way", "Dana Kim")]
    assert "Dana Kim ignored your ask (an intro to Acme)" in found[0]["reason"]
    r = cli("asked", "Dana", "ignored")
    assert r.code == 1 and r.err == (
        "error: you have no open ask of Dana Kim; log one with 'goodwill log ... --asked TEXT'\n"
    )
    r = cli("asked", "Eli", "maybe")
    assert r.code == 1 and "choose one of granted, refused, ignored" in r.err


def test_log_bad_input_is_refused_and_writes_nothing(cli: Callable[..., Result]) -> None:
    _setup(cli)
    r = cli("log", "Dana", "-k", "call", "--gave", "money")
    assert r.code == 1
    assert "invalid exchange kind 'money'" in r.err
    assert "info, idea, help, intro, referral, advice, thanks" in r.err
    r = cli("log", "Dana", "-k", "call", "-d", "2999-01-01", "--gave", "help")
    assert r.code == 1 and "is in the future; use --planned" in r.err
    assert cli("log", "Dana", "-k", "call", "-d", "2999-01-01", "--planned").code == 0
    assert cli("person", "remove", "Eli").code == 0
    r = cli("log", "eli@example.com", "-k", "call", "--got", "help")
    assert r.code == 1 and "Eli Park" in r.err and "was removed" in r.err
    balances = json.loads(cli("balance", "-f", "json").out)
    assert balances == []  # none of the refused logs wrote an exchange
    shown = json.loads(cli("person", "show", "Dana", "-f", "json").out)
    assert shown["interactions_count"] == 1  # only the planned call


def test_big_tables_stop_at_200_rows_json_has_all(cli: Callable[..., Result]) -> None:
    assert cli("demo", "--people", "230", "--today", "2025-06-01").code == 0
    everyone = json.loads(cli("strength", "--as-of", "2025-06-02", "-f", "json").out)
    assert len(everyone) == 230
    r = cli("strength", "--as-of", "2025-06-02")
    assert r.code == 0 and f"showing the first 200 of {len(everyone)};" in r.err
    assert r.out.count("\n") < 210  # 200 rows and the table's frame
    r = cli("strength", "--as-of", "2025-06-02", "--limit", "3", "-f", "csv")
    assert r.out.splitlines()[0].startswith("id,name,emails,strength")
    assert len(r.out.splitlines()) == 4


def test_strength_json_is_what_the_schema_writes(cli: Callable[..., Result]) -> None:
    """The JSON written straight from dicts is byte for byte what the models would give."""
    from pydantic import TypeAdapter

    from goodwill.schemas.ledger import StrengthRow

    assert cli("demo", "--people", "30").code == 0
    out = cli("strength", "--format", "json").out
    rows = TypeAdapter(list[StrengthRow]).validate_json(out)
    assert len(rows) >= 29
    written = TypeAdapter(list[StrengthRow]).dump_json(rows, indent=2).decode()
    assert out == written + "\n"
