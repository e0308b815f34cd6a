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
import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from agreements_sync.status import looking_back_from, status_as_of
from bot.lowercase import lower
from bot.search import decide
from bot.search.decide import AGREEMENT, CANDIDATES, NONE, UNKNOWN
from bot.search.index import STATED, Exclusion, SearchIndex, asked_value, category_key, split_exclusions
from bot.search.models import AgreementDoc, Hit, Reason, SearchResult
from bot.search.text import LETTER_WORDS, district_numbers, fold, split_compound, split_known_prefix, word_keys

log = logging.getLogger(__name__)

SHORTLIST = 60  # agreements scored in full for one question
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


def _specificity(index: SearchIndex, keysets: list[frozenset[str]]) -> float:
    n = max(index.size, 2)
    dfs = [index.df(k) for k in keysets if index.df(k) > 0]
    if not dfs:
        return 1.0
    idf = math.log(n / min(dfs)) / math.log(n)
    floor = index.specificity_floor
    return floor + (1.0 - floor) * max(0.0, min(idf, 1.0))


WORD_CACHE = 200_000  # words read per index and remembered (the same words recur in questions and texts)


def analyse(index: SearchIndex, query: str, *, fuzzy: bool = True) -> list[Group]:
    """The question's words, each as a group of alternative ways to match it."""
    analyzer = index.analyzer
    context_importance = index.vocabulary.ranking.context_importance
    groups: list[Group] = []
    for position, token in enumerate(analyzer.tokens(query)):
        alts, factor = read_word(index, token.text, token.parts, fuzzy)
        importance = (context_importance if token.context else 1.0) * factor
        groups.append(Group(token.text, importance, list(alts), context=token.context, tokens=(position,)))
    return groups


def read_word(index: SearchIndex, text: str, parts: tuple[str, ...], fuzzy: bool = True) -> tuple[tuple[Alt, ...], float]:
    """The ways one word can match the index, and its importance factor (specificity, weak or
    unknown word, number) — remembered per index."""
    cache = index.extra.setdefault("words", {})
    key = (text, parts, fuzzy)
    found = cache.get(key)
    if found is None:
        found = _read_word(index, text, parts, fuzzy)
        if len(cache) < WORD_CACHE:
            cache[key] = found
    return found


def _read_word(index: SearchIndex, text: str, token_parts: tuple[str, ...], fuzzy: bool) -> tuple[tuple[Alt, ...], float]:
    analyzer = index.analyzer
    weights = index.vocabulary.ranking.match
    alts: list[Alt] = []
    keys = word_keys(text)
    literal_known = index.has(keys)
    specificity_keys = [keys]
    if literal_known:
        alts.append(Alt((keys,), (1.0,), weights.literal, "literal", text))
    parts: tuple[str, ...] = token_parts
    candidates_words = [text]
    if not literal_known:
        for variant in analyzer.variants(text)[:30]:
            variant_keys = word_keys(variant)
            if index.has(variant_keys):
                alts.append(Alt((variant_keys,), (1.0,), weights.spelling_variant, "spelling", variant))
                specificity_keys.append(variant_keys)
                candidates_words.append(variant)
                break
        else:
            candidates_words.extend(analyzer.variants(text)[:3])
    if not parts and (not literal_known or len(text) >= 7):
        for candidate in candidates_words:
            split = split_compound(candidate, index.known)
            if split:
                parts = split
                break
    if parts:
        part_keys = [word_keys(p) for p in parts]
        # a word the index knows as a whole is read by its parts only as a weaker fallback
        split_weight = weights.compound_when_known if literal_known and not token_parts else 1.0
        if any(index.has(k) for k in part_keys):
            alts.append(_conj(part_keys, weights.compound_parts * split_weight, "compound", " + ".join(parts), analyzer.weak_keys))
            if index.has(part_keys[-1]) and not part_keys[-1] & analyzer.weak_keys:
                alts.append(Alt((part_keys[-1],), (1.0,), weights.head_only * split_weight, "compound", parts[-1]))
    if not alts and fuzzy:
        corrected = _fuzzy(index, text)
        if corrected:
            corrected_keys = word_keys(corrected)
            alts.append(Alt((corrected_keys,), (1.0,), weights.fuzzy, "fuzzy", corrected))
            split = split_compound(fold(corrected), index.known)
            if split:
                alts.append(_conj([word_keys(p) for p in split], weights.fuzzy * weights.compound_parts, "fuzzy", corrected))
            specificity_keys.append(corrected_keys)
    if not alts and not parts:
        head = _known_head(index, text)
        if head and not word_keys(head) & analyzer.weak_keys:
            head_keys = word_keys(head)
            if index.has(head_keys):
                alts.append(Alt((head_keys,), (1.0,), weights.head_only, "compound", head))
    if not alts and not parts:
        pair = split_known_prefix(text, index.known)
        if pair:  # a known first part and an unknown rest: "gress|klipper", "familie|veileder"
            prefix_keys = word_keys(pair[0])
            if index.has(prefix_keys):
                alts.append(Alt((prefix_keys,), (1.0,), weights.head_only, "compound", pair[0]))
    factor = _specificity(index, specificity_keys)
    if keys & analyzer.weak_keys:
        factor *= WEAK_IMPORTANCE
    if not alts:
        factor *= UNKNOWN_IMPORTANCE
    if text.isdigit():
        factor *= 0.1  # "25 personer", "2. trinn": numbers say little
    return tuple(alts), factor


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


def group_scores(index: SearchIndex, groups: list[Group]) -> np.ndarray:
    """Per question word (group) and agreement: how well the word matches it, in [0, ~1.2].
    A matrix of shape (len(groups), index.size)."""
    matrix = np.zeros((len(groups), index.size), dtype=np.float32)
    if not groups or index.size == 0:
        return matrix
    cache: dict = {}
    for row, group in enumerate(groups):
        best = matrix[row]
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
    return matrix


