"""A sync source that is a URL: downloaded to a temporary file first, then read like a file.

https anywhere; plain http only to this machine (127.0.0.1 / localhost / ::1), for tests and
local services. The download is limited in size and time.
"""

from __future__ import annotations

import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

MAX_BYTES = 200 * 1024 * 1024
TIMEOUT_SECONDS = 60
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class FetchError(Exception):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.details: dict[str, Any] = {"url": url, "reason": reason}


@contextmanager
def fetched(source: str | Path) -> Iterator[Path]:
    """The local path of `source`: itself for a file, a temporary download for a URL."""
    text = str(source)
    if not text.startswith(("https://", "http://")):
        yield Path(source)
        return
    parsed = urlparse(text)
    if parsed.scheme == "http" and parsed.hostname not in _LOCAL_HOSTS:
        raise FetchError(text, "only https URLs are allowed (http only to localhost)")
    suffix = Path(parsed.path).suffix if Path(parsed.path).suffix.lower() in {".csv", ".xlsx", ".xlsm", ".txt"} else ""
    with tempfile.TemporaryDirectory(prefix="innkjopsbot-sync-") as folder:
        target = Path(folder) / f"export{suffix}"
        download(text, target)
        yield target


def download(url: str, target: Path) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "innkjopsbot-sync/1"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response, target.open("wb") as out:
            copied = 0
            while chunk := response.read(1 << 20):
                copied += len(chunk)
                if copied > MAX_BYTES:
                    raise FetchError(url, f"larger than {MAX_BYTES // (1024 * 1024)} MB")
                out.write(chunk)
    except urllib.error.HTTPError as exc:
        raise FetchError(url, f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(url, str(reason)) from None


__all__ = ["FetchError", "fetched", "download"]
