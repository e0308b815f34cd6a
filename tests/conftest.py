"""Shared fixtures.

`database` is parametrised: every test that uses it runs on a fresh SQLite file and, when
TEST_DATABASE_URL is set (as .ci/run does), on PostgreSQL in a throwaway schema of its own, so
tests never see each other's rows and can run side by side.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.db import Database, normalize_url

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
REFERENCE_REGISTER = SHARED_DATA / "avtaleregister.csv"
REFERENCE_QUERIES = SHARED_DATA / "queries-dev.csv"
DEMO_REGISTER = ROOT / "demo" / "avtaleregister-demo.csv"
AS_OF = dt.date(2026, 11, 24)  # the reference data's "today"; tests never use the real today

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")

_backends = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture
def as_of() -> dt.date:
    return AS_OF


@pytest.fixture
def reference_register() -> Path:
    if not REFERENCE_REGISTER.exists():
        pytest.skip(f"reference register not found at {REFERENCE_REGISTER}")
    return REFERENCE_REGISTER


def make_test_database(backend: str, tmp_path: Path) -> tuple[Database, callable]:
    """A migrated, empty database and a function that throws it away."""
    if backend == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'test.db'}")
        database.migrate()
        return database, database.dispose
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = create_engine(normalize_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = Database(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    database.test_schema = schema  # type: ignore[attr-defined]
    database.migrate()

    def drop() -> None:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    return database, drop


@pytest.fixture(params=_backends)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    db, drop = make_test_database(request.param, tmp_path)
    try:
        yield db
    finally:
        drop()


@pytest.fixture
def postgres_database(tmp_path: Path) -> Iterator[Database]:
    """PostgreSQL only (for FOR UPDATE SKIP LOCKED, two instances …); skipped without it."""
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set (PostgreSQL-only test)")
    db, drop = make_test_database("postgresql", tmp_path)
    try:
        yield db
    finally:
        drop()


def postgres_url_for(database: Database) -> str:
    """A URL (with search_path) another process can use to reach the same test schema."""
    schema = getattr(database, "test_schema")
    return normalize_url(POSTGRES_URL) + ("&" if "?" in POSTGRES_URL else "?") + f"options=-csearch_path%3D{schema}"
