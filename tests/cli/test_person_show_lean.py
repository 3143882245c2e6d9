"""The lean `person show` (views/person_reads): for every person of a demo network it
writes exactly what the full command line writes, table and JSON; the strength model's
one-person path in plain Python gives numpy's figures; the process imports neither
SQLAlchemy, numpy, pydantic nor Typer; whatever it cannot answer goes the usual way."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import sqlite3
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill import launch
from goodwill.cli.people import _render_detail
from goodwill.demo import fill as demo
from goodwill.records import interactions, people, requests
from goodwill.scoring import ledger, strength, strength_model
from goodwill.store.db import open_store
from goodwill.views import person_page, person_reads
from tests.cli.test_people_reads import HEAVY, imported
from tests.helpers import run_cli

TODAY = dt.date(2026, 11, 1)
AS_OF = dt.datetime(2026, 11, 2, 9, 30, 15, 250000)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo network with every kind of flag, you, someone removed, namesakes, odd text."""
    path = tmp_path_factory.mktemp("show") / "goodwill.db"
    store = open_store(str(path))
    at = dt.datetime(2026, 10, 20, 10, 0)
    with store.session() as s:
        demo.generate(s, people=120, seed=11, today=TODAY)
        people.set_me(s, name="Me Myself", add_emails=["me@example.com"])
        gone = people.add(s, "Gone Person", emails=["gone@example.com"])
        people.remove(s, gone)
        odd = people.add(
            s, 'Zoë "Quote" [b]Ångström\\', emails=["zoe@example.com"], tags=["Ünï", "a"]
        )
        people.set_role(s, odd, "Old Co", "Intern", current=False)
        people.set_role(s, odd, "New Co", None, current=True)
        people.add(s, "Twin Namesake", emails=["twin1@example.com"])
        people.add(s, "Twin Namesake", emails=["twin2@example.com"])
        # One-way (three gives, nothing back), then a refused ask; a thank-you owed; open
        # requests, one late; a granted ask that clears another's one-way.
        taker = people.add(s, "Tara Taker", emails=["tara@example.com"])
        for days in (200, 120, 40):
            interactions.log(s, [taker], "call", when=at - dt.timedelta(days=days), gave=["help"])
        interactions.log(s, [taker], "email", when=at - dt.timedelta(days=30), asked=["a loan"])
        ledger.record_ask_outcome(s, taker, "refused")
        helper = people.add(s, "Hal Helper", emails=["hal@example.com"])
        interactions.log(s, [helper], "coffee", when=at - dt.timedelta(days=9), got=["intro"])
        interactions.log(s, [helper], "call", when=at - dt.timedelta(days=5), got=["referral"])
        requests.add(s, helper, "a reference", due=dt.date(2026, 10, 25), when=at)
        requests.add(s, odd, "advice on Ünï", when=at - dt.timedelta(days=3))
        # Never in touch: figures that do not move with the clock (see the CLI test).
        people.add(s, "Quiet Person", emails=["quiet@example.com"], org="Acme", tags=["x"])
    store.dispose()
    return path


def full(path: Path, ref: str, as_of: dt.datetime = AS_OF) -> tuple[str, str]:
    """The usual path's JSON and table for `person show REF`."""
    store = open_store(str(path))
    with store.session() as s:
        item = person_page.detail(s, people.resolve(s, ref), as_of=as_of)
    store.dispose()
    text = json.dumps(item.model_dump(mode="json"), indent=2, ensure_ascii=False)
    table = io.StringIO()
    with redirect_stdout(table):
        _render_detail(item)
    return text, table.getvalue()


def lean(path: Path, ref: str, as_of: dt.datetime = AS_OF) -> tuple[str, str] | None:
    found = person_reads.detail(str(path), ref, as_of=as_of)
    if found is None:
        return None
    table = io.StringIO()
    with redirect_stdout(table):
        person_reads.render(found)
    return json.dumps(found, indent=2, ensure_ascii=False), table.getvalue()


