"""Money amounts as employees write them, in bokmål, nynorsk and English.

"800,000", "NOK 800,000", "NOK 2.5 million", "2,5 mill", "1,2 MNOK", "MNOK 1,2", "350'", "350k",
"kr 100.000,-", "ca. 90 tusen", "en halv million", "under 100 000" (a bound), "mellom 300 000 og
400 000" (a range), with the rate it is given at (per year, month, week, per occasion) and VAT.

Thousands separators and decimal marks are told apart from the number itself and its context,
never by picking the smaller reading:
- several separators of one kind are grouping (1.300.000, 1,300,000, 1 300 000, 1'300'000);
  with two kinds, the last one is the decimal mark (1.300.000,50 / 1,300,000.50);
- a single separator followed by one or two digits is a decimal mark (2,5 mill, 2.5 million);
- a single separator followed by exactly three digits is grouping (800,000, 100.000) — øre
  have two digits, so no amount in kroner has three decimals — except before a word for
  millions or more, where it is a decimal mark ("1,250 mill"), unless the text is English and
  the mark a comma ("1,500 million" is fifteen hundred million in English).
Numbers that are not money (years, dates, quantities, periods, ids) are left out: a number
counts as money when it has a currency, a multiplier or ",-", or is at least 1 000 and not
followed by a unit that is not money.

The words come from `knowledge/authority/language.yaml` (`amounts`, `vat`, `per_year`, …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.authority.knowledge import Language

# A run of digits with separators: 1 300 000 | 1.300.000,50 | 800,000 | 1'200'000 | 2,5 | 350
_RUN = re.compile(r"(?<![\w'])\d+(?:(?:[.,']|[ \u00a0](?=\d{3}(?!\d)))\d+)*")
_SEP = re.compile(r"[.,' \u00a0]")


@dataclass
class Amount:
    """One money amount found in the text."""

    nok: float  # as written, in NOK (multiplier applied)
    text: str  # the words it was read from
    per: str = "total"  # total | year | month | week | occasion
    vat: str | None = None  # included | excluded | None (not said)
    start: int = 0
    unit: str | None = None  # a price per piece: "" (stykkpris, per stk) or the noun ("per bil" → "bil")
    bound: str | None = None  # below | at_most | above | at_least (the value is a limit, not an estimate)
    low: float | None = None  # the lower end of a range ("mellom 300 000 og 400 000")


MAX_AMOUNT_DIGITS = 15  # 999 billion billion NOK: far beyond any purchase, still exact as a float


def read_number(run: str, million_follows: bool = False, english: bool = False) -> float | None:
    """The value of a run of digits and separators, or None when it is no number (a date, a
    version, a phone number). See the module docstring for the rules. A run of more than
    MAX_AMOUNT_DIGITS digits is no amount (a thousand nines would be infinity)."""
    if sum(c.isdigit() for c in run) > MAX_AMOUNT_DIGITS:
        return None
    seps = _SEP.findall(run)
    groups = _SEP.split(run)
    if not seps:
        return float(run)
    last_sep, last_group = seps[-1], groups[-1]
    decimal = False
    if last_sep in ".,":
        others = set(seps[:-1])
        if last_sep in others:
            decimal = False  # 1.300.000 / 1,300,000
        elif others:
            decimal = True  # 1 300 000,50 / 1,300,000.50
        elif len(last_group) != 3:
            decimal = True  # 2,5 / 2.5 / 1,25
        elif million_follows:
            decimal = not (english and last_sep == ",")  # "1,250 mill" — but English "1,500 million"
    whole = groups[:-1] if decimal else groups
    if len(whole) > 1 and (len(whole[0]) > 3 or any(len(g) != 3 for g in whole[1:])):
        return None
    return float("".join(whole) + ("." + last_group if decimal else ""))


@lru_cache(maxsize=256)
def _alternation(words: tuple[str, ...], whole_word: bool = True) -> str:
    parts = []
    for w in sorted(words, key=len, reverse=True):
        body = re.escape(w).replace(r"\ ", r"\s+")
        parts.append(body + (r"(?![\w])" if whole_word and w[-1].isalnum() else ""))
    return "|".join(parts) or r"(?!x)x"


def phrases(words: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for any of these words or phrases, as whole words (spaces match any whitespace)."""
    return re.compile(rf"(?<![\w])(?:{_alternation(tuple(words))})")


