"""Team mode, slice one: members, passwords, tokens, sessions, --user, and private rows
kept private (row-level security on PostgreSQL, proved with raw SQL as the app's role)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from goodwill.records import team
from goodwill.store import policy
from goodwill.store.db import Store, open_store
from tests.team.helpers import (
    MARK_CARD,
    MARK_CARD_LATER,
    MARK_NEED,
    MARK_NOTE,
    MARKS_ALL,
    cli,
    ok,
    seeded_team,
)


@pytest.fixture
def team_url(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database on SQLite and on PostgreSQL: team mode runs on both."""
    monkeypatch.setenv("GOODWILL_DB", db_url)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("GOODWILL_USER", raising=False)
    yield db_url


def test_single_user_goodwill_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOODWILL_DB", str(tmp_path / "g.db"))
    ok(cli("person", "add", "Mia Chen"))
    r = cli("--user", "Ann", "person", "list")
    assert r.code == 1 and "team database only" in r.err
    r = cli("user", "list")
    assert r.code == 1 and "not a team database" in r.err
    assert "Mia Chen" in ok(cli("person", "list")).out


def test_members_tokens_and_audit(team_url: str) -> None:
    seeded_team()
    out = ok(cli("user", "list", "--format", "json")).out
    assert '"Ann"' in out and '"Sam"' in out and '"admin"' in out
    token = ok(cli("user", "token", "Sam")).out.split()[-1]
    assert token.startswith(team.TOKEN_PREFIX)
    # A member may not add members, nor make tokens for others; an admin may.
    r = cli("--user", "Sam", "user", "add", "Bob", "--email", "bob@x.org")
    assert r.code == 1 and "only a team admin" in r.err
    r = cli("--user", "Sam", "user", "token", "Ann")
    assert r.code == 1 and "only a team admin" in r.err
    ok(cli("--user", "Sam", "user", "token", "Sam"))
    # Bad input: one sentence, nothing written.
    r = cli("user", "add", "Sam", "--email", "other@x.org")
    assert r.code == 1 and "already a member's" in r.err
    r = cli("user", "add", "Bob", "--email", "not-an-email")
    assert r.code == 1 and "email" in r.err
    r = cli("user", "add", "Bob", "--email", "bob@x.org", "--role", "owner")
    assert r.code == 1 and "admin, member" in r.err
    r = cli("user", "add", "Bob", "--email", "bob@x.org", "--password-stdin", stdin="short\n")
    assert r.code == 1 and "at least 8" in r.err
    assert "Bob" not in ok(cli("user", "list")).out
    audit = ok(cli("user", "audit")).out
    assert "team init" in audit and "user add" in audit and "user token" in audit
    r = cli("--user", "Sam", "user", "audit")
    assert r.code == 1


def test_remove_ends_sessions_and_tokens_at_once(team_url: str) -> None:
    seeded_team()
    token = ok(cli("user", "token", "Sam")).out.split()[-1]
    store = open_store(team_url)
    try:
        with store.session() as s:
            cookie = team.sign_in(s, "sam@x.org", "battery staple")
        assert cookie is not None
        with store.session() as s:
            assert team.by_token(s, token) is not None
            assert team.by_session(s, cookie) is not None
        ok(cli("user", "remove", "Sam"))
        with store.session() as s:
            assert team.by_token(s, token) is None
            assert team.by_session(s, cookie) is None
            assert team.sign_in(s, "sam@x.org", "battery staple") is None
    finally:
        store.dispose()
    r = cli("--user", "Sam", "need", "list")
    assert r.code == 1 and "no team member called 'Sam'" in r.err
    r = cli("user", "remove", "Ann")
    assert r.code == 1 and "cannot remove yourself" in r.err


