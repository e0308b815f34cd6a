"""Retention: delete (or anonymise) personal data older than its retention period.

`run_retention(services)` is the scheduled job (daily, `privacy.retention`) and what
`innkjopsbot retention run [--dry-run]` calls. The rules are the entries of
`bot.privacy.registry.REGISTRY` with a `timestamp` or `older_than`; the period per kind is
`INNKJOPSBOT_RETENTION_OVERRIDES[kind]`, else the entry's default, else `INNKJOPSBOT_RETENTION_DAYS`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, Table, and_, delete, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from bot.db import Database, utcnow
from bot.logging import log
from bot.privacy.registry import REGISTRY, PersonalData

if TYPE_CHECKING:  # pragma: no cover
    from bot.services import Services
    from bot.settings import Settings

logger = logging.getLogger("innkjopsbot.privacy")


def metadata() -> MetaData:
    """Every table of the application."""
    from bot.models import metadata as every_table  # bot.models imports the areas, this one among them

    return every_table()


def table_for(entry: PersonalData, meta: MetaData) -> Table | None:
    table = meta.tables.get(entry.table)
    if table is None:
        log(logger, logging.WARNING, "personal-data table not found", table=entry.table)
        return None
    needed = set(entry.match) | ({entry.timestamp} if entry.timestamp else set())
    for spec in (entry.erase, entry.retention):
        if isinstance(spec, dict):
            needed |= set(spec)
    missing = sorted(needed - set(table.c.keys()))
    if missing:
        log(logger, logging.WARNING, "personal-data columns not found", table=entry.table, columns=missing)
        return None
    return table


def retention_period(settings: Settings, entry: PersonalData) -> int:
    """Days rows of this kind are kept."""
    override = settings.retention_overrides.get(entry.retention_kind)
    if override is not None:
        return int(override)
    return entry.default_days or settings.retention_days


def retention_now(services: Services) -> dt.datetime:
    """'Now' for retention: the start of --as-of's day when given (previews, tests), else the clock."""
    if services.as_of is not None:
        return dt.datetime.combine(services.as_of, dt.time(), tzinfo=dt.UTC)
    return utcnow()


@dataclass
class RetentionResult:
    kind: str
    table: str
    days: int
    cutoff: str
    action: str  # delete | anonymise
    rows: int


def _age_condition(entry: PersonalData, table: Table, meta: MetaData, cutoff: dt.datetime) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if entry.timestamp:
        conditions.append(table.c[entry.timestamp] < cutoff)
    if entry.older_than is not None:
        conditions.append(entry.older_than(table, meta, cutoff))
    if entry.retention_where is not None:
        conditions.append(entry.retention_where(table))
    return and_(*conditions)


def _not_blank(table: Table, values: dict[str, Any]) -> ColumnElement[bool]:
    """Rows where some column to anonymise still holds something."""
    return or_(*[and_(table.c[column].is_not(None), table.c[column] != value) for column, value in values.items()])


def apply_retention(
    database: Database, settings: Settings, now: dt.datetime, *, dry_run: bool = False
) -> list[RetentionResult]:
    """Delete/anonymise what is older than its period; with dry_run only count it. One transaction."""
    meta = metadata()
    results: list[RetentionResult] = []
    with database.session() as session:
        for entry in REGISTRY:
            if entry.retention is None or (entry.timestamp is None and entry.older_than is None):
                continue
            table = table_for(entry, meta)
            if table is None:
                continue
            days = retention_period(settings, entry)
            cutoff = now - dt.timedelta(days=days)
            try:
                condition = _age_condition(entry, table, meta, cutoff)
            except KeyError as exc:  # a table the rule joins is missing
                log(logger, logging.WARNING, "retention rule skipped", table=entry.table, missing=str(exc))
                continue
            if isinstance(entry.retention, dict):
                condition = and_(condition, _not_blank(table, entry.retention))
                action = "anonymise"
            else:
                action = "delete"
            count = session.execute(select(func.count()).select_from(table).where(condition)).scalar_one()
            if count and not dry_run:
                if action == "delete":
                    session.execute(delete(table).where(condition))
                else:
                    session.execute(update(table).where(condition).values(**entry.retention))  # type: ignore[arg-type]
            results.append(RetentionResult(entry.retention_kind, entry.table, days, cutoff.isoformat(), action, count))
    return results


def run_retention(services: Services, *, dry_run: bool = False, actor: str = "scheduler") -> dict[str, Any]:
    """The scheduled job and `innkjopsbot retention run`: apply every rule, log the counts."""
    now = retention_now(services)
    results = apply_retention(services.database, services.settings, now, dry_run=dry_run)
    counts = {r.kind: r.rows for r in results if r.rows}
    from bot.privacy.models import PrivacyLog

    with services.database.session() as session:
        session.add(PrivacyLog(action="retention", actor=actor, dry_run=dry_run, counts=counts))
    summary = {
        "now": now.isoformat(),
        "dry_run": dry_run,
        "deleted": sum(r.rows for r in results if r.action == "delete"),
        "anonymised": sum(r.rows for r in results if r.action == "anonymise"),
        "rules": [asdict(r) for r in results],
    }
    log(logger, logging.INFO, "retention run", dry_run=dry_run, deleted=summary["deleted"],
        anonymised=summary["anonymised"])
    return summary
