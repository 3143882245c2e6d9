"""ledger: interaction facts copied on participant (kept in step by triggers), indexes

Tie strength reads every interaction of every person. Joining 2,000,000 participants to
their interactions costs one B-tree search each; with the few facts strength needs on the
participant row (the day as a number, the kind, who started it; 0002 already copies
occurred_at and planned) and a covering index in person order, one index scan does it.

Database triggers keep every copy in step with its interaction whoever writes the rows
(the domain, bulk inserts, importers), on both backends. `day` is the Julian day number
of occurred_at (fractional), as SQLite's julianday() gives it: a number, so the scan
neither parses dates nor compares strings.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COPIED = ("occurred_at", "planned", "day", "kind", "initiated_by")
# The interaction's expression for each copied column, per backend.
SQLITE_DAY = "julianday({t}.occurred_at)"
POSTGRES_DAY = "extract(epoch from {t}.occurred_at) / 86400.0 + 2440587.5"


def _sources(table: str) -> str:
    day = SQLITE_DAY if op.get_bind().dialect.name == "sqlite" else POSTGRES_DAY
    return ", ".join(
        (
            f"{table}.occurred_at",
            f"{table}.planned",
            day.format(t=table),
            f"{table}.kind",
            f"{table}.initiated_by",
        )
    )


def upgrade() -> None:
    op.add_column("participant", sa.Column("day", sa.Float(), nullable=True))
    op.add_column("participant", sa.Column("kind", sa.String(length=20), nullable=True))
    op.add_column("participant", sa.Column("initiated_by", sa.String(length=10), nullable=True))
    cols = ", ".join(COPIED)
    op.execute(
        f"UPDATE participant SET ({cols}) = (SELECT {_sources('i')} FROM interaction i "
        "WHERE i.id = participant.interaction_id)"
    )
    op.create_index(
        "ix_participant_person_facts",
        "participant",
        ["person_id", "day", "kind", "initiated_by", "planned"],
    )
    op.create_index(
        "ix_exchange_time_facts",
        "exchange",
        ["occurred_at", "person_id", "direction", "kind", "outcome"],
    )
    op.create_index(
        "ix_exchange_person_kind_time",
        "exchange",
        ["person_id", "direction", "kind", "occurred_at"],
    )
    op.create_index(
        "ix_interaction_time_facts",
        "interaction",
        ["occurred_at", "initiated_by", "need_id", "planned"],
    )
    op.create_index("ix_knows_a_facts", "knows", ["a_id", "created_at", "confidence"])
    op.create_index("ix_knows_b_facts", "knows", ["b_id", "created_at", "confidence"])
    _create_triggers()


def _create_triggers() -> None:
    cols = ", ".join(COPIED)
    if op.get_bind().dialect.name == "sqlite":
        copy = (
            f"UPDATE participant SET ({cols}) = (SELECT {_sources('i')} FROM interaction i "
            "WHERE i.id = NEW.interaction_id) WHERE rowid = NEW.rowid; "
        )
        op.execute(
            f"CREATE TRIGGER participant_copy_ai AFTER INSERT ON participant BEGIN {copy}END"
        )
        op.execute(
            "CREATE TRIGGER participant_copy_au AFTER UPDATE OF interaction_id ON participant "
            f"BEGIN {copy}END"
        )
        op.execute(
            "CREATE TRIGGER interaction_copy_au AFTER UPDATE OF occurred_at, planned, kind, "
            f"initiated_by ON interaction BEGIN UPDATE participant SET ({cols}) = "
            f"({_sources('NEW')}) WHERE interaction_id = NEW.id; END"
        )
        return
    news = ", ".join(f"NEW.{c}" for c in COPIED)
    op.execute(
        "CREATE FUNCTION participant_copy() RETURNS trigger AS $$ BEGIN "
        f"SELECT {_sources('i')} INTO {news} FROM interaction i WHERE i.id = NEW.interaction_id; "
        "RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER participant_copy_biu BEFORE INSERT OR UPDATE OF interaction_id "
        "ON participant FOR EACH ROW EXECUTE FUNCTION participant_copy()"
    )
    op.execute(
        "CREATE FUNCTION interaction_copy() RETURNS trigger AS $$ BEGIN "
        f"UPDATE participant SET ({cols}) = ({_sources('NEW')}) WHERE interaction_id = NEW.id; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER interaction_copy_au AFTER UPDATE OF occurred_at, planned, kind, "
        "initiated_by ON interaction FOR EACH ROW EXECUTE FUNCTION interaction_copy()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("participant_copy_ai", "participant_copy_au", "interaction_copy_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS interaction_copy_au ON interaction")
        op.execute("DROP TRIGGER IF EXISTS participant_copy_biu ON participant")
        op.execute("DROP FUNCTION IF EXISTS interaction_copy()")
        op.execute("DROP FUNCTION IF EXISTS participant_copy()")
    op.drop_index("ix_knows_b_facts", table_name="knows")
    op.drop_index("ix_knows_a_facts", table_name="knows")
    op.drop_index("ix_interaction_time_facts", table_name="interaction")
    op.drop_index("ix_exchange_person_kind_time", table_name="exchange")
    op.drop_index("ix_exchange_time_facts", table_name="exchange")
    op.drop_index("ix_participant_person_facts", table_name="participant")
    with op.batch_alter_table("participant") as batch_op:
        for col in ("initiated_by", "kind", "day"):
            batch_op.drop_column(col)
