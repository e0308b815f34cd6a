"""Benchmark: deliver one announcement to 10 000 recipients through a Bot Connector limited to
50 requests/s (Teams' per-app limit), and report elapsed time as a ratio to the ideal
(recipients / 50 s). `BENCH_QUICK=1` runs 1 000 recipients. `BENCH_DATABASE_URL` picks the
database (default: a temporary SQLite file); `BENCH_SENDER_RATE` the rate the sender keeps to
(default 50, the limit itself).

The fake connector here is a real aiohttp server that enforces the configured Teams limits on
its own clock (sliding windows per conversation and per app; a request over a limit, or one
that comes before a conversation's Retry-After has passed, gets 429 + Retry-After) and can answer
a random share of requests with 429. tests/test_announcements_delivery.py uses it too, with the
limits scaled up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import os
import random
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.outbox.limits import TEAMS_APP_WINDOWS, TEAMS_CONVERSATION_WINDOWS, Window


class _Log:
    """Timestamps of accepted requests; counts inside a window without the sender's code."""

    def __init__(self, windows: Sequence[Window]) -> None:
        self.windows = tuple(windows)
        self.horizon = max((w.period for w in self.windows), default=0.0)
        self.times: deque[float] = deque()

    def allows(self, now: float) -> bool:
        while self.times and self.times[0] <= now - self.horizon:
            self.times.popleft()
        for window in self.windows:
            inside = sum(1 for t in reversed(self.times) if t > now - window.period)
            if inside >= window.limit:
                return False
        return True


@dataclass
class LimitedConnector:
    """`async with LimitedConnector(...) as fake:`; `fake.url` is the serviceUrl to store in references."""

    conversation_windows: Sequence[Window] = TEAMS_CONVERSATION_WINDOWS
    app_windows: Sequence[Window] = TEAMS_APP_WINDOWS
    throttle_share: float = 0.0  # share of otherwise acceptable requests answered 429 anyway
    retry_after: float = 1.0
    seed: int = 7
    # optional scripted answer per (method, conversation id): (status, error code) or None = normal
    script: Callable[[str, str], tuple[int, str] | None] | None = None
    posts: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))  # accepted sends
    activities: dict[str, dict[str, Any]] = field(default_factory=dict)  # activity id -> current activity
    deleted: set[str] = field(default_factory=set)
    updates: int = 0
    answered_429: int = 0
    over_limit: int = 0  # requests that broke a limit (or came during a Retry-After pause)
    requests: int = 0

    async def __aenter__(self) -> LimitedConnector:
        self._rng = random.Random(self.seed)
        self._ids = itertools.count(1)
        self._app = _Log(self.app_windows)
        self._conversations: dict[str, _Log] = {}
        self._paused: dict[str, float] = {}
        app = web.Application()
        app.router.add_route("POST", "/v3/conversations/{conv}/activities", self._handle)
        app.router.add_route("PUT", "/v3/conversations/{conv}/activities/{aid}", self._handle)
        app.router.add_route("DELETE", "/v3/conversations/{conv}/activities/{aid}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()

    def _throttle(self, conversation: str, now: float) -> web.Response:
        self.answered_429 += 1
        self._paused[conversation] = now + self.retry_after
        return web.json_response({"error": {"code": "Throttled", "message": "Too many requests"}}, status=429,
                                 headers={"Retry-After": f"{self.retry_after:g}"})

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        conversation = request.match_info["conv"]
        body = json.loads(await request.read() or b"null") if request.can_read_body else None
        now = time.monotonic()
        log = self._conversations.setdefault(conversation, _Log(self.conversation_windows))
        if now < self._paused.get(conversation, 0.0) or not log.allows(now) or not self._app.allows(now):
            self.over_limit += 1
            return self._throttle(conversation, now)
        if self.throttle_share and self._rng.random() < self.throttle_share:
            return self._throttle(conversation, now)
        scripted = self.script(request.method, conversation) if self.script else None
        if scripted is not None:
            status, code = scripted
            return web.json_response({"error": {"code": code, "message": code}}, status=status)
        log.times.append(now)
        self._app.times.append(now)
        if request.method == "POST":
            activity_id = f"{conversation}|{next(self._ids)}"
            self.posts[conversation].append(body or {})
            self.activities[activity_id] = body or {}
            return web.json_response({"id": activity_id}, status=201)
        activity_id = request.match_info["aid"]
        if activity_id not in self.activities or activity_id in self.deleted:
            return web.json_response({"error": {"code": "NotFound", "message": "no such activity"}}, status=404)
        if request.method == "PUT":
            self.updates += 1
            self.activities[activity_id] = body or {}
            return web.json_response({"id": activity_id}, status=200)
        self.deleted.add(activity_id)
        return web.Response(status=200)


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
    async with LimitedConnector(app_windows=app_windows) as fake:
        started = time.perf_counter()
        add_recipients(database, fake.url, recipients)
        setup_seconds = time.perf_counter() - started
        started = time.perf_counter()
        _announcement, summary = queue_announcement(database)
        enqueue_seconds = time.perf_counter() - started
        started = time.perf_counter()
        report = await drain(database, app_windows=(Window(sender_rate, 1.0),))
        elapsed = time.perf_counter() - started
    delivered = sum(1 for posts in fake.posts.values() if posts)
    duplicates = sum(len(posts) - 1 for posts in fake.posts.values() if len(posts) > 1)
    ideal = recipients / rate
    return {
        "recipients": recipients, "rate_limit_per_s": rate, "sender_rate_per_s": sender_rate, "queued": summary.queued, "delivered": delivered,
        "duplicates": duplicates, "requests": fake.requests, "answered_429": fake.answered_429,
        "setup_s": round(setup_seconds, 2), "enqueue_s": round(enqueue_seconds, 2), "deliver_s": round(elapsed, 2),
        "ideal_s": round(ideal, 2), "ratio": round(elapsed / ideal, 3), "sender": report.to_json(),
    }


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
    print(f"  queued {result['queued']} outbox rows in {result['enqueue_s']} s")
    print(f"  delivered {result['delivered']} (duplicates {result['duplicates']}) in {result['deliver_s']} s; "
          f"{result['requests']} requests, {result['answered_429']} answered 429")
    print(f"  ratio elapsed / ideal = {result['ratio']}  (ideal {result['ideal_s']} s)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
