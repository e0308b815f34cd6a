"""Outbox jobs: `drain(services)` for the scheduler, `start_background(services)` for the server."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from bot.outbox.connector import ConnectorClient, token_provider_from_services
from bot.outbox.sender import Sender, make_sender


async def drain_async(services: Any, *, max_seconds: float = 240.0, wait_for_retries: bool = True) -> dict[str, Any]:
    async with ConnectorClient(token_provider_from_services(services)) as connector:
        sender = make_sender(services.database, connector, services.settings)
        report = await sender.drain(wait_for_retries=wait_for_retries, max_seconds=max_seconds)
    return report.to_json()


def drain(services: Any, *, max_seconds: float = 240.0) -> dict[str, Any]:
    """Scheduler job: deliver what is due (and retries falling due within `max_seconds`)."""
    coroutine = drain_async(services, max_seconds=max_seconds)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    # called from inside an event loop's thread: run on a fresh loop in a helper thread
    result: dict[str, Any] = {}
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.update(asyncio.run(coroutine))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=run, name="outbox-drain")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result


def start_background(services: Any, *, poll_seconds: float = 2.0) -> tuple[asyncio.Task[None], asyncio.Event]:
    """Start `run_forever` on the running loop (e.g. in an aiohttp on_startup hook).

    Returns (task, stop); on shutdown set `stop` (or cancel the task) and await the task:
    requests on the wire finish and are recorded, rows not yet sent are given back.
    The Sender is kept in services.outbox_sender so enqueuers can `notify()` it.
    """
    stop = asyncio.Event()

    async def run() -> None:
        async with ConnectorClient(token_provider_from_services(services)) as connector:
            sender: Sender = make_sender(services.database, connector, services.settings)
            services.outbox_sender = sender
            try:
                await sender.run_forever(stop, poll_seconds=poll_seconds)
            finally:
                services.outbox_sender = None

    return asyncio.create_task(run(), name="outbox-sender"), stop