def score(index: SearchIndex, groups: list[Group], matrix: np.ndarray | None = None) -> np.ndarray:
    """The importance-weighted share of the question's words each agreement matches."""
    importance = sum(g.importance for g in groups)
    if not groups or importance <= 0 or index.size == 0:
        return np.zeros(index.size, dtype=np.float32)
    if matrix is None:
        matrix = group_scores(index, groups)
    weights = np.array([g.importance for g in groups], dtype=np.float32)
    return (weights @ matrix) / importance


# --- status -------------------------------------------------------------------------------------


def status_on(doc: AgreementDoc, as_of: dt.date) -> str:
    """The agreement's status on `as_of` (the sync's rule: end date passed → expired, …)."""
    return status_as_of(doc, as_of).value


# --- the answer ---------------------------------------------------------------------------------


def _excluded(index: SearchIndex, doc_index: int, main_keys: set[str], all_keys: set[str], buying: bool = False,
              asked: Asked | None = None) -> str | None:
    """How the agreement's description excludes what the question asks for ("head", "qualifier"), or None."""
    found = _exclusion_of(index, doc_index, main_keys, all_keys, buying, asked)
    return found[0] if found else None


def _exclusion_of(index: SearchIndex, doc_index: int, main_keys: set[str], all_keys: set[str],
                  buying: bool = False, asked: Asked | None = None) -> tuple[str, Exclusion] | None:
    """The question asks for something the agreement's description says it does not cover:
    the item's distinctive head words ("elevmøbler", "tegneark") among what is asked for, or —
    when the head is what the agreement covers ("møbler") — its distinctive qualifier
    ("til barnehager") anywhere in the question. A compound word of the exclusion also matches
    the question's words for its parts ("barnehagebarn": "barna i barnehagen"). Buying the
    agreement's own thing ("kjøp av matter" on an agreement to rent them) is excluded when the
    question buys or owns it (`buying`). An item excluded from a value on ("nye anlegg over 500 000
    kr") is excluded for a question whose amount (`asked`) reaches it, and that names the thing or,
    for new things, says new."""
    for exclusion in index.exclusions[doc_index]:
        if exclusion.min_value is not None:
            if asked is None or asked.nok < exclusion.min_value:
                continue  # a smaller job, or one of no known size, is still the agreement's
            named = any(_keyset_in(index, keyset, all_keys) for keyset in exclusion.head)
            if named or (exclusion.new and asked.new) or (not exclusion.head and not exclusion.new):
                return "head", exclusion
            continue
        if exclusion.purchase:  # "kjøp av dyner": buying them, not washing them
            if buying and (not exclusion.head or any(_keyset_in(index, keyset, all_keys) for keyset in exclusion.head)):
                return "head", exclusion
        elif exclusion.head:
            # the excluded item's head words among what is asked for; its other words may sit in the
            # question's context ("private klær til beboerne" against "beboernes private tøy")
            # two of its words written as one compound in the question ("privattøyet" for "private
            # tøy") are both named
            joined_main = _joined_in_compound(exclusion.head, main_keys)
            joined_all = _joined_in_compound(exclusion.head, all_keys)
            matched = sum(1 for i, keyset in enumerate(exclusion.head)
                          if i in joined_main or _keyset_in(index, keyset, main_keys))
            around = sum(1 for i, keyset in enumerate(exclusion.head)
                         if i in joined_all or _keyset_in(index, keyset, all_keys))
            # a kind of the excluded thing named by a compound of its own ("influensavaksine"
            # against "vaksiner i barnevaksinasjonsprogrammet") is that exclusion only where the
            # question also says what the exclusion is qualified by
            own_kind = bool(exclusion.qualifier) and not any(keyset & main_keys for keyset in exclusion.head) and not any(
                _keyset_in(index, keyset, all_keys) for keyset in exclusion.qualifier)
            if matched and around / len(exclusion.head) >= 0.5 and not own_kind:
                return "head", exclusion  # the thing itself is not covered
            # a one-word excluded thing named anywhere in the question, also where or what for ("buss
            # til leirskolen" against "Omfatter ikke … leirskole")
            if len(exclusion.head) == 1 and not exclusion.qualifier and around and min(map(len, exclusion.head[0])) >= ONE_WORD_MIN:
                return "head", exclusion
            # every word of a longer excluded item is in the question, some only in its context, and
            # what is asked for ends one of its compounds ("golvet i idrettshallen må slipast" against
            # "sliping av idrettsgulv")
            if (len(exclusion.head) >= 2 and around == len(exclusion.head)
                    and any(len(k) >= HEAD_MIN and key != k and key.endswith(k)
                            for keyset in exclusion.head for key in keyset for k in main_keys)):
                return "head", exclusion
            # "småskrivere til hjemmekontor" asked as "en liten skriver til hjemmekontoret": the head of
            # the excluded compound, and where or for whom it is excluded
            if exclusion.qualifier and any(_compound_head_in(index, keyset, main_keys) for keyset in exclusion.head):
                qualified = sum(1 for keyset in exclusion.qualifier if _keyset_in(index, keyset, all_keys))
                if qualified / len(exclusion.qualifier) >= 0.5:
                    return "head", exclusion
            # "pasientreiser til sykehus" asked as "drosje for en pasient til sykehuset": what the
            # excluded compound is of (its first part), and everything that qualifies it
            if (exclusion.qualifier and any(_compound_modifier_in(keyset, all_keys) for keyset in exclusion.head)
                    and all(_keyset_in(index, keyset, all_keys) for keyset in exclusion.qualifier)):
                return "head", exclusion
        elif exclusion.qualifier:
            matched = sum(1 for keyset in exclusion.qualifier if _keyset_in(index, keyset, all_keys))
            if matched and matched / len(exclusion.qualifier) >= 0.5:
                return "qualifier", exclusion  # covered, but not for whom or where it is asked (a sibling may be)
    return None


