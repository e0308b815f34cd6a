"""Scheduled course jobs (run by `bot.scheduler`): `send_reminders(services) -> dict`."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from agreements_sync.i18n import strings
from bot.courses import cards, flow, service
from bot.courses.models import Course
from bot.services import Services, User


def courses_on(session: Any, day: dt.date, timezone: str) -> list[service.CourseView]:
    """Courses (not cancelled) that start on `day` in local time."""
    tz = ZoneInfo(timezone)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    ids = session.exec(
        select(Course.id).where(Course.starts_at >= start, Course.starts_at < end, Course.cancelled == False)  # noqa: E712
    ).all()
    return [service.course_view(session, course_id) for course_id in ids]


def send_reminders(services: Services) -> dict[str, Any]:
    """Queue a reminder to every confirmed participant of the courses that start tomorrow.

    One outbox row per course and person (key `course:<id>:reminder:<aad id>`), so running the
    job twice, or on two instances, reminds nobody twice. Participants without a conversation
    reference get an `unreachable` outbox row, which shows up in the delivery report."""
    timezone = services.settings.timezone
    tomorrow = services.today() + dt.timedelta(days=1)
    summary: dict[str, Any] = {"date": tomorrow.isoformat(), "courses": 0, "queued": 0, "already_queued": 0}
    with services.database.session() as session:
        for course in courses_on(session, tomorrow, timezone):
            summary["courses"] += 1
            for person in service.participants(session, course.id):
                if person.status != "confirmed":
                    continue
                lang = flow.recipient_lang(session, person.aad_object_id)
                text = strings("courses").get(
                    "reminder", lang, title=course.title, when=cards.when_text(course, lang, timezone),
                    where=cards.where_text(course, lang),
                )
                invitation = flow.calendar_link(services, course, User(name=person.name, email=person.email))
                card = cards.course_message_card(course, text, lang, timezone, ics_uri=invitation)
                queued = flow._enqueue(
                    session, key=f"course:{course.id}:reminder:{person.aad_object_id}", kind="course_reminder",
                    course_id=course.id, person=person, activity=flow.message_activity(text, card),
                )
                summary["queued" if queued else "already_queued"] += 1
    return summary