def active_ids(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [
            r[0]
            for r in conn.execute("SELECT id FROM person WHERE removed_at IS NULL AND is_me = 0")
        ]


def test_every_person_is_shown_as_the_full_command_line_shows_them(network: Path) -> None:
    ids = active_ids(network)
    assert len(ids) > 120
    kinds: set[str] = set()
    for pid in ids:
        got = lean(network, str(pid))
        assert got is not None, pid
        assert got == full(network, str(pid)), pid
        kinds.update(f["kind"] for f in json.loads(got[0])["flags"])
    # The network holds every kind of flag about a person, so all of them were compared.
    assert kinds == {"one_way", "thanks_owed", "unanswered_request"}


def test_the_figures_agree_at_other_moments(network: Path) -> None:
    ids = active_ids(network)[::7]
    for as_of in (dt.datetime(2027, 3, 1, 23, 59, 59), dt.datetime(2026, 11, 12, 0, 0)):
        for pid in ids:
            assert lean(network, str(pid), as_of) == full(network, str(pid), as_of), (pid, as_of)


def test_names_and_emails_find_the_person_the_usual_path_finds(network: Path) -> None:
    for ref in ("Tara Taker", "tara taker", "hal@example.com", "HAL@example.com", "#42", "Taker"):
        got = lean(network, ref)
        assert got is not None and got == full(network, ref), ref
    assert json.loads(lean(network, "Zoë")[0])["name"].startswith("Zoë")  # type: ignore[index]


@pytest.mark.parametrize(
    "ref",
    [
        "Twin Namesake",  # ambiguous: the usual path lists the matches
        "Twin",
        "Nobody At All",
        "gone@example.com",  # removed
        "me@example.com",  # you
        "999999",
        "99999999999999",
        "",
        "a",  # many partial matches
    ],
)
def test_what_it_cannot_answer_exactly_goes_the_usual_way(network: Path, ref: str) -> None:
    assert person_reads.detail(str(network), ref, as_of=AS_OF) is None


def test_history_at_or_after_the_moment_goes_the_usual_way(network: Path) -> None:
    # Hal's history ends 2026-10-20: before it, his kept rows cannot answer.
    hal = json.loads(lean(network, "Hal Helper")[0])["id"]  # type: ignore[index]
    assert person_reads.detail(str(network), str(hal), as_of=dt.datetime(2026, 10, 1)) is None
    assert person_reads.detail(str(network), str(hal), as_of=dt.datetime(2026, 10, 21)) is not None


def test_a_database_it_cannot_read_as_it_is_goes_the_usual_way(network: Path) -> None:
    assert person_reads.detail("postgresql://nobody@127.0.0.1:1/none", "1") is None
    assert person_reads.detail(f"sqlite:///{network}", "1") is None


def test_the_command_line_answers_the_same_through_either_path(
    network: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    # Two processes' "now" differ: someone never in touch has figures that do not move
    # (the figures of everyone else are compared at fixed moments above).
    for args in (
        ["person", "show", "Quiet", "Person"],
        ["person", "show", "quiet@example.com", "--format", "json"],
        ["person", "show", "-f", "JSON", "Quiet Person"],
    ):
        argv = ["--db", str(network), *args]
        assert launch.parse(argv) is not None, args
        launch.main(argv)
        fast = capsys.readouterr().out
        slow = run_cli(*argv)
        assert slow.code == 0 and fast == slow.out and "Acme" in fast, args


def test_errors_are_still_one_clear_sentence(
    network: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for ref, words in (("Twin Namesake", "matches several people"), ("Nobody", "no person")):
        with pytest.raises(SystemExit) as stop:
            launch.main(["--db", str(network), "person", "show", *ref.split()])
        err = capsys.readouterr().err
        assert stop.value.code == 1 and words in err and "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["person", "show"],
        ["person", "show", "1", "--format", "csv"],
        ["person", "show", "1", "--help"],
        ["person", "show", "1", "--format"],
        ["--user", "ann", "person", "show", "1"],
    ],
)
def test_anything_else_goes_to_the_full_command_line(args: list[str]) -> None:
    assert launch.parse(args) is None


def test_a_team_member_goes_to_the_full_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOODWILL_USER", "ann")
    assert launch.parse(["person", "show", "1"]) is None


def test_person_show_imports_neither_the_store_nor_the_command_line(network: Path) -> None:
    for args in (("person", "show", "Tara", "Taker"), ("person", "show", "7", "-f", "json")):
        found = imported("--db", str(network), *args)
        assert not found & {*HEAVY, "typer"}, args


facts = st.fixed_dictionaries(
    {
        "days_since_last": st.floats(0.0, 20_000.0),
        "known_more": st.floats(0.0, 20_000.0),
        "decayed": st.floats(0.0, 500.0),
        "decayed_short": st.floats(0.0, 100.0),
        "count": st.integers(0, 5_000),
        "weight": st.sampled_from([0.2, 0.5, 0.6, 0.7, 0.8, 1.0]),
        "by_me": st.floats(0.0, 1.0),
        "by_them": st.floats(0.0, 1.0),
        "mutual": st.floats(0.0, 50.0),
    }
)


@settings(max_examples=300, deadline=None)
@given(facts)
def test_one_person_in_plain_python_is_what_numpy_computes(f: dict[str, float]) -> None:
    count = float(f["count"])
    by_me = math.floor(count * f["by_me"])
    by_them = math.floor((count - by_me) * f["by_them"])
    one = dict(
        days_since_last=f["days_since_last"],
        days_known=f["days_since_last"] + f["known_more"],
        decayed=f["decayed"],
        decayed_short=f["decayed_short"],
        count=count,
        weighted_count=count * f["weight"],
        by_me=float(by_me),
        by_them=float(by_them),
        mutual=f["mutual"],
    )
    arrays = {k: np.array([v]) for k, v in one.items()}
    features = strength.Features(
        ids=np.array([1]),
        days_since_last=arrays["days_since_last"] if count else np.array([np.inf]),
        days_known=arrays["days_known"],
        decayed=arrays["decayed"],
        decayed_short=arrays["decayed_short"],
        decayed_plain=np.zeros(1),
        count=arrays["count"],
        weighted_count=arrays["weighted_count"],
        by_me=arrays["by_me"],
        by_them=arrays["by_them"],
        mutual=arrays["mutual"],
    )
    parts = strength.components(features)
    x = strength.design(features, parts)
    expected = float(strength.chance(features, x)[0])
    value, row = strength_model.strength_one(**one)
    if count == 0:
        assert row is None and value == expected == 0.0
        return
    assert row is not None
    assert np.allclose(row, x[0], rtol=1e-12, atol=1e-12)
    assert np.allclose(
        strength_model.contributions_one(row), strength_model.contributions(x)[0], atol=1e-12
    )
    exact = strength_model.chance_one(row)
    assert math.isclose(exact, expected, rel_tol=1e-12, abs_tol=1e-15)
    # What is printed (4 decimals) is the same, short of a value on a rounding edge.
    edge = abs(expected * 1e4 - math.floor(expected * 1e4) - 0.5) < 1e-6
    assert value == round(exact, 4) and (edge or value == round(expected, 4))
