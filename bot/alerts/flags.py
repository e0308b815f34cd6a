"""The procurement section's list of register corrections (`alert_register_flag`): what the
alerts found that only the register can fix. Read by the section's workspace and
`innkjopsbot alerts register-flags`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from bot.alerts.models import AlertRegisterFlag
from bot.db import utcnow


def list_flags(session: Session, *, include_resolved: bool = False) -> list[dict[str, Any]]:
    query = select(AlertRegisterFlag).order_by(col(AlertRegisterFlag.id))
    if not include_resolved:
        query = query.where(col(AlertRegisterFlag.resolved_at).is_(None))
    return [
        {"id": f.id, "agreement_id": f.agreement_id, "kind": f.kind, "detail": f.detail, "sync_run_id": f.sync_run_id,
         "created_at": f.created_at.isoformat(), "resolved_at": f.resolved_at.isoformat() if f.resolved_at else None}
        for f in session.execute(query).scalars()
    ]


def resolve(session: Session, flag_id: int) -> bool:
    flag = session.get(AlertRegisterFlag, flag_id)
    if flag is None:
        return False
    flag.resolved_at = flag.resolved_at or utcnow()
    return True
