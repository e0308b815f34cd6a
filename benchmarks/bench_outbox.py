"""Benchmark of the outbox sender and the alert scan.

1. ceiling: the sender with limits raised, against a fake Bot Connector that answers at once
   (what the sender + database can do: enqueue rate, deliveries/s);
2. Teams limits: N messages to N conversations at the real per-app limit of 50 requests/s,
   as a ratio to the ideal N/50 s (and how many 429s the connector had to answer);
3. 429 storm: 20 % of requests answered 429 + Retry-After: 1 — all delivered, none twice;
4. one conversation: the per-conversation windows (7/s, 60/30 s) for 70 messages to one chat;
5. the daily scan over the reference register (130 agreements), and a repeat (idempotent).

`BENCH_QUICK=1` makes the runs smaller; `BENCH_DATABASE_URL` picks the database (default: a
temporary SQLite file).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.fake_connector import FakeConnector
from bot.db import Database
from bot.outbox import ConnectorClient, Sender, Window, enqueue

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_REGISTER = ROOT.parent / "shared" / "data" / "avtaleregister.csv"



def fill(database: Database, url: str, n: int, conversations: int, prefix: str) -> float:
    started = time.perf_counter()
    with database.session() as session:
        for i in range(n):
            enqueue(session, idempotency_key=f"{prefix}:{i}", kind="bench", activity={"type": "message", "text": f"{prefix}:{i}"},
                    conversation={"service_url": url, "conversation_id": f"a:{prefix}-{i % conversations}"})
    return time.perf_counter() - started


async def run(database: Database, n: int, conversations: int, prefix: str, *, app_rate: int | None, share_429: float = 0.0,
              raised: bool = False) -> dict[str, Any]:
    app_windows = (Window(app_rate, 1.0),) if app_rate is not None else ()
    async with FakeConnector(app_windows=app_windows, throttle_share=share_429) as fake:
        enqueue_s = fill(database, fake.url, n, conversations, prefix)
        kwargs: dict[str, Any] = {}
        if raised:
            kwargs = {"conversation_windows": (Window(100_000, 1.0),), "app_windows": (Window(100_000, 1.0),), "concurrency": 64}
        async with ConnectorClient() as client:
            started = time.perf_counter()
            report = await Sender(database, client, **kwargs).drain()
            seconds = time.perf_counter() - started
        texts = collections.Counter(fake.texts())
        times = [r.at for r in fake.accepted]
        duplicates = sum(c - 1 for c in texts.values() if c > 1)
        return {
            "messages": n, "conversations": conversations, "enqueue_s": round(enqueue_s, 2), "deliver_s": round(seconds, 2),
            "per_s": round(n / seconds, 1), "delivered": len(texts), "duplicates": duplicates,
            "requests": len(fake.received), "answered_429": fake.answered_429, "sent": report.sent,
            "first_30s": sum(1 for t in times if t - times[0] < 30.0) if times else 0,
        }


def scan_timing(database: Database) -> dict[str, Any]:
    if not REFERENCE_REGISTER.exists():
        return {"skipped": "reference register not found"}
    from agreements_sync.sync import sync_export
    from bot.alerts.scan import scan
    from bot.settings import load_settings

    as_of = dt.date(2026, 11, 24)
    sync_export(database.engine, REFERENCE_REGISTER, as_of=as_of, trigger="bench")
    settings = load_settings(procurement_channel_conversation_id="19:bench@thread.tacv2",
                             procurement_channel_service_url="http://127.0.0.1:9/")
    started = time.perf_counter()
    first = scan(database, settings, as_of)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    again = scan(database, settings, as_of)
    again_s = time.perf_counter() - started
    return {"agreements": 130, "first_scan_ms": round(first_s * 1000), "queued": len(first.new),
            "repeat_scan_ms": round(again_s * 1000), "repeat_queued": len(again.new)}


def main() -> None:
    quick = os.environ.get("BENCH_QUICK") == "1"
    url = os.environ.get("BENCH_DATABASE_URL")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(url or f"sqlite:///{tmp}/bench-outbox.db")
        database.migrate()
        dialect = database.engine.dialect.name
        n = 2_000 if quick else 5_000
        print(f"outbox benchmark ({dialect})", flush=True)
        results["ceiling"] = r = asyncio.run(run(database, n, n, "ceil", app_rate=None, raised=True))
        print(f"  ceiling: enqueue {n} in {r['enqueue_s']} s ({n / r['enqueue_s']:.0f}/s); "
              f"delivered {r['delivered']} in {r['deliver_s']} s = {r['per_s']}/s, duplicates {r['duplicates']}", flush=True)
        m = 500 if quick else 1_000
        results["teams_limits"] = r = asyncio.run(run(database, m, m, "teams", app_rate=50))
        r["ideal_s"], r["ratio"] = m / 50, round(r["deliver_s"] / (m / 50), 3)
        print(f"  at 50 requests/s: {m} messages in {r['deliver_s']} s, ratio to ideal {r['ratio']}; "
              f"429 answers {r['answered_429']}, duplicates {r['duplicates']}", flush=True)
        results["storm_429"] = r = asyncio.run(run(database, m // 2, m // 2, "storm", app_rate=50, share_429=0.2))
        print(f"  20 % answered 429: {r['delivered']}/{r['messages']} delivered in {r['deliver_s']} s with "
              f"{r['requests']} requests, duplicates {r['duplicates']}", flush=True)
        k = 70
        results["one_conversation"] = r = asyncio.run(run(database, k, 1, "one", app_rate=None))
        print(f"  one conversation: {k} messages in {r['deliver_s']} s (Teams: 60 per 30 s → ≥ 30 s); "
              f"first 30 s carried {r['first_30s']}", flush=True)
        results["scan"] = r = scan_timing(database)
        print(f"  scan of the reference register: {r}", flush=True)
        database.dispose()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
