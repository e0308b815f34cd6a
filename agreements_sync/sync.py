"""Sync a register export into the agreement index: all or nothing, diffed, recorded.

    report = sync_export(engine, "avtaleregister.csv", as_of=date(2026, 11, 24))

1. read and validate every row (nothing touches the database yet); a file with errors is
   rejected unless `skip_invalid`;
2. in one transaction holding the sync lock (PostgreSQL: an advisory transaction lock plus
   `SELECT … FOR UPDATE` on index_state; SQLite: `BEGIN IMMEDIATE`), diff the rows against the
   index by content hash, refuse a mass removal, keep the previous content of every changed or
   removed agreement in `agreement_version`, write the changes with bulk statements and bump
   `IndexState.version`;
3. record the run in `sync_run` whatever happened (applied, unchanged, dry_run, rejected, failed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, text, update

from agreements_sync.cells import id_key
from agreements_sync.fetch import FetchError, fetched
from agreements_sync.i18n import strings
from agreements_sync.knowledge import KnowledgeError
from agreements_sync.limits import DEFAULT_LIMITS, Limits
from agreements_sync.mapping import RegisterMapping, load_mapping
from agreements_sync.models import Agreement, AgreementStatus, AgreementSupplier, AgreementVersion, IndexState, SyncRun, table_of
from agreements_sync.readers import ReadError, read_table
from agreements_sync.status import is_active
from agreements_sync.validate import CONTENT_FIELDS, ParsedAgreement, RowError, content_hash, validate_table

log = logging.getLogger(__name__)

SYNC_LOCK_KEY = 7_236_114_002  # PostgreSQL advisory lock key of the sync
_CHUNK = 500  # ids per IN (…) clause
_BATCH = 5000  # rows per executemany

AGREEMENT = table_of(Agreement)
SUPPLIER = table_of(AgreementSupplier)
VERSION = table_of(AgreementVersion)
RUN = table_of(SyncRun)
STATE = table_of(IndexState)

Progress = Callable[[int], Any]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class SyncReport:
    outcome: str  # applied | unchanged | dry_run | rejected | failed
    source: str
    checksum: str = ""
    trigger: str = "cli"
    rows_read: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first Limits.max_errors_kept
    error_count: int = 0  # every error found (more than `errors` holds when there are very many)
    reason: str = ""  # why rejected/failed: errors | file | removal | nothing_valid | exception
    reason_text: str = ""  # the exception of a failed run
    read_problem: tuple[str, dict[str, Any]] | None = None  # (code, details) of an unreadable file
    removal_share: float = 0.0
    max_removal_share: float = 0.2
    existing: int = 0
    run_id: int | None = None
    index_version: int = 0
    duration_ms: int = 0
    active_as_of: int = 0
    agreements_read: int = 0  # agreements in the file (several rows may make one: parallel_rows)
    as_of: dt.date | None = None
    added_ids: list[str] = field(default_factory=list)
    changed_fields: dict[str, list[str]] = field(default_factory=dict)  # id -> fields that changed
    removed_ids: list[str] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # notes (e.g. ignored columns)

    @property
    def ok(self) -> bool:
        return self.outcome in {"applied", "unchanged", "dry_run"}

    @property
    def changed_ids(self) -> list[str]:
        return list(self.changed_fields)

    def message(self, lang: str = "nb") -> str:
        texts = strings("sync")
        skipped_text = texts.get("skipped_text", lang, skipped=self.skipped) if self.skipped else ""
        counts = dict(
            source=self.source, added=self.added, changed=self.changed, removed=self.removed,
            unchanged=self.unchanged, skipped_text=skipped_text,
        )
        if self.outcome == "applied":
            return texts.get("outcome_applied", lang, version=self.index_version,
                             seconds=f"{self.duration_ms / 1000:.1f}", **counts)
        if self.outcome == "unchanged":
            return texts.get("outcome_unchanged", lang, **counts)
        if self.outcome == "dry_run":
            return texts.get("outcome_dry_run", lang, **counts)
        if self.outcome == "failed":
            return texts.get("outcome_failed", lang, reason=self.reason_text)
        if self.reason == "removal":
            return texts.get(
                "outcome_rejected_removal", lang, removed=self.removed, existing=self.existing,
                share=f"{self.removal_share * 100:.0f}", limit=f"{self.max_removal_share * 100:.0f}",
            )
        if self.reason == "nothing_valid":
            return texts.get("outcome_rejected_nothing_valid", lang, source=self.source)
        if self.reason == "file" and self.read_problem is not None:
            code, details = self.read_problem
            reason = texts.get(f"read_{code}", lang, **details)
            return texts.get("outcome_rejected_file", lang, source=self.source, reason=reason)
        return texts.get("outcome_rejected_errors", lang, source=self.source, count=max(self.error_count, len(self.errors)))

    def to_dict(self, lang: str = "nb") -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "ok": self.ok,
            "message": self.message(lang),
            "source": self.source,
            "checksum": self.checksum,
            "trigger": self.trigger,
            "rows_read": self.rows_read,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "error_count": max(self.error_count, len(self.errors)),
            "errors": [e.to_dict() for e in self.errors],
            "reason": self.reason,
            "removal_share": round(self.removal_share, 4),
            "run_id": self.run_id,
            "index_version": self.index_version,
            "duration_ms": self.duration_ms,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "active_as_of": self.active_as_of,
            "agreements_read": self.agreements_read,
            "diff": {
                "added": self.added_ids,
                "changed": [{"id": i, "fields": f} for i, f in self.changed_fields.items()],
                "removed": self.removed_ids,
            },
            "warnings": [w.to_dict() for w in self.warnings],
        }


# --- locking -------------------------------------------------------------------------------


@contextmanager
def locked_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction that no other sync can interleave with; commits on success."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as raw:
            connection = raw.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # takes the write lock now, waits for others
            try:
                _ensure_state_row(connection)
                yield connection
            except BaseException:
                connection.exec_driver_sql("ROLLBACK")
                raise
            else:
                connection.exec_driver_sql("COMMIT")
        return
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SYNC_LOCK_KEY})
        _ensure_state_row(connection)
        connection.execute(select(STATE.c.version).where(STATE.c.id == 1).with_for_update())
        yield connection


def _ensure_state_row(connection: Connection) -> None:
    if connection.execute(select(STATE.c.id).where(STATE.c.id == 1)).first() is None:
        connection.execute(insert(STATE).values(id=1, version=0, updated_at=None, last_sync_run_id=None))


# --- the sync --------------------------------------------------------------------------------


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def sync_export(
    engine: Any,
    path: str | Path,
    mapping: RegisterMapping | str | Path | None = None,
    *,
    as_of: dt.date,
    dry_run: bool = False,
    skip_invalid: bool = False,
    max_removal_share: float = 0.2,
    allow_mass_removal: bool = False,
    trigger: str = "cli",
    progress: Progress | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> SyncReport:
    """Sync the export at `path` (a file or an https URL) into the index; see the module doc.

    Every run that starts is recorded, whatever happens: an input the sync cannot use is a
    rejected run with the reason in the user's terms, and anything unforeseen a failed run."""
    engine = getattr(engine, "engine", engine)
    started_at, clock = utcnow(), time.perf_counter()
    source = str(path)
    report = SyncReport(outcome="rejected", source=source, trigger=trigger, as_of=as_of,
                        max_removal_share=max_removal_share)
    try:
        if not isinstance(mapping, RegisterMapping):
            mapping = load_mapping(mapping)
        with fetched(source, limits) as local:
            if local.exists() and local.is_file():
                report.checksum = file_checksum(local) if local.stat().st_size <= limits.max_export_bytes else ""
            table = read_table(local, mapping, limits)
            result = validate_table(table, mapping, progress, limits)
    except KnowledgeError as exc:
        return _reject_file(engine, report, "mapping_invalid", started_at, clock, reason=str(exc))
    except FetchError as exc:
        return _reject_file(engine, report, "download_failed", started_at, clock, **exc.details)
    except ReadError as exc:
        return _reject_file(engine, report, exc.code, started_at, clock, **exc.details)
    except Exception as exc:
        log.exception("reading %s failed", source)
        report.outcome, report.reason, report.reason_text = "failed", "exception", f"{type(exc).__name__}: {exc}"[:500]
        return _record_only(engine, report, started_at, clock)

    report.rows_read = result.rows_read
    report.warnings.extend(result.warnings)
    if result.file_errors:
        report.errors = result.file_errors
        report.error_count = len(result.file_errors)
        report.reason = "file"
        return _record_only(engine, report, started_at, clock)
    report.errors = result.errors
    report.error_count = result.error_count
    report.skipped = result.rows_read - result.rows_merged - len(result.records)
    if result.error_count and not skip_invalid:
        report.reason = "errors"
        return _record_only(engine, report, started_at, clock)
    if result.rows_read and not result.records:
        report.reason = "nothing_valid"
        return _record_only(engine, report, started_at, clock)
    report.active_as_of = sum(1 for r in result.records if is_active(r.as_dict(), as_of))
    report.agreements_read = len(result.records)
    report.warnings.extend(_active_but_ended(result.records, mapping, as_of))

    try:
        with locked_transaction(engine) as connection:
            _diff_and_apply(connection, report, result.records, result.invalid_ids, source, as_of, dry_run,
                            max_removal_share, allow_mass_removal, started_at, clock)
    except Exception as exc:
        log.exception("sync of %s failed", source)
        report.outcome, report.reason, report.reason_text = "failed", "exception", f"{type(exc).__name__}: {exc}"
        return _record_only(engine, report, started_at, clock)
    return report


