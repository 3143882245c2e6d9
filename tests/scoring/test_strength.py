"""Tie strength: each component moves the score the right way, on hand-built histories."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from goodwill.records import interactions, people
from goodwill.schemas.ledger import StrengthRow
from goodwill.scoring import strength
from goodwill.store import days
from goodwill.store.models import Knows, Person

AS_OF = dt.datetime(2024, 6, 1)


def _day(days_before: float) -> dt.datetime:
    return AS_OF - dt.timedelta(days=days_before)


def _log(s: Session, p: Person, days_before: float, kind: str = "email", **kw: object) -> None:
    interactions.log(s, [p], kind, when=_day(days_before), now=AS_OF, **kw)  # type: ignore[arg-type]


def _pair(s: Session) -> tuple[Person, Person]:
    return people.add(s, "Ann Able"), people.add(s, "Bob Baker")


def test_recency_more_recent_contact_is_stronger(session: Session) -> None:
    a, b = _pair(session)
    _log(session, a, 5)
    _log(session, b, 200)
    got = strength.scores(session, AS_OF)
    assert got[a.id] > got[b.id]
    f = strength.features(session, AS_OF, [a.id, b.id])
    assert f.days_since_last.tolist() == [5.0, 200.0]


def test_intensity_more_and_deeper_contact_is_stronger(session: Session) -> None:
    a, b = _pair(session)
    c = people.add(session, "Cy Coe")
    for d in (10, 20, 30, 40):
        _log(session, a, d)
    for d in (10, 40):
        _log(session, b, d)
        _log(session, c, d, kind="meeting")
    # same first and last contact for a, b and c: only intensity differs
    _log(session, b, 20, kind="note")
    got = strength.scores(session, AS_OF)
    assert got[a.id] > got[b.id]
    assert got[c.id] > got[b.id]  # two meetings beat two emails and a note
    parts = strength.components(strength.features(session, AS_OF, [a.id, b.id, c.id]))
    assert parts[0, 1] > parts[1, 1] and parts[2, 1] > parts[1, 1]
    assert parts[:, 0].tolist() == [parts[0, 0]] * 3  # recency equal


def test_duration_knowing_someone_longer_is_stronger(session: Session) -> None:
    a, b = _pair(session)
    _log(session, a, 3)
    _log(session, a, 900)
    _log(session, b, 3)
    _log(session, b, 30)
    parts = strength.components(strength.features(session, AS_OF, [a.id, b.id]))
    assert parts[0, 2] > parts[1, 2] > 0
    assert parts[0, 0] == parts[1, 0]


def test_reciprocity_both_sides_starting_contact_is_stronger(session: Session) -> None:
    a, b = _pair(session)
    for d, who in ((10, "me"), (20, "them"), (30, "me"), (40, "them")):
        _log(session, a, d, initiated_by=who)
    for d in (10, 20, 30, 40):
        _log(session, b, d, initiated_by="me")
    got = strength.scores(session, AS_OF)
    assert got[a.id] > got[b.id]
    f = strength.features(session, AS_OF, [a.id, b.id])
    assert (f.by_me.tolist(), f.by_them.tolist()) == ([2.0, 4.0], [2.0, 0.0])


def test_overlap_mutual_contacts_make_a_tie_stronger(session: Session) -> None:
    a, b = _pair(session)
    friends = [people.add(session, f"Friend {n}") for n in range(3)]
    _log(session, a, 10)
    _log(session, b, 10)
    for f in friends:
        x, y = sorted((a.id, f.id))
        session.add(Knows(a_id=x, b_id=y, how="manual", created_at=_day(100)))
    session.flush()
    got = strength.scores(session, AS_OF)
    assert got[a.id] > got[b.id]
    assert strength.features(session, AS_OF, [a.id]).mutual.tolist() == [3.0]
    assert got[friends[0].id] == 0.0  # known through Ann, never in touch: no tie yet
    people.remove(session, friends[0])  # removed people are no longer mutual contacts
    assert strength.features(session, AS_OF, [a.id]).mutual.tolist() == [2.0]
    assert strength.features(session, AS_OF).mutual.tolist() == [2.0, 0.0, 1.0, 1.0]
    assert strength.features(session, _day(101)).mutual.tolist() == [0.0, 0.0, 0.0, 0.0]


def test_only_history_before_as_of_counts(session: Session) -> None:
    a, b = _pair(session)
    _log(session, a, 30)
    _log(session, b, 30)
    interactions.log(session, [b], "meeting", when=AS_OF, now=AS_OF)  # at as_of: excluded
    interactions.log(session, [b], "meeting", when=_day(-5), now=AS_OF, planned=True)
    got = strength.scores(session, AS_OF)
    assert got[a.id] == got[b.id]
    assert strength.scores(session, AS_OF + dt.timedelta(days=1))[b.id] > got[b.id]


def test_unknown_and_removed_people(session: Session) -> None:
    a, b = _pair(session)
    _log(session, a, 3)
    people.remove(session, b)
    got = strength.scores(session, AS_OF)
    assert list(got) == [a.id]
    assert strength.scores(session, AS_OF, [b.id]) == {}
    c = people.add(session, "Cy Coe")  # never in touch: nothing but zeros
    assert strength.scores(session, AS_OF, [c.id]) == {c.id: 0.0}


def test_rows_list_names_emails_and_sort_strongest_first(session: Session) -> None:
    a = people.add(session, "Ann Able", emails=["ann@example.com", "ann@home.example.org"])
    b = people.add(session, "Bob Baker")
    _log(session, b, 300)
    _log(session, a, 2)
    # Plain dicts in the documented shape (the command line writes them as JSON as-is).
    rows = TypeAdapter(list[StrengthRow]).validate_python(strength.rows(session, AS_OF))
    assert [(r.id, r.name, r.emails) for r in rows] == [
        (a.id, "Ann Able", ["ann@example.com", "ann@home.example.org"]),
        (b.id, "Bob Baker", []),
    ]
    assert rows[0].last_contact == _day(2).date()
    assert rows[0].strength > rows[1].strength


_finite = st.floats(min_value=0, max_value=1e5, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_finite, _finite, _finite, _finite, _finite, _finite), max_size=20))
def test_strength_stays_in_unit_interval(values: list[tuple[float, ...]]) -> None:
    arr = np.array(values, dtype=float).reshape(-1, 6)
    f = strength.Features(
        ids=np.arange(len(arr)),
        days_since_last=arr[:, 0],
        days_known=arr[:, 1],
        decayed=arr[:, 2],
        decayed_plain=arr[:, 2],
        weighted_count=arr[:, 3],
        count=np.round(arr[:, 3]),
        by_me=np.round(arr[:, 4]),
        by_them=np.round(arr[:, 5]),
        mutual=arr[:, 1],
    )
    parts = strength.components(f)
    assert ((parts >= 0) & (parts <= 1)).all()
    s = strength.combine(parts)
    assert ((s >= 0) & (s <= 1)).all()


def test_participant_copies_follow_their_interaction(session: Session) -> None:
    """Migration 0002's triggers fill the copies for any writer and follow later edits."""
    from sqlalchemy import insert, select, update

    from goodwill.store.models import Interaction, Participant

    a, b = _pair(session)
    item = interactions.log(session, [a], "call", when=_day(10), now=AS_OF, initiated_by="them")
    session.add(Interaction(id=item.id + 1, occurred_at=_day(4), kind="meeting", initiated_by="me"))
    session.flush()
    session.execute(insert(Participant), [dict(interaction_id=item.id + 1, person_id=b.id)])
    rows = session.execute(
        select(Participant.person_id, Participant.day, Participant.kind, Participant.planned)
        .order_by(Participant.person_id)
        .execution_options(populate_existing=True)
    ).all()
    assert [(r[0], round(r[1], 6), r[2], r[3]) for r in rows] == [
        (a.id, round(days.day_number(_day(10)), 6), "call", False),
        (b.id, round(days.day_number(_day(4)), 6), "meeting", False),
    ]
    session.execute(
        update(Interaction).where(Interaction.id == item.id).values(occurred_at=_day(2))
    )
    f = strength.features(session, AS_OF, [a.id, b.id])
    assert f.days_since_last.tolist() == [2.0, 4.0]
    assert (f.by_me.tolist(), f.by_them.tolist()) == ([0.0, 1.0], [1.0, 0.0])


