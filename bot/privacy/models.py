"""The privacy log (migration 0005): what was exported or deleted, without the personal data itself.

A data controller must be able to show that access and erasure requests were handled and that
retention runs; this table records each such action with counts per table and a pseudonym of
the person (a hash of the e-mail / Entra id), never the e-mail or id in clear text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from bot.db import utcnow


class PrivacyLog(SQLModel, table=True):
    __tablename__ = "privacy_log"

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=16)  # export | delete | retention
    subject: str = Field(default="", max_length=64)  # pseudonym of the person ("" for retention)
    actor: str = Field(default="", max_length=200)  # who ran it (OS user, "scheduler")
    dry_run: bool = False
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
