"""The in-memory search index: built once from plain agreements, read by many questions.

For every key (see `bot.search.text`) the index holds a posting list: the agreements whose
title, keywords, category, description, suppliers or CPV labels contain it, each with a field
score in [0, ~1.2] — the best field's weight (knowledge/search/ranking.yaml) plus a small bonus
per further field. Compounds in the agreements are split into known parts (at a lower weight), so
"skadedyr" finds "Skadedyrkontroll". What an agreement's description says it does NOT cover is
kept apart (`exclusions`) and not indexed as positive text.
"""

from __future__ import annotations

import re
import time
from array import array
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from agreements_sync.validate import ENUMERATION
from bot.search.models import AgreementDoc
from bot.search.text import LETTER_WORDS, Analyzer, Token, fold, primary_key, split_compound, split_known_prefix, word_keys
from bot.search.vocabulary import Vocabulary, cpv_labels

FIELDS = ("title", "keywords", "category", "suppliers", "description", "cpv", "cpv_parent")
FIELD_BITS = {name: position for position, name in enumerate(FIELDS)}
_SUPPLIER_NOISE = {"as", "asa", "da", "ans", "sa", "ba", "ks", "nuf", "iks", "kf"}


@dataclass
class Exclusion:
    """One excluded item, "møbler til barnehager": the keysets of its words that the agreement
    does not otherwise cover, for the head ("møbler") and the qualifier ("barnehager")."""

    text: str
    head: tuple[frozenset[str], ...]
    qualifier: tuple[frozenset[str], ...]
    # where the description sends it instead ("(se catering)", "(BK-2024-031)"), as written, and
    # the agreements that names (bot.search.decide.referrals, after the index is built)
    referral: str = ""
    refers: tuple[int, ...] = ()
    # the item is the agreement's own thing bought ("kjøp av matter" on an agreement to rent them)
    purchase: bool = False
    # excluded only from this value on ("nye anlegg over 500 000 kr"), and whether it is about new things
    min_value: float | None = None
    new: bool = False


@dataclass
class SearchIndex:
    docs: list[AgreementDoc]
    postings: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # key -> (doc ids, scores, field bits)
    known: set[str]  # folded words and keys the index and vocabulary know (compound parts, fuzzy)
    fuzzy_choices: list[str]
    fuzzy_originals: dict[str, str]
    exclusions: list[list[Exclusion]]
    categories: dict[str, list[int]]
    vocabulary: Vocabulary
    analyzer: Analyzer
    version: int | None = None
    build_seconds: float = 0.0
    extra: dict = field(default_factory=dict)
    # the taxonomy: fields of purchase, and per field the agreements linked to it (bot.search.links)
    fields: Any = None  # bot.search.fields.FieldMatcher | None
    field_links: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # per field: (doc ids, strengths)
    doc_links: list[dict[int, float]] = field(default_factory=list)  # per agreement: {field position: strength}
    mentions: list[list[int]] = field(default_factory=list)  # per agreement: agreements its description names
    mentioned_by: list[list[int]] = field(default_factory=list)  # per agreement: agreements whose description names it
    excluded_fields: list[tuple[str, ...]] = field(default_factory=list)  # per agreement: field ids it excludes
    excluded_things: list[tuple[str, ...]] = field(default_factory=list)  # … of them, the bare things (no qualifier)
    # how much a word found in every document still counts (0.6 for agreements; the taxonomy's
    # fields use less: a word in many fields — "legge", "rom" — says little about which one)
    specificity_floor: float = 0.6

    @property
    def positions(self) -> dict[str, int]:
        """Agreement id → its position in `docs` (made on first use)."""
        found = self.extra.get("positions")
        if found is None:
            found = self.extra["positions"] = {doc.id: i for i, doc in enumerate(self.docs)}
        return found

    @property
    def size(self) -> int:
        return len(self.docs)

    def df(self, keyset: frozenset[str]) -> int:
        return max((len(self.postings[k][0]) for k in keyset if k in self.postings), default=0)

    def has(self, keyset: frozenset[str]) -> bool:
        return any(k in self.postings for k in keyset)

    def field_keys(self, doc_index: int) -> dict[str, dict[str, str]]:
        """For explaining a hit: per field, key → the agreement's word that produced it (slow)."""
        return _doc_field_keys(self.docs[doc_index], self.analyzer, self.known, self.vocabulary, self.exclusions_text(doc_index))

    def fields_of(self, keyset: frozenset[str], doc_index: int) -> list[str]:
        """The fields of an agreement that contain any of the keys (from the postings' field bits)."""
        bits = 0
        for key in keyset:
            posting = self.postings.get(key)
            if posting is None:
                continue
            ids, _scores, masks = posting
            at = int(np.searchsorted(ids, doc_index))
            if at < len(ids) and ids[at] == doc_index:
                bits |= int(masks[at])
        return [name for position, name in enumerate(FIELDS) if bits & (1 << position)]

    def exclusions_text(self, doc_index: int) -> list[str]:
        return [e.text for e in self.exclusions[doc_index]]


