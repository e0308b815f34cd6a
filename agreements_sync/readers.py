"""Reading exports as people really save them: CSV or XLSX into header + numbered rows.

CSV: UTF-8 with or without BOM, else Windows-1252 (older Excel "CSV" in Norway), or UTF-16 with
a BOM (Excel's "Unicode text"); `;`, `,`, tab
or `|` separated (sniffed from the header line unless the mapping names it); CRLF or LF; quoted
fields, also spanning lines. XLSX: openpyxl in read-only mode; date cells arrive as dates and
number cells as numbers. Rows are streamed, so a large export is never held twice in memory.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agreements_sync.mapping import RegisterMapping

_CHUNK = 1 << 20
_DELIMITERS = (";", ",", "\t", "|")


class ReadError(Exception):
    """The file cannot be read as a table at all (not CSV/XLSX, empty, unknown sheet …)."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (line or row number in the file, cells)
    format: str
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)


def detect_format(path: Path, mapping: RegisterMapping) -> str:
    if mapping.format != "auto":
        return mapping.format
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return "xlsx"
    with path.open("rb") as handle:
        return "xlsx" if handle.read(4) == b"PK\x03\x04" else "csv"


def detect_encoding(path: Path) -> str:
    """utf-16 with its BOM (Excel's "Unicode text"); utf-8-sig when the bytes are valid UTF-8
    (BOM or not); else cp1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        if handle.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        handle.seek(0)
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def sniff_delimiter(header_line: str) -> str:
    counts = {d: _count_outside_quotes(header_line, d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def read_table(path: str | Path, mapping: RegisterMapping) -> Table:
    path = Path(path)
    if not path.exists():
        raise ReadError("file_not_found", path=str(path))
    if detect_format(path, mapping) == "xlsx":
        return _read_xlsx(path, mapping)
    return _read_csv(path, mapping)


def _read_csv(path: Path, mapping: RegisterMapping) -> Table:
    encoding = mapping.csv.encoding
    if encoding == "auto":
        encoding = detect_encoding(path)
    try:
        with path.open(encoding=encoding, newline="") as handle:
            first = handle.readline()
    except (UnicodeDecodeError, LookupError) as exc:
        raise ReadError("encoding", encoding=encoding, reason=str(exc)) from None
    if not first.strip():
        raise ReadError("empty_file", path=str(path))
    delimiter = mapping.csv.delimiter if mapping.csv.delimiter != "auto" else sniff_delimiter(first)
    handle = path.open(encoding=encoding, newline="")
    reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    try:
        headers = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        handle.close()
        raise ReadError("empty_file", path=str(path)) from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            previous = reader.line_num
            for cells in reader:
                line = previous + 1
                previous = reader.line_num
                if any(cell.strip() for cell in cells):
                    yield line, cells
        except csv.Error as exc:
            raise ReadError("csv_syntax", line=reader.line_num, reason=str(exc)) from None
        finally:
            handle.close()

    return Table(headers=headers, rows=rows(), format="csv", encoding=encoding, delimiter=delimiter)


def _read_xlsx(path: Path, mapping: RegisterMapping) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip/XML errors of a broken file
        raise ReadError("xlsx_unreadable", path=str(path), reason=str(exc)) from None
    sheet_name = mapping.xlsx.sheet
    if sheet_name is not None and sheet_name not in workbook.sheetnames:
        workbook.close()
        raise ReadError("xlsx_no_sheet", sheet=sheet_name, sheets=", ".join(workbook.sheetnames))
    sheet = workbook[sheet_name] if sheet_name else workbook.worksheets[0]
    header_row = mapping.xlsx.header_row
    iterator = sheet.iter_rows(min_row=header_row, values_only=True)
    try:
        header_cells = next(iterator)
    except StopIteration:
        workbook.close()
        raise ReadError("empty_file", path=str(path)) from None
    headers = ["" if h is None else str(h).strip() for h in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(iterator, start=header_row + 1):
                values = list(cells[:width])
                if any(v is not None and str(v).strip() for v in values):
                    yield number, values
        finally:
            workbook.close()

    return Table(headers=headers, rows=rows(), format="xlsx", encoding="", delimiter="")
