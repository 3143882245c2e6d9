"""ledger: a per-person contact summary, kept current through a dirty list

Tie strength and cadences for everyone used to scan every participant row (2,000,000 at
the scale of issue 3). `contact_summary` holds, per person, the aggregates they need;
triggers on participant put the person of any inserted, deleted or changed row on
`contact_dirty` (cheap: one keyed insert per row, so bulk imports stay fast), and
`goodwill.scoring.contact_summary.refresh` recomputes only those people before a read. Every
existing person with interactions starts dirty, so the first read builds the summary.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The participant columns whose change changes a summary (0002 copies them from the
# interaction, so an edited interaction marks its people too).
WATCHED = "person_id, day, kind, initiated_by, planned"


def upgrade() -> None:
    op.create_table(
        "contact_summary",
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_day", sa.Float(), nullable=False),
        sa.Column("last_day", sa.Float(), nullable=False),
        sa.Column("decayed", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("by_me", sa.Integer(), nullable=False),
        sa.Column("initiated", sa.Integer(), nullable=False),
        sa.Column("weighted", sa.Float(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_table(
        "contact_dirty",
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.execute("INSERT INTO contact_dirty (person_id) SELECT DISTINCT person_id FROM participant")
    if op.get_bind().dialect.name == "sqlite":
        mark = "INSERT OR IGNORE INTO contact_dirty (person_id) VALUES ({}.person_id);"
        op.execute(
            "CREATE TRIGGER contact_dirty_ai AFTER INSERT ON participant "
            f"BEGIN {mark.format('NEW')} END"
        )
        op.execute(
            "CREATE TRIGGER contact_dirty_ad AFTER DELETE ON participant "
            f"BEGIN {mark.format('OLD')} END"
        )
        op.execute(
            f"CREATE TRIGGER contact_dirty_au AFTER UPDATE OF {WATCHED} ON participant "
            f"BEGIN {mark.format('OLD')} {mark.format('NEW')} END"
        )
        return
    mark = "INSERT INTO contact_dirty (person_id) VALUES ({}.person_id) ON CONFLICT DO NOTHING;"
    op.execute(
        "CREATE FUNCTION contact_dirty_mark() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {mark.format('OLD')} END IF; "
        f"IF TG_OP <> 'DELETE' THEN {mark.format('NEW')} END IF; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER contact_dirty_aiud AFTER INSERT OR DELETE OR UPDATE OF "
        f"{WATCHED} ON participant FOR EACH ROW EXECUTE FUNCTION contact_dirty_mark()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("contact_dirty_ai", "contact_dirty_ad", "contact_dirty_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS contact_dirty_aiud ON participant")
        op.execute("DROP FUNCTION IF EXISTS contact_dirty_mark()")
    op.drop_table("contact_dirty")
    op.drop_table("contact_summary")