def _reject_file(engine: Engine, report: SyncReport, code: str, started_at: dt.datetime, clock: float,
                 **details: Any) -> SyncReport:
    report.reason = "file"
    details.setdefault("path", report.source)
    details.setdefault("url", report.source)
    report.read_problem = (code, details)
    return _record_only(engine, report, started_at, clock)


def _run_values(report: SyncReport, started_at: dt.datetime, clock: float) -> dict[str, Any]:
    report.duration_ms = int((time.perf_counter() - clock) * 1000)
    message = report.message("nb")
    return dict(
        started_at=started_at, finished_at=utcnow(), source=report.source, checksum=report.checksum,
        trigger=report.trigger, outcome=report.outcome, rows_read=report.rows_read, added=report.added,
        changed=report.changed, removed=report.removed, unchanged=report.unchanged, skipped=report.skipped,
        error_count=max(report.error_count, len(report.errors)), errors=[e.to_dict() for e in report.errors],
        message=message, duration_ms=report.duration_ms,
    )


def _record_only(engine: Engine, report: SyncReport, started_at: dt.datetime, clock: float) -> SyncReport:
    """Record a run that did not touch the index (its own short transaction)."""
    with engine.begin() as connection:
        version = connection.execute(select(STATE.c.version).where(STATE.c.id == 1)).scalar() or 0
        report.index_version = int(version)
        values = _run_values(report, started_at, clock)
        values["index_version"] = report.index_version
        report.run_id = connection.execute(insert(RUN).values(**values).returning(RUN.c.id)).scalar_one()
    return report


