"""Alembic environment: runs on the connection `Database.migrate()` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from bot.models import metadata

config = context.config
target_metadata = metadata()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # `alembic` on the command line: INNKJOPSBOT_DATABASE_URL / .env
    from bot.db import normalize_url
    from bot.settings import load_settings

    engine = create_engine(normalize_url(load_settings().database_url))
    with engine.begin() as conn:
        _run(conn)
