"""The `outbox` table: one row per recipient and proactive message (send, update or delete)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (next_attempt_at)
    CLAIMED = "claimed"  # a sender holds it until claimed_until (a lease; expired leases are reclaimed)
    SENT = "sent"  # delivered (sent_activity_id holds the activity id Teams gave it)
    FAILED = "failed"  # gave up: 4xx other than 429, or too many attempts (last_error says why)
    BLOCKED = "blocked"  # 403 ConversationBlockedByUser: the user blocked or removed the bot
    UNREACHABLE = "unreachable"  # no conversation to send to (no stored reference); never attempted
    MERGED = "merged"  # not sent on its own: its content went out inside another message (last_error names it)


FINAL_STATUSES = frozenset(
    {OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.BLOCKED, OutboxStatus.UNREACHABLE, OutboxStatus.MERGED}
)


class OutboxOperation(StrEnum):
    SEND = "send"
    UPDATE = "update"
    DELETE = "delete"


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=300, unique=True)
    kind: str = Field(max_length=32, index=True)  # alert | reminder | escalation | digest | announcement | …
    subject_id: str | None = Field(default=None, max_length=200, index=True)  # e.g. agreement or announcement id
    recipient: str = Field(default="", max_length=320)  # e-mail / Entra id / channel, for delivery reports
    conversation_ref_id: int | None = Field(default=None, index=True)  # conversation_ref.id, when known
    # the target, copied at enqueue time (the reference may change or be deleted later)
    service_url: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    conversation_id: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    tenant_id: str = Field(default="", max_length=64)
    operation: str = Field(default=OutboxOperation.SEND.value, max_length=8)
    target_activity_id: str | None = Field(default=None, max_length=200)  # update/delete: the activity
    target_key: str | None = Field(default=None, max_length=300)  # …or the idempotency key of the send
    activity: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING.value, max_length=16)
    attempts: int = 0
    next_attempt_at: dt.datetime
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: dt.datetime | None = None
    sent_activity_id: str | None = Field(default=None, max_length=200)
    last_status_code: int | None = None
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: dt.datetime
    last_attempt_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
