"""Recognising what a message asks, from the cue words in `knowledge/bot/routing.yaml`.

Plain functions on strings; no SDK, no database.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pydantic import BaseModel, Field

from agreements_sync.i18n import Language
from agreements_sync.knowledge import load_model


class Routing(BaseModel):
    help_words: list[str]
    greeting_words: list[str] = Field(default_factory=list)
    thanks_words: list[str] = Field(default_factory=list)
    language_commands: dict[Language, list[str]] = Field(default_factory=dict)
    refine_prefixes: list[str] = Field(default_factory=list)
    amount_followup_prefixes: list[str] = Field(default_factory=list)
    followup_max_words: int = 5
    followup_max_age_minutes: int = 60


@lru_cache(maxsize=1)
def routing() -> Routing:
    return load_model("bot/routing.yaml", Routing)


# 800 000 kr, 1,5 mill, 2 millioner, 500k, NOK 3 000 000, 120 000,-
_AMOUNT = re.compile(
    r"(?<![\w.,])(?:nok|kr\.?)?\s*\d[\d\s.,]*(?:\s*(?:mill(?:ioner|ion|ions)?\.?|mnok|mrd|milliard(?:er)?|k|tusen|kr\.?|kroner|nok|,-))?(?!\w)",
    re.IGNORECASE,
)
_UNIT = re.compile(r"mill|mnok|mrd|milliard|\bk\b|tusen|kr|kroner|nok|,-", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def normalise(text: str | None) -> str:
    """Collapse whitespace, strip Teams leftovers (&nbsp;, a trailing bot mention)."""
    if not text:
        return ""
    text = text.replace("\u00a0", " ").replace("&nbsp;", " ")
    return _SPACES.sub(" ", text).strip()


def _phrase_in(phrase: str, lowered: str) -> bool:
    if not phrase.strip("?"):
        return lowered.strip() == phrase
    return re.search(rf"(?<!\w){re.escape(phrase.lower())}(?!\w)", lowered) is not None


def _words(text: str) -> list[str]:
    return re.findall(r"[\wæøåÆØÅ]+", text.lower())


def is_help(text: str) -> bool:
    lowered = text.lower().strip(" !.")
    return lowered in {w.lower() for w in routing().help_words}


def is_greeting(text: str) -> bool:
    lowered = text.lower().strip(" !.")
    return lowered in {w.lower() for w in routing().greeting_words}


def _bare(text: str) -> str:
    """Lower-case words only: "Takk skal du ha!!" → "takk skal du ha"."""
    return " ".join(_words(text))


def is_thanks(text: str) -> bool:
    """Thanks, "ok", goodbye: a whole message of them (emoji allowed: "takk! 👍")."""
    bare = _bare(text)
    return bool(bare) and bare in {_bare(w) for w in routing().thanks_words}


def has_words(text: str) -> bool:
    """At least one letter or digit: "." "?!" "👍" have none."""
    return any(ch.isalnum() for ch in text)


def has_emoji(text: str) -> bool:
    """A pictograph (👍 😀 🙏 …) or another symbol character."""
    return any(unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF for ch in text)


def language_choice(text: str) -> Language | None:
    """The language a message asks the bot to write ("skriv nynorsk" → nn), or None."""
    bare = _bare(text)
    for language, commands in routing().language_commands.items():
        if bare in {_bare(c) for c in commands}:
            return language
    return None


def has_amount(text: str) -> bool:
    """A money amount: digits with a unit (kr, mill …) or a number of at least four digits."""
    for match in _AMOUNT.finditer(text):
        token = match.group(0).strip()
        digits = re.sub(r"\D", "", token)
        if not digits:
            continue
        if _UNIT.search(token) or len(digits) >= 4:
            # not a year on its own ("i 2027")
            if not _UNIT.search(token) and len(digits) == 4 and 1990 <= int(digits) <= 2100:
                continue
            return True
    return False


def is_authority_question(text: str) -> bool:
    """Who approves, signs or carries out a purchase, which procedure applies (bot.authority.intent)."""
    from bot.authority.intent import is_authority_question as asks_about_authority

    return asks_about_authority(text)


def _starts_with(text: str, prefixes: list[str]) -> bool:
    lowered = text.lower()
    return any(lowered == p or lowered.startswith(p.lower() + " ") for p in sorted(prefixes, key=len, reverse=True))


def is_refinement(text: str) -> bool:
    """A short add-on to the previous search: "til barnehagen", "for skolen"."""
    rules = routing()
    return len(_words(text)) <= rules.followup_max_words and _starts_with(text, rules.refine_prefixes)


def is_short(text: str) -> bool:
    return len(_words(text)) <= routing().followup_max_words


def is_amount_followup(text: str) -> bool:
    """A short message with a new amount: "og for 2 mill?", "hva med 300 000?", "5 mill?"."""
    rules = routing()
    if not has_amount(text) or len(_words(text)) > rules.followup_max_words:
        return False
    stripped = _AMOUNT.sub(" ", text).strip(" ?!.")
    return not stripped or _starts_with(text, rules.amount_followup_prefixes)
