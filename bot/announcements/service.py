"""Announcements: create, send (now or at a set time) through the outbox, report, correct, withdraw.

One outbox row per recipient and operation, with idempotency keys
    announcement:<id>:send:<recipient>          the delivery
    announcement:<id>:v<version>:<recipient>    a correction (update of the delivered card)
    announcement:<id>:withdraw:<recipient>      the withdrawal (delete of the delivered card)
so sending, correcting or withdrawing twice (double click, two instances, a retried job) queues
nothing twice. Every admin action is written to `admin_log` with who and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.announcements.audience import AudienceError, parse_audience, resolve
from bot.announcements.models import AdminLog, Announcement, AnnouncementRecipient, AnnouncementStatus
from bot.db import rowcount
from bot.exports import csv_text
from bot.problems import Problem, Refusal

KIND = "announcement"
MAX_TITLE = 200
MAX_TEXT = 4000

ActivityBuilder = Callable[[Announcement], dict[str, Any]]


class AnnouncementError(Refusal):
    """The announcement cannot be created or changed: `.problems` say why (keys and values,
    translated where shown: `.text(lang)`; see bot/problems.py)."""


class AnnouncementNotFound(AnnouncementError):
    """No announcement has this id."""


@dataclass(frozen=True)
class Actor:
    """Who does an admin action: an e-mail / Entra id from Teams, or `cli:<os user>`."""

    name: str
    aad_object_id: str = ""


def log_action(session: Session, actor: Actor, action: str, subject: str, now: dt.datetime, **details: Any) -> None:
    session.add(AdminLog(at=now, actor=actor.name, actor_aad_id=actor.aad_object_id, action=action, subject=subject,
                         details=details))


def validate(title: str, text: str, audience: str) -> list[Problem]:
    """What is wrong with an announcement (nothing: []); each problem translated where it is shown."""
    problems = []
    if not title.strip():
        problems.append(Problem("title_empty"))
    elif len(title) > MAX_TITLE:
        problems.append(Problem("title_too_long", {"max": MAX_TITLE}))
    if not text.strip():
        problems.append(Problem("text_empty"))
    elif len(text) > MAX_TEXT:
        problems.append(Problem("text_too_long", {"max": MAX_TEXT}))
    try:
        parse_audience(audience)
    except AudienceError as exc:
        problems.extend(exc.problems)
    return problems


def create(
    session: Session, *, title: str, text: str, audience: str, actor: Actor, now: dt.datetime,
    send_at: dt.datetime | None = None, request_key: str | None = None,
) -> Announcement:
    """Store an announcement (scheduled for `send_at`, default now). Same request_key = same announcement."""
    if request_key:
        existing = session.exec(select(Announcement).where(col(Announcement.request_key) == request_key)).first()
        if existing is not None:
            return existing
    problems = validate(title, text, audience)
    if send_at is not None and send_at.tzinfo is None:
        problems.append(Problem("send_at_naive"))
    if problems:
        raise AnnouncementError(problems=problems)
    announcement = Announcement(
        title=title.strip(), text=text.strip(), audience=parse_audience(audience).spec,
        status=AnnouncementStatus.SCHEDULED, send_at=(send_at or now).astimezone(dt.UTC), created_by=actor.name,
        created_at=now, request_key=request_key,
    )
    session.add(announcement)
    session.flush()
    log_action(session, actor, "announcement.create", f"announcement:{announcement.id}", now,
               title=announcement.title, audience=announcement.audience, send_at=announcement.send_at.isoformat())
    return announcement


def send_key(announcement_id: int, recipient_key: str) -> str:
    return f"announcement:{announcement_id}:send:{recipient_key}"


@dataclass
class SendSummary:
    announcement_id: int
    recipients: int = 0
    queued: int = 0
    not_reachable: int = 0
    already_sent: bool = False


def send(session: Session, announcement_id: int, build_activity: ActivityBuilder, now: dt.datetime) -> SendSummary:
    """Resolve the audience and queue one outbox row per recipient (claimed once: status scheduled→sent)."""
    from bot.outbox import enqueue

    claimed = session.execute(
        update(Announcement)
        .where(col(Announcement.id) == announcement_id, col(Announcement.status) == AnnouncementStatus.SCHEDULED)
        .values(status=AnnouncementStatus.SENT, sent_at=now)
    )
    announcement = session.get(Announcement, announcement_id, populate_existing=True)
    if announcement is None:
        raise AnnouncementNotFound("announcement_not_found", id=announcement_id)
    if rowcount(claimed) == 0:
        return SendSummary(announcement_id, announcement.recipients, 0, announcement.not_reachable, already_sent=True)
    summary = SendSummary(announcement_id)
    activity = build_activity(announcement)
    for recipient in resolve(session, parse_audience(announcement.audience)):
        row = enqueue(
            session, idempotency_key=send_key(announcement_id, recipient.key), kind=KIND, subject_id=str(announcement_id),
            activity=activity, conversation_ref_id=recipient.conversation_ref_id if recipient.reachable else None,
            recipient=recipient.email or recipient.aad_object_id or recipient.key,
        )
        session.add(AnnouncementRecipient(
            announcement_id=announcement_id, recipient_key=recipient.key, aad_object_id=recipient.aad_object_id,
            email=recipient.email, name=recipient.name, conversation_ref_id=recipient.conversation_ref_id,
            outbox_id=row.id if row is not None else None, reachable=recipient.reachable and row is not None
            and row.status != "unreachable", reason=recipient.reason or (row.last_error if row is not None else ""),
        ))
        summary.recipients += 1
        if row is not None and row.status != "unreachable":
            summary.queued += 1
        else:
            summary.not_reachable += 1
    announcement.recipients = summary.recipients
    announcement.not_reachable = summary.not_reachable
    session.add(announcement)
    session.flush()
    return summary


def due_ids(session: Session, now: dt.datetime) -> list[int]:
    return [ident for ident in session.exec(
        select(col(Announcement.id)).where(col(Announcement.status) == AnnouncementStatus.SCHEDULED, col(Announcement.send_at) <= now)
        .order_by(col(Announcement.send_at), col(Announcement.id))
    ).all() if ident is not None]


def get(session: Session, announcement_id: int) -> Announcement:
    announcement = session.get(Announcement, announcement_id)
    if announcement is None:
        raise AnnouncementNotFound("announcement_not_found", id=announcement_id)
    return announcement


def _delivered_sends(session: Session, announcement_id: int) -> list[tuple[AnnouncementRecipient, Any]]:
    """Recipients whose delivery row exists and is not unreachable/blocked/failed (i.e. sent or still on its way)."""
    from bot.outbox import OutboxRow

    rows = session.exec(
        select(AnnouncementRecipient, OutboxRow)
        .join(OutboxRow, col(OutboxRow.id) == col(AnnouncementRecipient.outbox_id))
        .where(col(AnnouncementRecipient.announcement_id) == announcement_id)
        .order_by(col(AnnouncementRecipient.id))
    ).all()
    return [(r, o) for r, o in rows if o.status in ("sent", "pending", "claimed")]


def correct(
    session: Session, announcement_id: int, *, actor: Actor, now: dt.datetime, build_activity: ActivityBuilder,
    title: str | None = None, text: str | None = None,
) -> int:
    """Change title/text; a sent announcement is updated in place wherever it was delivered. Returns updates queued."""
    from bot.outbox import enqueue

    announcement = get(session, announcement_id)
    if announcement.status in (AnnouncementStatus.WITHDRAWN, AnnouncementStatus.CANCELLED):
        raise AnnouncementError("announcement_withdrawn", id=announcement_id)
    new_title = announcement.title if title is None else title
    new_text = announcement.text if text is None else text
    problems = validate(new_title, new_text, announcement.audience)
    if problems:
        raise AnnouncementError(problems=problems)
    if (new_title.strip(), new_text.strip()) == (announcement.title, announcement.text):
        return 0
    before = {"title": announcement.title, "text": announcement.text}
    announcement.title, announcement.text = new_title.strip(), new_text.strip()
    announcement.version += 1
    announcement.corrected_at = now
    session.add(announcement)
    session.flush()
    log_action(session, actor, "announcement.correct", f"announcement:{announcement_id}", now,
               version=announcement.version, before=before)
    if announcement.status != AnnouncementStatus.SENT:
        return 0
    activity = build_activity(announcement)
    queued = 0
    for recipient, _row in _delivered_sends(session, announcement_id):
        row = enqueue(
            session, idempotency_key=f"announcement:{announcement_id}:v{announcement.version}:{recipient.recipient_key}",
            kind=KIND, subject_id=str(announcement_id), operation="update",
            target_key=send_key(announcement_id, recipient.recipient_key), activity=activity,
        )
        queued += row is not None
    return queued


def withdraw(session: Session, announcement_id: int, *, actor: Actor, now: dt.datetime) -> int:
    """Withdraw: a scheduled announcement is cancelled; a sent one is deleted wherever it was delivered."""
    from bot.outbox import enqueue

    announcement = get(session, announcement_id)
    if announcement.status in (AnnouncementStatus.WITHDRAWN, AnnouncementStatus.CANCELLED):
        return 0
    was_sent = announcement.status == AnnouncementStatus.SENT
    announcement.status = AnnouncementStatus.WITHDRAWN if was_sent else AnnouncementStatus.CANCELLED
    announcement.withdrawn_at = now
    session.add(announcement)
    log_action(session, actor, "announcement.withdraw", f"announcement:{announcement_id}", now, was_sent=was_sent)
    if not was_sent:
        return 0
    queued = 0
    for recipient, _row in _delivered_sends(session, announcement_id):
        row = enqueue(
            session, idempotency_key=f"announcement:{announcement_id}:withdraw:{recipient.recipient_key}",
            kind=KIND, subject_id=str(announcement_id), operation="delete",
            target_key=send_key(announcement_id, recipient.recipient_key),
        )
        queued += row is not None
    return queued


# --- delivery report -------------------------------------------------------------------------

REPORT_STATUS = {"sent": "sent", "failed": "failed", "blocked": "blocked", "unreachable": "not_reachable",
                 "pending": "pending", "claimed": "pending"}


@dataclass
class ReportLine:
    name: str
    email: str
    aad_object_id: str
    status: str  # sent | failed | blocked | not_reachable | pending
    detail: str = ""
    status_code: int | None = None
    attempts: int = 0
    sent_at: dt.datetime | None = None
    correction: str = ""  # status of the latest update of this copy, if any
    withdrawal: str = ""  # status of the delete, if any


@dataclass
class Report:
    announcement: Announcement
    lines: list[ReportLine] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for line in self.lines:
            counts[line.status] = counts.get(line.status, 0) + 1
        return counts


def report(session: Session, announcement_id: int) -> Report:
    from bot.outbox import OutboxRow

    announcement = get(session, announcement_id)
    outbox = {
        row.idempotency_key: row
        for row in session.exec(select(OutboxRow).where(col(OutboxRow.kind) == KIND, col(OutboxRow.subject_id) == str(announcement_id))).all()
    }
    result = Report(announcement)
    recipients = session.exec(
        select(AnnouncementRecipient).where(col(AnnouncementRecipient.announcement_id) == announcement_id).order_by(col(AnnouncementRecipient.id))
    ).all()
    for recipient in recipients:
        row = outbox.get(send_key(announcement_id, recipient.recipient_key))
        if row is None:
            line = ReportLine(recipient.name, recipient.email, recipient.aad_object_id, "not_reachable", recipient.reason)
        else:
            line = ReportLine(
                recipient.name, recipient.email, recipient.aad_object_id, REPORT_STATUS.get(row.status, row.status),
                row.last_error or recipient.reason, row.last_status_code, row.attempts, row.sent_at,
            )
        update_row = outbox.get(f"announcement:{announcement_id}:v{announcement.version}:{recipient.recipient_key}")
        if update_row is not None:
            line.correction = REPORT_STATUS.get(update_row.status, update_row.status)
        delete_row = outbox.get(f"announcement:{announcement_id}:withdraw:{recipient.recipient_key}")
        if delete_row is not None:
            line.withdrawal = REPORT_STATUS.get(delete_row.status, delete_row.status)
        result.lines.append(line)
    return result


REPORT_COLUMNS = ["announcement_id", "name", "email", "aad_object_id", "status", "detail", "status_code", "attempts",
                  "sent_at", "correction", "withdrawal"]


def report_csv(rep: Report) -> str:
    return csv_text(REPORT_COLUMNS, (
        [rep.announcement.id, line.name, line.email, line.aad_object_id, line.status, line.detail,
         line.status_code or "", line.attempts, line.sent_at,
         line.correction, line.withdrawal]
        for line in rep.lines
    ))


def announcement_json(a: Announcement) -> dict[str, Any]:
    return {
        "id": a.id, "title": a.title, "text": a.text, "audience": a.audience, "status": a.status,
        "send_at": a.send_at.isoformat(), "version": a.version, "created_by": a.created_by,
        "created_at": a.created_at.isoformat(), "sent_at": a.sent_at.isoformat() if a.sent_at else None,
        "recipients": a.recipients, "not_reachable": a.not_reachable,
    }


def list_announcements(session: Session, limit: int = 50) -> list[Announcement]:
    return list(session.exec(select(Announcement).order_by(col(Announcement.id).desc()).limit(limit)).all())


def admin_log(session: Session, limit: int = 100) -> list[AdminLog]:
    return list(session.exec(select(AdminLog).order_by(col(AdminLog.id).desc()).limit(limit)).all())


def parse_fields(data: Mapping[str, Any]) -> dict[str, str]:
    """title/text/audience from a card's inputs (audience kind + value) or a YAML mapping."""
    audience = str(data.get("audience") or "").strip()
    value = str(data.get("audience_value") or "").strip()
    if audience and audience != "all" and ":" not in audience and value:
        audience = f"{audience}:{value}"
    return {"title": str(data.get("title") or ""), "text": str(data.get("text") or ""), "audience": audience,
            "send_at": str(data.get("send_at") or "").strip()}
