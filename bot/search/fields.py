"""Text → fields of purchase (the taxonomy in `knowledge/taxonomy/`).

The taxonomy's fields are indexed with the same machinery as agreements (`build_index`): each
field is a document whose title is its names, whose keywords are its terms (bokmål, nynorsk,
English, trade names), whose description is its situations, and whose CPV labels are the
Norwegian labels of its codes. A text — a question, or an agreement's title and scope — is read
exactly as a question is read (framing dropped, lemmas, compounds, spelling variants, typos)
and scored against every field: the importance-weighted share of its words that the field
explains. So "det er maur i personalrommet" is about pest control, "brødrister" about household
appliances, "Jif" about cleaning products.

`FieldMatcher.match(text)` → the fields, best first, each with its score in [0, ~1.1] and the
words that matched. Scores of different texts are comparable: the share of the text explained.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import numpy as np

from agreements_sync.knowledge import knowledge_dir
from bot.search.engine import Group, analyse, explain, group_scores, score
from bot.search.index import SearchIndex, build_index
from bot.search.models import AgreementDoc
from bot.search.text import Analyzer
from bot.search.vocabulary import Vocabulary, load_vocabulary
from bot.taxonomy.knowledge import Taxonomy, TaxonomyField, load_taxonomy

CORE_TERMS = 2  # a field's first one-word terms are its core (title)
FIELD_KEYWORD_WEIGHT = 0.9  # a field's other one-word terms, relative to its core
FIELD_COMPOUND_PART = 0.6  # a key found in a compound part of a field's term counts this share
SPECIFICITY_FLOOR = 0.25  # a word found in every field counts a quarter of a word found in one
AMBIGUOUS_SHARE = 0.8  # a word's matches within this share of its best match make it ambiguous
DOMINATED_SHARE = 0.85  # a word's matches below this share of its best match are not evidence
PHRASE_WORDS = (2, 4)  # a field's term of this many words, found whole in a text, …
PHRASE_MATCH = 1.0  # … matches each of its words as fully as the field's core ("personal trainer")


@dataclass
class FieldHit:
    field: TaxonomyField
    score: float
    matched: list[str] = dataclass_field(default_factory=list)  # the text's words that matched

    @property
    def id(self) -> str:
        return self.field.id

    def to_json(self) -> dict:
        return {"id": self.field.id, "name": self.field.name.nb, "kind": self.field.kind, "score": round(self.score, 4),
                "matched": self.matched}


@dataclass
class FieldMatch:
    """A text read against the taxonomy: the fields it is about, and how much of it was understood."""

    hits: list[FieldHit]
    groups: list[Group]
    scores: np.ndarray  # per field, in taxonomy order: the share of the text the field explains
    matrix: np.ndarray  # per word (group) and field: how well the word matches the field

    def evidence(self) -> np.ndarray:
        """The word × field matrix with each word's matches discounted by its ambiguity: a word
        that matches k fields about equally well ("ruter": window panes, bus routes, network
        routers) tells each of them 1/sqrt(k) as much as a word that belongs to one field."""
        matrix = self.matrix
        if matrix.size == 0:
            return matrix
        best = matrix.max(axis=1, keepdims=True)
        close = (matrix >= AMBIGUOUS_SHARE * best) & (best > 0)
        k = np.maximum(close.sum(axis=1, keepdims=True), 1)
        # a word's much weaker matches ("trepleie" → tree care exactly, dental care by its head
        # "pleie") are not evidence at all
        dominated = matrix < DOMINATED_SHARE * best
        return np.where(dominated, 0.0, matrix / np.sqrt(k)).astype(np.float32)

    def named(self) -> np.ndarray:
        """Per field: how well the text's main words name an item of it (a word's weaker matches
        suppressed, no ambiguity discount): "hjertestartere" names the defibrillator field."""
        if not self.groups:
            return np.zeros(self.matrix.shape[1], dtype=np.float32)
        best = self.matrix.max(axis=1, keepdims=True)
        kept = np.where(self.matrix < DOMINATED_SHARE * best, 0.0, self.matrix)
        weights = np.array([0.0 if g.context else min(g.importance, 1.0) for g in self.groups], dtype=np.float32)[:, None]
        return (kept * weights).max(axis=0)

    def peak(self) -> np.ndarray:
        """Per field: its best single word, weighted by that word's importance and ambiguity (a
        title that names the field among other things still belongs to it)."""
        if not self.groups:
            return np.zeros(self.matrix.shape[1], dtype=np.float32)
        weights = np.array([min(g.importance, 1.0) for g in self.groups], dtype=np.float32)[:, None]
        return (self.evidence() * weights).max(axis=0)

    def share(self) -> np.ndarray:
        """Per field: the importance-weighted share of the text it explains, ambiguity discounted."""
        if not self.groups:
            return np.zeros(self.matrix.shape[1], dtype=np.float32)
        weights = np.array([g.importance for g in self.groups], dtype=np.float32)
        return (weights @ self.evidence()) / max(float(weights.sum()), 1e-9)

    @property
    def best(self) -> FieldHit | None:
        return self.hits[0] if self.hits else None

    @property
    def understood(self) -> bool:
        """Some word of the text is known to the taxonomy."""
        return any(g.alts for g in self.groups)


def field_doc(item: TaxonomyField) -> AgreementDoc:
    """A field of purchase as a document for the shared index machinery. The title is the field's
    core: its names (without their parenthesised examples) and its first terms. One-word terms
    and trade names are keywords (a little less than the core: "renhold" is cleaning services'
    core, only a keyword of a staffing agency's); the words of longer phrases, the names' examples
    and the situations count less each (description), since each alone says less than the whole."""
    words = [*item.terms, *item.nn, *item.en]
    single = [w for w in words if len(w.split()) == 1]
    phrases = [w for w in words if len(w.split()) > 1]
    names = [item.name.nb, item.name.nn, item.name.en]
    examples = [inner for name in names for inner in _PARENTHESES.findall(name)]
    core = [_PARENTHESES.sub(" ", name).strip() for name in names] + [t for t in item.terms if len(t.split()) == 1][:CORE_TERMS]
    return AgreementDoc(
        id=item.id,
        title=" / ".join(dict.fromkeys(core)),
        keywords=(*single, *item.brands),
        description=". ".join(s.rstrip(".!? ") for s in [*phrases, *examples, *item.situations]),
        cpv_codes=tuple(_full_code(code) for code in item.cpv),
    )


_PARENTHESES = re.compile(r"\(([^)]*)\)")


def _full_code(code: str) -> str:
    return code.ljust(8, "0")


class FieldMatcher:
    def __init__(self, taxonomy: Taxonomy | None = None, vocabulary: Vocabulary | None = None,
                 analyzer: Analyzer | None = None) -> None:
        self.taxonomy = taxonomy or load_taxonomy()
        base = vocabulary or load_vocabulary()
        # a question word found only inside a longer term of a field ("hest" in "sengehest") is
        # weaker evidence of the field than in an agreement's own text
        ranking = base.ranking.model_copy(update={
            "compound_part": FIELD_COMPOUND_PART,
            "fields": {**base.ranking.fields, "keywords": FIELD_KEYWORD_WEIGHT},
        })
        self.vocabulary = Vocabulary(ranking, base.cpv)
        self.analyzer = analyzer or Analyzer()
        self.fields: tuple[TaxonomyField, ...] = self.taxonomy.fields
        self.index: SearchIndex = build_index([field_doc(f) for f in self.fields], self.vocabulary, self.analyzer)
        self.index.specificity_floor = SPECIFICITY_FLOOR
        self.position = {f.id: i for i, f in enumerate(self.fields)}
        # the fields' terms of several words, as the analyzer reads them: a text that holds one
        # whole is about that field as surely as if it named its core ("personal trainer" is staff
        # fitness, though "trainer" alone is a course)
        self.phrases: dict[tuple[str, ...], list[int]] = {}
        low, high = PHRASE_WORDS
        for position, item in enumerate(self.fields):
            for term in dict.fromkeys([*item.terms, *item.nn, *item.en]):
                words = tuple(t.text.lower() for t in self.analyzer.tokens(term))
                if low <= len(words) <= high and position not in self.phrases.get(words, []):
                    self.phrases.setdefault(words, []).append(position)

    def _whole_phrases(self, groups: list[Group], matrix: np.ndarray) -> None:
        """Raise, in `matrix`, each word of a field's several-word term the text holds whole (its
        words in a row) to PHRASE_MATCH for that field."""
        words = [g.surface.lower() for g in groups]
        low, high = PHRASE_WORDS
        for start in range(len(words) - low + 1):
            for size in range(low, min(high, len(words) - start) + 1):
                for position in self.phrases.get(tuple(words[start:start + size]), ()):
                    column = matrix[start:start + size, position]
                    np.maximum(column, PHRASE_MATCH, out=column)

    def match(self, text: str, limit: int = 8, floor: float = 0.05, *, fuzzy: bool = True,
              boost: np.ndarray | None = None, boost_cap: float = 0.0) -> FieldMatch:
        """`fuzzy=False` for register texts (typos are a question's, not a register's: and
        correcting every unknown word of a long scope text is the slow part of reading it).
        `boost` (per field, bot.search.semantic.FieldVectors.boost) is added to the reading, but
        lifts no field above the reading's best field or `boost_cap`, whichever is higher."""
        groups = analyse(self.index, text, fuzzy=fuzzy)
        matrix = group_scores(self.index, groups)
        self._whole_phrases(groups, matrix)
        scores = score(self.index, groups, matrix)
        if boost is not None and len(boost) == len(scores):
            ceiling = max(float(scores.max()) if scores.size else 0.0, boost_cap)
            scores = np.maximum(scores, np.minimum(scores + boost, ceiling)).astype(np.float32)
        order = np.argsort(-scores, kind="stable")[:limit]
        hits = []
        for position in order:
            value = float(scores[position])
            if value < floor:
                break
            reasons = explain(self.index, int(position), groups)
            hits.append(FieldHit(self.fields[position], value, [r.query for r in reasons]))
        return FieldMatch(hits, groups, scores, matrix)

    def kind_of(self, text: str) -> tuple[str | None, list[FieldHit]]:
        """The kind of purchase the text is about, when its fields agree; else None."""
        match = self.match(text, limit=5)
        if not match.hits:
            return None, []
        best = match.hits[0]
        return best.field.kind, match.hits


_shared: dict[tuple, FieldMatcher] = {}
_shared_lock = threading.Lock()
# what a FieldMatcher is built from: the taxonomy, the search's ranking and language, the CPV list
_MADE_FROM = ("taxonomy", "search")


def _knowledge_stamp() -> tuple:
    root = knowledge_dir()
    files = sorted(p for part in _MADE_FROM if (root / part).is_dir() for p in (root / part).rglob("*") if p.is_file())
    return (str(root), *((str(p.relative_to(root)), p.stat().st_mtime_ns, p.stat().st_size) for p in files))


def shared_field_matcher() -> FieldMatcher:
    """The process's FieldMatcher for the knowledge as it is now: building one takes seconds and it
    depends on the knowledge files alone (not on the register), so every search service and the
    authority answer share one, rebuilt only when a file it is made from changes. Read-only once built."""
    stamp = _knowledge_stamp()
    with _shared_lock:
        matcher = _shared.get(stamp)
        if matcher is None:
            matcher = FieldMatcher()
            _shared.clear()
            _shared[stamp] = matcher
        return matcher
