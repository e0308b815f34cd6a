"""The authentication edge of `/api/messages`: who may talk to the bot, and where it may answer.

With bot credentials (production), every request must carry a Bot Framework JWT that
- is signed by a key of the issuer's signing-key set, with RS256 only (the SDK's validator);
- is for this bot (audience = our app id) and from an accepted issuer: the Bot Framework
  service, or Entra ID of our own tenant (the SDK's issuer allow-list, switched on here — it is
  off by default in the SDK);
- names the channel's service URL (`serviceurl` claim), and that service URL is the one the
  activity asks the bot to answer at. Without this binding a valid token could make the bot post
  its reply, with its own outbound token, to any host, and act on a forged `from` identity.
Anything else — no token, a malformed one, one without a key id, an unknown key, a validator
error of any kind — is 401, and nothing is sent anywhere.

Without credentials (anonymous local development) there is no token to bind the service URL to,
so the bot answers only at the service URLs of `INNKJOPSBOT_DEV_SERVICE_URLS` (by default the
M365 Agents Playground), never at its own port or the database's.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, ClaimsIdentity
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator

from bot.settings import Settings

logger = logging.getLogger("bot.authentication")

SERVICE_URL_CLAIM = "serviceurl"


class Unauthorised(Exception):
    """The request is not from the channel: answered 401 with a generic message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # for metrics and logs, never for the caller


def bearer_token(header: str | None) -> str:
    if not header:
        raise Unauthorised("no_token")
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer" or not parts[1]:
        raise Unauthorised("malformed_header")
    return parts[1]


async def validate(header: str | None, configuration: AgentAuthConfiguration) -> ClaimsIdentity:
    """The token's verified claims; `Unauthorised` for anything that is not a valid channel token."""
    token = bearer_token(header)
    try:
        identity = await JwtTokenValidator(configuration).validate_token(token)
    except Exception as exc:  # noqa: BLE001 - every validator failure (KeyError for a missing kid too) is a 401
        logger.warning("token refused", extra={"fields": {"error": type(exc).__name__}})
        raise Unauthorised("invalid_token") from None
    if not isinstance(identity.get_claim_value(SERVICE_URL_CLAIM), str) or not identity.get_claim_value(SERVICE_URL_CLAIM):
        raise Unauthorised("no_service_url_claim")
    return identity


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, lower-case, with the scheme's default port filled in."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1  # not a valid port: never matches
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower().rstrip("."), port


def service_url_matches_claim(identity: ClaimsIdentity, service_url: str) -> bool:
    claim = str(identity.get_claim_value(SERVICE_URL_CLAIM) or "")
    return bool(claim) and origin(claim) == origin(service_url)


def dev_service_url_allowed(service_url: str, settings: Settings, *, own_port: int | None = None) -> bool:
    """Anonymous mode: is `service_url` one the bot may call? Entries of the setting are origins
    (`http://localhost:56150`); a port of `*` allows any port of that host (test harnesses).
    The bot's own port and the database's address are refused whatever the setting says."""
    scheme, host, port = origin(service_url)
    if scheme not in ("http", "https") or not host or port is None or port < 0:
        return False
    if own_port is not None and port == own_port and _is_loopback(host):
        return False
    if _is_database(host, port, settings):
        return False
    for entry in settings.dev_service_urls:
        allowed_scheme, allowed_host, allowed_port = _entry(entry)
        if scheme == allowed_scheme and host == allowed_host and (allowed_port == "*" or allowed_port == port):
            return True
    return False


def _entry(entry: str) -> tuple[str, str, Any]:
    text = entry.strip()
    if text.endswith(":*"):
        scheme, host, _port = origin(text[:-2])
        return scheme, host, "*"
    return origin(text)


def _is_loopback(host: str) -> bool:
    return host in ("localhost", "::1", "[::1]") or host.startswith("127.")


def _is_database(host: str, port: int, settings: Settings) -> bool:
    url = settings.database_url
    if not url.startswith(("postgresql", "postgres")):
        return False
    parts = urlsplit(url)
    database_host = (parts.hostname or "localhost").lower()
    try:
        database_port = parts.port or 5432
    except ValueError:
        return False
    same_host = host == database_host or (_is_loopback(host) and _is_loopback(database_host))
    return same_host and port == database_port


