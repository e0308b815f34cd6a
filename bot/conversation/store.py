"""Queries on the bot's tables. Plain values in, SQLModel rows out; the caller owns the session.

Used by the Teams layer (store references, state, feedback), by the outbox (alerts, courses,
announcements: `find_by_email`, `find_by_aad_id`, `personal_refs`) and by `innkjopsbot insights`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import delete, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agreements_sync.i18n import Language, language_of
from bot.conversation.models import ConversationRef, ConversationState, Feedback, QuestionLog
from bot.db import rowcount, utcnow

PERSONAL = "personal"


@dataclass
class ReferenceInfo:
    """Everything stored about one conversation reference, taken from an activity."""

    conversation_id: str
    service_url: str
    aad_object_id: str = ""
    user_id: str = ""
    name: str = ""
    email: str = ""
    tenant_id: str = ""
    locale: str = ""
    channel_id: str = "msteams"
    conversation_type: str = PERSONAL
    team_id: str = ""
    bot_id: str = ""
    reference: dict[str, Any] = field(default_factory=dict)


TOUCH_AFTER = dt.timedelta(hours=1)


def upsert_reference(session: Session, info: ReferenceInfo) -> ConversationRef:
    """Insert or refresh the reference of (user, conversation); never blanks a known name/e-mail.

    An unchanged reference is only written again (updated_at) once an hour, so a busy
    conversation does not turn every message into a database write. Two first messages racing
    for the same (user, conversation) are resolved by the unique constraint.
    """
    return store_reference(session, info)[0]


def store_reference(session: Session, info: ReferenceInfo) -> tuple[ConversationRef, bool]:
    """`upsert_reference`, also saying whether this call created the row (exactly one caller does,
    even when Teams' installationUpdate and conversationUpdate arrive at the same time)."""
    values = asdict(info)
    values["email"] = (info.email or "").strip().lower()
    row = _find(session, info)
    if row is None:
        try:
            with session.begin_nested():
                row = ConversationRef(**values)
                session.add(row)
                session.flush()
            return row, True
        except IntegrityError:
            row = _find(session, info)
            if row is None:
                raise
    changed = not row.installed
    for key, value in values.items():
        if (value or key in ("reference", "service_url")) and getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    updated = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=dt.UTC)
    if changed or utcnow() - updated >= TOUCH_AFTER:
        row.installed = True
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
    return row, False


def _find(session: Session, info: ReferenceInfo) -> ConversationRef | None:
    return session.exec(
        select(ConversationRef).where(
            col(ConversationRef.aad_object_id) == info.aad_object_id,
            col(ConversationRef.conversation_id) == info.conversation_id,
        )
    ).first()


def remove_references(session: Session, *, conversation_id: str = "", team_id: str = "") -> int:
    """Delete every reference of a conversation (personal/group chat) or of a whole team."""
    conditions = []
    if conversation_id:
        conditions.append(col(ConversationRef.conversation_id) == conversation_id)
    if team_id:
        conditions.append(col(ConversationRef.team_id) == team_id)
    if not conditions:
        return 0
    return rowcount(session.execute(delete(ConversationRef).where(or_(*conditions))))


def find_by_email(session: Session, email: str) -> ConversationRef | None:
    """The user's installed personal-chat reference by e-mail/UPN (case-insensitive), newest first."""
    if not email:
        return None
    return _best(session, col(ConversationRef.email) == email.strip().lower())


def find_by_aad_id(session: Session, aad_id: str) -> ConversationRef | None:
    """The user's installed personal-chat reference by Entra object id, newest first."""
    if not aad_id:
        return None
    return _best(session, col(ConversationRef.aad_object_id) == aad_id)


def _best(session: Session, condition: Any) -> ConversationRef | None:
    return session.exec(
        select(ConversationRef)
        .where(condition, col(ConversationRef.installed) == True, col(ConversationRef.conversation_type) == PERSONAL)  # noqa: E712
        .order_by(col(ConversationRef.updated_at).desc(), col(ConversationRef.id).desc())
    ).first()