def test_rhythm_a_silence_counts_against_the_ties_own_rhythm(session: Session) -> None:
    """Sixty days of silence is alarming from a weekly correspondent, normal from someone
    you hear from every two months: the rhythm component (BG/NBD) sees the difference."""
    weekly, bimonthly = _pair(session)
    for d in range(60, 425, 7):
        _log(session, weekly, d)
    for d in range(60, 425, 60):
        _log(session, bimonthly, d)
    parts = strength.components(strength.features(session, AS_OF, [weekly.id, bimonthly.id]))
    rhythm = strength.COMPONENTS.index("rhythm")
    assert parts[0, 0] == parts[1, 0]  # same recency
    assert parts[1, rhythm] > 2 * parts[0, rhythm] > 0
    # ... and heard from last week, the weekly correspondent is the likelier one.
    _log(session, weekly, 7)
    _log(session, bimonthly, 7)
    parts = strength.components(strength.features(session, AS_OF, [weekly.id, bimonthly.id]))
    assert parts[0, rhythm] > parts[1, rhythm]


def test_rhythm_counts_deeper_channels_as_more_contact(session: Session) -> None:
    a, b = _pair(session)
    for d in (10, 40, 70):
        _log(session, a, d, kind="meeting")
        _log(session, b, d, kind="note")
    f = strength.features(session, AS_OF, [a.id, b.id])
    assert np.allclose(f.weighted_count, [3.0, 0.6])  # meetings 1.0, notes 0.2 each
    parts = strength.components(f)
    rhythm = strength.COMPONENTS.index("rhythm")
    assert parts[0, rhythm] > parts[1, rhythm] > 0
