"""Benchmark: deliver one announcement to 10 000 recipients through a Bot Connector limited to
50 requests/s (Teams' per-app limit), and report elapsed time as a ratio to the ideal
(recipients / 50 s). `BENCH_QUICK=1` runs 1 000 recipients. `BENCH_DATABASE_URL` picks the
database (default: a temporary SQLite file); `BENCH_SENDER_RATE` the rate the sender keeps to
(default 50, the limit itself).

The fake Bot Connector (benchmarks/fake_connector.py) enforces the configured Teams limits on its
own clock (sliding windows per conversation and per app; a request over a limit, or one that
comes before a conversation's Retry-After has passed, gets 429 + Retry-After) and can answer a
random share of requests with 429. A second run delivers 5 000 messages with the limits scaled
up and 3 % of requests answered 429, and checks that each recipient got the announcement exactly
once (this volume check moved here from the unit tests, which keep 200-recipient cases).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.fake_connector import FakeConnector
from bot.outbox.limits import TEAMS_APP_WINDOWS, TEAMS_CONVERSATION_WINDOWS, Window

# Teams' limits times 20 (7/s → 140/s per conversation; 50/s → 1 000/s per app), enforced by both sides
SCALED_CONVERSATION = (Window(140, 1.0), Window(1200, 30.0), Window(36000, 3600.0))
SCALED_APP = (Window(1000, 1.0),)


def add_recipients(database: Any, service_url: str, count: int, prefix: str = "user") -> None:
    """`count` users with an installed personal chat (conversation references), in bulk."""
    from bot.conversation.models import ConversationRef

    now = dt.datetime.now(dt.UTC)
    with database.session() as session:
        session.add_all([
            ConversationRef(
                aad_object_id=f"{prefix}-{n:05d}", user_id=f"29:{prefix}-{n}", name=f"Ansatt {n}",
                email=f"{prefix}{n:05d}@lorenskog.example", tenant_id="tenant", service_url=service_url,
                conversation_id=f"a:{prefix}-{n:05d}", conversation_type="personal", created_at=now, updated_at=now,
            )
            for n in range(count)
        ])


def queue_announcement(database: Any, audience: str = "all", title: str = "Nytt kurs", text: str = "Meld deg på!") -> Any:
    """Create and queue an announcement as a procurement-section member; returns (announcement, summary)."""
    from bot.announcements import cards, service

    actor = service.Actor(name="innkjop@lorenskog.example")
    now = dt.datetime.now(dt.UTC)
    with database.session() as session:
        announcement = service.create(session, title=title, text=text, audience=audience, actor=actor, now=now)
        summary = service.send(session, announcement.id, cards.announcement_activity, now)
    return announcement, summary


async def drain(database: Any, *, conversation_windows: Sequence[Window] = TEAMS_CONVERSATION_WINDOWS,
                app_windows: Sequence[Window] = TEAMS_APP_WINDOWS, concurrency: int = 32, max_seconds: float | None = None) -> Any:
    from bot.outbox import ConnectorClient, Sender

    async with ConnectorClient(None, timeout=10.0) as client:
        sender = Sender(database, client, conversation_windows=conversation_windows, app_windows=app_windows,
                        concurrency=concurrency, batch_size=200, max_attempts=20)
        return await sender.drain(max_seconds=max_seconds)


async def _bench(database: Any, recipients: int, rate: int, sender_rate: int) -> dict[str, Any]:
    app_windows = (Window(rate, 1.0),)
    async with FakeConnector(app_windows=app_windows) as fake:
        started = time.perf_counter()
        add_recipients(database, fake.url, recipients)
        setup_seconds = time.perf_counter() - started
        started = time.perf_counter()
        _announcement, summary = queue_announcement(database)
        enqueue_seconds = time.perf_counter() - started
        started = time.perf_counter()
        report = await drain(database, app_windows=(Window(sender_rate, 1.0),))
        elapsed = time.perf_counter() - started
    posts = fake.posts
    delivered = sum(1 for sent in posts.values() if sent)
    duplicates = sum(len(sent) - 1 for sent in posts.values() if len(sent) > 1)
    ideal = recipients / rate
    return {
        "recipients": recipients, "rate_limit_per_s": rate, "sender_rate_per_s": sender_rate, "queued": summary.queued, "delivered": delivered,
        "duplicates": duplicates, "requests": len(fake.received), "answered_429": fake.answered_429,
        "setup_s": round(setup_seconds, 2), "enqueue_s": round(enqueue_seconds, 2), "deliver_s": round(elapsed, 2),
        "ideal_s": round(ideal, 2), "ratio": round(elapsed / ideal, 3), "sender": report.to_json(),
    }


async def exactly_once(database: Any, recipients: int) -> dict[str, Any]:
    """Volume check: every recipient gets the announcement exactly once through 429s and retries."""
    from bot.announcements import service

    async with FakeConnector(conversation_windows=SCALED_CONVERSATION, app_windows=SCALED_APP, throttle_share=0.03,
                             retry_after=0.05, seed=11) as fake:
        add_recipients(database, fake.url, recipients, prefix="once")
        announcement, summary = queue_announcement(database, audience="all", title="Nytt kurs i e-handel")
        started = time.perf_counter()
        report = await drain(database, conversation_windows=SCALED_CONVERSATION, app_windows=SCALED_APP, concurrency=64)
        seconds = time.perf_counter() - started
    posts = fake.posts
    with database.session() as session:
        totals = service.report(session, announcement.id).totals
    result = {"recipients": recipients, "queued": summary.queued, "answered_429": fake.answered_429, "retried": report.retried,
              "delivered_once": sum(1 for sent in posts.values() if len(sent) == 1), "duplicates": sum(len(sent) - 1 for sent in posts.values()),
              "report": totals, "deliver_s": round(seconds, 2)}
    assert result["delivered_once"] == recipients and result["duplicates"] == 0 and totals == {"sent": recipients}, result
    return result


def main() -> None:
    from bot.db import Database

    quick = os.environ.get("BENCH_QUICK") == "1"
    recipients = 1_000 if quick else 10_000
    rate = 50
    # the rate the sender keeps to (INNKJOPSBOT_OUTBOX_APP_REQUESTS_PER_SECOND); default: the limit itself
    sender_rate = int(os.environ.get("BENCH_SENDER_RATE", rate))
    url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(url or f"sqlite:///{tmp}/bench-announcements.db")
        database.migrate()
        print(f"delivering one announcement to {recipients} recipients through a connector limited to {rate} requests/s "
              f"(sender keeps to {sender_rate}/s; {database.engine.dialect.name}); ideal {recipients / rate:.0f} s …", flush=True)
        result = asyncio.run(_bench(database, recipients, rate, sender_rate))
        database.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(url or f"sqlite:///{tmp}/bench-once.db")
        database.migrate()
        volume = 1_000 if quick else 5_000
        print(f"exactly once: {volume} recipients, limits x20, 3 % answered 429 …", flush=True)
        once = asyncio.run(exactly_once(database, volume))
        database.dispose()
    print(f"  each delivered once: {once['delivered_once']} of {volume}, {once['answered_429']} answered 429, "
          f"{once['retried']} retried, in {once['deliver_s']} s")
    print(f"  queued {result['queued']} outbox rows in {result['enqueue_s']} s")
    print(f"  delivered {result['delivered']} (duplicates {result['duplicates']}) in {result['deliver_s']} s; "
          f"{result['requests']} requests, {result['answered_429']} answered 429")
    print(f"  ratio elapsed / ideal = {result['ratio']}  (ideal {result['ideal_s']} s)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
