"""search: a full-text index of people alone, for the people list and the log's suggestions

A search of people ranked every matching document of any kind, then kept the people: a
two-letter prefix matched thousands of interaction summaries, each ranked for nothing
(35 ms for "me" at 10,000 people and 150,000 interactions). On SQLite a second FTS5
external-content table indexes the person documents alone, through a view of them
(10 ms; most searches under 1 ms); on PostgreSQL a partial GIN index does the same.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIEW search_person_doc AS "
            "SELECT id, title, body FROM search_doc WHERE kind = 'person'"
        )
        op.execute(
            "CREATE VIRTUAL TABLE search_fts_person USING fts5("
            "title, body, content='search_person_doc', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
        )
        op.execute("INSERT INTO search_fts_person(search_fts_person) VALUES ('rebuild')")
    else:
        op.execute(
            "CREATE INDEX ix_search_doc_tsv_person ON search_doc "
            "USING GIN (to_tsvector('simple', terms)) WHERE kind = 'person'"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts_person")
        op.execute("DROP VIEW IF EXISTS search_person_doc")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_doc_tsv_person")
