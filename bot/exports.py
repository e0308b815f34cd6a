"""CSV files that people open in Excel: every CSV export of the bot is written here.

Text from the register, from course sign-ups or from Teams names ends up in these files. Excel
reads a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before them) as
a formula, so a title such as `=HYPERLINK("https://…","Åpne")` would run when the file is
opened ("CSV injection"). Such text is written with a leading apostrophe, which Excel shows as
plain text (OWASP's advice). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """`value`, with a leading apostrophe if it is text Excel would read as a formula; a carriage
    return inside text becomes a line feed (the csv module would leave it unquoted otherwise)."""
    if isinstance(value, str):
        if value.startswith(FORMULA_START):
            value = "'" + value
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], *, lineterminator: str = "\n") -> str:
    """A CSV document (comma-separated, one header row), every cell safe to open in Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow([spreadsheet_safe(name) for name in header])
    for row in rows:
        writer.writerow(["" if value is None else spreadsheet_safe(value) for value in row])
    return buffer.getvalue()


__all__ = ["FORMULA_START", "csv_text", "spreadsheet_safe"]
