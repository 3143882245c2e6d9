"""sync sources: where each contacts/calendar folder and mail folder stands

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_source",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("location", sa.String(1000), nullable=False, unique=True),
        sa.Column("state", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("last_run_at", sa.DateTime()),
        sa.Column("last_ok_at", sa.DateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("last_error_at", sa.DateTime()),
        sa.Column("failing_since", sa.DateTime()),
    )


def downgrade() -> None:
    op.drop_table("sync_source")
