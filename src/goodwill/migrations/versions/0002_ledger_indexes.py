"""Indexes for the ledger and cadence queries: exchanges and contacts by person and date.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 23:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_exchange_person_occurred", "exchange", ["person_id", "occurred_at"])
    op.create_index("ix_interaction_planned_occurred", "interaction", ["planned", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_interaction_planned_occurred", table_name="interaction")
    op.drop_index("ix_exchange_person_occurred", table_name="exchange")
