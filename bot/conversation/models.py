"""Tables of the Teams bot (migration 0002).

- `ConversationRef`: where the bot can reach a user (or a team/group chat) proactively. One row per
  (user's Entra object id, conversation); stored on install and on every message, deleted on
  uninstall. The alerts/courses outbox sends through `service_url` + `conversation_id`.
- `ConversationState`: the last question/topic/results of a conversation, so that follow-ups
  ("til barnehagen", "og for 2 mill?") work across server instances.
- `Feedback`: "was this helpful?" answers — no user identity beyond a salted hash, if any.
- `QuestionLog`: questions the bot could not answer with an agreement, and those with negative
  feedback, for the procurement section. No user identity at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.db import utcnow


class ConversationRef(SQLModel, table=True):
    __tablename__ = "conversation_ref"
    __table_args__ = (UniqueConstraint("aad_object_id", "conversation_id", name="uq_conversation_ref_user_conv"),)

    id: int | None = Field(default=None, primary_key=True)
    aad_object_id: str = Field(default="", max_length=64, index=True)  # "" for a team/group-chat reference
    user_id: str = Field(default="", max_length=200)  # the channel's id of the user (29:…)
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320, index=True)  # e-mail or UPN, lower-case
    tenant_id: str = Field(default="", max_length=64)
    locale: str = Field(default="", max_length=16)  # the Teams locale
    language: str = Field(default="", max_length=2)  # the user's choice ("skriv nynorsk"): nb | nn | en; "" = the locale
    channel_id: str = Field(default="msteams", max_length=32)
    service_url: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    conversation_id: str = Field(max_length=300, index=True)
    conversation_type: str = Field(default="personal", max_length=16)  # personal | channel | groupChat
    team_id: str = Field(default="", max_length=300, index=True)
    bot_id: str = Field(default="", max_length=200)
    reference: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    installed: bool = True
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class ConversationState(SQLModel, table=True):
    __tablename__ = "conversation_state"

    conversation_id: str = Field(primary_key=True, max_length=300)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Feedback(SQLModel, table=True):
    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    helpful: bool
    kind: str = Field(default="", max_length=32)  # kind of the answer rated
    query: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    agreement_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    user_hash: str = Field(default="", max_length=64)  # salted sha256 of the Entra id, or ""
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)


class QuestionLog(SQLModel, table=True):
    __tablename__ = "question_log"

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=32, index=True)  # no_agreement | negative_feedback
    as_of: dt.date | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
