"""Reading exports as people really save them: CSV or XLSX into header + numbered rows.

CSV: UTF-8 with or without BOM, else Windows-1252 (older Excel "CSV" in Norway), or UTF-16 with
a BOM (Excel's "Unicode text") or without one; `;`, `,`, tab or `|` separated (sniffed from the
header line unless the mapping names it); CRLF or LF; quoted fields, also spanning lines.

XLSX: the zip is checked before it is opened (its unpacked size and compression ratio: a zip
bomb is refused at once); the sheet is the mapping's, or the first *visible* one (a hidden sheet
before it is skipped, with a note). Cells are streamed one at a time with openpyxl's own cell
parser, so memory stays bounded whatever the sheet declares: date cells arrive as dates and
number cells as numbers; an error cell, a formula without a saved result or an unreadable cell
arrives as a `BadCell` naming the cell.

Limits (rows, columns, line length, sizes) come from `agreements_sync.limits.Limits`.
Rows are streamed, so a large export is never held twice in memory.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import math
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agreements_sync.cells import BadCell
from agreements_sync.limits import DEFAULT_LIMITS, MB, Limits, human_size
from agreements_sync.mapping import RegisterMapping

_CHUNK = 1 << 20
_DELIMITERS = (";", ",", "\t", "|")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Excel .xls, and password-protected .xlsx


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
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (code, details): read, with a note
    header_line: int = 1  # the line or row of the file holding the headers


def detect_format(path: Path, mapping: RegisterMapping) -> str:
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic == _OLE2_MAGIC:
        raise ReadError("xls_not_supported", path=str(path))
    if mapping.format != "auto":
        return mapping.format
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return "xlsx"
    return "xlsx" if magic[:4] == b"PK\x03\x04" else "csv"


def detect_encoding(path: Path) -> str:
    """utf-16 with its BOM (Excel's "Unicode text"), utf-16-le/-be without one (recognised by
    the zero bytes of mostly-Latin text); utf-8-sig when the bytes are valid UTF-8 (BOM or not);
    else cp1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        head = handle.read(4096)
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        without_bom = _utf16_without_bom(head)
        if without_bom:
            return without_bom
        handle.seek(0)
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _utf16_without_bom(head: bytes) -> str | None:
    size = len(head) // 2 * 2
    if size < 8:
        return None
    even, odd = head[0:size:2], head[1:size:2]
    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zeros_odd > 0.3 and zeros_even < 0.05:
        return "utf-16-le"
    if zeros_even > 0.3 and zeros_odd < 0.05:
        return "utf-16-be"
    return None


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


def read_table(path: str | Path, mapping: RegisterMapping, limits: Limits = DEFAULT_LIMITS) -> Table:
    path = Path(path)
    if not path.exists():
        raise ReadError("file_not_found", path=str(path))
    if not path.is_file():
        raise ReadError("not_a_file", path=str(path))
    size = path.stat().st_size
    if size > limits.max_export_bytes:
        raise ReadError("too_large", path=str(path), size=human_size(size), limit=human_size(limits.max_export_bytes))
    if detect_format(path, mapping) == "xlsx":
        return _read_xlsx(path, mapping, limits)
    return _read_csv(path, mapping, limits)


# --- CSV ---------------------------------------------------------------------------------------


def _bounded_lines(handle: Any, limit: int) -> Iterator[str]:
    """The file's lines, refusing one longer than `limit` characters before it is all in memory."""
    number = 0
    while line := handle.readline(limit + 1):
        number += 1
        if len(line) > limit:
            raise ReadError("line_too_long", line=number, limit=limit)
        yield line


def _read_csv(path: Path, mapping: RegisterMapping, limits: Limits) -> Table:
    encoding = mapping.csv.encoding
    if encoding == "auto":
        encoding = detect_encoding(path)
    try:
        with path.open(encoding=encoding, newline="") as handle:
            first = handle.readline(limits.max_line_chars + 1)
    except UnicodeDecodeError as exc:
        raise _csv_problem(exc, path, encoding) from None
    except LookupError as exc:
        raise ReadError("encoding", line=1, encoding=encoding, reason=str(exc)) from None
    if not first.strip():
        raise ReadError("empty_file", path=str(path))
    if "\x00" in first:
        raise ReadError("nul_in_header", path=str(path), encoding=encoding)
    delimiter = mapping.csv.delimiter if mapping.csv.delimiter != "auto" else sniff_delimiter(first)
    handle = path.open(encoding=encoding, newline="")
    if mapping.csv.quoting:
        reader = csv.reader(_bounded_lines(handle, limits.max_line_chars), delimiter=delimiter, quotechar='"',
                            doublequote=True, strict=False)
    else:  # an export that never quotes: a quote mark is text ('Skilt "Parkering forbudt"')
        reader = csv.reader(_bounded_lines(handle, limits.max_line_chars), delimiter=delimiter,
                            quoting=csv.QUOTE_NONE, strict=False)
    try:
        headers = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        handle.close()
        raise ReadError("empty_file", path=str(path)) from None
    except (csv.Error, UnicodeDecodeError, ReadError) as exc:
        handle.close()
        raise _csv_problem(exc, path, encoding, 1) from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        count = 0
        previous = reader.line_num
        try:
            for cells in reader:
                line = previous + 1
                previous = reader.line_num
                if not any(cell.strip() for cell in cells):
                    if mapping.csv.stop_at_blank_row and count:
                        return  # "#EOF …" and other footers after the empty line are not data
                    continue
                count += 1
                if count > limits.max_rows:
                    raise ReadError("too_many_rows", limit=limits.max_rows)
                yield line, cells
        except (csv.Error, UnicodeDecodeError) as exc:
            raise _csv_problem(exc, path, encoding, previous + 1) from None  # the line the bad row starts on
        finally:
            handle.close()

    return Table(headers=headers, rows=rows(), format="csv", encoding=encoding, delimiter=delimiter)


