"""Course use cases for the conversation, the card actions and the jobs: service + cards + outbox.

Every function takes `Services` and a `User` and returns a `bot.answer.Answer`; proactive
messages (moved up from the waiting list, reminders) are queued in the outbox in the same
transaction as the change that causes them, so a seat never changes hands silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from agreements_sync.i18n import strings
from bot.answer import Answer
from bot.courses import cards, ics, service
from bot.courses.service import CourseView, Outcome, Participant
from bot.db import utcnow
from bot.services import Services, User

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


def _s(key: str, lang: str, **values: Any) -> str:
    return strings("courses").get(key, lang, **values)


def current_time(services: Services) -> dt.datetime:
    """Now (aware UTC). With a fixed as-of date: noon local time that day; tests may set services.clock."""
    if services.clock is not None:
        return services.clock()
    if services.as_of is not None:
        local = dt.datetime.combine(services.as_of, dt.time(12, 0), tzinfo=ZoneInfo(services.settings.timezone))
        return local.astimezone(dt.UTC)
    return utcnow()


def course_ics(services: Services, course: CourseView, *, attendee: User | None = None) -> bytes:
    return ics.course_ics(
        course,
        organizer_email=services.settings.procurement_email,
        timezone=services.settings.timezone,
        now=current_time(services),
        attendee_email=attendee.email if attendee else "",
        attendee_name=attendee.name if attendee else "",
    )


def calendar_link(services: Services, course: CourseView, attendee: User | None = None) -> str:
    """An https link to the invitation (with `public_base_url`), else the invitation as a data: URI."""
    from bot.courses.web import ics_url

    return ics_url(services.settings, course.id) or ics.data_uri(course_ics(services, course, attendee=attendee))


def message_activity(text: str, card: dict[str, Any], attachments: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """A Bot Framework message activity: the Adaptive Card, with the text as `summary` (the
    notification preview) and as the card's fallback — not as `text`, which Teams would show
    above the card, repeating it."""
    card.setdefault("fallbackText", text)
    return {
        "type": "message",
        "summary": text,
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}, *attachments],
    }


def _conversation_ref_id(session: Session, aad_object_id: str) -> int | None:
    from bot.conversation.store import find_by_aad_id

    ref = find_by_aad_id(session, aad_object_id)
    return ref.id if ref is not None else None


def recipient_lang(session: Session, aad_object_id: str) -> str:
    """The language of a proactive message: the recipient's Teams locale from their stored
    conversation, bokmål when the bot has none."""
    from bot.conversation.store import find_by_aad_id, language_for

    return language_for(find_by_aad_id(session, aad_object_id))


def _enqueue(session: Session, *, key: str, kind: str, course_id: int, person: Participant, activity: dict[str, Any]) -> bool:
    from bot.outbox import enqueue

    row = enqueue(
        session, idempotency_key=key, kind=kind, activity=activity, subject_id=f"course:{course_id}",
        conversation_ref_id=_conversation_ref_id(session, person.aad_object_id),
        recipient=person.email or person.aad_object_id,
    )
    return row is not None


def notify_moved_up(session: Session, services: Services, course: CourseView, moved: Sequence[Participant]) -> int:
    """Queue "you have a seat" for each person moved up from the waiting list."""
    queued = 0
    for person in moved:
        lang = recipient_lang(session, person.aad_object_id)
        when = cards.when_text(course, lang, services.settings.timezone)
        text = _s("moved_up", lang, title=course.title, when=when)
        invitation = calendar_link(services, course, User(name=person.name, email=person.email))
        card = cards.course_message_card(course, text, lang, services.settings.timezone, ics_uri=invitation)
        stamp = (person.confirmed_at or current_time(services)).strftime("%Y%m%dT%H%M%S%f")
        key = f"course:{course.id}:moved-up:{person.aad_object_id}:{stamp}"
        queued += _enqueue(session, key=key, kind="course", course_id=course.id, person=person,
                           activity=message_activity(text, card))
    return queued


def _list_card(session: Session, services: Services, user: User, *, message: str = "", color: str = "Default",
               extra_actions: list[dict[str, Any]] | None = None) -> tuple[dict[str, Any], list[CourseView]]:
    now = current_time(services)
    courses = service.upcoming_courses(session, now)
    ids = [c.id for c in courses]
    statuses = service.statuses_of(session, user.aad_object_id, ids)
    waiting_numbers: dict[int, int] = {}
    for course_id, status in statuses.items():
        if status == "waiting":
            enrolment = service.enrolment_of(session, course_id, user.aad_object_id)
            if enrolment is not None:
                waiting_numbers[course_id] = service._waiting_number(session, enrolment)
    card = cards.course_list_card(courses, statuses, user.lang, services.settings.timezone, now, message=message,
                                  message_color=color, waiting_numbers=waiting_numbers, extra_actions=extra_actions,
                                  admin=services.is_admin(user))
    return card, courses


def list_answer(services: Services, user: User, *, message: str = "") -> Answer:
    with services.database.session() as session:
        card, courses = _list_card(session, services, user, message=message)
    lang = user.lang
    text = _s("list_text", lang, titles="; ".join(c.title for c in courses)) if courses else _s("no_courses", lang)
    if message:
        text = message + "\n\n" + text
    return Answer(text=text, card=card, kind="courses",
                  data={"courses": [_course_json(c) for c in courses]})


def _course_json(course: CourseView) -> dict[str, Any]:
    return {
        "id": course.id, "title": course.title, "category": course.category, "starts_at": course.starts_at.isoformat(),
        "ends_at": course.ends_at.isoformat(), "place": course.place, "meeting_url": course.meeting_url,
        "capacity": course.capacity, "confirmed": course.confirmed, "waiting": course.waiting,
        "seats_left": course.seats_left, "signup_deadline": course.signup_deadline.isoformat() if course.signup_deadline else None,
        "cancelled": course.cancelled,
    }


_OUTCOME_COLOR = {
    Outcome.CONFIRMED: "Good", Outcome.WAITING: "Warning", Outcome.CANCELLED: "Default",
    Outcome.ALREADY_CONFIRMED: "Good", Outcome.ALREADY_WAITING: "Warning",
}


def outcome_text(result: service.EnrolmentResult, lang: str, timezone: str) -> str:
    return _s(f"outcome_{result.outcome.value}", lang, title=result.course.title,
              when=cards.when_text(result.course, lang, timezone), number=result.waiting_number or "?")


def sign_up_answer(services: Services, user: User, course_id: int) -> Answer:
    """Sign the user up (or onto the waiting list); the answer is the updated course list card.

    A confirmed seat carries the calendar invitation: a download button (data URI) on the card
    and the .ics itself in `data["ics"]` / `data["attachments"]` for channels that carry files."""
    lang = user.lang
    if not user.aad_object_id:
        return Answer(text=_s("no_identity", lang), kind="courses")
    now = current_time(services)
    try:
        with services.database.session() as session:
            result = service.sign_up(session, course_id, user, now)
            notify_moved_up(session, services, result.course, result.moved_up)
    except service.CourseNotFound:
        return list_answer(services, user, message=_s("course_not_found", lang))
    message = outcome_text(result, lang, services.settings.timezone)
    data: dict[str, Any] = {"outcome": result.outcome.value, "course": _course_json(result.course),
                            "waiting_number": result.waiting_number}
    extra_actions = None
    if result.outcome in (Outcome.CONFIRMED, Outcome.ALREADY_CONFIRMED):
        invitation = course_ics(services, result.course, attendee=user)
        extra_actions = [cards.calendar_action(calendar_link(services, result.course, user), lang)]
        data["ics"] = invitation.decode("utf-8")
        data["attachments"] = [ics.ics_attachment(result.course, invitation)]
    with services.database.session() as session:
        card, _ = _list_card(session, services, user, message=message,
                             color=_OUTCOME_COLOR.get(result.outcome, "Attention"), extra_actions=extra_actions)
    return Answer(text=message, card=card, kind="courses", data=data)


def cancel_answer(services: Services, user: User, course_id: int) -> Answer:
    lang = user.lang
    if not user.aad_object_id:
        return Answer(text=_s("no_identity", lang), kind="courses")
    now = current_time(services)
    try:
        with services.database.session() as session:
            result = service.cancel(session, course_id, user.aad_object_id, now)
            notify_moved_up(session, services, result.course, result.moved_up)
    except service.CourseNotFound:
        return list_answer(services, user, message=_s("course_not_found", lang))
    message = outcome_text(result, lang, services.settings.timezone)
    with services.database.session() as session:
        card, _ = _list_card(session, services, user, message=message, color=_OUTCOME_COLOR.get(result.outcome, "Attention"))
    return Answer(text=message, card=card, kind="courses",
                  data={"outcome": result.outcome.value, "course": _course_json(result.course),
                        "moved_up": [p.aad_object_id for p in result.moved_up]})


def cancel_course(services: Services, course_id: int, actor: str) -> tuple[CourseView, int]:
    """Cancel a course and tell everyone signed up or waiting (with a METHOD:CANCEL invitation). Returns (course, queued)."""
    from bot.announcements.service import Actor, log_action

    now = current_time(services)
    timezone = services.settings.timezone
    queued = 0
    with services.database.session() as session:
        view = service.cancel_course(session, course_id, now)
        log_action(session, Actor(actor), "course.cancel", f"course:{course_id}", now, title=view.title)
        for person in service.participants(session, course_id):
            lang = recipient_lang(session, person.aad_object_id)
            text = _s("course_cancelled_notice", lang, title=view.title, when=cards.when_text(view, lang, timezone))
            invitation = calendar_link(services, view, User(name=person.name, email=person.email))
            body = [{"type": "TextBlock", "text": text, "wrap": True, "weight": "Bolder"}]
            card = cards.card(body, [cards.calendar_action(invitation, lang)])
            queued += _enqueue(session, key=f"course:{course_id}:cancelled:{person.aad_object_id}", kind="course",
                               course_id=course_id, person=person, activity=message_activity(text, card))
    return view, queued


def attendees_answer(services: Services, user: User, course_id: int) -> Answer:
    """The participant list of a course, for the procurement section only."""
    if not services.is_admin(user):
        return list_answer(services, user)
    with services.database.session() as session:
        try:
            course = service.course_view(session, course_id)
            people = service.participants(session, course_id)
        except service.CourseNotFound:
            return list_answer(services, user, message=_s("course_not_found", user.lang))
    card = cards.attendees_card(course, people, user.lang)
    return Answer(text=card["body"][0]["text"], card=card, kind="courses",
                  data={"course": _course_json(course), "attendees": [p.email for p in people]})
