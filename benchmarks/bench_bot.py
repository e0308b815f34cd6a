"""Benchmark: agreement questions through POST /api/messages, the reply delivered to a fake Bot
Connector (both real aiohttp servers on 127.0.0.1), sequential and with 50 concurrent senders;
and compose-box search invokes. Measured twice: the app in the benchmark's own process (sharing
it with the load generator and the connector), and `innkjopsbot serve` in a process of its own.

Reports turns per second and p50/p99 latency (POST until the bot's response, which comes after
the reply was delivered to the connector). The index is the reference register when the sync
is available (else a small seeded one). `BENCH_QUICK=1` runs fewer turns; `BENCH_DATABASE_URL`
picks the database (default: a temporary SQLite file).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import aiohttp  # noqa: E402

from benchmarks.fake_connector import FakeConnector  # noqa: E402
from bot.db import Database, scratch_database  # noqa: E402
from helpers import activities as A  # noqa: E402
from helpers.bot_server import RunningBot, bot_settings, running_bot  # noqa: E402

AS_OF = dt.date(2026, 11, 24)
REFERENCE_REGISTER = ROOT.parent / "shared" / "data" / "avtaleregister.csv"
# Everyday agreement questions (not taken from the evaluation set).
QUESTIONS = [
    "har vi avtale på kontorstoler?",
    "toner til skriveren",
    "hvem leverer arbeidsklær?",
    "møbler til møterommet",
    "trenger vikar sykepleier i helga",
    "bestille kopipapir",
    "rotter i kjelleren",
    "hev-senk-pult",
    "snømåking ved skolen",
    "nettbrett til elever",
]
COMPOSE_QUERIES = ["kontorstol", "toner", "arbeidsklær", "vikar", "papir", "skadedyr", "pult", "nettbrett"]


def _load_index(database: Database) -> str:
    try:
        from agreements_sync.sync import sync_export

        if REFERENCE_REGISTER.exists():
            sync_export(database.engine, REFERENCE_REGISTER, as_of=AS_OF, trigger="test")
            return f"reference register ({REFERENCE_REGISTER.name})"
    except ImportError:
        pass
    from helpers.agreements import seed_agreements

    return f"{len(seed_agreements(database))} seeded agreements"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def _turn(bot, connector_url: str, index: int, conversation: str) -> float:
    activity = A.message(QUESTIONS[index % len(QUESTIONS)], connector_url, conversation_id=conversation,
                         user_aad=f"aaaaaaaa-0000-4000-8000-{index % 1000:012d}", user_id=f"29:user{index % 1000}")
    started = time.perf_counter()
    status, _ = await bot.post(activity)
    elapsed = time.perf_counter() - started
    if status >= 300:
        raise RuntimeError(f"turn {index} got HTTP {status}")
    return elapsed


async def _run(database: Database, turns: int, concurrency: int) -> None:
    async with FakeConnector() as connector:
        print("-- the bot in this process (with the load generator and the fake connector)", flush=True)
        async with running_bot(database, bot_settings(log_level="WARNING"), as_of=AS_OF, with_scheduler=False) as bot:
            await _measure(bot, connector, turns, concurrency)
        print("-- the bot in its own process (innkjopsbot serve)", flush=True)
        async with _served(database) as bot:
            await _measure(bot, connector, turns, concurrency)


async def _measure(bot: Any, connector: FakeConnector, turns: int, concurrency: int) -> None:
    # warm-up: builds the search index and the per-user references
    for i in range(min(turns, 20)):
        await _turn(bot, connector.url, i, f"a:warm{i}")
    connector.clear()

    # sequential
    latencies = []
    started = time.perf_counter()
    for i in range(turns):
        latencies.append(await _turn(bot, connector.url, i, f"a:seq{i % 50}"))
    seconds = time.perf_counter() - started
    _report("sequential", turns, seconds, latencies, len(connector.activities))
    connector.clear()

    # concurrent
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(turns):
        queue.put_nowait(i)
    latencies = []

    async def worker(worker_id: int) -> None:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            latencies.append(await _turn(bot, connector.url, i, f"a:conc{worker_id}"))

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    seconds = time.perf_counter() - started
    _report(f"{concurrency} concurrent", turns, seconds, latencies, len(connector.activities))
    connector.clear()

    # compose-box search (an invoke answered in the HTTP response; Teams allows 5 s)
    latencies = []
    started = time.perf_counter()
    for i in range(turns):
        activity = A.compose_query(COMPOSE_QUERIES[i % len(COMPOSE_QUERIES)], connector.url)
        t0 = time.perf_counter()
        status, body = await bot.post(activity)
        latencies.append(time.perf_counter() - t0)
        if status != 200 or body["composeExtension"]["type"] not in ("result", "message"):
            raise RuntimeError(f"compose query {i} got HTTP {status}")
    _report("compose-box", turns, time.perf_counter() - started, latencies, turns)
    _, metrics = await bot.get("/metrics")
    kinds = [line.split('"')[1] + "=" + line.rsplit(" ", 1)[1].removesuffix(".0")
             for line in metrics.splitlines() if line.startswith("innkjopsbot_answers_total{")]
    print(f"{'answers':>14}: {', '.join(kinds)}", flush=True)
    if not any(k.startswith("agreement=") for k in kinds):
        raise RuntimeError("no agreement answers: is the bot using the benchmark's database?")


@asynccontextmanager
async def _served(database: Database) -> AsyncIterator[RunningBot]:
    """`innkjopsbot serve` as a subprocess on a free port, anonymous, on the same database."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = database.url_for_other_processes
    env = {**os.environ, "MICROSOFT_APP_ID": "", "MICROSOFT_APP_PASSWORD": "", "INNKJOPSBOT_SCHEDULER_ENABLED": "false",
           "INNKJOPSBOT_DEV_SERVICE_URLS": "http://127.0.0.1:*",  # the benchmark's fake Bot Connector
           "INNKJOPSBOT_LOG_LEVEL": "WARNING", "INNKJOPSBOT_MIGRATE_ON_START": "false"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--database", url, "--as-of", AS_OF.isoformat(), "serve",
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 60
            while True:
                try:
                    async with session.get(base + "/readyz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("innkjopsbot serve did not become ready")
                await asyncio.sleep(0.2)
            yield RunningBot(base, None, session)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _report(label: str, turns: int, seconds: float, latencies: list[float], delivered: int) -> None:
    print(
        f"{label:>14}: {turns} turns in {seconds:.2f} s = {turns / seconds:6.1f} turns/s; "
        f"latency p50 {1000 * statistics.median(latencies):.1f} ms, p99 {1000 * _percentile(latencies, 0.99):.1f} ms; "
        f"replies delivered {delivered}/{turns}",
        flush=True,
    )


def main() -> None:
    logging.disable(logging.WARNING)
    quick = os.environ.get("BENCH_QUICK") == "1"
    turns = 200 if quick else 1000
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench-bot.db"
        database, drop = _database(url)
        try:
            print(f"index: {_load_index(database)}; database: {database.engine.dialect.name}", flush=True)
            asyncio.run(_run(database, turns, 50))
        finally:
            drop()
            logging.disable(logging.NOTSET)


def _database(url: str) -> tuple[Database, Callable[[], None]]:
    """A migrated database; on PostgreSQL in a throwaway schema, dropped afterwards."""
    return scratch_database(url, prefix="bench_bot_")


if __name__ == "__main__":
    main()
