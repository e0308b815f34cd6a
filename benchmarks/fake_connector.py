"""The one fake Bot Connector (the `serviceUrl` of Teams activities), for tests and benchmarks.

A real aiohttp server on 127.0.0.1 that records what the bot sends and answers like the Bot
Connector — or as configured:

- `respond_with(429, headers={"Retry-After": "1"}, times=2)`: canned answers for the next sends;
- `script=lambda request, n: (403, {}, {"error": {...}})`: an answer per request (`n`: the how-
  manieth request of its conversation), None for the normal one;
- `conversation_windows` / `app_windows`: Teams' rate limits, enforced on the fake's own clock
  (sliding windows; a request over a limit, or one before its conversation's Retry-After has
  passed, gets 429 + Retry-After); `throttle_share`: a seeded share of requests answered 429 anyway;
- `delay`: seconds each answer takes; `members`: what the member lookup returns.

    async with FakeConnector() as connector:
        activity = message_activity("kontorstol", service_url=connector.url)
        ...
        sent = await connector.wait_for(1)
        assert sent[0].card is not None

Routes (Bot Framework REST API v3):
  POST   /v3/conversations                                 create a conversation (proactive 1:1)
  POST   /v3/conversations/{conversationId}/activities      send to a conversation
  POST   /v3/conversations/{conversationId}/activities/{id} reply to an activity
  PUT    /v3/conversations/{conversationId}/activities/{id} update an activity
  DELETE /v3/conversations/{conversationId}/activities/{id} delete an activity
  GET    /v3/conversations/{conversationId}/members/{userId} one member (404 unless configured)
  GET    /v3/conversations/{conversationId}/members          all configured members

Lives in benchmarks/ because both the tests and the benchmarks use it (nothing imports tests/).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.outbox.limits import Window

ACTIVITY_OPERATIONS = frozenset({"send", "reply", "update", "delete", "create"})
CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class Recorded:
    """One request the bot made to the connector, and how the fake answered it."""

    method: str
    path: str
    operation: str  # send | reply | update | delete | create | member | members
    conversation_id: str = ""
    activity_id: str | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    at: float = 0.0  # time.monotonic() on arrival

    @property
    def authorization(self) -> str | None:
        return self.headers.get("Authorization")

    @property
    def text(self) -> str:
        """The message's text; a reply with a card carries it as `summary` (Teams shows `text` above the card)."""
        if not isinstance(self.body, dict):
            return ""
        return str(self.body.get("text") or self.body.get("summary") or "")

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return list(self.body.get("attachments") or []) if isinstance(self.body, dict) else []

    @property
    def card(self) -> dict[str, Any] | None:
        """The first Adaptive Card attachment's content, if any."""
        for attachment in self.attachments:
            if attachment.get("contentType") == CARD:
                return attachment.get("content")
        return None


Answer = tuple[int, dict[str, str], Any]  # status, headers, JSON body
Script = Callable[[Recorded, int], Answer | None]


class _Windows:
    """Timestamps of accepted requests, checked against sliding windows."""

    def __init__(self, windows: Sequence[Window]) -> None:
        self.windows = tuple(windows)
        self.horizon = max((w.period for w in self.windows), default=0.0)
        self.times: deque[float] = deque()

    def allows(self, now: float) -> bool:
        while self.times and self.times[0] <= now - self.horizon:
            self.times.popleft()
        return all(sum(1 for t in self.times if t > now - w.period) < w.limit for w in self.windows)


