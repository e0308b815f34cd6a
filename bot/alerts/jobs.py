"""Scheduled jobs of the alerts: `daily_scan(services)` and `weekly_digest(services)` -> dict summary."""

from __future__ import annotations

from typing import Any

from bot.alerts import digest, scan


def _wake_sender(services: Any) -> None:
    sender = services.outbox_sender
    if sender is not None:
        sender.notify()


def daily_scan(services: Any) -> dict[str, Any]:
    """Queue today's alerts, reminders, escalations and unreachable-owner reports."""
    report = scan.scan(services.database, services.settings, services.today())
    _wake_sender(services)
    return {"as_of": report.as_of.isoformat(), "queued": report.counts(), "already_queued": len(report.planned) - len(report.new),
            "warnings": report.warnings}


def weekly_digest(services: Any) -> dict[str, Any]:
    """Queue this week's digest for the procurement channel (once per ISO week, from the configured weekday)."""
    report = digest.weekly_digest(services.database, services.settings, services.today())
    _wake_sender(services)
    return {"as_of": report.as_of.isoformat(), "queued": report.counts(), "warnings": report.warnings}