def find_amounts(text: str, lang: Language, english: bool = False) -> list[Amount]:
    """Every money amount in an already normalised text (lower case, number words as digits)."""
    words = lang.amounts
    mult_after = re.compile(rf"^\s*(?P<mult>{_alternation(tuple(words.multipliers))})")
    mult_before = re.compile(rf"(?<![\w])(?P<mult>{_alternation(tuple(words.multipliers_before))})\s*$")
    cur_before = re.compile(rf"(?<![\w])(?:{_alternation(tuple(words.currency_before))})\s*$")
    cur_after = re.compile(rf"^\s*(?:{_alternation(tuple(words.currency_after))})")
    dash = re.compile(r"^\s*[,.]-")
    unit_re = re.compile(r"^\s*-?(?:" + "|".join(re.escape(u) for u in lang.non_money_units)
                         + r")(?:-?(?:ene|ane|er|en|et|ar|a|e|r|s))?(?!\w)")
    each_re = re.compile(rf"^\s*(?:{_alternation(tuple(lang.unit_price_words))})")
    big = {w for w, f in words.multipliers.items() if f >= 1_000_000}
    out: list[Amount] = []
    for match in _RUN.finditer(text):
        start, end = match.start(), match.end()
        run = match.group(0).rstrip(" \u00a0")
        before, after = text[:start], text[end:]
        if re.search(r"[^\W\d][-/]$|\d[.,]$", before) or re.match(r"^[-/.]\d{1,2}(?!\d)", after):
            continue  # part of an id, a date or a code: LK-2023-022, 2023-06-01, 12/2023
        m_after = mult_after.match(after)
        if m_after and m_after.group("mult") == "'" and re.match(r"'\d", after):
            m_after = None
        m_before = mult_before.search(before) if not m_after else None
        multiplier = m_after or m_before
        mult = multiplier.group("mult") if multiplier else None
        tail = after[m_after.end():] if m_after else after
        currency_before = bool(cur_before.search(before[: m_before.start()] if m_before else before))
        c_after = cur_after.match(tail)
        dashed = dash.match(tail)
        if mult in words.currency_only_multipliers and not (currency_before or c_after):
            mult, m_after, tail = None, None, after  # "2 m" is metres unless money is said
            c_after, dashed = cur_after.match(tail), dash.match(tail)
        value = read_number(run, million_follows=bool(mult and _norm(mult) in big), english=english)
        if value is None:
            continue
        marked = bool(currency_before or c_after or dashed or mult)
        if not marked:
            if value < 1000 or (unit_re.match(after) and not each_re.match(after)):
                continue  # "25 elever", but "25 000 stykket" is a price each
            if re.fullmatch(r"\d{4}", run) and 1900 <= value <= 2100:
                continue  # a year
        if mult:
            value *= words.multipliers.get(_norm(mult), words.multipliers.get(mult, 1))
        stop = end + (m_after.end() if m_after else 0)
        if c_after:
            stop += c_after.end()
        elif dashed:
            stop += dashed.end()
        currency_at = cur_before.search(before)
        first = m_before.start() if m_before else (currency_at.start() if currency_before and currency_at else start)
        out.append(Amount(nok=value, text=text[first:stop].strip(), start=first))
    _ranges(out, text, lang)
    for amount in out:
        _context(amount, text, lang)
    return out


def _norm(word: str) -> str:
    return re.sub(r"\s+", " ", word)


def _ranges(found: list[Amount], text: str, lang: Language) -> None:
    """"mellom 300 000 og 400 000", "200-300 000", "2–3 mill": one amount, the upper end (the
    estimate must not be split low), with the lower end kept for the explanation."""
    joiner = rf"(?:-|–|—|{_alternation(tuple(lang.amounts.range_joiners))})"
    i = 0
    while i < len(found) - 1:  # two amounts the scanner found: "300 000 til 400 000"
        a, b = found[i], found[i + 1]
        if re.fullmatch(rf"\s*{joiner}\s*", text[a.start + len(a.text):b.start]) and a.nok <= b.nok:
            low = _scale_like(a.nok, b) if a.nok * 1000 <= b.nok else a.nok  # "NOK 2 and 3 million"
            b.low, b.text, b.start = low, text[a.start:b.start + len(b.text)].strip(), a.start
            del found[i]
        else:
            i += 1
    for amount in found:  # a bare lower end the scanner skipped (too small alone): "2-3 mill", "200-300 000"
        head = re.search(rf"(?<![\w.,])(\d+(?:[.,]\d+)?)\s*{joiner}\s*$", text[:amount.start])
        if head is None or amount.low is not None:
            continue
        low = _scale_like(float(head.group(1).replace(",", ".")), amount)
        if 0 < low <= amount.nok:
            amount.low, amount.start = low, head.start(1)
            amount.text = text[head.start(1):head.start(1) + len(head.group(0)) + len(amount.text)].strip()


