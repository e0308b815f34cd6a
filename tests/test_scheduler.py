"""The scheduler: each job runs once per tick across instances sharing one database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from bot.alerts import jobs as alert_jobs
from bot.announcements import jobs as announcement_jobs
from bot.area import JobSpec
from bot.areas import AREAS
from bot.courses import jobs as course_jobs
from bot.db import Database, utcnow
from bot.outbox import jobs as outbox_jobs
from bot.privacy.retention import run_retention
from bot.scheduler import (
    JobLease,
    Scheduler,
    latest_tick,
    make_trigger,
    run_job_once,
    tick_key,
)
from bot.services import Services
from bot.settings import load_settings
from bot.sync.jobs import scheduled_sync
from conftest import AS_OF, postgres_url_for


def second_handle(database: Database) -> Database:
    """Another engine on the same test database, as a second server instance would have."""
    if database.engine.dialect.name == "sqlite":
        return Database(database.engine.url.render_as_string(hide_password=False))
    return Database(postgres_url_for(database))


def services_for(database: Database, **settings: object) -> Services:
    return Services(load_settings(database_url="sqlite:///unused.db", **settings), database, as_of=AS_OF)


class Recorder:
    """A job that records each call (thread-safe) and takes a little while, like a real job."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.calls: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.seconds = seconds

    def job(self, label: str):
        def run(services: Services) -> dict:
            time.sleep(self.seconds)
            with self.lock:
                self.calls.append((label, id(services)))
            return {"label": label, "as_of": services.today()}

        return run


def leases(database: Database) -> list[JobLease]:
    with database.session() as session:
        return list(session.exec(select(JobLease).order_by(JobLease.job, JobLease.tick)))


def test_schedules_become_triggers_and_ticks() -> None:
    cron = make_trigger("15 2 * * *", "Europe/Oslo")
    now = dt.datetime(2026, 11, 24, 1, 15, 30, tzinfo=dt.UTC)  # 02:15:30 in Oslo (UTC+1)
    assert latest_tick(cron, now, dt.timedelta(seconds=60)) == dt.datetime(2026, 11, 24, 1, 15, tzinfo=dt.UTC)
    assert latest_tick(cron, now + dt.timedelta(minutes=5), dt.timedelta(seconds=60)) is None

    every = make_trigger("every 20s", "Europe/Oslo")
    now = dt.datetime(2026, 11, 24, 12, 0, 45, 123000, tzinfo=dt.UTC)
    assert latest_tick(every, now, dt.timedelta(seconds=18)) == dt.datetime(2026, 11, 24, 12, 0, 40, tzinfo=dt.UTC)
    assert tick_key(dt.datetime(2026, 11, 24, 12, 0, 40, 5, tzinfo=dt.UTC)) == "2026-11-24T12:00:40+00:00"

    assert make_trigger("off", "UTC") is None
    with pytest.raises(ValueError, match="neither a 5-field cron"):
        make_trigger("at midnight", "UTC")


def test_job_table_follows_settings(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'plan.db'}")
    plain = Scheduler(services_for(database, outbox_sender_in_server=True))
    names = {job.spec.name for job in plain.scheduled}
    assert "register_sync" not in names  # no INNKJOPSBOT_SYNC_SOURCE: no scheduled sync
    assert {"alerts.daily_scan", "privacy.retention", "courses.send_reminders"} <= names
    assert "outbox.drain" not in names  # the server's own sender loop delivers (outbox_sender_in_server)

    tuned = Scheduler(
        services_for(
            database,
            sync_source="/mnt/register/avtaleregister.csv",
            sync_cron="0 3 * * *",
            outbox_sender_in_server=False,
            job_schedules={"alerts.weekly_digest": "off", "outbox.drain": "every 5s"},
        )
    )
    schedules = {job.spec.name: job.schedule for job in tuned.scheduled}
    assert schedules["register_sync"] == "0 3 * * *"
    assert schedules["outbox.drain"] == "every 5s"
    assert "alerts.weekly_digest" not in schedules
    with pytest.raises(ValueError, match="job outbox.drain: schedule 'sometimes'.*INNKJOPSBOT_JOB_SCHEDULES"):
        Scheduler(services_for(database, outbox_sender_in_server=False, job_schedules={"outbox.drain": "sometimes"}))
    assert {spec.name: spec.run for spec in AREAS.jobs} == {
        "register_sync": scheduled_sync,
        "alerts.daily_scan": alert_jobs.daily_scan,
        "alerts.weekly_digest": alert_jobs.weekly_digest,
        "courses.send_reminders": course_jobs.send_reminders,
        "announcements.send_due": announcement_jobs.send_due,
        "outbox.drain": outbox_jobs.drain,
        "privacy.retention": run_retention,
    }
    database.dispose()


