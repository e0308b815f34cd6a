"""CSV files that people open in Excel: every CSV export of the bot is written here.

Text from the register, from course sign-ups or from Teams names ends up in these files. Excel
reads a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before them) as
a formula, so a title such as `=HYPERLINK("https://…","Åpne")` would run when the file is
opened ("CSV injection"). Such text is written with a leading apostrophe, which Excel shows as
plain text (OWASP's advice). Numbers stay numbers.

The files are made for a Norwegian Excel, which reads a CSV by the regional list separator: `;`
separated, UTF-8 with a byte-order mark (without it Excel guesses Windows-1252 and breaks æ, ø
and å), and times as local time in Europe/Oslo (`2026-11-24 14:30`), not UTC ISO stamps.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SEPARATOR = ";"
BOM = "\ufeff"
TIMEZONE = "Europe/Oslo"


def spreadsheet_safe(value: Any) -> Any:
    """`value`, with a leading apostrophe if it is text Excel would read as a formula; a carriage
    return inside text becomes a line feed (the csv module would leave it unquoted otherwise)."""
    if isinstance(value, str):
        if value.startswith(FORMULA_START):
            value = "'" + value
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def local_time(value: dt.datetime, timezone: str = TIMEZONE) -> str:
    """A moment as local wall-clock time Excel reads as a date and time: `2026-11-24 14:30`
    (a naive value is taken as UTC, as the database stores it)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def cell(value: Any, timezone: str = TIMEZONE) -> Any:
    """One cell: None → empty, a datetime → local time, a date → ISO date, text made formula-safe."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return local_time(value, timezone)
    if isinstance(value, dt.date):
        return value.isoformat()
    return spreadsheet_safe(value)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], *, lineterminator: str = "\r\n",
             timezone: str = TIMEZONE) -> str:
    """A CSV document for Norwegian Excel: BOM, `;`-separated, one header row, times in
    `timezone` (Europe/Oslo), every cell safe to open in Excel. Encode it as UTF-8."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=SEPARATOR, lineterminator=lineterminator)
    writer.writerow([spreadsheet_safe(name) for name in header])
    for row in rows:
        writer.writerow([cell(value, timezone) for value in row])
    return buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, timezone: str = TIMEZONE) -> bytes:
    """`csv_text` encoded as UTF-8 (with its BOM): the body of a download."""
    return csv_text(header, rows, timezone=timezone).encode("utf-8")


__all__ = ["BOM", "FORMULA_START", "SEPARATOR", "cell", "csv_bytes", "csv_text", "local_time", "spreadsheet_safe"]
