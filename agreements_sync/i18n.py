"""Languages, message catalogs and locale formatting: bokmål, nynorsk and English.

- `Language` is the bot's locale type: `nb` (Norwegian bokmål, the source language), `nn`
  (Norwegian nynorsk) and `en` (English). `language_of(locale, preference)` picks one from a
  Teams locale ("nn-NO" → nynorsk, "en-US" → English, anything else → bokmål) unless the user
  chose a language ("skriv nynorsk").
- The UI texts are GNU gettext catalogs in `knowledge/locale/`, one domain per area:
  `<domain>.pot` is the template and holds the bokmål source text (`msgctxt` is the message's
  key, `msgid` its bokmål text); `nn/LC_MESSAGES/<domain>.po` and `en/LC_MESSAGES/<domain>.po`
  translate it. They are compiled by Babel when first used (read_po → write_mo → Translations),
  so there is no build step. A message whose translation is missing or stale (its bokmål text
  changed) falls back to bokmål, as gettext does; the tests require every catalog complete.
- Placeholders are `str.format` fields. Dates and numbers are formatted by Babel for the
  locale through a format spec in the catalog: `{due:date}` (4. des. 2026 / 4 Dec 2026),
  `{start:time}` (14:30), `{due:day_month}` (4. des.), `{due:month}` (desember 2026) and
  `{value:number}` (1 350 000 / 1,350,000).

Lives in `agreements_sync` because the sync's messages are translated too and
`agreements_sync` never imports `bot`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton, format_time
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.numbers import format_decimal
from babel.support import Translations

from agreements_sync.knowledge import KnowledgeError, knowledge_path

LOCALE_DIR = "locale"


class Language(StrEnum):
    """The languages the bot writes. The value is the ISO 639-1 code used in catalogs."""

    NB = "nb"
    NN = "nn"
    EN = "en"

    @property
    def babel_locale(self) -> Locale:
        """The Babel locale used to format dates and numbers (Norwegian formats for nb and nn;
        British English day-month order for en, since the users are in Norway)."""
        return _BABEL_LOCALES[self]

    @classmethod
    def parse(cls, value: str | Language | None) -> Language:
        """A language from its code ("nb", "nn", "en"); bokmål for anything else."""
        if isinstance(value, Language):
            return value
        try:
            return cls((value or "").strip().lower())
        except ValueError:
            return cls.NB


_BABEL_LOCALES = {Language.NB: Locale("nb", "NO"), Language.NN: Locale("nn", "NO"), Language.EN: Locale("en", "GB")}
DEFAULT_LANGUAGE = Language.NB
TRANSLATED = (Language.NN, Language.EN)  # the languages with a catalog; bokmål is the source


def language_of(locale: str | None, preference: str | None = None) -> Language:
    """The language to write in: the user's choice ("nb"/"nn"/"en") if any, else from the Teams
    locale: nn-NO (and the legacy no-NN) → nynorsk, en-* → English, anything else → bokmål."""
    if preference:
        chosen = (preference or "").strip().lower()
        if chosen in {lang.value for lang in Language}:
            return Language(chosen)
    code = (locale or "").strip().lower().replace("_", "-")
    if code.startswith("nn") or code in {"no-nn", "no-nynorsk"}:
        return Language.NN
    if code.startswith("en"):
        return Language.EN
    return Language.NB


# --- formatting ----------------------------------------------------------------------------------


def format_date(value: dt.date, lang: str | Language) -> str:
    """A date for the locale: 4. des. 2026 (nb, nn), 4 Dec 2026 (en)."""
    return babel_format_date(_as_date(value), "medium", locale=Language.parse(lang).babel_locale)


def format_number(value: float | int | Decimal, lang: str | Language) -> str:
    """A number for the locale, whole numbers without decimals: 1 350 000 (nb, nn), 1,350,000 (en)."""
    return _number(value, Language.parse(lang).babel_locale)


def _number(value: Any, locale: Locale) -> str:
    """Babel's number for the locale, with a plain space as the Norwegian group separator (Babel
    gives a no-break space): the text is pasted back into questions and read by the amount parser."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return format_decimal(value, locale=locale).replace("\u00a0", " ").replace("\u202f", " ")


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _time(value: Any, locale: Locale) -> str:
    if not isinstance(value, dt.datetime | dt.time):
        raise TypeError(f"'time' needs a datetime or time, not {type(value).__name__}")
    return format_time(value, "short", tzinfo=getattr(value, "tzinfo", None), locale=locale)


FORMAT_SPECS: dict[str, Callable[[Any, Locale], str]] = {
    "date": lambda v, loc: babel_format_date(_as_date(v), "medium", locale=loc),
    "day_month": lambda v, loc: format_skeleton("MMMd", _as_date(v), locale=loc),
    "month": lambda v, loc: format_skeleton("yMMMM", _as_date(v), locale=loc),
    "time": _time,
    "number": _number,
}


class _LocaleFormatter(string.Formatter):
    """`str.format` with the locale's formats for the specs in FORMAT_SPECS."""

    def __init__(self, lang: Language) -> None:
        self.locale = lang.babel_locale

    def format_field(self, value: Any, format_spec: str) -> str:
        special = FORMAT_SPECS.get(format_spec)
        if special is not None:
            return special(value, self.locale)
        return super().format_field(value, format_spec)