def category_key(category: str) -> str:
    return " ".join(fold(category).split())


# --- exclusions in descriptions -----------------------------------------------------------------


def split_exclusions(description: str, analyzer: Analyzer) -> tuple[str, list[str]]:
    """The description without its "does not cover" statements, and the excluded items."""
    positive, items = exclusion_items(description, analyzer)
    return positive, [item for item, _referral in items]


def exclusion_items(description: str, analyzer: Analyzer) -> tuple[str, list[tuple[str, str]]]:
    """The description without its "does not cover" statements, and the excluded items, each with
    the parenthesis that sends it elsewhere ("bløtkaker og kaker til arrangementer (se catering)":
    both items, "catering"), or ""."""
    markers = analyzer.language.exclusions
    text = description
    lowered = _masked(text.lower(), markers.abbreviations)
    spans: list[tuple[int, int]] = []
    items: list[tuple[str, str]] = []
    for marker in markers.before:
        for match in re.finditer(re.escape(marker), lowered):
            start = match.start()
            # "Omfatter ikke: a, b og c" / "Omfattar ikkje – a": the list starts after the colon or dash
            rest = lowered[match.end():]
            rest_start = match.end() + len(rest) - len(rest.lstrip(" :\u2013\u2014-"))
            end = _clause_end(lowered, rest_start, markers.stop)
            spans.append((start, end))
            items.extend(_referred_items(_joined(text[rest_start:end], markers.pairs), markers.separators,
                                         markers.example_words))
    stated = list(spans)  # the "does not cover …" statements
    for marker in markers.after:
        for match in re.finditer(re.escape(marker), lowered):
            sentence_start = max(lowered.rfind(". ", 0, match.start()) + 2, 0) if ". " in lowered[: match.start()] else 0
            if any(sentence_start <= start < match.start() for start, _end in stated):
                continue  # "Omfatter ikke låneopptak, som konkurranseutsettes særskilt": said already
            end = match.end()
            sentence = text[sentence_start:match.start()]
            subject = _subject(sentence, markers.subject_verbs)
            spans.append((sentence_start, end))
            items.extend(_referred_items(_joined(subject, markers.pairs), markers.separators, markers.example_words))
    if not spans:
        return description, []
    keep: list[str] = []
    last = 0
    for start, end in sorted(spans):
        if start > last:
            keep.append(text[last:start])
        last = max(last, end)
    keep.append(text[last:])
    return " ".join(keep), [(i, r) for i, r in items if i.strip()]


def _masked(lowered: str, abbreviations: list[str]) -> str:
    """The text with the full stops of its abbreviations ("f.eks.") and the statement marks inside
    its parentheses ("(f.eks. fysioterapi, kiropraktor)") hidden, same length: a statement does not end
    there."""
    for abbreviation in sorted(abbreviations, key=len, reverse=True):
        lowered = re.sub(rf"(?<![\w.]){re.escape(abbreviation.lower())}", lambda m: m.group(0).replace(".", "\u2024"), lowered)
    return _PARENTHESIS.sub(lambda m: re.sub(r"[.;:]", "\u2024", m.group(0)), lowered)


def _joined(text: str, pairs: list[str]) -> str:
    """The text with each of `pairs` held together ("Transport til og frå leirskulen" is one item, not
    "Transport til" and "frå leirskulen"): their spaces become no-break spaces, which the separators
    do not split and the items' words are read across as usual."""
    for pair in pairs:
        text = re.sub(rf"(?i)\b{re.escape(pair)}\b", lambda m: m.group(0).replace(" ", "\u00a0"), text)
    return text


_PARENTHESIS = re.compile(r"\(([^)]*)\)")
_MARK = re.compile(r"\s*\u27e6(\d+)\u27e7")