def _diff_and_apply(
    connection: Connection,
    report: SyncReport,
    records: list[ParsedAgreement],
    invalid_ids: set[str],
    source: str,
    as_of: dt.date,
    dry_run: bool,
    max_removal_share: float,
    allow_mass_removal: bool,
    started_at: dt.datetime,
    clock: float,
) -> None:
    existing: dict[str, str] = dict(connection.execute(select(AGREEMENT.c.id, AGREEMENT.c.content_hash)).all())
    records = _as_stored_ids(records, existing, report)
    incoming_keys = {id_key(r.id) for r in records} | {id_key(i) for i in invalid_ids}
    added = [r for r in records if r.id not in existing]
    changed = [r for r in records if r.id in existing and existing[r.id] != r.content_hash]
    removed_ids = sorted(i for i in existing if id_key(i) not in incoming_keys)
    report.existing = len(existing)
    report.added, report.changed, report.removed = len(added), len(changed), len(removed_ids)
    report.unchanged = len(records) - len(added) - len(changed)
    report.added_ids = [r.id for r in added]
    report.removed_ids = removed_ids
    report.index_version = int(connection.execute(select(STATE.c.version).where(STATE.c.id == 1)).scalar() or 0)

    previous = _full_rows(connection, [r.id for r in changed] + removed_ids)
    report.changed_fields = {r.id: _changed_fields(previous[r.id], r) for r in changed}

    report.removal_share = len(removed_ids) / len(existing) if existing else 0.0
    if report.removal_share > max_removal_share and not allow_mass_removal:
        report.outcome, report.reason = "rejected", "removal"
    elif dry_run:
        report.outcome = "dry_run"
    elif not (added or changed or removed_ids):
        report.outcome = "unchanged"
    else:
        report.outcome = "applied"
    values = _run_values(report, started_at, clock)
    values["index_version"] = report.index_version
    run_id = connection.execute(insert(RUN).values(**values).returning(RUN.c.id)).scalar_one()
    report.run_id = run_id
    if report.outcome != "applied":
        return

    now = utcnow()
    removed_set = set(removed_ids)
    versions = [
        {"agreement_id": agreement_id, "sync_run_id": run_id, "change": "removed" if agreement_id in removed_set else "changed",
         "data": previous[agreement_id], "recorded_at": now}
        for agreement_id in previous
    ]
    _executemany(connection, insert(VERSION), versions)
    touched = [r.id for r in changed] + removed_ids
    for chunk in _chunks(touched):
        connection.execute(delete(SUPPLIER).where(SUPPLIER.c.agreement_id.in_(chunk)))
    for chunk in _chunks(removed_ids):
        connection.execute(delete(AGREEMENT).where(AGREEMENT.c.id.in_(chunk)))
    meta = {"source": source, "synced_at": now, "sync_run_id": run_id}
    if changed:
        columns = [c for c in AGREEMENT.columns.keys() if c != "id"]  # noqa: SIM118 - a ColumnCollection, not a dict
        statement = (
            update(AGREEMENT)
            .where(AGREEMENT.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}") for c in columns})
        )
        rows = ({f"b_{k}": v for k, v in _agreement_row(r, meta).items()} for r in changed)
        _executemany(connection, statement, rows)
    _executemany(connection, insert(AGREEMENT), (_agreement_row(r, meta) for r in added))
    _executemany(
        connection,
        insert(SUPPLIER),
        (
            {"agreement_id": r.id, "position": position, "name": name, "org_number": org}
            for r in (*changed, *added)
            for position, (name, org) in enumerate(r.suppliers)
        ),
    )
    report.index_version += 1
    connection.execute(
        update(STATE).where(STATE.c.id == 1).values(version=report.index_version, updated_at=now, last_sync_run_id=run_id)
    )
    report.duration_ms = int((time.perf_counter() - clock) * 1000)
    connection.execute(
        update(RUN).where(RUN.c.id == run_id).values(
            index_version=report.index_version, duration_ms=report.duration_ms, finished_at=utcnow(),
            message=report.message("nb"),
        )
    )


