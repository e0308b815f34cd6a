"""Reading a question: the amount, VAT, per year / per month, the period with options, the kind
of purchase and the cues for cross-cutting requirements. Plain functions on strings.

Words come from `knowledge/authority/language.yaml`; the arithmetic rules (VAT rate, the longest
framework period) from the matrix. Nothing here decides a procedure: that is `analysis`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from agreements_sync.knowledge import knowledge_path
from bot.authority import amounts
from bot.authority import kind as kinds
from bot.authority.amounts import Amount, phrases
from bot.authority.knowledge import LANGUAGE_FILE, Language, compile_pattern, load_language
from bot.authority.matrix import matrix
from bot.lowercase import lower

_cache: dict[tuple[str, int, int], Language] = {}


def language() -> Language:
    path = knowledge_path(LANGUAGE_FILE)
    m = matrix()
    try:
        key = (str(path), path.stat().st_mtime_ns, id(m))
    except FileNotFoundError:
        return load_language(matrix=m)  # raises KnowledgeError naming the file
    if key not in _cache:
        _cache.clear()
        _cache[key] = load_language(matrix=m)
    return _cache[key]


@dataclass
class Facts:
    """What a question says, before the matrix is applied. JSON-able (kept for follow-ups)."""

    question: str = ""
    amount_nok: float | None = None
    amount_text: str = ""
    per: str = "total"  # total | year | month | week | day | occasion | hour
    vat: str | None = None
    bound: str | None = None  # below | at_most | above | at_least: the amount is a limit
    amount_low: float | None = None  # the lower end of a range
    times_per_year: int | None = None  # how often a purchase "per gang" repeats
    language: str = "nb"  # nb | nn | en: the language the question is written in
    date: str | None = None  # ISO date of a past purchase the question is about (its thresholds apply)
    date_text: str = ""
    period_months: int | None = None
    base_months: int | None = None
    option_months: int = 0
    period_text: str = ""
    period_is_option: bool = False  # the only period said is an option ("what if we add a 2-year option?")
    quantity: int | None = None  # pieces, when the amount is a price per piece
    hours: int | None = None  # the hours an hourly rate is for ("ca. 400 timer")
    duration: tuple[int, str] | None = None  # "i 10 uker": (10, "week") for a weekly or daily price
    kind: str | None = None
    kind_scores: dict[str, int] = field(default_factory=dict)
    kind_words: list[str] = field(default_factory=list)
    kind_choices: list[str] = field(default_factory=list)  # two kinds the question allows: ask between them
    kind_source: str = "words"  # taxonomy | taxonomy_weak | words
    fields: list[str] = field(default_factory=list)  # taxonomy fields the question is about
    cues: list[str] = field(default_factory=list)
    framework: bool = False
    silent: list[str] = field(default_factory=list)
    words: int = 0
    followups: list[str] = field(default_factory=list)
    subject: str = ""  # the question without amounts, periods, VAT and question words: what to search for

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Facts:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


_SPACE = re.compile(r"[\s\u00a0\u202f\u2009]+")


def normalise(text: str) -> str:
    text = lower(text).replace("–", "-").replace("—", "-").replace("×", "x")
    text = text.replace("’", "'").replace("´", "'").replace("‘", "'")
    return _SPACE.sub(" ", text).strip()


def find_amounts(text: str, lang: Language | None = None, english: bool = False) -> list[Amount]:
    """Every money amount in an already normalised text (see `bot.authority.amounts`)."""
    return amounts.find_amounts(text, lang or language(), english=english)


_TIME_WORDS = ("år", "måned", "månad", "mnd", "uke", "veke", "dag", "døgn", "natt", "netter", "time", "halvår", "kvartal",
               "year", "month", "week", "day", "night", "hour", "annum")


def _unit_price(before: str, after: str, lang: Language) -> str | None:
    """"" for "stykkpris 4 000" / "4 000 per stk", the noun for "6 000 per bil", else None."""
    words = phrases(lang.unit_price_words)
    if words.search(before[-20:]) or words.match(after.lstrip(" ,")) or words.search(after[:25]):
        return ""
    if phrases(lang.unit_price_after).match(after.lstrip(" ,/")):  # "4 500 kr stk"
        return ""
    per = re.search(r"\b(?:per|pr\.?)\s+([a-zæøå][\w-]*)", after[:45])
    if per and not per.group(1).startswith(_TIME_WORDS) and per.group(1) not in {"stk", "stykk"}:
        return per.group(1)
    return None


_NOT_PIECES = {"kr", "kroner", "nok", "mill", "tusen", "prosent", "x", "ganger"}


def _counts(lang: Language, *, norwegian: bool = False) -> str:
    """A count as digits ("1 000" too) or as a number word that cannot be an article ("fire",
    "three"; not "en", and not "to" or "fire" unless the text is Norwegian: "to the school",
    "fire extinguishers"; "ti nye telefoner", "ni stoler" are counts)."""
    excluded = set() if norwegian else set(lang.number_words_english_homographs)
    words = sorted((w for w, n in lang.number_words.items() if n >= 2 and w not in excluded and n == int(n)), key=len, reverse=True)
    return r"\d{1,3}(?: \d{3})+|\d{1,5}|" + "|".join(re.escape(w) for w in words)


def _count_value(token: str, lang: Language) -> int:
    digits = token.replace(" ", "")
    return int(digits) if digits.isdigit() else int(lang.number_words[token])


def find_quantity(text: str, unit: str, amounts: list[Amount], lang: Language | None = None, *,
                  norwegian: bool = False) -> int | None:
    """The number of pieces a price per piece is for: "200 iPader", "5 elbiler", "fire nye elbiler"
    (matching "per bil"), "350 kommunale utleigebustader" (matching "per bustad"); in a Norwegian
    text "to nye elbiler" too."""
    lang = lang or language()
    pattern = rf"(?<![\w.,])({_counts(lang, norwegian=norwegian)})\s+((?:[a-zæøå][\w-]*\s+){{0,2}}[a-zæøå][\w-]*)"
    counts: list[int] = []
    for m in re.finditer(pattern, text):
        count, nouns = _count_value(m.group(1), lang), m.group(2).split()
        if count < 2 or nouns[0].startswith(_TIME_WORDS) or nouns[0] in _NOT_PIECES:
            continue
        if any(a.start <= m.start() < a.start + len(a.text) + 2 for a in amounts):
            continue
        if unit and not any(unit[:3] in noun for noun in nouns):
            counts.append(count)
            continue
        return count
    # "skjermer til 15 klasserom, 35 000 per skjerm", "11 schools, NOK 9,500 per performance": the
    # one count the question gives is what the price per piece is for
    return counts[0] if len(set(counts)) == 1 else None


_BUY_COUNT = re.compile(r"(?<!\w)(?:kjøper|kjøpe|kjøpa|kjøp|bestiller|bestille|bestilla|buy|buying|order|ordering|get)\s+(?:vi\s+|we\s+)?")


def followup_count(text: str, lang: Language | None = None, *, norwegian: bool = False) -> int | None:
    """A count of pieces said right after a verb of buying ("hva om vi kjøper fire?", "what if we
    buy four of them?"): a follow-up that buys more of the same thing at the earlier price."""
    lang = lang or language()
    for verb in _BUY_COUNT.finditer(text):
        m = re.match(rf"({_counts(lang, norwegian=norwegian)})(?![\w.]|,\d)\s*([\w-]*)", text[verb.end():])
        if m:
            count, after = _count_value(m.group(1), lang), m.group(2)
            # "get two quotes", "bestille for to år": offers and time are no pieces
            if count >= 2 and not after.startswith(_TIME_WORDS) and not after.startswith(_NOT_BOUGHT):
                return count
    return None


_NOT_BOUGHT = ("tilbud", "tilbod", "quote", "offer", "bid", "leverandør", "supplier", "prisforespørs", "ganger", "times")


_EACH = re.compile(r"(?:à|á|@)\s*(?:ca\.?|cirka|om lag|omtrent|kr\.?|nok)?\s*$")


_EACH_LOOSE = re.compile(r"(?:à|á|@|\bpå|\bof|\bat|\bfor)\s*(?:ca\.?|cirka|om lag|omtrent|about|kr\.?|nok)?\s*$")


_EACH_AFTER = re.compile(
    r"\s*(?:kr\.?|kroner|nok)?\s*(?:(?:i|per|pr\.?|a|an|om)\s+(?:måneden|måned|månaden|månad|mnd\.?|året|år|uka|uken|uke|veka|veke|"
    r"month|year|week)\s+)?(?:for\s+|til\s+)?(?:hver|hvert|kvar|kvart|each|apiece)\b"
    r"(?!\s+(?:måned|månad|mnd|år|uke|veke|dag|døgn|gang|gong|time|month|year|week|day|time))")


def _count_in_sentence(before: str, lang: Language, *, norwegian: bool) -> tuple[int, str | None] | None:
    """The last count of things in the sentence before a price said to be for each ("to brukarar",
    "three pupils"), not of years, months or hours."""
    sentence = re.split(r"[.?!]\s", before)[-1]
    units = {u.lower() for u in lang.not_counted_units}
    found = [m for m in re.finditer(rf"(?<![\w.,])({_counts(lang, norwegian=norwegian)})\s+([a-zæøå][\w-]*)", sentence)
             if m.group(2).lower() not in units]
    if not found:
        return None
    count = _count_value(found[-1].group(1), lang)
    return (count, None) if count >= 2 else None


def count_before_each(before: str, lang: Language, *, loose: bool = False,
                      norwegian: bool = False) -> tuple[int, str | None] | None:
    """"400 timer à 450 kr", "tre måneder à 45 000", "1 000 timer à 1 150 kr": the count a price
    "à" (each) is for — hours, months and occasions included; with the rate it comes at ("6 timar
    i veka à 550 kr": 6 a week), if one is said between them."""
    each = (_EACH_LOOSE if loose else _EACH).search(before)  # loose: "hver" after the price ("tre oppdrag på 400 000 hver")
    if each is None:
        return None
    m = re.search(rf"(?<![\w.,])({_counts(lang, norwegian=norwegian)})\s+((?:[a-zæøå][\w-]*\.?\s+){{0,3}}[a-zæøå][\w-]*\.?)\s*$",
                  before[:each.start()])
    if m is None:
        return None
    count = _count_value(m.group(1), lang)
    if count < 2:
        return None
    between = " " + m.group(2) + " "
    rate = next((per for per, words in (("week", lang.amounts.per_week), ("month", lang.per_month), ("year", lang.per_year))
                 if phrases(words).search(between)), None)
    return count, rate


def find_hours(text: str, found: list[Amount], lang: Language) -> int | None:
    """How many hours an hourly rate is for: "ca. 400 timer", "500 hours" (never the rate itself)."""
    units = sorted(lang.amounts.hour_units, key=len, reverse=True)
    if not units:
        return None
    pattern = re.compile(rf"(?<![\d.,])(\d{{1,3}}(?:[ .]\d{{3}})*|\d+)\s*-?\s*(?:{'|'.join(re.escape(u) for u in units)})(?![\w])")
    for match in pattern.finditer(text):
        if any(a.start <= match.start() < a.start + len(a.text) for a in found):
            continue
        hours = int(re.sub(r"[ .]", "", match.group(1)))
        if hours >= 1:
            return hours
    return None


_UNITS = r"årige|årig|år|åra|years|year|yrs|yr|måneder|måned|månader|månad|mnd|months|month"
_PERIOD = re.compile(
    rf"(?P<chain>(?<![\d,.])\d+(?:[.,]5)?\s*(?:-?(?:{_UNITS})(?!\w))?"
    rf"(?:\s*(?:\+|pluss|plus|og|and)\s*\d+(?:[.,]5)?\s*(?:-?(?:{_UNITS})(?!\w))?)*)"
)
_ELEMENT = re.compile(rf"(\d+(?:[.,]5)?)\s*-?({_UNITS})?(?!\w)")


@dataclass
class Period:
    total_months: int
    base_months: int
    option_months: int
    text: str
    only_option: bool = False  # the only period said is an option ("add a 2-year option")


def _count(token: str, lang: Language) -> str:
    return token if token.isdigit() else f"{lang.number_words[token]:g}"


def find_period(text: str, lang: Language | None = None) -> Period | None:
    """The contract period incl. options: "2 år + 1 + 1", "i 3 år med opsjon på 1+1 år", "24 måneder"."""
    lang = lang or language()
    # "2 x 1 år", "to ettårige opsjoner" (2 1-årige), "two one-year options" (2 1-year)
    text = re.sub(rf"(?<![\d,.])(\d+)\s*(?:x|ganger|gonger|times)?\s+(\d+)\s*-?({_UNITS})(?!\w)",
                  lambda m: f"{int(m.group(1)) * int(m.group(2))} {m.group(3)}", text)
    # "an option of 2 more years", "two further years", "1 ekstra år": the count belongs to the unit
    counts = "|".join(re.escape(w) for w in sorted(lang.number_words, key=len, reverse=True))
    text = re.sub(rf"(?<![\w,.])(\d+|{counts})\s+(?:more|further|additional|extra|ekstra)\s+({_UNITS})(?!\w)",
                  lambda m: f"{_count(m.group(1), lang)} {m.group(2)}", text)
    # "to opsjoner på ett år", "two options of one year": that many years of options
    text = re.sub(rf"(?<![\w,.])(\d+|{counts})\s+(?:opsjoner|opsjonar|options|forlengelser|forlengingar|extensions)\s+"
                  rf"(?:på|of|av)\s+(\d+|{counts})\s*-?({_UNITS})(?!\w)",
                  lambda m: f"opsjon {float(_count(m.group(1), lang)) * float(_count(m.group(2), lang)):g} {m.group(3)}", text)
    # "2 års opsjon", "med 1 års forlengelse": an option of that many years
    text = re.sub(rf"(?<![\w,.])(\d+|{counts})\s*-?\s*års\s+(?:opsjon|opsjonar|opsjoner|forlengelse|forlenging)(?!\w)",
                  lambda m: f"opsjon {_count(m.group(1), lang)} år", text)
    # "ein 3 års avtale", "4 års kontrakt": a period of that many years
    text = re.sub(rf"(?<![\w,.])(\d+|{counts})\s*-?\s*års\s+(avtale|avtala|kontrakt|periode|avtaleperiode)(?!\w)",
                  lambda m: f"{_count(m.group(1), lang)} år {m.group(2)}", text)
    # "two option years", "to opsjonsår", "2 extension years": an option of that many
    text = re.sub(rf"(?<![\w,.])(\d+|{counts})\s+(?:options?|opsjons|opsjon|extension|forlengelses)[- ]?({_UNITS})(?!\w)",
                  lambda m: f"opsjon {_count(m.group(1), lang)} {m.group(2)}", text)
    option_stem = re.compile("|".join(re.escape(w) for w in lang.option_words))
    base: int | None = None
    only_option = False
    options = 0
    texts: list[str] = []
    for match in _PERIOD.finditer(text):
        chain = match.group("chain")
        elements = _ELEMENT.findall(chain)
        units = [u for _, u in elements if u]
        if not units:
            if "+" in chain and len(elements) >= 2 and all(float(v.replace(",", ".")) <= 10 for v, _ in elements):
                units = ["år"]  # "avtale 2+1+1": years
            else:
                continue
        if text[match.end():match.end() + 12].lstrip().startswith(("siden", "gammel", "tilbake")):
            continue
        unit = units[-1]
        months_each = 1 if unit.startswith("m") else 12
        values = [float(v.replace(",", ".")) for v, _ in elements]
        if any(v <= 0 or v > (240 if months_each == 1 else 20) for v in values):
            continue
        months = [round(v * months_each) for v in values]
        before = text[max(0, match.start() - 45):match.start()]
        after = text[match.end():match.end() + 12]  # "a 1-year option", "2 ettårige opsjoner"
        after = re.sub(r"^\s*(?:as|som|i|in)\s+", "", text[match.end():match.end() + 18])  # "2 years as options"
        optionish = bool(option_stem.search(before) or option_stem.match(after.lstrip()))
        is_option = optionish and base is not None
        if is_option:
            options += sum(months)
        elif base is None and optionish:  # "opsjon på 1 + 1 år" said alone: all of it is option
            base = sum(months)
            only_option = True
        elif base is None:
            base = months[0]
            options += sum(months[1:])
        else:
            continue
        texts.append(chain.strip())
    if base is None:
        return None
    return Period(total_months=base + options, base_months=base, option_months=options, text=" + ".join(texts),
                  only_option=only_option and options == 0)


@dataclass
class _Match:
    kind: str
    start: int
    end: int
    weight: int
    word: str


def _matches(text: str, patterns: dict[str, list[str]]) -> list[_Match]:
    found: list[_Match] = []
    for key, words in patterns.items():
        for word in words:
            for m in compile_pattern(word).finditer(text):
                found.append(_Match(key, m.start(), m.end(), len(word.lstrip("^=")), m.group(0)))
    found.sort(key=lambda x: (-x.weight, x.start))
    kept: list[_Match] = []
    for cand in found:  # the longer (more specific) pattern wins where two overlap
        if all(cand.end <= k.start or cand.start >= k.end for k in kept):
            kept.append(cand)
    return kept


def _weight(m: _Match, kept: list[_Match], text: str, lang: Language) -> int:
    """2, or 1 for a word that names who the purchase is for ("møbler til hjemmetjenesten") or the
    object of another kind word ("vedlikehold av heisene", "evaluering av hjemmetjenesten")."""
    before = list(re.finditer(r"[\w-]+", text[:m.start]))[-3:]
    words = [w.group(0) for w in before]
    if set(words[-2:]) & set(lang.recipient_words):
        return 1
    for i, word in enumerate(words):
        if word in lang.object_words and i > 0 and i >= len(words) - 2:
            head = before[i - 1]
            if any(k is not m and k.start <= head.start() < k.end for k in kept):
                return 1
    return 2


def find_kind(text: str, lang: Language | None = None) -> tuple[str | None, dict[str, int], list[str]]:
    """The kind with the most word matches; None when nothing matches or two kinds tie."""
    lang = lang or language()
    kept = _matches(text, lang.kinds)
    scores: dict[str, int] = {}
    for m in kept:
        scores[m.kind] = scores.get(m.kind, 0) + _weight(m, kept, text, lang)
    words = [m.word for m in sorted(kept, key=lambda x: x.start)]
    tail = kinds.tail_kind(text, lang)  # a reply to "which kind?" (or a card choice appended)
    if tail:
        return tail, {tail: 1}, [tail]
    if not scores:
        return None, scores, words
    best = max(scores.values())
    leaders = [k for k, v in scores.items() if v == best]
    return (leaders[0] if len(leaders) == 1 else None), scores, words


def find_cues(text: str, lang: Language | None = None, table: dict | None = None) -> list[str]:
    lang = lang or language()
    cues: list[str] = []
    for name, cue in (lang.cues if table is None else table).items():
        scrubbed = text
        for pattern in cue.exclude:
            scrubbed = compile_pattern(pattern).sub(" ", scrubbed)
        if not any(compile_pattern(w).search(scrubbed) for w in cue.words):
            continue
        if cue.require_also and not any(compile_pattern(w).search(scrubbed) for w in cue.require_also):
            continue
        if cue.require_also and cue.near is not None and not _near(scrubbed, cue.words, cue.require_also, cue.near, lang):
            continue
        cues.append(name)
    return cues


def _near(text: str, words: list[str], required: list[str], distance: int, lang: Language) -> bool:
    """A `words` match and a `required` match in one clause (split at punctuation and at the
    clause-joining words), at most `distance` words apart."""
    joins = {w.lower() for w in lang.clause_joins}

    def positions(part: list[str], patterns: list[str]) -> list[int]:
        found = [i for i, t in enumerate(part) if any(compile_pattern(p).search(t) for p in patterns if " " not in p)]
        phrase = " ".join(part)
        for p in (p for p in patterns if " " in p):
            found += [phrase[:m.start()].count(" ") for m in compile_pattern(p).finditer(phrase)]
        return found

    for clause in re.split(r"[.,;:!?()]+", text):
        parts: list[list[str]] = [[]]
        for token in re.findall(r"[\w'-]+", clause):
            if token.lower() in joins:
                parts.append([])
            else:
                parts[-1].append(token)
        for part in parts:
            here, need = positions(part, words), positions(part, required)
            if any(abs(i - j) <= distance for i in here for j in need):
                return True
    return False


def text_language(text: str) -> str:
    """nb, nn or en: the language a question is written in (simplemma's detector; bokmål on a tie)."""
    from simplemma import langdetect

    scores = dict(langdetect(text, lang=("nb", "nn", "en")))
    best = max(("nb", "nn", "en"), key=lambda code: (scores.get(code, 0.0), code == "nb"))
    return best if scores.get(best, 0.0) > 0 else "nb"


def parse(question: str) -> Facts:
    lang = language()
    normalised = normalise(question)
    text = amounts.words_to_digits(normalised, lang)
    facts = Facts(question=question, words=len(re.findall(r"\w+", question)), language=text_language(normalised))
    found = find_amounts(text, lang, english=facts.language == "en")
    # a limit the question names ("er ikke grensen hevet til 300 000?") is no value of the purchase
    # when the purchase has one of its own ("… en brukerundersøkelse for 250 000")
    own = [a for a in found if not _names_limit(text, a, lang)]
    found = own if own and len(own) < len(found) else found
    for amount in found:
        if amount.per == "occasion":
            continue  # "40 000 per gang" is a price per purchase, not per piece
        amount.unit = _unit_price(text[max(0, amount.start - 30):amount.start], text[amount.start + len(amount.text):], lang)
    period = find_period(text, lang)
    if period:
        facts.period_months = period.total_months
        facts.base_months = period.base_months
        facts.option_months = period.option_months
        facts.period_text = period.text
        facts.period_is_option = period.only_option
    if found:
        # a value said outright outweighs a limit ("to bestillinger på 60 000 hver, så vi holder oss under
        # 100 000": the purchase is 2 × 60 000, the limit is what the asker hopes to stay under)
        chosen = max(found, key=lambda a: (a.bound is None, _rough_total(a, period)))
        facts.amount_nok, facts.amount_text, facts.per, facts.vat = chosen.nok, chosen.text, chosen.per, chosen.vat
        facts.bound, facts.amount_low = chosen.bound, chosen.low
        after = text[chosen.start + len(chosen.text):]
        each_after = bool(re.match(r"\s*(?:kr\.?|kroner|nok)?\s*(?:hver|kvar|each|apiece)\b", after))
        each = count_before_each(text[:chosen.start], lang, loose=each_after, norwegian=facts.language != "en")
        if each is None and chosen.unit is None and _EACH_AFTER.match(after):
            # "to brukarar …, 25 000 i månaden for kvar av dei": the price is for each of the
            # things counted before it in the same sentence
            each = _count_in_sentence(text[:chosen.start], lang, norwegian=facts.language != "en")
        if each is not None:
            facts.quantity = each[0]
            if each[1] and facts.per == "total":  # "4 døgn i måneden à 8 500 kr": 4 × 8 500 a month
                facts.per = each[1]
        elif chosen.unit is not None:
            facts.quantity = find_quantity(text, chosen.unit, found, lang, norwegian=facts.language != "en")
        if chosen.per == "occasion":
            facts.times_per_year = amounts.times_per_year(text, lang)
        if chosen.per == "hour":
            facts.hours = find_hours(text, found, lang)
        if chosen.per in ("week", "day"):
            facts.duration = amounts.find_duration(text, lang)
    else:  # "Hva om det blir 500 timer i stedet?": the hours of the earlier rate
        facts.hours = find_hours(text, found, lang)
    # a VAT word said once for the whole question applies to the amount if it had none near it (or,
    # said without an amount, to the earlier turn's: "Beløpet var inkl. mva, forresten")
    if facts.vat is None:
        has_in = bool(phrases(lang.vat.included).search(text))
        has_ex = bool(phrases(lang.vat.excluded).search(text))
        if has_in != has_ex:
            facts.vat = "included" if has_in else "excluded"
    facts.framework = any(compile_pattern(w).search(text) for w in lang.framework_words)
    facts.silent = find_cues(text, lang, lang.silent_topics)
    facts.subject = subject_of(text, found, lang, english=facts.language == "en")
    # a word that names the kind names no thing ("en tjenestekontrakt på 6 mill": nothing to look up
    # in the register, no field of purchase to read)
    from bot.authority.intent import _scrub

    facts.subject = " ".join(_scrub(facts.subject, [p for ps in lang.taxonomy.kind_names.values() for p in ps]).split())
    reading = _read_kind(facts, text, lang)
    # The requirement triggers the taxonomy marks (ethical trade, vehicles, cleaning as a service)
    # come from its flags once it has them; the cue words cover the rest (innovation, whole municipality).
    from_flags = set(lang.taxonomy.flag_cues.values()) if kinds.taxonomy_gives_flags() else set()
    # cleaning bought as a service is said outright more often than the taxonomy reads it ("sette ut
    # renhold av paviljongene": the pavilions are where): the word counts for a service
    worded = set(find_cues(text, lang))
    said_cleaning = "renhold" in worded and bool(_CLEANING.search(text))
    kept = {c for c in worded if c not in from_flags or (c == "renhold" and facts.kind == "tjenester" and said_cleaning)}
    facts.cues = sorted(kept | set(reading.cues if reading else []))
    return facts


def _names_limit(text: str, amount: Amount, lang: Language) -> bool:
    """The amount is what a threshold word in its own clause leads up to ("grensen er hevet til
    300 000", "the limit of NOK 100,000")."""
    clause = re.split(r"[.?!;:,–]\s|\s(?:og|men|and|but|vi|we|eg|jeg)\s", text[max(0, amount.start - 80):amount.start])[-1]
    return _names_a_limit(clause, lang)


def _names_a_limit(text: str, lang: Language) -> bool:
    """A threshold word begins a word of the text ("grensen", "terskelverdien"; not "lavterskel")."""
    return any(m.group(0).lower().startswith(p.lstrip("=^"))
               for p in lang.intent.concepts.get("threshold", []) for m in compile_pattern(p).finditer(text))


_CLEANING = re.compile(r"renhold|reinhald|rengjøring|reingjering|(?<![\w-])cleaning(?![\w-])", re.IGNORECASE)


def _read_kind(facts: Facts, text: str, lang: Language) -> kinds.KindReading | None:
    """The kind: a reply naming it, else the taxonomy's fields, else the kind words."""
    explicit = kinds.tail_kind(text, lang)
    if explicit:
        facts.kind, facts.kind_scores, facts.kind_words = explicit, {explicit: 1}, [explicit]
        return None
    reading = kinds.from_taxonomy(facts.subject or text, lang, question=text) if facts.subject else None
    named = _named_kind(text, lang)
    if named is not None:  # the asker said the kind; the fields read still give their flags
        facts.kind, facts.kind_scores, facts.kind_words = named, {named: 1}, [named]
        if reading is not None:
            facts.fields, facts.kind_source = reading.fields, "named"
        return reading
    if reading is not None and reading.source == "taxonomy_weak":  # a kind word said outright outweighs a weak reading
        worded = find_kind(text, lang)
        if worded[0] is not None:
            facts.kind, facts.kind_scores, facts.kind_words = worded
            return None
    if reading is None:
        facts.kind, facts.kind_scores, facts.kind_words = find_kind(text, lang)
        return None
    facts.kind, facts.kind_choices, facts.kind_words = reading.kind, reading.choices, reading.words
    facts.kind_scores = dict.fromkeys([reading.kind] if reading.kind else reading.choices, 1)
    facts.fields, facts.kind_source = reading.fields, reading.source
    return reading


def _named_kind(text: str, lang: Language) -> str | None:
    """The kind the question names outright ("et tjenestekjøp", "a works contract"), if only one."""
    from bot.authority.intent import _found, lemma_text

    named = lang.taxonomy.kind_names
    if not named:
        return None
    lemmas = lemma_text(text)
    said = [kind for kind, patterns in named.items() if _found(patterns, text, lemmas)]
    return said[0] if len(said) == 1 else None


def _without_negated(text: str, lang: Language) -> str:
    """The text without what the asker says it is not ("toner til skriveren (ikke kopimaskinen)",
    "entrématter, ikke leie", "not the big copier"): a negated aside in brackets as a whole,
    else the negation and the word after it (an article between them too)."""
    if not lang.negations:
        return text
    negation = "|".join(re.escape(w) for w in lang.negations)
    articles = "|".join(re.escape(w) for w in lang.taxonomy.articles) or r"(?!x)x"
    text = re.sub(rf"\((?:{negation})\s[^)]*\)", " ", text)
    return re.sub(rf"(?<![\w])(?:{negation})\s+(?:(?:{articles})\s+)?[\w-]+", " ", text)


# the end of a sentence in a lower-cased question: "?" or "!", or a full stop after a word of four
# letters or more (not "ca.", "kr."); and a comma before a word that joins two clauses ("jeg jobber
# på rådhuset, og vi trenger kontorstoler")
_SENTENCE_END = r"(?<=[?!])\s+|(?<=\w{4}\.)\s+"


def subject_of(text: str, amounts: list[Amount], lang: Language, english: bool = False) -> str:
    """What the question is about, for the agreement search (rule 0): the thing bought, without
    amounts, VAT, rates, periods, bounds, the words that ask about procedure or authority (the
    intent concepts) and filler words. Empty when nothing is left to look up."""
    out = text
    for amount in sorted(amounts, key=lambda a: -a.start):
        out = out[:amount.start] + " " + out[amount.start + len(amount.text):]
    # a sentence about the limits ("Er ikke grensen hevet nå?") names no thing when another does
    sentences = re.split(r"(?<=[?!.])\s+", out)
    about_things = [s for s in sentences if not _names_a_limit(s, lang)]
    if about_things and len(about_things) < len(sentences):
        out = " ".join(about_things)
    words = lang.amounts
    removable = [*lang.vat.included, *lang.vat.excluded, *lang.per_year, *lang.per_month, *lang.unit_price_words,
               *words.per_occasion, *words.per_week, *words.per_hour, *words.frequency_words, *lang.search_stopwords,
               *words.bounds.below, *words.bounds.at_most, *words.bounds.above, *words.bounds.at_least]
    out = re.sub(rf"(?<![\w])\d+\s*(?:{'|'.join(re.escape(w) for w in words.times_words)})(?![\w])", " ", out)
    out = phrases(removable).sub(" ", out)
    out = _PERIOD.sub(lambda m: " " if _ELEMENT.findall(m.group(0)) and re.search(r"[a-zæøå+]", m.group(0)) else m.group(0), out)
    out = _without_concepts(out, lang)
    out = _without_negated(out, lang)
    # each sentence or clause on its own, joined by full stops: the search can tell the one that
    # names the need from the one that says who asks ("I lead a home care team. My nurses need phones")
    joins = "|".join(re.escape(w) for w in lang.clause_joins) or "(?!)"
    said = [_sentence_subject(s, lang, english) for s in re.split(rf"{_SENTENCE_END}|,\s*(?=(?:{joins})\s)", out)]
    return ". ".join(s for s in said if s)


def _sentence_subject(out: str, lang: Language, english: bool) -> str:
    out = re.sub(r"[?!.,;:()«»\"]+", " ", out)
    numbers = set(lang.number_words) - (set(lang.number_words_english_homographs) if english else set())
    filler = set(lang.filler_words) | numbers | set(lang.option_words)
    linking = set(lang.linking_words)  # "møbler til personalrommet": the search reads "til X" as who it is for
    need = set(lang.need_words)
    kept: list[str] = []
    endings = sorted(lang.agreement_endings, key=len, reverse=True)
    for word in re.findall(r"[\w-]+", out):
        ending = next((e for e in endings if word.endswith(e)), None)
        if ending and len(word) - len(ending) >= 4:  # "blomsteravtalen" → "blomster", "renholdsavtalen" → "renhold"
            word = word[: -len(ending)].rstrip("-")
            word = word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 5 else word
        if word in need:
            if kept and not any(w in need for w in kept) and kept[-1] not in linking:
                kept.append(word)  # "va trenger laboratorium": who needs, then what
        elif word in linking:
            if kept and kept[-1] in linking:
                kept[-1] = word  # "på for" → "for"
            elif kept:
                kept.append(word)
        elif word not in filler and not word.isdigit() and word.strip("-"):
            kept.append(word)
    while kept and (kept[-1] in linking or kept[-1] in need):
        kept.pop()
    return " ".join(kept)


def _without_concepts(text: str, lang: Language) -> str:
    """The text without the words that name an intent concept (see bot.authority.intent)."""
    from bot.authority.intent import _lemmas

    patterns = [p for words in lang.intent.concepts.values() for p in words]
    for pattern in sorted((p for p in patterns if " " in p), key=len, reverse=True):
        text = compile_pattern(pattern).sub(" ", text)
    single = [compile_pattern(p) for p in patterns if " " not in p]

    def keep(match: re.Match[str]) -> str:
        forms = {match.group(0), *_lemmas(match.group(0))}
        return " " if any(c.fullmatch(f) for c in single for f in forms) else match.group(0)

    return re.sub(r"[\w-]+", keep, text)


def _rough_total(amount: Amount, period: Period | None) -> float:
    months = period.total_months if period else 12
    if amount.unit is not None:
        return amount.nok * 2  # at least two pieces
    if amount.per == "year":
        return amount.nok * months / 12
    if amount.per == "month":
        return amount.nok * months
    if amount.per == "week":
        return amount.nok * 52 * months / 12
    return amount.nok


def excl_vat(nok: float, vat: str | None) -> int:
    """NOK excl. VAT, rounded to whole kroner: an amount incl. VAT is divided by 1 + the rate."""
    m = matrix()
    included = vat == "included" or (vat is None and m.interpretation.default_vat == "included")
    value = Decimal(str(nok))
    if included:
        value = value / (Decimal(1) + Decimal(m.interpretation.vat_rate_percent) / Decimal(100))
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
