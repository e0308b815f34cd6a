"""The Bot Connector REST calls the outbox needs, over aiohttp, with plain results.

POST   {serviceUrl}/v3/conversations/{conversationId}/activities          (send)
PUT    {serviceUrl}/v3/conversations/{conversationId}/activities/{id}     (update)
DELETE {serviceUrl}/v3/conversations/{conversationId}/activities/{id}     (delete)

A bearer token comes from an injected async `token_provider()` (None = anonymous, local
development and tests). `token_provider_from_services(services)` uses the Agents SDK connection
manager the Teams layer puts in `services.extras["connection_manager"]`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
BOT_FRAMEWORK_RESOURCE = "https://api.botframework.com"

TokenProvider = Callable[[], Awaitable[str | None]]


@dataclass
class ConnectorResult:
    """What one HTTP call came to. status 0 = no HTTP answer (timeout, connection error)."""

    status: int
    activity_id: str | None = None
    retry_after: float | None = None  # seconds, from a 429/503 Retry-After header
    error_code: str = ""  # Bot Framework error code, e.g. ConversationBlockedByUser
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def activities_url(service_url: str, conversation_id: str, activity_id: str | None = None) -> str:
    base = service_url.rstrip("/") + "/v3/conversations/" + quote(conversation_id, safe=":@;=,!$'()*+-._~")
    url = base + "/activities"
    if activity_id:
        url += "/" + quote(activity_id, safe=":@;=,!$'()*+-._~")
    return url


class ConnectorClient:
    """One aiohttp session to the Bot Connector; use as `async with ConnectorClient(...)`."""

    def __init__(
        self,
        token_provider: TokenProvider | None = None,
        *,
        timeout: float = 30.0,
        max_connections: int = 64,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.token_provider = token_provider
        self.timeout = timeout
        self.max_connections = max_connections
        self._session = session
        self._own_session = session is None

    async def __aenter__(self) -> ConnectorClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                connector=aiohttp.TCPConnector(limit=self.max_connections),
            )

    async def close(self) -> None:
        if self._session is not None and self._own_session:
            await self._session.close()
        self._session = None

    async def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.token_provider is not None:
            token = await self.token_provider()
            if token:
                headers["Authorization"] = f"Bearer {token}"
        return headers

    async def send(self, service_url: str, conversation_id: str, activity: dict[str, Any]) -> ConnectorResult:
        return await self._call("POST", activities_url(service_url, conversation_id), activity)

    async def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> ConnectorResult:
        body = {**activity, "id": activity_id}
        result = await self._call("PUT", activities_url(service_url, conversation_id, activity_id), body)
        if result.ok and not result.activity_id:
            result.activity_id = activity_id
        return result

    async def delete(self, service_url: str, conversation_id: str, activity_id: str) -> ConnectorResult:
        result = await self._call("DELETE", activities_url(service_url, conversation_id, activity_id), None)
        if result.ok:
            result.activity_id = activity_id
        return result

    async def _call(self, method: str, url: str, body: dict[str, Any] | None) -> ConnectorResult:
        if self._session is None:
            await self.start()
        assert self._session is not None
        try:
            headers = await self._headers()
        except Exception as exc:  # noqa: BLE001 - a token failure is a retryable outcome, not a crash
            return ConnectorResult(0, error=f"could not get a token: {type(exc).__name__}: {exc}")
        try:
            async with self._session.request(method, url, json=body, headers=headers) as response:
                raw = await response.read()
                return _result(response.status, response.headers.get("Retry-After"), raw)
        except TimeoutError:
            return ConnectorResult(0, error=f"timeout after {self.timeout:g} s")
        except aiohttp.ClientError as exc:
            return ConnectorResult(0, error=f"connection error: {type(exc).__name__}: {exc}")


def _result(status: int, retry_after: str | None, raw: bytes) -> ConnectorResult:
    payload: Any = None
    if raw:
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
    result = ConnectorResult(status, retry_after=parse_retry_after(retry_after))
    if isinstance(payload, dict):
        if 200 <= status < 300 and payload.get("id"):
            result.activity_id = str(payload["id"])
        error = payload.get("error")
        if isinstance(error, dict):
            result.error_code = str(error.get("code") or "")
            result.error = str(error.get("message") or "")
    if status >= 300 and not result.error:
        result.error = raw[:300].decode("utf-8", "replace") if raw else f"HTTP {status}"
    return result


def token_provider_from_services(services: Any) -> TokenProvider | None:
    """A token provider from the Agents SDK connection manager, or None (anonymous).

    Uses `services.connection_manager` when the server put one there; otherwise, with bot
    credentials configured, builds one from the settings (bot.teams.server.connection_manager_for)
    and keeps it there.
    """
    settings = services.settings
    if settings.anonymous:
        return None
    if services.connection_manager is None:
        from bot.teams.server import connection_manager_for  # the SDK's, only when a token is needed

        services.connection_manager = connection_manager_for(settings)
    manager = services.connection_manager

    async def provide() -> str | None:
        connection = manager.get_default_connection()
        return await connection.get_access_token(BOT_FRAMEWORK_RESOURCE, [BOT_FRAMEWORK_SCOPE])

    return provide
