"""Linking a register's agreements to the taxonomy's fields of purchase.

Done when the search index is built from a sync, for any register:
- by CPV code where the register has one: the agreement's code lies under a field's code
  (a strong link), or the agreement's code is broader than the field's (the agreement covers
  the field among others: a weaker link);
- by the agreement's own words where it has no code (or as well): its title, category and
  keywords are read against the taxonomy like a question, and so is the part of its scope text
  that is not an exclusion (at a lower weight, since scope text mentions places and users too).

`links[doc_index]` maps a field's position in the taxonomy to a strength in [0, 1]; only the
fields that are clearly the agreement's are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.search.fields import FieldMatcher
from bot.search.index import split_exclusions
from bot.search.models import AgreementDoc
from bot.taxonomy.knowledge import cpv_prefix, normalise_cpv

# strength of a CPV link by the length of the field's code prefix (longer = more specific)
CPV_UNDER = {2: 0.55, 3: 0.75, 4: 0.9}
CPV_UNDER_SPECIFIC = 1.0  # 5 digits and more
CPV_BROADER = 0.6  # the agreement's code is a parent of the field's: it covers the field among others
TEXT_WEIGHTS = {"title": 1.0, "keywords": 1.0, "category": 0.8}
DESCRIPTION_WEIGHT = 0.6  # the scope text's strongest field, relative to the others
DESCRIPTION_MIN_SHARE = 0.15  # … when at least this share of the scope text's words support it
KEEP_SHARE = 0.5  # keep links of at least this share of the agreement's strongest link
MIN_LINK = 0.35


@dataclass(frozen=True)
class LinkReason:
    how: str  # cpv | title | keywords | category | description
    detail: str


def _cpv_links(codes: Sequence[str], field_codes: list[tuple[int, str]]) -> dict[int, tuple[float, str]]:
    found: dict[int, tuple[float, str]] = {}
    for raw in codes:
        code = normalise_cpv(raw)[:8]
        if len(code) != 8 or not code.isdigit():
            continue
        significant = cpv_prefix(code)
        for position, prefix in field_codes:
            if code.startswith(prefix):
                strength = CPV_UNDER.get(len(prefix), CPV_UNDER_SPECIFIC)
            elif prefix.startswith(significant) and len(significant) >= 3:
                strength = CPV_BROADER
            else:
                continue
            if strength > found.get(position, (0.0, ""))[0]:
                found[position] = (strength, code)
    return found


def link_agreements(docs: Sequence[AgreementDoc], matcher: FieldMatcher) -> list[dict[int, float]]:
    """For each agreement: {field position: strength}."""
    field_codes = [(i, cpv_prefix(code) if len(code) == 8 else code) for i, f in enumerate(matcher.fields) for code in f.cpv]
    cache: dict[str, np.ndarray] = {}
    empty = np.zeros(len(matcher.fields), np.float32)

    def peak(text: str) -> np.ndarray:
        if text not in cache:
            cache[text] = matcher.match(text, limit=0).peak() if text.strip() else empty
        return cache[text]

    def description(text: str) -> np.ndarray:
        """The scope text's fields: by the share of its words they explain, relative to the best."""
        if not text.strip():
            return empty
        share = matcher.match(text, limit=0).share()
        top = float(share.max())
        if top < DESCRIPTION_MIN_SHARE:
            return empty
        return np.where(share >= DESCRIPTION_MIN_SHARE, share / top, 0.0).astype(np.float32) * DESCRIPTION_WEIGHT

    result: list[dict[int, float]] = []
    for doc in docs:
        strength = np.zeros(len(matcher.fields), dtype=np.float32)
        for position, (value, _code) in _cpv_links(doc.cpv_codes, field_codes).items():
            strength[position] = max(strength[position], value)
        positive, _excluded = split_exclusions(doc.description, matcher.analyzer)
        texts = {"title": doc.title, "keywords": ", ".join(doc.keywords), "category": doc.category}
        for name, text in texts.items():
            if text:
                np.maximum(strength, np.minimum(peak(text), 1.0) * TEXT_WEIGHTS[name], out=strength)
        np.maximum(strength, description(positive), out=strength)
        top = float(strength.max()) if strength.size else 0.0
        keep = np.nonzero(strength >= max(MIN_LINK, top * KEEP_SHARE))[0]
        result.append({int(i): round(float(strength[i]), 4) for i in keep})
    return result