NAMING_FIELDS = ("title", "keywords")


def _naming(index: SearchIndex, exclusion: Exclusion, excluding: int, matched: list[int]) -> tuple[int, ...]:
    """The agreements the question matched that name the excluded thing in their title or keywords
    ("Omfatter ikke … brannalarm" on the intrusion-alarm agreement; "Brannalarm- og
    sprinkleranlegg" names it): the register says where it is covered without saying "se …"."""
    if exclusion.purchase or exclusion.min_value is not None or not exclusion.head or len(LETTER_WORDS.findall(exclusion.text)) != 1:
        return ()
    keyset = exclusion.head[0]  # the word itself (its compound parts follow)
    return tuple(i for i in matched if i != excluding
                 and any(f in NAMING_FIELDS for f in index.fields_of(keyset, i)))


class Asked(NamedTuple):
    """The value a question names, and whether it says the thing is new (for exclusions from a value on)."""

    nok: float
    new: bool


def _asked(index: SearchIndex, query: str) -> Asked | None:
    """What `Asked` holds for the question, when the index has exclusions from a value on."""
    has = index.extra.get("value_exclusions")
    if has is None:
        has = index.extra["value_exclusions"] = any(e.min_value is not None for es in index.exclusions for e in es)
    if not has:
        return None
    nok = asked_value(query)
    if nok is None:
        return None
    words = index.extra.get("new_words")
    if words is None:
        words = index.extra["new_words"] = frozenset(lower(w) for w in index.analyzer.language.exclusions.new_words)
    stated = STATED.get()
    said = stated.question if stated is not None else query  # "nytt" may not be in the subject searched
    return Asked(nok, bool(words & set(LETTER_WORDS.findall(lower(said)))))


def _referred(index: SearchIndex, referred: list[tuple[float, tuple[int, ...], str]], active: list[tuple[int, float]],
              scores: np.ndarray, as_of: dt.date, main_keys: set[str], all_keys: set[str],
              buying: bool = False, asked: Asked | None = None) -> dict[int, str]:
    """What an excluding agreement sends elsewhere is asked of the agreement it names: that one
    (active, and not excluding it too; of several named, the one the question matches best) takes
    the excluding agreement's score ("frosne grønnsaker": "Frukt og grønt" excludes them "(se
    dagligvarer)", so Dagligvarer answers). `active` is updated in place; returns {position: from id}."""
    instead: dict[int, str] = {}
    if not referred:
        return instead
    mask = active_mask(index, as_of)
    have = dict(active)
    for value, refers, source in sorted(referred, key=lambda r: -r[0]):
        live = sorted((r for r in refers if mask[r] and not _excluded(index, r, main_keys, all_keys, buying, asked)),
                      key=lambda r: (-float(scores[r]), index.docs[r].id))
        if not live or have.get(live[0], 0.0) >= value:
            continue
        have[live[0]] = value
        instead.setdefault(live[0], source)
    active[:] = list(have.items())
    return instead


def _excluded_field(index: SearchIndex, doc_index: int, match: Any, clear: float) -> str | None:
    """The question is clearly about a field the agreement's description excludes ("Omfatter ikke
    tunge kjøretøy": a tipper truck asked for on the car agreement) — more clearly than about any
    field the agreement covers."""
    if match is None or not match.hits or not index.excluded_things or not index.excluded_things[doc_index]:
        return None
    excluded = index.excluded_things[doc_index]
    links = index.doc_links[doc_index] if index.doc_links else {}
    against = max((h.score for h in match.hits if h.field.id in excluded), default=0.0)
    covered = max((h.score for h in match.hits if links.get(index.fields.position[h.field.id], 0.0) >= EXCLUDED_FIELD_COVER),
                  default=0.0)
    return "head" if against >= clear and against > covered + EXCLUDED_FIELD_MARGIN else None


def _other_setting(index: SearchIndex, doc_index: int, settings: frozenset[str]) -> str | None:
    """The agreement's title limits it to settings the question does not name, and the question
    names another ("Vikartjenester – barnehage" for a teacher at a lower secondary school)."""
    if not settings:
        return None
    cache = index.extra.setdefault("title_settings", {})
    limited = cache.get(doc_index)
    if limited is None:
        limited = cache[doc_index] = index.analyzer.sectors(index.docs[doc_index].title or "")
    return "setting" if limited and not limited & settings else None


ONE_WORD_MIN = 6  # a one-word exclusion this long counts in the question's context too (not "lege", "papir")
EXCLUDED_FIELD_MARGIN = 0.05  # … by this much: a near tie is no clear reading
EXCLUDED_FIELD_COVER = 0.5  # an agreement's link this strong to one of the question's fields outweighs an excluded one
HEAD_MIN = 4  # an exclusion's word this long ending a question's compound is its head ("vikar|lege") …
FIRST_MIN = 5  # … and this long starting one, its first part ("fasade|vask"; not a stem like "strø")
SPELLING_MIN = 7  # an exclusion's word this long matches a question's word one letter apart


def _joined_in_compound(head: tuple[frozenset[str], ...], keys: set[str]) -> set[int]:
    """The positions of an exclusion's words that a compound of the question joins, two words
    next to each other written as one ("privattøy" for "private tøy"), with or without a linking
    s or e."""
    found: set[int] = set()
    for i in range(len(head) - 1):
        if any(len(a) >= 3 and len(b) >= 3 and f"{a}{link}{b}" in keys
               for a in head[i] for b in head[i + 1] for link in ("", "s", "e")):
            found |= {i, i + 1}
    return found


