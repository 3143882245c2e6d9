"""agenda: whose data changed, and when, kept by triggers

A figure kept between commands (today's agenda) must know whose facts moved since it was
computed, to recompute only those people. `person_change` holds one row per person who
changed: `seq` grows with every change (any table the daily session reads: their person
row, roles, tags, interactions, exchanges, requests), `identity_seq` only with a change of
who they are (person row, roles, tags), which can change what others' actions say about
them. Person 0 stands for everyone (circle cadences, settings, needs, organisations).
One keyed upsert per written row, so the table stays one row per person and bulk imports
stay fast; `goodwill.store.changes` reads it.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, the person column, whether it says who they are); person 0 is everyone.
ACTIVITY = (("participant", "person_id"), ("exchange", "person_id"), ("request", "person_id"))
IDENTITY = (("person", "id"), ("role", "person_id"), ("person_tag", "person_id"))
EVERYONE = ("circle_setting", "setting", "need", "organization")
# Interaction columns read by the session and not copied to participant rows (0002).
INTERACTION_WATCHED = "follow_up_on, follow_up_note"


def _sqlite_mark(person: str, identity: bool, *, select_from: str = "") -> str:
    nxt = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM person_change)"
    ident = nxt if identity else "0"
    update = "seq = excluded.seq" + (", identity_seq = excluded.identity_seq" if identity else "")
    if select_from:  # INSERT ... SELECT needs a WHERE before ON CONFLICT in SQLite
        return (
            f"INSERT INTO person_change (person_id, seq, identity_seq) "
            f"SELECT {person}, {nxt}, {ident} {select_from} AND true "
            f"ON CONFLICT(person_id) DO UPDATE SET {update};"
        )
    return (
        f"INSERT INTO person_change (person_id, seq, identity_seq) "
        f"VALUES ({person}, {nxt}, {ident}) ON CONFLICT(person_id) DO UPDATE SET {update};"
    )


def _sqlite() -> None:
    for table, col, identity in [(t, c, False) for t, c in ACTIVITY] + [
        (t, c, True) for t, c in IDENTITY
    ]:
        new, old = _sqlite_mark(f"NEW.{col}", identity), _sqlite_mark(f"OLD.{col}", identity)
        op.execute(
            f"CREATE TRIGGER person_change_{table}_ai AFTER INSERT ON {table} BEGIN {new} END"
        )
        op.execute(
            f"CREATE TRIGGER person_change_{table}_ad AFTER DELETE ON {table} BEGIN {old} END"
        )
        op.execute(
            f"CREATE TRIGGER person_change_{table}_au AFTER UPDATE ON {table} BEGIN {old} {new} END"
        )
    everyone = _sqlite_mark("0", True)
    for table in EVERYONE:
        for event in ("INSERT", "DELETE", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER person_change_{table}_{event[0].lower()} AFTER {event} ON {table} "
                f"BEGIN {everyone} END"
            )
    mark = _sqlite_mark(
        "person_id", False, select_from="FROM participant WHERE interaction_id = NEW.id"
    )
    op.execute(
        f"CREATE TRIGGER person_change_interaction_au AFTER UPDATE OF {INTERACTION_WATCHED} "
        f"ON interaction BEGIN {mark} END"
    )


# On PostgreSQL a number is taken when a change is written, not when it commits, so each
# row also names its transaction: a reader keeps the oldest transaction still running when
# it read (`goodwill.store.changes.Mark`) and reads again whatever such transactions wrote.
_PG_DECLARE = "DECLARE s bigint := nextval('person_change_seq'); x bigint := " + (
    "pg_current_xact_id()::text::bigint; BEGIN "
)


def _postgresql() -> None:
    op.execute("CREATE SEQUENCE person_change_seq")
    upsert = (
        "INSERT INTO person_change (person_id, seq, identity_seq, xid, identity_xid) "
        "VALUES ({p}, s, {i}, x, {ix}) "
        "ON CONFLICT (person_id) DO UPDATE SET seq = excluded.seq, xid = excluded.xid{u};"
    )
    for identity in (False, True):
        name = "identity" if identity else "activity"
        ins = upsert.format(
            p="{p}",
            i="s" if identity else "0",
            ix="x" if identity else "0",
            u=", identity_seq = excluded.identity_seq, identity_xid = excluded.identity_xid"
            if identity
            else "",
        )
        op.execute(
            f"CREATE FUNCTION person_change_{name}() RETURNS trigger AS $$ {_PG_DECLARE}"
            f"IF TG_OP <> 'INSERT' THEN {ins.format(p='(to_jsonb(OLD) ->> TG_ARGV[0])::int')} "
            "END IF; "
            f"IF TG_OP <> 'DELETE' THEN {ins.format(p='(to_jsonb(NEW) ->> TG_ARGV[0])::int')} "
            "END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
    for table, col in ACTIVITY:
        op.execute(
            f"CREATE TRIGGER person_change_{table} AFTER INSERT OR DELETE OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION person_change_activity('{col}')"
        )
    for table, col in IDENTITY:
        op.execute(
            f"CREATE TRIGGER person_change_{table} AFTER INSERT OR DELETE OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION person_change_identity('{col}')"
        )
    op.execute(
        f"CREATE FUNCTION person_change_everyone() RETURNS trigger AS $$ {_PG_DECLARE}"
        "INSERT INTO person_change (person_id, seq, identity_seq, xid, identity_xid) "
        "VALUES (0, s, s, x, x) ON CONFLICT (person_id) DO UPDATE SET seq = excluded.seq, "
        "xid = excluded.xid, identity_seq = excluded.identity_seq, "
        "identity_xid = excluded.identity_xid; RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    for table in EVERYONE:
        op.execute(
            f"CREATE TRIGGER person_change_{table} AFTER INSERT OR DELETE OR UPDATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION person_change_everyone()"
        )
    op.execute(
        f"CREATE FUNCTION person_change_interaction() RETURNS trigger AS $$ {_PG_DECLARE}"
        "INSERT INTO person_change (person_id, seq, identity_seq, xid) "
        "SELECT person_id, s, 0, x FROM participant WHERE interaction_id = NEW.id "
        "ON CONFLICT (person_id) DO UPDATE SET seq = excluded.seq, xid = excluded.xid; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        f"CREATE TRIGGER person_change_interaction AFTER UPDATE OF {INTERACTION_WATCHED} "
        "ON interaction FOR EACH ROW EXECUTE FUNCTION person_change_interaction()"
    )


def upgrade() -> None:
    op.create_table(
        "person_change",
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("identity_seq", sa.BigInteger(), nullable=False),
        sa.Column("xid", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("identity_xid", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_index("ix_person_change_seq", "person_change", ["seq"])
    op.create_index("ix_person_change_xid", "person_change", ["xid"])
    if op.get_bind().dialect.name == "sqlite":
        _sqlite()
    else:
        _postgresql()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        tables = [t for t, _ in ACTIVITY + IDENTITY]
        for table in tables:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS person_change_{table}_{suffix}")
        for table in EVERYONE:
            for suffix in ("i", "d", "u"):
                op.execute(f"DROP TRIGGER IF EXISTS person_change_{table}_{suffix}")
        op.execute("DROP TRIGGER IF EXISTS person_change_interaction_au")
    else:
        for table in [t for t, _ in ACTIVITY + IDENTITY] + list(EVERYONE) + ["interaction"]:
            op.execute(f"DROP TRIGGER IF EXISTS person_change_{table} ON {table}")
        for name in ("activity", "identity", "everyone", "interaction"):
            op.execute(f"DROP FUNCTION IF EXISTS person_change_{name}()")
        op.execute("DROP SEQUENCE IF EXISTS person_change_seq")
    op.drop_index("ix_person_change_xid", table_name="person_change")
    op.drop_index("ix_person_change_seq", table_name="person_change")
    op.drop_table("person_change")
