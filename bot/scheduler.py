"""Scheduled jobs that run once per schedule across every server instance.

Each instance runs an APScheduler 3 `AsyncIOScheduler` with the same job table (the jobs the
areas declare, `services.areas.jobs`). When a
job fires, the instance works out the *tick* (the scheduled time the firing belongs to: the
latest fire time of the job's trigger, in UTC) and tries to take the lease for (job, tick) by
INSERTing a row into `job_lease`; the unique constraint on (job, tick) lets exactly one insert
succeed, on SQLite and PostgreSQL alike. The instance whose insert succeeded runs the job and
records the outcome and summary on the row; the others skip that tick. A lease whose holder died
without finishing can be taken over after it expires (a conditional UPDATE), and a job whose
previous run is still going (unfinished, unexpired lease of another tick) is not started again.

Jobs are plain functions `job(services) -> dict`, each declared by its area as a `JobSpec`
(bot/area.py). Async functions are awaited on the server's event loop, plain functions run in a
worker thread.

Schedules: a 5-field cron expression in `settings.timezone` ("15 2 * * *"), "every 30s" /
"every 5m" / "every 1h" (aligned to the clock, so every instance has the same ticks), or "off".
`INNKJOPSBOT_JOB_SCHEDULES` overrides any of them by job name.

For the server: `start_scheduler(services)` in `create_app`'s on_startup (or
`app.cleanup_ctx.append(scheduler_cleanup_ctx(services))`); for tests and the CLI:
`run_job_once(services, name, tick)`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import json
import logging
import os
import re
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint, and_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col

from bot.area import JobSpec
from bot.db import Database, rowcount, utcnow
from bot.logging import log

if TYPE_CHECKING:  # pragma: no cover
    from bot.services import Services

logger = logging.getLogger("innkjopsbot.scheduler")

# Interval schedules are aligned to this instant, so that every instance computes the same ticks.
_INTERVAL_ORIGIN = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_EVERY = re.compile(r"^every\s+(\d+)\s*(s|sec|seconds?|m|min|minutes?|h|hours?)$", re.IGNORECASE)


class JobLease(SQLModel, table=True):
    """One scheduled run of one job: whoever inserted this row runs (ran) that tick."""

    __tablename__ = "job_lease"
    __table_args__ = (UniqueConstraint("job", "tick", name="uq_job_lease_job_tick"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=100)
    tick: str = Field(max_length=40)  # the scheduled time, ISO 8601 UTC to the second
    holder: str = Field(max_length=200)  # host:pid:random of the instance that runs it
    acquired_at: dt.datetime = Field(index=True)
    expires_at: dt.datetime
    finished_at: dt.datetime | None = None
    outcome: str = Field(default="running", max_length=16)  # running | ok | error
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


# --- the job table ------------------------------------------------------------------------------


def job_spec(name: str, jobs: tuple[JobSpec, ...]) -> JobSpec:
    for spec in jobs:
        if spec.name == name:
            return spec
    known = ", ".join(spec.name for spec in jobs)
    raise KeyError(f"unknown job '{name}' (known: {known})")


# --- triggers and ticks -------------------------------------------------------------------------


def make_trigger(schedule: str, timezone: str) -> Any | None:
    """An APScheduler trigger for a schedule string; None for "off"; ValueError in plain words."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    text = schedule.strip()
    if text.lower() in {"off", "never", "disabled", ""}:
        return None
    match = _EVERY.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()[0]
        if amount <= 0:
            raise ValueError(f"schedule '{schedule}': the interval must be positive")
        seconds = amount * {"s": 1, "m": 60, "h": 3600}[unit]
        return IntervalTrigger(seconds=seconds, start_date=_INTERVAL_ORIGIN, timezone=dt.UTC)
    try:
        return CronTrigger.from_crontab(text, timezone=timezone)
    except ValueError as exc:
        raise ValueError(
            f"schedule '{schedule}' is neither a 5-field cron expression, 'every N s|m|h' nor 'off' ({exc})"
        ) from None


