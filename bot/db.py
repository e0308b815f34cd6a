"""One database through SQLModel/SQLAlchemy: a SQLite file by default, PostgreSQL by URL.

Conventions every module follows:
- timestamps are timezone-aware UTC datetimes (`utcnow()`); SQLModel stores them as UTC on
  SQLite and PostgreSQL alike and refuses naive ones;
- the schema is created and changed only by the versioned Alembic migrations in
  `bot/migrations/versions` (`Database.migrate()`), never by `create_all`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant will do: the key of the PostgreSQL advisory lock held while migrating, so that
# one instance migrates and the others wait.
_MIGRATION_LOCK_KEY = 7_236_114_001


def utcnow() -> dt.datetime:
    """Now, as an aware UTC datetime (the storage convention)."""
    return dt.datetime.now(dt.UTC)


def normalize_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False, "timeout": 30}
        connect_args.update(kwargs.pop("connect_args", {}))
        engine = create_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def alembic_config(connection: Any | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


class Database:
    """The engine plus the few things every caller needs: sessions, migrations, a ping.

    `schema` (PostgreSQL only) puts every table in that schema instead of `public`: tests and
    benchmarks use throwaway schemas (`scratch_database`) so they can share one server.
    """

    def __init__(self, url: str, *, schema: str | None = None, **engine_kwargs: Any) -> None:
        self.url = normalize_url(url)
        self.schema = schema
        if schema:
            connect_args = dict(engine_kwargs.pop("connect_args", {}))
            connect_args["options"] = f"-csearch_path={schema}"
            engine_kwargs["connect_args"] = connect_args
        self.engine = make_engine(self.url, **engine_kwargs)

    @property
    def url_for_other_processes(self) -> str:
        """A URL another process (a second server, a CLI run) can use to reach this same database."""
        return url_with_schema(self.engine.url.render_as_string(hide_password=False), self.schema)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def migrate(self) -> None:
        """Bring the schema to the newest version; with several instances one migrates, the others wait."""
        with self.engine.connect() as connection:
            if is_postgres(self.engine):
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
                connection.commit()
            try:
                command.upgrade(alembic_config(connection), "head")
                connection.commit()
            finally:
                if is_postgres(self.engine):
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK_KEY})
                    connection.commit()

    def schema_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @staticmethod
    def head_revision() -> str | None:
        return ScriptDirectory.from_config(alembic_config()).get_current_head()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - readiness only reports reachability
            return False

    def dispose(self) -> None:
        self.engine.dispose()


# --- throwaway databases (tests, benchmarks) ----------------------------------------------------


def url_with_schema(url: str, schema: str | None) -> str:
    """The URL with PostgreSQL's search_path set to `schema` (unchanged without a schema)."""
    url = normalize_url(url)
    if not schema:
        return url
    return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"


def create_scratch_schema(url: str, prefix: str = "scratch_") -> str:
    """Create an empty PostgreSQL schema with a unique name and return the name."""
    schema = prefix + uuid.uuid4().hex[:16]
    admin = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    return schema


def drop_scratch_schema(url: str, schema: str) -> None:
    admin = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


def scratch_database(url: str, *, prefix: str = "scratch_") -> tuple[Database, Callable[[], None]]:
    """A migrated, empty database and the function that throws it away.

    On PostgreSQL: a schema of its own on the server `url` names, dropped afterwards. Otherwise
    (SQLite): the URL as given — put the file in a temporary folder.
    """
    if make_url(normalize_url(url)).get_backend_name() != "postgresql":
        database = Database(url)
        database.migrate()
        return database, database.dispose
    schema = create_scratch_schema(url, prefix)
    database = Database(url, schema=schema)
    try:
        database.migrate()
    except BaseException:
        database.dispose()
        drop_scratch_schema(url, schema)
        raise

    def drop() -> None:
        database.dispose()
        drop_scratch_schema(url, schema)

    return database, drop


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (`Session.execute` is typed to return a plain Result)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
