"""Alembic environment: migrations run on the connection goodwill.store.db hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from goodwill.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # the alembic command line (autogenerate during development)
        url = config.get_main_option("sqlalchemy.url") or "sqlite:///:memory:"
        with create_engine(url).connect() as conn:
            context.configure(
                connection=conn, target_metadata=target_metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
