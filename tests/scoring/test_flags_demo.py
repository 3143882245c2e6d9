"""The demo network shows every kind of flag, so a new user sees what each one means."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from goodwill.demo import fill as demo
from goodwill.schemas.ledger import FLAG_KINDS
from goodwill.scoring import flags


def test_demo_shows_all_four_flags(session: Session) -> None:
    end = dt.date(2025, 6, 1)
    demo.generate(session, people=300, seed=7, today=end)
    found = flags.compute(session, dt.datetime.combine(end, dt.time(23, 0)))
    assert {f.kind for f in found} == set(FLAG_KINDS)
    assert all(f.reason and f.since for f in found)
    assert all((f.person is None) == (f.kind == "taker") for f in found)