# the marks of a numbered or lettered list written on one line (the sync's, "(1) Pasientreiser
# (2) TT-ordningen"): each part is a list of its own, never a parenthesis that sends elsewhere
_ENUMERATION = re.compile(ENUMERATION)


def _referred_items(text: str, separators: list[str], example_words: list[str] | None = None) -> list[tuple[str, str]]:
    """`_items`, each item with the parenthesis that follows it; an item without one takes the
    next item's when a parenthesis closes the list ("a og b (se X)": both), not a later one. A
    parenthesis of examples ("skader (f.eks. fysioterapi, kiropraktor)") adds its items instead.
    Each part of a numbered list is read on its own."""
    parts = [part for part in _ENUMERATION.split(text) if part.strip(" .,;")]
    if len(parts) > 1:
        return [found for part in parts for found in _referred_items(part, separators, example_words)]
    said: list[str] = []
    examples = sorted((w.lower() for w in example_words or []), key=len, reverse=True)

    def mark(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        opening = next((w for w in examples if inner.lower().startswith(w)
                        and (len(inner) == len(w) or not inner[len(w)].isalnum())), None)
        if opening is not None:
            return f", {inner[len(opening):].strip(' .,:')} "
        said.append(inner)
        return f" \u27e6{len(said) - 1}\u27e7 "

    # (the marks' brackets are taken out of the text first: a description cannot forge one)
    items = _items(_PARENTHESIS.sub(mark, text.replace("\u27e6", " ").replace("\u27e7", " ")), separators)
    found: list[tuple[str, str]] = []
    for item in items:
        refs = [said[int(m.group(1))] for m in _MARK.finditer(item) if int(m.group(1)) < len(said)]
        plain = " ".join(_MARK.sub(" ", item).split()).strip(" .,")
        lead = next((w for w in examples if plain.lower().startswith(w + " ")), None)
        if lead is not None:  # "Omfatter ikke f.eks. truckførerkurs": the item is what follows
            plain = plain[len(lead):].strip(" .,")
        if plain:
            found.append((plain, refs[0] if refs else ""))
        elif refs and found and not found[-1][1]:  # the parenthesis stood alone after a separator
            found[-1] = (found[-1][0], refs[0])
    referral = ""
    for position in range(len(found) - 1, -1, -1):  # a list's closing parenthesis covers the items before it
        item, own = found[position]
        if own:
            referral = own if position == len(found) - 1 or referral else ""
        elif referral:
            found[position] = (item, referral)
    return found


def value_condition(item: str) -> tuple[str, float | None]:
    """An excluded item with the value from which it is excluded ("nye anlegg over 500 000 kr",
    "nyanlegg over 1 MNOK"): the thing ("nye anlegg") and the value; else the item and None."""
    if not any(ch.isdigit() for ch in item):
        return item, None
    from bot.authority.amounts import find_amounts, words_to_digits
    from bot.authority.parse import language, normalise

    lang = language()
    text = words_to_digits(normalise(item), lang)
    found = [a for a in find_amounts(text, lang) if a.bound in ("above", "at_least")]
    if not found:
        return item, None
    cut = min(a.start for a in found)
    bounds = [*lang.amounts.bounds.above, *lang.amounts.bounds.at_least]
    thing = re.sub(rf"(?:\s|^)(?:{'|'.join(re.escape(b) for b in bounds)})\s*$", " ", text[:cut].rstrip(), flags=re.IGNORECASE)
    return " ".join(thing.split()), min(a.nok for a in found)


class Stated(NamedTuple):
    """What the caller has read from the whole question already when it searches for the thing alone
    (the authority answer searches its subject, without the amount or "nytt"): the purchase's value
    and the question as asked. Exclusions from a value on use them."""

    value: float | None
    question: str


STATED: ContextVar[Stated | None] = ContextVar("stated", default=None)


def asked_value(question: str) -> float | None:
    """The largest amount a question names that is not an upper bound ("ca 3 mill", "over 600 000"),
    or the value the caller stated (`STATED`)."""
    stated = STATED.get()
    if stated is not None:
        return stated.value
    if not any(ch.isdigit() for ch in question) and "million" not in question.lower():
        return None
    from bot.authority.amounts import find_amounts, words_to_digits
    from bot.authority.parse import language, normalise

    lang = language()
    found = [a.nok for a in find_amounts(words_to_digits(normalise(question), lang), lang) if a.bound not in ("below", "at_most")]
    return max(found, default=None)


def _bought(item: str, purchase_words: frozenset[str]) -> bool:
    """The excluded item says buying ("kjøp av matter")."""
    return any(word in purchase_words for word in LETTER_WORDS.findall(item.lower()))


def _clause_end(lowered: str, start: int, stops: list[str]) -> int:
    end = len(lowered)
    for stop in stops:
        position = lowered.find(stop, start)
        if position != -1:
            end = min(end, position)
    if lowered.endswith(".") and end == len(lowered):
        end -= 1
    return end


def _subject(sentence: str, verbs: list[str]) -> str:
    words = sentence.split()
    for i, word in enumerate(words):
        if i > 0 and word.lower().strip(",.") in verbs:
            return " ".join(words[:i])
    return sentence


def _items(text: str, separators: list[str]) -> list[str]:
    text = re.sub(r"\([^)]*\)", " ", text)
    parts = [text]
    for separator in separators:
        next_parts: list[str] = []
        for part in parts:
            pieces = part.split(separator)
            # "formingsmateriell til skole og barnehage": a lone word after " og " inside a
            # prepositional phrase is a second qualifier of the same head.
            merged: list[str] = []
            comma = separator.startswith(",")
            for piece in pieces:
                previous = merged[-1] if merged else ""
                preposition = next((p for p in (" til ", " for ", " i ", " på ", " ved ") if p in f" {previous} "), None)
                head = f" {previous} ".split(preposition)[0].strip() if preposition else ""
                head_word = head.split()[-1] if head else ""
                # a comma piece of lone words ("møbler til skoler, barnehager og sykehjem") qualifies the
                # same head, unless the piece before closed its own list ("… eller hjemmekontor, papir") or
                # its qualifier is more than one word ("hjelpemiddel ved varig behov, høyreapparat")
                lone = [w for w in re.split(r" og | eller ", piece.strip()) if w.strip()] if comma else [piece]
                qualifier = f" {previous} ".split(preposition, 1)[1].split() if preposition else []
                closed = comma and (any(c in f" {previous} " for c in (" og ", " eller ")) or len(qualifier) != 1)
                words = lone[0].split() if lone else []
                # "møbler til barnehager og elevmøbler": a word ending in the head noun is a new item
                same_kind = bool(head_word) and any(primary_key(w.split()[0]).endswith(primary_key(head_word))
                                                    for w in lone if w.split())
                if (merged and preposition and not same_kind and not closed and lone
                        and all(len(w.split()) == 1 for w in lone)):
                    merged.append(" og ".join(f"{head}{preposition}{w.strip()}" for w in lone) if comma
                                  else f"{head}{preposition}{words[0]}")
                else:
                    merged.append(piece)
            next_parts.extend(merged)
        parts = next_parts
    cleaned = [re.sub(r"^\s*(ikke|heller ikke)\s+", "", p.strip(" .,")).strip() for p in parts]
    # "vann- og avløpsledninger": the lone prefix "vann-" is part of the next item
    return [c for c in cleaned if c and not c.endswith("-")]


# --- building -----------------------------------------------------------------------------------


def _field_texts(doc: AgreementDoc, vocabulary: Vocabulary, positive_description: str) -> dict[str, list[str]]:
    cpv_own: list[str] = []
    cpv_parent: list[str] = []
    for code in doc.cpv_codes:
        own, parents = cpv_labels(code, vocabulary.cpv)
        cpv_own.extend(own)
        cpv_parent.extend(parents)
    suppliers = [" ".join(w for w in s.name.split() if w.lower().strip(".") not in _SUPPLIER_NOISE) for s in doc.suppliers]
    suppliers += [s.org_number for s in doc.suppliers if s.org_number]
    codes = [code.split("-")[0] for code in doc.cpv_codes]
    return {
        "title": [doc.title],
        "keywords": [*doc.keywords, *codes],
        "category": [doc.category],
        "suppliers": suppliers,
        "description": [positive_description],
        "cpv": cpv_own,
        "cpv_parent": cpv_parent,
    }


def _token_keys(token: Token, known: set[str], split_min_length: int = 6, *, prefix_split: bool = False) -> tuple[frozenset[str], list[str]]:
    """Keys of a token and its compound parts (hyphen parts, or a split into known words;
    with `prefix_split`, a known first part and whatever follows)."""
    keys = word_keys(token.text)
    parts: list[str] = list(token.parts)
    if not parts and len(token.text) >= split_min_length:
        split = split_compound(token.text, known)
        if split:
            parts = list(split)
        elif prefix_split:
            pair = split_known_prefix(token.text, known)
            if pair:
                parts = list(pair)
    return keys, parts


def _doc_field_keys(
    doc: AgreementDoc, analyzer: Analyzer, known: set[str], vocabulary: Vocabulary, _excluded: list[str] | None = None
) -> dict[str, dict[str, str]]:
    positive, _ = split_exclusions(doc.description, analyzer)
    result: dict[str, dict[str, str]] = {}
    for field_name, texts in _field_texts(doc, vocabulary, positive).items():
        keys: dict[str, str] = {}
        for text in texts:
            for token in analyzer.tokens(text):
                token_keys, parts = _token_keys(token, known, prefix_split=not field_name.startswith("cpv"))
                for key in token_keys:
                    keys.setdefault(key, token.text)
                for part in parts:
                    for key in word_keys(part):
                        keys.setdefault(key, token.text)
        result[field_name] = keys
    return result


def build_index(
    docs: list[AgreementDoc], vocabulary: Vocabulary, analyzer: Analyzer | None = None, *, version: int | None = None
) -> SearchIndex:
    started = time.perf_counter()
    analyzer = analyzer or Analyzer()
    ranking = vocabulary.ranking
    weights = {name: ranking.fields.get(name, 0.0) for name in FIELDS}

    # 1. texts per field, exclusions apart; the lexicon of known words
    tokenised: list[dict[str, list[Token]]] = []
    exclusion_texts: list[list[tuple[str, str]]] = []
    known: set[str] = set()
    fuzzy_originals: dict[str, str] = {}
    text_cache: dict[str, list[Token]] = {}
    canonical: dict[tuple[str, tuple[str, ...]], Token] = {}  # one shared Token per word: memory

    def tokens_of(text: str) -> list[Token]:
        found = text_cache.get(text)
        if found is None:
            found = [canonical.setdefault((t.text, t.parts), t) for t in analyzer.tokens(text)]
            if len(text) <= 160:  # descriptions are mostly unique: not worth keeping
                text_cache[text] = found
        return found

    for doc in docs:
        positive, excluded = exclusion_items(doc.description, analyzer)
        exclusion_texts.append(excluded)
        fields: dict[str, list[Token]] = {}
        for field_name, texts in _field_texts(doc, vocabulary, positive).items():
            tokens = [t for text in texts for t in tokens_of(text)]
            fields[field_name] = tokens
            if field_name in ("cpv", "cpv_parent"):
                continue  # CPV labels (Danish, Swedish, English) are matched, not used as a lexicon
            for token in tokens:
                folded = fold(token.text)
                known.add(folded)
                known.update(fold(p) for p in token.parts)
                if len(folded) >= 4 and not folded.isdigit():
                    fuzzy_originals.setdefault(folded, token.text)
        tokenised.append(fields)
    known = {k for k in known if len(k) >= 3 and k not in analyzer.folded_stopwords}
    known |= {primary_key(word) for word in list(known)}

    # 2. postings (compound parts of the agreements' words join the lexicon)
    split_parts: set[str] = set()
    token_cache: dict[tuple[str, tuple[str, ...], bool], tuple[frozenset[str], list[str]]] = {}
    # compact typed arrays while collecting: Python lists of numbers would cost ~10x the memory
    collected: dict[str, tuple[array, array, array]] = {}
    # per excluded item: (text, [(keyset, is_qualifier)]) not covered by the agreement's own text
    pending_exclusions: list[list[tuple[str, str, list[tuple[frozenset[str], bool]], str, float | None]]] = []
    for doc_index, fields in enumerate(tokenised):
        per_key: dict[str, dict[str, float]] = {}
        for field_name, tokens in fields.items():
            weight = weights[field_name]
            if weight <= 0:
                continue
            for token in tokens:
                cache_key = (token.text, token.parts, field_name not in ("cpv", "cpv_parent"))
                cached = token_cache.get(cache_key)
                if cached is None:
                    cached = token_cache[cache_key] = _token_keys(token, known, prefix_split=cache_key[2])
                token_keys, parts = cached
                if field_name not in ("cpv", "cpv_parent"):
                    split_parts.update(fold(p) for p in parts if len(p) >= 3)
                for key in token_keys:
                    slot = per_key.setdefault(key, {})
                    slot[field_name] = max(slot.get(field_name, 0.0), weight)
                part_weight = weight * ranking.compound_part
                for part in parts:
                    for key in word_keys(part):
                        slot = per_key.setdefault(key, {})
                        slot[field_name] = max(slot.get(field_name, 0.0), part_weight)
        positive_keys: set[str] = set()
        for key, by_field in per_key.items():
            score = max(by_field.values()) + ranking.multi_field_bonus * min(len(by_field) - 1, 2)
            slot_arrays = collected.get(key)
            if slot_arrays is None:
                slot_arrays = collected[key] = (array("i"), array("f"), array("B"))
            ids, scores, masks = slot_arrays
            ids.append(doc_index)
            scores.append(score)
            masks.append(sum(1 << FIELD_BITS[name] for name in by_field))
            if any(f in by_field for f in ("title", "keywords", "category", "description")):
                positive_keys.add(key)
        pending: list[tuple[str, str, list[tuple[frozenset[str], bool]], str, float | None]] = []
        for item, referral in exclusion_texts[doc_index]:
            words: list[tuple[frozenset[str], bool]] = []
            thing, min_value = value_condition(item)
            for token in analyzer.tokens(thing):
                token_keys, parts = _token_keys(token, known)
                for keyset in [token_keys] + [word_keys(p) for p in parts]:
                    if not keyset & positive_keys:
                        words.append((keyset, token.context))
            pending.append((item, referral, words, thing, min_value))
        pending_exclusions.append(pending)
    postings = {
        key: (np.frombuffer(ids, dtype=np.int32).copy(), np.frombuffer(scores, dtype=np.float32).copy(),
              np.frombuffer(masks, dtype=np.uint8).copy())
        for key, (ids, scores, masks) in collected.items()
    }
    del collected

    known |= split_parts
    known |= {primary_key(p) for p in split_parts}

    # 3. exclusions: the words of each excluded item that the agreement does not otherwise cover
    n_docs = max(len(docs), 1)
    purchase_words = frozenset(analyzer.language.exclusions.purchase_words)
    new_words = frozenset(analyzer.language.exclusions.new_words)
    exclusions: list[list[Exclusion]] = []
    for pending in pending_exclusions:
        entries: list[Exclusion] = []
        for item, referral, words, thing, min_value in pending:
            head: list[frozenset[str]] = []
            qualifier: list[frozenset[str]] = []
            for keyset, is_qualifier in words:
                df = max((len(postings[k][0]) for k in keyset if k in postings), default=0)
                if df / n_docs > 0.15 and n_docs >= 20:
                    continue  # too common to tell the excluded thing apart
                (qualifier if is_qualifier else head).append(keyset)
            bought = _bought(item, purchase_words)
            if head or qualifier or bought or min_value is not None:
                new = min_value is not None and any(w in new_words for w in LETTER_WORDS.findall(thing.lower()))
                entries.append(Exclusion(item, tuple(head), tuple(qualifier), referral, purchase=bought,
                                         min_value=min_value, new=new))
        exclusions.append(entries)

    categories: dict[str, list[int]] = {}
    for doc_index, doc in enumerate(docs):
        categories.setdefault(category_key(doc.category), []).append(doc_index)

    fuzzy_choices = sorted(fuzzy_originals)
    return SearchIndex(
        docs=list(docs), postings=postings, known=known, fuzzy_choices=fuzzy_choices,
        fuzzy_originals=fuzzy_originals,
        exclusions=exclusions, categories=categories, vocabulary=vocabulary, analyzer=analyzer,
        version=version, build_seconds=time.perf_counter() - started,
    )


def attach_fields(index: SearchIndex, fields: Any, links: list[dict[int, float]]) -> None:
    """Give the index the taxonomy and the agreements' links to its fields (bot.search.links)."""
    per_field: list[tuple[list[int], list[float]]] = [([], []) for _ in fields.fields]
    for doc_index, doc_links in enumerate(links):
        for position, strength in doc_links.items():
            per_field[position][0].append(doc_index)
            per_field[position][1].append(strength)
    index.fields = fields
    index.doc_links = links
    index.field_links = [(np.array(ids, dtype=np.int32), np.array(values, dtype=np.float32)) for ids, values in per_field]
