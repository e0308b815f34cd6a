"""The sender: claims due outbox rows, delivers them within Teams' limits, records each outcome.

Delivery guarantees (see also docs/alerts.md):
- A row is claimed with a lease (`claimed_until`) in one short transaction; on PostgreSQL the
  candidates are locked FOR UPDATE SKIP LOCKED, so two senders (threads, processes, server
  instances) never claim the same row; an expired lease (a sender that died) is reclaimed.
- Each outcome is written in its own tiny transaction right after the HTTP answer, guarded by
  `claimed_by = me`, so the window in which a delivered message is not yet recorded is one
  UPDATE long. If the process dies exactly inside that window (after Teams accepted the
  message, before the UPDATE commits), the row is sent again when its lease expires: the one
  unavoidable at-least-once case, since the Bot Connector has no idempotent send.
- Cancelling `drain()`/`run_forever()` (server shutdown, Ctrl-C, SIGTERM) stops claiming,
  gives back rows not yet on the wire, and lets requests already on the wire finish and be
  recorded before it returns: a restart then resumes with nothing lost or sent twice.
- 429: the conversation (and, when several conversations are throttled at once, the whole
  app) pauses for Retry-After; the row is due again no earlier than Retry-After.
  412/5xx/timeouts/connection errors: retried with jittered exponential backoff up to
  `max_attempts`. 403 ConversationBlockedByUser → blocked; other 4xx → failed. Never retried.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import random
import socket
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.db import Database, utcnow
from bot.outbox import store
from bot.outbox.connector import ConnectorClient, ConnectorResult
from bot.outbox.limits import TEAMS_APP_WINDOWS, TEAMS_CONVERSATION_WINDOWS, DeliveryLimiter, Window
from bot.outbox.models import OutboxOperation, OutboxRow, OutboxStatus

log = logging.getLogger(__name__)

# 401 too: a token that expired or was refused once is fetched again; a wrong secret ends `failed`
RETRYABLE_STATUSES = frozenset({0, 401, 412, 429}) | frozenset(range(500, 600))


@dataclass
class DrainReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    retried: int = 0  # attempts that will be tried again later (429, 5xx, timeouts)
    deferred: int = 0  # given back unsent (rate-limit wait too long, update waiting for its send)
    lease_lost: int = 0  # outcome could not be recorded: another sender took the row meanwhile
    seconds: float = 0.0
    by_status_code: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Sender:
    """Drains the outbox through a `ConnectorClient` (or anything with send/update/delete)."""

    def __init__(
        self,
        database: Database,
        connector: ConnectorClient,
        *,
        worker_id: str | None = None,
        conversation_windows: Sequence[Window] = TEAMS_CONVERSATION_WINDOWS,
        app_windows: Sequence[Window] = TEAMS_APP_WINDOWS,
        max_attempts: int = 8,
        backoff_base: float = 2.0,
        backoff_max: float = 900.0,
        default_retry_after: float = 5.0,
        lease_seconds: float = 120.0,
        batch_size: int = 100,
        concurrency: int = 32,
        rng: random.Random | None = None,
        guard_seconds: float = 0.05,
    ) -> None:
        self.database = database
        self.connector = connector
        self.worker_id = worker_id or default_worker_id()
        self.limiter = DeliveryLimiter(conversation_windows, app_windows, guard_seconds=guard_seconds)
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.default_retry_after = default_retry_after
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._recent_429: deque[tuple[float, str]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- public -------------------------------------------------------------------------------

    def notify(self) -> None:
        """Something was enqueued: a sleeping `run_forever` looks at once (callable from any thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    async def drain(self, *, wait_for_retries: bool = True, max_seconds: float | None = None) -> DrainReport:
        """Deliver everything due; with `wait_for_retries`, also wait for rows due later
        (retries, Retry-After) until the outbox has nothing pending, or `max_seconds` passed."""
        report = DrainReport()
        started = time.monotonic()
        semaphore = asyncio.Semaphore(self.concurrency)
        tasks: set[asyncio.Task[None]] = set()
        held: dict[int, OutboxRow] = {}  # claimed, not yet on the wire
        on_wire: set[asyncio.Task[None]] = set()
        try:
            while True:
                if max_seconds is not None and time.monotonic() - started >= max_seconds:
                    break
                room = self.batch_size - len(tasks)
                claimed: list[OutboxRow] = []
                if room > self.batch_size // 2:
                    claimed = await asyncio.to_thread(
                        store.claim_due, self.database.engine, worker=self.worker_id, limit=room, lease=self.lease
                    )
                    report.claimed += len(claimed)
                    for row in claimed:
                        assert row.id is not None
                        held[row.id] = row
                        tasks.add(asyncio.create_task(self._process(row, semaphore, held, on_wire, report)))
                if tasks:
                    done, _ = await asyncio.wait(tasks, timeout=0.5, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        tasks.discard(task)
                        if not task.cancelled() and task.exception() is not None:
                            log.error("outbox: delivery task failed", exc_info=task.exception())
                    continue
                if claimed:
                    continue
                if not wait_for_retries:
                    break
                due = await asyncio.to_thread(store.next_due_at, self.database.engine)
                if due is None:
                    break
                delay = (due - utcnow()).total_seconds()
                if max_seconds is not None and delay > max_seconds - (time.monotonic() - started):
                    break  # nothing falls due before the deadline: do not sit idle until it
                await asyncio.sleep(min(max(delay, 0.02), 5.0))
        finally:
            if tasks:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            if on_wire:  # requests already sent: let them finish and be recorded
                await asyncio.gather(*on_wire, return_exceptions=True)
            if held:
                await asyncio.to_thread(store.release, self.database.engine, list(held), self.worker_id)
            report.seconds = round(time.monotonic() - started, 3)
        return report

    async def run_forever(self, stop: asyncio.Event | None = None, poll_seconds: float = 2.0) -> None:
        """Keep draining until `stop` is set or the task is cancelled (a server's background task)."""
        stop = stop or asyncio.Event()
        self._loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                await self.drain(wait_for_retries=False)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox: drain failed; trying again")
            due = None
            try:
                due = await asyncio.to_thread(store.next_due_at, self.database.engine)
            except Exception:
                log.exception("outbox: could not read the next due time")
            timeout = poll_seconds
            if due is not None:
                timeout = min(poll_seconds, max(0.02, (due - utcnow()).total_seconds()))
            self._wake.clear()
            waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
            try:
                await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()

    # --- one row ------------------------------------------------------------------------------

    async def _process(
        self,
        row: OutboxRow,
        semaphore: asyncio.Semaphore,
        held: dict[int, OutboxRow],
        on_wire: set[asyncio.Task[None]],
        report: DrainReport,
    ) -> None:
        assert row.id is not None
        activity_id = row.target_activity_id
        if row.operation != OutboxOperation.SEND and not activity_id and row.target_key:
            activity_id = await self._resolve_target(row, held, report)
            if activity_id is None:
                return
        key = f"{row.service_url}|{row.conversation_id}"
        async with semaphore:
            defer_after = self.lease.total_seconds() / 3
            while True:
                wait, ticket = self.limiter.reserve_ticket(key)
                if wait == 0:
                    break
                if wait > defer_after:  # do not sit on a lease: give it back, due when allowed
                    held.pop(row.id, None)
                    report.deferred += 1
                    await asyncio.to_thread(
                        store.release, self.database.engine, [row.id], self.worker_id,
                        utcnow() + dt.timedelta(seconds=wait),
                    )
                    return
                await asyncio.sleep(wait)
            held.pop(row.id, None)
            delivery = asyncio.create_task(self._deliver(row, activity_id, report, ticket))
            on_wire.add(delivery)
            delivery.add_done_callback(on_wire.discard)
            await asyncio.shield(delivery)

    async def _resolve_target(self, row: OutboxRow, held: dict[int, OutboxRow], report: DrainReport) -> str | None:
        """The activity id an update/delete refers to, from the send with `target_key`."""
        assert row.id is not None and row.target_key is not None
        original = await asyncio.to_thread(store.find_by_key, self.database.engine, row.target_key)
        if original is not None and original.status == OutboxStatus.SENT and original.sent_activity_id:
            return original.sent_activity_id
        held.pop(row.id, None)
        if original is not None and original.status in (OutboxStatus.PENDING, OutboxStatus.CLAIMED):
            report.deferred += 1
            await asyncio.to_thread(
                store.release, self.database.engine, [row.id], self.worker_id, utcnow() + dt.timedelta(seconds=0.5)
            )
            return None
        why = "it does not exist" if original is None else f"it was not delivered ({original.status})"
        report.failed += 1
        await asyncio.to_thread(
            store.record, self.database.engine, row.id, self.worker_id,
            status=OutboxStatus.FAILED.value, claimed_by=None, claimed_until=None,
            last_error=f"cannot {row.operation} message {row.target_key!r}: {why}",
        )
        return None

    async def _deliver(self, row: OutboxRow, activity_id: str | None, report: DrainReport, ticket: Any = None) -> None:
        assert row.id is not None
        try:
            if row.operation == OutboxOperation.UPDATE:
                result = await self.connector.update(row.service_url, row.conversation_id, activity_id or "", row.activity)
            elif row.operation == OutboxOperation.DELETE:
                result = await self.connector.delete(row.service_url, row.conversation_id, activity_id or "")
            else:
                result = await self.connector.send(row.service_url, row.conversation_id, row.activity)
        finally:
            self.limiter.settle(ticket)
        code = str(result.status)
        report.by_status_code[code] = report.by_status_code.get(code, 0) + 1
        values = self._outcome(row, result, report)
        recorded = await asyncio.to_thread(store.record, self.database.engine, row.id, self.worker_id, **values)
        if not recorded:
            report.lease_lost += 1
            log.warning("outbox: row %s was taken by another sender before its outcome was recorded", row.id)

    def _outcome(self, row: OutboxRow, result: ConnectorResult, report: DrainReport) -> dict[str, Any]:
        now = utcnow()
        attempts = row.attempts + 1
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_attempt_at": now,
            "last_status_code": result.status or None,
            "claimed_by": None,
            "claimed_until": None,
        }
        if result.ok:
            report.sent += 1
            return values | {
                "status": OutboxStatus.SENT.value,
                "sent_activity_id": result.activity_id,
                "sent_at": now,
                "last_error": "",
            }
        error = (f"{result.error_code}: " if result.error_code else "") + (result.error or f"HTTP {result.status}")
        if result.status == 403 and "ConversationBlockedByUser" in (result.error_code + result.error):
            report.blocked += 1
            return values | {"status": OutboxStatus.BLOCKED.value, "last_error": error[:2000]}
        if result.status not in RETRYABLE_STATUSES:
            report.failed += 1
            return values | {"status": OutboxStatus.FAILED.value, "last_error": error[:2000]}
        if attempts >= self.max_attempts:
            report.failed += 1
            return values | {
                "status": OutboxStatus.FAILED.value,
                "last_error": f"gave up after {attempts} attempts; last: {error}"[:2000],
            }
        if result.status == 429:
            delay = result.retry_after if result.retry_after is not None else self.default_retry_after
            self._throttled(f"{row.service_url}|{row.conversation_id}", delay)
        else:
            delay = self.backoff(attempts)
            if result.retry_after is not None:
                delay = max(delay, result.retry_after)
        report.retried += 1
        return values | {
            "status": OutboxStatus.PENDING.value,
            "next_attempt_at": now + dt.timedelta(seconds=delay),
            "last_error": error[:2000],
        }

    def backoff(self, attempts: int) -> float:
        """Jittered exponential backoff: base·2^(n-1), times a random factor in [0.5, 1.5), capped."""
        delay = min(self.backoff_max, self.backoff_base * (2 ** (attempts - 1)))
        return delay * (0.5 + self.rng.random())

    def _throttled(self, conversation: str, seconds: float) -> None:
        """Pause the conversation; if several conversations are throttled within a second, the app."""
        self.limiter.pause_conversation(conversation, seconds)
        now = time.monotonic()
        self._recent_429.append((now, conversation))
        while self._recent_429 and self._recent_429[0][0] < now - 1.0:
            self._recent_429.popleft()
        if len({c for _, c in self._recent_429}) >= 3:
            self.limiter.pause_app(seconds)


def make_sender(database: Database, connector: ConnectorClient, settings: Any = None, **overrides: Any) -> Sender:
    """A Sender configured from settings (outbox_* settings when present)."""
    kwargs: dict[str, Any] = {}
    if settings is not None:
        rate = getattr(settings, "outbox_app_requests_per_second", None)
        if rate:
            kwargs["app_windows"] = (Window(int(rate), 1.0),)
        for name, setting in (
            ("max_attempts", "outbox_max_attempts"),
            ("concurrency", "outbox_concurrency"),
            ("lease_seconds", "outbox_lease_seconds"),
        ):
            value = getattr(settings, setting, None)
            if value:
                kwargs[name] = value
    kwargs.update(overrides)
    return Sender(database, connector, **kwargs)