_FORMATTERS = {lang: _LocaleFormatter(lang) for lang in Language}


def fill(template: str, lang: str | Language, values: Mapping[str, Any]) -> str:
    """Fill a catalog text's placeholders, dates and numbers formatted for the language."""
    return _FORMATTERS[Language.parse(lang)].vformat(template, (), values)


# --- catalogs -----------------------------------------------------------------------------------

_FIELD = re.compile(r"(?<!\{)\{([A-Za-z_][\w.]*)(?::[^{}]*)?\}")


def placeholders(text: str) -> set[str]:
    """The names of a text's placeholders: "{due:date} {n}" → {"due", "n"}."""
    return set(_FIELD.findall(text))


def template_path(domain: str) -> Path:
    return knowledge_path(f"{LOCALE_DIR}/{domain}.pot")


def catalog_path(domain: str, lang: Language) -> Path:
    return knowledge_path(f"{LOCALE_DIR}/{lang.value}/LC_MESSAGES/{domain}.po")


def read_catalog(path: Path, lang: Language | None = None, domain: str = "") -> Catalog:
    """A .po/.pot file as a Babel catalog; KnowledgeError naming the file when it cannot be read."""
    try:
        with path.open("rb") as handle:
            return read_po(handle, locale=lang.value if lang else None, domain=domain or None, abort_invalid=True)
    except FileNotFoundError:
        raise KnowledgeError(f"{path}: message catalog not found") from None
    except (PoFileError, ValueError) as exc:
        raise KnowledgeError(f"{path}: not a valid gettext catalog: {exc}") from None


@dataclass(frozen=True)
class Messages:
    """The UI texts of one domain (area) in every language."""

    domain: str
    source: dict[str, str]  # key → bokmål text
    translations: dict[Language, Translations]

    def __contains__(self, key: object) -> bool:
        return key in self.source

    def keys(self) -> list[str]:
        return list(self.source)

    def text(self, key: str, lang: str | Language = DEFAULT_LANGUAGE) -> str:
        """The unfilled text of `key` in `lang` (bokmål when a translation is missing)."""
        try:
            source = self.source[key]
        except KeyError:
            raise KnowledgeError(f"{LOCALE_DIR}/{self.domain}.pot: no message '{key}'") from None
        language = Language.parse(lang)
        if language is Language.NB:
            return source
        return str(self.translations[language].pgettext(key, source))

    def get(self, key: str, lang: str | Language = DEFAULT_LANGUAGE, **values: Any) -> str:
        """The text of `key` in `lang` with its placeholders filled in."""
        template = self.text(key, lang)
        return fill(template, lang, values) if values else template


def load_messages(domain: str) -> Messages:
    template = read_catalog(template_path(domain), domain=domain)
    source: dict[str, str] = {}
    for message in template:
        if not message.id:
            continue  # the header
        if not message.context:
            raise KnowledgeError(f"{template_path(domain)}: the message {message.id!r} has no msgctxt (its key)")
        if message.context in source:
            raise KnowledgeError(f"{template_path(domain)}: the key '{message.context}' is used twice")
        source[message.context] = str(message.id)
    translations: dict[Language, Translations] = {}
    for lang in TRANSLATED:
        catalog = read_catalog(catalog_path(domain, lang), lang, domain)
        compiled = io.BytesIO()
        write_mo(compiled, catalog, use_fuzzy=False)
        compiled.seek(0)
        translations[lang] = Translations(fp=compiled, domain=domain)
    return Messages(domain, source, translations)


@lru_cache(maxsize=32)
def _cached(domain: str, stamp: tuple[int, ...]) -> Messages:  # mtimes in the key: an edited catalog is re-read
    return load_messages(domain)


def strings(domain: str) -> Messages:
    """The messages of a domain (bot, search, authority, alerts, courses, sync, workspace, cli)."""
    paths = [template_path(domain), *(catalog_path(domain, lang) for lang in TRANSLATED)]
    try:
        stamp = tuple(path.stat().st_mtime_ns for path in paths)
    except FileNotFoundError as exc:
        raise KnowledgeError(f"{exc.filename}: message catalog not found") from None
    return _cached(domain, stamp)


DOMAINS = ("bot", "search", "authority", "alerts", "courses", "sync", "workspace", "cli")


# --- data texts ---------------------------------------------------------------------------------
# Knowledge files (the authority matrix) hold their texts in bokmål and English. Their nynorsk is
# a catalog of its own in the plain gettext form, the bokmål text as msgid (no key):
# `knowledge/locale/nn/LC_MESSAGES/<domain>.po`, template `<domain>.pot` (scripts/extract_data_texts.py).

DATA_DOMAINS = ("authority-matrix",)


@lru_cache(maxsize=16)
def _data_catalog(domain: str, lang: Language, stamp: int) -> Translations:
    catalog = read_catalog(catalog_path(domain, lang), lang, domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=domain)


def translate_data(domain: str, text: str, lang: str | Language) -> str:
    """A knowledge file's bokmål `text` in `lang` from the domain's catalog; the text itself when
    the language has no catalog or no translation of it."""
    language = Language.parse(lang)
    path = catalog_path(domain, language)
    if language is Language.NB or not path.exists():
        return text
    return str(_data_catalog(domain, language, path.stat().st_mtime_ns).gettext(text))
