"""Where personal data lives: one declarative entry per table (or per way a table names a person).

Each `PersonalData` entry says
- how to find one person's rows: `match` maps a column to an identity key — `email`, `aad_id`,
  `feedback_hash` (the pseudonym `bot.conversation.store.user_hash` gives feedback),
  `conversation_id` (the person's personal 1:1 conversations) or `conversation_ref_id`;
- what erasure does with them: `erase="delete"`, a dict of columns to blank (anonymise: the row is
  a business record, e.g. a decision on an agreement, that stays without the person), or
  `"keep"` (export only: e.g. the agreement register, which is corrected at its source);
- how long rows are kept: `timestamp` (the column retention compares) or `older_than` (a filter
  for tables whose age lives elsewhere), `retention` ("delete" or a dict to anonymise) and its
  default period (`default_days`, else `INNKJOPSBOT_RETENTION_DAYS`; overridden per `kind` by
  `INNKJOPSBOT_RETENTION_OVERRIDES`).

Tables are reached through `SQLModel.metadata` by name, so a missing area's table is skipped, and
a new table with personal data is one more entry here (tests/test_privacy.py fails when a table
with e-mail / Entra id / name columns has none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import MetaData, Table, select
from sqlalchemy.sql.elements import ColumnElement

IdentityKey = Literal["email", "aad_id", "feedback_hash", "conversation_id", "conversation_ref_id"]
Match = dict[str, IdentityKey | tuple[IdentityKey, ...]]
Erase = Literal["delete", "keep"] | dict[str, Any]
OlderThan = Callable[[Table, MetaData, dt.datetime], ColumnElement[bool]]


@dataclass(frozen=True)
class PersonalData:
    table: str
    purpose: str
    match: Match = field(default_factory=dict)
    erase: Erase = "delete"
    timestamp: str | None = None
    older_than: OlderThan | None = None
    retention: Literal["delete"] | dict[str, Any] | None = None
    retention_where: Callable[[Table], ColumnElement[bool]] | None = None
    default_days: int | None = None
    kind: str = ""  # the name in INNKJOPSBOT_RETENTION_OVERRIDES; default: the table's name
    export_columns: tuple[str, ...] | None = None  # None = every column

    @property
    def retention_kind(self) -> str:
        return self.kind or self.table


def _outbox_finished(table: Table) -> ColumnElement[bool]:
    """Rows the outbox is done with (its own FINAL_STATUSES): never a message still waiting."""
    from bot.outbox.models import FINAL_STATUSES

    return table.c.status.in_(sorted(str(status.value) for status in FINAL_STATUSES))


def _enrolments_of_courses_ended(table: Table, metadata: MetaData, cutoff: dt.datetime) -> ColumnElement[bool]:
    course = metadata.tables["course"]
    return table.c.course_id.in_(select(course.c.id).where(course.c.ends_at < cutoff))


def _recipients_of_announcements_sent(table: Table, metadata: MetaData, cutoff: dt.datetime) -> ColumnElement[bool]:
    announcement = metadata.tables["announcement"]
    return table.c.announcement_id.in_(
        select(announcement.c.id).where(announcement.c.sent_at.is_not(None), announcement.c.sent_at < cutoff)
    )


REGISTRY: tuple[PersonalData, ...] = (
    # --- the Teams bot (bot/conversations) ---------------------------------------------------------
    PersonalData(
        "conversation_ref",
        "reach the user proactively (alerts, reminders, announcements) and know their name, e-mail and language",
        match={"aad_object_id": "aad_id", "email": "email"},
        timestamp="updated_at",
        retention="delete",
        retention_where=lambda t: t.c.installed.is_(False),  # kept while the app is installed
    ),
    PersonalData(
        "conversation_state",
        "follow-up questions in a conversation (the last question, topic and results)",
        match={"conversation_id": "conversation_id"},
        timestamp="updated_at",
        retention="delete",
        default_days=30,
    ),
    PersonalData(
        "feedback",
        "'was this helpful?' answers, to improve answers (the user only as a one-way pseudonym)",
        match={"user_hash": "feedback_hash"},
        timestamp="created_at",
        retention="delete",
    ),
    PersonalData(
        "question_log",
        "questions without an agreement or rated unhelpful, for the procurement section (no user identity;"
        " the text may contain what the user typed)",
        timestamp="created_at",
        retention="delete",
    ),
    # --- proactive messages (bot/outbox) ------------------------------------------------------------
    PersonalData(
        "outbox",
        "deliver proactive messages once, and report delivery",
        match={
            "recipient": ("email", "aad_id"),
            "conversation_ref_id": "conversation_ref_id",
            "conversation_id": "conversation_id",
        },
        timestamp="created_at",
        retention="delete",
        retention_where=_outbox_finished,
    ),
    # --- alerts (bot/alerts) -----------------------------------------------------------------------
    PersonalData(
        "alert_decision",
        "record who decided what about an agreement's option, competition or expiry",
        match={"decided_by_email": "email", "decided_by_aad_id": "aad_id"},
        erase={"decided_by_name": "", "decided_by_email": "", "decided_by_aad_id": ""},
        timestamp="decided_at",
        retention={"decided_by_name": "", "decided_by_email": "", "decided_by_aad_id": ""},
    ),
    PersonalData(
        "alert_decision",
        "record who decided what about an agreement's option, competition or expiry",
        match={"new_owner_email": "email"},
        erase={"new_owner_email": ""},
        kind="alert_decision.new_owner",
    ),
    PersonalData(
        "alert_milestone",
        "stop reminders once someone has acted on a milestone",
        match={"decided_by": "email"},
        erase={"decided_by": ""},
        timestamp="decided_at",
        retention={"decided_by": ""},
    ),
    PersonalData(
        "alert_owner",
        "an agreement handed to another owner from an alert (erasure hands it back to the register's owner)",
        match={"owner_email": "email"},
        erase="delete",
    ),
    PersonalData(
        "alert_owner",
        "an agreement handed to another owner from an alert",
        match={"assigned_by": "email"},
        erase={"assigned_by": "", "note": ""},
        kind="alert_owner.assigned_by",
    ),
    PersonalData(
        "alert_card_copy",
        "which alert cards an owner was sent, so a decision updates every copy",
        match={"recipient": "email"},
        erase="delete",
        timestamp="created_at",
        retention="delete",
        default_days=730,
    ),
    PersonalData(
        "alert_card_copy",
        "who passed an agreement on to its new owner (shown on the new owner's card)",
        match={"passed_on_by": "email"},
        erase={"passed_on_by": "", "passed_on_note": ""},
        kind="alert_card_copy.passed_on_by",
    ),
    PersonalData(
        "alert_follow_up",
        "check that the register shows what an owner decided",
        match={"decided_by": "email"},
        erase={"decided_by": ""},
        timestamp="created_at",
        retention={"decided_by": ""},
    ),
    # --- courses and announcements (bot/courses, bot/announcements) ----------------------------------
    PersonalData(
        "course_enrolment",
        "course sign-ups, waiting lists and reminders",
        match={"aad_object_id": "aad_id", "email": "email"},
        older_than=_enrolments_of_courses_ended,
        retention="delete",
    ),
    PersonalData(
        "course",
        "who created a course (administration)",
        match={"created_by": "email"},
        erase={"created_by": ""},
    ),
    PersonalData(
        "announcement",
        "who created an announcement (administration)",
        match={"created_by": "email"},
        erase={"created_by": ""},
    ),
    PersonalData(
        "announcement_recipient",
        "who an announcement went to, for the delivery report",
        match={"aad_object_id": "aad_id", "email": "email", "conversation_ref_id": "conversation_ref_id"},
        older_than=_recipients_of_announcements_sent,
        retention="delete",
    ),
    PersonalData(
        "category_interest",
        "which product categories a user asked about, as an announcement audience",
        match={"aad_object_id": "aad_id"},
        timestamp="last_asked_at",
        retention="delete",
    ),
    PersonalData(
        "admin_log",
        "accountability for admin actions (announcements, courses)",
        match={"actor": ("email", "aad_id"), "actor_aad_id": "aad_id"},
        erase={"actor": "", "actor_aad_id": ""},
        timestamp="at",
        retention="delete",
    ),
    # --- the procurement section's workspace (bot/workspace) --------------------------------------------
    PersonalData(
        "question_action",
        "what the procurement section did with an employee's question (linked, no agreement, needs one), and who did it",
        match={"actor": ("email", "aad_id")},
        erase={"actor": ""},
        timestamp="created_at",
        retention={"actor": ""},
    ),
    # --- the agreement register (agreements_sync): corrected at the source, never here -------------
    PersonalData(
        "agreement",
        "owner and adviser of an agreement, as the register names them (correct them in the register)",
        match={"owner_email": "email", "adviser_email": "email"},
        erase="keep",
        export_columns=("id", "title", "owner_name", "owner_email", "adviser", "adviser_email"),
    ),
    # --- operations ----------------------------------------------------------------------------------
    PersonalData(
        "job_lease",
        "which instance ran which scheduled job when (no personal data)",
        timestamp="acquired_at",
        retention="delete",
        default_days=30,
    ),
    PersonalData(
        "privacy_log",
        "accountability for exports, erasures and retention runs (the person only as a pseudonym)",
        timestamp="created_at",
        retention="delete",
        default_days=3 * 365,
    ),
)
