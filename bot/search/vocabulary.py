"""The search vocabulary in `knowledge/search/`: concepts, CPV labels and ranking weights.

A *concept* maps everyday words, items, brands and English or nynorsk terms (`terms`) to the
words agreement registers use for them (`means`): rotte, mus, veggedyr → skadedyr. All files
`knowledge/search/vocabulary*.yaml` / `knowledge/search/vocabulary/*.yaml` are read and merged.
`cpv.json` is the EU CPV list (built by scripts/build_cpv_vocabulary.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from agreements_sync.knowledge import KnowledgeError, knowledge_path, load_model


class Concept(BaseModel):
    terms: list[str] = Field(min_length=1)
    means: list[str] = Field(min_length=1)
    note: str = ""


class VocabularyFile(BaseModel):
    domain: str = ""
    concepts: list[Concept]


class MatchWeights(BaseModel):
    literal: float = 1.0
    spelling_variant: float = 0.95
    compound_parts: float = 0.9
    fuzzy: float = 0.85
    vocabulary: float = 0.9
    vocabulary_from_part: float = 0.75
    vocabulary_from_modifier: float = 0.45
    head_only: float = 0.55


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


@dataclass(frozen=True)
class Vocabulary:
    concepts: tuple[Concept, ...]
    ranking: Ranking
    cpv: dict[str, dict]


def vocabulary_files() -> list[Path]:
    folder = knowledge_path("search")
    files = sorted(folder.glob("vocabulary*.yaml")) + sorted((folder / "vocabulary").glob("*.yaml"))
    return files


def load_vocabulary() -> Vocabulary:
    concepts: list[Concept] = []
    for path in vocabulary_files():
        concepts.extend(load_model(path, VocabularyFile).concepts)
    ranking = load_model("search/ranking.yaml", Ranking)
    return Vocabulary(tuple(concepts), ranking, load_cpv())


@lru_cache(maxsize=1)
def load_cpv() -> dict[str, dict]:
    path = knowledge_path("search/cpv.json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))["codes"]
    except FileNotFoundError:
        raise KnowledgeError(f"{path}: not found (run scripts/build_cpv_vocabulary.py)") from None
    except (ValueError, KeyError) as exc:
        raise KnowledgeError(f"{path}: not a CPV vocabulary file: {exc}") from None


def cpv_labels(code: str, cpv: dict[str, dict], *, languages: tuple[str, ...] = ("da", "en", "sv")) -> tuple[list[str], list[str]]:
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
