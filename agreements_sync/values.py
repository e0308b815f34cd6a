"""Reading single cell values: dates, amounts, yes/no, organisation numbers, lists.

Each parser takes the raw cell (a string from CSV; str, int, float, date or datetime from XLSX)
and returns the value or raises `ValueProblem(code, **details)`; the validator turns a problem
into a row error with line, column and a reason in Norwegian and English.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

from agreements_sync.mapping import NumberFormat, YesNo, normalise

EXCEL_EPOCH = dt.date(1899, 12, 30)
FIRST_DATE = dt.date(1900, 1, 1)
_SERIAL = re.compile(r"^\d{4,6}(?:[.,]0+)?$")
_MOD11_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


class ValueProblem(Exception):
    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


def cell_text(raw: Any) -> str:
    """A cell as trimmed text (numbers without a trailing .0)."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat()
    return str(raw).replace("\u00a0", " ").strip()


def parse_date(raw: Any, formats: list[str], excel_serial: bool = True) -> dt.date | None:
    """A date from a date cell, an Excel serial number, or text in one of the formats; a year
    before 1900 is an error (a typo such as 01.01.0219, and arithmetic on it would overflow)."""
    value = _parse_date(raw, formats, excel_serial)
    if value is not None and value < FIRST_DATE:
        raise ValueProblem("date_out_of_range", value=cell_text(raw) if not isinstance(raw, dt.date) else value.isoformat())
    return value


def _parse_date(raw: Any, formats: list[str], excel_serial: bool) -> dt.date | None:
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if excel_serial and 1 <= raw < 2_958_466:
            return EXCEL_EPOCH + dt.timedelta(days=int(raw))
        raise ValueProblem("date_unparseable", value=cell_text(raw))
    text = cell_text(raw)
    if not text:
        return None
    if excel_serial and _SERIAL.match(text):
        return EXCEL_EPOCH + dt.timedelta(days=int(re.split(r"[.,]", text)[0]))
    impossible = False
    for fmt in formats:
        try:
            return dt.datetime.strptime(_english_months(text) if "%b" in fmt or "%B" in fmt else text, fmt).date()
        except ValueError as exc:
            # "day is out of range for month", "month must be in 1..12" …: the shape was right
            if "does not match format" not in str(exc) and "unconverted data" not in str(exc):
                impossible = True
    # strptime reports 31.02 as "does not match" on some formats; check the shape ourselves
    match = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})", text)
    if match and not impossible:
        day, month, year = (int(part) for part in match.groups())
        try:
            dt.date(year, month, day)
        except ValueError:
            impossible = True
    if impossible:
        raise ValueProblem("date_impossible", value=text)
    raise ValueProblem("date_unparseable", value=text, formats=", ".join(_human_format(f) for f in formats))


# Norwegian (bokmål and nynorsk) month names and their short forms, as strptime's %B and %b read
# them in the C locale: "1. april 2021", "15. okt. 2024", "3. mai 2023"
_MONTHS = {"januar": "January", "februar": "February", "mars": "March", "april": "April", "mai": "May",
           "juni": "June", "juli": "July", "august": "August", "september": "September", "oktober": "October",
           "november": "November", "desember": "December", "jan": "Jan", "feb": "Feb", "mar": "Mar", "apr": "Apr",
           "jun": "Jun", "jul": "Jul", "aug": "Aug", "sep": "Sep", "sept": "Sep", "okt": "Oct", "nov": "Nov",
           "des": "Dec"}
_MONTH_WORD = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?", re.IGNORECASE)


def _english_months(text: str) -> str:
    """Norwegian month names as English ones, for a date format with %B or %b (English names are
    kept: "mars" and "March" both read)."""
    return _MONTH_WORD.sub(lambda m: _MONTHS[m.group(1).casefold()], text)


def _human_format(fmt: str) -> str:
    return fmt.replace("%d", "dd").replace("%m", "mm").replace("%Y", "yyyy").replace("%y", "yy")


def parse_amount(raw: Any, number: NumberFormat) -> Decimal | None:
    """An amount in kroner: `1 250 000`, `1 250 000,50`, `kr 1.250.000,-`, a number cell …"""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueProblem("amount_unparseable", value=str(raw))
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw) or abs(raw) >= 1e15:
            raise ValueProblem("amount_unparseable", value=cell_text(raw))
        return Decimal(repr(raw)).quantize(Decimal("0.01"))
    text = cell_text(raw)
    if not text:
        return None
    cleaned = text.replace("\u00a0", " ").replace("\u202f", " ")
    # an estimate ("ca. 850 000", "omtrent 2 mill.") is read as the amount; "1,6 mill." is 1 600 000
    cleaned = _ABOUT.sub("", cleaned)
    millions = _MILLIONS.search(cleaned)
    if millions:
        cleaned = cleaned[: millions.start()]
    lowered = cleaned.casefold()
    for token in sorted(number.strip, key=len, reverse=True):
        token = token.casefold()
        if token and token in lowered:
            index = lowered.find(token)
            while index >= 0:
                cleaned = cleaned[:index] + cleaned[index + len(token) :]
                lowered = lowered[:index] + lowered[index + len(token) :]
                index = lowered.find(token)
    cleaned = " ".join(cleaned.split())
    negative = cleaned.startswith(("-", "−"))
    if negative:
        cleaned = cleaned[1:].strip()
    match = _amount_pattern(number).fullmatch(cleaned)
    if match is None:
        raise ValueProblem("amount_unparseable", value=text)
    whole = re.sub(r"\D", "", match.group(1))
    value = Decimal(f"{whole}.{match.group(2) or '0'}")
    if millions:
        value *= 1_000_000
    return -value if negative else value