# --- the workspace tab: Teams single sign-on ------------------------------------------------------
#
# The tab asks Teams for the user's token (`microsoftTeams.authentication.getAuthToken()`): an
# Entra ID access token for the bot's own app (its Application ID URI, the manifest's
# `webApplicationInfo.resource`). The server accepts it only when it is
#   - signed (RS256 only) by a key of Entra ID's signing-key set for our tenant,
#   - for us: audience = the Application ID URI or the app id,
#   - from Entra ID of our own tenant: issuer login.microsoftonline.com/<tenant>/v2.0 (v2 tokens)
#     or sts.windows.net/<tenant>/ (v1 tokens), and the `tid` claim is our tenant,
#   - unexpired, and names a user (`oid`).
# Anything else is 401. Whether the user is a procurement-section member is decided after this
# (403 otherwise), by Entra object id or e-mail/UPN, like in chat (`Services.is_admin`).


class SsoUser:
    """The verified signed-in user of the tab."""

    def __init__(self, aad_object_id: str, email: str, name: str, tenant_id: str) -> None:
        self.aad_object_id = aad_object_id
        self.email = email
        self.name = name
        self.tenant_id = tenant_id


def sso_audiences(settings: Settings) -> list[str]:
    """The audiences a tab token may carry: the Application ID URI (configured, or derived from
    the public address and the app id) and the bare app id."""
    audiences = []
    if settings.sso_app_id_uri:
        audiences.append(settings.sso_app_id_uri.rstrip("/"))
    elif settings.app_id and settings.public_base_url:
        host = urlsplit(settings.public_base_url).hostname or ""
        if host:
            audiences.append(f"api://{host}/{settings.app_id}")
    if settings.app_id:
        audiences += [settings.app_id, f"api://{settings.app_id}"]
    return audiences


def sso_issuers(tenant_id: str) -> list[str]:
    return [f"https://login.microsoftonline.com/{tenant_id}/v2.0", f"https://sts.windows.net/{tenant_id}/"]


_JWKS_CLIENTS: dict[str, Any] = {}


def _jwks_client(url: str) -> Any:
    import jwt

    client = _JWKS_CLIENTS.get(url)
    if client is None:
        client = _JWKS_CLIENTS[url] = jwt.PyJWKClient(url, cache_keys=True, lifespan=6 * 3600, timeout=10)
    return client


def validate_sso_token(token: str, settings: Settings) -> SsoUser:
    """The tab's signed-in user from a Teams SSO token; `Unauthorised` for anything else.
    Blocking (it may fetch the signing keys): call it in a thread."""
    import jwt

    tenant = settings.app_tenant_id
    if not tenant or not settings.app_id:
        logger.warning("workspace sign-in refused: MICROSOFT_APP_TENANT_ID and MICROSOFT_APP_ID are needed for SSO")
        raise Unauthorised("sso_not_configured")
    if not token or len(token) > 16_384:
        raise Unauthorised("no_token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Unauthorised("malformed_token") from None
    if header.get("alg") != "RS256" or not header.get("kid"):
        raise Unauthorised("wrong_algorithm")
    try:
        key = _jwks_client(settings.sso_jwks_url.replace("{tenant}", tenant)).get_signing_key(header["kid"]).key
        claims = jwt.decode(
            token, key, algorithms=["RS256"], audience=sso_audiences(settings), issuer=sso_issuers(tenant),
            options={"require": ["exp", "iat", "aud", "iss"]}, leeway=60,
        )
    except Exception as exc:  # noqa: BLE001 - every failure (unknown key, signature, expiry, audience, issuer) is a 401
        logger.warning("workspace token refused", extra={"fields": {"error": type(exc).__name__}})
        raise Unauthorised("invalid_token") from None
    if str(claims.get("tid") or "").lower() != tenant.lower():
        raise Unauthorised("other_tenant")
    oid = str(claims.get("oid") or "")
    if not oid:
        raise Unauthorised("no_user")
    email = str(claims.get("preferred_username") or claims.get("upn") or claims.get("email") or "").lower()
    return SsoUser(oid, email, str(claims.get("name") or ""), tenant)
