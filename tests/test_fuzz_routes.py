"""Property-based fuzzing of every route (issue 13): hostile requests never get a 5xx, never end in
an internal error (the errors counter of /metrics stays at 0), and /healthz answers throughout.

The routes come from the running app's router (benchmarks/fuzz_requests.py), so a new route is
fuzzed without a change here. The number of examples is bounded for CI
(INNKJOPSBOT_FUZZ_EXAMPLES, default 150 per database); request latency is measured in
`make bench BENCH=fuzz`, not asserted here. Runs on SQLite and, with TEST_DATABASE_URL, PostgreSQL.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from benchmarks.fake_connector import FakeConnector
from benchmarks.fuzz_requests import MESSAGES, FuzzRequest, all_requests, routes, verbs_of
from bot.teams.server import SERVICES_KEY
from conftest import AS_OF, _backends, make_test_database
from helpers.agreements import seed_agreements
from helpers.bot_server import RunningBot, bot_settings, running_bot

EXAMPLES = int(os.environ.get("INNKJOPSBOT_FUZZ_EXAMPLES", "150"))


class BotThread:
    """The bot and a fake Bot Connector on an event loop of their own, so that hypothesis (which
    drives synchronous tests) can send requests with a plain HTTP client."""

    def __init__(self, database: Any) -> None:
        self.database = database
        self.loop = asyncio.new_event_loop()
        self.started: Future[tuple[RunningBot, FakeConnector]] = Future()
        self.stop = asyncio.Event()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._main(),), daemon=True)

    async def _main(self) -> None:
        try:
            async with FakeConnector() as connector, running_bot(
                self.database, bot_settings(max_body_bytes=256 * 1024), as_of=AS_OF
            ) as bot:
                self.started.set_result((bot, connector))
                await self.stop.wait()
        except BaseException as exc:
            if not self.started.done():
                self.started.set_exception(exc)
            raise

    def __enter__(self) -> tuple[RunningBot, FakeConnector]:
        self.thread.start()
        return self.started.result(timeout=120)

    def __exit__(self, *_exc: object) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(timeout=60)

    def metrics(self, bot: RunningBot) -> str:
        return asyncio.run_coroutine_threadsafe(bot.get("/metrics"), self.loop).result(timeout=60)[1]


@pytest.fixture(scope="module", params=_backends)
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BotThread, RunningBot, FakeConnector]]:
    database, drop = make_test_database(request.param, tmp_path_factory.mktemp("fuzz"))
    seed_agreements(database)
    runner = BotThread(database)
    try:
        with runner as (bot, connector):
            # ready first (the search index is built in the background): /readyz must then stay 200
            deadline = time.monotonic() + 180
            while send(bot, FuzzRequest("GET", "/readyz", {})) != 200:
                assert time.monotonic() < deadline, "the bot did not become ready"
                time.sleep(0.2)
            yield runner, bot, connector
    finally:
        drop()


def send(bot: RunningBot, request: FuzzRequest, timeout: float = 60) -> int:
    host_port = bot.base_url.removeprefix("http://")
    connection = http.client.HTTPConnection(host_port, timeout=timeout)
    try:
        connection.request(request.method, request.path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def errors(metrics_text: str) -> dict[str, float]:
    counted = {}
    for line in metrics_text.splitlines():
        if line.startswith("innkjopsbot_errors_total{"):
            where, value = line.split("}", 1)
            counted[where.split('"')[1]] = float(value)
    return {k: v for k, v in counted.items() if v}


def test_every_route_of_the_app_is_fuzzed(fuzzed: tuple[BotThread, RunningBot, FakeConnector]) -> None:
    _, bot, _ = fuzzed
    found = routes(bot.app)
    assert ("POST", MESSAGES) in found and ("GET", "/healthz") in found
    assert any("{" in template for _, template in found)  # /courses/{course_id}.ics: parameters are filled in


def test_hostile_requests_to_every_route_never_get_a_5xx(fuzzed: tuple[BotThread, RunningBot, FakeConnector]) -> None:
    runner, bot, connector = fuzzed
    verbs = verbs_of(bot.app[SERVICES_KEY].areas.card_action_prefixes())

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(request=all_requests(bot.app, connector.url, verbs))
    def check(request: FuzzRequest) -> None:
        status = send(bot, request)
        assert status < 500, f"{request!r} → {status}"
        assert send(bot, FuzzRequest("GET", "/healthz", {})) == 200
        assert errors(runner.metrics(bot)) == {}, f"internal error after {request!r}"

    check()
