"""Courses: sign-up, waiting list, cancellation with move-up, deadlines, the last seat under contention."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from bot.courses import service
from bot.courses.service import Outcome
from bot.db import Database
from bot.services import User

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
START = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)


def person(n: int) -> User:
    return User(aad_object_id=f"aad-{n}", name=f"Ansatt {n}", email=f"Ansatt{n}@lorenskog.example")


def make_course(database: Database, capacity: int = 2, deadline: dt.datetime | None = None) -> int:
    with database.session() as session:
        course = service.create_course(
            session, title="Grunnkurs i innkjøpsregler", starts_at=START, ends_at=START + dt.timedelta(hours=3),
            now=NOW, place="Rådhuset, møterom Fjellhamar", capacity=capacity,
            signup_deadline=deadline or START - dt.timedelta(days=2), created_by="innkjop@lorenskog.example",
        )
        assert course.id is not None
        return course.id


def sign_up(database: Database, course_id: int, who: User, now: dt.datetime = NOW) -> service.EnrolmentResult:
    with database.session() as session:
        return service.sign_up(session, course_id, who, now)


def cancel(database: Database, course_id: int, who: User, now: dt.datetime = NOW) -> service.EnrolmentResult:
    with database.session() as session:
        return service.cancel(session, course_id, who.aad_object_id, now)


def test_sign_up_confirms_until_full_then_waiting_list(database: Database) -> None:
    course_id = make_course(database, capacity=2)
    assert sign_up(database, course_id, person(1)).outcome == Outcome.CONFIRMED
    second = sign_up(database, course_id, person(2))
    assert second.outcome == Outcome.CONFIRMED and second.course.seats_left == 0
    third = sign_up(database, course_id, person(3))
    assert third.outcome == Outcome.WAITING and third.waiting_number == 1
    fourth = sign_up(database, course_id, person(4))
    assert fourth.outcome == Outcome.WAITING and fourth.waiting_number == 2
    assert (fourth.course.confirmed, fourth.course.waiting) == (2, 2)
    with database.session() as session:
        people = service.participants(session, course_id)
    assert [(p.aad_object_id, p.status, p.waiting_number) for p in people] == [
        ("aad-1", "confirmed", None), ("aad-2", "confirmed", None), ("aad-3", "waiting", 1), ("aad-4", "waiting", 2),
    ]
    assert people[0].email == "ansatt1@lorenskog.example"


def test_double_sign_up_is_idempotent(database: Database) -> None:
    course_id = make_course(database, capacity=1)
    sign_up(database, course_id, person(1))
    assert sign_up(database, course_id, person(1)).outcome == Outcome.ALREADY_CONFIRMED
    sign_up(database, course_id, person(2))
    again = sign_up(database, course_id, person(2))
    assert again.outcome == Outcome.ALREADY_WAITING and again.waiting_number == 1
    assert (again.course.confirmed, again.course.waiting) == (1, 1)


def test_cancel_moves_the_first_waiting_person_up(database: Database) -> None:
    course_id = make_course(database, capacity=2)
    for n in (1, 2, 3, 4):
        sign_up(database, course_id, person(n))
    result = cancel(database, course_id, person(1))
    assert result.outcome == Outcome.CANCELLED
    assert [p.aad_object_id for p in result.moved_up] == ["aad-3"]
    assert (result.course.confirmed, result.course.waiting) == (2, 1)
    # a waiting person who cancels frees no seat and moves nobody
    result = cancel(database, course_id, person(4))
    assert result.outcome == Outcome.CANCELLED and result.moved_up == []
    assert cancel(database, course_id, person(4)).outcome == Outcome.NOT_ENROLLED
    # signing up again after cancelling puts you at the back of the queue
    assert sign_up(database, course_id, person(1)).outcome == Outcome.WAITING
    with database.session() as session:
        people = service.participants(session, course_id, include_cancelled=True)
    assert [(p.aad_object_id, p.status) for p in people] == [
        ("aad-2", "confirmed"), ("aad-3", "confirmed"), ("aad-1", "waiting"), ("aad-4", "cancelled"),
    ]


def test_deadline_and_start_are_enforced(database: Database) -> None:
    deadline = START - dt.timedelta(days=2)
    course_id = make_course(database, capacity=5, deadline=deadline)
    assert sign_up(database, course_id, person(1), deadline).outcome == Outcome.CONFIRMED
    late = sign_up(database, course_id, person(2), deadline + dt.timedelta(minutes=1))
    assert late.outcome == Outcome.DEADLINE_PASSED and not late.ok
    assert late.course.confirmed == 1
    # cancelling is still possible after the deadline, not after the start
    assert cancel(database, course_id, person(1), START).outcome == Outcome.COURSE_STARTED
    assert cancel(database, course_id, person(1), START - dt.timedelta(hours=1)).outcome == Outcome.CANCELLED


def test_cancelled_course_refuses_sign_up(database: Database) -> None:
    course_id = make_course(database)
    with database.session() as session:
        service.cancel_course(session, course_id, NOW)
    assert sign_up(database, course_id, person(1)).outcome == Outcome.COURSE_CANCELLED
    with database.session() as session:
        assert service.upcoming_courses(session, NOW) == []


def test_more_seats_move_the_waiting_list_up(database: Database) -> None:
    course_id = make_course(database, capacity=1)
    for n in (1, 2, 3):
        sign_up(database, course_id, person(n))
    with database.session() as session:
        moved = service.set_capacity(session, course_id, 2, NOW)
    assert [p.aad_object_id for p in moved] == ["aad-2"]


def test_course_validation_names_the_field(database: Database) -> None:
    """A refusal carries its message key and the field; English for logs, translated where shown."""
    with database.session() as session, pytest.raises(service.CourseError, match="must end after it starts") as ends:
        service.create_course(session, title="X", starts_at=START, ends_at=START, now=NOW, place="Rådhuset")
    assert (ends.value.key, ends.value.values["field"]) == ("course_ends_before_start", "ends_at")
    assert ends.value.text("nb") == "Kurset må slutte etter at det begynner"
    assert ends.value.text("nn") == "Kurset må slutte etter at det byrjar"
    with database.session() as session, pytest.raises(service.CourseError, match="place") as place:
        service.create_course(session, title="X", starts_at=START, ends_at=START + dt.timedelta(hours=1), now=NOW)
    assert place.value.values["field"] == "place" and place.value.text("nb") == "Oppgi et sted eller en Teams-møtelenke"
    with database.session() as session, pytest.raises(ValueError, match="naive"):
        service.create_course(session, title="X", starts_at=START.replace(tzinfo=None),
                              ends_at=START + dt.timedelta(hours=1), now=NOW, place="R")


def test_attendee_csv(database: Database) -> None:
    course_id = make_course(database, capacity=1)
    sign_up(database, course_id, person(1))
    sign_up(database, course_id, person(2))
    with database.session() as session:
        csv_text = service.participants_csv(service.course_view(session, course_id), service.participants(session, course_id))
    lines = csv_text.removeprefix("\ufeff").splitlines()
    assert lines[0].startswith("course_id;course_title;starts_at;name;email")
    assert "Ansatt 1;ansatt1@lorenskog.example;aad-1;confirmed;" in lines[1]
    assert ";waiting;1;" in lines[2]


def test_two_sign_ups_for_the_last_seat_never_both_get_it(database: Database) -> None:
    """Eight threads race for one seat, five times: exactly one gets it (PostgreSQL row lock / SQLite write lock)."""
    def attempt(n: int, course_id: int, barrier: threading.Barrier, outcomes: list[Outcome], errors: list[BaseException]) -> None:
        try:
            barrier.wait()
            outcomes.append(sign_up(database, course_id, person(n)).outcome)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    for _round in range(5):
        course_id = make_course(database, capacity=1)
        barrier = threading.Barrier(8)
        outcomes: list[Outcome] = []
        errors: list[BaseException] = []
        threads = [threading.Thread(target=attempt, args=(n, course_id, barrier, outcomes, errors)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sorted(outcomes).count(Outcome.CONFIRMED) == 1
        assert outcomes.count(Outcome.WAITING) == 7
        with database.session() as session:
            view = service.course_view(session, course_id)
        assert (view.confirmed, view.waiting) == (1, 7)
