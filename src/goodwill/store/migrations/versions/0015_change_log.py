"""change log: one row per person and kind of change, on every table a figure reads

`person_change` (0005) said whose history or identity changed, for the daily session
only; the web app learnt of other changes through ORM listeners, a probe of the facts and
checksums. Now every table a derived figure reads has a trigger writing here, whoever
writes (the CLI, the web app, a sync, another process, plain SQL), so the change log is
the one way derived data learns of a change. One row per (person, kind), with the number
of the latest change:

- history: participant, exchange, request, introduction rows, an edited interaction;
- identity: the person row, roles, tags;
- details: emails, phones, links;
- knows: knows-edges (both people);
- settings (person 0, everyone): circle cadences, settings, needs, organisations;
- presence (person 0): someone removed, restored, deleted or made "me" (their contacts'
  mutual-contact counts change);
- names (person 0): tag names (shown in everyone's list rows);
- actions (person 0): the daily session's action states (done, snoozed, skipped);
- other (person 0): meetings and leads (no derived figure per person reads them);
- edges (person 0): evidence between two people still there taken away or moved: a
  knows-edge changed in place or deleted, a participation deleted or moved (the paths'
  graph is extended for added evidence, and for a merge, which retires the merged person
  before moving their rows; it is rebuilt for these).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# (table, person columns, kind): each row marks its people (old and new values).
PERSONAL = (
    ("participant", ("person_id",), "history"),
    ("exchange", ("person_id",), "history"),
    ("request", ("person_id", "referred_to_id"), "history"),
    ("introduction", ("a_id", "b_id"), "history"),
    ("person", ("id",), "identity"),
    ("role", ("person_id",), "identity"),
    ("person_tag", ("person_id",), "identity"),
    ("email", ("person_id",), "details"),
    ("phone", ("person_id",), "details"),
    ("link", ("person_id",), "details"),
    ("knows", ("a_id", "b_id"), "knows"),
)
# (table, kind, events) of the tables whose change concerns everyone (person 0). A new
# organisation or tag names nobody yet (the role or tag row that uses it marks its person).
_ALL = ("INSERT", "DELETE", "UPDATE")
EVERYONE = (
    ("circle_setting", "settings", _ALL),
    ("setting", "settings", _ALL),
    ("need", "settings", _ALL),
    ("need_target", "settings", _ALL),
    ("organization", "settings", ("DELETE", "UPDATE")),
    ("tag", "names", ("DELETE", "UPDATE")),
    ("action_state", "actions", _ALL),
    ("meeting", "other", _ALL),
    ("lead", "other", _ALL),
)
# 0005's triggers, replaced here.
OLD_PERSONAL = ("participant", "exchange", "request", "person", "role", "person_tag")
OLD_EVERYONE = ("circle_setting", "setting", "need", "organization")


def _drop_0005() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in OLD_PERSONAL:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS person_change_{table}_{suffix}")
        for table in OLD_EVERYONE:
            for suffix in ("i", "d", "u"):
                op.execute(f"DROP TRIGGER IF EXISTS person_change_{table}_{suffix}")
        op.execute("DROP TRIGGER IF EXISTS person_change_interaction_au")
    else:
        for table in (*OLD_PERSONAL, *OLD_EVERYONE, "interaction"):
            op.execute(f"DROP TRIGGER IF EXISTS person_change_{table} ON {table}")
        for name in ("activity", "identity", "everyone", "interaction"):
            op.execute(f"DROP FUNCTION IF EXISTS person_change_{name}()")
    op.drop_table("person_change")


def _sqlite_mark(person: str, kind: str, *, select_from: str = "") -> str:
    """One keyed upsert: bulk imports stay fast, the table stays one row per person and kind.
    On SQLite one writer commits at a time, so numbers follow commits."""
    nxt = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM person_change)"
    tail = "ON CONFLICT(person_id, kind) DO UPDATE SET seq = excluded.seq;"
    if select_from:  # INSERT ... SELECT needs a WHERE before ON CONFLICT in SQLite
        return (
            f"INSERT INTO person_change (person_id, kind, seq) "
            f"SELECT {person}, '{kind}', {nxt} {select_from} AND true {tail}"
        )
    return (
        f"INSERT INTO person_change (person_id, kind, seq) "
        f"SELECT {person}, '{kind}', {nxt} WHERE {person} IS NOT NULL {tail}"
    )


# Neither end of the old edge is a removed person (a removed person is out of the graph).
_BOTH_THERE = (
    "NOT EXISTS (SELECT 1 FROM person WHERE id IN (OLD.a_id, OLD.b_id) AND removed_at IS NOT NULL)"
)


# The old participation's person is not a removed person.
_THERE = "NOT EXISTS (SELECT 1 FROM person WHERE id = OLD.person_id AND removed_at IS NOT NULL)"


def _sqlite() -> None:
    for table, columns, kind in PERSONAL:
        new = " ".join(_sqlite_mark(f"NEW.{c}", kind) for c in columns)
        old = " ".join(_sqlite_mark(f"OLD.{c}", kind) for c in columns)
        op.execute(f"CREATE TRIGGER change_{table}_ai AFTER INSERT ON {table} BEGIN {new} END")
        op.execute(f"CREATE TRIGGER change_{table}_ad AFTER DELETE ON {table} BEGIN {old} END")
        op.execute(
            f"CREATE TRIGGER change_{table}_au AFTER UPDATE ON {table} BEGIN {old} {new} END"
        )
    for table, kind, events in EVERYONE:
        everyone = _sqlite_mark("0", kind)
        for event in events:
            op.execute(
                f"CREATE TRIGGER change_{table}_{event[0].lower()} AFTER {event} ON {table} "
                f"BEGIN {everyone} END"
            )
    presence = _sqlite_mark("0", "presence")
    op.execute(
        "CREATE TRIGGER change_person_presence_u AFTER UPDATE OF removed_at, is_me ON person "
        "WHEN OLD.removed_at IS NOT NEW.removed_at OR OLD.is_me IS NOT NEW.is_me "
        f"BEGIN {presence} END"
    )
    op.execute(
        f"CREATE TRIGGER change_person_presence_d AFTER DELETE ON person BEGIN {presence} END"
    )
    edges = _sqlite_mark("0", "edges")
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER change_knows_edges_{event[0].lower()} AFTER {event} ON knows "
            f"WHEN {_BOTH_THERE} BEGIN {edges} END"
        )
    op.execute(
        "CREATE TRIGGER change_participant_edges_d AFTER DELETE ON participant "
        f"WHEN {_THERE} BEGIN {edges} END"
    )
    op.execute(
        "CREATE TRIGGER change_participant_edges_u AFTER UPDATE OF person_id, interaction_id "
        f"ON participant WHEN {_THERE} BEGIN {edges} END"
    )
    mark = _sqlite_mark(
        "person_id", "history", select_from="FROM participant WHERE interaction_id = NEW.id"
    )
    op.execute(f"CREATE TRIGGER change_interaction_au AFTER UPDATE ON interaction BEGIN {mark} END")


# On PostgreSQL a number is taken when a change is written, not when it commits, so each
# row also names its transaction: a reader keeps the oldest transaction still running when
# it read (`goodwill.store.changes.Mark`) and reads again whatever such transactions wrote.
_PG_DECLARE = (
    "DECLARE s bigint := nextval('person_change_seq'); "
    "x bigint := pg_current_xact_id()::text::bigint; BEGIN "
)
_PG_UPSERT = (
    "INSERT INTO person_change (person_id, kind, seq, xid) VALUES ({p}, {k}, s, x) "
    "ON CONFLICT (person_id, kind) DO UPDATE SET seq = excluded.seq, xid = excluded.xid;"
)


def _postgresql() -> None:
    op.execute("CREATE SEQUENCE IF NOT EXISTS person_change_seq")
    # TG_ARGV[0]: the kind; the others: the person columns of the row.
    old = _PG_UPSERT.format(p="(to_jsonb(OLD) ->> TG_ARGV[i])::int", k="TG_ARGV[0]")
    new = _PG_UPSERT.format(p="(to_jsonb(NEW) ->> TG_ARGV[i])::int", k="TG_ARGV[0]")
    op.execute(
        f"CREATE FUNCTION change_mark() RETURNS trigger AS $$ {_PG_DECLARE}"
        "FOR i IN 1 .. TG_NARGS - 1 LOOP "
        "IF TG_OP <> 'INSERT' AND to_jsonb(OLD) ->> TG_ARGV[i] IS NOT NULL THEN "
        f"{old} END IF; "
        "IF TG_OP <> 'DELETE' AND to_jsonb(NEW) ->> TG_ARGV[i] IS NOT NULL THEN "
        f"{new} END IF; "
        "END LOOP; RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    for table, columns, kind in PERSONAL:
        args = ", ".join(f"'{a}'" for a in (kind, *columns))
        op.execute(
            f"CREATE TRIGGER change_{table} AFTER INSERT OR DELETE OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION change_mark({args})"
        )
    op.execute(
        f"CREATE FUNCTION change_everyone() RETURNS trigger AS $$ {_PG_DECLARE}"
        f"{_PG_UPSERT.format(p='0', k='TG_ARGV[0]')} RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    for table, kind, events in EVERYONE:
        op.execute(
            f"CREATE TRIGGER change_{table} AFTER {' OR '.join(events)} ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION change_everyone('{kind}')"
        )
    op.execute(
        "CREATE TRIGGER change_person_presence_u AFTER UPDATE OF removed_at, is_me ON person "
        "FOR EACH ROW WHEN (OLD.removed_at IS DISTINCT FROM NEW.removed_at "
        "OR OLD.is_me IS DISTINCT FROM NEW.is_me) EXECUTE FUNCTION change_everyone('presence')"
    )
    op.execute(
        "CREATE TRIGGER change_person_presence_d AFTER DELETE ON person "
        "FOR EACH STATEMENT EXECUTE FUNCTION change_everyone('presence')"
    )
    op.execute(
        f"CREATE FUNCTION change_edges() RETURNS trigger AS $$ {_PG_DECLARE}"
        f"IF {_BOTH_THERE} THEN {_PG_UPSERT.format(p='0', k=repr('edges'))} END IF; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER change_knows_edges AFTER UPDATE OR DELETE ON knows "
        "FOR EACH ROW EXECUTE FUNCTION change_edges()"
    )
    op.execute(
        f"CREATE FUNCTION change_participation() RETURNS trigger AS $$ {_PG_DECLARE}"
        f"IF {_THERE} THEN {_PG_UPSERT.format(p='0', k=repr('edges'))} END IF; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER change_participant_edges AFTER DELETE OR UPDATE OF person_id, "
        "interaction_id ON participant FOR EACH ROW EXECUTE FUNCTION change_participation()"
    )
    op.execute(
        f"CREATE FUNCTION change_interaction() RETURNS trigger AS $$ {_PG_DECLARE}"
        "INSERT INTO person_change (person_id, kind, seq, xid) "
        "SELECT person_id, 'history', s, x FROM participant WHERE interaction_id = NEW.id "
        "ON CONFLICT (person_id, kind) DO UPDATE SET seq = excluded.seq, xid = excluded.xid; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER change_interaction AFTER UPDATE ON interaction "
        "FOR EACH ROW EXECUTE FUNCTION change_interaction()"
    )


def _create_table() -> None:
    op.create_table(
        "person_change",
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("xid", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("person_id", "kind"),
    )
    op.create_index("ix_person_change_seq", "person_change", ["seq"])
    op.create_index("ix_person_change_xid", "person_change", ["xid"])


def upgrade() -> None:
    _drop_0005()
    _create_table()
    if op.get_bind().dialect.name == "sqlite":
        _sqlite()
    else:
        _postgresql()
    # Whatever was kept before this revision was kept by other rules: everyone changed.
    op.execute("INSERT INTO person_change (person_id, kind, seq) VALUES (0, 'settings', 1)")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("SELECT setval('person_change_seq', 1)")


def _triggers() -> list[tuple[str, str]]:
    """(trigger, table) of this revision."""
    out = [(f"change_{t}", t) for t, _, _ in PERSONAL]
    out += [(f"change_{t}", t) for t, _, _ in EVERYONE]
    out += [("change_person_presence_u", "person"), ("change_person_presence_d", "person")]
    out += [("change_knows_edges", "knows"), ("change_participant_edges", "participant")]
    return [*out, ("change_interaction", "interaction")]


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, _, _ in PERSONAL:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS change_{table}_{suffix}")
        for table, _, _ in EVERYONE:
            for suffix in ("i", "d", "u"):
                op.execute(f"DROP TRIGGER IF EXISTS change_{table}_{suffix}")
        names = ("person_presence_u", "person_presence_d", "interaction_au")
        edges = ("knows_edges_u", "knows_edges_d", "participant_edges_u", "participant_edges_d")
        for name in (*names, *edges):
            op.execute(f"DROP TRIGGER IF EXISTS change_{name}")
    else:
        for name, table in _triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        functions = ("change_everyone", "change_interaction", "change_edges")
        for fn in ("change_mark", *functions, "change_participation"):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}()")
        op.execute("DROP SEQUENCE IF EXISTS person_change_seq")
    op.drop_index("ix_person_change_xid", table_name="person_change")
    op.drop_index("ix_person_change_seq", table_name="person_change")
    op.drop_table("person_change")
    # 0005's table and triggers come back empty: its readers start from nothing.
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("0005_person_change.py")
    spec = importlib.util.spec_from_file_location("goodwill_migration_0005", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.upgrade()
