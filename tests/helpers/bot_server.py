"""Run the bot (`bot.teams.server.create_app`) on a real port of 127.0.0.1 inside a test or benchmark."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp import web

from bot.db import Database
from bot.services import Services
from bot.settings import Settings
from bot.teams.server import create_app


def bot_settings(**overrides: Any) -> Settings:
    """Settings independent of the environment and .env: anonymous unless app_id/app_password given."""
    values: dict[str, Any] = {"app_id": "", "app_password": "", "app_tenant_id": "", "log_json": True,
                              "scheduler_enabled": False, "migrate_on_start": False,
                              # anonymous mode answers only at allowed service URLs: the tests' fake
                              # Bot Connectors listen on random ports of 127.0.0.1
                              "dev_service_urls": ["http://127.0.0.1:*"],
                              # the semantic model has tests of its own (test_search_semantic.py)
                              "search_semantic": False}
    values.update(overrides)
    return Settings(_env_file=None, **values)


class RunningBot:
    def __init__(self, base_url: str, app: web.Application, session: aiohttp.ClientSession) -> None:
        self.base_url = base_url
        self.app = app
        self.session = session

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/api/messages"

    async def post(self, activity: Any, *, token: str | None = None, raw: bytes | None = None,
                   headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """POST an activity (or raw bytes); returns (status, parsed JSON body or text or None)."""
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {"data": raw} if raw is not None else {"json": activity}
        async with self.session.post(self.messages_url, headers=all_headers, **kwargs) as response:
            text = await response.text()
            try:
                body: Any = await response.json(content_type=None) if text else None
            except ValueError:
                body = text
            return response.status, body

    async def get(self, path: str) -> tuple[int, str]:
        async with self.session.get(self.base_url + path) as response:
            return response.status, await response.text()


@asynccontextmanager
async def running_bot(
    database: Database, settings: Settings | None = None, *, as_of: dt.date | None = None, **create_kwargs: Any
) -> AsyncIterator[RunningBot]:
    settings = settings or bot_settings()
    services = Services(settings=settings, database=database, as_of=as_of)
    app = create_app(settings, services, **create_kwargs)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        async with aiohttp.ClientSession() as session:
            yield RunningBot(f"http://127.0.0.1:{port}", app, session)
    finally:
        await runner.cleanup()
