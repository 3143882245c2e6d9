"""Requests: what others asked of you. Open until answered; never silently dropped.

An answer is one of three: you helped, you offered another way to help, or you referred
them to someone. A bare "no" is not an answer. Answering records the give in the ledger
(an interaction with a "gave" exchange) and closes the "they asked" exchange.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from goodwill import validate
from goodwill.errors import InvalidInput, NotFound
from goodwill.records import interactions, knows
from goodwill.schemas.needs import RequestOut
from goodwill.store.models import Exchange, Person, Request

ANSWERS: tuple[str, ...] = ("helped", "offered", "referred")
# The give each answer records in the ledger (an exchange kind of vocab.EXCHANGE_KINDS).
ANSWER_GIVES: dict[str, str] = {"helped": "help", "offered": "help", "referred": "referral"}
# A referral puts the two people in touch: the knows-edge it records, and its confidence.
REFERRAL_CONFIDENCE = 0.5
STATUSES: tuple[str, ...] = ("open", "answered", "all")


def add(
    session: Session,
    person: Person,
    text: str,
    *,
    due: dt.date | None = None,
    kind: str = "message",
    when: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Request:
    """They asked you something: log it (the ledger sees the ask) and open a request."""
    clean = validate.non_empty(text, "request")
    interaction = interactions.log(
        session,
        [person],
        kind,
        when=when,
        summary=f"{person.display_name} asked: {clean}",
        initiated_by="them",
        they_asked=[clean],
        now=now,
    )
    request = session.scalars(
        select(Request).where(Request.interaction_id == interaction.id).order_by(Request.id)
    ).first()
    assert request is not None  # interactions.log opens it
    request.due = due
    session.flush()
    return request


def get(session: Session, ref: int | str) -> Request:
    text = str(ref).strip().lstrip("#")
    if not text.isdigit():
        raise InvalidInput("request", ref, "name a request by its number (see 'request list')")
    request = session.get(Request, int(text))
    if request is None:
        raise NotFound(f"no request #{text}")
    return request


def answer(
    session: Session,
    request_id_or_request: int | str | Request,
    *,
    helped: bool = False,
    offered: str | None = None,
    referred: Person | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Request:
    """Close a request with a real answer; the give goes into the ledger."""
    request = (
        request_id_or_request
        if isinstance(request_id_or_request, Request)
        else get(session, request_id_or_request)
    )
    if request.status != "open":
        when = f" on {request.answered_at:%Y-%m-%d}" if request.answered_at else ""
        raise InvalidInput(
            "request", f"#{request.id}", f"was already answered{when} ({request.answer})"
        )
    offered = offered.strip() if offered is not None else None
    if offered == "":
        raise InvalidInput("offered", "", "say what you offer instead")
    chosen = [
        name
        for name, given in (
            ("helped", helped),
            ("offered", offered is not None),
            ("referred", referred is not None),
        )
        if given
    ]
    if not chosen:
        raise InvalidInput(
            "answer",
            "",
            "a request cannot be closed with a bare no: say --helped, "
            "--offered TEXT (another way to help) or --referred PERSON",
        )
    if len(chosen) > 1:
        raise InvalidInput("answer", ", ".join(chosen), "choose one of helped, offered, referred")
    person = session.get(Person, request.person_id)
    assert person is not None  # the foreign key cascades
    if referred is not None:
        if referred.id == person.id:
            raise InvalidInput("referred", referred.display_name, "is the person who asked")
        if referred.removed_at is not None:
            raise InvalidInput("referred", referred.display_name, "was removed")
    current = now or dt.datetime.now()
    kind = chosen[0]
    note = note.strip() if note and note.strip() else None
    summary = {
        "helped": f"Helped {person.display_name} with: {request.text}",
        "offered": f"Offered {person.display_name} another way to help: {offered}",
        "referred": (
            f"Referred {person.display_name} to {referred.display_name} for: {request.text}"
            if referred
            else ""
        ),
    }[kind]
    _log_give(session, person, kind, summary + (f" ({note})" if note else ""), current)
    if referred is not None:
        knows.add(
            session,
            person,
            referred,
            how="referral",
            note=f"referred for: {request.text}",
            confidence=REFERRAL_CONFIDENCE,
            source="request",
        )
    request.status = "answered"
    request.answer = kind
    request.answer_text = offered if kind == "offered" else note
    request.referred_to_id = referred.id if referred else None
    request.answered_at = current
    _close_ask(session, request)
    session.flush()
    return request


def _log_give(session: Session, person: Person, kind: str, summary: str, when: dt.datetime) -> None:
    interactions.log(
        session,
        [person],
        "message",
        when=when,
        summary=summary,
        initiated_by="me",
        gave=[ANSWER_GIVES[kind]],
        now=when,
    )


def _close_ask(session: Session, request: Request) -> None:
    """The 'they asked' exchange that opened this request is granted now."""
    if request.interaction_id is None:
        return
    ask = session.scalars(
        select(Exchange)
        .where(
            Exchange.interaction_id == request.interaction_id,
            Exchange.person_id == request.person_id,
            Exchange.direction == "they_asked",
            Exchange.outcome == "open",
        )
        .order_by((Exchange.text == request.text).desc(), Exchange.id)
    ).first()
    if ask is not None:
        ask.outcome = "granted"


# Made once: an alias's columns are adapted on first use and kept (a new alias per call
# repeated that work on every daily session).
_ASKER, _REFERRED = aliased(Person), aliased(Person)


def _rows(
    session: Session, stmt_filter: Sequence[object], as_of: dt.datetime | None
) -> list[RequestOut]:
    asker, referred = _ASKER, _REFERRED
    stmt = (
        select(Request, asker.display_name, referred.display_name)
        .join(asker, asker.id == Request.person_id)
        .outerjoin(referred, referred.id == Request.referred_to_id)
        .where(asker.removed_at.is_(None), *stmt_filter)  # type: ignore[arg-type]
        .order_by(Request.due.is_(None), Request.due, Request.created_at, Request.id)
    )
    today = (as_of or dt.datetime.now()).date()
    out = []
    for r, name, referred_name in session.execute(stmt).all():
        is_open = r.status == "open" or (
            as_of is not None and r.answered_at is not None and r.answered_at > as_of
        )
        out.append(
            RequestOut(
                id=r.id,
                person_id=r.person_id,
                person=name,
                text=r.text,
                asked_on=r.created_at.date(),
                due=r.due,
                status="open" if is_open else "answered",
                days_open=max(0, (today - r.created_at.date()).days) if is_open else 0,
                overdue=bool(is_open and r.due is not None and r.due < today),
                answer=None if is_open else r.answer,
                answer_text=None if is_open else r.answer_text,
                referred_to_id=None if is_open else r.referred_to_id,
                referred_to=None if is_open else referred_name,
                answered_on=None if is_open or r.answered_at is None else r.answered_at.date(),
            )
        )
    return out


def open_requests(
    session: Session,
    as_of: dt.datetime | dt.date | None = None,
    person_ids: Sequence[int] | None = None,
) -> list[RequestOut]:
    """Requests still waiting for your answer (as they stood at `as_of`), due first; of
    `person_ids` only, when given."""
    if isinstance(as_of, dt.date) and not isinstance(as_of, dt.datetime):
        as_of = dt.datetime.combine(as_of, dt.time.max)
    who = [Request.person_id.in_(person_ids)] if person_ids is not None else []
    if as_of is None:
        return _rows(session, [Request.status == "open", *who], None)
    return _rows(
        session,
        [
            Request.created_at <= as_of,
            or_(Request.status == "open", Request.answered_at > as_of),
            *who,
        ],
        as_of,
    )


def list_(
    session: Session, *, status: str = "open", person: Person | None = None
) -> list[RequestOut]:
    """Requests by status (open, answered or all), optionally of one person."""
    status = validate.choice(status, STATUSES, "status")
    where: list[object] = []
    if status != "all":
        where.append(Request.status == status)
    if person is not None:
        where.append(Request.person_id == person.id)
    return _rows(session, where, None)
