"""Headless Chromium driven over the Chrome DevTools Protocol (no puppeteer): open a page, run
JavaScript in it, collect uncaught exceptions, take a screenshot. For the Playground's UI."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1300,1000")


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class Page:
    def __init__(self, websocket: aiohttp.ClientWebSocketResponse) -> None:
        self.websocket = websocket
        self.exceptions: list[str] = []
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for frame in self.websocket:
            message = json.loads(frame.data)
            future = self._pending.pop(message.get("id", -1), None)
            if future is not None:
                future.set_result(message)
            elif message.get("method") == "Runtime.exceptionThrown":
                details = message["params"]["exceptionDetails"]
                self.exceptions.append(str((details.get("exception") or {}).get("description") or details.get("text")))

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        await self.websocket.send_json({"id": ident, "method": method, "params": params})
        return await asyncio.wait_for(future, 30)

    async def evaluate(self, expression: str) -> Any:
        reply = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return ((reply.get("result") or {}).get("result") or {}).get("value")

    async def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        """Evaluate until the expression gives something truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                shown = await self.evaluate(
                    "document.body ? document.body.innerText.slice(0, 1500) + ' | buttons: ' + Array.from("
                    "document.querySelectorAll('button')).map(b => b.getAttribute('aria-label') || b.innerText).join(', ') : ''")
                raise AssertionError(f"not true within {timeout:.0f} s: {expression}\nthe page shows: {shown!r}"
                                     f"\nexceptions: {self.exceptions}")
            await asyncio.sleep(0.3)

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["result"]["data"]))

    def close(self) -> None:
        self._reader.cancel()


@contextlib.asynccontextmanager
async def open_page(url: str) -> AsyncIterator[Page]:
    executable = chromium()
    assert executable is not None, "no Chromium"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--remote-debugging-port={port}", f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2) as response:
                        targets = json.load(response)
                    break
                except OSError:
                    assert time.monotonic() < deadline, "Chromium did not open its DevTools port"
                    await asyncio.sleep(0.2)
            target = next(t for t in targets if t.get("type") == "page")
            async with aiohttp.ClientSession() as session, session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as websocket:
                page = Page(websocket)
                try:
                    await page.call("Runtime.enable")
                    await page.call("Page.enable")
                    await page.call("Page.navigate", url=url)
                    yield page
                finally:
                    page.close()
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