def _as_stored_ids(records: list[ParsedAgreement], existing: dict[str, str], report: SyncReport) -> list[ParsedAgreement]:
    """An id written differently from the stored one only by case or Unicode form ("lk-2019-003"
    for "LK-2019-003") is the stored agreement, keeping its id (alerts, feedback and taught
    answers refer to it), with a note; it never replaces the agreement as a new one."""
    stored = {id_key(i): i for i in existing}
    result: list[ParsedAgreement] = []
    notes: dict[str, RowError] = {}
    count = 0
    for record in records:
        same = stored.get(id_key(record.id))
        if same is None or same == record.id:
            result.append(record)
            continue
        values = (same, *record.values[1:])
        result.append(ParsedAgreement(record.line, values, record.suppliers, content_hash(values, record.suppliers)))
        count += 1
        notes.setdefault("id", RowError(record.line, "", "id", "id_spelling", record.id, same,
                                        {"stored": same, "first_line": record.line}))
    for note in notes.values():
        report.warnings.append(RowError(note.line, note.column, note.field, note.code, note.value, note.agreement_id,
                                        {**note.details, "count": count}))
    return result


def _active_but_ended(records: list[ParsedAgreement], mapping: RegisterMapping, as_of: dt.date) -> list[RowError]:
    """A row the export calls active whose end date has passed is read as expired (the dates
    decide, bot and alerts alike): say so, since the register is likely behind (an option used,
    the end date not moved)."""
    column = mapping.columns.mapped().get("end_date", "")
    notes = []
    for record in records:
        row = record.as_dict()
        end = row.get("end_date")
        if row.get("status") == AgreementStatus.ACTIVE.value and end is not None and end < as_of:
            notes.append(RowError(record.line, column, "end_date", "active_but_ended", "", record.id, {"end": end}))
    return notes


