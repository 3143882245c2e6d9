"""What is each member's own in a team, on SQLite and PostgreSQL: a person's card note,
the profile, circle cadences and what they did with the daily session's actions (two
members acting on the same situation must not collide)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from goodwill.daily import actions
from goodwill.store import policy
from goodwill.store.db import Store, open_store
from tests.team.helpers import MARK_CARD, MARK_CARD_LATER, cli, ok, seeded_team

ANN = policy.Viewer(1, "Ann", "admin")
SAM = policy.Viewer(2, "Sam", "member")


@pytest.fixture
def team_url(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("GOODWILL_DB", db_url)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("GOODWILL_USER", raising=False)
    ok(cli("me", "--pitch", "ANN-PITCH before the team"))
    ok(cli("circle", "set", "close", "--ideal", "10"))
    seeded_team()
    yield db_url


def test_card_notes_profile_and_circles_are_each_members_own(team_url: str) -> None:
    ok(cli("--user", "Sam", "person", "edit", "Mia Chen", "--note", "SAM-CARD-NOTE"))
    ann = ok(cli("--user", "Ann", "person", "show", "Mia Chen")).out
    sam = ok(cli("--user", "Sam", "person", "show", "Mia Chen")).out
    assert MARK_CARD in ann and MARK_CARD_LATER in ann and "SAM-CARD-NOTE" not in ann
    assert "SAM-CARD-NOTE" in sam and MARK_CARD not in sam and MARK_CARD_LATER not in sam
    # The profile: Ann's from before the team stays hers; Sam starts with none.
    assert "ANN-PITCH" in ok(cli("--user", "Ann", "me")).out
    assert "ANN-PITCH" not in ok(cli("--user", "Sam", "me")).out
    ok(cli("--user", "Sam", "me", "--pitch", "SAM-PITCH"))
    assert "SAM-PITCH" not in ok(cli("--user", "Ann", "me")).out
    # Circle cadences: Ann's 10 days stays hers; Sam's 3 is his.
    ok(cli("--user", "Sam", "circle", "set", "close", "--ideal", "3"))
    def close_row(who: str) -> str:
        listed = ok(cli("--user", who, "circle", "list")).out.splitlines()
        return next(r for r in listed if "close" in r)

    assert " 10 " in close_row("Ann") and " 3 " in close_row("Sam")


def test_two_members_acting_on_the_same_action_do_not_collide(team_url: str) -> None:
    store: Store = open_store(team_url)
    key = "thank_you:p1:i1"
    today = dt.date(2030, 1, 1)
    try:
        policy.attach(store)
        with policy.acting_as(ANN), store.session() as s:
            actions.mark_done(s, key, today)
        with policy.acting_as(SAM), store.session() as s:
            assert actions.hidden(s, today, [key]) == set()  # Ann's done is not Sam's
            actions.snooze(s, key, today)
        with policy.acting_as(SAM), store.session() as s:
            assert actions.hidden(s, today, [key]) == {key}
            assert actions.get(s, key).status == actions.SNOOZED  # type: ignore[union-attr]
        with policy.acting_as(ANN), store.session() as s:
            assert actions.get(s, key).status == actions.DONE  # type: ignore[union-attr]
            assert actions.hidden(s, today) == {key}
    finally:
        store.dispose()
