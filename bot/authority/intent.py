"""What a message asks of the authority answer, from the meaning of its words.

A question is about procurement authority when it names one of a few *concepts* — approving,
signing, carrying out the purchase, announcing (Doffin, TED), a competition or tender, quotes,
the procedure or rules, a threshold, a direct purchase, authority, a call-off — in any of its
forms: bokmål, nynorsk or English, any inflection ("godkjenne", "godkjent", "kven godkjenner",
"approval"), inside a compound ("signeringsfullmakt", "anbudskonkurranse"). Words are compared
after lemmatisation (simplemma nb/nn/en), so a concept is listed once per language, not once per
phrasing. A message with a money amount is an authority question too: only the authority answer
uses the amount (and it checks the agreements through rule 0).

The concept words are data: `knowledge/authority/language.yaml`, `intent`.

The conversation routing (bot/teams) calls only `is_authority_question` and
`followup_previous`; everything else is here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.authority.knowledge import compile_pattern
from bot.authority.parse import Language, find_amounts, language, normalise

_WORD = re.compile(r"[\wæøå-]+")


@dataclass
class Intent:
    """The concepts a message names and what it asks first (its `focus`)."""

    concepts: list[str] = field(default_factory=list)
    focus: str | None = None  # the first concept in the language file's order of focus
    has_amount: bool = False

    @property
    def is_authority(self) -> bool:
        return bool(self.concepts) or self.has_amount


@lru_cache(maxsize=8192)
def _lemmas(word: str) -> tuple[str, ...]:
    from simplemma import lemmatize

    out = {word}
    for code in ("nb", "nn", "en"):
        try:
            out.add(lemmatize(word, lang=code).lower())
        except ValueError:  # pragma: no cover - a language simplemma does not have
            continue
    return tuple(sorted(out))


def lemma_text(text: str) -> str:
    """The text with every word replaced by its lemmas (all three languages), space separated."""
    return " ".join("/".join(_lemmas(w)) for w in _WORD.findall(text))


def _found(patterns: list[str], text: str, lemmas: str) -> str | None:
    for pattern in patterns:
        compiled = compile_pattern(pattern)
        if compiled.search(text):
            return pattern
        if " " not in pattern and compiled.search(lemmas.replace("/", " ")):
            return pattern
    return None


def _scrub(text: str, patterns: list[str]) -> str:
    for pattern in patterns:
        text = compile_pattern(pattern).sub(" ", text)
    return text


def recognise(text: str, lang: Language | None = None) -> Intent:
    """The concepts of a message (normalised or not)."""
    lang = lang or language()
    words = lang.intent
    lowered = normalise(text)
    scrubbed = _scrub(lowered, words.not_concepts)
    lemmas = lemma_text(scrubbed)
    concepts = [name for name, patterns in words.concepts.items() if _found(patterns, scrubbed, lemmas)]
    order = [c for c in words.focus_order if c in concepts]
    from bot.authority.amounts import words_to_digits

    money = bool(find_amounts(words_to_digits(lowered, lang), lang))
    return Intent(concepts=concepts, focus=order[0] if order else (concepts[0] if concepts else None), has_amount=money)


def is_authority_question(text: str) -> bool:
    """Does this message ask who approves, signs or carries out a purchase, or which procedure,
    threshold or requirement applies (or give an amount for a purchase)?"""
    return recognise(text).is_authority


def has_own_subject(text: str) -> bool:
    """Does the message name what is bought (not only ask about procedure)?"""
    from bot.authority.parse import parse

    return bool(parse(text).subject)


SEARCH_ANSWER_KINDS = {"agreement", "agreements", "category"}


def followup_previous(text: str, state: dict[str, Any]) -> dict[str, Any] | None:
    """After an agreement answer, a question about authority without a subject of its own ("hvem
    må godkjenne?", "må det ut på Doffin?", "and who signs?") is about that agreement: the earlier
    question and the agreement(s) it found, as `previous` for `analyse` (rule 0 with those
    agreements). None when the message is not such a follow-up."""
    if state.get("last_kind") not in SEARCH_ANSWER_KINDS or not state.get("last_query"):
        return None
    if not is_authority_question(text) or has_own_subject(text):
        return None
    return {"question": str(state["last_query"]), "agreement_ids": list(state.get("last_result_ids") or [])[:1],
            "missing": ["value"]}
