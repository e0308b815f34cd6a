"""Calendar invitation (.ics, RFC 5545) for a course, built with the `icalendar` library.

The UID is stable per course (`course-<id>@<domain>`), so a corrected or re-sent invitation
updates the same calendar entry instead of adding a second one; SEQUENCE is the caller's
`sequence` (raise it when the course changes).
Times are written in the configured time zone (Europe/Oslo) with its VTIMEZONE.
"""

from __future__ import annotations

import base64
import datetime as dt
from zoneinfo import ZoneInfo

import icalendar

from bot.courses.service import CourseView

PRODID = "-//Lorenskog kommune//Innkjopsbot//NB"


def course_uid(course_id: int, domain: str) -> str:
    return f"course-{course_id}@{domain or 'innkjopsbot.local'}"


def course_ics(
    course: CourseView,
    *,
    organizer_email: str,
    organizer_name: str = "Innkjøpsseksjonen",
    timezone: str = "Europe/Oslo",
    now: dt.datetime,
    attendee_email: str = "",
    attendee_name: str = "",
    sequence: int = 0,
) -> bytes:
    """The invitation as bytes (UTF-8, CRLF line endings). A cancelled course gives METHOD:CANCEL."""
    tz = ZoneInfo(timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if course.cancelled else "PUBLISH")
    event = icalendar.Event()
    domain = organizer_email.split("@", 1)[1] if "@" in organizer_email else ""
    event.add("uid", course_uid(course.id, domain))
    event.add("sequence", sequence)
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", course.starts_at.astimezone(tz))
    event.add("dtend", course.ends_at.astimezone(tz))
    event.add("summary", course.title)
    description = course.description
    if course.meeting_url:
        description = (description + "\n\n" if description else "") + f"Teams: {course.meeting_url}"
    if description:
        event.add("description", description)
    event.add("location", course.place or "Microsoft Teams")
    if course.meeting_url:
        event.add("url", course.meeting_url)
    if course.category:
        event.add("categories", [course.category])
    event.add("status", "CANCELLED" if course.cancelled else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = icalendar.vText(organizer_name)
    event.add("organizer", organizer)
    if attendee_email:
        attendee = icalendar.vCalAddress(f"mailto:{attendee_email}")
        if attendee_name:
            attendee.params["cn"] = icalendar.vText(attendee_name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText("ACCEPTED")
        event.add("attendee", attendee)
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", course.title)
    alarm.add("trigger", dt.timedelta(minutes=-30))
    event.add_component(alarm)
    cal.add_component(event)
    first = course.starts_at.astimezone(tz).date() - dt.timedelta(days=366)
    last = course.ends_at.astimezone(tz).date() + dt.timedelta(days=366)
    cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()


def ics_filename(course: CourseView) -> str:
    return f"kurs-{course.id}.ics"


def data_uri(ics: bytes) -> str:
    """The invitation as a `data:` URI (an Adaptive Card download link / attachment contentUrl)."""
    return "data:text/calendar;charset=utf-8;base64," + base64.b64encode(ics).decode("ascii")


def ics_attachment(course: CourseView, ics: bytes) -> dict[str, str]:
    """A Bot Framework attachment carrying the invitation inline (contentUrl = data URI)."""
    return {"contentType": "text/calendar", "contentUrl": data_uri(ics), "name": ics_filename(course)}
