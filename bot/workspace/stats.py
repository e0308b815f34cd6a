"""What employees ask, counted for the workspace's overview.

`count_answer` is called once per answered question (bot/conversation/turn.py) and adds one to
the day's count of that kind of answer, and one per field of purchase the question was read as
(`field:<id>`). Counts only: no text and no identity. The overview reads them back per day and
week, with the logged questions (bot.conversation.models.QuestionLog) and the "not helpful"
ratings (Feedback).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.conversation.models import Feedback
from bot.workspace.models import AnswerTally

# The kinds of answer the overview shows, from `Answer.kind`.
AGREEMENT = "agreement"
UNSURE = "candidates"
NONE = "no_agreement"
UNKNOWN = "unknown"
AUTHORITY = "authority"
OTHER = "other"
KINDS = (AGREEMENT, UNSURE, NONE, UNKNOWN, AUTHORITY, OTHER)
_KIND_OF_ANSWER = {
    "agreement": AGREEMENT, "category": AGREEMENT,
    "candidates": UNSURE,
    "no_agreement": NONE, "no_active_agreement": NONE,
    "unknown": UNKNOWN,
    "authority": AUTHORITY, "clarify": AUTHORITY,
    "courses": OTHER, "course": OTHER, "alerts_overview": OTHER,
}
FIELD_PREFIX = "field:"


def tally_kind(answer_kind: str) -> str:
    """The overview's kind of an answer; "" for what is no question (help, thanks, buttons)."""
    return _KIND_OF_ANSWER.get(answer_kind, "")


def _add(session: Session, day: dt.date, kind: str) -> None:
    kind = kind[:32]
    changed = session.execute(
        update(AnswerTally).where(col(AnswerTally.day) == day, col(AnswerTally.kind) == kind).values(count=AnswerTally.count + 1)
    )
    if getattr(changed, "rowcount", 0):
        return
    try:
        with session.begin_nested():
            session.add(AnswerTally(day=day, kind=kind, count=1))
    except IntegrityError:  # another instance made the day's row first
        session.execute(
            update(AnswerTally).where(col(AnswerTally.day) == day, col(AnswerTally.kind) == kind).values(count=AnswerTally.count + 1)
        )


def count_answer(session: Session, day: dt.date, kind: str, fields: Iterable[Any] = ()) -> None:
    _add(session, day, kind)
    seen: set[str] = set()
    for item in list(fields)[:3]:
        ident = str(item.get("id") or "") if isinstance(item, dict) else str(item or "")
        if ident and ident not in seen:
            seen.add(ident)
            _add(session, day, FIELD_PREFIX + ident)


@dataclass
class Series:
    """Counts per day (or week) and kind over a period."""

    days: list[dt.date]
    counts: dict[str, list[int]] = field(default_factory=dict)  # kind → one count per day

    def total(self, kind: str) -> int:
        return sum(self.counts.get(kind, []))


def daily(session: Session, first: dt.date, last: dt.date) -> Series:
    """Questions per day by kind of answer, plus `rated_down` (the "not helpful" ratings)."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    position = {day: n for n, day in enumerate(days)}
    series = Series(days, {kind: [0] * len(days) for kind in (*KINDS, "rated_down")})
    rows = session.exec(select(AnswerTally).where(col(AnswerTally.day) >= first, col(AnswerTally.day) <= last)).all()
    for row in rows:
        if row.kind in series.counts and row.day in position:
            series.counts[row.kind][position[row.day]] += row.count
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    for created in session.exec(select(Feedback.created_at).where(col(Feedback.helpful).is_(False),
                                                                   col(Feedback.created_at) >= start, col(Feedback.created_at) < end)).all():
        day = created.date() if isinstance(created, dt.datetime) else created
        if day in position:
            series.counts["rated_down"][position[day]] += 1
    return series


def weekly(series: Series) -> Series:
    """The daily series summed per ISO week (each week named by its Monday)."""
    weeks: list[dt.date] = []
    index: dict[dt.date, int] = {}
    for day in series.days:
        monday = day - dt.timedelta(days=day.weekday())
        if monday not in index:
            index[monday] = len(weeks)
            weeks.append(monday)
    counts = {kind: [0] * len(weeks) for kind in series.counts}
    for n, day in enumerate(series.days):
        w = index[day - dt.timedelta(days=day.weekday())]
        for kind, values in series.counts.items():
            counts[kind][w] += values[n]
    return Series(weeks, counts)


def top_fields(session: Session, first: dt.date, last: dt.date, limit: int = 8) -> list[tuple[str, int]]:
    """The fields of purchase asked about most in the period: (field id, questions)."""
    totals: dict[str, int] = {}
    rows = session.exec(select(AnswerTally).where(col(AnswerTally.day) >= first, col(AnswerTally.day) <= last,
                                                  col(AnswerTally.kind).startswith(FIELD_PREFIX))).all()
    for row in rows:
        ident = row.kind[len(FIELD_PREFIX):]
        totals[ident] = totals.get(ident, 0) + row.count
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
