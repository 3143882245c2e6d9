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

Single-user goodwill has no members: nothing here runs and every row's owner is NULL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
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
    if not store.is_sqlite:

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
        connection.exec_driver_sql(
            "SELECT set_config(%(name)s, %(value)s, true)",
            {"name": MEMBER_SETTING, "value": str(viewer.member_id) if viewer else ""},
        )

    event.listen(store.sessions, "after_begin", _set_member)


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
            "SELECT p.owner_id, p.person_id, max(i.occurred_at), "
            "(count(*) FILTER (WHERE i.occurred_at > now() - interval '365 days'))::integer, "
            "count(*)::integer "
            "FROM participant p JOIN interaction i ON i.id = p.interaction_id "
            "WHERE p.person_id = ANY(ids) AND NOT i.planned AND p.owner_id IS NOT NULL "
            "GROUP BY p.owner_id, p.person_id $$"
        )
    )
    session.execute(text(f"GRANT CREATE, USAGE ON SCHEMA {schema} TO {SHARED_ROLE}"))
    session.execute(text(f"ALTER FUNCTION {name} OWNER TO {SHARED_ROLE}"))
    session.execute(text(f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC"))
    session.execute(text(f"GRANT EXECUTE ON FUNCTION {name} TO {APP_ROLE}"))


def _schema(session: Session) -> str:
    name = session.execute(text("SELECT current_schema()")).scalar_one()
    return '"' + str(name).replace('"', '""') + '"'
