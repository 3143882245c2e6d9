"""Faster ledger and cadence queries: exchanges by person and date, and each participant
row carries its interaction's time so "last contact per person" is one index scan.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 23:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("occurred_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("planned", sa.Boolean(), nullable=True))
    op.execute(
        "UPDATE participant SET occurred_at = (SELECT i.occurred_at FROM interaction i "
        "WHERE i.id = participant.interaction_id), planned = (SELECT i.planned FROM "
        "interaction i WHERE i.id = participant.interaction_id)"
    )
    with op.batch_alter_table("participant") as batch:
        batch.alter_column("occurred_at", existing_type=sa.DateTime(), nullable=False)
        batch.alter_column("planned", existing_type=sa.Boolean(), nullable=False)
    op.create_index(
        "ix_participant_person_planned_occurred",
        "participant",
        ["person_id", "planned", "occurred_at"],
    )
    op.create_index("ix_exchange_person_occurred", "exchange", ["person_id", "occurred_at"])
    op.create_index("ix_interaction_planned_occurred", "interaction", ["planned", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_participant_person_planned_occurred", table_name="participant")
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("planned")
        batch.drop_column("occurred_at")
    op.drop_index("ix_interaction_planned_occurred", table_name="interaction")
    op.drop_index("ix_exchange_person_occurred", table_name="exchange")
