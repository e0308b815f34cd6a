"""Lower-casing that keeps what the capitals meant.

"IT" in "an IT consultant" or "IT avdelingen" is the field, not the English pronoun "it" that
every stop-word list drops; lower-cased as it stands, the question loses the one word that
says which consultant. Written in capitals as a word of its own, it becomes "ikt", the
Norwegian name of the same field, before the text is lower-cased. A hyphenated compound
("IT-konsulent") keeps its spelling: its first part is never taken for the pronoun. A text
written all in capitals says nothing by its capitals and is lower-cased as it stands.
"""

from __future__ import annotations

import re

_ACRONYMS = {"IT": "ikt"}
_ACRONYM_RE = re.compile(r"(?<![\w-])(" + "|".join(_ACRONYMS) + r")(?![\w-])")


def lower(text: str) -> str:
    """`text.lower()`, with the capitalised acronyms that would read as stop words renamed."""
    if _ACRONYM_RE.search(text) is None:  # nearly every text, register scopes included: no scan of its letters
        return text.lower()
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return text.lower()
    return _ACRONYM_RE.sub(lambda m: _ACRONYMS[m.group(1)], text).lower()
