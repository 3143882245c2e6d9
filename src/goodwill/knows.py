"""Who knows whom: knows-edges entered by hand, and the ones derived from your history.

An explicit edge is a row of `knows` (stored once, a_id < b_id, with `how` and a
confidence). Derived edges come from shared meetings, referrals, introductions, "met
through" and overlapping roles at the same organisation; they are computed when the graph
is loaded (`paths._evidence`), never stored twice. The strength of each kind of evidence
is named once in `ask_weights.py`.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from goodwill import validate, vocab
from goodwill.errors import InvalidInput
from goodwill.models import Knows, Person, Setting
from goodwill.schemas.needs import KnowsEdgeOut


def _check_pair(a: Person, b: Person) -> tuple[Person, Person]:
    if a.id == b.id:
        raise InvalidInput("person", b.display_name, "a person cannot know themself")
    for p in (a, b):
        if p.removed_at is not None:
            raise InvalidInput("person", p.display_name, "was removed; restore or merge first")
    return (a, b) if a.id < b.id else (b, a)


def parse_how(how: str | None) -> tuple[str, str | None]:
    """`--how` is free text: a known kind (introduction, referral, ...) or a note."""
    if how is None or not how.strip():
        return "manual", None
    key = how.strip().lower().replace("-", "_")
    if key in vocab.KNOWS_HOW:
        return key, None
    return "manual", how.strip()


def add(
    session: Session,
    a: Person,
    b: Person,
    *,
    how: str | None = None,
    note: str | None = None,
    confidence: float = 1.0,
    source: str | None = "manual",
) -> Knows:
    """Record that A knows B (or update the edge of that kind between them)."""
    if not 0.0 < confidence <= 1.0:
        raise InvalidInput("confidence", confidence, "must be more than 0 and at most 1")
    low, high = _check_pair(a, b)
    kind, how_note = parse_how(how)
    note = note or how_note
    edge = session.scalar(
        select(Knows).where(Knows.a_id == low.id, Knows.b_id == high.id, Knows.how == kind)
    )
    if edge is None:
        edge = Knows(a_id=low.id, b_id=high.id, how=kind, confidence=confidence, source=source)
        session.add(edge)
    else:
        edge.confidence = max(edge.confidence, confidence)
        _bump_version(session)
    if note:
        edge.note = validate.non_empty(note, "how")
    session.flush()
    return edge


def _bump_version(session: Session) -> None:
    """An edge changed in place: the graph's fingerprint must change too."""
    from goodwill.paths import VERSION_KEY

    row = session.get(Setting, VERSION_KEY)
    if row is None:
        session.add(Setting(key=VERSION_KEY, value="1"))
    else:
        row.value = str(int(row.value) + 1)


def edges_of(session: Session, person: Person) -> list[KnowsEdgeOut]:
    """Everyone `person` is linked to, explicit and derived, strongest first.

    Colleague links through organisations are not listed one by one (a big employer
    would list thousands); `path` and `ask` use them.
    """
    import numpy as np

    from goodwill import paths

    g = paths.graph(session)
    [node] = g.nodes([person.id]).tolist()
    if node < 0:
        return []
    e = np.arange(g.src_ptr[node], g.src_ptr[node + 1])
    others = g.ids[g.dst[e]].tolist()
    explicit = {
        (min(a, b), max(a, b)): (how, note)
        for a, b, how, note in session.execute(
            select(Knows.a_id, Knows.b_id, Knows.how, Knows.note)
            .where(or_(Knows.a_id == person.id, Knows.b_id == person.id))
            .order_by(Knows.confidence)
        )
    }
    names = dict(
        session.execute(select(Person.id, Person.display_name).where(Person.id.in_(others))).all()
    )
    out = []
    for i, other in zip(e.tolist(), others, strict=True):
        pair = (min(person.id, other), max(person.id, other))
        how, note = explicit.get(pair, (paths.LINK_KINDS[int(g.how[i])], None))
        out.append(
            KnowsEdgeOut(
                a_id=person.id,
                a=person.display_name,
                b_id=other,
                b=names.get(other, "?"),
                how=how,
                strength=round(float(g.strength[i]), 3),
                note=note,
                derived=pair not in explicit,
            )
        )
    out.sort(key=lambda k: (-k.strength, k.b.lower(), k.b_id))
    return out
