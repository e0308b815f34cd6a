"""The date a question is about, for the thresholds in force then: "et kjøp vi gjorde i juni 2023",
"kontrakten ble signert 15.03.2022", "a purchase we made in June 2023", "i fjor".

Only a date before today counts, and not when the question is about doing something now ("nå",
"ny avtale", "now"): the thresholds of a purchase made now are today's, even if an old agreement
is mentioned. A month without a day is taken at its first day (thresholds change on set days,
and the earliest reading is the one in force for the whole month unless a change fell inside it);
a year alone at 1 July. Month names and the "now" words are in `knowledge/authority/language.yaml`
(`dates`).
"""

from __future__ import annotations

import datetime as dt
import re

from bot.authority.knowledge import Language


def _month(word: str, lang: Language) -> int | None:
    word = word.rstrip(".")
    for number, names in enumerate(lang.dates.months, start=1):
        if word in names:
            return number
    return None


def _safe(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_date(text: str, today: dt.date, lang: Language) -> tuple[dt.date, str] | None:
    """(the date, the words it was read from) of a past purchase the question is about, or None."""
    words = lang.dates
    if any(re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", text) for w in words.now_words):
        return None
    names = "|".join(re.escape(n) for names in words.months for n in sorted(names, key=len, reverse=True))
    found: list[tuple[dt.date, str]] = []
    for m in re.finditer(r"(?<![\d.])(\d{1,2})[./](\d{1,2})[./](\d{4}|\d{2})(?![\d])", text):
        year = int(m.group(3)) + (2000 if len(m.group(3)) == 2 else 0)
        day = _safe(year, int(m.group(2)), int(m.group(1)))
        if day:
            found.append((day, m.group(0)))
    for m in re.finditer(r"(?<![\d])(\d{4})-(\d{2})-(\d{2})(?![\d])", text):
        day = _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if day:
            found.append((day, m.group(0)))
    for m in re.finditer(rf"(?<![\w])(?:(\d{{1,2}})\.?\s+)?({names})(?:\s+(\d{{1,2}}),?)?\s+(\d{{4}})(?![\d])", text):
        month = _month(m.group(2), lang)
        day_number = int(m.group(1) or m.group(3) or 1)
        day = _safe(int(m.group(4)), month, day_number) if month else None
        if day:
            found.append((day, m.group(0)))
    if not found:
        for m in re.finditer(rf"(?<![\w])({'|'.join(re.escape(s) for s in words.seasons)})\s+(\d{{4}})(?![\d])", text):
            day = _safe(int(m.group(2)), words.seasons[m.group(1)], 1)
            if day:
                found.append((day, m.group(0)))
    if not found:
        for m in re.finditer(rf"(?<![\w])(?:{'|'.join(re.escape(p) for p in words.year_prepositions)})\s+(\d{{4}})(?![\d])", text):
            year = int(m.group(1))
            if 1990 <= year <= today.year:
                found.append((dt.date(year, 7, 1), m.group(0)))
    if not found:
        for phrase, years_back in words.relative_years.items():
            said = re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text)
            if said:
                found.append((dt.date(today.year - years_back, 7, 1), said.group(0)))
                break
    past = [(day, words_) for day, words_ in found if day < today]
    return min(past) if past else None
