"""ledger: covering indexes for mutual contacts (knows edges per person, by date)

Tie strength sums, per person, the knows edges to other people known before a date:
one GROUP BY per end of an edge over these indexes, instead of reading every edge.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_knows_a_facts", "knows", ["a_id", "created_at", "confidence"])
    op.create_index("ix_knows_b_facts", "knows", ["b_id", "created_at", "confidence"])


def downgrade() -> None:
    op.drop_index("ix_knows_b_facts", table_name="knows")
    op.drop_index("ix_knows_a_facts", table_name="knows")
