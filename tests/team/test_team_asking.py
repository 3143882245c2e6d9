"""Team asking: teammates' ties through the shared tier only, introduction requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from goodwill.asking import team as team_ask
from tests.team.helpers import cli, ok, seeded_team

SAM_SECRET = "SAM-SUBJECT-91c2"


@pytest.fixture
def team_url(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("GOODWILL_DB", db_url)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("GOODWILL_USER", raising=False)
    seeded_team()
    ok(cli("user", "add", "Bob", "--email", "bob@x.org"))
    today = dt.date.today()
    for days in (5, 30, 60, 80):
        when = (today - dt.timedelta(days=days)).isoformat()
        ok(cli("--user", "Sam", "log", "Mia Chen", "--kind", "coffee", "--date", when,
               "--summary", SAM_SECRET, "--gave", "advice"))  # fmt: skip
    yield db_url


def test_bucket_rule() -> None:
    now = dt.datetime(2026, 12, 1)
    assert team_ask.bucket(4, now - dt.timedelta(days=10), now) == "strong"
    assert team_ask.bucket(3, now - dt.timedelta(days=10), now) == "medium"
    assert team_ask.bucket(4, now - dt.timedelta(days=200), now) == "medium"
    assert team_ask.bucket(1, now - dt.timedelta(days=400), now) == "weak"


def test_path_and_ask_name_the_teammate_with_the_shared_tier_only(team_url: str) -> None:
    month = (dt.date.today() - dt.timedelta(days=5)).strftime("%B %Y")
    out = ok(cli("--user", "Ann", "path", "--to", "Zenith")).out
    assert f"Sam on your team knows Mia Chen at Zenith: strong, last in touch in {month}" in out
    assert SAM_SECRET not in out and "advice" not in out
    ok(cli("--user", "Ann", "need", "add", "a job at Zenith", "--org", "Zenith"))
    need_id = ok(cli("--user", "Ann", "need", "list", "--format", "json")).out
    assert '"Zenith"' in need_id
    out = ok(cli("--user", "Ann", "ask", "2")).out
    assert "Sam on your team knows Mia Chen" in out
    # Sam is not shown his own tie as a teammate's; Bob sees Sam's.
    assert "Sam on your team" not in ok(cli("--user", "Sam", "path", "--to", "Mia Chen")).out
    assert "Sam on your team" in ok(cli("--user", "Bob", "path", "--to", "mia@zenith.io")).out


def test_introduction_requests_go_to_the_teammate_only(team_url: str) -> None:
    ok(cli("--user", "Ann", "team", "intro", "ask", "Sam", "Mia Chen", "--why", "Zenith job"))
    today = ok(cli("--user", "Sam", "today")).out
    assert "Ann asks you to introduce them to Mia Chen (Zenith job)" in today
    assert "Zenith job" not in ok(cli("--user", "Bob", "team", "intro", "list")).out
    r = cli("--user", "Bob", "team", "intro", "accept", "1")
    assert r.code == 1 and "no introduction request #1" in r.err
    r = cli("--user", "Ann", "team", "intro", "accept", "1")
    assert r.code == 1 and "only the teammate asked" in r.err
    r = cli("--user", "Sam", "team", "intro", "made", "1")
    assert r.code == 1 and "not accepted yet" in r.err
    ok(cli("--user", "Sam", "team", "intro", "accept", "1"))
    assert "accepted" in ok(cli("--user", "Ann", "team", "intro", "list")).out
    today = ok(cli("--user", "Sam", "today")).out
    assert "asks you" not in today
    # Double opt-in: Sam asks Mia, records her answer, then makes the introduction.
    assert "Ask Mia Chen whether they would like to meet Ann" in today
    r = cli("--user", "Sam", "team", "intro", "decline", "1")
    assert r.code == 1 and "waits for the person's answer" in r.err
    r = cli("--user", "Ann", "team", "intro", "agreed", "1")
    assert r.code == 1 and "only the teammate asked" in r.err
    ok(cli("--user", "Sam", "team", "intro", "agreed", "1"))
    assert "Mia Chen agreed: introduce them to Ann" in ok(cli("--user", "Sam", "today")).out
    assert "agreed" in ok(cli("--user", "Ann", "team", "intro", "list")).out
    ok(cli("--user", "Sam", "team", "intro", "made", "1"))
    assert "made" in ok(cli("--user", "Ann", "team", "intro", "list")).out
    assert "introduce them to Ann" not in ok(cli("--user", "Sam", "today")).out
    r = cli("--user", "Sam", "team", "intro", "refused", "1")
    assert r.code == 1 and "already made" in r.err
    # A refusal ends the walk too.
    ok(cli("--user", "Ann", "team", "intro", "ask", "Sam", "Mia Chen"))
    ok(cli("--user", "Sam", "team", "intro", "accept", "2"))
    ok(cli("--user", "Sam", "team", "intro", "refused", "2"))
    assert "refused" in ok(cli("--user", "Ann", "team", "intro", "list")).out
    assert "would like to meet Ann" not in ok(cli("--user", "Sam", "today")).out
    r = cli("--user", "Ann", "team", "intro", "ask", "Ann", "Mia Chen")
    assert r.code == 1 and "is you" in r.err


def test_the_same_person_imported_by_two_members_is_one_identity(
    team_url: str, tmp_path: pytest.TempPathFactory
) -> None:
    from pathlib import Path

    card = Path(str(tmp_path)) / "mia.vcf"
    card.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mia Chen\r\nN:Chen;Mia;;;\r\n"
        "EMAIL:mia@zenith.io\r\nORG:Zenith\r\nEND:VCARD\r\n"
    )
    other = Path(str(tmp_path)) / "mia2.vcf"
    other.write_text(
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Mia Chen\r\nEMAIL:MIA@zenith.io\r\n"
        "TEL:+1 415 555 0100\r\nEND:VCARD\r\n"
    )
    ok(cli("--user", "Bob", "import", "vcard", str(card)))
    ok(cli("--user", "Sam", "import", "vcard", str(other)))
    listed = ok(cli("--user", "Bob", "person", "list", "--format", "json")).out
    assert listed.count('"Mia Chen"') == 1
    # One identity, each member's history their own: Bob sees none of Sam's coffees.
    assert SAM_SECRET not in ok(cli("--user", "Bob", "export", "json")).out
    assert SAM_SECRET in ok(cli("--user", "Sam", "export", "json")).out


def test_the_owner_decides_what_teammates_see_of_an_interaction(team_url: str) -> None:
    """Default: only that it happened. Then the channel for all of Sam's, then the subject
    (and date) of one of them. Seen through `path`, the team page's source."""
    from goodwill.asking.team import SHOWN

    out = ok(cli("--user", "Ann", "path", "--to", "Mia Chen")).out
    assert out.count("an interaction") == SHOWN
    assert "coffee" not in out and SAM_SECRET not in out
    ok(cli("--user", "Sam", "team", "share", "channel"))
    out = ok(cli("--user", "Ann", "path", "--to", "Mia Chen")).out
    assert out.count("      coffee") == SHOWN and SAM_SECRET not in out
    assert str(dt.date.today().year) + "-" not in out  # no dates
    logged = ok(
        cli("--user", "Sam", "log", "Mia Chen", "--kind", "call", "--summary", "SHARED-ONE")
    )
    iid = (logged.out + logged.err).rsplit("(#", 1)[1].split(")")[0]
    ok(cli("--user", "Sam", "team", "share", "date", "subject", "--interaction", iid))
    out = ok(cli("--user", "Ann", "path", "--to", "Mia Chen")).out
    assert f"an interaction on {dt.date.today().isoformat()}: SHARED-ONE" in out
    assert SAM_SECRET not in out
    # Only the owner shares; a field outside the three is refused in one sentence.
    r = cli("--user", "Ann", "team", "share", "subject", "--interaction", iid)
    assert r.code == 1 and f"no interaction #{iid} of yours" in r.err
    r = cli("--user", "Sam", "team", "share", "ledger")
    assert r.code == 1 and "date, channel, subject or none" in r.err
    ok(cli("--user", "Sam", "team", "share", "none"))
    out = ok(cli("--user", "Ann", "path", "--to", "Mia Chen")).out
    assert "      coffee" not in out and "SHARED-ONE" in out  # the one share stays


