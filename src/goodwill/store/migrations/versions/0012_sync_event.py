"""sync events: what a contacts or calendar sync did to a person, and what it asks of you

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer(),
            sa.ForeignKey("sync_source.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
        ),
        sa.Column("uid", sa.String(500)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("field", sa.String(40)),
        sa.Column("ours", sa.Text()),
        sa.Column("theirs", sa.Text()),
        sa.Column("status", sa.String(10), nullable=False, server_default="done"),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sync_event_status", "sync_event", ["status"])


def downgrade() -> None:
    op.drop_index("ix_sync_event_status", "sync_event")
    op.drop_table("sync_event")
