"""Milestones of an agreement as of a date: plain values in, plain values out.

- option:      decide on the next option, `option_notice_months` (authority matrix) before the
               current end date — only while options remain (final end date > end date);
- competition: latest start of a new competition: the final end date minus the lead time the
               authority matrix gives for the new procurement's band (value = annual value ×
               standard period, kind of purchase from the CPV code; knowledge/alerts/alerts.yaml).
               Left out while the agreement is already under competition;
- expiry:      the final end date (after all options).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from bot.alerts.config import AlertConfig


@dataclass(frozen=True)
class AgreementFacts:
    """What the alerts need of one agreement (from the index)."""

    id: str
    title: str
    end_date: dt.date | None
    final_end_date: dt.date | None
    options: str = ""
    status: str = "active"  # active | expired | under_competition | not_started (as of the scan date)
    owner_name: str = ""
    owner_email: str = ""
    adviser: str = ""
    adviser_email: str = ""
    annual_value: Decimal | None = None
    cpv_codes: tuple[str, ...] = ()
    category: str = ""
    suppliers: tuple[str, ...] = ()

    @property
    def options_remain(self) -> bool:
        return bool(self.end_date and self.final_end_date and self.final_end_date > self.end_date)


@dataclass(frozen=True)
class Milestone:
    agreement_id: str
    kind: str  # option | competition | expiry
    due: dt.date
    # why this date (for the card, the scan report and the export)
    band: str = ""
    estimated_value: int | None = None
    purchase_kind: str = ""
    months_before: int = 0
    basis: dt.date | None = None  # the end date it is counted from
    notes: tuple[str, ...] = field(default_factory=tuple)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by `months` (negative = earlier), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def milestones_for(
    agreement: AgreementFacts,
    config: AlertConfig,
    *,
    option_notice_months: int,
    band_for,  # (value, kind) -> band id
    lead_months,  # (band) -> months before expiry a competition must start
) -> list[Milestone]:
    """Every milestone of an agreement that is not expired (past ones included; callers filter by date)."""
    final = agreement.final_end_date or agreement.end_date
    if final is None or agreement.status == "expired":
        return []
    out: list[Milestone] = []
    if agreement.options_remain and agreement.end_date is not None:
        out.append(
            Milestone(
                agreement.id, "option", add_months(agreement.end_date, -option_notice_months),
                months_before=option_notice_months, basis=agreement.end_date,
            )
        )
    if agreement.status != "under_competition":
        notes: list[str] = []
        purchase_kind = config.kind_for_cpv(list(agreement.cpv_codes))
        if agreement.annual_value is not None:
            value = int(Decimal(agreement.annual_value) * Decimal(str(config.standard_period_years)))
            band = band_for(value, purchase_kind)
        else:
            value = None
            band = config.band_when_value_unknown
            notes.append("value_unknown")
        months = lead_months(band)
        out.append(
            Milestone(
                agreement.id, "competition", add_months(final, -months), band=band, estimated_value=value,
                purchase_kind=purchase_kind, months_before=months, basis=final, notes=tuple(notes),
            )
        )
    out.append(Milestone(agreement.id, "expiry", final, basis=final))
    return out


def authority_functions(as_of: dt.date):
    """(option_notice_months, band_for(value, kind), lead_months(band)) from the authority matrix."""
    from bot.authority import matrix

    def band_for(value: int, kind: str) -> str:
        return matrix.band_for(value, kind, as_of)

    def lead_months(band: str) -> int:
        lead = matrix.lead_time(band)
        # below the lowest band of §5 the matrix gives no competition time: the needs assessment remains
        return lead.start_months_before_expiry if lead is not None else matrix.needs_assessment_months()

    return matrix.option_notice_months(), band_for, lead_months


def all_milestones(agreements: list[AgreementFacts], config: AlertConfig, as_of: dt.date) -> list[Milestone]:
    notice, band_for, lead_months = authority_functions(as_of)
    out: list[Milestone] = []
    for agreement in agreements:
        out.extend(milestones_for(agreement, config, option_notice_months=notice, band_for=band_for, lead_months=lead_months))
    return sorted(out, key=lambda m: (m.due, m.agreement_id, m.kind))
