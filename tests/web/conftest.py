"""Fixtures for the web app; what tests import is in tests/web/helpers.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from goodwill.records import interactions, people
from goodwill.store.db import Store
from tests.web.helpers import NOW, Web, make_app


@pytest.fixture
def app(store: Store) -> FastAPI:
    return make_app(store)


@pytest.fixture
def web(app: FastAPI) -> Iterator[Web]:
    client = Web(app)
    yield client
    client.close()


@pytest.fixture
def team(store: Store) -> dict[str, int]:
    """A small hand-made network: four people, a few interactions, a knows-edge."""
    with store.session() as s:
        dana = people.add(
            s,
            "Dana Kim",
            emails=["dana@example.com"],
            org="Acme",
            title="Staff Engineer",
            tags=["mentor"],
            circle="close",
            location="Lisbon",
        )
        lee = people.add(s, "Lee Park", emails=["lee@example.com"], org="Globex", tags=["mentor"])
        ana = people.add(s, "Ana Souza", org="Acme", circle="wider")
        bo = people.add(s, "Bo Chen", emails=["bo@example.com"])
        interactions.log(
            s,
            [dana],
            "coffee",
            when=NOW - dt.timedelta(days=3),
            summary="Talked about platform teams",
            gave=["info"],
            got=["advice"],
            now=NOW,
        )
        interactions.log(
            s, [dana, lee], "meeting", when=NOW - dt.timedelta(days=40), summary="Demo day", now=NOW
        )
        from goodwill.store.models import Knows

        s.add(Knows(a_id=dana.id, b_id=lee.id, how="employer"))
        return {"dana": dana.id, "lee": lee.id, "ana": ana.id, "bo": bo.id}
