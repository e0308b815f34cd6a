"""Migration 0005 (operations: job_lease, privacy_log) goes down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from bot.db import Database, alembic_config


def test_migration_0005_downgrades_and_upgrades(database: Database) -> None:
    assert {"job_lease", "privacy_log"} <= set(inspect(database.engine).get_table_names())
    with database.engine.connect() as connection:
        command.downgrade(alembic_config(connection), "0004")
        connection.commit()
    assert database.schema_revision() == "0004"
    tables = set(inspect(database.engine).get_table_names())
    assert "job_lease" not in tables and "privacy_log" not in tables
    database.migrate()
    assert database.schema_revision() == Database.head_revision()
    unique = inspect(database.engine).get_unique_constraints("job_lease")
    assert any(set(u["column_names"]) == {"job", "tick"} for u in unique)