class FakeConnector:
    def __init__(
        self,
        *,
        delay: float = 0.0,
        script: Script | None = None,
        conversation_windows: Sequence[Window] = (),
        app_windows: Sequence[Window] = (),
        throttle_share: float = 0.0,
        retry_after: float = 1.0,
        seed: int = 7,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.delay = delay
        self.script = script
        self.conversation_windows = tuple(conversation_windows)
        self.throttle_share = throttle_share
        self.retry_after = retry_after
        self.host, self.port = host, port
        self.requests: list[Recorded] = []
        self.members: dict[str, dict[str, Any]] = {}
        self.current: dict[str, Any] = {}  # activity id → the activity as it now is (after updates)
        self.deleted: set[str] = set()
        self.answered_429 = 0
        self.over_limit = 0  # requests that broke a limit (or came during a Retry-After pause)
        self._canned: deque[tuple[int, dict[str, str], Any, frozenset[str] | None]] = deque()
        self._rng = random.Random(seed)
        self._ids = itertools.count(1)
        self._per_conversation: dict[str, int] = defaultdict(int)
        self._app = _Windows(app_windows)
        self._conversations: dict[str, _Windows] = {}
        self._paused: dict[str, float] = {}
        self._runner: web.AppRunner | None = None
        self._changed: asyncio.Event | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> FakeConnector:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._activity)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._activity)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._activity)
        app.router.add_delete("/v3/conversations/{cid}/activities/{aid}", self._activity)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        app.router.add_get("/v3/conversations/{cid}/members", self._all_members)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        self._changed = asyncio.Event()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """The serviceUrl to put in activities (with the trailing slash Teams uses)."""
        return f"http://{self.host}:{self.port}/"

    # --- configuration -------------------------------------------------------------------------

    def respond_with(self, status: int, *, times: int = 1, headers: dict[str, str] | None = None, body: Any = None,
                     operations: set[str] | None = None) -> None:
        """Answer the next `times` activity requests (or only those of `operations`) with `status`."""
        for _ in range(times):
            self._canned.append((status, dict(headers or {}), body, frozenset(operations) if operations else None))

    def add_member(self, user_id: str, *, name: str = "", email: str = "", upn: str = "", aad_object_id: str = "") -> None:
        self.members[user_id] = {"id": user_id, "name": name, "email": email, "userPrincipalName": upn or email,
                                 "aadObjectId": aad_object_id, "userRole": "user"}

    def clear(self) -> None:
        self.requests.clear()

    # --- inspection ----------------------------------------------------------------------------

    @property
    def received(self) -> list[Recorded]:
        """Every activity request (send, reply, update, delete, create), answered or refused."""
        return [r for r in self.requests if r.operation in ACTIVITY_OPERATIONS]

    @property
    def accepted(self) -> list[Recorded]:
        return [r for r in self.received if r.status < 300]

    @property
    def activities(self) -> list[Recorded]:
        """Accepted sends and replies of message activities (not typing indicators)."""
        return [r for r in self.accepted if r.operation in ("send", "reply")
                and isinstance(r.body, dict) and r.body.get("type", "message") == "message"]

    @property
    def posts(self) -> dict[str, list[Any]]:
        """Conversation id → the bodies of its accepted sends and replies."""
        by_conversation: dict[str, list[Any]] = defaultdict(list)
        for r in self.accepted:
            if r.operation in ("send", "reply"):
                by_conversation[r.conversation_id].append(r.body)
        return by_conversation

    @property
    def updates(self) -> int:
        return sum(1 for r in self.accepted if r.operation == "update")

    def texts(self, method: str = "POST") -> list[str]:
        return [str(r.body.get("text", "")) for r in self.accepted if r.method == method and isinstance(r.body, dict)]

    def of(self, operation: str) -> list[Recorded]:
        return [r for r in self.requests if r.operation == operation]

    async def wait_for(self, count: int = 1, *, timeout: float = 10.0, operation: str | None = None) -> list[Recorded]:
        """Wait until at least `count` message activities (or requests of `operation`) arrived."""
        changed = self._changed
        assert changed is not None, "enter the connector first (async with)"

        def current() -> list[Recorded]:
            return self.of(operation) if operation else self.activities

        async def waiter() -> None:
            while len(current()) < count:
                changed.clear()
                await changed.wait()

        await asyncio.wait_for(waiter(), timeout)
        return current()

    # --- handlers ------------------------------------------------------------------------------

    async def _record(self, request: web.Request, operation: str) -> Recorded:
        raw = await request.read() if request.can_read_body else b""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = None
        recorded = Recorded(
            method=request.method, path=request.path, operation=operation,
            conversation_id=request.match_info.get("cid", ""), activity_id=request.match_info.get("aid"),
            body=body, headers=dict(request.headers.items()), at=time.monotonic(),
        )
        self.requests.append(recorded)
        return recorded

    def _changed_now(self) -> None:
        if self._changed is not None:
            self._changed.set()

    def _refusal(self, recorded: Recorded) -> Answer | None:
        """A configured or rate-limit refusal of this activity request, or None."""
        for index, (status, headers, body, operations) in enumerate(self._canned):
            if operations is None or recorded.operation in operations:
                del self._canned[index]
                return status, headers, body if body is not None else {"error": {"code": "Canned", "message": f"status {status}"}}
        self._per_conversation[recorded.conversation_id] += 1
        scripted = self.script(recorded, self._per_conversation[recorded.conversation_id]) if self.script else None
        if scripted is not None and scripted[0] >= 300:
            return scripted
        now = recorded.at
        windows = self._conversations.setdefault(recorded.conversation_id, _Windows(self.conversation_windows))
        if now < self._paused.get(recorded.conversation_id, 0.0) or not windows.allows(now) or not self._app.allows(now):
            self.over_limit += 1
            return self._throttle(recorded)
        if self.throttle_share and self._rng.random() < self.throttle_share:
            return self._throttle(recorded)
        windows.times.append(now)
        self._app.times.append(now)
        return None

    def _throttle(self, recorded: Recorded) -> Answer:
        self._paused[recorded.conversation_id] = recorded.at + self.retry_after
        return 429, {"Retry-After": f"{self.retry_after:g}"}, {"error": {"code": "Throttled", "message": "Too many requests"}}

    async def _activity(self, request: web.Request) -> web.Response:
        aid = request.match_info.get("aid")
        operation = {"POST": "reply" if aid else "send", "PUT": "update", "DELETE": "delete"}[request.method]
        recorded = await self._record(request, operation)
        if self.delay:
            await asyncio.sleep(self.delay)
        refusal = self._refusal(recorded)
        if refusal is not None:
            recorded.status = refusal[0]
            self.answered_429 += refusal[0] == 429
            self._changed_now()
            return web.json_response(refusal[2], status=refusal[0], headers=refusal[1])
        if operation == "delete":
            self.deleted.add(aid or "")
            self._changed_now()
            return web.Response(status=200)
        if operation == "update":
            self.current[aid or ""] = recorded.body
            recorded.status = 200
            self._changed_now()
            return web.json_response({"id": aid}, status=200)
        activity_id = f"act-{next(self._ids)}"
        self.current[activity_id] = recorded.body
        recorded.status = 201
        self._changed_now()
        return web.json_response({"id": activity_id}, status=201)

    async def _create(self, request: web.Request) -> web.Response:
        recorded = await self._record(request, "create")
        refusal = self._refusal(recorded)
        if refusal is not None:
            recorded.status = refusal[0]
            self._changed_now()
            return web.json_response(refusal[2], status=refusal[0], headers=refusal[1])
        recorded.status = 201
        self._changed_now()
        return web.json_response({"id": f"a:conversation-{next(self._ids)}", "serviceUrl": self.url,
                                  "activityId": f"act-{next(self._ids)}"}, status=201)

    async def _member(self, request: web.Request) -> web.Response:
        recorded = await self._record(request, "member")
        member = self.members.get(request.match_info["uid"])
        recorded.status = 200 if member is not None else 404
        self._changed_now()
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation", "message": "no such member"}}, status=404)
        return web.json_response(member)

    async def _all_members(self, request: web.Request) -> web.Response:
        await self._record(request, "members")
        self._changed_now()
        return web.json_response(list(self.members.values()))
