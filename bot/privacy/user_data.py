"""Everything stored about one person: find it, export it (access, GDPR art. 15/20), erase it (art. 17).

A person is named by e-mail/UPN or Entra object id. `resolve_subject` widens that to every e-mail
and object id the database links to the person (through conversation references, course
enrolments and announcement recipients), and derives the other keys the registry matches on:
the feedback pseudonym, their personal conversations and conversation-reference ids.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, and_, delete, false, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.db import Database, utcnow
from bot.logging import log, pseudonym
from bot.privacy.registry import REGISTRY, IdentityKey, PersonalData
from bot.privacy.retention import metadata, table_for

logger = logging.getLogger("innkjopsbot.privacy")

# tables that tie an e-mail to an Entra object id: (table, e-mail column, object id column)
_LINKS = (("conversation_ref", "email", "aad_object_id"), ("course_enrolment", "email", "aad_object_id"),
          ("announcement_recipient", "email", "aad_object_id"))


_CASE_INSENSITIVE = frozenset({"email", "aad_id"})


@dataclass
class Subject:
    """The person, as every identifier the database knows them by."""

    emails: set[str] = field(default_factory=set)
    aad_ids: set[str] = field(default_factory=set)
    keys: dict[str, set[Any]] = field(default_factory=dict)
    requested: str = ""  # the identifier asked for (for the pseudonym in the privacy log)

    def values(self, key: IdentityKey) -> set[Any]:
        return self.keys.get(key, set())

    def to_json(self) -> dict[str, Any]:
        return {"emails": sorted(self.emails), "aad_object_ids": sorted(self.aad_ids)}


def _clean(values: set[Any]) -> set[str]:
    return {str(v).strip().lower() for v in values if v is not None and str(v).strip()}


def resolve_subject(session: Session, *, email: str | None = None, aad_id: str | None = None) -> Subject:
    if not (email or aad_id):
        raise ValueError("name the person by e-mail or Entra object id")
    emails, aad_ids = _clean({email}), _clean({aad_id})
    meta = metadata()
    for _round in range(3):  # a small closure: e-mail -> object id -> other e-mails …
        before = (len(emails), len(aad_ids))
        for name, email_column, aad_column in _LINKS:
            table = meta.tables.get(name)
            if table is None:
                continue
            condition = _lower_in((table.c[email_column], emails), (table.c[aad_column], aad_ids))
            rows = session.execute(select(table.c[email_column], table.c[aad_column]).where(condition)).all()
            for row_email, row_aad in rows:
                emails |= _clean({row_email})
                aad_ids |= _clean({row_aad})
        if (len(emails), len(aad_ids)) == before:
            break
    subject = Subject(emails, aad_ids, requested=(email or aad_id or "").strip().lower())
    subject.keys = {"email": set(emails), "aad_id": set(aad_ids)}
    subject.keys["feedback_hash"] = _feedback_hashes(aad_ids)
    refs = meta.tables.get("conversation_ref")
    if refs is not None:
        condition = _lower_in((refs.c.aad_object_id, aad_ids), (refs.c.email, emails))
        refs_found = session.execute(select(refs.c.id, refs.c.conversation_id, refs.c.conversation_type).where(condition)).all()
        subject.keys["conversation_ref_id"] = {row.id for row in refs_found}
        # only 1:1 conversations are the person's own; a channel's state belongs to the team
        subject.keys["conversation_id"] = {row.conversation_id for row in refs_found if row.conversation_type == "personal"}
    return subject


def _lower_in(*pairs: tuple[Any, set[str]]) -> ColumnElement[bool]:
    """column IN values (case-insensitive) for each non-empty set, OR-ed; never matches blanks."""
    conditions = [func.lower(column).in_(sorted(values)) for column, values in pairs if values]
    return or_(*conditions) if conditions else false()


def _feedback_hashes(aad_ids: set[str]) -> set[str]:
    try:
        from bot.conversation.store import user_hash
    except ImportError:
        return set()
    return {user_hash(aad_id) for aad_id in aad_ids}


def _match_condition(entry: PersonalData, table: Table, subject: Subject) -> ColumnElement[bool] | None:
    conditions = []
    for column, keys in entry.match.items():
        for key in keys if isinstance(keys, tuple) else (keys,):
            values = {v for v in subject.values(key) if v != ""}
            if not values:
                continue
            if key in _CASE_INSENSITIVE:  # e-mails and Entra ids: any case
                conditions.append(func.lower(table.c[column]).in_(sorted({str(v).lower() for v in values})))
            else:  # conversation ids, pseudonyms, row ids: exactly
                conditions.append(table.c[column].in_(sorted(values)))
    return or_(*conditions) if conditions else None


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _entries() -> list[tuple[PersonalData, Table]]:
    meta = metadata()
    found = []
    for entry in REGISTRY:
        if not entry.match:
            continue
        table = table_for(entry, meta)
        if table is not None:
            found.append((entry, table))
    return found


def _log(session: Session, action: str, subject: Subject, counts: dict[str, Any], actor: str, dry_run: bool) -> None:
    from bot.privacy.models import PrivacyLog

    session.add(PrivacyLog(action=action, subject=pseudonym(subject.requested), actor=actor, dry_run=dry_run,
                           counts=counts))


def export_user_data(
    database: Database, *, email: str | None = None, aad_id: str | None = None, actor: str = ""
) -> dict[str, Any]:
    """Every row about the person, table by table, with the purpose of each table (JSON-ready)."""
    with database.session() as session:
        subject = resolve_subject(session, email=email, aad_id=aad_id)
        tables: dict[str, dict[str, Any]] = {}
        for entry, table in _entries():
            condition = _match_condition(entry, table, subject)
            if condition is None:
                continue
            columns = [table.c[c] for c in entry.export_columns] if entry.export_columns else list(table.c)
            rows = session.execute(select(*columns).where(condition)).mappings().all()
            if not rows:
                continue
            section = tables.setdefault(entry.table, {"purpose": entry.purpose, "rows": []})
            if entry.purpose not in section["purpose"]:
                section["purpose"] += "; " + entry.purpose
            keys = [c.name for c in table.primary_key.columns]
            seen = {tuple(r.get(k) for k in keys) for r in section["rows"]}
            for row in rows:
                record = {k: _json_value(v) for k, v in row.items()}
                if tuple(record.get(k) for k in keys) not in seen:
                    section["rows"].append(record)
        counts = {name: len(section["rows"]) for name, section in tables.items()}
        _log(session, "export", subject, counts, actor, False)
    return {
        "subject": subject.to_json(),
        "generated_at": utcnow().isoformat(),
        "controller": "the municipality (data controller); see docs/data-protection.md",
        "tables": tables,
    }


def erase_user_data(
    database: Database, *, email: str | None = None, aad_id: str | None = None, dry_run: bool = False,
    actor: str = "",
) -> dict[str, Any]:
    """Delete the person's rows, or blank their name/e-mail/id where the row is a record to keep.

    One transaction: all of it or nothing. Returns per table and action the number of rows.
    """
    with database.session() as session:
        subject = resolve_subject(session, email=email, aad_id=aad_id)
        results: list[dict[str, Any]] = []
        # conversation references last: the other tables were matched through them
        ordered = sorted(_entries(), key=lambda pair: pair[0].table == "conversation_ref")
        for entry, table in ordered:
            condition = _match_condition(entry, table, subject)
            if condition is None:
                continue
            if isinstance(entry.erase, dict):
                action = "anonymise"
                condition = and_(condition, or_(*[table.c[c] != v for c, v in entry.erase.items()]))
            else:
                action = entry.erase
            count = session.execute(select(func.count()).select_from(table).where(condition)).scalar_one()
            if not count:
                continue
            if not dry_run and action == "delete":
                session.execute(delete(table).where(condition))
            elif not dry_run and action == "anonymise":
                session.execute(update(table).where(condition).values(**entry.erase))  # type: ignore[arg-type]
            results.append({"table": entry.table, "action": action, "rows": count,
                            **({"note": entry.purpose} if action == "keep" else {})})
        counts = {f"{r['table']}.{r['action']}": r["rows"] for r in results}
        _log(session, "delete", subject, counts, actor, dry_run)
    log(logger, logging.INFO, "user data erased" if not dry_run else "user data erasure (dry run)",
        subject=pseudonym(subject.requested), rows=sum(r["rows"] for r in results if r["action"] != "keep"))
    return {"subject": subject.to_json(), "dry_run": dry_run, "results": results}
