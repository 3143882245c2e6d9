"""ledger: per-person copies of interaction facts on participant, and covering indexes

Tie strength reads every interaction of every person. Joining 2,000,000 participants to
their interactions costs one B-tree search each; a copy of the few facts strength needs
on the participant row (the day as a number, the kind, who started it, planned), with a
covering index in person order, lets one index scan do it. Triggers keep the copies
right whoever writes the rows (the domain, bulk inserts, importers), on both backends.
The day is the Julian day number of occurred_at (fractional), as SQLite's julianday()
gives it: a number, so the scan neither parses dates nor compares strings.

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

COPIED = ("day", "kind", "initiated_by", "planned")
SOURCES = {
    "sqlite": ("julianday(occurred_at)", "kind", "initiated_by", "planned"),
    "postgresql": (
        "extract(epoch from occurred_at) / 86400.0 + 2440587.5",
        "kind",
        "initiated_by",
        "planned",
    ),
}


def upgrade() -> None:
    op.add_column("participant", sa.Column("day", sa.Float(), nullable=True))
    op.add_column("participant", sa.Column("kind", sa.String(length=20), nullable=True))
    op.add_column("participant", sa.Column("initiated_by", sa.String(length=10), nullable=True))
    op.add_column("participant", sa.Column("planned", sa.Boolean(), nullable=True))
    cols = ", ".join(COPIED)
    sources = ", ".join(SOURCES[op.get_bind().dialect.name])
    op.execute(
        f"UPDATE participant SET ({cols}) = "
        f"(SELECT {sources} FROM interaction WHERE interaction.id = participant.interaction_id)"
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
    _create_triggers()


def _create_triggers() -> None:
    cols = ", ".join(COPIED)
    if op.get_bind().dialect.name == "sqlite":
        sources = ", ".join(SOURCES["sqlite"])
        copy = (
            f"UPDATE participant SET ({cols}) = (SELECT {sources} FROM interaction "
            "WHERE interaction.id = NEW.interaction_id) WHERE rowid = NEW.rowid; "
        )
        op.execute(
            f"CREATE TRIGGER participant_copy_ai AFTER INSERT ON participant BEGIN {copy}END"
        )
        op.execute(
            "CREATE TRIGGER participant_copy_au AFTER UPDATE OF interaction_id ON participant "
            f"BEGIN {copy}END"
        )
        news = "julianday(NEW.occurred_at), NEW.kind, NEW.initiated_by, NEW.planned"
        op.execute(
            "CREATE TRIGGER interaction_copy_au AFTER UPDATE OF occurred_at, kind, initiated_by, "
            f"planned ON interaction BEGIN UPDATE participant SET ({cols}) = ({news}) "
            "WHERE interaction_id = NEW.id; END"
        )
        return
    day = SOURCES["postgresql"][0]
    op.execute(
        "CREATE FUNCTION participant_copy() RETURNS trigger AS $$ BEGIN "
        f"SELECT {day}, kind, initiated_by, planned "
        "INTO NEW.day, NEW.kind, NEW.initiated_by, NEW.planned "
        "FROM interaction WHERE id = NEW.interaction_id; RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER participant_copy_biu BEFORE INSERT OR UPDATE OF interaction_id "
        "ON participant FOR EACH ROW EXECUTE FUNCTION participant_copy()"
    )
    new_day = day.replace("occurred_at", "NEW.occurred_at")
    op.execute(
        "CREATE FUNCTION interaction_copy() RETURNS trigger AS $$ BEGIN "
        f"UPDATE participant SET day = {new_day}, kind = NEW.kind, "
        "initiated_by = NEW.initiated_by, planned = NEW.planned WHERE interaction_id = NEW.id; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER interaction_copy_au AFTER UPDATE OF occurred_at, kind, initiated_by, "
        "planned ON interaction FOR EACH ROW EXECUTE FUNCTION interaction_copy()"
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