def test_sign_in_is_rate_limited_across_processes(team_url: str) -> None:
    seeded_team()
    store = open_store(team_url)
    now = dt.datetime(2030, 1, 1, 12, 0)
    try:
        for _ in range(team.MAX_FAILURES):
            with store.session() as s:
                assert team.sign_in(s, "sam@x.org", "wrong password", now) is None
        with store.session() as s, pytest.raises(team.TooManyAttempts):
            team.sign_in(s, "sam@x.org", "battery staple", now)
        later = now + team.FAILURE_WINDOW + dt.timedelta(seconds=1)
        with store.session() as s:
            assert team.sign_in(s, "sam@x.org", "battery staple", later) is not None
        # An expired session signs no one in.
        with store.session() as s:
            cookie = team.sign_in(s, "ann@x.org", "correct horse", now)
        assert cookie is not None
        with store.session() as s:
            assert team.by_session(s, cookie, now) is not None
            gone = now + dt.timedelta(days=team.SESSION_DAYS, seconds=1)
            assert team.by_session(s, cookie, gone) is None
    finally:
        store.dispose()


READS = (
    ("need", "list", "--format", "json"),
    ("balance", "--format", "json"),
    ("flags", "--format", "json"),
    ("today", "--format", "json"),
    ("person", "show", "Mia Chen", "--format", "json"),
    ("person", "list", "--format", "json"),
    ("search", MARK_NOTE, "--format", "json"),
    ("search", "MARKER", "--format", "json"),
    ("export", "json"),
    ("report", "--format", "json"),
)


def test_private_rows_stay_private_through_every_read_command(team_url: str) -> None:
    seeded_team()
    for args in READS:
        owner = ok(cli("--user", "Ann", *args)).out
        other = cli("--user", "Sam", *args)
        assert other.code in (0, 1), other.err
        for mark in MARKS_ALL:
            assert mark not in other.out + other.err, (args, mark)
        if args[0] == "need":
            assert MARK_NEED in owner
        if args[:2] == ("person", "show"):
            assert MARK_CARD in owner and MARK_CARD_LATER in owner
    # Sam's own rows are Sam's: Ann does not see them either.
    ok(cli("--user", "Sam", "log", "Mia Chen", "--kind", "call", "--summary", "SAM-ONLY-1"))
    found = ok(cli("--user", "Sam", "search", "SAM-ONLY-1", "--format", "json")).out
    assert "SAM" in found and "ONLY" in found  # SQLite's snippet marks each word
    assert "nothing matches" in ok(cli("--user", "Ann", "search", "SAM-ONLY-1")).out
    assert "SAM-ONLY-1" not in ok(cli("--user", "Ann", "export", "json")).out


def test_sqlite_policy_filters_a_raw_query_and_holds_writes(team_url: str) -> None:
    """SQLite has no row-level security: the policy's filters under the driver are the
    wall, for raw SQL as much as for the ORM, and temporary triggers hold the writes."""
    if not team_url.endswith(".db"):
        pytest.skip("PostgreSQL: row-level security, tested below")
    seeded_team()
    store: Store = open_store(team_url)
    try:
        policy.attach(store)
        sam = policy.Viewer(member_id=2, name="Sam", role="member")
        with policy.acting_as(sam), store.session() as s:
            for table in ("interaction", "exchange", "need", "participant"):
                assert s.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
            joined = (
                "SELECT count(*) FROM participant p JOIN interaction AS i "
                "ON i.id = p.interaction_id"
            )
            assert s.execute(text(joined)).scalar() == 0
            # The driver itself, under SQLAlchemy: filtered too.
            raw = s.connection().connection.driver_connection
            assert raw.execute("SELECT summary FROM interaction, need").fetchall() == []
            # Another member's rows: an update or a delete does nothing (as under RLS).
            s.execute(text("UPDATE need SET text = 'taken' WHERE owner_id = 1"))
            s.execute(text("DELETE FROM exchange"))
        with (
            policy.acting_as(sam),
            pytest.raises(Exception, match="row-level security"),
            store.session() as s,
        ):
            s.execute(
                text(
                    "INSERT INTO need (text, status, created_at, owner_id) "
                    "VALUES ('x', 'open', '2026-01-01', 1)"
                )
            )
        with store.session() as s:  # nobody acting: the private tables read empty
            assert s.execute(text("SELECT count(*) FROM interaction")).scalar() == 0
        ann = policy.Viewer(member_id=1, name="Ann", role="admin")
        with policy.acting_as(ann), store.session() as s:
            # Her note and coffee, and the two notes of her card (seeded_team).
            assert s.execute(text("SELECT count(*) FROM interaction")).scalar() == 4
            assert s.execute(text("SELECT count(*) FROM exchange")).scalar() >= 1
            assert MARK_NEED in s.execute(text("SELECT text FROM need")).scalar()
    finally:
        store.dispose()


