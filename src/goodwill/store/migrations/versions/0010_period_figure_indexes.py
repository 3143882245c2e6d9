"""reports and the week: indexes for the figures recomputed after every write

Today's week and the report are computed again after each write the web app takes. Three
of their figures read far more than they count:
- new contacts by day computed a day for every person (10,000) to keep those met in the
  period: with an index on `met_on`, the people met in the period are one range seek
  (and the few with no meeting date are found by the same index);
- referrals (and top sources) scanned every person for a `met_through_id`: an index on it;
- what you gave and got per day and kind read each of the period's exchanges from the table
  and sorted them for the grouping: an index of the day, direction, kind and time reads
  them grouped already, from the index alone (13 -> 5 ms over 26 weeks at 120,000).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_person_met_on", "person", ["met_on"])
    op.create_index("ix_person_met_through_id", "person", ["met_through_id"])
    op.create_index(
        "ix_exchange_day_direction_kind",
        "exchange",
        [sa.text("date(occurred_at)"), "direction", "kind", "occurred_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_exchange_day_direction_kind", table_name="exchange")
    op.drop_index("ix_person_met_through_id", table_name="person")
    op.drop_index("ix_person_met_on", table_name="person")
