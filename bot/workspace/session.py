"""Who is signed in to the workspace, and forms that cannot be forged from another site.

- **Sign-in.** The tab's page asks Teams for an SSO token and posts it to `/workspace/session`;
  the server validates it (`bot.authentication.validate_sso_token`) and answers with a session
  cookie: the user's object id, e-mail, name, language and expiry, signed with HMAC-SHA256 by a
  key derived from the bot's app secret (so every instance accepts it). In Teams the tab lives
  in an iframe, so over https the cookie is `SameSite=None; Secure; Partitioned`. A request may
  instead carry the SSO token itself (`Authorization: Bearer …`), for scripts and tests.
- **CSRF.** Every form carries a token derived from the session (HMAC of its signature); a POST
  without the right token is refused (403). Requests authenticated by an Authorization header
  need none: a browser never adds that header on its own.
- **Anonymous local mode** (no bot credentials): the one local developer is the section's
  member, and every page says so in a red banner. Only loopback clients are served.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from bot.settings import Settings

COOKIE = "innkjopsbot_workspace"
ANONYMOUS_ID = "local-developer"


@dataclass(frozen=True)
class Identity:
    aad_object_id: str
    email: str
    name: str
    locale: str = ""
    expires: int = 0
    anonymous: bool = False
    by_header: bool = False  # authenticated by an Authorization header (no CSRF token needed)
    session_id: str = ""


class Keys:
    """The signing key of one server: from the app secret, or random per process when anonymous."""

    def __init__(self, settings: Settings) -> None:
        secret = settings.app_password.encode() if settings.app_password else secrets.token_bytes(32)
        self.key = hmac.new(secret, b"innkjopsbot-workspace-session", hashlib.sha256).digest()

    def sign(self, payload: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.new(self.key, payload, hashlib.sha256).digest()).decode().rstrip("=")

    def session_cookie(self, identity: Identity) -> str:
        payload = json.dumps({"oid": identity.aad_object_id, "email": identity.email, "name": identity.name[:200],
                              "loc": identity.locale[:16], "exp": identity.expires}, separators=(",", ":")).encode()
        body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{body}.{self.sign(payload)}"

    def read_cookie(self, value: str | None, now: float | None = None) -> Identity | None:
        if not value or len(value) > 4096 or "." not in value:
            return None
        body, signature = value.rsplit(".", 1)
        try:
            payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (ValueError, TypeError):
            return None
        if not hmac.compare_digest(self.sign(payload), signature):
            return None
        try:
            data: dict[str, Any] = json.loads(payload)
        except ValueError:
            return None
        if not isinstance(data, dict) or int(data.get("exp") or 0) < (now or time.time()):
            return None
        return Identity(str(data.get("oid") or ""), str(data.get("email") or ""), str(data.get("name") or ""),
                        str(data.get("loc") or ""), int(data["exp"]), session_id=signature)

    def csrf_token(self, identity: Identity) -> str:
        return self.sign(f"csrf:{identity.session_id or identity.aad_object_id}".encode())

    def csrf_ok(self, identity: Identity, token: str | None) -> bool:
        if identity.by_header:
            return True
        return bool(token) and hmac.compare_digest(self.csrf_token(identity), str(token))
