"""Offline Bot Framework authentication for tests: a local OpenID/JWKS endpoint, token minting,
and a fake outbound token provider.

- `LocalOpenIdServer`: serves `/.well-known/openid-configuration` and `/keys` (JWKS) for an RSA
  key made in the test; `mint(...)` signs a Bot-Framework-shaped JWT with it (or with any other key).
- `use_local_jwks(monkeypatch, server)`: the Agents SDK 1.9.0 has no setting for the signing-key
  URL (NOTES.md), so the test points the validator's JWKS lookup at the local server.
- `FakeTokenProvider`: the connection manager's provider factory for outbound calls — returns a
  fixed bearer token instead of asking Entra ID through MSAL. Never the internet.
"""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
OUTBOUND_TOKEN = "fake-outbound-token"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    public = key.public_key().public_numbers()
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": _b64(public.n), "e": _b64(public.e),
            "endorsements": ["msteams"]}


class LocalOpenIdServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.key = new_key()
        self.kid = "test-key-" + uuid.uuid4().hex[:8]
        self.key_requests = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> LocalOpenIdServer:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self._openid)
        app.router.add_get("/keys", self._keys)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> LocalOpenIdServer:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def jwks_uri(self) -> str:
        return f"{self.base_url}/keys"

    async def _openid(self, _request: web.Request) -> web.Response:
        return web.json_response({
            "issuer": BOT_FRAMEWORK_ISSUER,
            "jwks_uri": self.jwks_uri,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        })

    async def _keys(self, _request: web.Request) -> web.Response:
        self.key_requests += 1
        return web.json_response({"keys": [jwk(self.key, self.kid)]})

    def mint(
        self,
        audience: str,
        *,
        service_url: str = "",
        issuer: str = BOT_FRAMEWORK_ISSUER,
        expires_in: int = 3600,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A Bot-Framework-shaped token (aud = the bot's app id) signed with this server's key
        (or `key`, to forge one). A negative `expires_in` makes an expired token."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "iat": now - 60 if expires_in > 0 else now + expires_in - 3600,
            "nbf": now - 60 if expires_in > 0 else now + expires_in - 3600,
            "exp": now + expires_in,
            "appid": "botframework-channel",
        }
        if service_url:
            claims["serviceurl"] = service_url
        claims.update(extra or {})
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})


def use_local_jwks(monkeypatch: Any, server: LocalOpenIdServer) -> None:
    """Point the SDK's token validator at the local JWKS endpoint (1.9.0 has no setting for it)."""
    from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

    monkeypatch.setattr(jwt_token_validator, "_build_jwks_uri", lambda *_args, **_kwargs: server.jwks_uri)


class FakeTokenProvider:
    """Outbound tokens for replies without MSAL (use as `token_provider_factory=FakeTokenProvider`)."""

    def __init__(self, configuration: AgentAuthConfiguration) -> None:
        self._configuration = configuration
        self.requests: list[tuple[str, list[str]]] = []

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        self.requests.append((resource_url, list(scopes or [])))
        return OUTBOUND_TOKEN

    def get_token_credential(self) -> Any:
        raise NotImplementedError("not needed offline")