def _keyset_in(index: SearchIndex, keyset: frozenset[str], keys: set[str]) -> bool:
    """A word of an exclusion is among the question's keys: one of its keys; the head or the first
    part of a compound of the question ("vikarlege" asks for a "lege", "fasadevask" is washing of
    a "fasade"); or every part of the exclusion's own compound ("barnehagebarn": "barna i
    barnehagen")."""
    if keyset & keys:
        return True
    for k in keyset:
        if len(k) >= HEAD_MIN and any(len(w) > len(k) + 2 and (w.endswith(k) or len(k) >= FIRST_MIN and w.startswith(k))
                                      for w in keys):
            return True
    if any(parts is not None and all(word_keys(p) & keys or _inside(p, keys) for p in parts)
           for parts in (_parts(index, key) for key in keyset)):
        return True
    # the same word spelt the other written standard's way or with a typo ("leirskule" for
    # "leirskole"): one letter apart in a long word
    return any(len(k) >= SPELLING_MIN and abs(len(w) - len(k)) <= 1 and w[0] == k[0]
               and Levenshtein.distance(k, w, score_cutoff=1) <= 1 for k in keyset for w in keys)


def _inside(part: str, keys: set[str]) -> bool:
    """A part of an exclusion's compound inside a longer word of the question ("barn" in
    "småbarnsavdelinga": "bleier til barnehagebarn" asked as "bleier til småbarnsavdelinga i barnehagen")."""
    return len(part) >= HEAD_MIN and any(len(w) > len(part) + 2 and part in w for w in keys)


def _compound_head_in(index: SearchIndex, keyset: frozenset[str], keys: set[str]) -> bool:
    """A compound word of an exclusion ends in one of the question's words ("småskriver": "skriver")."""
    return any(len(k) >= FIRST_MIN and len(key) > len(k) + 1 and key.endswith(k) for key in keyset for k in keys)


def _compound_modifier_in(keyset: frozenset[str], keys: set[str]) -> bool:
    """A compound word of an exclusion starts with one of the question's words ("pasientreiser":
    "pasient")."""
    return any(len(k) >= FIRST_MIN and len(key) >= len(k) + 3 and key.startswith(k) for key in keyset for k in keys)


def _parts(index: SearchIndex, word: str) -> tuple[str, ...] | None:
    """A word's compound parts (remembered per index), None when it is not a compound."""
    cache = index.extra.setdefault("compound_parts", {})
    if word not in cache:
        cache[word] = split_compound(word, index.known) if len(word) >= 7 else None
    return cache[word]


def _buying(index: SearchIndex, question: str) -> bool:
    """The question buys or owns what it asks for ("kjøpe egne matter", "buy our own mats")."""
    cues = index.extra.get("purchase_cues")
    if cues is None:
        cues = index.extra["purchase_cues"] = frozenset(index.analyzer.language.exclusions.purchase_cues)
    return bool(cues) and any(word in cues for word in LETTER_WORDS.findall(lower(question)))


def _query_keys(groups: list[Group]) -> tuple[set[str], set[str]]:
    """Keys of what is asked for (words outside a context phrase), and of the whole question."""
    main: set[str] = set()
    every: set[str] = set()
    has_main = any(not g.context for g in groups)
    for group in groups:
        for alt in group.alts:
            for keyset in alt.keysets:
                every |= keyset
                if not group.context or not has_main:
                    main |= keyset
        # the question's own words too, even those the register knows only in an exclusion
        # ("tegnspråktolk" when the description says "Omfatter ikke … tegnspråktolk")
        own = set().union(*(word_keys(word) for word in group.surface.split())) if group.surface else set()
        every |= own
        if not group.context or not has_main:
            main |= own
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


LEADING = 0.8  # the question's fields within this share of its best field are its leading fields
ON_TOPIC_FIELD = 0.3  # an agreement reached through the question's fields at least this much is on topic
FIELD_WEIGHT = 0.9  # a match through the taxonomy counts this much of a match of the agreement's own words
FIELD_MIN = 0.3  # fields of the question below this share are not followed
FIELD_LIMIT = 8
AGREE_BONUS = 0.15  # both ways agree on an agreement


def field_scores(index: SearchIndex, query: str, boost: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, Any]:
    """Per agreement: the question's fields of purchase times the agreement's links to them; the
    same through the question's leading fields only (those within LEADING of the best). `boost`:
    the semantic signal's addition to the question's reading of fields (bot.search.semantic)."""
    out = np.zeros(index.size, dtype=np.float32)
    leading = np.zeros(index.size, dtype=np.float32)
    if index.fields is None or index.size == 0:
        return out, leading, None
    if boost is not None:
        from bot.search.semantic import FIELD_BOOST_CAP

        match = index.fields.match(query, limit=FIELD_LIMIT, floor=FIELD_MIN, boost=boost, boost_cap=FIELD_BOOST_CAP)
    else:
        match = index.fields.match(query, limit=FIELD_LIMIT, floor=FIELD_MIN)
    lead = match.hits[0].score if match.hits else 0.0
    for hit in match.hits:
        ids, strengths = index.field_links[index.fields.position[hit.field.id]]
        if len(ids):
            np.maximum.at(out, ids, strengths * min(hit.score, 1.0))
            if hit.score >= LEADING * lead:
                np.maximum.at(leading, ids, strengths * min(hit.score, 1.0))
    return out, leading, match


