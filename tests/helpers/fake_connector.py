"""A local fake of the Bot Connector service (the `serviceUrl` of Teams activities).

A real aiohttp server on 127.0.0.1 that records what the bot sends and answers like the Bot
Connector — or with statuses you configure (429 with Retry-After, 403 blocked, 5xx …). Used by
the bot's end-to-end tests, the benchmark, and the outbox/alerts/courses tests::

    async with FakeConnector() as connector:
        activity = message_activity("kontorstol", service_url=connector.url)
        ...
        sent = await connector.wait_for(1)
        assert sent[0].body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"

    connector.respond_with(429, headers={"Retry-After": "1"}, times=2)   # the next two sends
    connector.members["29:user"] = {"id": "29:user", "email": "kari@x.no", ...}

Routes (Bot Framework REST API v3):
  POST   /v3/conversations                                 create a conversation (proactive 1:1)
  POST   /v3/conversations/{conversationId}/activities      send to a conversation
  POST   /v3/conversations/{conversationId}/activities/{id} reply to an activity
  PUT    /v3/conversations/{conversationId}/activities/{id} update an activity
  DELETE /v3/conversations/{conversationId}/activities/{id} delete an activity
  GET    /v3/conversations/{conversationId}/members/{userId} one member (404 unless configured)
  GET    /v3/conversations/{conversationId}/members          all configured members
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Recorded:
    """One request the bot made to the connector."""

    method: str
    path: str
    operation: str  # send | reply | update | delete | create | member | members
    conversation_id: str = ""
    activity_id: str = ""
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200

    @property
    def text(self) -> str:
        """The message's text; a reply with a card carries it as `summary` (Teams shows `text` above the card)."""
        if not isinstance(self.body, dict):
            return ""
        return self.body.get("text") or self.body.get("summary") or ""

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return (self.body or {}).get("attachments") or [] if isinstance(self.body, dict) else []

    @property
    def card(self) -> dict[str, Any] | None:
        """The first Adaptive Card attachment's content, if any."""
        for attachment in self.attachments:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment.get("content")
        return None


@dataclass
class _Canned:
    status: int
    headers: dict[str, str]
    body: Any
    operations: frozenset[str] | None


class FakeConnector:
    """Records every request; answers 200/201 like the Bot Connector unless told otherwise."""

    ACTIVITY_OPERATIONS = frozenset({"send", "reply", "update", "delete", "create"})

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.requests: list[Recorded] = []
        self.members: dict[str, dict[str, Any]] = {}
        self._canned: deque[_Canned] = deque()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed: asyncio.Event | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> FakeConnector:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._reply)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_delete("/v3/conversations/{cid}/activities/{aid}", self._delete)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        app.router.add_get("/v3/conversations/{cid}/members", self._all_members)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._changed = asyncio.Event()
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeConnector:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    @property
    def url(self) -> str:
        """The serviceUrl to put in activities (with the trailing slash Teams uses)."""
        return f"http://{self.host}:{self.port}/"

    # --- configuration ---------------------------------------------------------------------------

    def respond_with(
        self,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
        operations: set[str] | None = None,
    ) -> None:
        """Answer the next `times` activity requests (send/reply/update/delete/create, or only
        `operations`) with `status` instead of success. Queued answers are used in order."""
        for _ in range(times):
            self._canned.append(_Canned(status, dict(headers or {}), body, frozenset(operations) if operations else None))

    def add_member(self, user_id: str, *, name: str = "", email: str = "", upn: str = "", aad_object_id: str = "") -> None:
        self.members[user_id] = {
            "id": user_id, "name": name, "email": email, "userPrincipalName": upn or email,
            "aadObjectId": aad_object_id, "userRole": "user",
        }

    def clear(self) -> None:
        self.requests.clear()

    # --- inspection ------------------------------------------------------------------------------

    @property
    def activities(self) -> list[Recorded]:
        """Successful sends and replies of message activities (not typing indicators)."""
        return [
            r for r in self.requests
            if r.operation in ("send", "reply") and r.status < 300
            and isinstance(r.body, dict) and r.body.get("type", "message") == "message"
        ]

    def of(self, operation: str) -> list[Recorded]:
        return [r for r in self.requests if r.operation == operation]

    async def wait_for(self, count: int = 1, *, timeout: float = 10.0, operation: str | None = None) -> list[Recorded]:
        """Wait until at least `count` message activities (or requests of `operation`) arrived."""
        assert self._changed is not None, "start() the connector first"

        def current() -> list[Recorded]:
            return self.of(operation) if operation else self.activities

        async def waiter() -> None:
            while len(current()) < count:
                self._changed.clear()  # type: ignore[union-attr]
                await self._changed.wait()  # type: ignore[union-attr]

        await asyncio.wait_for(waiter(), timeout)
        return current()

    # --- handlers --------------------------------------------------------------------------------

    async def _record(self, request: web.Request, operation: str) -> tuple[Recorded, web.Response | None]:
        try:
            body = await request.json() if request.can_read_body else None
        except json.JSONDecodeError:
            body = None
        recorded = Recorded(
            method=request.method,
            path=request.path,
            operation=operation,
            conversation_id=request.match_info.get("cid", ""),
            activity_id=request.match_info.get("aid", ""),
            body=body,
            headers=dict(request.headers.items()),
        )
        canned = None
        if operation in self.ACTIVITY_OPERATIONS:
            for index, candidate in enumerate(self._canned):
                if candidate.operations is None or operation in candidate.operations:
                    canned = candidate
                    del self._canned[index]
                    break
        response = None
        if canned is not None:
            recorded.status = canned.status
            payload = canned.body if canned.body is not None else {"error": {"code": "Canned", "message": f"status {canned.status}"}}
            response = web.json_response(payload, status=canned.status, headers=canned.headers)
        self.requests.append(recorded)
        if self._changed is not None:
            self._changed.set()
        return recorded, response

    def _new_id(self) -> str:
        return f"activity-{next(self._ids)}"

    async def _send(self, request: web.Request) -> web.Response:
        _, canned = await self._record(request, "send")
        return canned or web.json_response({"id": self._new_id()}, status=201)

    async def _reply(self, request: web.Request) -> web.Response:
        _, canned = await self._record(request, "reply")
        return canned or web.json_response({"id": self._new_id()}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        recorded, canned = await self._record(request, "update")
        return canned or web.json_response({"id": recorded.activity_id}, status=200)

    async def _delete(self, request: web.Request) -> web.Response:
        _, canned = await self._record(request, "delete")
        return canned or web.Response(status=200)

    async def _create(self, request: web.Request) -> web.Response:
        _, canned = await self._record(request, "create")
        return canned or web.json_response(
            {"id": f"a:conversation-{next(self._ids)}", "serviceUrl": self.url, "activityId": self._new_id()}, status=201
        )

    async def _member(self, request: web.Request) -> web.Response:
        await self._record(request, "member")
        member = self.members.get(request.match_info["uid"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation", "message": "no such member"}},
                                     status=404)
        return web.json_response(member)

    async def _all_members(self, request: web.Request) -> web.Response:
        await self._record(request, "members")
        return web.json_response(list(self.members.values()))