def _csv_problem(exc: Exception, path: Path, encoding: str, line: int = 1) -> ReadError:
    if isinstance(exc, ReadError):
        return exc
    if isinstance(exc, UnicodeDecodeError):
        where, byte = _first_undecodable(path, encoding)
        return ReadError("encoding", line=where or line, encoding=encoding,
                         reason=f"byte 0x{byte:02x} is not {encoding}" if byte is not None else str(exc))
    if "field larger than field limit" in str(exc):
        return ReadError("cell_too_large", line=line, limit=csv.field_size_limit())
    return ReadError("csv_syntax", line=line, reason=str(exc))


def _first_undecodable(path: Path, encoding: str) -> tuple[int | None, int | None]:
    """(line, byte) of the first byte the encoding cannot read (text files decode ahead of the
    line being read, so the error itself does not know its line)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 1
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad = exc.start - (len(exc.object) - len(chunk))  # the decoder may hold bytes of the previous chunk
                bad = max(0, min(bad, len(chunk)))
                return lines + chunk.count(b"\n", 0, bad), chunk[bad] if bad < len(chunk) else None
            lines += chunk.count(b"\n")
    return None, None


# --- XLSX --------------------------------------------------------------------------------------


def check_zip(path: Path, limits: Limits) -> None:
    """Refuse a zip that would unpack to too much, before anything is unpacked: the sizes come
    from the zip's directory (Python's zipfile never unpacks more than a part declares)."""
    parts, directory_bytes = _zip_directory_size(path)
    if parts > limits.max_xlsx_parts or directory_bytes > limits.max_xlsx_parts * 1024:
        raise ReadError("xlsx_too_many_parts", path=str(path), parts=parts, limit=limits.max_xlsx_parts)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ReadError("xlsx_unreadable", path=str(path), reason=str(exc)) from None
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.max_xlsx_unpacked_bytes:
        raise ReadError("xlsx_too_large", path=str(path), unpacked=human_size(unpacked),
                        limit=human_size(limits.max_xlsx_unpacked_bytes))
    for info in infos:
        if info.file_size > MB and info.file_size > max(info.compress_size, 1) * limits.max_xlsx_ratio:
            raise ReadError("xlsx_ratio", path=str(path), part=info.filename[:100],
                            ratio=info.file_size // max(info.compress_size, 1), limit=limits.max_xlsx_ratio)


def _zip_directory_size(path: Path) -> tuple[int, int]:
    """(parts, bytes of the central directory) from the zip's end record; (0, 0) if absent
    (zipfile then says what is wrong)."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 65_557))
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return 0, 0
    _sig, _disk, _cd_disk, _here, parts, directory_bytes, _offset, _comment = struct.unpack("<4s4H2LH", tail[at : at + 22])
    return parts, directory_bytes


def _read_xlsx(path: Path, mapping: RegisterMapping, limits: Limits) -> Table:
    from openpyxl import load_workbook

    check_zip(path, limits)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip/XML errors of a broken file
        raise ReadError("xlsx_unreadable", path=str(path), reason=str(exc) or type(exc).__name__) from None
    try:
        sheet, notes = _choose_sheet(workbook, mapping)
        header_row = mapping.xlsx.header_row
        stream = _sheet_rows(workbook, sheet, limits.max_columns)
        header_cells: dict[int, Any] | None = None
        first_data: tuple[int, dict[int, Any]] | None = None
        last_row = 0
        for number, cells in stream:
            last_row = number
            if number == header_row:
                header_cells = cells
                break
            if number > header_row:  # the header row itself is empty
                header_cells, first_data = {}, (number, cells)
                break
        if header_cells is None:
            raise ReadError("header_past_end", row=header_row, sheet=sheet.title, rows=last_row)
    except BaseException:
        workbook.close()
        raise
    width = max((c for c, v in header_cells.items() if v is not None and str(v).strip()), default=0)
    if not width:
        workbook.close()
        raise ReadError("header_row_empty", row=header_row, sheet=sheet.title)
    headers = ["" if header_cells.get(c) is None else str(header_cells[c]).strip() for c in range(1, width + 1)]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        count = 0
        previous = header_row  # the last row read: a gap after it is an empty row
        try:
            pending = [first_data] if first_data else []
            for number, cells in itertools.chain(pending, stream):
                values = [cells.get(c) for c in range(1, width + 1)]
                filled = any(v is not None and (not isinstance(v, str) or v.strip()) for v in values)
                if mapping.xlsx.stop_at_blank_row and (number > previous + 1 or not filled):
                    break  # "End of export – 219 rows" below the data is no agreement
                previous = number
                if filled:
                    count += 1
                    if count > limits.max_rows:
                        raise ReadError("too_many_rows", limit=limits.max_rows)
                    yield number, values
        finally:
            workbook.close()

    return Table(headers=headers, rows=rows(), format="xlsx", encoding="", delimiter="", notes=notes, header_line=header_row)


