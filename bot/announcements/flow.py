"""Announcements from Teams: the form (write) → preview (announce.preview) → send (announce.send).

Only procurement-section members (`can_announce`: configured admins, or members of the
procurement team) get past the first check; everyone else gets a refusal. Every send is logged in `admin_log` with who and when.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from agreements_sync.i18n import strings
from bot.announcements import cards, service
from bot.announcements.audience import AudienceError, parse_audience, resolve
from bot.answer import Answer
from bot.courses.flow import current_time
from bot.problems import problems_text
from bot.services import Services, User


def _s(key: str, lang: str, **values: Any) -> str:
    return strings("courses").get(key, lang, **values)


def actor_of(user: User) -> service.Actor:
    return service.Actor(name=user.email or user.aad_object_id or user.name or "unknown", aad_object_id=user.aad_object_id)


def can_announce(services: Services, user: User) -> bool:
    """A procurement-section member: configured by Entra object id / e-mail (`services.is_admin`),
    or a member of the procurement team (`procurement_team_id`) whom the bot has met in that team
    (Teams only lets members write in a team, so a stored reference there proves membership)."""
    if services.is_admin(user):
        return True
    team_id = getattr(services.settings, "procurement_team_id", "")
    if not team_id or not user.aad_object_id:
        return False
    from sqlmodel import select

    from bot.conversation.models import ConversationRef

    with services.database.session() as session:
        return session.exec(
            select(ConversationRef.id).where(ConversationRef.team_id == team_id,
                                             ConversationRef.aad_object_id == user.aad_object_id)
        ).first() is not None


def refusal(user: User) -> Answer:
    text = _s("announce_not_admin", user.lang)
    return Answer(text=text, card=cards.message_card(text, "Attention"), kind="refused", data={"refused": True})


def parse_send_at(value: str, timezone: str) -> dt.datetime | None:
    """'' → None (now); '2026-12-01T09:00' (local time) or with an offset → aware UTC."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value else value)
    except ValueError:
        raise service.AnnouncementError("send_at_invalid", value=value) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed.astimezone(dt.UTC)


def form_answer(services: Services, user: User, values: Mapping[str, str] | None = None, problem: str = "") -> Answer:
    if not can_announce(services, user):
        return refusal(user)
    return Answer(text=_s("announce_form_title", user.lang), card=cards.form_card(user.lang, values, problem), kind="announce_form")


def preview_answer(services: Services, user: User, data: Mapping[str, Any]) -> Answer:
    if not can_announce(services, user):
        return refusal(user)
    fields = service.parse_fields(data)
    problems = service.validate(fields["title"], fields["text"], fields["audience"])
    try:
        parse_send_at(fields["send_at"], services.settings.timezone)
    except service.AnnouncementError as exc:
        problems.extend(exc.problems)
    if problems:
        return form_answer(services, user, {**fields, "audience_value": str(data.get("audience_value") or "")},
                           _s("announce_invalid", user.lang, problem=problems_text(problems, user.lang)))
    fields["audience"] = parse_audience(fields["audience"]).spec
    with services.database.session() as session:
        recipients = resolve(session, parse_audience(fields["audience"]))
    reachable = sum(1 for r in recipients if r.reachable)
    request_key = str(data.get("request_key") or uuid.uuid4().hex)
    card = cards.preview_card(user.lang, fields, request_key, reachable, len(recipients) - reachable)
    return Answer(text=fields["title"], card=card, kind="announce_preview",
                  data={"recipients": reachable, "not_reachable": len(recipients) - reachable})


def create_and_maybe_send(services: Services, actor: service.Actor, *, title: str, text: str, audience: str,
                          send_at: dt.datetime | None, request_key: str | None = None) -> tuple[Any, service.SendSummary | None]:
    """Store the announcement; send it at once when it is due. The CLI and Teams both use this."""
    now = current_time(services)
    timezone = services.settings.timezone
    with services.database.session() as session:
        announcement = service.create(session, title=title, text=text, audience=audience, actor=actor, now=now,
                                      send_at=send_at, request_key=request_key)
        summary = None
        if announcement.send_at <= now and announcement.status == "scheduled" and announcement.id is not None:
            summary = service.send(session, announcement.id, lambda a: cards.announcement_activity(a, timezone), now)
            service.log_action(session, actor, "announcement.send", f"announcement:{announcement.id}", now,
                               recipients=summary.recipients, not_reachable=summary.not_reachable)
    _wake_sender(services)
    return announcement, summary


def _wake_sender(services: Services) -> None:
    sender = services.outbox_sender
    if sender is not None:
        sender.notify()


def send_answer(services: Services, user: User, data: Mapping[str, Any]) -> Answer:
    if not can_announce(services, user):
        return refusal(user)
    fields = service.parse_fields(data)
    try:
        send_at = parse_send_at(fields["send_at"], services.settings.timezone)
        announcement, summary = create_and_maybe_send(
            services, actor_of(user), title=fields["title"], text=fields["text"], audience=fields["audience"],
            send_at=send_at, request_key=str(data.get("request_key") or "") or None,
        )
    except (service.AnnouncementError, AudienceError) as exc:
        return form_answer(services, user, fields, _s("announce_invalid", user.lang, problem=exc.text(user.lang)))
    if summary is None and announcement.status == "scheduled":
        text = _s("announce_scheduled", user.lang, id=announcement.id,
                  send_at=announcement.send_at.astimezone(ZoneInfo(services.settings.timezone)))
    else:
        text = _s("announce_queued", user.lang, id=announcement.id, recipients=announcement.recipients - announcement.not_reachable,
                  unreachable=announcement.not_reachable)
    return Answer(text=text, card=cards.message_card(text, "Good"), kind="announce_sent",
                  data={"announcement": service.announcement_json(announcement)})
