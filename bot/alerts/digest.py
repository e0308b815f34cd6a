"""The weekly digest for the procurement section's channel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agreements_sync.i18n import language_of
from bot.alerts import cards
from bot.alerts.config import AlertConfig, load_config
from bot.alerts.overview import overview
from bot.alerts.recipients import channel_target
from bot.alerts.scan import CHANNEL, DayName, Planned, ScanReport, queue, said
from bot.db import Database


def digest_key(as_of: dt.date) -> str:
    year, week, _ = as_of.isocalendar()
    return f"alert-digest:{year}-W{week:02d}"


def digest_due(as_of: dt.date, config: AlertConfig) -> bool:
    """On or after the configured weekday in the ISO week (the key makes it once a week)."""
    return as_of.weekday() >= config.digest.weekday_number


def weekly_digest(
    database: Database, settings: Any, as_of: dt.date, *, dry_run: bool = False, force: bool = False,
    config: AlertConfig | None = None,
) -> ScanReport:
    config = config or load_config()
    report = ScanReport(as_of, dry_run)
    if not force and not digest_due(as_of, config):
        report.warn(f"the digest goes out on {config.digest.weekday}s (or later in the week); use --force to send now",
                    said("warning.digest_weekday", weekday=DayName(config.digest.weekday_number)))
        return report
    lang = language_of(getattr(settings, "default_locale", "nb-NO"))
    with database.session() as session:
        channel = channel_target(session, settings)
        if channel is None:
            report.warn("the procurement channel is not configured or not reachable: the digest is recorded as unreachable",
                        said("warning.digest_no_channel"))
        rows = overview(session, as_of, config.digest.months, config)
        card = cards.digest_card(rows, as_of, config.digest.months, config.digest.max_items, lang)
        summary = cards.t("digest_title", lang, months=config.digest.months)
        planned = Planned(
            "digest", digest_key(as_of), CHANNEL, f"weekly digest: {len(rows)} deadlines in {config.digest.months} months",
            conversation=channel, activity=cards.activity(card, summary),
            why=[said("why.digest", count=len(rows), months=config.digest.months)],
        )
        queue(session, [planned], write=not dry_run)
        report.planned.append(planned)
    return report
