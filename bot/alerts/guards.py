"""Removal and change guards: what a sync did to an active agreement that people rely on.

An agreement that was active and vanished from an export, or whose end date (or final end date)
moved earlier, is reported to the procurement section's channel and put on the register flag
list, naming the sync that did it — once per agreement and sync. Syncs younger than
`follow_through.guard_days` are looked at (the scan runs daily after the nightly sync).
A removed agreement has no milestones any more, so no alert or reminder about it goes out; a
button on an old card answers that the deadline is unknown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from agreements_sync.models import AgreementVersion, SyncRun
from agreements_sync.status import status_as_of
from bot.alerts import cards
from bot.alerts.milestones import AgreementFacts
from bot.db import utcnow

RELIED_ON = ("active", "under_competition")


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def check(ctx: Any, agreements: dict[str, AgreementFacts], *, write: bool) -> list[Any]:
    from bot.alerts.decisions import flag
    from bot.alerts.scan import said

    since = utcnow() - dt.timedelta(days=ctx.config.follow_through.guard_days)
    versions = list(ctx.session.execute(
        select(AgreementVersion).where(col(AgreementVersion.recorded_at) >= since).order_by(col(AgreementVersion.id))
    ).scalars())
    runs: dict[int, SyncRun | None] = {}
    out = []
    lang = ctx.channel_lang
    for version in versions:
        old = version.data or {}
        if status_as_of(old, ctx.as_of).value not in RELIED_ON:
            continue
        run_id = version.sync_run_id or 0
        if run_id not in runs:
            runs[run_id] = ctx.session.get(SyncRun, run_id) if run_id else None
        run = runs[run_id]
        sync = cards.t("sync_name", lang, run=run_id, source=(run.source if run else "") or "?",
                       when=(run.started_at if run else version.recorded_at))
        title_text = str(old.get("title") or "")
        if version.change == "removed":
            if version.agreement_id in agreements:  # back in a later export
                continue
            kind, key = "removed", f"guard-removed:{version.agreement_id}:{run_id}"
            title = cards.t("removed_title", lang, agreement_id=version.agreement_id, title=title_text)
            text = cards.t("removed_text", lang, sync=sync, end=_date(old.get("end_date")) or _date(old.get("final_end_date")),
                           owner=old.get("owner_name") or old.get("owner_email") or "–")
        else:
            current = agreements.get(version.agreement_id)
            if current is None:
                continue
            old_end, old_final = _date(old.get("end_date")), _date(old.get("final_end_date"))
            earlier_end = bool(old_end and current.end_date and current.end_date < old_end)
            earlier_final = bool(old_final and current.final_end_date and current.final_end_date < old_final)
            if not (earlier_end or earlier_final):
                continue
            kind, key = "end_earlier", f"guard-earlier:{version.agreement_id}:{run_id}"
            title = cards.t("end_earlier_title", lang, agreement_id=version.agreement_id, title=current.title)
            before, after = (old_end, current.end_date) if earlier_end else (old_final, current.final_end_date)
            text = cards.t("end_earlier_text", lang, sync=sync, old=before, new=after)
        card = cards.channel_card(title, text, agreements.get(version.agreement_id), lang)
        card["body"].append(cards.checklist_text(cards.t("guard_footer", lang)))
        planned = ctx.to_channel(kind, key, f"sync {run_id}: {kind.replace('_', ' ')}", said(f"why.guard_{kind}", run=run_id),
                                 card, title, None)
        planned.agreement_id = version.agreement_id
        out.append(planned)
        if write:
            flag(ctx.session, key, version.agreement_id, kind, f"{title} – {text}", sync_run_id=run_id or None)
    return out
