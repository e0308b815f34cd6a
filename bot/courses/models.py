"""Tables of the courses the procurement section runs, and who signed up for them.

`Course.lock_version` is bumped by every sign-up or cancellation before anything else is read
in that transaction: the UPDATE takes the row lock on PostgreSQL and the write lock on SQLite,
so two people can never both take the last seat.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = ["Course", "Enrolment", "EnrolmentStatus"]


class EnrolmentStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class Course(SQLModel, table=True):
    __tablename__ = "course"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    category: str = Field(default="", max_length=100, index=True)
    starts_at: dt.datetime = Field(index=True)
    ends_at: dt.datetime
    place: str = Field(default="", max_length=300)
    meeting_url: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    audience: str = Field(default="", max_length=300)
    capacity: int = 20
    signup_deadline: dt.datetime | None = None
    created_by: str = Field(default="", max_length=320)
    cancelled: bool = False
    lock_version: int = 0
    created_at: dt.datetime
    updated_at: dt.datetime


class Enrolment(SQLModel, table=True):
    __tablename__ = "course_enrolment"
    __table_args__ = (UniqueConstraint("course_id", "aad_object_id", name="uq_course_enrolment_user"),)

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="course.id", ondelete="CASCADE", index=True)
    aad_object_id: str = Field(max_length=64, index=True)
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320)
    status: str = Field(default=EnrolmentStatus.CONFIRMED.value, max_length=16)
    position: int = 0  # place in the sign-up order (waiting list order for `waiting`)
    signed_up_at: dt.datetime
    confirmed_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    updated_at: dt.datetime
    attended: bool | None = None  # marked after the course by the procurement section (None = not marked)
    attendance_marked_at: dt.datetime | None = None
