"""A stateful property test of what team sign-in keeps between calls: members, their
session cookies and tokens, wrong-password counts. Any sequence of adds, sign-ins (right
or wrong), tokens and removals leaves exactly the sign-ins a plain model says are valid."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from goodwill.records import team
from goodwill.store import policy
from goodwill.store.db import Store, open_store
from tests.team.helpers import pg_schema_url


@contextmanager
def _location(backend: str, tmp: pytest.TempPathFactory) -> Iterator[str]:
    if backend == "sqlite":
        yield str(tmp.mktemp("team") / "goodwill.db")
        return
    with pg_schema_url() as url:
        yield url

ADMIN = policy.Viewer(1, "Admin", "admin")
NOW = dt.datetime(2030, 1, 1, 12, 0)
_runs = itertools.count()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def team_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    with _location(request.param, tmp_path_factory) as url:
        store = open_store(url)
        with store.session() as s:
            team.init_team(s, "Admin", "admin@x.org", "admin-password")
        policy.attach(store)
        try:
            yield store
        finally:
            store.dispose()


def test_sign_ins_follow_the_model(team_store: Store) -> None:
    class Machine(RuleBasedStateMachine):
        @initialize()
        def start(self) -> None:
            self.run = next(_runs)
            self.members: dict[str, bool] = {}  # email -> removed
            self.cookies: list[tuple[str, str]] = []
            self.tokens: list[tuple[str, str]] = []
            self.failures: dict[str, int] = {}
            self.clock = NOW + dt.timedelta(days=self.run)

        def email(self, i: int) -> str:
            return f"m{i}-run{self.run}@x.org"

        @rule(i=st.integers(0, 1))
        def add(self, i: int) -> None:
            email = self.email(i)
            if email in self.members:
                return
            with policy.acting_as(ADMIN), team_store.session() as s:
                team.add_member(s, f"M{i} run{self.run}", email, "member", "password-" + str(i))
            self.members[email] = False

        @rule(i=st.integers(0, 1), right=st.booleans())
        def sign_in(self, i: int, right: bool) -> None:
            email = self.email(i)
            password = "password-" + str(i) if right else "wrong-password"
            limited = self.failures.get(email, 0) >= team.MAX_FAILURES
            try:
                with policy.acting_as(None), team_store.session() as s:
                    cookie = team.sign_in(s, email, password, self.clock)
            except team.TooManyAttempts:
                assert limited
                return
            assert not limited
            ok = right and email in self.members and not self.members[email]
            assert (cookie is not None) == ok
            if cookie is None:
                self.failures[email] = self.failures.get(email, 0) + 1
            else:
                self.failures.pop(email, None)
                self.cookies.append((email, cookie))

        @rule(i=st.integers(0, 1))
        def token(self, i: int) -> None:
            email = self.email(i)
            if email not in self.members or self.members[email]:
                return
            with policy.acting_as(ADMIN), team_store.session() as s:
                self.tokens.append((email, team.new_token(s, email)))

        @rule(i=st.integers(0, 1))
        def remove(self, i: int) -> None:
            email = self.email(i)
            if email not in self.members or self.members[email]:
                return
            with policy.acting_as(ADMIN), team_store.session() as s:
                team.remove_member(s, email)
            self.members[email] = True

        @invariant()
        def only_current_members_are_signed_in(self) -> None:
            with policy.acting_as(None), team_store.session() as s:
                for email, cookie in self.cookies:
                    viewer = team.by_session(s, cookie, self.clock)
                    assert (viewer is not None) == (not self.members[email])
                for email, token in self.tokens:
                    viewer = team.by_token(s, token)
                    assert (viewer is not None) == (not self.members[email])

    Machine.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=12,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    Machine.TestCase().runTest()
