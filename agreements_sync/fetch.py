"""A sync source that is a URL: downloaded to a temporary file first, then read like a file.

The URL policy is `agreements_sync.urls.source_problem` (https anywhere; plain http only to this
machine), checked for the address given and for every redirect hop. The download has a total
deadline (`Limits.download_seconds`) that covers connecting, redirects, the headers and every
byte of the body, so a server that answers one byte at a time cannot hold the sync: when the
deadline passes, the sockets are shut down and the download fails. The size is limited too
(`Limits.max_export_bytes`).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from agreements_sync.limits import DEFAULT_LIMITS, Limits, human_size
from agreements_sync.urls import source_problem

_READ_CHUNK = 64 * 1024
_PER_OPERATION_SECONDS = 30.0  # one connect or read; the total deadline bounds the whole download


class FetchError(Exception):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.details: dict[str, Any] = {"url": url, "reason": reason}


def is_url(source: str | Path) -> bool:
    return str(source).lower().startswith(("https://", "http://"))


@contextmanager
def fetched(source: str | Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Path]:
    """The local path of `source`: itself for a file, a temporary download for a URL."""
    text = str(source)
    if not is_url(text):
        yield Path(source)
        return
    problem = source_problem(text)
    if problem:
        raise FetchError(text, problem)
    path = urlparse(text).path
    suffix = Path(path).suffix if Path(path).suffix.lower() in {".csv", ".xlsx", ".xlsm", ".txt"} else ""
    with tempfile.TemporaryDirectory(prefix="innkjopsbot-sync-") as folder:
        target = Path(folder) / f"export{suffix}"
        download(text, target, limits)
        yield target


class _Deadline:
    """The download's total deadline: at the end, every socket it opened is shut down, which
    wakes a read that is waiting for the next byte."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def operation_timeout(self) -> float:
        return max(0.05, min(_PER_OPERATION_SECONDS, self.remaining()))

    def watch(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shutdown(sock)
        return sock

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    # the plain socket's shutdown, also for a TLS socket: it works from another thread
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _opener(deadline: _Deadline, limits: Limits) -> urllib.request.OpenerDirector:
    def create_connection(address: tuple[str, int], _timeout: Any = None, source_address: Any = None) -> socket.socket:
        return deadline.watch(socket.create_connection(address, deadline.operation_timeout(), source_address))

    class HTTPConnection(http.client.HTTPConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = create_connection

    class HTTPSConnection(http.client.HTTPSConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = create_connection

        def connect(self) -> None:  # http.client's, with the TLS socket watched before its handshake
            http.client.HTTPConnection.connect(self)
            server_hostname = self._tunnel_host or self.host  # type: ignore[attr-defined]
            self.sock = self._context.wrap_socket(  # type: ignore[attr-defined]
                self.sock, server_hostname=server_hostname, do_handshake_on_connect=False
            )
            deadline.watch(self.sock)
            self.sock.do_handshake()

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(HTTPConnection, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(HTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]

    class RedirectHandler(urllib.request.HTTPRedirectHandler):
        max_redirections = limits.max_redirects

        def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                             newurl: str) -> urllib.request.Request | None:
            problem = source_problem(newurl)
            if problem:
                raise FetchError(req.full_url, f"redirected to {newurl[:200]}, which is refused: {problem}")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return urllib.request.build_opener(HTTPHandler, HTTPSHandler, RedirectHandler)


def download(url: str, target: Path, limits: Limits = DEFAULT_LIMITS) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "innkjopsbot-sync/1"})
    too_slow = f"no complete answer within {limits.download_seconds:g} s (the limit for a download)"
    with _Deadline(limits.download_seconds) as deadline:
        try:
            opener = _opener(deadline, limits)
            with opener.open(request, timeout=deadline.operation_timeout()) as response, target.open("wb") as out:
                copied = 0
                while True:
                    if deadline.remaining() <= 0:
                        raise FetchError(url, too_slow)
                    chunk = response.read1(_READ_CHUNK) if hasattr(response, "read1") else response.read(_READ_CHUNK)
                    if not chunk:
                        break
                    copied += len(chunk)
                    if copied > limits.max_export_bytes:
                        raise FetchError(url, f"larger than {human_size(limits.max_export_bytes)} (the limit)")
                    out.write(chunk)
                if deadline.expired:  # the shut-down socket read as the end of the body
                    raise FetchError(url, too_slow)
        except FetchError:
            raise
        except urllib.error.HTTPError as exc:
            if exc.code in (301, 302, 303, 307, 308):
                raise FetchError(url, f"more than {limits.max_redirects} redirects") from None
            raise FetchError(url, f"HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            if deadline.expired:
                raise FetchError(url, too_slow) from None
            reason = getattr(exc, "reason", None) or exc or type(exc).__name__
            raise FetchError(url, str(reason)) from None


__all__ = ["FetchError", "download", "fetched", "is_url"]
