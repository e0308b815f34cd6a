"""Anonymous (development) mode: the bot answers only at the development service URLs — never at
an arbitrary host, its own port or the database's (no token binds the serviceUrl there)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from benchmarks.fake_connector import FakeConnector
from bot.authentication import dev_service_url_allowed, origin
from conftest import AS_OF, make_test_database
from helpers import activities as A
from helpers.bot_server import RunningBot, bot_settings, running_bot


def test_origins_compare_scheme_host_and_port() -> None:
    assert origin("HTTP://LocalHost:56150/v3/") == ("http", "localhost", 56150)
    assert origin("https://smba.trafficmanager.net/emea/") == ("https", "smba.trafficmanager.net", 443)
    assert origin("http://127.0.0.1:99999/")[2] == -1  # not a port: never matches


def test_default_development_service_urls_are_the_playground_only() -> None:
    settings = _defaults()
    assert dev_service_url_allowed("http://localhost:56150", settings)
    assert dev_service_url_allowed("http://127.0.0.1:56150/", settings)
    for url in ("http://127.0.0.1:6379", "http://169.254.169.254/latest/meta-data", "https://attacker.example/",
                "http://localhost:3978", "file:///etc/passwd", "gopher://127.0.0.1:56150", "http://localhost:56151"):
        assert not dev_service_url_allowed(url, settings), url


def test_the_database_and_the_bots_own_port_are_refused_whatever_the_setting_says() -> None:
    settings = bot_settings(dev_service_urls=["http://127.0.0.1:*", "http://localhost:*"],
                            database_url="postgresql://postgres@127.0.0.1:5432/test")
    assert dev_service_url_allowed("http://127.0.0.1:40000", settings)
    assert not dev_service_url_allowed("http://127.0.0.1:5432", settings)
    assert not dev_service_url_allowed("http://localhost:5432", settings)  # the same host by another name
    assert not dev_service_url_allowed("http://127.0.0.1:3978", settings, own_port=3978)


def _defaults():
    from bot.settings import Settings

    return Settings(_env_file=None, app_id="", app_password="")  # type: ignore[call-arg]


@pytest.fixture
async def playground_only_bot(tmp_path) -> AsyncIterator[RunningBot]:
    database, drop = make_test_database("sqlite", tmp_path)
    settings = bot_settings(dev_service_urls=["http://localhost:56150"])
    try:
        async with running_bot(database, settings, as_of=AS_OF) as running:
            yield running
    finally:
        drop()


async def test_an_activity_naming_another_service_url_gets_403_and_nothing_is_sent(
    playground_only_bot: RunningBot,
) -> None:
    async with FakeConnector() as elsewhere:
        status, body = await playground_only_bot.post(A.message("hjelp", elsewhere.url))
        assert status == 403, body
        status, _ = await playground_only_bot.post(A.compose_query("stol", elsewhere.url))
        assert status == 403
        await asyncio.sleep(0.2)
        assert elsewhere.requests == []


async def test_an_activity_naming_the_bots_own_port_is_refused(tmp_path) -> None:
    database, drop = make_test_database("sqlite", tmp_path)
    try:
        async with running_bot(database, bot_settings(), as_of=AS_OF) as bot:  # tests allow 127.0.0.1:*
            status, _ = await bot.post(A.message("hjelp", bot.base_url))
            assert status == 403
    finally:
        drop()