def _agreement_row(record: ParsedAgreement, meta: dict[str, Any]) -> dict[str, Any]:
    row = record.as_dict()
    row.update(meta)
    row["source_line"] = record.line
    row["content_hash"] = record.content_hash
    return row


def _executemany(connection: Connection, statement: Any, rows: Any) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _BATCH:
            connection.execute(statement, batch)
            batch = []
    if batch:
        connection.execute(statement, batch)


def _chunks(items: list[str], size: int = _CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, tuple):
        return list(value)
    return value


def _full_rows(connection: Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    """id -> the stored agreement as JSON-ready values, with its suppliers."""
    rows: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        for row in connection.execute(select(AGREEMENT).where(AGREEMENT.c.id.in_(chunk))).mappings():
            rows[row["id"]] = {k: _plain(v) for k, v in row.items()} | {"suppliers": []}
        query = (
            select(SUPPLIER.c.agreement_id, SUPPLIER.c.name, SUPPLIER.c.org_number)
            .where(SUPPLIER.c.agreement_id.in_(chunk))
            .order_by(SUPPLIER.c.agreement_id, SUPPLIER.c.position, SUPPLIER.c.id)
        )
        for agreement_id, name, org in connection.execute(query):
            rows[agreement_id]["suppliers"].append({"name": name, "org_number": org})
    return rows


def _changed_fields(before: dict[str, Any], record: ParsedAgreement) -> list[str]:
    fields = [
        name for name, value in zip(CONTENT_FIELDS, record.values, strict=True)
        if _plain(value) != before.get(name)
    ]
    suppliers = [{"name": n, "org_number": o} for n, o in record.suppliers]
    if suppliers != before.get("suppliers"):
        fields.append("suppliers")
    return fields


def sync_history(engine: Any, limit: int = 20) -> list[dict[str, Any]]:
    """The latest runs, newest first, as plain dicts."""
    engine = getattr(engine, "engine", engine)
    with engine.connect() as connection:
        rows = connection.execute(select(RUN).order_by(RUN.c.id.desc()).limit(limit)).mappings().all()
    return [dict(row) for row in rows]


def agreement_versions(engine: Any, agreement_id: str) -> list[dict[str, Any]]:
    """Previous contents of one agreement kept by syncs, newest first."""
    engine = getattr(engine, "engine", engine)
    with engine.connect() as connection:
        rows = connection.execute(
            select(VERSION).where(VERSION.c.agreement_id == agreement_id).order_by(VERSION.c.id.desc())
        ).mappings().all()
    return [dict(row) for row in rows]


def count_runs(engine: Any) -> int:
    engine = getattr(engine, "engine", engine)
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(RUN)).scalar_one())
