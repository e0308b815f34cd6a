"""The sync's reading edge: every cell of an export is cleaned here, once, before it is validated.

- Text is Unicode NFC ("å" typed as a + ring is the same "å"); line breaks are "\\n", a tab is a
  space.
- Invisible characters (zero-width space and joiners, word joiner, BOM, soft hyphen, bidi
  controls) and control characters (NUL and the other C0/C1 codes) are removed. They never
  carry meaning in a register, but they make "LK-1" and "LK-1<zero-width space>" two different
  agreements, and PostgreSQL refuses a NUL. The sync notes how many cells were cleaned.
- A cell that holds no usable value is a `BadCell`: an Excel error (#N/A, #REF! …, also as text
  in a CSV saved by Excel), a formula whose result was never saved (a file written by a program,
  not by Excel), a number that is not finite (1E+999), or a cell the XLSX reader cannot read.
  The validator turns a bad cell in a mapped column into a row error naming the cell.
- `id_key` is the form in which two agreement ids are the same agreement: NFKC, case-folded,
  spaces collapsed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from agreements_sync.mapping import normalise

# Excel's error values, in English and in Norwegian Excel (which writes them so into CSV)
EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
    "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#EXTERNAL!", "#PYTHON!",
    "#I/T", "#VERDI!", "#NAVN?", "#NULL", "#DIV/0",
})
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufe00-\ufe0f]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NEEDS_WORK = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufe00-\ufe0f]")


@dataclass(frozen=True)
class BadCell:
    """A cell without a usable value; `code` is the row error's reason code."""

    code: str  # excel_error | formula_without_value | number_not_finite | cell_unreadable
    value: str  # what the cell showed: "#N/A", "=SUM(A1:A3)", "1E+999" …
    at: str = ""  # " D5": where in an XLSX sheet (with a leading space, for the message), or ""

    def __str__(self) -> str:
        return self.value


def clean_text(text: str) -> tuple[str, str]:
    """(cleaned text, what was removed: "" | "invisible" | "control" | "invisible+control")."""
    if text.isascii() and text.isprintable():  # most cells: nothing to do
        return text, ""
    removed = ""
    if _NEEDS_WORK.search(text):
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = text.replace("\t", " ")
        cleaned = _INVISIBLE.sub("", text)
        if cleaned != text:
            removed = "invisible"
        text = cleaned
        cleaned = _CONTROL.sub("", text)
        if cleaned != text:
            removed = f"{removed}+control" if removed else "control"
        text = cleaned
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text, removed


def clean_cell(raw: Any) -> tuple[Any, str]:
    """A cell as the validator may read it, and what was removed (see `clean_text`)."""
    if raw is None or isinstance(raw, BadCell):
        return raw, ""
    if isinstance(raw, str):
        if "#" in raw and (stripped := raw.strip()).upper() in EXCEL_ERRORS:
            return BadCell("excel_error", stripped), ""
        return clean_text(raw)
    if isinstance(raw, float) and not math.isfinite(raw):
        return BadCell("number_not_finite", repr(raw)), ""
    return raw, ""


def id_key(agreement_id: str) -> str:
    """Two ids with the same key are the same agreement: "LK-1", "lk-1", "ＬＫ-1"."""
    return normalise(unicodedata.normalize("NFKC", agreement_id))


__all__ = ["BadCell", "EXCEL_ERRORS", "clean_cell", "clean_text", "id_key"]
