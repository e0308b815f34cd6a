"""Tables of the procurement section's workspace (migration 0009).

- `AnswerTally`: how many questions the bot answered per day and kind of answer (agreement,
  candidates, no agreement, authority …). Counts only — no text, no identity — so the overview can
  chart every question, not just the logged ones.
- `QuestionAction`: what the section did with a question to act on: linked it to an agreement,
  confirmed "no agreement", marked "we need an agreement for this", or set it aside. Keyed by the
  question's normalised text, so every logged repeat of it is settled at once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.db import utcnow

LINKED = "linked"
NO_AGREEMENT = "none"
NEED = "need"
DISMISSED = "dismissed"
ACTIONS = (LINKED, NO_AGREEMENT, NEED, DISMISSED)


class AnswerTally(SQLModel, table=True):
    __tablename__ = "answer_tally"
    __table_args__ = (UniqueConstraint("day", "kind", name="uq_answer_tally_day_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    day: dt.date = Field(index=True)  # the day in Europe/Oslo
    kind: str = Field(max_length=32)  # agreement | candidates | no_agreement | unknown | authority | other
    count: int = 0


class QuestionAction(SQLModel, table=True):
    __tablename__ = "question_action"

    id: int | None = Field(default=None, primary_key=True)
    question_key: str = Field(max_length=300, index=True)  # normalised question text
    question: str = Field(sa_column=Column(Text, nullable=False))
    action: str = Field(max_length=16)  # linked | none | need | dismissed
    agreement_id: str = Field(default="", max_length=64)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    actor: str = Field(default="", max_length=320)
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