def personal_refs(session: Session) -> list[ConversationRef]:
    """Every installed personal-chat reference (one per user and conversation), oldest first."""
    return list(
        session.exec(
            select(ConversationRef)
            .where(col(ConversationRef.installed) == True, col(ConversationRef.conversation_type) == PERSONAL)  # noqa: E712
            .order_by(col(ConversationRef.id))
        ).all()
    )


def language_for(ref: ConversationRef | None, default_locale: str = "") -> Language:
    """The language to write to the person behind a stored reference: their own choice
    ("skriv nynorsk"), else their Teams locale, else `default_locale` (bokmål when none)."""
    if ref is None:
        return language_of(default_locale)
    return language_of(ref.locale or default_locale, ref.language)


def set_language(session: Session, aad_object_id: str, conversation_id: str, language: str) -> int:
    """Store a user's choice of language on all their references (or this conversation's, without
    an Entra id); returns how many rows changed. "" means: follow the Teams locale again."""
    query = select(ConversationRef)
    if aad_object_id:
        query = query.where(col(ConversationRef.aad_object_id) == aad_object_id)
    else:
        query = query.where(col(ConversationRef.conversation_id) == conversation_id, col(ConversationRef.aad_object_id) == "")
    changed = 0
    for row in session.exec(query).all():
        if row.language != language:
            row.language = language
            session.add(row)
            changed += 1
    return changed


# --- conversation state (follow-ups) -------------------------------------------------------------


def load_state(session: Session, conversation_id: str) -> dict[str, Any]:
    row = session.get(ConversationState, conversation_id)
    return dict(row.data) if row else {}


def save_state(session: Session, conversation_id: str, data: dict[str, Any]) -> None:
    row = session.get(ConversationState, conversation_id)
    if row is None:
        try:
            with session.begin_nested():
                session.add(ConversationState(conversation_id=conversation_id, data=dict(data)))
                session.flush()
            return
        except IntegrityError:  # another instance stored it first: last writer wins
            row = session.get(ConversationState, conversation_id)
            if row is None:
                raise
    if row.data != data:
        row.data = dict(data)
        row.updated_at = utcnow()
        session.add(row)
        session.flush()


# --- feedback and the question log ---------------------------------------------------------------


def user_hash(aad_object_id: str) -> str:
    """A one-way pseudonym of a user for feedback (counting distinct raters, nothing more)."""
    if not aad_object_id:
        return ""
    return hashlib.sha256(f"innkjopsbot-feedback:{aad_object_id.lower()}".encode()).hexdigest()[:32]


def record_feedback(
    session: Session,
    *,
    helpful: bool,
    query: str,
    kind: str = "",
    agreement_ids: list[str] | None = None,
    comment: str = "",
    aad_object_id: str = "",
    as_of: dt.date | None = None,
) -> Feedback:
    """Store a "was this helpful?" answer; a "no" also goes to the question log."""
    row = Feedback(
        helpful=helpful,
        kind=kind[:32],
        query=query[:2000],
        agreement_ids=list(agreement_ids or []),
        comment=comment[:2000],
        user_hash=user_hash(aad_object_id),
    )
    session.add(row)
    if not helpful and query:
        log_question(
            session, query, "negative_feedback", as_of,
            {"answer_kind": kind, "agreement_ids": list(agreement_ids or []), "comment": comment[:2000]},
        )
    session.flush()
    return row


def log_question(
    session: Session, text: str, kind: str, as_of: dt.date | None = None, detail: dict[str, Any] | None = None
) -> QuestionLog:
    row = QuestionLog(text=text[:2000], kind=kind, as_of=as_of, detail=detail or {})
    session.add(row)
    session.flush()
    return row


def insights(session: Session, since: dt.datetime | None = None) -> list[QuestionLog]:
    """Logged questions (no agreement, negative feedback), newest first."""
    query = select(QuestionLog)
    if since is not None:
        query = query.where(col(QuestionLog.created_at) >= since)
    return list(session.exec(query.order_by(col(QuestionLog.created_at).desc(), col(QuestionLog.id).desc())).all())
