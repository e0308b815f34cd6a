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
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # why it was passed on


class AlertCardCopy(SQLModel, table=True):
    """Which milestone an owner's card shows (one row per card and milestone): a decision taken on
    any copy updates every copy (the single alert, its reminders, the owner's digest cards)."""

    __tablename__ = "alert_card_copy"
    __table_args__ = (UniqueConstraint("outbox_key", "agreement_id", "milestone", "due_date", name="uq_alert_card_copy"),)

    id: int | None = Field(default=None, primary_key=True)
    outbox_key: str = Field(max_length=300, index=True)  # the idempotency key of the card's send
    card_kind: str = Field(max_length=16)  # single | digest
    agreement_id: str = Field(max_length=64, index=True)
    milestone: str = Field(max_length=16)
    due_date: dt.date
    position: int = 0  # order on a digest card (most urgent first)
    lang: str = Field(default="nb", max_length=2)
    recipient: str = Field(default="", max_length=320)
    passed_on_by: str = Field(default="", max_length=320)  # a reassigned card: who passed it on …
    passed_on_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # … and why
    created_at: dt.datetime


class AlertFollowUp(SQLModel, table=True):
    """What the register must show after a decision, and whether the syncs since show it.

    expect: end_after (use_option: an end date after `old_end_date`) | under_competition
    (new_competition: the register's status) | ends (let_expire: no option left)."""

    __tablename__ = "alert_follow_up"

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(max_length=64, index=True)
    decision: str = Field(max_length=32)
    expect: str = Field(max_length=24)
    old_end_date: dt.date | None = None  # the end date the decision protects
    decided_by: str = Field(default="", max_length=320)
    decided_on: dt.date
    state: str = Field(default="open", max_length=16, index=True)  # open | fulfilled | escalated | superseded
    reminded_on: dt.date | None = None
    escalated_on: dt.date | None = None
    fulfilled_on: dt.date | None = None
    created_at: dt.datetime


class AlertRegisterFlag(SQLModel, table=True):
    """Something the procurement section must correct in the register (its workspace list and
    `innkjopsbot alerts register-flags`): an owner field after a reassignment, an active agreement
    that vanished from an export, an end date moved earlier, a decision the register does not show."""

    __tablename__ = "alert_register_flag"
    __table_args__ = (UniqueConstraint("flag_key", name="uq_alert_register_flag"),)

    id: int | None = Field(default=None, primary_key=True)
    flag_key: str = Field(max_length=300)
    agreement_id: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=24)  # owner_field | removed | end_earlier | decision_not_reflected
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sync_run_id: int | None = None
    created_at: dt.datetime
    resolved_at: dt.datetime | None = None
