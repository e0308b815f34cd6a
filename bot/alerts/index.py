"""The agreements the alerts look at: the index's read model (agreements_sync.index) as plain
`AgreementFacts`, with the index's status rule (agreements_sync.status)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from agreements_sync.index import AgreementRecord, get_agreement, load_agreements
from bot.alerts.milestones import AgreementFacts


def facts_of(record: AgreementRecord, as_of: dt.date) -> AgreementFacts:
    return AgreementFacts(
        id=record.id,
        title=record.title,
        end_date=record.end_date,
        final_end_date=record.final_end_date,
        options=record.options,
        status=record.status_on(as_of).value,
        owner_name=record.owner_name,
        owner_email=(record.owner_email or "").strip().lower(),
        adviser=record.adviser,
        adviser_email=(record.adviser_email or "").strip().lower(),
        annual_value=record.annual_value,
        cpv_codes=record.cpv_codes,
        category=record.category,
        suppliers=record.supplier_names,
    )


def load_facts(session: Session, as_of: dt.date) -> list[AgreementFacts]:
    return [facts_of(record, as_of) for record in load_agreements(session)]


def load_one(session: Session, agreement_id: str, as_of: dt.date) -> AgreementFacts | None:
    record = get_agreement(session, agreement_id)
    return facts_of(record, as_of) if record is not None else None