def test_row_level_security_holds_for_a_raw_query_as_the_app_role(team_url: str) -> None:
    if team_url.endswith(".db"):
        pytest.skip("SQLite: no row-level security (the filters above are the wall)")
    seeded_team()
    store: Store = open_store(team_url)
    try:
        policy.attach(store)
        sam = policy.Viewer(member_id=2, name="Sam", role="member")
        with policy.acting_as(sam), store.session() as s:
            assert s.execute(text("SELECT current_user")).scalar() == policy.APP_ROLE
            # No WHERE at all: row-level security alone keeps Ann's rows away.
            for table in ("interaction", "exchange", "need", "participant"):
                assert s.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
            # Nor can Sam write a row as Ann.
        with (
            policy.acting_as(sam),
            pytest.raises(Exception, match="row-level security"),
            store.session() as s,
        ):
            s.execute(
                text(
                    "INSERT INTO need (text, status, created_at, owner_id) "
                    "VALUES ('x', 'open', now(), 1)"
                )
            )
        with store.session() as s:  # nobody acting: the private tables read empty
            assert s.execute(text("SELECT count(*) FROM interaction")).scalar() == 0
        ann = policy.Viewer(member_id=1, name="Ann", role="admin")
        with policy.acting_as(ann), store.session() as s:
            # Her note and coffee, and the two notes of her card (seeded_team).
            assert s.execute(text("SELECT count(*) FROM interaction")).scalar() == 4
            forced = s.execute(
                text(
                    "SELECT bool_and(relrowsecurity AND relforcerowsecurity) FROM pg_class "
                    "WHERE relname = ANY(:t) AND relnamespace = current_schema()::regnamespace"
                ),
                {"t": list(policy.PRIVATE_TABLES)},
            ).scalar()
            assert forced is True
    finally:
        store.dispose()


def test_team_lock_puts_the_policy_back(team_url: str) -> None:
    r = cli("team", "lock")
    assert r.code == 1 and "not a team database" in r.err
    seeded_team()
    ok(cli("--user", "Sam", "log", "Mia Chen", "--kind", "call"))
    if not team_url.startswith("postgresql"):
        assert "in place" in ok(cli("team", "lock")).err  # SQLite: nothing to put back
        return
    store = open_store(team_url)
    try:
        with store.session() as s:  # an older goodwill's function, or none at all
            s.execute(text("DROP FUNCTION goodwill_team_details(integer[], integer)"))
    finally:
        store.dispose()
    assert cli("--user", "Ann", "path", "--to", "Zenith").code == 1
    r = cli("--user", "Sam", "team", "lock")
    assert r.code == 1 and "only a team admin" in r.err
    ok(cli("team", "lock"))
    ok(cli("team", "lock"))  # again: harmless
    routes = ok(cli("--user", "Ann", "path", "--to", "Zenith")).out
    assert "Sam on your team knows Mia Chen" in routes


def test_user_on_a_single_user_database_is_refused_by_every_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lean reads (person list, search, person show) know no members: with --user they
    must leave the answer to the full path, which refuses it on a single-user database."""
    monkeypatch.setenv("GOODWILL_DB", str(tmp_path / "g.db"))
    ok(cli("person", "add", "Mia Chen"))
    for args in (
        ("person", "list"),
        ("person", "list", "--format", "json"),
        ("search", "Mia"),
        ("search", "Mia", "--format", "json"),
        ("person", "show", "Mia Chen"),
    ):
        r = cli("--user", "Ann", *args)
        assert r.code == 1 and "team database only" in r.err, args
        assert "Mia" not in r.out, args
