"""Database side of the outbox: enqueue, claim due rows with a lease, record outcomes.

All functions take plain values and a SQLModel session or engine; nothing here talks HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from agreements_sync.models import table_of
from bot.db import rowcount, utcnow
from bot.outbox.models import OutboxOperation, OutboxRow, OutboxStatus

NO_CONVERSATION = "no conversation to send to (the recipient has no stored conversation reference)"  # an unreachable row's error


TABLE = table_of(OutboxRow)


class OutboxError(ValueError):
    """An enqueue call that cannot be right (unknown operation, update without a target …)."""


def conversation_target(conversation: Mapping[str, Any]) -> dict[str, str]:
    """service_url, conversation_id, tenant_id from our flat dict or a Bot Framework reference.

    Accepts ``{"service_url", "conversation_id", "tenant_id"}`` and also the SDK's reference
    shape ``{"serviceUrl", "conversation": {"id", "tenantId"}}`` (snake or camel case).
    """
    conv = conversation.get("conversation") or {}
    if not isinstance(conv, Mapping):
        conv = {}
    service_url = conversation.get("service_url") or conversation.get("serviceUrl") or ""
    conversation_id = conversation.get("conversation_id") or conversation.get("conversationId") or conv.get("id") or ""
    tenant_id = (
        conversation.get("tenant_id")
        or conversation.get("tenantId")
        or conv.get("tenant_id")
        or conv.get("tenantId")
        or ""
    )
    return {"service_url": str(service_url), "conversation_id": str(conversation_id), "tenant_id": str(tenant_id)}


def _reference_target(session: Session, conversation_ref_id: int) -> tuple[dict[str, str] | None, str, str]:
    """(target, recipient, why-not) for a stored conversation reference (table conversation_ref)."""
    row = session.execute(
        text(
            "SELECT service_url, conversation_id, tenant_id, installed, email, aad_object_id "
            "FROM conversation_ref WHERE id = :id"
        ),
        {"id": conversation_ref_id},
    ).first()
    if row is None:
        return None, "", f"conversation reference {conversation_ref_id} does not exist"
    recipient = row.email or row.aad_object_id or ""
    if row.installed is not None and not row.installed:
        return None, recipient, "the bot is no longer installed for this conversation"
    return (
        {"service_url": row.service_url or "", "conversation_id": row.conversation_id or "", "tenant_id": row.tenant_id or ""},
        recipient,
        "",
    )


def enqueue(
    session: Session,
    *,
    idempotency_key: str,
    kind: str,
    activity: Mapping[str, Any] | None = None,
    conversation_ref_id: int | None = None,
    conversation: Mapping[str, Any] | None = None,
    subject_id: str | None = None,
    recipient: str = "",
    operation: str = OutboxOperation.SEND.value,
    target_activity_id: str | None = None,
    target_key: str | None = None,
    not_before: dt.datetime | None = None,
    merged_into: str | None = None,
) -> OutboxRow | None:
    """Queue one message for one recipient; None when `idempotency_key` is already queued.

    See `bot.outbox` for the full contract. Runs inside the caller's transaction
    (INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike).
    """
    if operation not in {op.value for op in OutboxOperation}:
        raise OutboxError(f"operation must be send, update or delete, not {operation!r}")
    if operation != OutboxOperation.SEND and not (target_activity_id or target_key):
        raise OutboxError(f"{operation} needs target_activity_id or target_key (the idempotency key of the send)")
    if operation != OutboxOperation.DELETE and not activity:
        raise OutboxError(f"{operation} needs an activity")
    if not idempotency_key or len(idempotency_key) > 300:
        raise OutboxError("idempotency_key must be 1–300 characters")

    status = OutboxStatus.PENDING.value
    error = ""
    target: dict[str, str] | None = None
    if conversation is not None:
        target = conversation_target(conversation)
    elif conversation_ref_id is not None:
        target, ref_recipient, error = _reference_target(session, conversation_ref_id)
        recipient = recipient or ref_recipient
    elif target_key is not None:
        original = session.execute(select(TABLE).where(TABLE.c.idempotency_key == target_key)).first()
        if original is not None:
            target = {
                "service_url": original.service_url,
                "conversation_id": original.conversation_id,
                "tenant_id": original.tenant_id,
            }
            recipient = recipient or original.recipient
            conversation_ref_id = original.conversation_ref_id
        else:
            error = f"no queued message with idempotency key {target_key!r} to {operation}"
    if merged_into is not None:  # recorded (and deduplicated) here, delivered inside another message
        status = OutboxStatus.MERGED.value
        error = f"delivered within {merged_into!r}"
        target = target or {"service_url": "", "conversation_id": "", "tenant_id": ""}
    elif target is None or not target["service_url"] or not target["conversation_id"]:
        status = OutboxStatus.UNREACHABLE.value
        error = error or NO_CONVERSATION
        target = target or {"service_url": "", "conversation_id": "", "tenant_id": ""}

    now = utcnow()
    values = {
        "idempotency_key": idempotency_key,
        "kind": kind,
        "subject_id": subject_id,
        "recipient": recipient[:320],
        "conversation_ref_id": conversation_ref_id,
        **target,
        "operation": operation,
        "target_activity_id": target_activity_id,
        "target_key": target_key,
        "activity": dict(activity or {}),
        "status": status,
        "attempts": 0,
        "next_attempt_at": max(not_before, now) if not_before else now,
        "last_error": error,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(TABLE).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(TABLE.c.id)
    new_id = session.execute(stmt).scalar()
    if new_id is None:
        return None
    return session.get(OutboxRow, new_id)


def claim_due(engine: Engine, *, worker: str, limit: int, lease: dt.timedelta, now: dt.datetime | None = None) -> list[OutboxRow]:
    """Claim up to `limit` due rows for `worker` until now + `lease`, in one short transaction.

    Due = pending with next_attempt_at <= now, or claimed by anyone whose lease has expired
    (a sender that died). PostgreSQL: the candidate rows are locked FOR UPDATE SKIP LOCKED, so
    concurrent senders claim disjoint rows; SQLite: the single UPDATE … RETURNING is atomic.
    """
    now = now or utcnow()
    due = or_(
        and_(TABLE.c.status == OutboxStatus.PENDING.value, TABLE.c.next_attempt_at <= now),
        and_(TABLE.c.status == OutboxStatus.CLAIMED.value, TABLE.c.claimed_until < now),
    )
    candidates = select(TABLE.c.id).where(due).order_by(TABLE.c.next_attempt_at, TABLE.c.id).limit(limit)
    stmt = update(TABLE).values(status=OutboxStatus.CLAIMED.value, claimed_by=worker, claimed_until=now + lease)
    if engine.dialect.name == "postgresql":
        # WITH due AS (SELECT id … FOR UPDATE SKIP LOCKED LIMIT n) UPDATE outbox … FROM due: the
        # locked set is computed once (a CTE), so the UPDATE touches exactly the rows locked here
        locked = candidates.with_for_update(skip_locked=True).cte("due_rows")
        stmt = stmt.where(TABLE.c.id == locked.c.id)
    else:
        stmt = stmt.where(TABLE.c.id.in_(candidates.scalar_subquery()))
    stmt = stmt.returning(*TABLE.c)
    with Session(engine, expire_on_commit=False) as session:
        rows = session.execute(stmt).all()
        session.commit()
    claimed = [OutboxRow.model_validate(dict(row._mapping)) for row in rows]
    for row in claimed:
        row.next_attempt_at = _aware(row.next_attempt_at) or row.next_attempt_at
        row.claimed_until = _aware(row.claimed_until)
    return sorted(claimed, key=lambda r: (r.next_attempt_at, r.id or 0))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def record(engine: Engine, row_id: int, worker: str, **values: Any) -> bool:
    """Write an outcome for a row this worker holds; False when the claim was lost meanwhile."""
    with Session(engine) as session:
        result = session.execute(
            update(TABLE)
            .where(TABLE.c.id == row_id, TABLE.c.claimed_by == worker, TABLE.c.status == OutboxStatus.CLAIMED.value)
            .values(**values)
        )
        session.commit()
    return rowcount(result) == 1


def release(engine: Engine, row_ids: list[int], worker: str, next_attempt_at: dt.datetime | None = None) -> int:
    """Give claimed rows back (pending again, attempts unchanged): shutdown or rate-limit deferral."""
    if not row_ids:
        return 0
    values: dict[str, Any] = {"status": OutboxStatus.PENDING.value, "claimed_by": None, "claimed_until": None}
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    with Session(engine) as session:
        result = session.execute(
            update(TABLE)
            .where(TABLE.c.id.in_(row_ids), TABLE.c.claimed_by == worker, TABLE.c.status == OutboxStatus.CLAIMED.value)
            .values(**values)
        )
        session.commit()
    return rowcount(result)


def find_by_key(engine: Engine, idempotency_key: str) -> OutboxRow | None:
    with Session(engine, expire_on_commit=False) as session:
        return session.execute(select(OutboxRow).where(col(OutboxRow.idempotency_key) == idempotency_key)).scalars().first()


def next_due_at(engine: Engine) -> dt.datetime | None:
    """When the earliest pending row (or expiring lease) becomes due; None when nothing waits."""
    with Session(engine) as session:
        pending = session.execute(
            select(func.min(TABLE.c.next_attempt_at)).where(TABLE.c.status == OutboxStatus.PENDING.value)
        ).scalar()
        lease = session.execute(
            select(func.min(TABLE.c.claimed_until)).where(TABLE.c.status == OutboxStatus.CLAIMED.value)
        ).scalar()
    candidates = [_aware(v) for v in (pending, lease) if v is not None]
    return min(candidates) if candidates else None  # type: ignore[type-var]


def status_counts(engine: Engine, kind: str | None = None, subject_id: str | None = None) -> dict[str, int]:
    """Rows per status (optionally of one kind and/or subject): the delivery report's totals."""
    stmt = select(TABLE.c.status, func.count()).group_by(TABLE.c.status)
    if kind is not None:
        stmt = stmt.where(TABLE.c.kind == kind)
    if subject_id is not None:
        stmt = stmt.where(TABLE.c.subject_id == subject_id)
    with Session(engine) as session:
        return {status: count for status, count in session.execute(stmt).all()}  # noqa: C416 - rows, not pairs
