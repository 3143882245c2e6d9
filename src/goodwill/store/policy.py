"""Team mode's policy: who is reading, and which rows they may see.

goodwill keeps three tiers for every row of a team database:
- shared with the team: a person's identity (names, organisations and titles, public
  links), which members know them, a strength bucket and the month of the last contact;
- the owner decides (by default only that it happened): an interaction's date, channel,
  subject;
- always private: notes, the reciprocity ledger, flags, drafts, needs, requests, the daily
  session (the rows of `PRIVATE_TABLES`, each with an `owner_id`).

The member acting is held in a context variable (`acting_as`), so that a web request, a
command or a worker thread each carry their own. Every transaction of a team store sets
it in the database (`SET LOCAL goodwill.member`), and on PostgreSQL row-level security,
enabled and forced on every private table, lets a query see only that member's rows: the
app connects as `APP_ROLE`, which owns no table, so not even a query that forgets its
WHERE can read another member's notes. Without a member the private tables read empty.

On SQLite there is no row-level security: the policy's query filters are the enforcement.
Every statement of a team database on SQLite passes through `filter_sql`, which narrows
each read of a private table to the member's rows with the same condition as PostgreSQL's
policy, and temporary triggers hold writes to the member's own rows. On PostgreSQL that
filter is not needed, and row-level security is the wall; the SQLite filter and RLS are
tested by the same permission matrix and marker strings.

Single-user goodwill has no members: nothing here runs and every row's owner is NULL.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text

from goodwill.errors import GoodwillError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from goodwill.store.db import Store

# The always-private (and owner-decides) tables; migration 0014 gave each an owner_id.
PRIVATE_TABLES = (
    "interaction",
    "participant",
    "exchange",
    "need",
    "need_target",
    "request",
    "introduction",
    "meeting",
    "lead",
    "action_state",
)
# Each member's own figures (0018): one row per member and person, kept by triggers from
# the member's rows, read by the member only.
MEMBER_FIGURES = ("member_summary", "member_ledger")
# The role a team's app connects as: it may read and write every table, owns none of them,
# and so is held by row-level security even where a table's owner would not be (FORCE).
APP_ROLE = "goodwill_member"
# The role that owns `goodwill_team_ties`, the one way to the shared tier of other members'
# interactions (who knows whom, how strongly, the month of the last contact): row-level
# security lets it read them, and the app role can only call the function, not be it.
SHARED_ROLE = "goodwill_shared"
MEMBER_SETTING = "goodwill.member"
_MEMBER_SQL = f"NULLIF(current_setting('{MEMBER_SETTING}', true), '')::integer"
ROLES = ("admin", "member")


@dataclass(frozen=True)
class Viewer:
    """The member a command or a request acts as."""

    member_id: int
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class NotAllowed(GoodwillError):
    """The member acting may not do this (an admin's action, another member's row)."""


_viewer: ContextVar[Viewer | None] = ContextVar("goodwill_viewer", default=None)


def current() -> Viewer | None:
    """The member acting, or None (single-user goodwill, or nobody signed in)."""
    return _viewer.get()


@contextmanager
def acting_as(viewer: Viewer | None) -> Iterator[None]:
    """Run the block as `viewer`: every transaction begun inside reads as that member."""
    token = _viewer.set(viewer)
    try:
        yield
    finally:
        _viewer.reset(token)


def set_viewer(viewer: Viewer | None) -> None:
    """Act as `viewer` for the rest of this context (a command's whole run)."""
    _viewer.set(viewer)


def member_key(key: str) -> str:
    """A personal setting's key (your profile, your daily time): in a team, the member's
    own (`key~mID`), so that each member keeps theirs; single-user goodwill's as it is."""
    viewer = _viewer.get()
    return key if viewer is None else f"{key}~m{viewer.member_id}"


def require_admin() -> Viewer:
    viewer = current()
    if viewer is None or not viewer.is_admin:
        raise NotAllowed("only a team admin can do that")
    return viewer


def may_see_private(owner_id: int | None) -> bool:
    """Whether the member acting may see a private row owned by `owner_id`: its owner only
    (a row without owner is single-user goodwill's, seen when nobody is acting)."""
    viewer = current()
    if viewer is None:
        return owner_id is None
    return owner_id == viewer.member_id


def is_team(session: Session) -> bool:
    """Whether the database is a team's (`goodwill team init` was run on it)."""
    return session.execute(text("SELECT 1 FROM team_member LIMIT 1")).first() is not None


def attach(store: Store) -> None:
    """Make every transaction of `store` act as the member of its context: on PostgreSQL
    as the app role, with the member set for the transaction (row-level security reads it).
    Connections already open are closed, so that none escapes the role."""
    if getattr(store, "_team_attached", False):
        return
    store._team_attached = True  # type: ignore[attr-defined]
    if store.is_sqlite:

        def _through_policy(_dialect: Any, _record: Any, _args: Any, cparams: Any) -> None:
            cparams["factory"] = _PolicyConnection

        event.listen(store.engine, "do_connect", _through_policy)
        event.listen(store.engine, "connect", lambda conn, _record: _sqlite_guards(conn))
        store.engine.dispose()
    else:

        def _as_app_role(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET ROLE {APP_ROLE}")
            dbapi_conn.commit()

        event.listen(store.engine, "connect", _as_app_role)
        store.engine.dispose()

    def _set_member(_session: Session, _transaction: Any, connection: Any) -> None:
        if connection.dialect.name != "postgresql":
            return
        viewer = _viewer.get()
        if viewer is None:
            # Nobody acting: nothing to set. The member is set per transaction (is_local),
            # so none is left over from an earlier one on this connection: the private
            # tables read empty, as they must (and the sign-in check saves a round trip).
            return
        connection.exec_driver_sql(
            "SELECT set_config(%(name)s, %(value)s, true)",
            {"name": MEMBER_SETTING, "value": str(viewer.member_id)},
        )

    event.listen(store.sessions, "after_begin", _set_member)
    event.listen(store.sessions, "before_flush", _take_person_notes)
    event.listen(store.sessions, "after_flush_postexec", _write_person_notes)


# A person's notes are private in a team: the shared person row keeps none. A note written
# to it as a member (a command, a page, an import) becomes a note in that member's own
# history with the person (an interaction of kind "note", owned by them), seen by no one else.
_NOTES_KEY = "goodwill_person_notes"


def _take_person_notes(session: Session, _context: Any, _instances: Any) -> None:
    if _viewer.get() is None:
        return
    from goodwill.store.models import Person

    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Person) and obj.notes:
            session.info.setdefault(_NOTES_KEY, []).append((obj, obj.notes.strip()))
            obj.notes = None


def _write_person_notes(session: Session, _context: Any) -> None:
    pending = session.info.pop(_NOTES_KEY, [])
    if not pending:
        return
    import datetime as dt

    from goodwill.store.models import Interaction, Participant

    for person, note in pending:
        item = Interaction(occurred_at=dt.datetime.now().replace(microsecond=0), kind="note",
                           summary=note, source="person note")  # fmt: skip
        item.participants.append(Participant(person_id=person.id))
        session.add(item)


# --- SQLite: the policy's query filters are the enforcement -------------------------------
# SQLite has no row-level security. A team database on SQLite opens its connections through
# `_PolicyConnection`, which rewrites every statement before SQLite sees it: each private
# table read in a FROM or JOIN becomes that table filtered to the member acting, the same
# condition as PostgreSQL's policy. It sits under SQLAlchemy and under the code that talks
# to the driver directly, so no read path escapes it. Writes are held by temporary
# triggers: a new private row must be the member's own, and updating or deleting another
# member's row does nothing (as under row-level security). On PostgreSQL the same rules
# hold twice: the queries, then row-level security as the second wall.

_OWN = "owner_id = {m}"
_SQLITE_SEEN = {
    **{table: _OWN for table in (*PRIVATE_TABLES, *MEMBER_FIGURES)},
    "search_doc": "(kind <> 'interaction' OR owner_id = {m})",
    "team_intro": "{m} IN (from_member, to_member)",
}
_unfiltered: ContextVar[bool] = ContextVar("goodwill_unfiltered", default=False)
_TOKEN = re.compile(
    r"""\s+|--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]"""
    r"""|[A-Za-z_][\w$]*|\d+(?:\.\d*)?|[?:@$]\w*|\S""",
    re.S,
)
# Words after a table that are not its alias.
_NOT_ALIAS = frozenset(
    (
        "where", "join", "on", "using", "left", "right", "full", "inner", "outer", "cross",
        "natural", "group", "order", "limit", "having", "window", "union", "except", "intersect",
        "returning", "set", "values", "as", "indexed", "not", "and", "or",
    )
)
_END_FROM = frozenset(
    (
        "where", "group", "order", "limit", "having", "window", "union", "except", "intersect",
        "returning", "set", "values", "select",
    )
)


def _member_sql() -> str:
    viewer = _viewer.get()
    return str(viewer.member_id) if viewer is not None else "NULL"


@lru_cache(maxsize=2048)
def filter_sql(sql: str, member: str) -> str:
    """`sql` with every read of a private table (FROM/JOIN/comma) narrowed to `member`'s
    rows (a number, or NULL for nobody): what row-level security does on PostgreSQL."""
    head = sql.lstrip()[:8].lower()
    if head.startswith(("create", "drop", "alter", "pragma")):
        return sql
    tokens = _TOKEN.findall(sql)
    words = [t.lower() if t[:1].isalpha() or t[:1] == "_" else t for t in tokens]
    out: list[str] = []
    # Per parenthesis depth: (in a FROM clause, a table name may come next).
    stack = [[False, False]]
    last_word = ""
    changed = False
    for i, tok in enumerate(tokens):
        if tok.isspace() or tok.startswith(("--", "/*")):
            out.append(tok)
            continue
        word = words[i]
        state = stack[-1]
        expect, state[1] = state[1], False
        if tok == "(":
            stack.append([False, False])
        elif tok == ")":
            if len(stack) > 1:
                stack.pop()
        elif word == "from":
            state[0] = last_word != "delete"
            state[1] = state[0]
        elif (word == "join" and state[0]) or (tok == "," and state[0]):
            state[1] = True
        elif word in _END_FROM:
            state[0] = False
        name = tok[1:-1].lower() if tok[:1] == '"' else word
        if expect and name in _SQLITE_SEEN and not _qualified_or_called(tokens, i):
            follow = _next_word(tokens, words, i)
            alias = "" if (follow and follow not in _NOT_ALIAS) or follow == "as" else f" AS {tok}"
            cond = _SQLITE_SEEN[name].format(m=member)
            out.append(f"(SELECT * FROM {tok} WHERE {cond}){alias}")
            changed = True
        else:
            out.append(tok)
        if tok[:1].isalpha():
            last_word = word
    return "".join(out) if changed else sql


def _next_word(tokens: list[str], words: list[str], i: int) -> str | None:
    for j in range(i + 1, len(tokens)):
        tok = tokens[j]
        if tok.isspace() or tok.startswith(("--", "/*")):
            continue
        return words[j] if tok[:1].isalpha() or tok[:1] in '_"' else None
    return None


def _qualified_or_called(tokens: list[str], i: int) -> bool:
    """A schema's name (main.x), a function's (x(...)) or a column's (x.y) rather than a
    table's: left alone."""
    for j in range(i + 1, len(tokens)):
        if not tokens[j].isspace():
            return tokens[j] in (".", "(")
    return False


def _filtered(sql: str) -> str:
    if _unfiltered.get():
        return sql
    return filter_sql(sql, _member_sql())


class _PolicyCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _PolicyCursor:
        return super().execute(_filtered(sql), parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _PolicyCursor:
        return super().executemany(_filtered(sql), seq_of_parameters)


class _PolicyConnection(sqlite3.Connection):
    def cursor(self, factory: Any = _PolicyCursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Any:  # type: ignore[override]
        return self.cursor().executemany(sql, parameters)


@contextmanager
def unfiltered() -> Iterator[None]:
    """Read past the policy's filters (SQLite): only for the shared tier of other members'
    rows, as `goodwill_team_ties` does on PostgreSQL. Never for a page's own reads."""
    token = _unfiltered.set(True)
    try:
        yield
    finally:
        _unfiltered.reset(token)


def _sqlite_member() -> int | None:
    viewer = _viewer.get()
    return viewer.member_id if viewer is not None else None


def _sqlite_guards(dbapi_conn: sqlite3.Connection) -> None:
    """The write half of the policy on one SQLite connection (temporary triggers: they live
    and die with the connection, and single-user goodwill never sees them)."""
    dbapi_conn.create_function("goodwill_member", 0, _sqlite_member)
    for table in PRIVATE_TABLES:
        mine = "OLD.owner_id IS goodwill_member()"
        dbapi_conn.executescript(
            f"CREATE TEMP TRIGGER IF NOT EXISTS gw_new_{table} BEFORE INSERT ON main.{table} "
            f"WHEN NEW.owner_id IS NOT goodwill_member() BEGIN "
            f"SELECT RAISE(ABORT, 'new row violates row-level security policy for {table}'); "
            f"END;"
            f"CREATE TEMP TRIGGER IF NOT EXISTS gw_set_{table} BEFORE UPDATE ON main.{table} "
            f"WHEN NOT ({mine}) BEGIN SELECT RAISE(IGNORE); END;"
            f"CREATE TEMP TRIGGER IF NOT EXISTS gw_del_{table} BEFORE DELETE ON main.{table} "
            f"WHEN NOT ({mine}) BEGIN SELECT RAISE(IGNORE); END;"
        )


def lock_private_rows(session: Session) -> None:
    """PostgreSQL: the app role and row-level security, enabled and forced, on every
    private table (run by `goodwill team init`, as the tables' owner). New rows are owned
    by the member of their transaction. Idempotent."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for role in (APP_ROLE, SHARED_ROLE):
        session.execute(
            text(
                "DO $$ BEGIN "
                f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
                f"CREATE ROLE {role} NOLOGIN; END IF; END $$"
            )
        )
        # The user goodwill connects as must be able to become the app role and to give
        # the shared role its function (a superuser can).
        session.execute(
            text(
                "DO $$ BEGIN "
                f"IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN "
                f"EXECUTE 'GRANT {role} TO ' || quote_ident(current_user); END IF; END $$"
            )
        )
    schema = _schema(session)
    session.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {APP_ROLE}"))
    session.execute(
        text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {APP_ROLE}")
    )
    session.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {APP_ROLE}"))
    for table in (*PRIVATE_TABLES, "search_doc"):
        own = f"owner_id = {_MEMBER_SQL}"
        # People's and organisations' words are the team's; an interaction's its owner's.
        seen = f"kind <> 'interaction' OR {own}" if table == "search_doc" else own
        if table in ("participant", "interaction"):
            session.execute(text(f"GRANT SELECT ON {table} TO {SHARED_ROLE}"))
            # A policy of its own, for that role only: the app role's policy stays a plain
            # owner_id = member, which PostgreSQL can read from an index.
            session.execute(text(f"DROP POLICY IF EXISTS goodwill_shared_read ON {table}"))
            session.execute(
                text(
                    f"CREATE POLICY goodwill_shared_read ON {table} FOR SELECT "
                    f"TO {SHARED_ROLE} USING (true)"
                )
            )
        session.execute(
            text(f"ALTER TABLE {table} ALTER COLUMN owner_id SET DEFAULT {_MEMBER_SQL}")
        )
        session.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        session.execute(text(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY"))
        session.execute(text(f"DROP POLICY IF EXISTS goodwill_owner ON {table}"))
        session.execute(
            text(f"CREATE POLICY goodwill_owner ON {table} USING ({seen}) WITH CHECK ({seen})")
        )

    for table in MEMBER_FIGURES:
        own = f"owner_id = {_MEMBER_SQL}"
        session.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        session.execute(text(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY"))
        session.execute(text(f"DROP POLICY IF EXISTS goodwill_owner ON {table}"))
        session.execute(
            text(f"CREATE POLICY goodwill_owner ON {table} USING ({own}) WITH CHECK ({own})")
        )

    # A member's days with an interaction (the streak) read from an index of their own:
    # the single user's index would walk every member's rows to find one member's next day.
    session.execute(
        text(
            "CREATE INDEX IF NOT EXISTS ix_interaction_owner_day ON interaction "
            "(owner_id, (date(occurred_at))) WHERE planned = false"
        )
    )
    two = f"{_MEMBER_SQL} IN (from_member, to_member)"
    session.execute(text("ALTER TABLE team_intro ENABLE ROW LEVEL SECURITY"))
    session.execute(text("ALTER TABLE team_intro FORCE ROW LEVEL SECURITY"))
    session.execute(text("DROP POLICY IF EXISTS goodwill_two ON team_intro"))
    session.execute(
        text(f"CREATE POLICY goodwill_two ON team_intro USING ({two}) WITH CHECK ({two})")
    )
    _team_ties(session, schema)


def _team_ties(session: Session, schema: str) -> None:
    """`goodwill_team_ties(ids)`: per member and person among `ids`, when they were last in
    touch and how often (all time, the last year); nothing else of an interaction."""
    name = f"{schema}.goodwill_team_ties(integer[])"
    session.execute(
        text(
            f"CREATE OR REPLACE FUNCTION {schema}.goodwill_team_ties(ids integer[]) "
            "RETURNS TABLE(member_id integer, person_id integer, last_at timestamp, "
            "recent integer, total integer) "
            f"LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$ "
            # From the participant rows alone: their copies of the interaction's day
            # (a Julian day number) and planned flag (migration 0002) spare a join.
            "SELECT p.owner_id, p.person_id, "
            "(to_timestamp((max(p.day) - 2440587.5) * 86400) AT TIME ZONE 'UTC')::timestamp, "
            "(count(*) FILTER (WHERE p.day > "
            "extract(epoch FROM now()) / 86400 + 2440587.5 - 365))::integer, "
            "count(*)::integer "
            "FROM participant p "
            "WHERE p.person_id = ANY(ids) AND NOT p.planned AND p.owner_id IS NOT NULL "
            "GROUP BY p.owner_id, p.person_id $$"
        )
    )
    shared = (
        "coalesce((SELECT value FROM setting WHERE key = 'team.share.i' || i.id), "
        "(SELECT value FROM setting WHERE key = 'team.share~m' || t.owner_id), '')"
    )
    session.execute(
        text(
            f"CREATE OR REPLACE FUNCTION {schema}.goodwill_team_details(ids integer[], "
            "latest integer) RETURNS TABLE(member_id integer, person_id integer, "
            "interaction_id integer, occurred_at timestamp, kind text, summary text) "
            f"LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$ "
            "SELECT t.owner_id, t.person_id, i.id, "
            "CASE WHEN x.v LIKE '%date%' THEN i.occurred_at END, "
            "CASE WHEN x.v LIKE '%channel%' THEN i.kind::text END, "
            "CASE WHEN x.v LIKE '%subject%' THEN i.summary END "
            # The latest per member and person from the participant rows alone (their day
            # copies the interaction's), then only those interactions and choices read.
            "FROM (SELECT p.owner_id, p.person_id, p.interaction_id, row_number() OVER "
            "(PARTITION BY p.owner_id, p.person_id ORDER BY p.day DESC, p.interaction_id DESC) "
            "AS n FROM participant p "
            "WHERE p.person_id = ANY(ids) AND NOT p.planned AND p.owner_id IS NOT NULL) t "
            # One interaction read by its key per row kept (OFFSET 0 keeps it a lateral
            # lookup): a plain join let the planner hash the whole interaction table.
            "CROSS JOIN LATERAL (SELECT i.id, i.occurred_at, i.kind, i.summary "
            "FROM interaction i WHERE i.id = t.interaction_id OFFSET 0) i "
            f"CROSS JOIN LATERAL (SELECT {shared} AS v) x "
            "WHERE t.n <= latest ORDER BY i.occurred_at DESC, i.id DESC $$"
        )
    )
    session.execute(text(f"GRANT SELECT ON setting TO {SHARED_ROLE}"))
    session.execute(text(f"GRANT CREATE, USAGE ON SCHEMA {schema} TO {SHARED_ROLE}"))
    session.execute(text(f"DROP FUNCTION IF EXISTS {schema}.goodwill_team_details(integer[])"))
    for fn in (name, f"{schema}.goodwill_team_details(integer[], integer)"):
        session.execute(text(f"ALTER FUNCTION {fn} OWNER TO {SHARED_ROLE}"))
        session.execute(text(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC"))
        session.execute(text(f"GRANT EXECUTE ON FUNCTION {fn} TO {APP_ROLE}"))


def team_ties(session: Session, ids: list[int]) -> list[Any]:
    """Per member and person among `ids`: (member_id, person_id, last_at, recent, total),
    the shared tier of every member's interactions and nothing else of them."""
    if not ids:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.execute(
                text(
                    "SELECT member_id, person_id, last_at, recent, total "
                    "FROM goodwill_team_ties(:ids)"
                ),
                {"ids": ids},
            ).all()
        )
    import datetime as dt

    from sqlalchemy import case, func, select

    from goodwill.store.models import Interaction, Participant

    since = dt.datetime.now() - dt.timedelta(days=365)
    stmt = (
        select(
            Participant.owner_id.label("member_id"),
            Participant.person_id,
            func.max(Interaction.occurred_at).label("last_at"),
            func.sum(case((Interaction.occurred_at > since, 1), else_=0)).label("recent"),
            func.count().label("total"),
        )
        .join(Interaction, Interaction.id == Participant.interaction_id)
        .where(
            Participant.person_id.in_(ids),
            Interaction.planned.is_(False),
            Participant.owner_id.is_not(None),
        )
        .group_by(Participant.owner_id, Participant.person_id)
    )
    with unfiltered():
        return list(session.execute(stmt).all())


# What of an interaction its owner shows the team (besides that it happened): a member's
# choice for all their interactions (the setting `team.share`, per member), or one
# interaction's (`team.share.iID`), each a comma-separated subset of SHARE_FIELDS.
SHARE_FIELDS = ("date", "channel", "subject")
SHARE_KEY = "team.share"


def team_details(session: Session, ids: list[int], latest: int = 3) -> list[Any]:
    """Each member's `latest` interactions with each of the people among `ids`, newest
    first, as (member_id, person_id, interaction_id, occurred_at, kind, summary) with only
    what its owner shares (None for the rest)."""
    if not ids:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.execute(
                text(
                    "SELECT member_id, person_id, interaction_id, occurred_at, kind, summary "
                    "FROM goodwill_team_details(:ids, :latest)"
                ),
                {"ids": ids, "latest": latest},
            ).all()
        )
    from sqlalchemy import func, select

    from goodwill.store.models import Interaction, Participant, Setting

    newest = (
        func.row_number()
        .over(
            partition_by=(Participant.owner_id, Participant.person_id),
            order_by=(Interaction.occurred_at.desc(), Interaction.id.desc()),
        )
        .label("n")
    )
    inner = (
        select(
            Participant.owner_id,
            Participant.person_id,
            Interaction.id,
            Interaction.occurred_at,
            Interaction.kind,
            Interaction.summary,
            newest,
        )
        .join(Interaction, Interaction.id == Participant.interaction_id)
        .where(
            Participant.person_id.in_(ids),
            Interaction.planned.is_(False),
            Participant.owner_id.is_not(None),
        )
        .subquery()
    )
    stmt = (
        select(*[c for c in inner.c if c.name != "n"])
        .where(inner.c.n <= latest)
        .order_by(inner.c.occurred_at.desc(), inner.c.id.desc())
    )
    with unfiltered():
        rows = session.execute(stmt).all()
        keys = [f"{SHARE_KEY}.i{r[2]}" for r in rows] + [
            f"{SHARE_KEY}~m{m}" for m in {r[0] for r in rows}
        ]
        shares = dict(
            session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(keys))).all()
        ) if keys else {}  # fmt: skip
    out = []
    for member, person, iid, at, kind, summary in rows:
        v = shares.get(f"{SHARE_KEY}.i{iid}", shares.get(f"{SHARE_KEY}~m{member}", ""))
        out.append(
            _Detail(member, person, iid, at if "date" in v else None,
                    kind if "channel" in v else None, summary if "subject" in v else None)
        )  # fmt: skip
    return out


@dataclass(frozen=True)
class _Detail:
    member_id: int
    person_id: int
    interaction_id: int
    occurred_at: Any
    kind: str | None
    summary: str | None


def _schema(session: Session) -> str:
    name = session.execute(text("SELECT current_schema()")).scalar_one()
    return '"' + str(name).replace('"', '""') + '"'
