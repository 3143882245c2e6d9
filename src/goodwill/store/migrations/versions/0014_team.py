"""team: members, server-side sign-in sessions, hashed tokens, an audit log, and an owner
on every private row

Single-user goodwill is unchanged: every `owner_id` stays NULL until `goodwill team init`
makes the database a team's, gives the existing rows to member 1 and (on PostgreSQL)
turns row-level security on (`goodwill.store.policy`).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The always-private (and owner-decides) tables: one owner each.
PRIVATE = (
    "interaction",
    "participant",
    "exchange",
    "need",
    "need_target",
    "request",
    "introduction",
    "meeting",
    "lead",
    "action_state",
    # An interaction's words in the search index are its owner's (people's are everyone's).
    "search_doc",
)


def upgrade() -> None:
    op.create_table(
        "team_member",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("role", sa.String(10), nullable=False, server_default="member"),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime()),
    )
    op.create_table(
        "team_session",
        # The SHA-256 of the cookie's value: a copy of the table signs no one in.
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("team_member.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "team_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("team_member.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime()),
    )
    op.create_table(
        "team_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False, index=True),
        sa.Column("actor", sa.String(120)),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(320)),
    )
    op.create_table(
        "team_signin_failure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_team_signin_failure_email_at", "team_signin_failure", ["email", "at"])
    # A member asks a teammate for an introduction to someone the teammate knows.
    op.create_table(
        "team_intro",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("from_member", sa.Integer(), sa.ForeignKey("team_member.id"), nullable=False),
        sa.Column(
            "to_member", sa.Integer(), sa.ForeignKey("team_member.id"), nullable=False, index=True
        ),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("person.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("why", sa.Text()),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime()),
    )
    for table in PRIVATE:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("owner_id", sa.Integer()))
        op.create_index(f"ix_{table}_owner_id", table, ["owner_id"])


def downgrade() -> None:
    for table in PRIVATE:
        op.drop_index(f"ix_{table}_owner_id", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("owner_id")
    for table in ("team_intro", "team_signin_failure", "team_audit", "team_token", "team_session"):
        op.drop_table(table)
    op.drop_table("team_member")
