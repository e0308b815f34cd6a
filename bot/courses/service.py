"""Course sign-up, cancellation and the waiting list, on plain values and one SQL session.

Every function that changes who holds a seat starts its transaction with `_lock_course`: an
UPDATE of the course row (its `lock_version`). On PostgreSQL that takes the row lock, on SQLite
the database write lock, and it is the first statement, so the seat count read after it is the
truth until commit: two people can never both get the last seat. The caller commits.

Times are aware UTC datetimes and "now" is always a parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.courses.models import Course, Enrolment, EnrolmentStatus
from bot.db import rowcount
from bot.exports import csv_text
from bot.problems import Refusal
from bot.services import User


class CourseNotFound(LookupError):
    pass


class CourseError(Refusal):
    """A course the procurement section cannot create or change: `.key` and `.values` (with `field`,
    the course's field it is about), translated where shown (`.text(lang)`); `str()` English."""


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    ALREADY_CONFIRMED = "already_confirmed"
    ALREADY_WAITING = "already_waiting"
    DEADLINE_PASSED = "deadline_passed"
    COURSE_STARTED = "course_started"
    COURSE_CANCELLED = "course_cancelled"
    CANCELLED = "cancelled"
    NOT_ENROLLED = "not_enrolled"


@dataclass(frozen=True)
class CourseView:
    """A course with its seat counts, as plain values."""

    id: int
    title: str
    description: str
    category: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    meeting_url: str
    audience: str
    capacity: int
    signup_deadline: dt.datetime | None
    cancelled: bool
    confirmed: int
    waiting: int

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.confirmed)

    def open_for_signup(self, now: dt.datetime) -> bool:
        return not self.cancelled and now < self.starts_at and (
            self.signup_deadline is None or now <= self.signup_deadline
        )


@dataclass(frozen=True)
class Participant:
    enrolment_id: int
    course_id: int
    aad_object_id: str
    name: str
    email: str
    status: str
    position: int
    signed_up_at: dt.datetime
    confirmed_at: dt.datetime | None
    waiting_number: int | None = None  # 1 = first on the waiting list


@dataclass
class EnrolmentResult:
    outcome: Outcome
    course: CourseView
    waiting_number: int | None = None  # for WAITING / ALREADY_WAITING
    moved_up: list[Participant] = field(default_factory=list)  # promoted from the waiting list

    @property
    def ok(self) -> bool:
        return self.outcome in {
            Outcome.CONFIRMED, Outcome.WAITING, Outcome.ALREADY_CONFIRMED, Outcome.ALREADY_WAITING, Outcome.CANCELLED,
        }


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise CourseError("course_naive_time", value=value.isoformat(), field="")
    return value.astimezone(dt.UTC)


def create_course(
    session: Session,
    *,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    now: dt.datetime,
    description: str = "",
    category: str = "",
    place: str = "",
    meeting_url: str = "",
    audience: str = "",
    capacity: int = 20,
    signup_deadline: dt.datetime | None = None,
    created_by: str = "",
) -> Course:
    if not title.strip():
        raise CourseError("course_title_empty", field="title")
    starts, ends = _aware(starts_at), _aware(ends_at)
    assert starts is not None and ends is not None
    if ends <= starts:
        raise CourseError("course_ends_before_start", field="ends_at")
    if capacity < 1:
        raise CourseError("course_capacity_min", field="capacity")
    deadline = _aware(signup_deadline)
    if deadline is not None and deadline > starts:
        raise CourseError("course_deadline_after_start", field="signup_deadline")
    if not place.strip() and not meeting_url.strip():
        raise CourseError("course_place_missing", field="place")
    course = Course(
        title=title.strip(), description=description.strip(), category=category.strip(), starts_at=starts,
        ends_at=ends, place=place.strip(), meeting_url=meeting_url.strip(), audience=audience.strip(),
        capacity=capacity, signup_deadline=deadline, created_by=created_by, created_at=now, updated_at=now,
    )
    session.add(course)
    session.flush()
    return course