def _field_reasons(index: SearchIndex, doc_index: int, match: Any) -> list[Reason]:
    """Why an agreement was reached through the taxonomy: the question's words, the field of
    purchase they belong to, and the agreement's link to it."""
    links = index.doc_links[doc_index] if index.doc_links else {}
    best: tuple[float, Any] | None = None
    for hit in match.hits:
        strength = links.get(index.fields.position[hit.field.id], 0.0)
        if strength and (best is None or hit.score * strength > best[0]):
            best = (hit.score * strength, hit)
    if best is None:
        return []
    hit = best[1]
    return [Reason(" ".join(hit.matched) or match.groups[0].surface if match.groups else "", hit.field.name.nb,
                   "taxonomy", "field")]


def understood_share(groups: list[Group], match: Any) -> float:
    """The share of the question's weight that the register or the taxonomy knows a word of."""
    total = sum(g.importance for g in groups)
    if total <= 0:
        return 0.0
    known = 0.0
    taxonomy = match.groups if match is not None else []
    taxonomy_words = {g.surface for g in taxonomy if g.alts}
    for group in groups:
        if group.alts or group.surface in taxonomy_words or any(w in taxonomy_words for w in group.surface.split()):
            known += group.importance
    return known / total


def search_index(
    index: SearchIndex, query: str, as_of: dt.date, limit: int = 5, taught: Any = None, semantic: Any = None
) -> SearchResult:
    """The answer to one question. `taught` (bot.search.learning.TaughtIndex) holds the questions
    the procurement section and employees linked to agreements; `semantic`
    (bot.search.semantic.Semantic) the agreements' and the taxonomy's vectors, used only when the
    answer is not already a clear agreement (or an answer taught)."""
    result = _search(index, query, as_of, limit, taught)
    if semantic is None or result.answer == AGREEMENT or "taught" in result.why:
        return _clause_focus(index, result, query, as_of, limit)
    from bot.search.semantic import Embedder

    try:
        vector = Embedder.query(query)
    except Exception:
        log.warning("semantic step failed", exc_info=True)
        return result
    boost = semantic.fields.boost(vector) if semantic.fields is not None else None
    if boost is not None:
        lexical = result
        lexical_fields = [f["id"] for f in result.fields[:1]]
        result = _search(index, query, as_of, limit, taught, field_boost=boost)
        if lexical.answer == NONE and {"excluded", "other_setting"} & set(lexical.why) and result.answer != AGREEMENT:
            # the register's own words exclude what is asked (or limit the agreement to another
            # setting): a candidate the semantic fields bring near is weaker evidence than that
            return lexical
        if [f["id"] for f in result.fields[:1]] != lexical_fields:
            result.why.append("semantic_fields")
    if semantic.agreements is not None and result.answer in (CANDIDATES, UNKNOWN) and not result.no_active_agreement:
        _semantic_pass(index, result, semantic.agreements, vector, as_of)
    return _clause_focus(index, result, query, as_of, limit)


def _clauses(index: SearchIndex, query: str) -> list[str]:
    """A question's clauses: parted at sentence ends (a full stop after a word, not "3. trinn" or
    "ca. 40"), semicolons, a dash between words, and before a conjunction after a comma or before a
    subject ("Jeg jobber på Lørenskog hus, og vi trenger nye kontorstoler", "… hus og vi trenger …")."""
    splitter = index.extra.get("clauses")
    if splitter is None:
        language = index.analyzer.language
        words = "|".join(re.escape(w) for w in language.clause_conjunctions) or "(?!)"
        subjects = "|".join(re.escape(w) for w in language.clause_subjects) or "(?!)"
        splitter = index.extra["clauses"] = re.compile(
            rf"(?<=[^\W\d]{{3}}\.)\s+|(?<=[!?])\s+|;\s*|\s[\u2013\u2014-]\s|,\s*(?=(?:{words})\s)|\s(?=(?:{words})\s+(?:{subjects})\s)",
            re.IGNORECASE)
    return [c for c in (part.strip(" ,.!?") for part in splitter.split(query)) if c]


def _clause_focus(index: SearchIndex, result: SearchResult, query: str, as_of: dt.date, limit: int) -> SearchResult:
    """An unsure answer to a question of several clauses ("Hei! Jeg jobber i administrasjonen, og vi
    trenger seks nye kontorstoler"): the words around the need weigh its match down. When the
    clause that matches most strongly is clearly about the agreement the whole question ranked
    first, that is the answer. (Letting a clause pick another of the agreements offered lost more
    than it won: the clause that names a thing is often not the one that says what is needed —
    "Huska er reparert. Må den kontrolleres?".)"""
    if result.answer != CANDIDATES or not result.hits:
        return result
    clauses = _clauses(index, query)
    if len(clauses) < 2:
        return result
    best: SearchResult | None = None
    for clause in clauses:
        focused = _search(index, clause, as_of, limit, None)
        if focused.hits and focused.answer in (AGREEMENT, CANDIDATES) and (
                best is None or focused.hits[0].score > best.hits[0].score):
            best = focused
    # the clause that matches most strongly must be clearly about the first agreement offered
    # ("Jeg er nyansatt på rådhuset og vi trenger kontorstoler": not the PC a new employee gets)
    if best is None or best.answer != AGREEMENT or best.hits[0].id != result.hits[0].id:
        return result
    best.query = result.query
    best.why = [*best.why, "clause"]
    return best


def active_mask(index: SearchIndex, as_of: dt.date) -> np.ndarray:
    """Which agreements are active on `as_of` (remembered per index and date)."""
    key = f"active:{as_of.isoformat()}:{looking_back_from()}"
    mask = index.extra.get(key)
    if mask is None:
        mask = np.array([status_on(doc, as_of) == "active" for doc in index.docs], dtype=bool)
        index.extra[key] = mask
    return mask