_ABOUT = re.compile(r"^\s*(?:ca\.?|cirka|omtrent|rundt|approx\.?|approximately|about|~)\s*(?=[\d(kn-])", re.IGNORECASE)
_MILLIONS = re.compile(r"\s*(?:mill(?:ioner|ion|ions)?\.?|mnok|mkr)\s*(?:kr\.?|kroner|nok)?\s*$", re.IGNORECASE)


def _amount_pattern(number: NumberFormat) -> re.Pattern[str]:
    """Digits in groups of three between thousands separators (or no separators at all), then
    optionally the decimal separator and one or two decimals: `1 250 000,50` but not
    `1 250 000.50` when `.` separates thousands (that would silently misread the amount)."""
    separators = {" " if sep.isspace() else sep for sep in number.thousands_separators if sep != number.decimal_separator}
    grouped = rf"\d{{1,3}}(?:[{''.join(re.escape(s) for s in sorted(separators))}]\d{{3}})+|" if separators else ""
    return re.compile(rf"({grouped}\d+)(?:{re.escape(number.decimal_separator)}(\d{{1,2}}))?")


def parse_yes_no(raw: Any, yes_no: YesNo) -> tuple[bool, str]:
    """(flag, qualifier): "Ja" -> (True, ""), "Ja (kun IKT)" -> (True, "kun IKT")."""
    if isinstance(raw, bool):
        return raw, ""
    text = cell_text(raw)
    key = normalise(text)
    yes = {normalise(v) for v in yes_no.yes_values}
    no = {normalise(v) for v in yes_no.no_values}
    if key in yes:
        return True, ""
    if key in no:
        return False, ""
    for values, flag in ((yes, True), (no, False)):
        for value in sorted(values, key=len, reverse=True):
            if value and key.startswith(value) and not key[len(value)].isalnum():
                qualifier = text[len(value) :].strip(" \t-–—:,;()[]")
                return flag, qualifier
    raise ValueProblem("yes_no_unknown", value=text, yes=", ".join(yes_no.yes_values), no=", ".join(v for v in yes_no.no_values if v))


def clean_org_number(raw: Any) -> str:
    """Digits only ("NO 923 587 373 MVA" -> "923587373")."""
    text = cell_text(raw).upper()
    text = re.sub(r"^NO", "", text.strip())
    text = re.sub(r"MVA$", "", text.strip())
    return re.sub(r"[\s.\-]", "", text)


_FOREIGN_ORG = re.compile(r"^([A-Z]{2})[\s-]*([0-9A-Z][0-9A-Z\s.\-]{3,18})$")


def foreign_org_number(raw: Any) -> str:
    """A foreign supplier's registration number with its country code ("SE 556712-4410",
    "DK12345678"): the number as written (country code, one space, the rest without spaces);
    "" for a Norwegian one ("NO 923 587 373 MVA") or anything else."""
    text = " ".join(cell_text(raw).upper().split())
    match = _FOREIGN_ORG.match(text)
    if match is None or match.group(1) == "NO" or not any(c.isdigit() for c in match.group(2)):
        return ""
    number = re.sub(r"\s", "", match.group(2))
    return f"{match.group(1)} {number}"[:16]


def mod11_valid(org_number: str) -> bool:
    """A Norwegian organisation number: 9 digits, the last a MOD11 check digit."""
    if not re.fullmatch(r"\d{9}", org_number):
        return False
    total = sum(int(d) * w for d, w in zip(org_number[:8], _MOD11_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(org_number[8])


def split_on(text: str, separator: str | list[str]) -> list[str]:
    """`text` split on the separator, or on any of a list of them (the longest first, so " / "
    wins over "/" where both are listed)."""
    if isinstance(separator, str):
        return text.split(separator) if separator else [text]
    parts = sorted({s for s in separator if s}, key=len, reverse=True)
    if not parts:
        return [text]
    return re.split("|".join(re.escape(s) for s in parts), text)


def split_list(raw: Any, separator: str | list[str]) -> list[str]:
    """Non-empty, trimmed parts; duplicates (ignoring case) dropped, order kept."""
    text = cell_text(raw)
    if not text:
        return []
    seen: set[str] = set()
    parts: list[str] = []
    for part in split_on(text, separator):
        part = " ".join(part.split())
        if part and part.casefold() not in seen:
            seen.add(part.casefold())
            parts.append(part)
    return parts


def split_positional(raw: Any, separator: str | list[str]) -> list[str]:
    """Trimmed parts keeping empty ones, so positions line up (suppliers with org numbers)."""
    text = cell_text(raw)
    if not text:
        return []
    return [" ".join(part.split()) for part in split_on(text, separator)]