def test_a_limited_ranking_is_the_head_of_the_whole_one(team_url: str) -> None:
    """Ranked from the shared tier alone, then only the routes shown are read in full: the
    first k of a limited call are the first k of the whole list, whatever k."""
    from goodwill.store import policy
    from goodwill.store.db import open_store

    for i, days in enumerate((3, 40, 200, 500)):
        name = f"Zed Person{i}"
        ok(cli("person", "add", name, "--org", "Zenith"))
        when = (dt.date.today() - dt.timedelta(days=days)).isoformat()
        for who in ("Sam", "Bob")[: 1 + i % 2]:
            ok(cli("--user", who, "log", name, "--kind", "call", "--date", when))
    store = open_store(team_url)
    policy.attach(store)
    try:
        with policy.acting_as(policy.Viewer(1, "Ann", "admin")), store.session() as s:
            _, ids = team_ask.target_people(s, "Zenith")
            whole, total = team_ask.ranked_routes(s, ids)
            assert total == len(whole) >= 6
            assert [r.strength for r in whole] == sorted(
                (r.strength for r in whole), key=["strong", "medium", "weak"].index
            )
            for k in range(total + 2):
                assert team_ask.ranked_routes(s, ids, limit=k) == (whole[:k], total)
            assert team_ask.routes(s, ids, limit=2) == whole[:2]
    finally:
        store.dispose()
