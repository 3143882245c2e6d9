"""contact summary: the channel-weighted count decayed with a 30-day half-life

Tie strength is a fitted chance of contact (strength_model) that reads contact in the last
weeks: the channel-weighted count decayed with a 30-day half-life. Kept in the contact
summary beside the year-long one (same anchor day, rescaled at read time), so scoring the
whole network still reads one row per person instead of a year of interactions (5.5 s of
CPU at 2,000,000 interactions). The rows are rebuilt at the next read: the model's
fingerprint now names the second half-life.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact_summary") as batch:
        batch.add_column(sa.Column("decayed_short", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact_summary") as batch:
        batch.drop_column("decayed_short")