def test_two_instances_fire_the_same_ticks_each_job_runs_once(database: Database) -> None:
    other = second_handle(database)
    recorder = Recorder()
    jobs = tuple(JobSpec(name, recorder.job(name), "every 1m") for name in ("sync", "scan", "digest"))
    instances = [services_for(database), services_for(other)]
    ticks = [dt.datetime(2026, 11, 24, 2, minute, tzinfo=dt.UTC) for minute in (15, 16, 17)]
    runs = []

    def fire(item):
        services, name, tick = item
        barriers[(name, tick)].wait(timeout=10)  # both instances fire this tick at the same moment
        return run_job_once(services, name, tick, jobs=jobs)

    try:
        for tick in ticks:  # tick after tick, as the clock does; within a tick everything at once
            work = [(services, spec.name, tick) for spec in jobs for services in instances]
            barriers = {(name, tick): threading.Barrier(2) for _s, name, _t in work}
            with ThreadPoolExecutor(max_workers=len(work)) as pool:
                runs += list(pool.map(fire, work))
    finally:
        other.dispose()

    ran = Counter((run.job, run.tick) for run in runs if run.ran)
    assert len(ran) == 9 and set(ran.values()) == {1}
    assert len(recorder.calls) == 9
    skipped = [run for run in runs if not run.ran]
    assert len(skipped) == 9 and {run.outcome for run in skipped} == {"skipped"}
    rows = leases(database)
    assert len(rows) == 9
    assert {row.outcome for row in rows} == {"ok"}
    assert all(row.summary["as_of"] == "2026-11-24" and row.finished_at is not None for row in rows)


async def test_two_running_schedulers_share_each_tick(database: Database) -> None:
    """Two real APScheduler instances (two engines, one database) with a job every second."""
    other = second_handle(database)
    recorder = Recorder(seconds=0.01)
    jobs = (JobSpec("heartbeat", recorder.job("heartbeat"), "every 1s", lease_seconds=30),)
    first = Scheduler(services_for(database), jobs).start()
    second = Scheduler(services_for(other), jobs).start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            finished = [row for row in await asyncio.to_thread(leases, database) if row.finished_at]
            if len(finished) >= 3:
                break
            await asyncio.sleep(0.2)
    finally:
        first.shutdown()
        second.shutdown()
        await asyncio.sleep(0.3)  # let a run already started finish its bookkeeping
    rows = await asyncio.to_thread(leases, database)
    other.dispose()
    assert len([row for row in rows if row.finished_at]) >= 3
    assert len({row.tick for row in rows}) == len(rows)  # one lease per tick
    assert len(recorder.calls) == len([row for row in rows if row.outcome == "ok"])
    # both instances fired; for each tick one ran it and the other found it taken
    assert first.runs and second.runs
    both = {run.tick for run in first.runs} & {run.tick for run in second.runs}
    for tick in both:
        outcomes = sorted(run.ran for run in first.runs + second.runs if run.tick == tick)
        assert outcomes == [False, True]


def test_failure_is_recorded_and_not_rerun_by_another_instance(database: Database) -> None:
    calls = []

    def broken(services: Services) -> dict:
        calls.append(1)
        raise RuntimeError("register export unreadable")

    jobs = (JobSpec("broken", broken, "every 1m"),)
    tick = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)
    first = run_job_once(services_for(database), "broken", tick, jobs=jobs)
    second = run_job_once(services_for(database), "broken", tick, jobs=jobs)
    assert (first.ran, first.outcome) == (True, "error")
    assert "register export unreadable" in first.reason
    assert (second.ran, second.outcome) == (False, "skipped")
    assert len(calls) == 1
    [row] = leases(database)
    assert row.outcome == "error" and "RuntimeError" in row.error


def test_expired_lease_of_a_dead_instance_is_taken_over(database: Database) -> None:
    recorder = Recorder(seconds=0)
    jobs = (JobSpec("scan", recorder.job("scan"), "every 1m", lease_seconds=60),)
    long_ago = utcnow() - dt.timedelta(hours=2)
    with database.session() as session:
        session.add(JobLease(job="scan", tick="2026-11-24T04:00:00+00:00", holder="dead:1:x",
                             acquired_at=long_ago, expires_at=long_ago + dt.timedelta(minutes=1)))
    run = run_job_once(services_for(database), "scan", "2026-11-24T04:00:00+00:00", jobs=jobs)
    assert run.ran and run.outcome == "ok" and "took over" in run.reason
    [row] = leases(database)
    assert row.holder == run.holder and row.outcome == "ok"
    assert len(recorder.calls) == 1


def test_a_job_still_running_is_not_started_again(database: Database) -> None:
    recorder = Recorder(seconds=0)
    jobs = (JobSpec("sync", recorder.job("sync"), "every 1m", lease_seconds=600),)
    now = utcnow()
    with database.session() as session:
        session.add(JobLease(job="sync", tick="2026-11-24T05:00:00+00:00", holder="busy:1:y",
                             acquired_at=now, expires_at=now + dt.timedelta(minutes=10)))
    run = run_job_once(services_for(database), "sync", "2026-11-24T05:01:00+00:00", jobs=jobs)
    assert (run.ran, run.outcome) == (False, "skipped")
    assert "still going" in run.reason
    assert recorder.calls == []


def test_jobs_command_lists_the_table_and_runs_one_now(tmp_path) -> None:
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    cli = [str(Path(sys.executable).parent / "innkjopsbot"), "--database", f"sqlite:///{tmp_path / 'jobs.db'}"]
    env = {**os.environ, "INNKJOPSBOT_JOB_SCHEDULES": '{"alerts.weekly_digest": "off"}'}
    done = subprocess.run(cli + ["--json", "jobs", "run", "privacy.retention"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert run["ran"] and run["outcome"] == "ok" and run["tick"].startswith("manual:")
    listed = subprocess.run(cli + ["--json", "jobs"], env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    table = {row["job"]: row for row in json.loads(listed.stdout)["jobs"]}
    assert table["privacy.retention"]["last_outcome"] == "ok"
    assert table["alerts.weekly_digest"]["schedule"] == "off"
    unknown = subprocess.run(cli + ["jobs", "run", "nope"], env=env, capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "unknown job" in unknown.stderr
