"""The agreements the alerts look at, read from the agreement index as plain `AgreementFacts`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from agreements_sync.models import Agreement, AgreementSupplier
from bot.alerts.milestones import AgreementFacts


def status_on(agreement: Any, as_of: dt.date) -> str:
    """The agreement's status on `as_of` (agreements_sync.status when present)."""
    try:
        from agreements_sync.status import status_as_of
    except ImportError:  # pragma: no cover - the sync area provides it
        status_as_of = None
    if status_as_of is not None:
        value = status_as_of(agreement, as_of)
        return str(getattr(value, "value", value))
    final = agreement.final_end_date or agreement.end_date
    if final is not None and final < as_of:
        return "expired"
    if agreement.start_date is not None and agreement.start_date > as_of:
        return "not_started"
    return agreement.status or "active"


def load_facts(session: Session, as_of: dt.date) -> list[AgreementFacts]:
    suppliers: dict[str, list[str]] = {}
    for row in session.exec(select(AgreementSupplier).order_by(col(AgreementSupplier.agreement_id), col(AgreementSupplier.position))):
        suppliers.setdefault(row.agreement_id, []).append(row.name)
    facts = []
    for a in session.exec(select(Agreement).order_by(col(Agreement.id))):
        facts.append(
            AgreementFacts(
                id=a.id,
                title=a.title,
                end_date=a.end_date,
                final_end_date=a.final_end_date,
                options=a.options,
                status=status_on(a, as_of),
                owner_name=a.owner_name,
                owner_email=(a.owner_email or "").strip().lower(),
                adviser=a.adviser,
                adviser_email=(a.adviser_email or "").strip().lower(),
                annual_value=a.annual_value,
                cpv_codes=tuple(a.cpv_codes or ()),
                category=a.category,
                suppliers=tuple(suppliers.get(a.id, ())),
            )
        )
    return facts


def load_one(session: Session, agreement_id: str, as_of: dt.date) -> AgreementFacts | None:
    for facts in load_facts(session, as_of):
        if facts.id == agreement_id:
            return facts
    return None
