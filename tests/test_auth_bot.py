"""With bot credentials configured, every request's JWT is validated: keys from a LOCAL OpenID/JWKS
endpoint started by the test (never the internet); outbound tokens faked via the provider factory."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from benchmarks.fake_connector import FakeConnector
from conftest import AS_OF, make_test_database
from helpers import activities as A
from helpers.auth import BOT_FRAMEWORK_ISSUER, OUTBOUND_TOKEN, FakeTokenProvider, LocalOpenIdServer, new_key, use_local_jwks
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
    settings = bot_settings(app_id=APP_ID, app_password="not-a-real-secret", app_tenant_id=OUR_TENANT)
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
    status, body = await bot.post(A.compose_query("", connector.url), token=openid.mint(APP_ID, service_url=connector.url))
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
    if how == "same_host_other_port":  # the claim binds scheme, host AND port
        return openid.mint(APP_ID, service_url=connector.url.rsplit(":", 1)[0] + ":1")
    if how == "no_service_url_claim":  # valid otherwise: it would let the activity name any serviceUrl
        return openid.mint(APP_ID)
    if how == "other_issuer":  # signed with a key the JWKS route serves, but not from an accepted issuer
        return openid.mint(APP_ID, service_url=connector.url, issuer="https://sts.attacker.example/")
    if how == "other_tenant":  # Entra ID v2 token for our app id from another tenant
        return openid.mint(APP_ID, service_url=connector.url, issuer=f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0",
                           extra={"tid": OTHER_TENANT})
    if how == "tenant_binding":  # an allowed issuer whose tid claim names another tenant
        return openid.mint(APP_ID, service_url=connector.url,
                           issuer=f"https://login.microsoftonline.com/{OUR_TENANT}/v2.0", extra={"tid": OTHER_TENANT})
    if how == "no_kid":
        return _token_without_kid(openid, connector.url)
    if how == "alg_none":
        return _unsigned(APP_ID, connector.url)
    if how == "alg_hs256":  # HMAC "signed" with the public key as the secret (algorithm confusion)
        return _hmac_with_public_key(openid, connector.url)
    if how == "no_expiry":
        return openid.mint(APP_ID, service_url=connector.url, extra={"exp": None})
    if how == "not_yet_valid":
        return openid.mint(APP_ID, service_url=connector.url, extra={"nbf": int(time.time()) + 7200})
    if how == "audience_list":
        return openid.mint(["another-bot-app-id"], service_url=connector.url)  # type: ignore[arg-type]
    raise AssertionError(how)


OUR_TENANT = "11111111-2222-4333-8444-555555555555"
OTHER_TENANT = "99999999-8888-4777-8666-555555555555"


def _token_without_kid(openid: LocalOpenIdServer, service_url: str) -> str:
    now = int(time.time())
    claims = {"iss": BOT_FRAMEWORK_ISSUER, "aud": APP_ID, "iat": now, "nbf": now, "exp": now + 600, "serviceurl": service_url}
    return jwt.encode(claims, openid.key, algorithm="RS256")  # no "kid" header


def _unsigned(audience: str, service_url: str) -> str:
    now = int(time.time())
    claims = {"iss": BOT_FRAMEWORK_ISSUER, "aud": audience, "iat": now, "nbf": now, "exp": now + 600, "serviceurl": service_url}
    return jwt.encode(claims, None, algorithm="none")


def _hmac_with_public_key(openid: LocalOpenIdServer, service_url: str) -> str:
    now = int(time.time())
    claims = {"iss": BOT_FRAMEWORK_ISSUER, "aud": APP_ID, "iat": now, "nbf": now, "exp": now + 600, "serviceurl": service_url}
    public = openid.key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": openid.kid}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    signature = base64.urlsafe_b64encode(hmac.new(public, header + b"." + body, hashlib.sha256).digest()).rstrip(b"=")
    return (header + b"." + body + b"." + signature).decode()


@pytest.mark.parametrize(
    "how",
    ["missing", "garbage", "wrong_key", "unknown_key_id", "wrong_audience", "expired", "wrong_service_url",
     "same_host_other_port", "no_service_url_claim", "other_issuer", "other_tenant", "tenant_binding", "no_kid",
     "alg_none", "alg_hs256", "no_expiry", "not_yet_valid", "audience_list"],
)
async def test_bad_tokens_get_401_and_nothing_is_sent(
    bot: RunningBot, openid: LocalOpenIdServer, connector: FakeConnector, how: str
) -> None:
    status, body = await bot.post(A.message("hjelp", connector.url), token=_forged(openid, connector, how))
    assert status == 401, body
    # the same token on an invoke and a card action: refused too, and nothing is sent anywhere
    status, _ = await bot.post(A.compose_query("stol", connector.url), token=_forged(openid, connector, how))
    assert status == 401
    await asyncio.sleep(0.2)  # a reply would be posted asynchronously: give it the chance to (wrongly) arrive
    assert connector.requests == []


async def test_a_forged_sender_cannot_redirect_the_reply_with_a_token_for_another_service_url(
    bot: RunningBot, openid: LocalOpenIdServer, connector: FakeConnector
) -> None:
    async with FakeConnector() as attacker:
        token = openid.mint(APP_ID, service_url=connector.url)  # a genuine token for the real channel …
        activity = A.message("hjelp", attacker.url)  # … replayed with the attacker's serviceUrl
        activity["from"]["aadObjectId"] = "owner-aad-id"
        status, _ = await bot.post(activity, token=token)
        assert status == 401
        await asyncio.sleep(0.2)
        assert attacker.requests == [] and connector.requests == []


async def test_malformed_authorization_header_gets_401(bot: RunningBot, connector: FakeConnector) -> None:
    status, _ = await bot.post(A.message("hjelp", connector.url), headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert status == 401


async def test_unauthenticated_requests_never_reach_the_body_parser(bot: RunningBot) -> None:
    status, _ = await bot.post(None, raw=b"{not json")
    assert status == 401


async def test_probes_need_no_token(bot: RunningBot) -> None:
    assert (await bot.get("/healthz"))[0] == 200
    assert (await bot.get("/metrics"))[0] == 200
