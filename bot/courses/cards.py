"""Adaptive Cards (1.5) for courses: the list with Sign up / Cancel buttons, and course messages.

Buttons are `Action.Execute` with verbs `course.signup` / `course.cancel` and
`data: {"course_id": …}`; the handlers in `bot/courses/actions.py` answer with the updated card.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from agreements_sync.i18n import strings
from bot.card_safety import safe_card
from bot.courses.service import CourseView

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def _s(key: str, lang: str, **values: Any) -> str:
    return strings("courses").get(key, lang, **values)


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body}
    if actions:
        content["actions"] = actions
    return safe_card(content)


def when_text(course: CourseView, lang: str, timezone: str) -> str:
    tz = ZoneInfo(timezone)
    return _s("when", lang, start=course.starts_at.astimezone(tz), end=course.ends_at.astimezone(tz))


def where_text(course: CourseView, lang: str) -> str:
    if course.place and course.meeting_url:
        return f"{course.place} / {_s('teams_meeting', lang)}"
    return course.place or _s("teams_meeting", lang)


def seats_text(course: CourseView, lang: str) -> str:
    if course.seats_left > 0:
        return _s("seats_left", lang, seats=course.seats_left, capacity=course.capacity)
    return _s("seats_full", lang, waiting=course.waiting)


def _facts(course: CourseView, lang: str, timezone: str) -> list[dict[str, str]]:
    facts = [
        {"title": _s("fact_when", lang), "value": when_text(course, lang, timezone)},
        {"title": _s("fact_where", lang), "value": where_text(course, lang)},
        {"title": _s("fact_seats", lang), "value": seats_text(course, lang)},
    ]
    if course.signup_deadline is not None:
        deadline = course.signup_deadline.astimezone(ZoneInfo(timezone))
        facts.append({"title": _s("fact_deadline", lang), "value": _s("deadline_at", lang, deadline=deadline)})
    if course.audience:
        facts.append({"title": _s("fact_audience", lang), "value": course.audience})
    return facts


def _course_actions(course: CourseView, status: str | None, lang: str, now: dt.datetime, admin: bool = False) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    data = {"course_id": course.id}
    if status in ("confirmed", "waiting"):
        if now < course.starts_at:
            actions.append({"type": "Action.Execute", "verb": "course.cancel", "title": _s("button_cancel", lang), "data": data})
    elif course.open_for_signup(now):
        key = "button_signup" if course.seats_left > 0 else "button_waitlist"
        actions.append({"type": "Action.Execute", "verb": "course.signup", "title": _s(key, lang), "data": data, "style": "positive"})
    if course.meeting_url and status == "confirmed":
        actions.append({"type": "Action.OpenUrl", "title": _s("button_join", lang), "url": course.meeting_url})
    if admin:
        actions.append({"type": "Action.Execute", "verb": "course.attendees", "title": _s("button_attendees", lang), "data": data})
    return actions


def course_container(
    course: CourseView, status: str | None, lang: str, timezone: str, now: dt.datetime, waiting_number: int | None = None,
    admin: bool = False,
) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": course.title, "weight": "Bolder", "size": "Medium", "wrap": True},
    ]
    if course.description:
        items.append({"type": "TextBlock", "text": course.description, "wrap": True, "isSubtle": True, "spacing": "Small"})
    items.append({"type": "FactSet", "facts": _facts(course, lang, timezone)})
    if status == "confirmed":
        items.append({"type": "TextBlock", "text": _s("status_confirmed", lang), "wrap": True, "color": "Good"})
    elif status == "waiting":
        items.append({"type": "TextBlock", "text": _s("status_waiting", lang, number=waiting_number or "?"), "wrap": True, "color": "Warning"})
    elif not course.open_for_signup(now):
        items.append({"type": "TextBlock", "text": _s("status_closed", lang), "wrap": True, "isSubtle": True})
    actions = _course_actions(course, status, lang, now, admin)
    if actions:
        items.append({"type": "ActionSet", "actions": actions})
    return {"type": "Container", "id": f"course-{course.id}", "separator": True, "spacing": "Medium", "items": items}


def course_list_card(
    courses: Sequence[CourseView],
    statuses: Mapping[int, str],
    lang: str,
    timezone: str,
    now: dt.datetime,
    *,
    message: str = "",
    message_color: str = "Default",
    waiting_numbers: Mapping[int, int] | None = None,
    extra_actions: list[dict[str, Any]] | None = None,
    admin: bool = False,
) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    if message:
        body.append({"type": "TextBlock", "text": message, "wrap": True, "weight": "Bolder", "color": message_color})
    body.append({"type": "TextBlock", "text": _s("list_title", lang), "size": "Large", "weight": "Bolder", "wrap": True})
    if not courses:
        body.append({"type": "TextBlock", "text": _s("no_courses", lang), "wrap": True})
    for course in courses:
        body.append(course_container(course, statuses.get(course.id), lang, timezone, now,
                                     (waiting_numbers or {}).get(course.id), admin))
    return card(body, extra_actions)


def course_message_card(course: CourseView, text: str, lang: str, timezone: str, *, ics_uri: str = "") -> dict[str, Any]:
    """A proactive message about one course (moved up from the waiting list, reminder)."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": text, "wrap": True, "weight": "Bolder"},
        {"type": "TextBlock", "text": course.title, "size": "Medium", "wrap": True},
        {"type": "FactSet", "facts": _facts(course, lang, timezone)[:2]},
    ]
    actions: list[dict[str, Any]] = []
    if course.meeting_url:
        actions.append({"type": "Action.OpenUrl", "title": _s("button_join", lang), "url": course.meeting_url})
    if ics_uri:
        actions.append({"type": "Action.OpenUrl", "title": _s("button_calendar", lang), "url": ics_uri})
    actions.append({"type": "Action.Execute", "verb": "course.cancel", "title": _s("button_cancel", lang), "data": {"course_id": course.id}})
    return card(body, actions)


def calendar_action(ics_uri: str, lang: str) -> dict[str, Any]:
    return {"type": "Action.OpenUrl", "title": _s("button_calendar", lang), "url": ics_uri}


def attendees_card(course: CourseView, people: Sequence[Any], lang: str) -> dict[str, Any]:
    """For the procurement section: who signed up (confirmed, then the waiting list)."""
    body: list[dict[str, Any]] = [{
        "type": "TextBlock", "weight": "Bolder", "wrap": True,
        "text": _s("attendees_title", lang, title=course.title, confirmed=course.confirmed, capacity=course.capacity,
                   waiting=course.waiting),
    }]
    if not people:
        body.append({"type": "TextBlock", "text": _s("attendees_none", lang), "wrap": True})
    facts = []
    for p in people:
        label = p.name or p.email or p.aad_object_id
        value = p.email if p.status == "confirmed" else f"{p.email} ({_s('attendee_waiting', lang, number=p.waiting_number)})"
        facts.append({"title": label, "value": value})
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    body.append({"type": "TextBlock", "text": _s("attendees_export_hint", lang, id=course.id), "isSubtle": True, "wrap": True})
    return card(body, [{"type": "Action.Execute", "verb": "course.list", "title": _s("button_back", lang), "data": {}}])
