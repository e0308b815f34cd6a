"""A fake Bot Connector for the outbox and alert tests: a real aiohttp server on 127.0.0.1.

It records every activity (method, conversation, activity id, body, arrival time) and answers
what the test configures: a status per request (`script`), per-conversation overrides, and
optionally an app-wide rate limit that answers 429 + Retry-After when exceeded.
(Also a smoke test of its own, so pytest collecting this file is useful.)
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Received:
    method: str
    conversation_id: str
    activity_id: str | None
    body: dict[str, Any] | None
    at: float  # time.monotonic()
    authorization: str | None = None


Reply = tuple[int, dict[str, str], dict[str, Any] | None]


@dataclass
class FakeConnector:
    """Use as `async with FakeConnector() as fake:`; `fake.url` is the serviceUrl."""

    delay: float = 0.0  # seconds each answer takes
    app_rate: int | None = None  # requests per second before 429 (None = unlimited)
    retry_after: str = "1"
    script: Callable[[Received, int], Reply | None] | None = None  # (request, n-th for its conversation)
    received: list[Received] = field(default_factory=list)
    accepted: list[Received] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _per_conversation: dict[str, int] = field(default_factory=dict)
    _recent: deque[float] = field(default_factory=deque)

    async def __aenter__(self) -> FakeConnector:
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

    def texts(self, method: str = "POST") -> list[str]:
        return [r.body.get("text", "") for r in self.accepted if r.method == method and r.body]

    async def _handle(self, request: web.Request) -> web.Response:
        body = None
        if request.can_read_body:
            body = json.loads(await request.read() or b"null")
        received = Received(
            request.method,
            request.match_info["conv"],
            request.match_info.get("aid"),
            body,
            time.monotonic(),
            request.headers.get("Authorization"),
        )
        self.received.append(received)
        n = self._per_conversation.get(received.conversation_id, 0) + 1
        self._per_conversation[received.conversation_id] = n
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.app_rate is not None:
            now = time.monotonic()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.app_rate:
                return web.json_response(
                    {"error": {"code": "Throttled", "message": "too many requests"}},
                    status=429, headers={"Retry-After": self.retry_after},
                )
            self._recent.append(now)
        reply = self.script(received, n) if self.script else None
        if reply is not None:
            status, headers, payload = reply
            if status >= 300:
                return web.json_response(payload or {}, status=status, headers=headers)
        self.accepted.append(received)
        if request.method == "DELETE":
            return web.Response(status=200)
        activity_id = received.activity_id or f"act-{next(self._ids)}"
        return web.json_response({"id": activity_id}, status=201 if request.method == "POST" else 200)


async def test_the_fake_connector_records_and_answers() -> None:
    import aiohttp

    async with FakeConnector() as fake, aiohttp.ClientSession() as http, http.post(
        fake.url + "v3/conversations/a:1/activities", json={"type": "message", "text": "hei"}
    ) as r:
        assert r.status == 201
        assert (await r.json())["id"] == "act-1"
    assert fake.texts() == ["hei"]