def _semantic_pass(index: SearchIndex, result: SearchResult, agreements: Any, vector: np.ndarray, as_of: dt.date) -> None:
    """Unsure answers only: re-order the candidates by semantic nearness too, and offer the
    nearest agreement to a question of which no word was understood, if it stands far out."""
    from bot.search.semantic import RERANK_WEIGHT, RESCUE_Z

    z = agreements.nearness(vector, active_mask(index, as_of))
    if z is None:
        return
    if result.answer == CANDIDATES and result.hits:
        parallel = set(result.parallel[0]) if result.parallel else set()
        ranked = sorted(result.hits, key=lambda h: -(h.score + RERANK_WEIGHT * float(z[index.positions[h.id]])
                                                      if np.isfinite(z[index.positions[h.id]]) else -h.score))
        if ranked[0].id != result.hits[0].id and not (ranked[0].id in parallel and result.hits[0].id in parallel):
            result.why.append("semantic_order")
        result.hits = ranked
        return
    best = int(np.argmax(z))
    if np.isfinite(z[best]) and z[best] >= RESCUE_Z:
        doc = index.docs[best]
        hit = described(index, best, Hit.from_doc(doc, "active", 0.0, [Reason(result.query, doc.title, "semantic", "semantic")]), as_of)
        result.hits = [hit]
        result.answer = CANDIDATES
        result.why = ["semantic_nearest"]


DISTRICT_ELSEWHERE = 0.7  # an agreement for other districts than the one asked about counts this much


def _districts(index: SearchIndex, doc_index: int) -> frozenset[int]:
    """The districts, zones or lots an agreement is for, from its title and scope (remembered)."""
    known = index.extra.setdefault("districts", {})
    found = known.get(doc_index)
    if found is None:
        doc = index.docs[doc_index]
        found = known[doc_index] = district_numbers(f"{doc.title}. {doc.description}")
    return found


def _in_district(index: SearchIndex, asked: str, scores: np.ndarray, top: list[int]) -> tuple[np.ndarray, list[int]]:
    """A question about one district ("rode 6 er ikke brøytet") is about the agreement for that
    district: agreements that name only other districts ("rodene 1–4") count less."""
    wanted = district_numbers(asked)
    if not wanted:
        return scores, top
    scores = scores.copy()
    for doc_index in top:
        theirs = _districts(index, doc_index)
        if theirs and not theirs & wanted:
            scores[doc_index] *= DISTRICT_ELSEWHERE
    return scores, sorted(top, key=lambda i: (-float(scores[i]), index.docs[i].id))


