"""Who gets what: the agreement's current owner, their conversation, the procurement channel."""

from __future__ import annotations

from typing import Any

from sqlalchemy import desc, func, select
from sqlmodel import Session, col

from bot.alerts.milestones import AgreementFacts
from bot.alerts.models import AlertOwner
from bot.outbox.models import OutboxRow

ALERT_KINDS = ("alert", "reminder", "owner_digest")
SECTION = "@procurement-section"  # the owner after "hand it to the procurement section"


def current_owner(session: Session, agreement: AgreementFacts) -> tuple[str, str]:
    """(e-mail, name) of the owner: a reassignment from a card holds until the register changes owner.
    Handed to the procurement section: (SECTION, the section's label)."""
    override = session.get(AlertOwner, agreement.id)
    if override is not None and override.register_owner_email == agreement.owner_email:
        if override.owner_email == SECTION:
            return SECTION, "Innkjøpsseksjonen"
        return override.owner_email, override.owner_email
    return agreement.owner_email, agreement.owner_name or agreement.owner_email


def passed_on_to(session: Session, agreement: AgreementFacts, recipient: str) -> tuple[str, str] | None:
    """(who passed it on, why) when `recipient` holds the agreement because someone passed it on."""
    override = session.get(AlertOwner, agreement.id)
    if override is None or not recipient or override.owner_email != recipient or override.register_owner_email != agreement.owner_email:
        return None
    from bot.alerts.models import AlertDecision

    decision = session.execute(
        select(AlertDecision)
        .where(col(AlertDecision.agreement_id) == agreement.id, col(AlertDecision.decision) == "reassign",
               col(AlertDecision.new_owner_email) == recipient)
        .order_by(desc(col(AlertDecision.decided_at)), desc(col(AlertDecision.id)))
    ).scalars().first()
    who = (decision.decided_by_name or decision.decided_by_email) if decision is not None else ""
    return who or override.assigned_by or "?", override.note or ""


def personal_reference(session: Session, email: str) -> Any | None:
    """The installed personal-chat conversation reference of this e-mail, or None."""
    if not email:
        return None
    from bot.conversation.store import find_by_email

    return find_by_email(session, email)


def reference_by_aad(session: Session, aad_object_id: str) -> Any | None:
    """The newest stored reference of this Entra object id (what Teams' people picker returns)."""
    from bot.conversation.models import ConversationRef

    return session.execute(
        select(ConversationRef).where(col(ConversationRef.aad_object_id) == aad_object_id).order_by(desc(col(ConversationRef.updated_at)))
    ).scalars().first()


def reference_by_name(session: Session, name: str) -> Any | None:
    """A personal reference whose display name is `name` (case-insensitive) — for advisers named without e-mail."""
    if not name:
        return None
    from bot.conversation.models import ConversationRef

    return session.execute(
        select(ConversationRef)
        .where(func.lower(col(ConversationRef.name)) == name.strip().lower())
        .where(col(ConversationRef.installed) == True)  # noqa: E712
        .where(col(ConversationRef.conversation_type) == "personal")
        .order_by(desc(col(ConversationRef.updated_at)))
    ).scalars().first()


def channel_target(session: Session, settings: Any) -> dict[str, str] | None:
    """The procurement section's channel: settings, with the service URL from its stored reference."""
    conversation_id = getattr(settings, "procurement_channel_conversation_id", "") or ""
    if not conversation_id:
        return None
    service_url = getattr(settings, "procurement_channel_service_url", "") or ""
    tenant_id = getattr(settings, "app_tenant_id", "") or ""
    if not service_url:
        from bot.conversation.models import ConversationRef

        ref = session.execute(
            select(ConversationRef).where(col(ConversationRef.conversation_id) == conversation_id).order_by(desc(col(ConversationRef.updated_at)))
        ).scalars().first()
        if ref is None:
            # a channel thread id ("19:…;messageid=…") may be stored under the bare channel id
            bare = conversation_id.split(";")[0]
            ref = session.execute(
                select(ConversationRef).where(col(ConversationRef.conversation_id).startswith(bare)).order_by(desc(col(ConversationRef.updated_at)))
            ).scalars().first()
        if ref is None:
            return None
        service_url, tenant_id = ref.service_url, ref.tenant_id or tenant_id
    return {"service_url": service_url, "conversation_id": conversation_id, "tenant_id": tenant_id}


def delivery_problem(session: Session, email: str) -> tuple[str, str] | None:
    """('blocked' | 'failed', error) when the latest finished alert to `email` could not be delivered."""
    if not email:
        return None
    row = session.execute(
        select(OutboxRow)
        .where(col(OutboxRow.recipient) == email, col(OutboxRow.kind).in_(ALERT_KINDS))
        .where(col(OutboxRow.status).in_(("sent", "blocked", "failed")))
        .order_by(desc(col(OutboxRow.last_attempt_at)), desc(col(OutboxRow.id)))
    ).scalars().first()
    if row is None or row.status == "sent":
        return None
    return row.status, (row.last_error or "")[:200]
