"""Two real server processes (`innkjopsbot serve`) on one PostgreSQL schema behave as one bot.

- after one sync (a third process, the CLI) both answer from the new index, and a follow-up sent
  to the other instance continues the conversation (state in the database);
- each scheduled job runs once per tick across both (the `privacy.retention` job, made to fire
  every second, writes one privacy_log row per run: runs == ticks);
- the outbox sends each row once although both servers run a sender loop on the same table.

Needs TEST_DATABASE_URL (PostgreSQL); skipped without it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import select

from benchmarks.fake_connector import FakeConnector
from bot.db import Database
from bot.outbox import store as outbox
from bot.outbox.models import OutboxRow
from bot.privacy.models import PrivacyLog
from bot.scheduler import JobLease
from conftest import DEMO_REGISTER, POSTGRES_URL, make_test_database, postgres_url_for
from helpers import activities as A

BIN = Path(sys.executable).parent
QUESTION = "har vi avtale på journalsystem?"
AGREEMENT = "Elektronisk pasientjournal"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, name: str, url: str, tmp_path: Path) -> None:
        self.name = name
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / f"{name}.log"
        env = {
            **os.environ,
            "INNKJOPSBOT_DATABASE_URL": url,
            "MICROSOFT_APP_ID": "",
            "MICROSOFT_APP_PASSWORD": "",
            "INNKJOPSBOT_DEV_SERVICE_URLS": "http://127.0.0.1:*",  # the test's fake Bot Connector
            "INNKJOPSBOT_SCHEDULER_ENABLED": "true",
            "INNKJOPSBOT_OUTBOX_SENDER_IN_SERVER": "true",
            "INNKJOPSBOT_JOB_SCHEDULES": json.dumps({
                "privacy.retention": "every 1s",
                "alerts.daily_scan": "off", "alerts.weekly_digest": "off",
                "courses.send_reminders": "off", "announcements.send_due": "off",
            }),
            "INNKJOPSBOT_LOG_LEVEL": "INFO",
        }
        env.pop("INNKJOPSBOT_SYNC_SOURCE", None)
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(BIN / "innkjopsbot"), "--as-of", "2026-11-24", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def wait_ready(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"{self.name} did not start:\n{self.tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, list[Server]]]:
    """One test schema and two servers on it, shared by the tests of this module (start-up is slow)."""
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set: two server processes need a shared PostgreSQL")
    tmp_path = tmp_path_factory.mktemp("cluster")
    database, drop = make_test_database("postgresql", tmp_path)
    url = postgres_url_for(database)
    pair = [Server("first", url, tmp_path), Server("second", url, tmp_path)]
    try:
        for server in pair:
            server.wait_ready()
        yield database, pair
    finally:
        for server in pair:
            server.stop()
        drop()


@pytest.fixture
def servers(cluster: tuple[Database, list[Server]]) -> list[Server]:
    return cluster[1]


@pytest.fixture
def shared_database(cluster: tuple[Database, list[Server]]) -> Database:
    return cluster[0]


async def _ask(session: aiohttp.ClientSession, server: Server, connector: FakeConnector, conversation: str,
               question: str = QUESTION) -> str:
    """Post a question to one server and return the text of its reply at the fake connector."""
    before = len([r for r in connector.activities if r.conversation_id == conversation])
    activity = A.message(question, connector.url, conversation_id=conversation)
    async with session.post(server.base + "/api/messages", json=activity) as response:
        assert response.status in (200, 202), await response.text()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        replies = [r for r in connector.activities if r.conversation_id == conversation]
        if len(replies) > before:
            reply = replies[-1]
            return reply.text + json.dumps(reply.card or {}, ensure_ascii=False)
        await asyncio.sleep(0.1)
    raise AssertionError(f"{server.name} did not reply:\n{server.tail()}")


async def test_two_servers_one_sync_both_answer_from_the_new_index(
    servers: list[Server], shared_database: Database
) -> None:
    async with FakeConnector() as connector, aiohttp.ClientSession() as session:
        for server in servers:
            assert AGREEMENT not in await _ask(session, server, connector, f"a:{server.name}")

        url = postgres_url_for(shared_database)
        done = await asyncio.to_thread(
            subprocess.run,
            [str(BIN / "innkjopsbot"), "--database", url, "--as-of", "2026-11-24", "sync", str(DEMO_REGISTER)],
            capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr

        for server in servers:  # each picks up the new index version by itself
            deadline = time.monotonic() + 30
            answer = ""
            while AGREEMENT not in answer and time.monotonic() < deadline:
                answer = await _ask(session, server, connector, f"a:{server.name}")
            assert AGREEMENT in answer, f"{server.name} still answers from the old index"

        # conversation state is in the database: a follow-up to the other instance continues the topic
        first = await _ask(session, servers[0], connector, "a:shared",
                           "hvem kan signere en kontrakt på 800 000 kr for kjøp av varer?")
        follow_up = await _ask(session, servers[1], connector, "a:shared", "og for 2 mill?")
        alone = await _ask(session, servers[1], connector, "a:fresh", "og for 2 mill?")
        assert "Verdibånd C" in first  # the band, explained in the card's details
        assert "Verdibånd D" in follow_up and "2 000 000" in follow_up, follow_up[:400]
        assert "Verdibånd D" not in alone  # without the stored state the follow-up means nothing


async def test_each_scheduled_job_runs_once_per_tick_across_both(
    servers: list[Server], shared_database: Database
) -> None:
    def finished() -> list[JobLease]:
        with shared_database.session() as session:
            return list(session.exec(select(JobLease).where(JobLease.job == "privacy.retention",
                                                            JobLease.finished_at.is_not(None))))

    deadline = time.monotonic() + 40
    while len(await asyncio.to_thread(finished)) < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    assert len(await asyncio.to_thread(finished)) >= 3, "\n".join(s.tail() for s in servers)
    with shared_database.session() as session:
        # read the runs first: a run that starts after this shows up in the leases only
        runs = len(session.exec(select(PrivacyLog).where(PrivacyLog.action == "retention")).all())
        leases = session.exec(select(JobLease).where(JobLease.job == "privacy.retention")).all()
    ticks = Counter(lease.tick for lease in leases)
    assert set(ticks.values()) == {1}  # one lease per tick …
    outcomes = Counter(lease.outcome for lease in leases)
    assert set(outcomes) <= {"ok", "running"}, [lease.error for lease in leases if lease.error]
    # … and one run per lease: every finished tick wrote exactly one privacy-log row (a run still
    # going may or may not have written its row yet)
    assert outcomes["ok"] <= runs <= outcomes["ok"] + outcomes["running"]
    assert runs < len(leases) + 1


async def test_the_outbox_sends_each_row_once_with_two_senders(
    servers: list[Server], shared_database: Database
) -> None:
    async with FakeConnector() as connector:
        count = 60
        with shared_database.session() as session:
            for number in range(count):
                outbox.enqueue(
                    session, idempotency_key=f"multi:{number}", kind="announcement",
                    activity={"type": "message", "text": f"Melding {number}"},
                    conversation={"service_url": connector.url, "conversation_id": f"a:user-{number}",
                                  "tenant_id": A.TENANT},
                )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with shared_database.session() as session:
                statuses = Counter(row.status for row in session.exec(select(OutboxRow)))
            if statuses.get("sent", 0) == count:
                break
            await asyncio.sleep(0.25)
        await asyncio.sleep(1.0)  # anything sent twice would arrive now
        sends = Counter(r.conversation_id for r in connector.of("send"))
    assert statuses == {"sent": count}, statuses
    assert len(sends) == count and set(sends.values()) == {1}, sends.most_common(3)
    with shared_database.session() as session:
        claimed_by = {row.claimed_by for row in session.exec(select(OutboxRow))}
    assert claimed_by  # which sender delivered which row is up to the race


def test_two_instances_migrating_an_empty_database_at_once_both_succeed(tmp_path: Path) -> None:
    """Both run `innkjopsbot migrate` on the same empty schema: one migrates, the other waits (advisory lock)."""
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set: the migration lock is PostgreSQL's")
    from sqlalchemy import text

    from bot.db import create_scratch_schema, drop_scratch_schema, url_with_schema

    schema = create_scratch_schema(POSTGRES_URL, "t_")
    url = url_with_schema(POSTGRES_URL, schema)
    try:
        processes = [
            subprocess.Popen([str(BIN / "innkjopsbot"), "--database", url, "--json", "migrate"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in processes]
        for code, _out, err in results:
            assert code == 0, err
        outputs = [json.loads(out) for _code, out, _err in results]
        assert all(o["after"] == Database.head_revision() for o in outputs)
        # neither failed on the other's half-made tables: each found the schema empty or complete (a
        # process started late on a loaded machine may find the other's migration already done)
        assert all(o["before"] in (None, Database.head_revision()) for o in outputs)
        assert any(o["before"] is None for o in outputs)
        database = Database(POSTGRES_URL, schema=schema)
        with database.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        database.dispose()
        assert [v[0] for v in versions] == [Database.head_revision()]
    finally:
        drop_scratch_schema(POSTGRES_URL, schema)
