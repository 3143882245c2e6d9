"""The change log: whose data changed since a figure was computed, and how.

Database triggers (migration 0015) keep `person_change` on every table a derived figure
reads, whoever writes: this app, the command line, a sync, another process, plain SQL.
It is the one way derived data learns of a change. One row per person and kind, with the
number of the latest change:

- `history`: their interactions, exchanges, requests, introductions;
- `identity`: their person row, roles, tags;
- `details`: their emails, phones, links;
- `knows`: knows-edges touching them;
- `settings` (person 0, everyone): circle cadences, settings, needs, organisations;
- `presence` (person 0): someone removed, restored, deleted or made "me";
- `names` (person 0): tag names, shown in everyone's list rows;
- `actions` (person 0): the daily session's action states;
- `other` (person 0): meetings and leads;
- `edges` (person 0): a knows-edge changed in place or deleted.

An import's new people are the one exception to "one trigger run per row": on SQLite their
rows are marked in one statement at the end of the insert (`inserts_in_bulk`), with the
same people, kinds and numbering as the triggers give.

A keeper takes a `mark(session)` before it reads; later, `since(session, mark)` says who
changed after, by kind. On SQLite one writer at a time commits, so the change numbers
follow commits. On PostgreSQL a number is taken when a change is written, and a
transaction still open when a mark was taken may commit a smaller number later: the mark
also holds the transactions then running (`pg_snapshot_xip`), and whatever they wrote is
read again. (Not the oldest of them: transactions of other databases on the same server
would hold it back and make every change look new again.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, literal_column, or_, select
from sqlalchemy.orm import Session

from goodwill.store.models import Person, PersonChange

EVERYONE = 0
KINDS = (
    "history", "identity", "details", "knows", "settings", "presence", "names", "actions", "other",
    "edges",
)  # fmt: skip
# What the daily session reads of a person (it reads no knows-edges, nor others' mutual
# contacts: a removal is the removed person's identity).
FIGURES = ("history", "identity", "settings")
# Who someone is, as others' actions name them.
IDENTITY = ("identity", "settings")


def latest(kind: str) -> str:
    """SQL for the number of the latest change of a kind kept for everyone (person 0):
    one keyed read, for fingerprints of what a kept figure reads."""
    return f"(SELECT MAX(seq) FROM person_change WHERE person_id = 0 AND kind = '{kind}')"


@dataclass(frozen=True)
class Mark:
    seq: int  # the latest change number
    running: tuple[int, ...] = ()  # PostgreSQL: the transactions running (none on SQLite)


@dataclass(frozen=True)
class Changes:
    mark: Mark  # taken before the changes were read
    kinds: dict[str, frozenset[int]] = field(default_factory=dict)  # kind -> people

    def of(self, *kinds: str) -> frozenset[int]:
        """Who changed in any of these kinds (EVERYONE among them: everyone)."""
        out: set[int] = set()
        for kind in kinds:
            out |= self.kinds.get(kind, frozenset())
        return frozenset(out)

    @property
    def people(self) -> frozenset[int]:
        """Whose figures changed (their history, who they are; EVERYONE: everyone's)."""
        return self.of(*FIGURES)

    @property
    def identity(self) -> frozenset[int]:
        """Of them, whose person row, roles or tags changed."""
        return self.of(*IDENTITY)

    @property
    def everyone(self) -> bool:
        return EVERYONE in self.people

    @property
    def any(self) -> bool:
        return any(self.kinds.values())


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


_PG_MARK: Select[tuple[Any, Any]] = select(
    select(func.max(PersonChange.seq)).scalar_subquery(),
    literal_column("ARRAY(SELECT pg_snapshot_xip(pg_current_snapshot())::text::bigint)"),
)


def mark(session: Session) -> Mark:
    """Where the change log stands now."""
    if not _postgres(session):
        return Mark(int(session.scalar(select(func.max(PersonChange.seq))) or 0))
    seq, running = session.execute(_PG_MARK).one()  # one statement: one snapshot
    return Mark(int(seq or 0), tuple(sorted(int(x) for x in running or ())))


def database(session: Session) -> str:
    """Which database this is (when its first person was added): a mark of one database
    means nothing for another one found at the same address."""
    first = session.scalar(select(Person.created_at).order_by(Person.id).limit(1))
    return str(first)


def since(session: Session, after: Mark) -> Changes:
    """Who changed after `after` was taken, by kind. A log behind the mark (another
    database at the same place, a file replaced by a copy) counts as everyone changed."""
    now = mark(session)
    if now.seq < after.seq:
        return Changes(now, {kind: frozenset({EVERYONE}) for kind in KINDS})
    newer = PersonChange.seq > after.seq
    if after.running:
        newer = or_(newer, PersonChange.xid.in_(after.running))
    found: dict[str, set[int]] = {}
    rows = session.execute(select(PersonChange.person_id, PersonChange.kind).where(newer))
    for pid, kind in rows:
        found.setdefault(kind, set()).add(int(pid))
    return Changes(now, {k: frozenset(v) for k, v in found.items()})


# The kind of change a new row of each table is for the person it names: what the insert
# triggers of migration 0015 (`change_<table>_ai`) write, one row at a time.
INSERTED = {
    "person": "identity",
    "role": "identity",
    "person_tag": "identity",
    "email": "details",
    "phone": "details",
    "link": "details",
}


@dataclass
class BulkMarks:
    """The people a block of bulk inserts wrote rows for, by kind (see `inserts_in_bulk`)."""

    kinds: dict[str, set[int]] = field(default_factory=dict)

    def add(self, table: str, people: Iterable[int]) -> None:
        """Rows were inserted into `table` (one of INSERTED) for these people."""
        self.kinds.setdefault(INSERTED[table], set()).update(people)


@contextmanager
def inserts_in_bulk(session: Session, tables: Iterable[str]) -> Iterator[BulkMarks]:
    """A block of bulk inserts into `tables` (of INSERTED) whose change-log marks are
    written once at its end, one statement for them all, instead of by a trigger per row.

    On SQLite a row trigger costs several times the insert it follows (a sub-program run
    per row), whatever its body. So there the tables' insert triggers are dropped in the
    caller's write transaction and created again, as they were, when the block ends: no
    other connection ever sees them missing, and a rollback puts them back too. The block
    tells which people it wrote rows for (`BulkMarks.add`), and each (person, kind) gets
    the next change number, as the triggers would have given it. On PostgreSQL the
    triggers run as ever (and the marks added are theirs already).
    """
    marks = BulkMarks()
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield marks
        return
    # The DDL below must be inside the write transaction, and the sqlite3 module opens one
    # only before a data change: a DROP as the transaction's first statement would commit
    # at once (and a rollback would leave the triggers dropped).
    dbapi = connection.connection.dbapi_connection
    if dbapi is not None and not dbapi.in_transaction:  # type: ignore[attr-defined]
        connection.exec_driver_sql("BEGIN")
    names = [f"change_{table}_ai" for table in tables if table in INSERTED]
    found = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        f"AND name IN ({', '.join('?' * len(names))})",
        tuple(names),
    ).all()
    for name, _sql in found:
        connection.exec_driver_sql(f"DROP TRIGGER {name}")
    try:
        yield marks
        rows = [(pid, kind) for kind, pids in marks.kinds.items() for pid in sorted(pids)]
        if rows:
            start = int(connection.execute(select(func.max(PersonChange.seq))).scalar() or 0)
            connection.exec_driver_sql(
                "INSERT INTO person_change (person_id, kind, seq) VALUES (?, ?, ?) "
                "ON CONFLICT(person_id, kind) DO UPDATE SET seq = excluded.seq",
                [(pid, kind, start + i) for i, (pid, kind) in enumerate(rows, 1)],
            )
    finally:
        for _name, sql in found:
            connection.exec_driver_sql(sql)
