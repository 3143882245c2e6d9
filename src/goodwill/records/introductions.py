"""Introductions you make between two people, double opt-in.

The steps, in order: proposed -> asked_a (A said yes to meeting B) -> asked_b (B said yes)
-> made -> followed_up. Either may decline before it is made. Making it records a give
(an introduction) to both people in the ledger and a knows-edge between them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from goodwill import validate
from goodwill.ask_weights import INTRODUCTION_STRENGTH
from goodwill.errors import InvalidInput, NotFound
from goodwill.records import interactions, knows
from goodwill.schemas.needs import IntroductionOut
from goodwill.store.models import Introduction, Person

STAGES: tuple[str, ...] = ("proposed", "asked_a", "asked_b", "made", "followed_up", "declined")
OPEN_STAGES: tuple[str, ...] = ("proposed", "asked_a", "asked_b", "made")
_NEXT: dict[str, str] = {
    "proposed": "ask {a} whether they want to meet {b}",
    "asked_a": "{a} agreed: ask {b} whether they want to meet {a}",
    "asked_b": "both agreed: write the introduction email to {a} and {b}",
    "made": "follow up with {a} and {b}: did they meet?",
}


def _check_pair(a: Person, b: Person) -> None:
    if a.id == b.id:
        raise InvalidInput("person", b.display_name, "cannot be introduced to themself")
    for p in (a, b):
        if p.removed_at is not None:
            raise InvalidInput("person", p.display_name, "was removed; restore or merge first")


def find_open(session: Session, a: Person, b: Person) -> Introduction | None:
    """The introduction between A and B (either order) still in progress."""
    return session.scalars(
        select(Introduction)
        .where(
            or_(
                (Introduction.a_id == a.id) & (Introduction.b_id == b.id),
                (Introduction.a_id == b.id) & (Introduction.b_id == a.id),
            ),
            Introduction.stage.in_(OPEN_STAGES),
        )
        .order_by(Introduction.id.desc())
    ).first()


def propose(
    session: Session, a: Person, b: Person, why: str, *, now: dt.datetime | None = None
) -> Introduction:
    _check_pair(a, b)
    reason = validate.non_empty(why, "why")
    if find_open(session, a, b) is not None:
        raise InvalidInput(
            "introduction",
            f"{a.display_name} and {b.display_name}",
            "is already in progress; move it on with --step",
        )
    when = now or dt.datetime.now()
    intro = Introduction(
        a_id=a.id, b_id=b.id, why=reason, stage="proposed", created_at=when, updated_at=when
    )
    session.add(intro)
    session.flush()
    return intro


def advance(
    session: Session,
    intro: Introduction,
    stage: str,
    *,
    now: dt.datetime | None = None,
) -> Introduction:
    """Move an introduction to `stage`; making it records the gives and the knows-edge."""
    target = validate.choice(stage, STAGES, "step")
    current = intro.stage
    if current in ("followed_up", "declined"):
        raise InvalidInput("introduction", f"#{intro.id}", f"is already {current}")
    if target == "declined":
        if current in ("made",):
            raise InvalidInput("step", stage, "the introduction was already made")
    else:
        order = STAGES.index
        if order(target) != order(current) + 1:
            raise InvalidInput(
                "step",
                stage,
                f"the introduction is {current}; the next step is {STAGES[order(current) + 1]}"
                " (double opt-in: ask A, then B, then make it)",
            )
    when = now or dt.datetime.now()
    if target == "made":
        _make(session, intro, when)
    intro.stage = target
    intro.updated_at = when
    session.flush()
    return intro


def _make(session: Session, intro: Introduction, when: dt.datetime) -> None:
    a, b = session.get(Person, intro.a_id), session.get(Person, intro.b_id)
    assert a is not None and b is not None
    _check_pair(a, b)
    item = interactions.log(
        session,
        [a, b],
        "email",
        when=when,
        summary=f"Introduced {a.display_name} and {b.display_name}: {intro.why or ''}".strip(),
        initiated_by="me",
        gave=["intro"],
        now=when,
    )
    intro.interaction_id = item.id
    knows.add(
        session,
        a,
        b,
        how="introduction",
        note=intro.why,
        confidence=INTRODUCTION_STRENGTH,
        source="introduction",
    )


def get(session: Session, ref: int | str) -> Introduction:
    value = str(ref).strip().lstrip("#")
    if not value.isdigit():
        raise InvalidInput("introduction", ref, "name an introduction by its number")
    intro = session.get(Introduction, int(value))
    if intro is None:
        raise NotFound(f"no introduction #{value}")
    return intro


def summaries(
    session: Session, *, open_only: bool = True, ids: list[int] | None = None
) -> list[IntroductionOut]:
    pa, pb = aliased(Person), aliased(Person)
    stmt = (
        select(Introduction, pa.display_name, pb.display_name)
        .join(pa, pa.id == Introduction.a_id)
        .join(pb, pb.id == Introduction.b_id)
        .order_by(Introduction.updated_at, Introduction.id)
    )
    if open_only:
        stmt = stmt.where(Introduction.stage.in_(OPEN_STAGES))
    if ids is not None:
        stmt = stmt.where(Introduction.id.in_(ids))
    out = []
    for intro, a, b in session.execute(stmt).all():
        step = _NEXT.get(intro.stage)
        out.append(
            IntroductionOut(
                id=intro.id,
                a_id=intro.a_id,
                a=a,
                b_id=intro.b_id,
                b=b,
                why=intro.why,
                stage=intro.stage,
                created=intro.created_at.date(),
                updated=intro.updated_at.date(),
                next_step=step.format(a=a, b=b) if step else None,
            )
        )
    return out


def pending(session: Session) -> list[IntroductionOut]:
    """Introductions waiting for your next step (for the daily session)."""
    return summaries(session, open_only=True)