def latest_tick(trigger: Any, now: dt.datetime, lookback: dt.timedelta) -> dt.datetime | None:
    """The latest fire time of `trigger` at or before `now` (searching back `lookback`), in UTC."""
    current = trigger.get_next_fire_time(None, now - lookback)
    if current is None or current > now:
        return None
    while True:
        following = trigger.get_next_fire_time(current, current + dt.timedelta(microseconds=1))
        if following is None or following > now:
            return current.astimezone(dt.UTC)
        current = following


def tick_key(tick: dt.datetime | str) -> str:
    """The lease key of a tick: ISO 8601 in UTC to the second (strings pass through)."""
    if isinstance(tick, str):
        return tick
    if tick.tzinfo is None:
        raise ValueError("tick must be timezone-aware")
    return tick.astimezone(dt.UTC).replace(microsecond=0).isoformat()


# --- the lease ----------------------------------------------------------------------------------


def new_holder() -> str:
    """An id for one scheduler instance: host, process and a random part."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire_lease(
    database: Database, job: str, tick: str, holder: str, lease_seconds: int, now: dt.datetime | None = None
) -> tuple[bool, str]:
    """Try to take (job, tick). Returns (acquired, reason)."""
    now = now or utcnow()
    expires = now + dt.timedelta(seconds=lease_seconds)
    with database.session() as session:
        running = session.execute(
            select(col(JobLease.tick), col(JobLease.holder)).where(
                col(JobLease.job) == job,
                col(JobLease.tick) != tick,
                col(JobLease.finished_at).is_(None),
                col(JobLease.expires_at) > now,
            ).limit(1)
        ).first()
    if running is not None:
        return False, f"previous run ({running[0]}) still going on {running[1]}"
    try:
        with database.session() as session:
            session.add(JobLease(job=job, tick=tick, holder=holder, acquired_at=now, expires_at=expires))
        return True, "acquired"
    except IntegrityError:
        pass
    # Someone holds this tick. Take it over only if they died: unfinished and expired.
    with database.session() as session:
        result = session.execute(
            update(JobLease)
            .where(
                and_(
                    col(JobLease.job) == job,
                    col(JobLease.tick) == tick,
                    col(JobLease.finished_at).is_(None),
                    col(JobLease.expires_at) < now,
                )
            )
            .values(holder=holder, acquired_at=now, expires_at=expires, outcome="running", error="")
        )
        if rowcount(result) == 1:
            return True, "took over an expired lease"
    return False, "another instance has this tick"


def finish_lease(database: Database, job: str, tick: str, holder: str, outcome: str, summary: Any, error: str = "") -> None:
    with database.session() as session:
        session.execute(
            update(JobLease)
            .where(and_(col(JobLease.job) == job, col(JobLease.tick) == tick, col(JobLease.holder) == holder))
            .values(finished_at=utcnow(), outcome=outcome, summary=_json_safe(summary), error=error[:2000])
        )


def _json_safe(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        value = {"result": value}
    return json.loads(json.dumps(value, default=str))


# --- running a job ------------------------------------------------------------------------------


@dataclass
class JobRun:
    """What happened when one instance fired one job for one tick."""

    job: str
    tick: str
    ran: bool
    outcome: str  # ok | error | skipped | missing
    reason: str = ""
    holder: str = ""
    summary: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job, "tick": self.tick, "ran": self.ran, "outcome": self.outcome,
            "reason": self.reason, "holder": self.holder, "summary": self.summary,
        }


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def run_job_once(
    services: Services,
    name: str,
    tick: dt.datetime | str,
    *,
    holder: str | None = None,
    jobs: tuple[JobSpec, ...] | None = None,
) -> JobRun:
    """Run job `name` for `tick` unless some instance already has: the synchronous path (tests, CLI).

    An async job function is run to completion with `asyncio.run` (so call this outside an event
    loop, or use `Scheduler.fire` inside one).
    """
    spec = job_spec(name, jobs if jobs is not None else services.areas.jobs)
    key = tick_key(tick)
    holder = holder or new_holder()
    func = spec.run
    acquired, reason = acquire_lease(services.database, spec.name, key, holder, spec.lease_seconds)
    if not acquired:
        return JobRun(spec.name, key, False, "skipped", reason, holder)
    try:
        result = func(services)
        if inspect.isawaitable(result):
            result = asyncio.run(_await(result))
    except Exception as exc:  # noqa: BLE001 - a failing job is recorded, the scheduler goes on
        return _record_failure(services, spec, key, holder, exc)
    return _record_success(services, spec, key, holder, result, reason)


async def _await(awaitable: Any) -> Any:
    return await awaitable


async def run_job_once_async(
    services: Services,
    name: str,
    tick: dt.datetime | str,
    *,
    holder: str | None = None,
    jobs: tuple[JobSpec, ...] | None = None,
) -> JobRun:
    """The same as `run_job_once` on a running event loop: database work and plain jobs in a thread."""
    spec = job_spec(name, jobs if jobs is not None else services.areas.jobs)
    key = tick_key(tick)
    holder = holder or new_holder()
    func = spec.run
    acquired, reason = await asyncio.to_thread(
        acquire_lease, services.database, spec.name, key, holder, spec.lease_seconds
    )
    if not acquired:
        return JobRun(spec.name, key, False, "skipped", reason, holder)
    try:
        if inspect.iscoroutinefunction(func):
            result = await func(services)
        else:
            result = await asyncio.to_thread(func, services)
            if inspect.isawaitable(result):
                result = await result
    except Exception as exc:  # noqa: BLE001
        return await asyncio.to_thread(_record_failure, services, spec, key, holder, exc)
    return await asyncio.to_thread(_record_success, services, spec, key, holder, result, reason)


def _record_success(
    services: Services, spec: JobSpec, key: str, holder: str, result: Any, reason: str = ""
) -> JobRun:
    summary = _json_safe(result)
    finish_lease(services.database, spec.name, key, holder, "ok", summary)
    log(logger, logging.INFO, "job finished", job=spec.name, tick=key, outcome="ok")
    return JobRun(spec.name, key, True, "ok", reason, holder, summary)


def _record_failure(services: Services, spec: JobSpec, key: str, holder: str, exc: BaseException) -> JobRun:
    logger.exception("job failed", extra={"fields": {"job": spec.name, "tick": key}})
    finish_lease(services.database, spec.name, key, holder, "error", {}, _error_text(exc))
    return JobRun(spec.name, key, True, "error", _error_text(exc), holder)


# --- the scheduler ------------------------------------------------------------------------------


@dataclass
class ScheduledJob:
    spec: JobSpec
    schedule: str
    trigger: Any
    lookback: dt.timedelta


class Scheduler:
    """The job table of one instance on an APScheduler `AsyncIOScheduler`."""

    def __init__(self, services: Services, jobs: tuple[JobSpec, ...] | None = None, holder: str | None = None):
        self.services = services
        self.jobs = jobs if jobs is not None else services.areas.jobs
        self.holder = holder or new_holder()
        self.runs: list[JobRun] = []  # the runs this instance did (newest last, bounded)
        self._apscheduler: Any = None
        self.scheduled = self._plan()

    def _plan(self) -> list[ScheduledJob]:
        settings = self.services.settings
        planned = []
        unknown = set(settings.job_schedules) - {spec.name for spec in self.jobs}
        if unknown:
            log(logger, logging.WARNING, "unknown job in INNKJOPSBOT_JOB_SCHEDULES", jobs=sorted(unknown))
        for spec in self.jobs:
            if not spec.enabled(settings):
                continue
            schedule = spec.schedule_for(settings)
            try:
                trigger = make_trigger(schedule, settings.timezone)
            except ValueError as exc:
                source = "INNKJOPSBOT_JOB_SCHEDULES" if spec.name in settings.job_schedules else "the job table"
                if spec.name == "register_sync" and spec.name not in settings.job_schedules:
                    source = "INNKJOPSBOT_SYNC_CRON"
                raise ValueError(f"job {spec.name}: {exc} (set in {source})") from None
            if trigger is None:
                continue
            planned.append(ScheduledJob(spec, schedule, trigger, _lookback(trigger)))
        return planned

    @property
    def running(self) -> bool:
        return bool(self._apscheduler is not None and self._apscheduler.running)

    def start(self) -> Scheduler:
        """Start on the running event loop (call from an aiohttp on_startup handler)."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        scheduler = AsyncIOScheduler(timezone=self.services.settings.timezone)
        # APScheduler logs every add and run at INFO; our own "job finished" line says what matters
        if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
            logging.getLogger("apscheduler").setLevel(logging.WARNING)
        for job in self.scheduled:
            scheduler.add_job(
                self.fire,
                job.trigger,
                args=[job.spec.name],
                id=job.spec.name,
                name=job.spec.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=max(1, int(job.lookback.total_seconds())),
                replace_existing=True,
            )
        scheduler.start()
        self._apscheduler = scheduler
        log(logger, logging.INFO, "scheduler started", holder=self.holder,
            jobs={job.spec.name: job.schedule for job in self.scheduled})
        return self

    def shutdown(self) -> None:
        if self.running:
            self._apscheduler.shutdown(wait=False)
        self._apscheduler = None

    async def fire(self, name: str, now: dt.datetime | None = None) -> JobRun:
        """Run `name` for the tick that `now` belongs to, unless another instance has it."""
        job = next(j for j in self.scheduled if j.spec.name == name)
        now = now or utcnow()
        tick = latest_tick(job.trigger, now, job.lookback)
        if tick is None:  # fired far from any scheduled time (clock jump): nothing to do
            return JobRun(name, "", False, "skipped", "no scheduled time near now", self.holder)
        run = await run_job_once_async(self.services, name, tick, holder=self.holder, jobs=self.jobs)
        self.runs = (self.runs + [run])[-200:]
        return run


