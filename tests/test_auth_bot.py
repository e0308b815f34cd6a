"""With bot credentials configured, every request's JWT is validated: keys from a LOCAL OpenID/JWKS
endpoint started by the test (never the internet); outbound tokens faked via the provider factory."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from benchmarks.fake_connector import FakeConnector
from conftest import AS_OF, make_test_database
from helpers import activities as A
from helpers.auth import OUTBOUND_TOKEN, FakeTokenProvider, LocalOpenIdServer, new_key, use_local_jwks
from helpers.bot_server import RunningBot, bot_settings, running_bot

APP_ID = "00000000-0000-4000-8000-00000000b075"


@pytest.fixture
async def openid(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[LocalOpenIdServer]:
    async with LocalOpenIdServer() as server:
        use_local_jwks(monkeypatch, server)
        yield server


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        yield fake


@pytest.fixture
async def bot(tmp_path, openid: LocalOpenIdServer) -> AsyncIterator[RunningBot]:
    # authentication involves no database behaviour: SQLite only
    database, drop = make_test_database("sqlite", tmp_path)
    settings = bot_settings(app_id=APP_ID, app_password="not-a-real-secret", app_tenant_id="tenant-x")
    try:
        async with running_bot(database, settings, as_of=AS_OF, token_provider_factory=FakeTokenProvider) as running:
            yield running
    finally:
        drop()


async def test_a_valid_token_is_accepted_and_the_reply_carries_the_outbound_token(
    bot: RunningBot, openid: LocalOpenIdServer, connector: FakeConnector
) -> None:
    token = openid.mint(APP_ID, service_url=connector.url)
    status, _ = await bot.post(A.message("hjelp", connector.url), token=token)
    assert status in (200, 202)
    [reply] = await connector.wait_for(1)
    assert reply.headers["Authorization"] == f"Bearer {OUTBOUND_TOKEN}"
    assert openid.key_requests >= 1  # the keys came from the local endpoint


async def test_invokes_are_authenticated_too(bot: RunningBot, openid: LocalOpenIdServer, connector: FakeConnector) -> None:
    assert (await bot.post(A.compose_query("stol", connector.url)))[0] == 401
    status, body = await bot.post(A.compose_query("", connector.url), token=openid.mint(APP_ID))
    assert status == 200 and body["composeExtension"]["type"] == "message"


def _forged(openid: LocalOpenIdServer, connector: FakeConnector, how: str) -> str | None:
    if how == "missing":
        return None
    if how == "garbage":
        return "not.a.jwt"
    if how == "wrong_key":  # same key id, signed with another key
        return openid.mint(APP_ID, service_url=connector.url, key=new_key())
    if how == "unknown_key_id":
        return openid.mint(APP_ID, service_url=connector.url, key=new_key(), kid="someone-elses-key")
    if how == "wrong_audience":
        return openid.mint("another-bot-app-id", service_url=connector.url)
    if how == "expired":
        return openid.mint(APP_ID, service_url=connector.url, expires_in=-3600)
    if how == "wrong_service_url":
        return openid.mint(APP_ID, service_url="https://attacker.example/")
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how", ["missing", "garbage", "wrong_key", "unknown_key_id", "wrong_audience", "expired", "wrong_service_url"]
)
async def test_bad_tokens_get_401_and_nothing_is_sent(
    bot: RunningBot, openid: LocalOpenIdServer, connector: FakeConnector, how: str
) -> None:
    status, body = await bot.post(A.message("hjelp", connector.url), token=_forged(openid, connector, how))
    assert status == 401, body
    assert connector.requests == []


async def test_malformed_authorization_header_gets_401(bot: RunningBot, connector: FakeConnector) -> None:
    status, _ = await bot.post(A.message("hjelp", connector.url), headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert status == 401


async def test_unauthenticated_requests_never_reach_the_body_parser(bot: RunningBot) -> None:
    status, _ = await bot.post(None, raw=b"{not json")
    assert status == 401


async def test_probes_need_no_token(bot: RunningBot) -> None:
    assert (await bot.get("/healthz"))[0] == 200
    assert (await bot.get("/metrics"))[0] == 200
