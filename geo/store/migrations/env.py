"""Alembic environment: migrations run on the connection that geo.store.migrate hands over."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from geo.store import metadata

config = context.config


def run_migrations() -> None:
    """Run migrations on the given connection, or on a fresh engine from the URL."""
    connection = config.attributes.get("connection")
    if connection is None:
        engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            context.configure(
                connection=conn,
                target_metadata=metadata,
                render_as_batch=conn.dialect.name == "sqlite",
            )
            context.run_migrations()
        return
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()


run_migrations()
