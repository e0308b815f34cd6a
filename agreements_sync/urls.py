"""One URL policy, for the sources the sync downloads and for the links the bot shows.

- A **source** (`INNKJOPSBOT_SYNC_SOURCE`, `innkjopsbot sync URL`) is https anywhere, or plain
  http only to this machine (127.0.0.1, localhost, ::1: tests and local services). The download
  (`agreements_sync.fetch`) checks every redirect hop against the same rule.
- A **link** from the register (an agreement's document) is https with a host name, and
  nothing else: no `javascript:`, `data:`, `file:`, plain http or credentials in the address.
  The sync leaves out a link that fails (with a note); the cards never make a button of one.
- A card **button** may also open `mailto:` (contact the adviser) and `data:text/calendar`
  (a course invitation built by the bot itself).

Each check returns None when the URL is allowed, or the reason in plain English words.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_URL_CHARS = 2_000
_BAD_CHARACTERS = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060\ufeff]")


def _parts(url: str) -> tuple[str, str, str] | str:
    """(scheme, host, userinfo), or the reason the text is not a usable URL."""
    if not isinstance(url, str) or not url:
        return "it is empty"
    if len(url) > MAX_URL_CHARS:
        return f"it is longer than {MAX_URL_CHARS} characters"
    if _BAD_CHARACTERS.search(url):
        return "it contains spaces or invisible characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "it is not a valid address"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    return parts.scheme.lower(), host.lower(), userinfo


def source_problem(url: str) -> str | None:
    """Why the sync may not download from `url` (None: it may)."""
    parts = _parts(url)
    if isinstance(parts, str):
        return parts
    scheme, host, _userinfo = parts
    if scheme not in ("https", "http") or not host:
        return "only https addresses are allowed (plain http only to localhost)"
    if scheme == "http" and host not in LOCAL_HOSTS:
        return "only https addresses are allowed (plain http only to localhost)"
    return None


def link_problem(url: str) -> str | None:
    """Why `url` may not be shown as a link to a document (None: it may)."""
    parts = _parts(url)
    if isinstance(parts, str):
        return parts
    scheme, host, userinfo = parts
    if scheme != "https":
        return "only https links are shown"
    if not host:
        return "the link has no host name"
    if userinfo:
        return "the link carries a user name or password"
    return None


def button_url_allowed(url: object) -> bool:
    """May a card button (Action.OpenUrl) open `url`? Links as above, plus the bot's own
    `mailto:` and `data:text/calendar` invitations."""
    if not isinstance(url, str):
        return False
    lowered = url[:32].lower()
    if lowered.startswith("mailto:"):
        return "@" in url and not _BAD_CHARACTERS.search(url)  # the subject is percent-encoded
    if lowered.startswith("data:text/calendar"):
        return True
    return link_problem(url) is None


__all__ = ["LOCAL_HOSTS", "MAX_URL_CHARS", "button_url_allowed", "link_problem", "source_problem"]
