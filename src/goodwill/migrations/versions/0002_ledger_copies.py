"""ledger: per-person copies of interaction facts on participant, and covering indexes

Tie strength and red flags read every interaction of every person. Joining 2,000,000
participants to their interactions costs one B-tree search each; a copy of the few facts
strength needs (when, kind, who started it, planned) on the participant row, with a
covering index in person order, lets one index scan do it. Triggers keep the copies
right whoever writes the rows (the domain, bulk inserts, importers), on both backends.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COPIED = ("occurred_at", "kind", "initiated_by", "planned")


def upgrade() -> None:
    op.add_column("participant", sa.Column("occurred_at", sa.DateTime(), nullable=True))
    op.add_column("participant", sa.Column("kind", sa.String(length=20), nullable=True))
    op.add_column("participant", sa.Column("initiated_by", sa.String(length=10), nullable=True))
    op.add_column("participant", sa.Column("planned", sa.Boolean(), nullable=True))
    cols = ", ".join(COPIED)
    op.execute(
        f"UPDATE participant SET ({cols}) = "
        f"(SELECT {cols} FROM interaction WHERE interaction.id = participant.interaction_id)"
    )
    op.create_index(
        "ix_participant_person_facts",
        "participant",
        ["person_id", "occurred_at", "kind", "initiated_by", "planned"],
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
    _create_triggers()


def _create_triggers() -> None:
    cols = ", ".join(COPIED)
    if op.get_bind().dialect.name == "sqlite":
        copy = (
            f"UPDATE participant SET ({cols}) = (SELECT {cols} FROM interaction "
            "WHERE interaction.id = NEW.interaction_id) WHERE rowid = NEW.rowid; "
        )
        op.execute(
            f"CREATE TRIGGER participant_copy_ai AFTER INSERT ON participant BEGIN {copy}END"
        )
        op.execute(
            "CREATE TRIGGER participant_copy_au AFTER UPDATE OF interaction_id ON participant "
            f"BEGIN {copy}END"
        )
        sets = ", ".join(f"{c} = NEW.{c}" for c in COPIED)
        op.execute(
            f"CREATE TRIGGER interaction_copy_au AFTER UPDATE OF {cols} ON interaction "
            f"BEGIN UPDATE participant SET {sets} WHERE interaction_id = NEW.id; END"
        )
        return
    new_cols = ", ".join(f"NEW.{c}" for c in COPIED)
    op.execute(
        "CREATE FUNCTION participant_copy() RETURNS trigger AS $$ BEGIN "
        f"SELECT {cols} INTO {new_cols} FROM interaction WHERE id = NEW.interaction_id; "
        "RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER participant_copy_biu BEFORE INSERT OR UPDATE OF interaction_id "
        "ON participant FOR EACH ROW EXECUTE FUNCTION participant_copy()"
    )
    sets = ", ".join(f"{c} = NEW.{c}" for c in COPIED)
    op.execute(
        "CREATE FUNCTION interaction_copy() RETURNS trigger AS $$ BEGIN "
        f"UPDATE participant SET {sets} WHERE interaction_id = NEW.id; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        f"CREATE TRIGGER interaction_copy_au AFTER UPDATE OF {cols} ON interaction "
        "FOR EACH ROW EXECUTE FUNCTION interaction_copy()"
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
    op.drop_index("ix_interaction_time_facts", table_name="interaction")
    op.drop_index("ix_exchange_person_kind_time", table_name="exchange")
    op.drop_index("ix_exchange_time_facts", table_name="exchange")
    op.drop_index("ix_participant_person_facts", table_name="participant")
    with op.batch_alter_table("participant") as batch_op:
        for col in reversed(COPIED):
            batch_op.drop_column(col)
