"""Scheduled announcement job (run by `bot.scheduler`): `send_due(services) -> dict`."""

from __future__ import annotations

from typing import Any

from bot.announcements import cards, service
from bot.courses.flow import current_time
from bot.services import Services

SCHEDULER = service.Actor(name="scheduler")


def send_due(services: Services) -> dict[str, Any]:
    """Queue every scheduled announcement whose send time has come (each exactly once, even on two instances)."""
    now = current_time(services)
    timezone = services.settings.timezone
    summary: dict[str, Any] = {"announcements": [], "recipients": 0, "not_reachable": 0}
    with services.database.session() as session:
        due = service.due_ids(session, now)
    for announcement_id in due:
        with services.database.session() as session:
            sent = service.send(session, announcement_id, lambda a: cards.announcement_activity(a, timezone), now)
            if sent.already_sent:
                continue
            service.log_action(session, SCHEDULER, "announcement.send", f"announcement:{announcement_id}", now,
                               recipients=sent.recipients, not_reachable=sent.not_reachable)
        summary["announcements"].append(announcement_id)
        summary["recipients"] += sent.recipients
        summary["not_reachable"] += sent.not_reachable
    sender = services.outbox_sender
    if sender is not None and summary["announcements"]:
        sender.notify()
    return summary