def _lookback(trigger: Any) -> dt.timedelta:
    """How far back a late firing still belongs to its tick: a minute, less for short intervals."""
    interval = getattr(trigger, "interval", None)
    if isinstance(interval, dt.timedelta):
        return min(dt.timedelta(seconds=60), interval * 0.9)
    return dt.timedelta(seconds=60)


def start_scheduler(services: Services, jobs: tuple[JobSpec, ...] | None = None) -> Scheduler:
    """Build the job table and start it (unless INNKJOPSBOT_SCHEDULER_ENABLED=false). Call on the loop."""
    scheduler = Scheduler(services, jobs)
    services.scheduler = scheduler
    if services.settings.scheduler_enabled:
        scheduler.start()
    else:
        log(logger, logging.INFO, "scheduler disabled by configuration")
    return scheduler


def start_outbox_sender(services: Services) -> tuple[Any, Any] | None:
    """The outbox's continuous sender loop on the running event loop, or None when not wanted/available."""
    settings = services.settings
    if not (settings.scheduler_enabled and getattr(settings, "outbox_sender_in_server", False)):
        return None
    try:
        from bot.outbox.jobs import start_background
    except ImportError:
        log(logger, logging.WARNING, "outbox sender not available", module="bot.outbox.jobs")
        return None
    if services.outbox_sender is not None:  # someone already runs one in this process
        return None
    log(logger, logging.INFO, "outbox sender started in the server")
    return start_background(services)


async def stop_outbox_sender(sender: tuple[Any, Any] | None, grace_seconds: float = 30.0) -> None:
    if sender is None:
        return
    task, stop = sender
    stop.set()
    try:
        await asyncio.wait_for(task, grace_seconds)
    except (TimeoutError, asyncio.CancelledError):
        task.cancel()
    except Exception:
        logger.exception("outbox sender stopped with an error")


def scheduler_cleanup_ctx(services: Services) -> Callable[[Any], AsyncIterator[None]]:
    """For aiohttp: `app.cleanup_ctx.append(scheduler_cleanup_ctx(services))`.

    Starts the scheduled jobs and, with INNKJOPSBOT_OUTBOX_SENDER_IN_SERVER (the default), the
    outbox's continuous sender loop; stops both when the app shuts down. Nothing starts with
    INNKJOPSBOT_SCHEDULER_ENABLED=false (e.g. a web-only instance, or tests).
    """

    async def _ctx(_app: Any) -> AsyncIterator[None]:
        scheduler = start_scheduler(services)
        sender = start_outbox_sender(services)
        try:
            yield
        finally:
            scheduler.shutdown()
            await stop_outbox_sender(sender)

    return _ctx
