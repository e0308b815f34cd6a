"""Linking a register's agreements to the taxonomy's fields of purchase.

Done when the search index is built from a sync, for any register:
- by CPV code where the register has one: the agreement's code lies under a field's code
  (a strong link), or the agreement's code is broader than the field's (the agreement covers
  the field among others: a weaker link);
- by the agreement's own words where it has no code (or as well): its title, category and
  keywords are read against the taxonomy like a question, and so is the part of its scope text
  that is not an exclusion (by the share of its words a field explains: scope text mentions
  places and users too).
A word or a code that fits several fields about equally counts less for each of them.

`links[doc_index]` maps a field's position in the taxonomy to a strength in (0, 1]: the sum
of its evidence, full from FULL_EVIDENCE on. A broad agreement ("medical consumables") is
linked to every field its scope names (wound care, gloves …), not only its main one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence

import numpy as np

from bot.search.fields import FieldMatcher
from bot.search.index import split_exclusions
from bot.search.models import AgreementDoc
from bot.search.text import fold, split_compound
from bot.taxonomy.knowledge import cpv_prefix, normalise_cpv

# strength of a CPV link by the length of the field's code prefix (longer = more specific)
CPV_UNDER = {2: 0.55, 3: 0.75, 4: 0.9}
CPV_UNDER_SPECIFIC = 1.0  # 5 digits and more
CPV_BROADER = 0.6  # the agreement's code is a parent of the field's: it covers the field among others
# How much each kind of evidence counts towards a field: the agreement's own words first.
EVIDENCE = {"title": 1.0, "title_share": 0.5, "keywords": 0.8, "category": 0.6, "description": 0.7,
            "description_item": 0.6, "cpv": 0.8}
FULL_EVIDENCE = 1.0  # this much evidence for a field links the agreement to it at full strength
MIN_LINK = 0.4  # weaker links are dropped
NAMED_ITEM = 0.8  # a word of the scope text matching a field this well names an item of it …
ITEM_LINK = 0.6  # … and links the agreement to that field at least this strongly
VIA_FROM = 0.8  # an agreement linked this strongly to a field a need is bought through (`via`) …
VIA_LINK = 0.6  # … covers that need as a secondary field
SOURCE_FLOOR = 0.3  # a text's match to a field below this is noise, not evidence
DESCRIPTION_MIN_SHARE = 0.12  # a scope text's field needs at least this share of its words


def _cpv_links(codes: Sequence[str], field_codes: list[tuple[int, str]]) -> dict[int, float]:
    """Per field: the CPV evidence, discounted when one code fits several fields equally (a
    shared parent code says less about which of them the agreement is)."""
    found: dict[int, float] = {}
    for raw in codes:
        code = normalise_cpv(raw)[:8]
        if len(code) != 8 or not code.isdigit():
            continue
        significant = cpv_prefix(code)
        this_code: dict[int, float] = {}
        for position, prefix in field_codes:
            if code.startswith(prefix):
                strength = CPV_UNDER.get(len(prefix), CPV_UNDER_SPECIFIC)
            elif prefix.startswith(significant) and len(significant) >= 3:
                strength = CPV_BROADER
            else:
                continue
            this_code[position] = max(this_code.get(position, 0.0), strength)
        if not this_code:
            continue
        best = max(this_code.values())
        close = sum(1 for v in this_code.values() if v >= 0.8 * best)
        for position, value in this_code.items():
            found[position] = max(found.get(position, 0.0), value / math.sqrt(close))
    return found


_SUSPENDED = re.compile(r"(?<![\w-])([^\W\d_]{3,})-\s+(og|eller|and|or)\s+([^\W\d_]{6,})", re.IGNORECASE)


def expand_suspended(text: str, known: frozenset[str] | set[str]) -> str:
    """"Kaffe- og drikkeautomater" → "kaffeautomater og drikkeautomater": a dangling first part
    shares the head of the compound after it (when that compound splits into known parts), so it is
    not read as a word of its own ("kaffe")."""
    def whole(match: re.Match[str]) -> str:
        first, conj, compound = match.group(1), match.group(2), match.group(3)
        parts = split_compound(fold(compound), known)
        if not parts or len(parts) < 2:
            return match.group(0)
        head = compound[-len(parts[-1]):]
        if fold(head) != parts[-1]:
            return match.group(0)
        return f"{first}{head} {conj} {compound}"
    return _SUSPENDED.sub(whole, text) if "-" in text else text


def link_agreements(
    docs: Sequence[AgreementDoc], matcher: FieldMatcher, remembered: dict[tuple, dict[int, float]] | None = None
) -> list[dict[int, float]]:
    """For each agreement: {field position: strength in (0, 1]}. `remembered` (the links of the
    previous build, by the agreement's texts) is used and refreshed: a re-sync re-reads only the
    agreements whose texts changed.

    Every kind of evidence (title, keywords, category, scope text, CPV) adds to a field.
    """
    field_codes = [(i, cpv_prefix(code) if len(code) == 8 else code) for i, f in enumerate(matcher.fields) for code in f.cpv]
    size = len(matcher.fields)
    cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    empty = np.zeros(size, np.float32)

    lexicon = matcher.index.known  # the taxonomy's words: what a compound splits into
    via = [(matcher.position[f.id], [matcher.position[other] for other in f.via]) for f in matcher.fields if f.via]

    def read(text: str) -> tuple[np.ndarray, np.ndarray]:
        """(peak, share) of a text against the taxonomy, ambiguity discounted; values below
        SOURCE_FLOOR are noise (a generic head word: "-tjenester") and do not count."""
        if not text.strip():
            return empty, empty
        if text not in cache:
            match = matcher.match(expand_suspended(text, lexicon), limit=0, fuzzy=False)
            peak, share = np.minimum(match.peak(), 1.0), np.minimum(match.share(), 1.0)
            cache[text] = (np.where(peak >= SOURCE_FLOOR, peak, 0.0), np.where(share >= SOURCE_FLOOR, share, 0.0))
        return cache[text]

    def read_description(text: str) -> tuple[np.ndarray, np.ndarray]:
        """(peak, share) of a scope text: its items by peak (noise floored), its topics by share."""
        if not text.strip():
            return empty, empty
        key = "\x00" + text
        if key not in cache:
            match = matcher.match(expand_suspended(text, lexicon), limit=0, fuzzy=False)
            peak = np.minimum(match.peak(), 1.0)
            cache[key] = (np.where(peak >= SOURCE_FLOOR, peak, 0.0), np.minimum(match.share(), 1.0))
            cache["\x01" + text] = (np.minimum(match.named(), 1.0), empty)
        return cache[key]

    result: list[dict[int, float]] = []
    fresh: dict[tuple, dict[int, float]] = {}
    for doc in docs:
        key = (doc.title, doc.keywords, doc.category, doc.description, doc.cpv_codes)
        known = remembered.get(key) if remembered is not None else None
        if known is not None:
            result.append(dict(known))
            fresh[key] = known
            continue
        evidence = np.zeros(size, dtype=np.float32)
        peak, share = read(doc.title)
        evidence += EVIDENCE["title"] * peak + EVIDENCE["title_share"] * share
        evidence += EVIDENCE["keywords"] * read(", ".join(doc.keywords))[0]
        evidence += EVIDENCE["category"] * read(doc.category)[0]
        positive, _excluded = split_exclusions(doc.description, matcher.analyzer)
        items, described = read_description(positive)
        named_items = cache["\x01" + positive][0] if positive.strip() else empty
        top_share = float(described.max()) if described.size else 0.0
        if top_share >= DESCRIPTION_MIN_SHARE:
            # the scope's main fields by share, and each item it lists ("kaffe, te, drikkevarer")
            relative = np.where(described >= DESCRIPTION_MIN_SHARE, described / top_share, 0.0)
            evidence += np.maximum(EVIDENCE["description"] * relative, EVIDENCE["description_item"] * items)
        for position, value in _cpv_links(doc.cpv_codes, field_codes).items():
            evidence[position] += EVIDENCE["cpv"] * value
        top = float(evidence.max()) if evidence.size else 0.0
        if top <= 0:
            result.append({})
            fresh[key] = {}
            continue
        # full strength from FULL_EVIDENCE on; a field far less supported than the agreement's
        # main one is a secondary field (√ of its share): covered, but less surely the answer
        strength = np.minimum(evidence / FULL_EVIDENCE, 1.0) * np.sqrt(evidence / top)
        # what the scope names outright ("… tømming av fettutskillere …") is covered
        strength = np.where(named_items >= NAMED_ITEM, np.maximum(strength, ITEM_LINK), strength)
        # a need bought through another field's agreements (flights through the travel agency)
        for target, sources in via:
            if max(float(strength[source]) for source in sources) >= VIA_FROM:
                strength[target] = max(float(strength[target]), VIA_LINK)
        keep = np.nonzero(strength >= MIN_LINK)[0]
        links = {int(i): round(float(strength[i]), 4) for i in keep}
        result.append(links)
        fresh[key] = dict(links)
    if remembered is not None:
        remembered.clear()
        remembered.update(fresh)
    return result


EXCLUDED_FIELD = 0.7  # an excluded item read this clearly as a field excludes that field …
EXCLUDED_WORDS = 2  # … when it is a thing of at most two words ("tegnspråktolk", "kjøp av matter")


EXCLUDED_THING_MARGIN = 0.15  # … and is a thing the agreement does not cover at all when no other field comes this near


def read_exclusions(docs: Sequence[AgreementDoc], links: list[dict[int, float]], matcher: FieldMatcher,
                    linking: Collection[str]) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """Per agreement, from the items its description says it does not cover (each read once):

    - the fields of purchase excluded ("Omfatter ikke tegnspråktolk" → sign-language
      interpreting). The link to such a field is removed (an explicit exclusion outweighs the words
      the agreement shares with it) — except for the agreement's own main field: "bleier til
      barnehagebarn" excluded from incontinence products is decided by its qualifier
      (bot.search.engine._excluded), not by the field;
    - of them, the bare things ("Omfatter ikke tunge kjøretøy og arbeidsmaskiner"): read clearly as
      one field (no other near it), with no word of whom or where it is for ("hvitevarer til
      personalrom" is a qualifier: appliances for other places may be covered). A question clearly
      about such a field is not answered with that agreement (bot.search.engine._excluded_field)."""
    linked = {w.lower() for w in linking}
    fields: list[tuple[str, ...]] = []
    things: list[tuple[str, ...]] = []
    for doc, doc_links in zip(docs, links, strict=True):
        _positive, items = split_exclusions(doc.description, matcher.analyzer)
        excluded: list[str] = []
        bare: list[str] = []
        main = max(doc_links.items(), key=lambda kv: kv[1])[0] if doc_links else None
        for item in items:
            match = matcher.match(item, limit=2, fuzzy=False)
            if not match.hits or match.hits[0].score < EXCLUDED_FIELD or len(match.groups) > EXCLUDED_WORDS:
                continue  # a longer item ("fersk frukt og grønt") has qualifiers the field would not keep
            field_id = match.hits[0].field.id
            clear = len(match.hits) < 2 or match.hits[1].score <= match.hits[0].score - EXCLUDED_THING_MARGIN
            if clear and field_id not in bare and not any(word in linked for word in item.lower().split()):
                bare.append(field_id)  # not "fasttelefoni" (fixed-line phones or telephony: no clear thing)
            position = matcher.position[field_id]
            if position == main:
                continue
            doc_links.pop(position, None)
            if field_id not in excluded:
                excluded.append(field_id)
        fields.append(tuple(excluded))
        things.append(tuple(bare))
    return fields, things
