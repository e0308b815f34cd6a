"""The agreement index tables.

`Agreement` is one row per agreement as of the last applied sync; `AgreementSupplier` holds its
suppliers in register order (parallel agreements have several); `AgreementVersion` keeps the
previous content of every changed or removed agreement; `SyncRun` records every run, applied or
not; `IndexState` is a single row whose `version` goes up by one each time a sync changes the
index, so every server instance knows when to rebuild its in-memory search index.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Numeric, Table, Text
from sqlmodel import Field, SQLModel


class AgreementStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    UNDER_COMPETITION = "under_competition"
    NOT_STARTED = "not_started"


class ContractingParty(StrEnum):
    """Who signed the agreement: the municipality itself, a purchasing cooperation, the state …"""

    OWN = "own"
    COOPERATION = "cooperation"
    STATE = "state"
    OTHER_PUBLIC = "other_public"


class Agreement(SQLModel, table=True):
    __tablename__ = "agreement"

    id: str = Field(primary_key=True, max_length=64)
    title: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(default="", max_length=200, index=True)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    agreement_type: str = Field(default="", max_length=100)
    contracting_party: str = Field(default="", max_length=200)
    contracting_party_kind: str = Field(default=ContractingParty.OWN.value, max_length=32)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    options: str = Field(default="", max_length=200)
    final_end_date: dt.date | None = None
    # status as the register exported it, normalised; use status_as_of() for what holds on a date
    status: str = Field(default=AgreementStatus.ACTIVE.value, max_length=32, index=True)
    owner_name: str = Field(default="", max_length=200)
    owner_email: str = Field(default="", max_length=320, index=True)
    adviser: str = Field(default="", max_length=200)
    adviser_email: str = Field(default="", max_length=320)
    ehandel: bool = False
    ehandel_note: str = Field(default="", max_length=200)
    ordering: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    annual_value: Decimal | None = Field(default=None, sa_column=Column(Numeric(16, 2), nullable=True))
    cpv_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    document_url: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    ranked: bool = False  # the suppliers (in position order) are the register's ranking
    source: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source_line: int | None = None
    content_hash: str = Field(default="", max_length=64)
    synced_at: dt.datetime | None = None
    sync_run_id: int | None = None


class AgreementSupplier(SQLModel, table=True):
    __tablename__ = "agreement_supplier"

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", ondelete="CASCADE", index=True, max_length=64)
    position: int = 0
    name: str = Field(max_length=300)
    org_number: str = Field(default="", max_length=16, index=True)


class AgreementVersion(SQLModel, table=True):
    """The content an agreement had before a sync changed or removed it."""

    __tablename__ = "agreement_version"

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(index=True, max_length=64)
    sync_run_id: int | None = Field(default=None, index=True)
    change: str = Field(max_length=16)  # "changed" | "removed"
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recorded_at: dt.datetime


class SyncRun(SQLModel, table=True):
    __tablename__ = "sync_run"

    id: int | None = Field(default=None, primary_key=True)
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    source: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    checksum: str = Field(default="", max_length=64)
    trigger: str = Field(default="cli", max_length=32)  # cli | schedule | demo | test | api
    # applied | unchanged | rejected | dry_run | failed
    outcome: str = Field(default="", max_length=16, index=True)
    rows_read: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    message: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    duration_ms: int = 0
    index_version: int | None = None


class IndexState(SQLModel, table=True):
    """Exactly one row (id=1). `version` increases whenever a sync changes the index."""

    __tablename__ = "index_state"

    id: int = Field(default=1, primary_key=True)
    version: int = 0
    updated_at: dt.datetime | None = None
    last_sync_run_id: int | None = None


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel class (SQLModel sets `__table__` but does not declare it)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table
