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

A person's row in a list (`people_list.summaries`: name, circle, place, emails, phones, tags,
current role, last contact) reads more: their `Person`, `Email`, `Phone`, `PersonTag` and
`Role` rows and their participant rows, and the names of organisations and tags. So
`Changes.rows` holds whose row changed: everyone whose figures changed, and anyone whose
emails, phones, tags or roles changed; a renamed organisation or tag, or a bulk statement
on those tables, changes everyone's (`rows_everyone`).

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

from goodwill.store.models import (
    CircleSetting,
    Email,
    Exchange,
    Interaction,
    Knows,
    Organization,
    Participant,
    Person,
    PersonTag,
    Phone,
    Request,
    Role,
    Setting,
    Tag,
)

# Tables whose rows a person's figures read (see above).
WATCHED_TABLES = frozenset(
    t.__tablename__
    for t in (Person, Participant, Exchange, Request, Knows, CircleSetting, Setting, Interaction)
)
# Tables whose rows only a person's row in a list reads (see above).
ROW_TABLES = frozenset(t.__tablename__ for t in (Email, Phone, PersonTag, Role, Organization, Tag))
# Person columns whose change concerns other people too.
_PERSON_WIDE = ("removed_at", "is_me")


@dataclass
class Changes:
    """The people whose figures changed (or everyone), and whose list rows did."""

    people: set[int] = field(default_factory=set)
    everyone: bool = False
    rows: set[int] = field(default_factory=set)  # includes `people`
    rows_everyone: bool = False  # set whenever `everyone` is
    _flushing: int = 0

    def add(self, *ids: Any) -> None:
        found = [int(i) for i in ids if i is not None]
        self.people.update(found)
        self.rows.update(found)

    def add_rows(self, *ids: Any) -> None:
        self.rows.update(int(i) for i in ids if i is not None)

    def concern_everyone(self) -> None:
        self.everyone = self.rows_everyone = True


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
        if changes.everyone:  # and so every row too
            return
        is_new, is_deleted = obj in new, obj in deleted
        if isinstance(obj, Participant | Exchange | Request):
            changes.add(*_old_and_new(obj, "person_id"))
        elif isinstance(obj, Knows):
            changes.add(*_old_and_new(obj, "a_id", "b_id"))
        elif isinstance(obj, Person):
            if is_deleted or (not is_new and _changed(obj, *_PERSON_WIDE)):
                changes.concern_everyone()
            elif obj.id is not None:
                changes.add(obj.id)
        elif isinstance(obj, CircleSetting | Setting) or (
            isinstance(obj, Interaction) and not is_new
        ):
            changes.concern_everyone()
        elif isinstance(obj, Email | Phone | PersonTag | Role):
            changes.add_rows(*_old_and_new(obj, "person_id"))
        elif isinstance(obj, Organization | Tag) and not is_new:
            changes.rows_everyone = True  # a name shown in many rows


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
            changes.concern_everyone()  # text: which table is not worth parsing
        return
    table = getattr(clause, "table", None)
    name = getattr(table, "name", None)
    if table is None or name in WATCHED_TABLES:
        changes.concern_everyone()
    elif name in ROW_TABLES:
        changes.rows_everyone = True


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