def _scale_like(low: float, upper: Amount) -> float:
    """A bare lower end in the upper end's unit: "2-3 mill" → 2 000 000, "200-300 000" → 200 000."""
    number = re.search(r"\d[\d.,' ]*", upper.text)
    written = read_number(number.group(0).strip(" .,'")) if number else None
    low *= upper.nok / written if written else 1  # the upper's multiplier ("mill")
    while low > 0 and low * 10 <= upper.nok:  # the upper's digits ("300 000")
        low *= 10
    return low


def _context(amount: Amount, text: str, lang: Language) -> None:
    """The rate, VAT and bound of one amount, from the words around it."""
    words = lang.amounts
    before = text[max(0, amount.start - 40):amount.start]
    after = text[amount.start + len(amount.text):]
    near_after = after[:40]
    rates = (("occasion", words.per_occasion), ("hour", words.per_hour), ("day", words.per_day),
             ("month", lang.per_month), ("quarter", words.per_quarter), ("week", words.per_week), ("year", lang.per_year))
    for per, rate_words in rates:
        pattern = phrases(rate_words)
        if pattern.match(near_after.lstrip(" ,")) or pattern.search(near_after[:25]) or re.search(
                rf"(?:{pattern.pattern})\s*(?:kr\.?|nok|ca\.?|cirka|about|around)?\s*$", before):
            amount.per = per
            break
    vat_in, vat_ex = phrases(lang.vat.included), phrases(lang.vat.excluded)
    if vat_ex.search(after[:30]) or vat_ex.search(before[-25:]):
        amount.vat = "excluded"
    elif vat_in.search(after[:30]) or vat_in.search(before[-25:]):
        amount.vat = "included"
    for bound in ("below", "at_most", "above", "at_least"):
        bound_words = getattr(words.bounds, bound)
        hit = re.search(rf"(?<![\w])(?P<neg>(?:{_alternation(tuple(words.negations))})\s+)?(?:{_alternation(tuple(bound_words))})"
                        rf"\s*(?:(?:kr\.?|nok|ca\.?|cirka|omkring|about|around|approximately)\s*)*$", before)
        if hit:
            amount.bound = _NEGATED[bound] if hit.group("neg") else bound
            break


_NEGATED = {"below": "at_least", "at_most": "above", "above": "at_most", "at_least": "below"}


def times_per_year(text: str, lang: Language) -> int | None:
    """How often a purchase repeats: "12 ganger i året", "to gonger i månaden", "monthly"."""
    words = lang.amounts
    counted = re.search(rf"(?<![\w.,])(\d+)\s*(?:{_alternation(tuple(words.times_words))})\s*(?:i|per|pr\.?|om|a|an|each|every|hver|kvar)?\s*"
                        rf"(?P<unit>{_alternation(tuple(words.frequency_units))})", text)
    if counted:
        return int(counted.group(1)) * words.frequency_units[_norm(counted.group("unit"))]
    for phrase, times in sorted(words.frequency_words.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"(?<![\w])(?:{_alternation((phrase,))})", text):
            return times
    # "11 møter i året", "fire arrangementer i året": a count of occasions (any noun) per period
    numbers = {w: n for w, n in lang.number_words.items() if n >= 2 and n == int(n) and w not in ("to", "ni", "ti")}
    count = "|".join([r"\d{1,3}", *(re.escape(w) for w in sorted(numbers, key=len, reverse=True))])
    occasions = re.search(rf"(?<![\w.,])({count})\s+(?:[a-zæøå][\w-]*\s+){{0,1}}[a-zæøå][\w-]*\s+"
                          rf"(?:i|per|pr\.?|om|a|an|each|every|hver|kvar)\s*(?P<unit>{_alternation(tuple(words.frequency_units))})", text)
    if occasions:
        token = occasions.group(1)
        times = int(token) if token.isdigit() else int(numbers[token])
        return times * words.frequency_units[_norm(occasions.group("unit"))]
    return None


# ---- number words ----------------------------------------------------------------------------


