"""The overview of deadlines (digest card, `alerts overview`, CSV and iCalendar export)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from bot.alerts.config import AlertConfig, load_config
from bot.alerts.index import load_facts
from bot.alerts.milestones import add_months, all_milestones
from bot.alerts.models import AlertMilestone
from bot.alerts.recipients import current_owner, delivery_problem, personal_reference
from bot.exports import csv_text

CSV_COLUMNS = [
    "agreement_id", "title", "milestone", "due", "status", "decision", "decided_by", "owner", "owner_email",
    "owner_reachable", "adviser", "end_date", "final_end_date", "band", "estimated_value", "months_before",
]


def overview(session: Session, as_of: dt.date, months: int | None = None, config: AlertConfig | None = None) -> list[dict[str, Any]]:
    """Every milestone of agreements not yet expired, with its status on `as_of`, by due date.

    With `months`: only those due within that many months (and earlier ones still undecided).
    Status: decided | snoozed | escalated | overdue | unreachable | alerted | upcoming.
    """
    config = config or load_config()
    agreements = {a.id: a for a in load_facts(session, as_of)}
    states = {(s.agreement_id, s.milestone, s.due_date): s for s in session.execute(select(AlertMilestone)).scalars()}
    horizon = add_months(as_of, months) if months else None
    reachable: dict[str, bool] = {}
    rows = []
    for m in all_milestones(list(agreements.values()), config, as_of):
        a = agreements[m.agreement_id]
        state = states.get((m.agreement_id, m.kind, m.due))
        decided = bool(state and state.decision)
        if horizon is not None and (m.due > horizon or (m.due < as_of and decided)):
            continue
        owner_email, owner_name = current_owner(session, a)
        if owner_email not in reachable:  # a stored reference, and the last alert did not bounce
            reachable[owner_email] = (
                personal_reference(session, owner_email) is not None and delivery_problem(session, owner_email) is None
            )
        if decided:
            status = "decided"
        elif state and state.snoozed_until and as_of < state.snoozed_until:
            status = "snoozed"
        elif state and state.escalated_on:
            status = "escalated"
        elif m.due < as_of:
            status = "overdue"
        elif not reachable[owner_email]:
            status = "unreachable"
        elif state and state.first_alerted_on:
            status = "alerted"
        else:
            status = "upcoming"
        rows.append(
            {
                "agreement_id": a.id, "title": a.title, "milestone": m.kind, "due": m.due, "status": status,
                "decision": state.decision if state and decided else "", "decided_by": state.decided_by if state and decided else "",
                "owner": owner_name, "owner_email": owner_email, "owner_reachable": reachable[owner_email],
                "adviser": a.adviser, "end_date": a.end_date, "final_end_date": a.final_end_date, "band": m.band,
                "estimated_value": m.estimated_value, "months_before": m.months_before,
            }
        )
    return rows


def to_csv(rows: list[dict[str, Any]]) -> str:
    return csv_text(CSV_COLUMNS, ([row.get(k) for k in CSV_COLUMNS] for row in rows))


def to_ics(rows: list[dict[str, Any]], lang: str = "nb") -> bytes:
    """One all-day event per deadline (UID stable per agreement, milestone and date)."""
    from icalendar import Calendar, Event

    from bot.alerts.cards import t

    calendar = Calendar()
    calendar.add("prodid", "-//Innkjøpsbot//avtalefrister//NB")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", t("calendar_name", lang))
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for row in rows:
        event = Event()
        event.add("uid", f"{row['agreement_id']}-{row['milestone']}-{row['due'].isoformat()}@innkjopsbot")
        event.add("dtstamp", stamp)
        event.add("dtstart", row["due"])
        if row["due"] < dt.date.max:  # 31.12.9999 ("no end") has no next day; a date without DTEND is one day (RFC 5545)
            event.add("dtend", row["due"] + dt.timedelta(days=1))
        event.add("summary", f"{t('milestone.' + row['milestone'], lang)}: {row['agreement_id']} {row['title']}")
        event.add(
            "description",
            f"{t('headline.' + row['milestone'], lang, due=row['due'])}. "
            f"{t('fact_owner', lang)}: {row['owner']} <{row['owner_email']}>. {t('fact_adviser', lang)}: {row['adviser'] or '–'}.",
        )
        event.add("categories", [row["milestone"]])
        calendar.add_component(event)
    return calendar.to_ical()