def _search(index: SearchIndex, query: str, as_of: dt.date, limit: int, taught: Any,
            field_boost: np.ndarray | None = None) -> SearchResult:
    ranking = index.vocabulary.ranking
    rules = ranking.answer
    asked = query
    query = index.analyzer.without_negated(query)  # "skriveren (ikke kopimaskinen)": not the copier
    groups = analyse(index, query)
    result = SearchResult(query=asked, as_of=as_of, terms=[g.surface for g in groups], index_version=index.version)
    learned = taught.match(groups) if taught is not None else None
    if learned is not None:
        result.taught = learned.to_json()
        if learned.decisive:
            answered = _answer_from_taught(index, result, learned, as_of)
            if answered is not None:
                return answered
    lexical = score(index, groups)
    through_fields, through_leading, match = field_scores(index, query, field_boost)
    scores = np.maximum(lexical, FIELD_WEIGHT * through_fields) + AGREE_BONUS * np.minimum(lexical, through_fields)
    if match is not None:
        result.fields = [h.to_json() for h in match.hits]
    result.understood = round(understood_share(groups, match), 4)
    if index.size == 0 or not (groups or (match is not None and match.hits)):
        return _finish(result, UNKNOWN, ["not_understood" if index.size else "empty_index"])
    count = min(SHORTLIST, index.size)
    shortlist = np.argpartition(-scores, count - 1)[:count] if index.size > count else np.arange(index.size)
    top = sorted((int(i) for i in shortlist if scores[i] > 0), key=lambda i: (-float(scores[i]), index.docs[i].id))
    scores, top = _in_district(index, asked, scores, top)
    main_keys, all_keys = _query_keys(groups)
    buying = _buying(index, query)
    amount_asked = _asked(index, asked)  # the value the question names, for exclusions from a value on
    active: list[tuple[int, float]] = []
    inactive: list[tuple[int, float, str]] = []
    best_excluded = best_excluded_thing = best_elsewhere = 0.0  # … the last: for another setting
    referred: list[tuple[float, tuple[int, ...], str]] = []  # (score, where the exclusion sends it, from)
    settings = index.analyzer.sectors(query)  # "lærervikar til ungdomsskolen": the school
    for doc_index in top:
        found = _exclusion_of(index, doc_index, main_keys, all_keys, buying, amount_asked)
        how = found[0] if found else (_excluded_field(index, doc_index, match, rules.field_clear)
                                      or _other_setting(index, doc_index, settings))
        if how == "setting":  # not a candidate; and no evidence against the agreements for this setting
            result.excluded.append(index.docs[doc_index].id)
            best_elsewhere = max(best_elsewhere, float(scores[doc_index]))
            continue
        if how:
            result.excluded.append(index.docs[doc_index].id)
            best_excluded = max(best_excluded, float(scores[doc_index]))
            if how == "head":
                best_excluded_thing = max(best_excluded_thing, float(scores[doc_index]))
                sent_to = (found[1].refers or _naming(index, found[1], doc_index, top)) if found else ()
                if sent_to:
                    referred.append((float(scores[doc_index]), sent_to, index.docs[doc_index].id))
            continue
        status = status_on(index.docs[doc_index], as_of)
        value = float(scores[doc_index])
        if status == "active":
            active.append((doc_index, value))
        else:
            inactive.append((doc_index, value, status))
    instead = _referred(index, referred, active, scores, as_of, main_keys, all_keys, buying, amount_asked)
    if instead:
        active = sorted(active, key=lambda iv: (-iv[1], index.docs[iv[0]].id))
    best_active = active[0][1] if active else 0.0
    best_inactive = inactive[0][1] if inactive else 0.0
    # An active match is on topic when it belongs to one of the question's fields of purchase, or
    # matches the question's own words strongly; otherwise it matched incidental words ("teknisk
    # drift", "hjemmetjenesten") and must not stand in the way of an honest "none".
    lead_field = match.hits[0].score if match is not None and match.hits else 0.0
    clear_field = lead_field >= rules.field_clear
    on_topic = [(i, v) for i, v in active if i in instead or through_leading[i] >= ON_TOPIC_FIELD or lexical[i] >= rules.strong]
    best_on_topic = on_topic[0][1] if on_topic else 0.0
    worth_offering = best_on_topic if clear_field else best_active
    if clear_field:  # an inactive match off the question's topic is no evidence of "none" either
        inactive = [(i, v, st) for i, v, st in inactive if through_leading[i] >= ON_TOPIC_FIELD or lexical[i] >= rules.strong]
        best_inactive = inactive[0][1] if inactive else 0.0

    def explain_hit(doc_index: int, status: str, value: float) -> Hit:
        reasons = explain(index, doc_index, groups)
        if match is not None and FIELD_WEIGHT * through_fields[doc_index] >= lexical[doc_index]:
            reasons = [*_field_reasons(index, doc_index, match), *reasons]
        hit = described(index, doc_index, Hit.from_doc(index.docs[doc_index], status, value, reasons), as_of)
        hit.instead_of = instead.get(doc_index, "")
        return hit

    # an inactive agreement names the thing itself, and no active one comes near it in its own
    # words (the active ones were reached through the field of purchase only)
    literal_inactive = max((float(lexical[i]) for i, _, _ in inactive
                            if not clear_field or through_leading[i] >= ON_TOPIC_FIELD), default=0.0)
    literal_active = max((float(lexical[i]) for i, _ in active), default=0.0)
    literal_lead = literal_inactive >= rules.strong and literal_active < literal_inactive * ranking.alternative_share
    # 1. an inactive agreement is the best match: its successor, or "no active agreement" — unless
    #    an active agreement is still worth offering (then it is a candidate, never "none")
    if best_inactive >= rules.weak and (best_inactive * ranking.active_vs_inactive > best_active or literal_lead):
        active_set = {i for i, _ in active} | _all_active(index, as_of, [i for i, _, _ in inactive[:3]])
        for doc_index, value, status in inactive[:3]:
            if value < best_inactive * ranking.alternative_share:
                break
            follower = decide.successor(index, doc_index, active_set, [i for i, _ in active])
            if follower is not None and (_excluded(index, follower, main_keys, all_keys, buying, amount_asked)
                                         or _excluded_field(index, follower, match, rules.field_clear)
                                         or _other_setting(index, follower, settings)):
                follower = None  # the successor says it does not cover this ("Omfatter ikke tegnspråktolk")
            if follower is not None:
                hit = explain_hit(follower, "active", max(value, dict(active).get(follower, 0.0)))
                hit.replaces = index.docs[doc_index].id
                result.hits.append(hit)
                result.inactive_matches.append(explain_hit(doc_index, status, value))
                return _finish(result, AGREEMENT if value >= rules.strong else CANDIDATES, ["replaced"])
        floor = max(rules.weak, best_inactive * ranking.alternative_share)
        for doc_index, value, status in inactive:
            if value >= floor and len(result.inactive_matches) < limit:
                result.inactive_matches.append(explain_hit(doc_index, status, value))
        if literal_lead or best_active < max(rules.weak, best_inactive * ranking.active_vs_inactive):
            return _finish(result, NONE, ["inactive_match"])

    # 2. what is asked for is excluded by the best match, and no other active agreement is worth
    #    offering: none scores on the weak side, or — when the thing itself is excluded by an agreement
    #    that matched strongly — no active one comes near it (the rest matched incidental words)
    if max(best_excluded, best_elsewhere) >= rules.weak and best_active < rules.weak:
        return _finish(result, NONE, ["excluded" if best_excluded >= rules.weak else "other_setting"])
    if best_excluded_thing >= rules.weak and best_active < best_excluded_thing * ranking.active_vs_inactive:
        return _finish(result, NONE, ["excluded"])
    #    … or it outscores every active agreement, and none of those matches strongly
    if best_excluded > best_active and best_active < rules.strong and not (active and active[0][0] in instead):
        return _finish(result, NONE, ["excluded"])

    # 3. a clear field of purchase that no active agreement covers, and nothing on topic to offer —
    #    or a sure one, and nothing that would be more than a candidate
    sure_field = rules.field_sure is not None and lead_field >= rules.field_sure and best_active < rules.strong
    # (the register itself saying where it is covered outweighs the field reading)
    if clear_field and (worth_offering < rules.weak or sure_field) and not (active and active[0][0] in instead) and not _field_has_active(
            index, match, lead_field, as_of, rules.field_link):
        return _finish(result, NONE, ["field_without_agreement"])

    if best_active < rules.weak:
        return _finish(result, UNKNOWN, ["weak_match" if best_active > 0 else "not_understood"])

    # 4. the agreement(s), or candidates (an employee's earlier pick for the same question first);
    #    an inactive or excluding best match makes it candidates at most
    contested = bool(result.inactive_matches) or best_excluded > best_active
    floor = max(rules.weak, best_active * ranking.alternative_share)
    chosen = [(i, s) for i, s in active if s >= floor]
    picked = index.positions.get(learned.agreement_id) if learned is not None and learned.agreement_id else None
    if picked is not None and status_on(index.docs[picked], as_of) != "active":
        picked = None
    if picked is not None:
        # ordering only: one person's pick never makes it "the agreement"
        chosen = [(picked, max(best_active, dict(active).get(picked, 0.0)))] + [(i, s) for i, s in chosen if i != picked]
    chosen = _group_parallel(index, chosen, best_active * ranking.parallel_share, result)
    lead_ids = set(result.parallel[0]) if result.parallel else {chosen[0][0]}
    rival = next((s for i, s in chosen if i not in lead_ids and index.docs[i].id not in lead_ids), 0.0)
    for doc_index, value in chosen[: max(limit, len(result.parallel[0]) if result.parallel else 0)]:
        result.hits.append(explain_hit(doc_index, "active", value))
    clear = rival < best_active * rules.margin
    sent = ["referred"] if result.hits and result.hits[0].instead_of else []
    if best_active >= rules.strong and clear and result.understood >= rules.understood and picked is None and not contested:
        return _finish(result, AGREEMENT, ["strong_match", "parallel" if result.parallel else "clear", *sent])
    reasons = ["picked_before"] if picked is not None else []
    if best_active < rules.strong:
        reasons.append("weak_match")
    if not clear:
        reasons.append("close_alternatives")
    if result.understood < rules.understood:
        reasons.append("partly_understood")
    if contested:
        reasons.append("inactive_or_excluded_match")
    return _finish(result, CANDIDATES, reasons + sent)