def words_to_digits(text: str, lang: Language) -> str:
    """Number words as digits where they count something: "tre hundre tusen" → "300000",
    "to millioner" → "2 millioner", "to og en halv million" → "2,5 million", "half a million" →
    "0,5 million", "to år + ett" → "2 år + 1", "treårig" → "3-årig". A lone number word is only
    converted before a unit or multiplier ("en" is also "a", "to" also the English "to")."""
    numbers = lang.number_words
    halves = _alternation(tuple(lang.amounts.half_words))
    millions = _alternation(tuple(w for w, f in lang.amounts.multipliers.items() if f >= 1_000_000))
    text = re.sub(r"(?<![\w])(hundre|hundred)\s+(?:og|and)\s+", r"\1 ", text)
    vocabulary = "|".join(re.escape(w) for w in sorted(numbers, key=len, reverse=True))
    units = _alternation(tuple(lang.amounts.count_units), whole_word=False)
    sequence = re.compile(rf"(?<![\w,.])((?:{vocabulary})(?:[\s-]+(?:{vocabulary}))*)(?![\w])")

    def convert(match: re.Match[str]) -> str:
        tokens = re.split(r"[\s-]+", match.group(1))
        keep, value = _longest_number(tokens, numbers)
        if value is None:
            return match.group(0)
        unit_follows = re.match(rf"\s*(?:\d+\s*)?-?(?:{units})", text[match.end():]) is not None  # "to 1-årige"
        if len(tokens) - keep == 1 and not unit_follows:
            return match.group(0)
        prefix = " ".join(f"{numbers[t]:g}" if len(tokens[:keep]) == 1 and t in numbers else t for t in tokens[:keep])
        return (prefix + " " if prefix else "") + f"{value:g}".replace(".", ",")

    glued = re.compile(rf"(?<![\w])({vocabulary})-?(årig|årige|års|åre?s|year|years)(?![\w])")
    text = glued.sub(lambda m: f"{numbers[m.group(1)]:g}-{m.group(2)}", text)
    text = sequence.sub(convert, text)
    text = re.sub(rf"(?<![\w,.])(\d+)\s+(?:og|and)\s+(?:{halves})\s+", r"\1,5 ", text)
    text = re.sub(rf"(?<![\w,.])(?:{halves})\s+(?=(?:{millions}))", "0,5 ", text)
    return text


def _longest_number(tokens: list[str], numbers: dict[str, float]) -> tuple[int, float | None]:
    """(how many leading tokens are not part of it, value) of the longest well-formed number at
    the end of `tokens`: "to two" → (1, 2); "tre hundre tusen" → (0, 300000)."""
    for skip in range(len(tokens)):
        value = _compose(tokens[skip:], numbers)
        if value is not None:
            return skip, value
    return len(tokens), None


def _compose(tokens: list[str], numbers: dict[str, float]) -> float | None:
    """A number from words, or None when they do not form one ("to to", "ti fem")."""
    total, small, previous = 0.0, 0.0, None
    for token in tokens:
        value = numbers[token]
        if value in (100, 1000):
            if value == 100 and small >= 100:
                return None
            if value == 100:
                small = (small or 1) * 100
            else:
                total, small = total + (small or 1) * 1000, 0.0
        else:
            if previous is not None and previous not in (100, 1000) and not (20 <= previous < 100 and previous % 10 == 0 and value < 10):
                return None  # two numbers side by side, except "twenty five"
            small += value
        previous = value
    return total + small


def find_duration(text: str, lang: Language) -> tuple[int, str] | None:
    """How many weeks or days a weekly or daily price runs: "i 10 uker", "for 90 days",
    "i 20 døgn" → (10, "week"), (90, "day"), (20, "day")."""
    units = lang.amounts.duration_units
    if not units:
        return None
    numbers = {w: n for w, n in lang.number_words.items() if n >= 2 and n == int(n) and w not in ("to", "ni", "ti")}
    count = "|".join([r"\d{1,4}", *(re.escape(w) for w in sorted(numbers, key=len, reverse=True))])
    found = re.search(rf"(?<![\w])(?:i|for|in|over|gjennom|through)\s+(?:ca\.?\s+|cirka\s+|om lag\s+|about\s+|around\s+)?"
                      rf"({count})\s+(?P<unit>{_alternation(tuple(units))})", text)
    if found is None:
        return None
    token = found.group(1)
    return (int(token) if token.isdigit() else int(numbers[token])), units[_norm(found.group("unit"))]