def _counts(session: Session, course_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {cid: {} for cid in course_ids}
    if not course_ids:
        return counts
    rows = session.exec(
        select(col(Enrolment.course_id), col(Enrolment.status), func.count())
        .where(col(Enrolment.course_id).in_(list(course_ids)))
        .group_by(col(Enrolment.course_id), col(Enrolment.status))
    ).all()
    for course_id, status, n in rows:
        counts[course_id][status] = n
    return counts


def _view(course: Course, counts: dict[str, int]) -> CourseView:
    assert course.id is not None
    return CourseView(
        id=course.id, title=course.title, description=course.description, category=course.category,
        starts_at=course.starts_at, ends_at=course.ends_at, place=course.place, meeting_url=course.meeting_url,
        audience=course.audience, capacity=course.capacity, signup_deadline=course.signup_deadline,
        cancelled=course.cancelled, confirmed=counts.get(EnrolmentStatus.CONFIRMED, 0),
        waiting=counts.get(EnrolmentStatus.WAITING, 0),
    )


def course_view(session: Session, course_id: int) -> CourseView:
    course = session.get(Course, course_id)
    if course is None:
        raise CourseNotFound(f"no course with id {course_id}")
    return _view(course, _counts(session, [course_id])[course_id])


def upcoming_courses(session: Session, now: dt.datetime, *, include_cancelled: bool = False) -> list[CourseView]:
    query = select(Course).where(col(Course.starts_at) > now).order_by(col(Course.starts_at), col(Course.id))
    if not include_cancelled:
        query = query.where(col(Course.cancelled) == False)  # noqa: E712 - SQL expression
    courses = list(session.exec(query).all())
    counts = _counts(session, [c.id for c in courses if c.id is not None])
    return [_view(c, counts[c.id]) for c in courses if c.id is not None]


def all_courses(session: Session) -> list[CourseView]:
    courses = list(session.exec(select(Course).order_by(col(Course.starts_at), col(Course.id))).all())
    counts = _counts(session, [c.id for c in courses if c.id is not None])
    return [_view(c, counts[c.id]) for c in courses if c.id is not None]


def enrolment_of(session: Session, course_id: int, aad_object_id: str) -> Enrolment | None:
    return session.exec(
        select(Enrolment).where(col(Enrolment.course_id) == course_id, col(Enrolment.aad_object_id) == aad_object_id)
    ).first()


def statuses_of(session: Session, aad_object_id: str, course_ids: Sequence[int]) -> dict[int, str]:
    """The user's enrolment status per course (courses without one are left out)."""
    if not aad_object_id or not course_ids:
        return {}
    rows = session.exec(
        select(col(Enrolment.course_id), col(Enrolment.status)).where(
            col(Enrolment.aad_object_id) == aad_object_id, col(Enrolment.course_id).in_(list(course_ids))
        )
    ).all()
    return dict(rows)


def _lock_course(session: Session, course_id: int) -> Course:
    """Take the course's row (PostgreSQL) or write (SQLite) lock before reading seat counts."""
    result = session.execute(
        update(Course).where(col(Course.id) == course_id).values(lock_version=col(Course.lock_version) + 1)
    )
    if rowcount(result) == 0:
        raise CourseNotFound(f"no course with id {course_id}")
    course = session.get(Course, course_id, populate_existing=True)
    assert course is not None
    return course


def _count(session: Session, course_id: int, status: EnrolmentStatus) -> int:
    return session.exec(
        select(func.count()).select_from(Enrolment).where(col(Enrolment.course_id) == course_id, col(Enrolment.status) == status)
    ).one()


def _next_position(session: Session, course_id: int) -> int:
    current = session.exec(select(func.max(col(Enrolment.position))).where(col(Enrolment.course_id) == course_id)).one()
    return (current or 0) + 1


def _waiting_number(session: Session, enrolment: Enrolment) -> int:
    ahead = session.exec(
        select(func.count()).select_from(Enrolment).where(
            col(Enrolment.course_id) == enrolment.course_id,
            col(Enrolment.status) == EnrolmentStatus.WAITING,
            col(Enrolment.position) < enrolment.position,
        )
    ).one()
    return ahead + 1


def _participant(enrolment: Enrolment, waiting_number: int | None = None) -> Participant:
    assert enrolment.id is not None
    return Participant(
        enrolment_id=enrolment.id, course_id=enrolment.course_id, aad_object_id=enrolment.aad_object_id,
        name=enrolment.name, email=enrolment.email, status=enrolment.status, position=enrolment.position,
        signed_up_at=enrolment.signed_up_at, confirmed_at=enrolment.confirmed_at, waiting_number=waiting_number,
    )


def _fill_seats(session: Session, course: Course, now: dt.datetime) -> list[Participant]:
    """Move people up from the waiting list, first come first served, while seats are free."""
    assert course.id is not None
    if course.cancelled or now >= course.starts_at:
        return []
    free = course.capacity - _count(session, course.id, EnrolmentStatus.CONFIRMED)
    if free <= 0:
        return []
    waiting = session.exec(
        select(Enrolment)
        .where(col(Enrolment.course_id) == course.id, col(Enrolment.status) == EnrolmentStatus.WAITING)
        .order_by(col(Enrolment.position))
        .limit(free)
    ).all()
    moved = []
    for enrolment in waiting:
        enrolment.status = EnrolmentStatus.CONFIRMED
        enrolment.confirmed_at = now
        enrolment.updated_at = now
        session.add(enrolment)
        moved.append(_participant(enrolment))
    session.flush()
    return moved


def _refusal(course: Course, now: dt.datetime) -> Outcome | None:
    if course.cancelled:
        return Outcome.COURSE_CANCELLED
    if now >= course.starts_at:
        return Outcome.COURSE_STARTED
    if course.signup_deadline is not None and now > course.signup_deadline:
        return Outcome.DEADLINE_PASSED
    return None


def sign_up(session: Session, course_id: int, user: User, now: dt.datetime) -> EnrolmentResult:
    """Confirm a seat, or put the user on the waiting list when the course is full.

    Signing up twice changes nothing (ALREADY_CONFIRMED / ALREADY_WAITING)."""
    if not user.aad_object_id:
        raise CourseError("course_signup_needs_id", field="")
    course = _lock_course(session, course_id)
    moved = _fill_seats(session, course, now)  # a seat freed by a capacity change goes to the queue first
    existing = enrolment_of(session, course_id, user.aad_object_id)
    if existing is not None and existing.status == EnrolmentStatus.CONFIRMED:
        return EnrolmentResult(Outcome.ALREADY_CONFIRMED, course_view(session, course_id), moved_up=moved)
    if existing is not None and existing.status == EnrolmentStatus.WAITING:
        return EnrolmentResult(
            Outcome.ALREADY_WAITING, course_view(session, course_id), _waiting_number(session, existing), moved
        )
    refusal = _refusal(course, now)
    if refusal is not None:
        return EnrolmentResult(refusal, course_view(session, course_id), moved_up=moved)
    full = _count(session, course_id, EnrolmentStatus.CONFIRMED) >= course.capacity
    enrolment = existing or Enrolment(course_id=course_id, aad_object_id=user.aad_object_id, signed_up_at=now, updated_at=now)
    enrolment.name = user.name or enrolment.name
    enrolment.email = (user.email or enrolment.email).lower()
    enrolment.position = _next_position(session, course_id)
    enrolment.signed_up_at = now
    enrolment.cancelled_at = None
    enrolment.updated_at = now
    enrolment.status = EnrolmentStatus.WAITING if full else EnrolmentStatus.CONFIRMED
    enrolment.confirmed_at = None if full else now
    session.add(enrolment)
    session.flush()
    view = course_view(session, course_id)
    if full:
        return EnrolmentResult(Outcome.WAITING, view, _waiting_number(session, enrolment), moved)
    return EnrolmentResult(Outcome.CONFIRMED, view, moved_up=moved)


def cancel(session: Session, course_id: int, aad_object_id: str, now: dt.datetime) -> EnrolmentResult:
    """Cancel a seat or a place on the waiting list; the first waiting person moves up."""
    course = _lock_course(session, course_id)
    enrolment = enrolment_of(session, course_id, aad_object_id)
    if enrolment is None or enrolment.status == EnrolmentStatus.CANCELLED:
        return EnrolmentResult(Outcome.NOT_ENROLLED, course_view(session, course_id))
    if now >= course.starts_at:
        return EnrolmentResult(Outcome.COURSE_STARTED, course_view(session, course_id))
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.cancelled_at = now
    enrolment.updated_at = now
    session.add(enrolment)
    session.flush()
    moved = _fill_seats(session, course, now)
    return EnrolmentResult(Outcome.CANCELLED, course_view(session, course_id), moved_up=moved)


def set_capacity(session: Session, course_id: int, capacity: int, now: dt.datetime) -> list[Participant]:
    """Change the number of seats; a larger course moves people up from the waiting list."""
    if capacity < 1:
        raise CourseError("course_capacity_min", field="capacity")
    course = _lock_course(session, course_id)
    course.capacity = capacity
    course.updated_at = now
    session.add(course)
    session.flush()
    return _fill_seats(session, course, now)


def cancel_course(session: Session, course_id: int, now: dt.datetime) -> CourseView:
    course = _lock_course(session, course_id)
    course.cancelled = True
    course.updated_at = now
    session.add(course)
    session.flush()
    return course_view(session, course_id)


def participants(session: Session, course_id: int, *, include_cancelled: bool = False) -> list[Participant]:
    """Confirmed first (in sign-up order), then the waiting list in order, then (optionally) cancelled."""
    if session.get(Course, course_id) is None:
        raise CourseNotFound(f"no course with id {course_id}")
    rows = session.exec(select(Enrolment).where(col(Enrolment.course_id) == course_id).order_by(col(Enrolment.position))).all()
    order = {EnrolmentStatus.CONFIRMED: 0, EnrolmentStatus.WAITING: 1, EnrolmentStatus.CANCELLED: 2}
    result: list[Participant] = []
    waiting_number = 0
    for enrolment in sorted(rows, key=lambda e: (order[EnrolmentStatus(e.status)], e.position)):
        if enrolment.status == EnrolmentStatus.CANCELLED and not include_cancelled:
            continue
        number = None
        if enrolment.status == EnrolmentStatus.WAITING:
            waiting_number += 1
            number = waiting_number
        result.append(_participant(enrolment, number))
    return result


CSV_COLUMNS = ["course_id", "course_title", "starts_at", "name", "email", "aad_object_id", "status",
               "waiting_number", "signed_up_at", "confirmed_at"]


def participants_csv(course: CourseView, people: Sequence[Participant]) -> str:
    """The attendee list as CSV for Norwegian Excel (bot/exports.py: `;`, UTF-8 with BOM, Oslo times)."""
    return csv_text(CSV_COLUMNS, (
        [course.id, course.title, course.starts_at, p.name, p.email, p.aad_object_id, p.status,
         p.waiting_number or "", p.signed_up_at, p.confirmed_at]
        for p in people
    ))
