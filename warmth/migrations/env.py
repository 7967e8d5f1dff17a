"""Alembic environment: runs on the connection handed in by warmth.migrate, or on the URL."""

from __future__ import annotations

from alembic import context

from warmth.database import make_engine
from warmth.schema import metadata

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with make_engine(config.get_main_option("sqlalchemy.url") or None).begin() as conn:
        _run(conn)
