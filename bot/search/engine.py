"""Answering a question from a `SearchIndex`: read the question, score, filter, group.

1. The question is split into words; framing ("har vi avtale på", "kven leverer", "need a") is
   dropped, and words after a context preposition ("til barnehagen") count less.
2. Each remaining word becomes a *group* of alternative ways to match it: the word itself
   (stem/lemmas, folded), spelling variants (nynorsk → bokmål), a split into known compound
   parts, a typo correction (rapidfuzz), and what the vocabulary says it means (rotte →
   skadedyr). Multi-word vocabulary terms ("hev senk") merge their words into one group.
3. An agreement's score is the importance-weighted share of the groups it matches, each group
   counting its best alternative times the field score of the match. So the score is in
   [0, ~1.1] and comparable across questions: the "no agreement" threshold is one number.
4. Agreements whose description excludes the need are dropped; expired, under-competition and
   not-started agreements are never the answer but are reported when only they match; active
   agreements of the same category that score about equally are presented together.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from agreements_sync.status import status_as_of
from bot.search.index import AltTemplate, SearchIndex, category_key
from bot.search.models import AgreementDoc, Hit, Reason, SearchResult
from bot.search.text import fold, split_compound, split_known_prefix, word_keys

CANDIDATES = 60
MAX_PARALLEL = 10  # at most this many parallel agreements presented together
WEAK_IMPORTANCE = 0.4  # "leie", "service": how, not what
UNKNOWN_IMPORTANCE = 0.6  # a word neither the register nor the vocabulary knows


@dataclass
class Alt:
    keysets: tuple[frozenset[str], ...]
    weights: tuple[float, ...]
    weight: float
    via: str  # literal | spelling | compound | fuzzy | vocabulary
    label: str


@dataclass
class Group:
    surface: str
    importance: float
    alts: list[Alt] = field(default_factory=list)
    context: bool = False
    tokens: tuple[int, ...] = ()


# --- reading the question ---------------------------------------------------------------------


def _fuzzy(index: SearchIndex, word: str) -> str | None:
    folded = fold(word)
    if len(folded) < 5 or not index.fuzzy_choices:
        return None
    max_distance = 1 if len(folded) < 9 else 2
    matches = process.extract(
        folded, index.fuzzy_choices, scorer=Levenshtein.distance, score_cutoff=max_distance, limit=8
    )
    if not matches:
        return None
    # fewest edits, then same first letter, then the most common word
    def rank(match: tuple[str, float, int]) -> tuple:
        candidate, distance, _ = match
        return (distance, candidate[0] != folded[0], -index.df(word_keys(index.fuzzy_originals[candidate])))

    best = min(matches, key=rank)
    return index.fuzzy_originals[best[0]]


def _known_head(index: SearchIndex, word: str) -> str | None:
    """The longest known last part of a compound whose first part is unknown:
    "blodtrykksmedisin" → "medisin" (Norwegian compounds are head-final)."""
    folded = fold(word)
    for start in range(3, len(folded) - 3):
        tail = folded[start:]
        if tail in index.fuzzy_originals or (len(tail) >= 5 and any(len(k) >= 4 for k in word_keys(tail) & index.known)):
            original = word[len(word) - len(tail):] if len(word) == len(folded) else tail
            return original
    return None


def _conj(keysets: list[frozenset[str]], weight: float, via: str, label: str, weak: frozenset[str] = frozenset()) -> Alt:
    """All parts matched; the head (last part) counts most, unless it is a weak word
    ("tannlege|tjenester", "kjøkken|utstyr"): then the modifier carries the meaning."""
    weights = tuple(
        (0.3 if keysets[i] & weak else 1.5) if i == len(keysets) - 1 else 1.0 for i in range(len(keysets))
    )
    return Alt(tuple(keysets), weights, weight, via, label)


def _vocabulary_alts(index: SearchIndex, word: str, weight: float) -> list[Alt]:
    alts: list[Alt] = []
    keys = word_keys(word)
    seen: set[int] = set()
    for key in keys:
        for concept_index in index.concepts_by_key.get(key, ()):
            concept = index.concepts[concept_index]
            if concept_index in seen or len(concept.atoms) != 1 or not (concept.atoms[0] & keys):
                continue
            seen.add(concept_index)
            alts.extend(_means_alts(concept.means, weight))
    return alts


def _means_alts(means: tuple[AltTemplate, ...], weight: float) -> list[Alt]:
    alts = []
    for template in means:
        if len(template.keysets) == 1:
            alts.append(Alt(template.keysets, (1.0,), weight, "vocabulary", template.label))
        else:
            alts.append(_conj(list(template.keysets), weight, "vocabulary", template.label))
    return alts


def _specificity(index: SearchIndex, keysets: list[frozenset[str]]) -> float:
    n = max(index.size, 2)
    dfs = [index.df(k) for k in keysets if index.df(k) > 0]
    if not dfs:
        return 1.0
    idf = math.log(n / min(dfs)) / math.log(n)
    return 0.6 + 0.4 * max(0.0, min(idf, 1.0))


def analyse(index: SearchIndex, query: str) -> list[Group]:
    analyzer = index.analyzer
    ranking = index.vocabulary.ranking
    weights = ranking.match
    tokens = analyzer.tokens(query)
    groups: list[Group] = []
    for position, token in enumerate(tokens):
        group = Group(token.text, ranking.context_importance if token.context else 1.0, context=token.context, tokens=(position,))
        keys = word_keys(token.text)
        literal_known = index.has(keys)
        specificity_keys = [keys]
        if literal_known:
            group.alts.append(Alt((keys,), (1.0,), weights.literal, "literal", token.text))
        group.alts.extend(_vocabulary_alts(index, token.text, weights.vocabulary))
        parts: tuple[str, ...] = token.parts
        candidates_words = [token.text]
        if not literal_known:
            for variant in analyzer.variants(token.text)[:30]:
                variant_keys = word_keys(variant)
                vocab = _vocabulary_alts(index, variant, weights.vocabulary * weights.spelling_variant)
                if index.has(variant_keys):
                    group.alts.append(Alt((variant_keys,), (1.0,), weights.spelling_variant, "spelling", variant))
                    specificity_keys.append(variant_keys)
                    candidates_words.append(variant)
                group.alts.extend(vocab)
                if index.has(variant_keys) or vocab:
                    break
            else:
                candidates_words.extend(analyzer.variants(token.text)[:3])
        if not parts and (not literal_known or len(token.text) >= 7):
            for candidate in candidates_words:
                split = split_compound(candidate, index.known)
                if split:
                    parts = split
                    break
        if parts:
            part_keys = [word_keys(p) for p in parts]
            if any(index.has(k) for k in part_keys):
                group.alts.append(_conj(part_keys, weights.compound_parts, "compound", " + ".join(parts), analyzer.weak_keys))
                if index.has(part_keys[-1]) and not part_keys[-1] & analyzer.weak_keys:
                    group.alts.append(Alt((part_keys[-1],), (1.0,), weights.head_only, "compound", parts[-1]))
            for i, part in enumerate(parts):
                is_head = i == len(parts) - 1
                group.alts.extend(_vocabulary_alts(
                    index, part, weights.vocabulary * (weights.vocabulary_from_part if is_head else weights.vocabulary_from_modifier)
                ))
            # a multi-part vocabulary term inside one compound ("hevsenkpult")
            group.alts.extend(_phrase_alts(index, [word_keys(p) for p in parts], weights.vocabulary))
        if not group.alts:
            corrected = _fuzzy(index, token.text)
            if corrected:
                corrected_keys = word_keys(corrected)
                group.alts.append(Alt((corrected_keys,), (1.0,), weights.fuzzy, "fuzzy", corrected))
                group.alts.extend(_vocabulary_alts(index, corrected, weights.vocabulary * weights.fuzzy))
                split = split_compound(fold(corrected), index.known)
                if split:
                    group.alts.append(_conj([word_keys(p) for p in split], weights.fuzzy * weights.compound_parts, "fuzzy", corrected))
                specificity_keys.append(corrected_keys)
        if not group.alts and not parts:
            head = _known_head(index, token.text)
            if head and not word_keys(head) & analyzer.weak_keys:
                head_keys = word_keys(head)
                if index.has(head_keys):
                    group.alts.append(Alt((head_keys,), (1.0,), weights.head_only, "compound", head))
                group.alts.extend(_vocabulary_alts(index, head, weights.vocabulary * weights.vocabulary_from_part))
        if not group.alts and not parts:
            pair = split_known_prefix(token.text, index.known)
            if pair:  # a known first part and an unknown rest: "gress|klipper", "familie|veileder"
                prefix_keys = word_keys(pair[0])
                if index.has(prefix_keys):
                    group.alts.append(Alt((prefix_keys,), (1.0,), weights.head_only, "compound", pair[0]))
                group.alts.extend(_vocabulary_alts(index, pair[0], weights.vocabulary * weights.vocabulary_from_part))
        group.importance *= _specificity(index, specificity_keys)
        if keys & analyzer.weak_keys:
            group.importance *= WEAK_IMPORTANCE
        if not group.alts:
            group.importance *= UNKNOWN_IMPORTANCE
        if token.text.isdigit():
            group.importance *= 0.1  # "25 personer", "2. trinn": numbers say little
        groups.append(group)
    return _merge_phrases(index, tokens, groups)


def _phrase_alts(index: SearchIndex, atoms: list[frozenset[str]], weight: float) -> list[Alt]:
    alts: list[Alt] = []
    for start in range(len(atoms)):
        for key in atoms[start]:
            for concept_index in index.concepts_by_key.get(key, ()):
                concept = index.concepts[concept_index]
                n = len(concept.atoms)
                if n < 2 or start + n > len(atoms):
                    continue
                if all(concept.atoms[i] & atoms[start + i] for i in range(n)):
                    alts.extend(_means_alts(concept.means, weight))
    return alts


def _merge_phrases(index: SearchIndex, tokens: list, groups: list[Group]) -> list[Group]:
    """Merge the groups of words that together form a multi-word vocabulary term."""
    atoms: list[tuple[int, frozenset[str]]] = []
    for position, token in enumerate(tokens):
        for piece in token.parts or (token.text,):
            atoms.append((position, word_keys(piece)))
    merges: list[tuple[int, int, list[Alt]]] = []
    for start in range(len(atoms)):
        for key in atoms[start][1]:
            for concept_index in index.concepts_by_key.get(key, ()):
                concept = index.concepts[concept_index]
                n = len(concept.atoms)
                if n < 2 or start + n > len(atoms):
                    continue
                if not all(concept.atoms[i] & atoms[start + i][1] for i in range(n)):
                    continue
                first, last = atoms[start][0], atoms[start + n - 1][0]
                if first == last:
                    continue  # inside one compound: handled by _phrase_alts
                merges.append((first, last, _means_alts(concept.means, index.vocabulary.ranking.match.vocabulary)))
    if not merges:
        return groups
    result: list[Group] = []
    consumed: dict[int, Group] = {}
    for first, last, alts in merges:
        members = [g for g in groups if g.tokens and first <= g.tokens[0] <= last]
        target = next((consumed[m.tokens[0]] for m in members if m.tokens[0] in consumed), None)
        if target is None:
            target = Group(
                " ".join(m.surface for m in members), max(m.importance for m in members),
                context=all(m.context for m in members), tokens=tuple(t for m in members for t in m.tokens),
            )
            literal = [a.keysets[0] for m in members for a in m.alts if a.via == "literal"]
            if literal:
                target.alts.append(_conj(literal, index.vocabulary.ranking.match.literal, "literal", target.surface))
        target.alts.extend(alts)
        for m in members:
            consumed[m.tokens[0]] = target
    emitted: set[int] = set()
    for g in groups:
        merged = consumed.get(g.tokens[0]) if g.tokens else None
        if merged is None:
            result.append(g)
        elif id(merged) not in emitted:
            emitted.add(id(merged))
            result.append(merged)
    return result


# --- scoring ------------------------------------------------------------------------------------


def _keyset_vector(index: SearchIndex, keyset: frozenset[str], cache: dict) -> np.ndarray | None:
    if keyset in cache:
        return cache[keyset]
    vector = None
    for key in keyset:
        posting = index.postings.get(key)
        if posting is None:
            continue
        if vector is None:
            vector = np.zeros(index.size, dtype=np.float32)
        ids, scores, _fields = posting
        vector[ids] = np.maximum(vector[ids], scores)
    cache[keyset] = vector
    return vector


def score(index: SearchIndex, groups: list[Group]) -> np.ndarray:
    total = np.zeros(index.size, dtype=np.float32)
    importance = sum(g.importance for g in groups)
    if not groups or importance <= 0 or index.size == 0:
        return total
    cache: dict = {}
    for group in groups:
        best = np.zeros(index.size, dtype=np.float32)
        for alt in group.alts:
            if len(alt.keysets) == 1:
                vector = _keyset_vector(index, alt.keysets[0], cache)
                if vector is not None:
                    np.maximum(best, vector * alt.weight, out=best)
                continue
            acc = None
            for keyset, weight in zip(alt.keysets, alt.weights, strict=True):
                vector = _keyset_vector(index, keyset, cache)
                if vector is None:
                    continue
                acc = vector * weight if acc is None else acc + vector * weight
            if acc is not None:
                np.maximum(best, acc * (alt.weight / sum(alt.weights)), out=best)
        total += best * group.importance
    return total / importance


# --- status -------------------------------------------------------------------------------------


def status_on(doc: AgreementDoc, as_of: dt.date) -> str:
    """The agreement's status on `as_of` (the sync's rule: end date passed → expired, …)."""
    return status_as_of(doc, as_of).value


# --- the answer ---------------------------------------------------------------------------------


def _excluded(index: SearchIndex, doc_index: int, main_keys: set[str], all_keys: set[str]) -> bool:
    """The question asks for something the agreement's description says it does not cover:
    the item's distinctive head words ("elevmøbler", "tegneark") among what is asked for, or —
    when the head is what the agreement covers ("møbler") — its distinctive qualifier
    ("til barnehager") anywhere in the question."""
    for exclusion in index.exclusions[doc_index]:
        if exclusion.head:
            matched = sum(1 for keyset in exclusion.head if keyset & main_keys)
            if matched and matched / len(exclusion.head) >= 0.5:
                return True
        elif exclusion.qualifier:
            matched = sum(1 for keyset in exclusion.qualifier if keyset & all_keys)
            if matched and matched / len(exclusion.qualifier) >= 0.5:
                return True
    return False


def _query_keys(groups: list[Group]) -> tuple[set[str], set[str]]:
    """Keys of what is asked for (words outside a context phrase), and of the whole question."""
    main: set[str] = set()
    every: set[str] = set()
    has_main = any(not g.context for g in groups)
    for group in groups:
        own_words_known = any(alt.via != "vocabulary" for alt in group.alts)
        for alt in group.alts:
            if alt.via == "vocabulary" and own_words_known:
                if group.context:  # "for the kindergarten": a place or person, translated
                    for keyset in alt.keysets:
                        every |= keyset
                continue  # judged on the question's own words; the vocabulary only translates unknown ones
            for keyset in alt.keysets:
                every |= keyset
                if not group.context or not has_main:
                    main |= keyset
    return main, every


def explain(index: SearchIndex, doc_index: int, groups: list[Group]) -> list[Reason]:
    """Per question word: the best way it matched this agreement, and in which field."""
    weights = index.vocabulary.ranking.fields
    reasons: list[Reason] = []
    for group in groups:
        best: tuple[float, Reason] | None = None
        for alt in group.alts:
            for keyset in alt.keysets:
                for field_name in index.fields_of(keyset, doc_index):
                    value = alt.weight * weights.get(field_name, 0.0)
                    if best is None or value > best[0]:
                        shown = "cpv" if field_name.startswith("cpv") else field_name
                        best = (value, Reason(group.surface, alt.label, shown, alt.via))
        if best:
            reasons.append(best[1])
    return reasons


def search_index(index: SearchIndex, query: str, as_of: dt.date, limit: int = 5) -> SearchResult:
    ranking = index.vocabulary.ranking
    groups = analyse(index, query)
    result = SearchResult(query=query, as_of=as_of, terms=[g.surface for g in groups], index_version=index.version)
    scores = score(index, groups)
    if index.size == 0 or not groups:
        result.no_active_agreement = True
        return result
    count = min(CANDIDATES, index.size)
    candidates = np.argpartition(-scores, count - 1)[:count] if index.size > count else np.arange(index.size)
    top = sorted((int(i) for i in candidates if scores[i] > 0), key=lambda i: (-float(scores[i]), index.docs[i].id))
    main_keys, all_keys = _query_keys(groups)
    active: list[tuple[int, float]] = []
    inactive: list[tuple[int, float, str]] = []
    for doc_index in top:
        if _excluded(index, doc_index, main_keys, all_keys):
            result.excluded.append(index.docs[doc_index].id)
            continue
        status = status_on(index.docs[doc_index], as_of)
        value = float(scores[doc_index])
        if status == "active":
            active.append((doc_index, value))
        else:
            inactive.append((doc_index, value, status))
    best_active = active[0][1] if active else 0.0
    best_inactive = inactive[0][1] if inactive else 0.0
    threshold = ranking.min_score
    answer_active = best_active >= threshold and (
        best_inactive < threshold or best_active >= best_inactive * ranking.active_vs_inactive
    )
    if answer_active:
        floor = max(threshold * 0.8, best_active * ranking.alternative_share)
        chosen = [(i, s) for i, s in active if s >= floor]
        chosen = _group_parallel(index, chosen, best_active * ranking.parallel_share, result)
        for doc_index, value in chosen[: max(limit, len(result.parallel[0]) if result.parallel else 0)]:
            doc = index.docs[doc_index]
            result.hits.append(Hit.from_doc(doc, "active", value, explain(index, doc_index, groups)))
    else:
        result.no_active_agreement = True
        if best_inactive >= threshold:
            floor = max(threshold, best_inactive * ranking.alternative_share)
            for doc_index, value, status in inactive:
                if value >= floor and len(result.inactive_matches) < limit:
                    doc = index.docs[doc_index]
                    result.inactive_matches.append(Hit.from_doc(doc, status, value, explain(index, doc_index, groups)))
    return result


def _group_parallel(
    index: SearchIndex, chosen: list[tuple[int, float]], parallel_floor: float, result: SearchResult
) -> list[tuple[int, float]]:
    """Bring active agreements of the best hit's category that score about equally together."""
    if not chosen:
        return chosen
    lead_category = category_key(index.docs[chosen[0][0]].category)
    together = [(i, s) for i, s in chosen if category_key(index.docs[i].category) == lead_category and s >= parallel_floor]
    together = together[:MAX_PARALLEL]
    if len(together) > 1:
        result.parallel.append([index.docs[i].id for i, _ in together])
    rest = [(i, s) for i, s in chosen if (i, s) not in together]
    return together + rest
