"""What the search reads besides the register: ranking weights and thresholds
(`knowledge/search/ranking.yaml`) and CPV labels (bokmål and English, knowledge/taxonomy/cpv-nb.csv).

What words mean — everyday items, trade names, situations in bokmål, nynorsk and English — is
the taxonomy's (knowledge/taxonomy/, bot.search.fields), not a list of translations here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, Field

from agreements_sync.knowledge import knowledge_path, load_model


class MatchWeights(BaseModel):
    literal: float = 1.0
    spelling_variant: float = 0.95
    compound_parts: float = 0.9
    fuzzy: float = 0.85
    head_only: float = 0.55
    compound_when_known: float = 1.0  # a known word's split into parts counts this share


class AnswerRules(BaseModel):
    """When the search says "this is the agreement", offers candidates, or says "none"."""

    strong: float = 0.62  # a best score from here on (and clear of rivals) is "the agreement"
    weak: float = 0.3  # below this there is no candidate worth showing
    margin: float = 0.85  # clear: the best other-need rival scores below best × margin
    understood: float = 0.6  # … and at least this share of the question was understood
    field_clear: float = 0.7  # a field of purchase this clear, with no active agreement in it → "none"
    field_link: float = 0.6  # an agreement linked to a field this strongly keeps it from reading "uncovered"
    # a field of purchase this sure, that no active agreement covers, is "none" even when weaker
    # matches elsewhere would be offered as candidates (None: off)
    field_sure: float | None = None


class Ranking(BaseModel):
    fields: dict[str, float]
    compound_part: float = 0.85
    multi_field_bonus: float = 0.08
    match: MatchWeights = Field(default_factory=MatchWeights)
    context_importance: float = 0.45
    min_score: float = 0.5
    active_vs_inactive: float = 0.75
    alternative_share: float = 0.6
    parallel_share: float = 0.85
    answer: AnswerRules = Field(default_factory=AnswerRules)


@dataclass(frozen=True)
class Vocabulary:
    ranking: Ranking
    cpv: dict[str, dict]


def load_vocabulary() -> Vocabulary:
    return Vocabulary(load_model("search/ranking.yaml", Ranking), load_cpv())


@lru_cache(maxsize=1)
def load_cpv() -> dict[str, dict]:
    """The CPV codes with bokmål and English labels (knowledge/taxonomy/cpv-nb.csv, DFØ, CC BY 4.0),
    each with its parent in the hierarchy (trailing zeros mark the level)."""
    from bot.taxonomy.knowledge import CPV_FILE, read_cpv

    codes = read_cpv(knowledge_path(CPV_FILE))
    table: dict[str, dict] = {}
    for code, entry in codes.items():
        significant = code.rstrip("0")
        level = max(len(significant) - 1, 1)
        parent = None
        for length in range(len(significant) - 1, 1, -1):
            candidate = significant[:length].ljust(8, "0")
            if candidate in codes and candidate != code:
                parent = candidate
                break
        table[code] = {"nb": entry.nb, "en": entry.en, "level": level, **({"parent": parent} if parent else {})}
    return table


def cpv_labels(code: str, cpv: dict[str, dict], *, languages: tuple[str, ...] = ("nb", "en")) -> tuple[list[str], list[str]]:
    """Labels of a CPV code ("39130000-2") and of its parents below division level."""
    digits = code.strip().split("-")[0][:8]
    own: list[str] = []
    parents: list[str] = []
    entry = cpv.get(digits)
    if entry is None:
        return own, parents
    own = [entry[lang] for lang in languages if entry.get(lang)]
    parent = entry.get("parent")
    seen = {digits}
    while parent and parent not in seen:
        seen.add(parent)
        pentry = cpv.get(parent)
        if not pentry or pentry.get("level", 0) <= 1 or parent.endswith("000000"):
            break
        parents.extend(pentry[lang] for lang in languages if pentry.get(lang))
        parent = pentry.get("parent")
    return own, parents
