"""General knowledge of what municipalities buy (fields of purchase), shared by search and authority.

    from bot.taxonomy import classify
    hits = classify("ny snøfreser til vaktmesteren")   # best first
    hits[0].field.kind, hits[0].field.also, hits[0].field.flags, hits[0].score

`classify` reads a text the way the agreement search reads a question (bot.search.fields) and
returns the fields of purchase it is about, each with a score in [0, ~1.1]: the share of the
text's words the field explains.

When the agreement search runs its semantic step (INNKJOPSBOT_SEARCH_SEMANTIC), it hands its
taxonomy vectors to `use_field_vectors`; from then on `classify` reads a text the way the search
reads a question: the words, nudged by the text's semantic nearness to each field (a bounded
boost, bot.search.semantic). "Omlåsing av heile skulen" or "a camera inspection of a sewer line"
then find their field though few of their words are in its vocabulary.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot.taxonomy.knowledge import KINDS, Taxonomy, TaxonomyField, load_taxonomy

if TYPE_CHECKING:
    import numpy as np

    from bot.search.fields import FieldHit, FieldMatcher
    from bot.search.semantic import FieldVectors

__all__ = ["KINDS", "Taxonomy", "TaxonomyField", "classify", "field_matcher", "load_taxonomy", "use_field_vectors"]

_vectors: FieldVectors | None = None


def field_matcher() -> FieldMatcher:
    """The process's FieldMatcher (shared with the search; rebuilt only when the knowledge changes)."""
    from bot.search.fields import shared_field_matcher

    return shared_field_matcher()


def use_field_vectors(vectors: FieldVectors | None) -> None:
    """The taxonomy's semantic vectors (None: words only). Used once they are complete."""
    global _vectors
    _vectors = vectors
    _boost.cache_clear()


@lru_cache(maxsize=512)
def _boost(text: str) -> np.ndarray | None:
    vectors = _vectors
    if vectors is None or not vectors.complete:
        return None
    from bot.search.semantic import Embedder

    return vectors.boost(Embedder.query(text))


def classify(text: str, limit: int = 5) -> list[FieldHit]:
    """The fields of purchase `text` is about, best first (empty when nothing is recognised)."""
    matcher = field_matcher()
    boost: Any = _boost(text) if _vectors is not None else None
    if boost is None:
        return matcher.match(text, limit=limit).hits
    from bot.search.semantic import FIELD_BOOST_CAP

    return matcher.match(text, limit=limit, boost=boost, boost_cap=FIELD_BOOST_CAP).hits
