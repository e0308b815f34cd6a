"""Alert tables: the state of each agreement milestone, the decisions owners make, reassignments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class AlertMilestone(SQLModel, table=True):
    """One milestone of one agreement (kind + due date) once the scan has seen it in its window."""

    __tablename__ = "alert_milestone"
    __table_args__ = (UniqueConstraint("agreement_id", "milestone", "due_date", name="uq_alert_milestone"),)

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(max_length=64, index=True)
    milestone: str = Field(max_length=16)  # option | competition | expiry
    due_date: dt.date
    first_alerted_on: dt.date | None = None  # the as-of date of the first alert (escalation counts from it)
    escalated_on: dt.date | None = None
    decision: str | None = Field(default=None, max_length=32)  # set when acted on: stops reminders
    decided_by: str = Field(default="", max_length=320)
    decided_at: dt.datetime | None = None
    snoozed_until: dt.date | None = None
    snooze_id: int = 0  # bumps with every snooze so reminders after it get fresh keys
    created_at: dt.datetime


class AlertDecision(SQLModel, table=True):
    """Every action taken on an alert card (or the CLI), with who and when."""

    __tablename__ = "alert_decision"

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(max_length=64, index=True)
    milestone: str = Field(max_length=16)
    due_date: dt.date
    decision: str = Field(max_length=32)  # use_option | new_competition | let_expire | reassign | snooze
    decided_by_name: str = Field(default="", max_length=200)
    decided_by_email: str = Field(default="", max_length=320)
    decided_by_aad_id: str = Field(default="", max_length=64)
    decided_at: dt.datetime
    new_owner_email: str = Field(default="", max_length=320)
    snoozed_until: dt.date | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class AlertOwner(SQLModel, table=True):
    """An agreement handed to another owner from an alert card; holds until the register changes owner."""

    __tablename__ = "alert_owner"

    agreement_id: str = Field(primary_key=True, max_length=64)
    owner_email: str = Field(max_length=320)
    register_owner_email: str = Field(default="", max_length=320)  # the register's owner when reassigned
    assigned_by: str = Field(default="", max_length=320)
    assigned_at: dt.datetime
