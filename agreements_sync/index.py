"""Reading the agreement index as plain values (what search, alerts and the bot work on)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from agreements_sync.models import Agreement, AgreementStatus, AgreementSupplier, IndexState, table_of
from agreements_sync.status import status_as_of


@dataclass(frozen=True)
class AgreementRecord:
    """One agreement of the index with its suppliers, as immutable plain values.

    Fields are those of `agreements_sync.models.Agreement` (lists as tuples) plus `suppliers`:
    ((name, org_number), …) in register order.
    """

    id: str
    title: str
    category: str = ""
    description: str = ""
    keywords: tuple[str, ...] = ()
    agreement_type: str = ""
    contracting_party: str = ""
    contracting_party_kind: str = "own"
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    options: str = ""
    final_end_date: dt.date | None = None
    status: str = AgreementStatus.ACTIVE.value
    owner_name: str = ""
    owner_email: str = ""
    adviser: str = ""
    adviser_email: str = ""
    ehandel: bool = False
    ehandel_note: str = ""
    ordering: str = ""
    annual_value: Decimal | None = None
    cpv_codes: tuple[str, ...] = ()
    document_url: str = ""
    ranked: bool = False  # the suppliers are in the register's ranking order
    source: str = ""
    source_line: int | None = None
    content_hash: str = ""
    synced_at: dt.datetime | None = None
    sync_run_id: int | None = None
    suppliers: tuple[tuple[str, str], ...] = ()

    def status_on(self, as_of: dt.date) -> AgreementStatus:
        return status_as_of(self, as_of)

    def is_active(self, as_of: dt.date) -> bool:
        return self.status_on(as_of) is AgreementStatus.ACTIVE

    @property
    def supplier_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.suppliers)

    @property
    def org_numbers(self) -> tuple[str, ...]:
        return tuple(org for _, org in self.suppliers)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (dates ISO, amount as float, suppliers as objects)."""
        data: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, dt.date | dt.datetime):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = float(value)
            elif name == "suppliers":
                value = [{"name": n, "org_number": o} for n, o in value]
            elif isinstance(value, tuple):
                value = list(value)
            data[name] = value
        return data


AGREEMENT_COLUMNS: tuple[str, ...] = tuple(c.name for c in table_of(Agreement).columns)


def _engine(engine_or_database: Any) -> Engine:
    return getattr(engine_or_database, "engine", engine_or_database)


@contextmanager
def _connection(source: Any) -> Iterator[Connection]:
    """A connection of a Session (inside its transaction), or a new one of an engine / Database."""
    if isinstance(source, Session):
        yield source.connection()
        return
    with _engine(source).connect() as connection:
        yield connection


def _record(row: dict[str, Any], suppliers: list[tuple[str, str]]) -> AgreementRecord:
    values = dict(row)
    values["keywords"] = tuple(values.get("keywords") or ())
    values["cpv_codes"] = tuple(values.get("cpv_codes") or ())
    values["suppliers"] = tuple(suppliers)
    return AgreementRecord(**values)


def load_agreements(source: Any, ids: list[str] | None = None) -> list[AgreementRecord]:
    """Every agreement of the index (or those with the given ids), ordered by id. `source` is an
    engine, a `bot.db.Database` or a Session (read inside its transaction)."""
    agreement = table_of(Agreement)
    supplier = table_of(AgreementSupplier)
    query = select(agreement).order_by(agreement.c.id)
    supplier_query = select(supplier.c.agreement_id, supplier.c.name, supplier.c.org_number).order_by(
        supplier.c.agreement_id, supplier.c.position, supplier.c.id
    )
    if ids is not None:
        query = query.where(agreement.c.id.in_(ids))
        supplier_query = supplier_query.where(supplier.c.agreement_id.in_(ids))
    with _connection(source) as connection:
        rows = connection.execute(query).mappings().all()
        suppliers: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for agreement_id, name, org in connection.execute(supplier_query):
            suppliers[agreement_id].append((name, org))
    return [_record(dict(row), suppliers.get(row["id"], [])) for row in rows]


def get_agreement(source: Any, agreement_id: str) -> AgreementRecord | None:
    found = load_agreements(source, [agreement_id])
    return found[0] if found else None


def current_index_version(engine: Any) -> int:
    """IndexState.version: 0 before the first sync, +1 each time a sync changes the index."""
    engine = _engine(engine)
    with engine.connect() as connection:
        value = connection.execute(select(table_of(IndexState).c.version).where(table_of(IndexState).c.id == 1)).scalar()
    return int(value or 0)


INDEX_TABLES = ("agreement", "agreement_supplier", "agreement_version", "index_state")


def snapshot(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the index tables, ordered: for proving that a rejected sync changed nothing."""
    engine = _engine(engine)
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in INDEX_TABLES:
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()
            dump[table] = sorted((tuple(row) for row in rows), key=repr)
    return dump
