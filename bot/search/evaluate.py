"""Measuring the search on a question file (`id;query;expected;note`).

`expected` is one agreement id, several equally right ids separated by `|` (parallel
agreements: any of them counts for top-1), or `NONE` when no active agreement covers the
need: such a question is right only when the search says "no active agreement".
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.search.models import SearchResult


@dataclass
class Question:
    id: str
    query: str
    expected: tuple[str, ...]  # () means NONE
    note: str = ""


@dataclass
class Evaluation:
    total: int = 0
    top1: int = 0
    top3: int = 0
    none_expected: int = 0
    none_said: int = 0
    none_right: int = 0
    misses: list[dict] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.total if self.total else 0.0

    @property
    def none_precision(self) -> float:
        return self.none_right / self.none_said if self.none_said else 1.0

    @property
    def none_recall(self) -> float:
        return self.none_right / self.none_expected if self.none_expected else 1.0

    def to_json(self) -> dict:
        return {
            "questions": self.total, "top1": round(self.top1_rate, 4), "top3": round(self.top3_rate, 4),
            "no_active_precision": round(self.none_precision, 4), "no_active_recall": round(self.none_recall, 4),
            "no_active_expected": self.none_expected, "no_active_said": self.none_said, "misses": self.misses,
        }


def read_questions(path: Path) -> list[Question]:
    """Questions of a `;`-separated file; errors name the file and line."""
    questions: list[Question] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        missing = {"query", "expected"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: line 1: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            query = (row.get("query") or "").strip()
            expected = (row.get("expected") or "").strip()
            if not query or not expected:
                raise ValueError(f"{path}: line {line}: empty query or expected")
            ids = () if expected.upper() == "NONE" else tuple(e.strip() for e in expected.split("|") if e.strip())
            questions.append(Question(row.get("id") or str(line), query, ids, row.get("note") or ""))
    return questions


def evaluate(questions: list[Question], search: Callable[[str], SearchResult]) -> Evaluation:
    result = Evaluation()
    for question in questions:
        answer = search(question.query)
        result.total += 1
        said_none = answer.no_active_agreement
        result.none_said += said_none
        ids = answer.ids
        if not question.expected:
            result.none_expected += 1
            right1 = right3 = said_none
            result.none_right += said_none
        else:
            right1 = not said_none and bool(ids) and ids[0] in question.expected
            right3 = not said_none and any(i in question.expected for i in ids[:3])
        result.top1 += right1
        result.top3 += right3
        if not right1:
            result.misses.append({
                "id": question.id, "query": question.query, "expected": "|".join(question.expected) or "NONE",
                "got": ids[:3] if not said_none else "NONE",
                "inactive": [h.id for h in answer.inactive_matches],
            })
    return result


def evaluate_file(path: Path, search: Callable[[str], SearchResult]) -> Evaluation:
    return evaluate(read_questions(path), search)


__all__ = ["Evaluation", "Question", "dt", "evaluate", "evaluate_file", "read_questions"]