def _choose_sheet(workbook: Any, mapping: RegisterMapping) -> tuple[Any, list[tuple[str, dict[str, Any]]]]:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    name = mapping.xlsx.sheet
    if name is not None:
        if name not in workbook.sheetnames:
            raise ReadError("xlsx_no_sheet", sheet=name, sheets=", ".join(workbook.sheetnames))
        sheet = workbook[name]
        if not isinstance(sheet, ReadOnlyWorksheet):
            raise ReadError("xlsx_not_worksheet", sheet=name)
        return sheet, []
    worksheets = [s for s in workbook.worksheets if isinstance(s, ReadOnlyWorksheet)]
    if not worksheets:
        raise ReadError("xlsx_no_worksheet", sheets=", ".join(workbook.sheetnames) or "–")
    visible = [s for s in worksheets if s.sheet_state == "visible"]
    if not visible:
        raise ReadError("xlsx_no_visible_sheet", sheets=", ".join(s.title for s in worksheets))
    sheet = visible[0]
    skipped = [s.title for s in worksheets[: worksheets.index(sheet)]]
    notes = [("xlsx_hidden_sheets_skipped", {"sheets": ", ".join(skipped), "sheet": sheet.title})] if skipped else []
    return sheet, notes


def _sheet_rows(workbook: Any, sheet: Any, max_columns: int) -> Iterator[tuple[int, dict[int, Any]]]:
    """(row number, {column: value}) of the sheet's non-empty rows, one cell in memory at a time.

    openpyxl's read-only rows would hold a whole <row> (and pad it to the width the sheet
    declares); here each <c> is parsed by openpyxl's own cell parser when it ends and then
    dropped, and everything else is dropped as soon as it ends. Uses openpyxl internals
    (pinned version): the workbook's open archive, the sheet's part name, its shared strings
    and date formats.
    """
    from openpyxl.worksheet._reader import CELL_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse

    parser = WorkSheetParser(None, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
                             date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
    stack: list[Any] = []
    in_cell = 0
    row_number = 0
    cells: dict[int, Any] = {}
    with workbook._archive.open(sheet._worksheet_path) as source:
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                stack.append(element)
                if element.tag == CELL_TAG:
                    in_cell += 1
                elif element.tag == ROW_TAG:
                    row_number = _row_number(element.get("r"), row_number)
                    parser.row_counter, parser.col_counter = row_number, 0
                    cells = {}
                continue
            stack.pop()
            if element.tag == CELL_TAG:
                in_cell -= 1
                column, value = _parse_cell(parser, element)
                if column <= max_columns and value is not None:
                    cells[column] = value
            elif element.tag == ROW_TAG:
                if cells:
                    yield row_number, cells
                cells = {}
            elif in_cell:
                continue  # a part of a cell (value, formula, text): read when the cell ends
            if stack and len(stack[-1]) and stack[-1][-1] is element:
                del stack[-1][-1]  # the parent would keep every finished child otherwise
            element.clear()


def _row_number(text: str | None, previous: int) -> int:
    if text:
        try:
            return int(float(text))
        except ValueError:
            pass
    return previous + 1


def _parse_cell(parser: Any, element: Any) -> tuple[int, Any]:
    from openpyxl.utils import column_index_from_string, get_column_letter
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG

    coordinate = element.get("r") or ""
    letters = coordinate.rstrip("0123456789")
    try:
        column = column_index_from_string(letters) if letters else parser.col_counter + 1
    except ValueError:
        column = parser.col_counter + 1
    at = f" {coordinate or get_column_letter(min(column, 18_278))}{'' if coordinate else parser.row_counter}"
    try:
        cell = parser.parse_cell(element)
    except (ValueError, TypeError, IndexError, KeyError, OverflowError, AttributeError):
        parser.col_counter = column
        return column, BadCell("cell_unreadable", (element.findtext(VALUE_TAG) or "")[:40], at)
    column, value = cell["column"], cell["value"]
    if cell["data_type"] == "e":
        return column, BadCell("excel_error", str(value), at)
    formula = element.find(FORMULA_TAG)
    if formula is not None and value is None:
        return column, BadCell("formula_without_value", "=" + (formula.text or "…")[:80], at)
    if isinstance(value, float) and not math.isfinite(value):
        return column, BadCell("number_not_finite", element.findtext(VALUE_TAG) or repr(value), at)
    return column, value


__all__ = ["ReadError", "Table", "check_zip", "detect_encoding", "detect_format", "read_table", "sniff_delimiter"]
