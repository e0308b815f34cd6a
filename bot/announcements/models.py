"""Announcements from the procurement section, their recipients, and the admin action log."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = ["AdminLog", "Announcement", "AnnouncementRecipient", "AnnouncementStatus", "CategoryInterest"]


class AnnouncementStatus(StrEnum):
    SCHEDULED = "scheduled"  # waits for send_at
    SENT = "sent"  # queued in the outbox for every reachable recipient
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"  # withdrawn before it was sent


class Announcement(SQLModel, table=True):
    __tablename__ = "announcement"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    audience: str = Field(sa_column=Column(Text, nullable=False))  # all | emails:… | team:… | channel:… | category:…
    status: str = Field(default=AnnouncementStatus.SCHEDULED.value, max_length=16, index=True)
    send_at: dt.datetime = Field(index=True)
    version: int = 1  # goes up with every correction
    created_by: str = Field(default="", max_length=320)
    created_at: dt.datetime
    sent_at: dt.datetime | None = None
    corrected_at: dt.datetime | None = None
    withdrawn_at: dt.datetime | None = None
    recipients: int = 0
    not_reachable: int = 0
    request_key: str | None = Field(default=None, max_length=64, unique=True)  # a double-clicked Send is one announcement


class AnnouncementRecipient(SQLModel, table=True):
    """One resolved recipient of an announcement; the delivery status comes from the outbox row."""

    __tablename__ = "announcement_recipient"
    __table_args__ = (UniqueConstraint("announcement_id", "recipient_key", name="uq_announcement_recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(foreign_key="announcement.id", ondelete="CASCADE", index=True)
    recipient_key: str = Field(max_length=400)  # aad id, e-mail or conversation id
    aad_object_id: str = Field(default="", max_length=64)
    email: str = Field(default="", max_length=320)
    name: str = Field(default="", max_length=200)
    conversation_ref_id: int | None = None
    outbox_id: int | None = Field(default=None, index=True)
    reachable: bool = True
    reason: str = Field(default="", max_length=200)


class AdminLog(SQLModel, table=True):
    """Every admin action (announcements, course administration): who, when, what."""

    __tablename__ = "admin_log"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(index=True)
    actor: str = Field(max_length=320)  # e-mail, Entra object id or "cli:<os user>"
    actor_aad_id: str = Field(default="", max_length=64)
    action: str = Field(max_length=64)
    subject: str = Field(default="", max_length=200)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class CategoryInterest(SQLModel, table=True):
    """Who asked about which category (faggruppe): an announcement audience."""

    __tablename__ = "category_interest"
    __table_args__ = (UniqueConstraint("aad_object_id", "category", name="uq_category_interest"),)

    id: int | None = Field(default=None, primary_key=True)
    aad_object_id: str = Field(max_length=64, index=True)
    category: str = Field(max_length=200, index=True)
    times_asked: int = 1
    last_asked_at: dt.datetime
