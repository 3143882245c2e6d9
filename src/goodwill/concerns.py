"""Whose per-person figures a write changes: the rule that lets figures kept per person
(the web app's badges: tie strength, balance, cadence health, flags) survive writes that
concern other people.

A person's figures read only these rows (strength.py, ledger.py, cadence.py, flags.py):
their `Person` row, their `Participant`, `Exchange` and `Request` rows, the `Knows` edges
that touch them (and whether the person at the other end is still there), and the circle
cadences (`CircleSetting`). So:

- a participant, exchange or request row concerns its person (before and after a change);
- a knows edge concerns both of its people;
- a person's row concerns that person, unless they were removed, restored or became "me"
  (their contacts' mutual-contact counts change too): then everyone;
- a circle's cadence or any setting, an edited or deleted interaction (triggers rewrite
  its participants' copies behind the ORM's back), a deleted person, and any bulk
  statement on those tables (outside the ORM's unit of work) concern everyone;
- anything else (emails, tags, roles, needs, the search index, the contact summary, which
  is derived from participant rows) concerns nobody's figures.

`collect()` gathers the changes made by the sessions of the current context (a web
request: contextvars follow it into its worker thread); `install()` registers the
listeners once per process. Changes made elsewhere (another process, a context with no
collector) are not seen here: whoever keeps figures per person must treat them as
concerning everyone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, UOWTransaction

from goodwill.models import (
    CircleSetting,
    Exchange,
    Interaction,
    Knows,
    Participant,
    Person,
    Request,
    Setting,
)

# Tables whose rows a person's figures read (see above).
WATCHED_TABLES = frozenset(
    t.__tablename__
    for t in (Person, Participant, Exchange, Request, Knows, CircleSetting, Setting, Interaction)
)
# Person columns whose change concerns other people too.
_PERSON_WIDE = ("removed_at", "is_me")


@dataclass
class Changes:
    """The people whose figures changed (or everyone)."""

    people: set[int] = field(default_factory=set)
    everyone: bool = False
    _flushing: int = 0

    def add(self, *ids: Any) -> None:
        self.people.update(int(i) for i in ids if i is not None)


_COLLECTOR: ContextVar[Changes | None] = ContextVar("goodwill_concerns", default=None)


@contextmanager
def collect() -> Iterator[Changes]:
    """Gather the changes written in this context (and the threads it runs code in)."""
    install()
    changes = Changes()
    token = _COLLECTOR.set(changes)
    try:
        yield changes
    finally:
        _COLLECTOR.reset(token)


def _old_and_new(obj: Any, *columns: str) -> list[Any]:
    state = inspect(obj)
    out: list[Any] = []
    for name in columns:
        history = state.attrs[name].history
        out.extend([*history.deleted, *history.unchanged, *history.added])
    return out


def _changed(obj: Any, *columns: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in columns)


def concerned(changes: Changes, new: Any, dirty: Any, deleted: Any) -> None:
    """Add to `changes` whom these ORM objects (about to be written) concern."""
    for obj in (*new, *dirty, *deleted):
        if changes.everyone:
            return
        is_new, is_deleted = obj in new, obj in deleted
        if isinstance(obj, Participant | Exchange | Request):
            changes.add(*_old_and_new(obj, "person_id"))
        elif isinstance(obj, Knows):
            changes.add(*_old_and_new(obj, "a_id", "b_id"))
        elif isinstance(obj, Person):
            if is_deleted or (not is_new and _changed(obj, *_PERSON_WIDE)):
                changes.everyone = True
            elif obj.id is not None:
                changes.add(obj.id)
        elif isinstance(obj, CircleSetting | Setting) or (
            isinstance(obj, Interaction) and not is_new
        ):
            changes.everyone = True


def _before_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    changes = _COLLECTOR.get()
    if changes is not None:
        changes._flushing += 1


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    changes = _COLLECTOR.get()
    if changes is None:
        return
    # New persons get their ids in the flush: read them now, before they count as clean.
    concerned(
        changes,
        list(session.new),
        [o for o in session.dirty if _modified(session, o)],
        list(session.deleted),
    )


def _modified(session: Session, obj: Any) -> bool:
    return session.is_modified(obj, include_collections=False)


def _after_flush_postexec(session: Session, _flush: UOWTransaction) -> None:
    changes = _COLLECTOR.get()
    if changes is not None and changes._flushing:
        changes._flushing -= 1


def _after_rollback(session: Session) -> None:
    changes = _COLLECTOR.get()
    if changes is not None:
        changes._flushing = 0


def _before_execute(
    conn: Connection, clause: Any, multiparams: Any, params: Any, options: Any
) -> None:
    """A statement outside the ORM's unit of work (a bulk insert, an UPDATE ... WHERE)
    on a watched table: its rows are unknown, so everyone."""
    changes = _COLLECTOR.get()
    if changes is None or changes._flushing or changes.everyone:
        return
    if not getattr(clause, "is_dml", False):
        if getattr(clause, "is_text", False) and clause.text.lstrip()[:6].upper() in (
            "INSERT",
            "UPDATE",
            "DELETE",
        ):
            changes.everyone = True  # text: which table is not worth parsing
        return
    table = getattr(clause, "table", None)
    if table is None or getattr(table, "name", None) in WATCHED_TABLES:
        changes.everyone = True


_INSTALLED: list[bool] = []
_INSTALL_LOCK = threading.Lock()


def install() -> None:
    """Register the listeners (once per process; they cost nothing without a collector)."""
    if _INSTALLED:
        return
    with _INSTALL_LOCK:
        if _INSTALLED:
            return
        _listen()
        _INSTALLED.append(True)


def _listen() -> None:
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_flush_postexec", _after_flush_postexec)
    event.listen(Session, "after_rollback", _after_rollback)
    event.listen(Engine, "before_execute", _before_execute)
