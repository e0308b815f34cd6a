"""General knowledge of what municipalities buy (fields of purchase), shared by search and authority.

    from bot.taxonomy import classify
    hits = classify("ny snøfreser til vaktmesteren")   # best first
    hits[0].field.kind, hits[0].field.also, hits[0].field.flags, hits[0].score

`classify` reads a text the way the agreement search reads a question (bot.search.fields) and
returns the fields of purchase it is about, each with a score in [0, ~1.1]: the share of the
text's words the field explains.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from bot.taxonomy.knowledge import KINDS, Taxonomy, TaxonomyField, load_taxonomy

if TYPE_CHECKING:
    from bot.search.fields import FieldHit, FieldMatcher

__all__ = ["KINDS", "Taxonomy", "TaxonomyField", "classify", "field_matcher", "load_taxonomy"]

_lock = threading.Lock()
_matcher: FieldMatcher | None = None


def field_matcher() -> FieldMatcher:
    """The process's one FieldMatcher (built on first use, a few seconds)."""
    global _matcher
    with _lock:
        if _matcher is None:
            from bot.search.fields import FieldMatcher

            _matcher = FieldMatcher()
        return _matcher


def classify(text: str, limit: int = 5) -> list[FieldHit]:
    """The fields of purchase `text` is about, best first (empty when nothing is recognised)."""
    return field_matcher().match(text, limit=limit).hits
