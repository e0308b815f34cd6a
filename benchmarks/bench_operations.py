"""Operations benchmarks: scheduler lease per fire with two instances; retention over many rows;
one person's export and erasure among many. SQLite always, PostgreSQL too with TEST_DATABASE_URL.

    python -m benchmarks operations
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import insert

from bot.db import Database, create_scratch_schema, drop_scratch_schema, utcnow
from bot.privacy.retention import metadata, run_retention
from bot.privacy.user_data import erase_user_data, export_user_data
from bot.scheduler import JobSpec, run_job_once
from bot.services import Services
from bot.settings import load_settings

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
TICKS = 200
USERS = 5_000
LOG_ROWS = 100_000


def _databases(tmp: Path):
    sqlite_url = f"sqlite:///{tmp / 'bench.db'}"
    yield "sqlite", Database(sqlite_url), lambda: Database(sqlite_url), None
    if POSTGRES_URL:
        schema = create_scratch_schema(POSTGRES_URL, "bench_")

        def drop() -> None:
            drop_scratch_schema(POSTGRES_URL, schema)

        yield "postgresql", Database(POSTGRES_URL, schema=schema), lambda: Database(POSTGRES_URL, schema=schema), drop


def bench_leases(name: str, first: Database, make_other) -> None:
    other = make_other()
    settings = load_settings(database_url="sqlite:///unused.db")
    runs = []
    jobs = (JobSpec("bench", lambda services: runs.append(1) or {}, "every 1m"),)
    instances = [Services(settings, first), Services(settings, other)]
    base = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    barrier = threading.Barrier(2)

    def fire(services: Services) -> None:
        for number in range(TICKS):
            barrier.wait()
            run_job_once(services, "bench", base + dt.timedelta(minutes=number), jobs=jobs)

    started = time.perf_counter()
    threads = [threading.Thread(target=fire, args=(services,)) for services in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    other.dispose()
    print(f"{name:<10} leases: {TICKS} ticks fired by 2 instances in {elapsed:.2f} s "
          f"({elapsed / TICKS * 1000:.1f} ms per tick), jobs run: {len(runs)} (expected {TICKS})")


def populate(database: Database) -> None:
    meta = metadata()
    now = utcnow()
    old = now - dt.timedelta(days=400)
    refs, feedback, questions, outbox = [], [], [], []
    for number in range(USERS):
        aad = f"aad-{number:05d}"
        refs.append({"aad_object_id": aad, "user_id": f"29:{number}", "name": f"Person {number}",
                     "email": f"person{number}@lorenskog.kommune.no", "tenant_id": "t", "locale": "nb-NO",
                     "channel_id": "msteams", "service_url": "https://smba.example/", "conversation_id": f"a:{number}",
                     "conversation_type": "personal", "team_id": "", "bot_id": "", "reference": {},
                     "installed": number % 10 != 0, "created_at": old, "updated_at": old if number % 10 == 0 else now})
    for number in range(LOG_ROWS):
        when = old if number % 2 else now
        questions.append({"text": f"spørsmål {number}", "kind": "no_agreement", "detail": {}, "created_at": when})
        feedback.append({"helpful": bool(number % 3), "kind": "search", "query": f"q{number}", "agreement_ids": [],
                         "comment": "", "user_hash": f"{number % USERS:032x}", "created_at": when})
        if number % 2 == 0:
            outbox.append({"idempotency_key": f"k{number}", "kind": "alert", "recipient": f"person{number % USERS}@lorenskog.kommune.no",
                           "service_url": "https://smba.example/", "conversation_id": f"a:{number % USERS}", "tenant_id": "t",
                           "operation": "send", "activity": {"type": "message"}, "status": "sent", "attempts": 1,
                           "next_attempt_at": now, "last_error": "",
                           "created_at": old if number % 4 == 0 else now})
    with database.engine.begin() as connection:
        connection.execute(insert(meta.tables["conversation_ref"]), refs)
        connection.execute(insert(meta.tables["question_log"]), questions)
        connection.execute(insert(meta.tables["feedback"]), feedback)
        connection.execute(insert(meta.tables["outbox"]), outbox)


def bench_privacy(name: str, database: Database) -> None:
    started = time.perf_counter()
    populate(database)
    print(f"{name:<10} populated {USERS} users, {LOG_ROWS} question-log and feedback rows, "
          f"{LOG_ROWS // 2} outbox rows in {time.perf_counter() - started:.1f} s")
    services = Services(load_settings(database_url="sqlite:///unused.db"), database)
    started = time.perf_counter()
    export = export_user_data(database, email="person4242@lorenskog.kommune.no")
    rows = sum(len(section["rows"]) for section in export["tables"].values())
    print(f"{name:<10} export one person: {rows} rows in {(time.perf_counter() - started) * 1000:.0f} ms")
    started = time.perf_counter()
    erased = erase_user_data(database, aad_id="aad-04242")
    print(f"{name:<10} erase one person: {sum(r['rows'] for r in erased['results'])} rows in "
          f"{(time.perf_counter() - started) * 1000:.0f} ms")
    started = time.perf_counter()
    summary = run_retention(services, dry_run=True)
    print(f"{name:<10} retention dry run: {summary['deleted']} rows found in {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    summary = run_retention(services)
    print(f"{name:<10} retention: deleted {summary['deleted']} rows in {time.perf_counter() - started:.2f} s")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, database, make_other, drop in _databases(Path(tmp)):
            database.migrate()
            try:
                bench_leases(name, database, make_other)
                bench_privacy(name, database)
            finally:
                database.dispose()
                if drop:
                    drop()
    if not POSTGRES_URL:
        print("(set TEST_DATABASE_URL to measure PostgreSQL too)")


if __name__ == "__main__":
    main()
