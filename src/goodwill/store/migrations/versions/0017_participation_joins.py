"""change log: someone joining an older interaction changes the paths' edges

The paths' graph (asking/paths) learns of new meetings from the newest interaction shared by
two or more people, and of deleted or moved participations from the change log's `edges`
(0015). A participation added to an interaction that is not the newest (plain SQL, a sync
adding an attendee to last month's meeting) changed neither, so the graph stayed as it was
(found by the kept-figures state machine on PostgreSQL). Such an insert now marks `edges`
too. The app's own writes add an interaction's participants right after the interaction,
so they rarely pay for it.
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Someone else is already in it, and it is not the newest interaction with participants.
_JOINS_OLDER = (
    "EXISTS (SELECT 1 FROM participant q WHERE q.interaction_id = NEW.interaction_id "
    "AND q.person_id <> NEW.person_id) AND EXISTS (SELECT 1 FROM participant r "
    "WHERE r.interaction_id > NEW.interaction_id)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        nxt = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM person_change)"
        op.execute(
            "CREATE TRIGGER change_participant_edges_i AFTER INSERT ON participant "
            f"WHEN {_JOINS_OLDER} BEGIN "
            f"INSERT INTO person_change (person_id, kind, seq) SELECT 0, 'edges', {nxt} "
            "WHERE true ON CONFLICT(person_id, kind) DO UPDATE SET seq = excluded.seq; END"
        )
        return
    op.execute(
        "CREATE FUNCTION change_participation_joins() RETURNS trigger AS $$ "
        "DECLARE s bigint; x bigint; BEGIN "
        f"IF {_JOINS_OLDER} THEN "
        "s := nextval('person_change_seq'); x := pg_current_xact_id()::text::bigint; "
        "INSERT INTO person_change (person_id, kind, seq, xid) VALUES (0, 'edges', s, x) "
        "ON CONFLICT (person_id, kind) DO UPDATE SET seq = excluded.seq, xid = excluded.xid; "
        "END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER change_participant_edges_i AFTER INSERT ON participant "
        "FOR EACH ROW EXECUTE FUNCTION change_participation_joins()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS change_participant_edges_i")
        return
    op.execute("DROP TRIGGER IF EXISTS change_participant_edges_i ON participant")
    op.execute("DROP FUNCTION IF EXISTS change_participation_joins()")
