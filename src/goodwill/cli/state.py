"""The database chosen by --db / GOODWILL_DB, opened once per command, lazily."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from goodwill.store.db import Store

_db: str | None = None
_user: str | None = None
_store: Store | None = None


def set_db(value: str | None, user: str | None = None) -> None:
    global _db, _user, _store
    _db, _user, _store = value, user, None


def address() -> str | None:
    """What --db / GOODWILL_DB said (None: the default file)."""
    return _db


def user() -> str | None:
    """What --user said (a team member), if anything."""
    return _user


def store() -> Store:
    global _store
    if _store is None:
        from goodwill.store.db import open_store

        opened = open_store(_db)
        try:
            _enter_team(opened)
        except BaseException:
            opened.dispose()
            raise
        _store = opened
    return _store


def _enter_team(opened: Store) -> None:
    """On a team database, act as --user (else its first admin) through the team's
    policy; single-user goodwill reads one row less than nothing (no member, no change)."""
    from goodwill.store import policy

    with opened.session() as s:
        if not policy.is_team(s):
            if _user is not None:
                from goodwill.errors import GoodwillError

                raise GoodwillError(
                    "--user works on a team database only: run 'goodwill team init' first"
                )
            return
        from goodwill.records import team

        member = team.find(s, _user) if _user is not None else team.first_admin(s)
        viewer = team.viewer_of(member) if member is not None else None
    policy.set_viewer(viewer)
    policy.attach(opened)


@contextmanager
def team_session() -> Iterator[Session]:
    """A session for team commands, which only make sense on a team database."""
    with session() as s:
        from goodwill.store import policy

        if policy.current() is None:
            from goodwill.errors import GoodwillError

            raise GoodwillError("this is not a team database: run 'goodwill team init' first")
        yield s


@contextmanager
def session() -> Iterator[Session]:
    """One transaction per command: all of it is written, or none of it."""
    with store().session() as s:
        yield s


def close() -> None:
    global _store
    if _store is not None:
        _store.dispose()
        _store = None
        from goodwill.store import policy

        policy.set_viewer(None)
