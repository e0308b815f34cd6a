"""The bot learns the municipality's words: questions linked to the right agreement.

Two sources, one table (`taught_answer`):
- **the procurement section** links a question to an agreement, or confirms that no active
  agreement covers it (in its Teams workspace, or `innkjopsbot teach`). Such a link answers every
  later question that means the same, and `--json` says so (`why: ["taught"]`, `taught: {…}`).
- **employees** pick one of the candidates the bot offered when it was unsure. One pick puts that
  agreement first among the candidates of questions that mean the same; when two different
  people picked the same agreement, it is the answer. Picks show up in the section's workspace,
  where they can be confirmed (a section link) or retired.

"Means the same" is measured on the question's words as the search reads them (lemmas,
compounds, spelling variants, nynorsk): the importance-weighted overlap of the two questions'
content words (context words — for whom, where — count less).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Text, func
from sqlmodel import Field, Session, SQLModel, col, select

from bot.db import utcnow
from bot.search.engine import Group, analyse
from bot.search.index import SearchIndex
from bot.search.text import word_keys

SECTION = "section"
EMPLOYEE = "employee"
SAME_QUESTION = 0.75  # weighted overlap from which two questions mean the same
EMPLOYEES_TO_AGREE = 2  # distinct employees whose picks make an answer


class TaughtAnswer(SQLModel, table=True):
    """A question linked to the agreement that answers it ("" = no active agreement covers it)."""

    __tablename__ = "taught_answer"

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(sa_column=Column(Text, nullable=False))
    agreement_id: str = Field(default="", max_length=64, index=True)  # "" = none
    source: str = Field(default=SECTION, max_length=16)  # section | employee
    taught_by: str = Field(default="", max_length=64)  # pseudonym (salted hash) of who taught it
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    retired: bool = False


def teach(
    session: Session, question: str, agreement_id: str | None, *, source: str = SECTION, taught_by: str = ""
) -> TaughtAnswer:
    """Link `question` to `agreement_id` (None or "" = confirmed: no active agreement)."""
    question = " ".join(question.split())[:1000]
    if not question:
        raise ValueError("the question is empty")
    row = TaughtAnswer(question=question, agreement_id=(agreement_id or "")[:64], source=source,
                       taught_by=taught_by[:64])
    session.add(row)
    session.flush()
    return row


def retire(session: Session, taught_id: int) -> bool:
    row = session.get(TaughtAnswer, taught_id)
    if row is None or row.retired:
        return False
    row.retired = True
    session.add(row)
    return True


def taught_rows(session: Session, *, include_retired: bool = False) -> list[TaughtAnswer]:
    query = select(TaughtAnswer).order_by(col(TaughtAnswer.id))
    if not include_retired:
        query = query.where(col(TaughtAnswer.retired).is_(False))
    return list(session.exec(query).all())


def taught_version(session: Session) -> tuple[int, int]:
    """Changes when something is taught or retired (count of rows, count of retired)."""
    total = session.exec(select(func.count()).select_from(TaughtAnswer)).one()
    retired = session.exec(select(func.count()).select_from(TaughtAnswer).where(col(TaughtAnswer.retired).is_(True))).one()
    return int(total), int(retired)


def pseudonym(value: str) -> str:
    return hashlib.sha256(("innkjopsbot-teach:" + value).encode()).hexdigest()[:32] if value else ""


# --- matching ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """A question's content words as keysets, each with its weight."""

    words: tuple[tuple[frozenset[str], float], ...]

    @property
    def weight(self) -> float:
        return sum(w for _, w in self.words)


def signature(index: SearchIndex, question: str) -> Signature:
    return _signature(analyse(index, question))


def _signature(groups: list[Group]) -> Signature:
    words: list[tuple[frozenset[str], float]] = []
    for group in groups:
        keys: set[str] = set()
        for piece in group.surface.split():
            keys |= word_keys(piece)
        for alt in group.alts:
            if alt.via in ("literal", "spelling", "fuzzy") and len(alt.keysets) == 1:
                keys |= alt.keysets[0]
        if keys:
            words.append((frozenset(keys), 0.3 if group.context else 1.0))
    return Signature(tuple(words))


def similarity(a: Signature, b: Signature) -> float:
    """Weighted overlap of two questions' content words, in [0, 1]."""
    if not a.words or not b.words:
        return 0.0
    matched_a = sum(w for keys, w in a.words if any(keys & other for other, _ in b.words))
    matched_b = sum(w for keys, w in b.words if any(keys & other for other, _ in a.words))
    return (matched_a + matched_b) / (a.weight + b.weight)


@dataclass
class TaughtMatch:
    agreement_id: str  # "" = taught "no active agreement"
    question: str
    similarity: float
    source: str  # section | employee
    people: int = 1  # distinct employees who picked it (employee source)

    @property
    def decisive(self) -> bool:
        return self.source == SECTION or self.people >= EMPLOYEES_TO_AGREE

    def to_json(self) -> dict[str, Any]:
        return {"agreement_id": self.agreement_id or None, "question": self.question,
                "similarity": round(self.similarity, 3), "source": self.source, "people": self.people}


@dataclass
class TaughtIndex:
    """The taught questions, read against one search index."""

    entries: list[tuple[TaughtAnswer, Signature]] = field(default_factory=list)
    version: tuple[int, int] = (0, 0)

    @classmethod
    def build(cls, index: SearchIndex, rows: list[TaughtAnswer], version: tuple[int, int] = (0, 0)) -> TaughtIndex:
        return cls([(row, signature(index, row.question)) for row in rows if not row.retired], version)

    def match(self, groups: list[Group]) -> TaughtMatch | None:
        """The taught answer for a question that means the same as a taught one: the section's
        link first; else the employees' most picked agreement."""
        if not self.entries:
            return None
        question = _signature(groups)
        section: TaughtMatch | None = None
        picks: dict[str, tuple[set[str], float, str]] = {}
        for row, sig in self.entries:
            value = similarity(question, sig)
            if value < SAME_QUESTION:
                continue
            if row.source == SECTION:
                if section is None or value >= section.similarity:  # the closest; the newest of equals
                    section = TaughtMatch(row.agreement_id, row.question, value, SECTION)
            elif row.agreement_id:
                people, best, text = picks.get(row.agreement_id, (set(), 0.0, row.question))
                people.add(row.taught_by or f"row-{row.id}")
                picks[row.agreement_id] = (people, max(best, value), text if best >= value else row.question)
        if section is not None:
            return section
        if not picks:
            return None
        agreement_id, (people, value, text) = max(picks.items(), key=lambda kv: (len(kv[1][0]), kv[1][1]))
        return TaughtMatch(agreement_id, text, value, EMPLOYEE, len(people))
