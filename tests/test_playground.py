"""The bot in the real Microsoft 365 Agents Playground (Teams emulator), driven over its HTTP API.

Most tests need no browser: they read the Playground's ids from `GET /_internal/v1/config`, post
the user's message with `POST /_conversation/v1/conversations/{chatId}/messages` and read the
bot's replies from the WebSocket `/_ws_conversation/v1/conversations/stream` (docs/teams.md
describes the protocol as measured). What only the Playground's own page does — pressing a
card's button, searching from the compose box — is driven in headless Chromium
(tests/helpers/browser.py; skipped with the reason where Chromium is missing). The bot is the
real `innkjopsbot serve` on a free port with its own SQLite database synced from the demo register.

Skipped with the reason when node/npm are missing or the Playground cannot be installed. The
npm install is cached in ~/.cache/innkjopsbot-playground (INNKJOPSBOT_PLAYGROUND_CACHE), pinned
by deploy/playground/package.json and package-lock.json.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import AS_OF, DEMO_REGISTER, ROOT
from tests.helpers.browser import chromium, open_page

pytestmark = pytest.mark.playground

PLAYGROUND_VERSION = "0.2.28"
PIN_DIR = ROOT / "deploy" / "playground"
CACHE = Path(os.environ.get("INNKJOPSBOT_PLAYGROUND_CACHE", Path.home() / ".cache" / "innkjopsbot-playground"))
PACKAGE = Path("node_modules") / "@microsoft" / "m365agentsplayground"
BOT_CLI = [sys.executable, "-m", "bot", "--as-of", AS_OF.isoformat()]
REPLY_TIMEOUT = 30.0

# The question and what the demo register says about it (demo/avtaleregister-demo.csv).
QUESTION = "Har vi avtale på service og vedlikehold av heiser?"
AGREEMENT_ID = "LK-2022-013"
AGREEMENT_NAME = "Service og vedlikehold av heiser"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def installed_version(folder: Path) -> str | None:
    try:
        return json.loads((folder / PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


@pytest.fixture(scope="module")
def playground_cli() -> Path:
    """cli.js of the pinned Playground, installed once into the shared cache folder."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed for the M365 Agents Playground (apt-get install nodejs npm)")
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs never install at once
        if installed_version(CACHE) != PLAYGROUND_VERSION:
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(PIN_DIR / name, CACHE / name)
            try:
                result = subprocess.run(
                    [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
                    cwd=CACHE, capture_output=True, text=True, timeout=300,
                )
            except subprocess.TimeoutExpired:
                pytest.skip("npm install of @microsoft/m365agentsplayground took over 5 minutes (registry unreachable?)")
            if result.returncode != 0 or installed_version(CACHE) != PLAYGROUND_VERSION:
                tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
                pytest.skip(f"cannot install @microsoft/m365agentsplayground@{PLAYGROUND_VERSION}: {' | '.join(tail)}")
    return CACHE / PACKAGE / "cli.js"


def bot_environment(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INNKJOPSBOT_", "MICROSOFT_APP_"))}
    env.update(
        INNKJOPSBOT_DATABASE_URL=database_url,
        INNKJOPSBOT_SCHEDULER_ENABLED="false",
        INNKJOPSBOT_LOG_JSON="false",
        MICROSOFT_APP_ID="",  # anonymous: the Playground sends no tokens
        MICROSOFT_APP_PASSWORD="",
    )
    return env


def skip_if_command_missing(result: subprocess.CompletedProcess[str], command: str) -> None:
    if result.returncode == 2 and "No such command" in (result.stderr + result.stdout):
        pytest.skip(f"`innkjopsbot {command}` is not available in this tree yet")


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def http_body(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", "replace")[:500]
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} {exc.read().decode('utf-8', 'replace')[:500]}"
    except OSError as exc:
        return str(exc)


@pytest.fixture(scope="module")
def playground_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, playground_port: int) -> Iterator[str]:
    """`innkjopsbot serve` on a free port with a fresh SQLite database synced from the demo register."""
    folder = tmp_path_factory.mktemp("playground-bot")
    env = bot_environment(f"sqlite:///{folder / 'bot.db'}")
    # anonymous mode answers only at the Playground's service URL
    env["INNKJOPSBOT_DEV_SERVICE_URLS"] = f"http://localhost:{playground_port},http://127.0.0.1:{playground_port}"
    sync = subprocess.run(
        [*BOT_CLI, "sync", str(DEMO_REGISTER)], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    skip_if_command_missing(sync, "sync")
    assert sync.returncode == 0, sync.stderr
    port = free_port()
    log = open(folder / "serve.log", "w+")  # noqa: SIM115 - the server writes to it until the module ends
    process = subprocess.Popen([*BOT_CLI, "serve", "--port", str(port)], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # a wait, not a speed test: the first index build is slow on a busy machine
        while http_status(f"{base}/healthz") != 200:
            if process.poll() is not None:
                log.seek(0)
                output = log.read()
                skip_if_command_missing(subprocess.CompletedProcess([], process.returncode, output, ""), "serve")
                pytest.fail(f"innkjopsbot serve exited with {process.returncode}:\n{output[-3000:]}")
            assert time.monotonic() < deadline, "innkjopsbot serve did not answer /healthz within 300 s"
            time.sleep(0.2)
        while http_status(f"{base}/readyz") not in (200, 404):  # ready: database and search index loaded
            if time.monotonic() > deadline:
                pytest.fail(f"innkjopsbot serve was not ready within 300 s: /readyz says {http_body(f'{base}/readyz')}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def playground(playground_cli: Path, bot: str, playground_port: int) -> Iterator[str]:
    """The Playground connected to the bot; yields its base URL."""
    env = dict(os.environ, TEAMSAPPTESTER_BROWSER="none")  # without it the cli exits at once
    process = subprocess.Popen(
        ["node", str(playground_cli), "-e", f"{bot}/api/messages", "-c", "msteams", "-p", str(playground_port), "--dt"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    listening: list[int] = []
    output: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            match = re.search(r"Listening on (\d+)", line)
            if match:
                listening.append(int(match.group(1)))

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        while not listening:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Playground did not start:\n" + "".join(output)[-3000:])
            time.sleep(0.1)
        yield f"http://127.0.0.1:{listening[0]}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Chat:
    """The Playground's personal chat, seen from the test: post as the user, read the bot's replies."""

    base: str
    session: aiohttp.ClientSession
    websocket: aiohttp.ClientWebSocketResponse
    chat_id: str
    user_id: str
    bot_id: str
    replies: list[dict] = field(default_factory=list)

    async def say(self, text: str) -> None:
        url = f"{self.base}/_conversation/v1/conversations/{self.chat_id}/messages"
        body = {"type": "text", "text": text, "textFormat": "plain", "from": {"id": self.user_id}}
        async with self.session.post(url, json=body) as response:
            assert response.status == 200, await response.text()

    async def wait_for(self, predicate, timeout: float = REPLY_TIMEOUT) -> list[dict]:
        """Bot messages in this chat until one satisfies the predicate (all of them, in order)."""
        seen: list[dict] = []
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching bot reply within {timeout:.0f} s; got {json.dumps(seen, ensure_ascii=False)[:3000]}")
            try:
                frame = await self.websocket.receive(timeout=remaining)
            except TimeoutError:
                continue
            if frame.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"the Playground's WebSocket closed ({frame.type}); got {seen}")
            event = json.loads(frame.data)
            message = event.get("message") or {}
            if event.get("actionConversationId") != self.chat_id or (message.get("from") or {}).get("id") != self.bot_id:
                continue
            seen.append(message)
            self.replies.append(message)
            if predicate(message):
                return seen


@contextlib.asynccontextmanager
async def open_chat(base: str):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/_internal/v1/config") as response:
            config = (await response.json())["config"]
        async with session.ws_connect(base.replace("http://", "ws://") + "/_ws_conversation/v1/conversations/stream") as ws:
            yield Chat(
                base, session, ws,
                chat_id=config["personalChat"]["id"], user_id=config["currentUser"]["id"], bot_id=config["bot"]["id"],
            )


def mentions(message: dict, *needles: str) -> bool:
    text = json.dumps(message, ensure_ascii=False)
    return all(needle in text for needle in needles)


async def test_install_in_personal_chat_sends_a_welcome(playground: str) -> None:
    """First in the module on purpose: installing is the first event of the personal chat."""
    async with open_chat(playground) as chat:
        async with chat.session.post(f"{playground}/_debug/conversation/{chat.chat_id}/installation", json={}) as response:
            assert response.status == 200
        replies = await chat.wait_for(lambda m: bool(m.get("attachments")))
    # The welcome suggests the same three questions as the app's command menu (the Playground
    # speaks en-US, so the English texts of the package).
    english = json.loads((ROOT / "deploy" / "teams" / "en.template.json").read_text(encoding="utf-8"))
    suggestions = [english[f"bots[0].commandLists[0].commands[{i}].title"] for i in range(3)]
    welcome = json.dumps(replies, ensure_ascii=False)
    assert all(question in welcome for question in suggestions), (suggestions, welcome[:2000])


async def test_agreement_question_is_answered_with_the_right_agreement(playground: str) -> None:
    async with open_chat(playground) as chat:
        started = time.perf_counter()
        await chat.say(QUESTION)
        replies = await chat.wait_for(lambda m: mentions(m, AGREEMENT_NAME))
        elapsed = time.perf_counter() - started
    answer = json.dumps(replies, ensure_ascii=False)
    assert AGREEMENT_NAME in answer
    assert AGREEMENT_ID in answer
    print(f"playground round trip (question -> card on the WebSocket): {elapsed * 1000:.0f} ms")


async def test_compose_box_search_finds_the_agreement(playground: str) -> None:
    """The manifest's message-extension command (searchAgreements, parameter query) as Teams sends it."""
    manifest = json.loads((ROOT / "deploy" / "teams" / "manifest.template.json").read_text(encoding="utf-8"))
    command = manifest["composeExtensions"][0]["commands"][0]
    async with open_chat(playground) as chat:
        body = {
            "name": "composeExtension/query",
            "value": {
                "commandId": command["id"],
                "parameters": [{"name": command["parameters"][0]["name"], "value": "heiser"}],
                "queryOptions": {"skip": 0, "count": 25},
            },
            "from": {"id": chat.user_id},
            "conversation": {"id": chat.chat_id},
        }
        async with chat.session.post(f"{playground}/_conversation/v1/invoke", json=body) as response:
            assert response.status == 200, await response.text()
            result = await response.json()
    assert result["composeExtension"]["type"] == "result"
    assert mentions(result["composeExtension"]["attachments"], AGREEMENT_NAME)


needs_chromium = pytest.mark.skipif(chromium() is None, reason="Chromium is needed to drive the Playground's page "
                                                                 "(apt-get install chromium)")


@needs_chromium
async def test_the_welcome_cards_example_button_asks_its_question(playground: str) -> None:
    """The example buttons used Teams' imBack data (`msteams`), on which the Playground's page
    failed ("Cannot add property msTeams, object is not extensible") and sent nothing."""
    english = json.loads((ROOT / "deploy" / "teams" / "en.template.json").read_text(encoding="utf-8"))
    question = english["bots[0].commandLists[0].commands[0].title"]  # "Do we have an agreement for office chairs?"
    async with open_chat(playground) as chat, open_page(playground) as page:
        await page.wait_for("!!document.querySelector(\"button[aria-label='Send Message']\")")
        await chat.say("help")  # the page shows what arrives while it is open; the help card has the example buttons
        await chat.wait_for(lambda m: mentions(m, question))
        await page.wait_for(f"Array.from(document.querySelectorAll('button')).some(b => b.innerText.trim() === {json.dumps(question)})")
        await page.evaluate(f"Array.from(document.querySelectorAll('button'))"
                            f".filter(b => b.innerText.trim() === {json.dumps(question)}).pop().click()")
        replies = await chat.wait_for(lambda m: mentions(m, "Kontormøbler"))
        assert page.exceptions == []
    assert mentions(replies[-1], "office chairs")


@needs_chromium
async def test_compose_box_search_in_the_playgrounds_page_lists_the_agreement(playground: str) -> None:
    """The page refused results whose preview had a tap action ("Unable to reach app") and sends
    the query without the parameter's name."""
    async with open_page(playground) as page:
        await page.wait_for("!!document.querySelector(\"button[aria-label='Trigger Message Extension App']\")")
        await page.evaluate("document.querySelector(\"button[aria-label='Trigger Message Extension App']\").click()")
        await page.wait_for("Array.from(document.querySelectorAll('button,[role=menuitem]')).some(b => b.innerText.trim() === 'Search Command')")
        await page.evaluate("Array.from(document.querySelectorAll('button,[role=menuitem]')).find(b => b.innerText.trim() === 'Search Command').click()")
        await page.wait_for("!!document.querySelector(\"input[placeholder='Enter a search term']\")")
        await page.evaluate(
            "(() => { const input = document.querySelector(\"input[placeholder='Enter a search term']\");"
            " Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, 'heiser');"
            " input.dispatchEvent(new Event('input', {bubbles: true})); })()"
        )
        shown = await page.wait_for(
            f"document.body.innerText.includes({json.dumps(AGREEMENT_NAME)}) || document.body.innerText.includes('Unable to reach app')"
            f" ? document.body.innerText : ''"
        )
        assert AGREEMENT_NAME in shown and "Unable to reach app" not in shown
        assert page.exceptions == []