ENDS_SOON_DAYS = 30


def described(index: SearchIndex, doc_index: int, hit: Hit, as_of: dt.date) -> Hit:
    """A hit with what the employee needs to see on the card: the scope and what it excludes,
    and a notice when it ends within 30 days without an option left (with its successor, or the
    competition under way)."""
    doc = index.docs[doc_index]
    scope, _items = split_exclusions(doc.description, index.analyzer)
    hit.scope = " ".join(scope.split())
    hit.excludes = index.exclusions_text(doc_index) or _items
    hit.ranked = bool(doc.ranked)
    lead = decide.primary_field(index, doc_index)
    hit.kind = index.fields.fields[lead].kind if lead is not None and index.fields is not None else ""
    end = doc.end_date
    if hit.status == "active" and end is not None and (end - as_of).days <= ENDS_SOON_DAYS and (
        doc.final_end_date is None or doc.final_end_date <= end
    ):
        follower = None
        competing = None
        neighbours = index.field_links[lead][0].tolist() if lead is not None and index.field_links else []
        for other in neighbours:
            if other == doc_index or not decide.same_need(index, doc_index, other):
                continue
            status = status_on(index.docs[other], as_of)
            start = index.docs[other].start_date
            if status in ("active", "not_started") and start is not None and start > as_of and follower is None:
                follower = index.docs[other].id
            elif status == "under_competition" and competing is None:
                competing = index.docs[other].id
        hit.ends_soon = {"end": end.isoformat(), "successor": follower, "under_competition": competing}
    return hit


def _answer_from_taught(index: SearchIndex, result: SearchResult, learned: Any, as_of: dt.date) -> SearchResult | None:
    """What was taught answers the question: the agreement (while it is active), or "none"."""
    if not learned.agreement_id:
        return _finish(result, NONE, ["taught"])
    position = index.positions.get(learned.agreement_id)
    if position is None:
        return None  # the agreement left the register: answer as if nothing was taught
    status = status_on(index.docs[position], as_of)
    hit = described(index, position, Hit.from_doc(index.docs[position], status, 1.0, []), as_of)
    if status != "active":
        result.inactive_matches.append(hit)
        return _finish(result, NONE, ["taught", "inactive_match"])
    result.hits.append(hit)
    return _finish(result, AGREEMENT, ["taught"])


def _finish(result: SearchResult, answer: str, why: list[str]) -> SearchResult:
    result.answer = answer
    result.why = why
    result.no_active_agreement = answer == NONE
    return result


def _all_active(index: SearchIndex, as_of: dt.date, around: list[int]) -> set[int]:
    """Active agreements among those the inactive ones name or are named by (their successors may
    not have matched)."""
    found: set[int] = set()
    for doc_index in around:
        named = [*(index.mentions[doc_index] if index.mentions else []),
                 *(index.mentioned_by[doc_index] if index.mentioned_by else [])]
        for other in named:
            if status_on(index.docs[other], as_of) == "active":
                found.add(other)
    return found


def _field_has_active(index: SearchIndex, match: Any, lead: float, as_of: dt.date, strength: float) -> bool:
    """Does an active agreement cover one of the question's leading fields?"""
    for hit in match.hits:
        if hit.score < lead * 0.85:
            break
        ids, strengths = index.field_links[index.fields.position[hit.field.id]]
        for doc_index, value in zip(ids.tolist(), strengths.tolist(), strict=True):
            if value >= strength and status_on(index.docs[doc_index], as_of) == "active":
                return True
    return False


def _group_parallel(
    index: SearchIndex, chosen: list[tuple[int, float]], parallel_floor: float, result: SearchResult
) -> list[tuple[int, float]]:
    """Bring together the active agreements that cover the same need as the best one and score
    about equally: the question cannot tell them apart (parallel agreements, areas, premises)."""
    if not chosen:
        return chosen
    lead = chosen[0][0]
    together = [(i, s) for i, s in chosen if s >= parallel_floor and (i == lead or _same_need(index, lead, i))]
    together = together[:MAX_PARALLEL]
    if len(together) > 1:
        result.parallel.append([index.docs[i].id for i, _ in together])
    rest = [(i, s) for i, s in chosen if (i, s) not in together]
    return together + rest


def _same_need(index: SearchIndex, a: int, b: int) -> bool:
    if index.doc_links:
        return decide.same_need(index, a, b)
    return category_key(index.docs[a].category) == category_key(index.docs[b].category)
