"""Rows of an export -> validated agreement records plus row-level errors.

Every mapped cell passes the one cleaning step of `agreements_sync.cells` first. Every problem
becomes a `RowError` with the line (or XLSX row) number, the source column, the field and a
reason code (the first `Limits.max_errors_kept` are kept, all are counted); notes that do not
stop the sync are counted per kind and column. `RowError.message(lang)` words it in Norwegian or
English from the `sync` message catalog (`knowledge/locale/`). Records are plain tuples in `CONTENT_FIELDS` order, so that a
100 000-row export stays small in memory; each carries the hash of its content for diffing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from agreements_sync.cells import BadCell, clean_cell, clean_text, id_key
from agreements_sync.i18n import strings
from agreements_sync.limits import DEFAULT_LIMITS, TEXT_FIELD_CHARS, Limits
from agreements_sync.mapping import RegisterMapping, normalise
from agreements_sync.models import Agreement, AgreementSupplier, table_of
from agreements_sync.readers import Table
from agreements_sync.urls import link_problem
from agreements_sync.values import (
    ValueProblem,
    cell_text,
    clean_org_number,
    foreign_org_number,
    mod11_valid,
    parse_amount,
    parse_date,
    parse_yes_no,
    split_list,
    split_positional,
)

# The agreement's content as the index stores it (everything but sync metadata), in order.
CONTENT_FIELDS: tuple[str, ...] = (
    "id",
    "title",
    "category",
    "description",
    "keywords",
    "agreement_type",
    "contracting_party",
    "contracting_party_kind",
    "start_date",
    "end_date",
    "options",
    "final_end_date",
    "status",
    "owner_name",
    "owner_email",
    "adviser",
    "adviser_email",
    "ehandel",
    "ehandel_note",
    "ordering",
    "annual_value",
    "cpv_codes",
    "document_url",
    "ranked",
)
_TEXT_FIELDS = (
    "title", "category", "description", "agreement_type", "contracting_party", "options",
    "owner_name", "owner_email", "adviser", "adviser_email", "ordering", "document_url",
)


def _column_widths() -> dict[str, int]:
    """The longest value of every text field: the column's width in the index (read from the
    models themselves, so validation can never drift from the schema) or the field's limit in
    `agreements_sync.limits.TEXT_FIELD_CHARS`, whichever is smaller; longer values are row errors."""
    widths = {
        column.name: int(getattr(column.type, "length", 0))
        for column in table_of(Agreement).columns
        if getattr(column.type, "length", None) and column.name in CONTENT_FIELDS
    }
    widths["suppliers"] = int(getattr(table_of(AgreementSupplier).columns["name"].type, "length", 0))
    for name, limit in TEXT_FIELD_CHARS.items():
        widths[name] = min(widths.get(name, limit), limit)
    return widths


MAX_LENGTH = _column_widths()
# low-cardinality text shared between rows (one string object each), to keep 100 000 rows small
_INTERNED = ("category", "agreement_type", "contracting_party", "options", "owner_name", "owner_email", "adviser", "adviser_email")
_PROGRESS_STEP = 100  # rows per progress report
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    field: str
    code: str
    value: str = ""
    agreement_id: str = ""
    details: dict[str, Any] = dataclasses.field(default_factory=dict)

    def reason(self, lang: str = "nb") -> str:
        return strings("sync").get(f"error_{self.code}", lang, value=self.value, column=self.column, **self.details)

    def message(self, lang: str = "nb") -> str:
        texts = strings("sync")
        if self.line <= 0:  # about the whole file (a note on the sheet read …)
            return self.reason(lang)
        where = (
            texts.get("where_line_column", lang, line=self.line, column=self.column)
            if self.column
            else texts.get("where_line", lang, line=self.line)
        )
        return f"{where}: {self.reason(lang)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "code": self.code,
            "value": self.value,
            "agreement_id": self.agreement_id,
            "message_nb": self.message("nb"),
            "message_en": self.message("en"),
        }


@dataclass(frozen=True)
class ParsedAgreement:
    line: int
    values: tuple[Any, ...]  # CONTENT_FIELDS order
    suppliers: tuple[tuple[str, str], ...]
    content_hash: str

    @property
    def id(self) -> str:
        return self.values[0]

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(CONTENT_FIELDS, self.values, strict=True))


@dataclass
class ValidationResult:
    records: list[ParsedAgreement]
    errors: list[RowError]
    rows_read: int
    invalid_ids: set[str]  # ids of rows with errors (kept as they are under --skip-invalid)
    file_errors: list[RowError]  # problems with the whole file (columns): never skippable
    warnings: list[RowError] = field(default_factory=list)  # notes that do not stop the sync
    rows_merged: int = 0  # further rows of parallel agreements (parallel_rows), merged into their first
    error_count: int = -1  # every row error found; `errors` keeps the first Limits.max_errors_kept

    def __post_init__(self) -> None:
        if self.error_count < 0:
            self.error_count = len(self.errors)

    @property
    def ok(self) -> bool:
        return not self.error_count and not self.file_errors


class Notes:
    """Notes that do not stop a sync, one per kind and column: the first line, the first value
    and how many cells, so that a 100 000-row file with the same note gives one line."""

    def __init__(self) -> None:
        self._first: dict[tuple[str, str], RowError] = {}
        self._count: dict[tuple[str, str], int] = {}

    def add(self, line: int, column: str, name: str, code: str, value: str = "", agreement_id: str = "", **details: Any) -> None:
        key = (code, column)
        if key not in self._first:
            self._first[key] = RowError(line, column, name, code, value[:80], agreement_id, details)
        self._count[key] = self._count.get(key, 0) + 1

    def rows(self) -> list[RowError]:
        return [
            RowError(e.line, e.column, e.field, e.code, e.value, e.agreement_id, {**e.details, "count": self._count[key]})
            for key, e in self._first.items()
        ]


class _Errors:
    """Row errors: the first `limit` are kept, every one is counted (a file of millions of bad
    rows must not hold millions of errors in memory)."""

    def __init__(self, limit: int) -> None:
        self.kept: list[RowError] = []
        self.count = 0
        self.limit = limit

    def extend(self, errors: list[RowError]) -> None:
        self.count += len(errors)
        room = self.limit - len(self.kept)
        if room > 0:
            self.kept.extend(errors[:room])

    def append(self, error: RowError) -> None:
        self.extend([error])


def content_hash(values: tuple[Any, ...], suppliers: tuple[tuple[str, str], ...]) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value.quantize(Decimal("0.01")))
        return value

    # "ranked" (the last field) joins the hash only when set, so adding it left every older
    # agreement's hash — and the next sync's "unchanged" — as it was
    hashed = values if values and values[-1] else values[:-1]
    payload = json.dumps([[plain(v) for v in hashed], [list(s) for s in suppliers]], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def check_columns(
    headers: list[str], mapping: RegisterMapping, notes: list[RowError] | None = None, line: int = 1
) -> tuple[dict[str, int], list[RowError]]:
    """field -> cell index, and an error for each mapped column the file lacks or has twice (the
    mapping cannot tell which one holds the data). A header the mapping does not name is an error
    with unknown_columns: error, else a note in `notes`. `line` is where the headers are."""
    headers = [clean_text(h)[0].strip() for h in headers]
    positions: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        positions.setdefault(normalise(header), []).append(index)
    found: dict[str, int] = {}
    errors: list[RowError] = []
    available = ", ".join(h for h in headers if h)
    for name, column in [*mapping.columns.mapped().items(), *((also_field(c), c) for c in _added_columns(mapping))]:
        indexes = positions.get(normalise(column))
        if indexes is None:
            errors.append(RowError(line, column, name, "missing_column", details={"available": available}))
        elif len(indexes) > 1:
            errors.append(RowError(line, column, name, "duplicate_column", details={
                "count": len(indexes), "positions": ", ".join(str(i + 1) for i in indexes)}))
        else:
            found[name] = indexes[0]
    known = {normalise(c) for c in [*mapping.columns.mapped().values(), *_added_columns(mapping)]}
    for header in dict.fromkeys(headers):
        if header and normalise(header) not in known:
            if mapping.unknown_columns == "error":
                errors.append(RowError(line, header, "", "unknown_column"))
            elif notes is not None:
                notes.append(RowError(line, header, "", "unknown_column_ignored"))
    return found, errors


def validate_table(
    table: Table, mapping: RegisterMapping, progress: Any = None, limits: Limits = DEFAULT_LIMITS
) -> ValidationResult:
    notes: list[RowError] = [RowError(0, "", "", code, details=details) for code, details in table.notes]
    positions, file_errors = check_columns(table.headers, mapping, notes, table.header_line)
    if file_errors:
        return ValidationResult([], [], 0, set(), file_errors, notes)
    columns = mapping.columns.mapped() | {also_field(c): c for c in _added_columns(mapping)}
    mapped = [(name, index, columns.get(name, "")) for name, index in positions.items()]
    status_lookup = mapping.status_values.lookup()
    records: list[ParsedAgreement] = []
    errors = _Errors(limits.max_errors_kept)
    cell_notes = Notes()
    invalid_ids: set[str] = set()
    duplicated: set[str] = set()  # id keys used on more than one row
    first_line: dict[str, tuple[int, str]] = {}  # id key -> (line, the id as written there)
    rows_read = 0
    merged: dict[str, _Parallel] = {}
    id_position = positions.get("id")
    last_id = ""  # the id of the nearest agreement row above (continuation_rows)
    for line, raw_cells in table.rows:
        row_errors: list[RowError] = []
        cells = _clean_row(line, raw_cells, mapped, cell_notes, row_errors)
        if mapping.heading_rows and id_position is not None and _heading_row(cells, id_position, mapping):
            # not a data row (nor counted as one)
            cell_notes.add(line, columns["id"], "id", "heading_row", cell_text(cells[id_position]))
            last_id = ""  # a further-supplier row right below a heading continues nothing
            continue
        skipped = _skipped_by(cells, positions, mapping)
        if skipped:  # a row that is not an agreement (the parent row of lots): not a data row
            cell_notes.add(line, skipped, "", "row_skipped", cell_text(_cell(cells, positions, also_field(skipped))),
                           cell_text(_cell(cells, positions, "id")))
            last_id = ""
            continue
        rows_read += 1
        if mapping.continuation_rows and id_position is not None:
            if cell_text(_cell(cells, positions, "id")):
                last_id = cell_text(cells[id_position])
            elif last_id and any(cell_text(c) for c in cells):
                # another supplier of the agreement row above
                cells[id_position] = last_id
                cell_notes.add(line, columns["id"], "id", "continuation_row", last_id, last_id)
        for name, column in mapping.when_empty.items():  # "Forlenget til" empty: "Gyldig til"
            index = positions.get(name)
            if index is not None and index < len(cells) and not cell_text(cells[index]):
                cells[index] = _cell(cells, positions, also_field(column))
        # a further row of a parallel agreement already read: its empty cells take that row's values
        written = cell_text(_cell(cells, positions, "id"))
        earlier = merged.get(id_key(written)) if mapping.parallel_rows and written else None
        record = _parse_row(line, cells, positions, columns, mapping, status_lookup, row_errors, cell_notes,
                            continues=earlier is not None and earlier.record is not None)
        agreement_id = record.id if record else cell_text(_cell(cells, positions, "id"))
        key = id_key(agreement_id) if agreement_id else ""
        if mapping.parallel_rows and agreement_id:
            ranks = _ranks(_cell(cells, positions, "supplier_rank"), len(record.suppliers) if record else 1,
                           mapping.supplier_separator, line, columns, agreement_id, row_errors, cell_notes)
            group = merged.get(key)
            if group is None:
                merged[key] = group = _Parallel(line)
                first_line[key] = (line, agreement_id)
            elif agreement_id != first_line[key][1]:
                cell_notes.add(line, columns["id"], "id", "id_spelling", agreement_id, agreement_id,
                               stored=first_line[key][1], first_line=first_line[key][0])
            if row_errors:
                errors.extend(row_errors)
                invalid_ids.add(first_line[key][1])
            elif record is not None:
                group.add(record, ranks, columns, errors)
            if progress is not None and rows_read % _PROGRESS_STEP == 0:
                progress(_PROGRESS_STEP)
            continue
        if agreement_id:
            if key in first_line:
                row_errors.append(
                    RowError(line, columns["id"], "id",
                             "duplicate_id" if agreement_id == first_line[key][1] else "duplicate_id_variant",
                             agreement_id, agreement_id,
                             {"first_line": first_line[key][0], "first_id": first_line[key][1]})
                )
                duplicated.add(key)
            else:
                first_line[key] = (line, agreement_id)
        if row_errors:
            errors.extend(row_errors)
            if agreement_id:
                invalid_ids.add(agreement_id)
        elif record is not None:
            records.append(record)
        if progress is not None and rows_read % _PROGRESS_STEP == 0:
            progress(_PROGRESS_STEP)
    if progress is not None and rows_read % _PROGRESS_STEP:
        progress(rows_read % _PROGRESS_STEP)
    rows_merged = 0
    for key, group in merged.items():
        agreement_id = first_line[key][1]
        rows_merged += max(group.rows - 1, 0)
        if group.conflict:
            invalid_ids.add(agreement_id)
        elif agreement_id not in invalid_ids and group.record is not None:
            records.append(group.finish(cell_notes, columns))
    # an id used twice is ambiguous: none of its rows is imported
    if duplicated:
        records = [r for r in records if id_key(r.id) not in duplicated]
        invalid_ids |= {written for key, (_line, written) in first_line.items() if key in duplicated}
    notes.extend(cell_notes.rows())
    return ValidationResult(records, errors.kept, rows_read, invalid_ids, [], notes, rows_merged, errors.count)


def _heading_row(cells: list[Any], id_position: int, mapping: RegisterMapping) -> bool:
    """A group or heading row (`heading_rows`): its id cell matches, every other cell is empty."""
    if id_position >= len(cells):
        return False
    if not mapping.is_heading(cell_text(cells[id_position])):
        return False
    return all(cell_text(value) == "" for position, value in enumerate(cells) if position != id_position)


def _clean_row(
    line: int, raw: list[Any], mapped: list[tuple[str, int, str]], notes: Notes, errors: list[RowError]
) -> list[Any]:
    """The row's mapped cells (field, position, column) through the one cleaning step
    (`agreements_sync.cells`): invisible and control characters removed (noted per column), a
    cell without a usable value (an Excel error, a formula without its result …) a row error
    naming the cell."""
    cells = list(raw)
    size = len(cells)
    for name, index, column in mapped:
        if index >= size:
            continue
        value, removed = clean_cell(cells[index])
        if removed:
            for kind in removed.split("+"):
                notes.add(line, column, name, f"{kind}_removed", cell_text(value))
        if isinstance(value, BadCell):
            errors.append(RowError(line, column, name, value.code, value.value, "", {"at": value.at}))
            value = None
        cells[index] = value
    return cells


def _ranks(raw: Any, count: int, separators: str | list[str], line: int, columns: dict[str, str], agreement_id: str,
           errors: list[RowError], notes: Notes) -> list[int | None]:
    """The rank of each of the row's `count` suppliers: "1", "1.", "1. pri", "Rank 2", "nr. 3" for
    all of them; "1; 2" (split like the suppliers) for each in turn when the cell lists as many
    suppliers. A cell without a number ("Parallell", "Fritt val", "MK") or an allocation rule in
    words ("Under 500 000: 1-2-3 i rekkefølge; over: minikonkurranse", noted) is no rank (the
    agreement is then not ranked); a cell like "1-2" is neither and is a row error."""
    text = cell_text(raw)
    count = max(count, 1)
    if not text or not any(ch.isdigit() for ch in text):
        return [None] * count
    found = _RANK.fullmatch(text)
    if found is not None and 1 <= int(found.group(1)) <= 99:
        return [int(found.group(1))] * count
    parts = split_positional(text, separators)
    if count > 1 and len(parts) == count:
        each = [_RANK.fullmatch(part.strip()) for part in parts]
        if all(m is not None and 1 <= int(m.group(1)) <= 99 for m in each):
            return [int(m.group(1)) for m in each if m is not None]
    if len(_RULE_WORD.findall(text)) >= 2:
        notes.add(line, columns.get("supplier_rank", ""), "supplier_rank", "rank_rule", text, agreement_id)
        return [None] * count
    errors.append(RowError(line, columns.get("supplier_rank", ""), "supplier_rank", "rank_invalid", text, agreement_id))
    return [None] * count


_RANK = re.compile(r"[^\W\d_]{0,12}\.?\s*(\d{1,2})\s*[.):]?\s*[^\W\d_]{0,12}\.?", re.UNICODE)
_RULE_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)  # a word of a written allocation rule


# Fields the rows of one agreement may give per supplier (a supplier's participation terminated
# while the agreement goes on with the others): the agreement takes them from its most usable rows.
_PER_SUPPLIER = ("status", "start_date", "end_date", "final_end_date")
# Which rows' status the agreement takes: an active row makes the agreement active.
_STATUS_ORDER = ("active", "not_started", "under_competition", "expired")


@dataclass
class _Row:
    """A supplier's row of a parallel agreement: its rank, line, supplier and own status and dates."""

    rank: int | None
    line: int
    supplier: tuple[str, str]
    own: dict[str, Any]


_SCOPE_PART = re.compile(r"(?<=[.!?])\s+|\n+")
_SCOPE_PART_MIN_WORDS = 4  # shorter parts ("Se hovedrad.") say nothing of what is covered


def _merged_scope(texts: list[tuple[int, str]], kept_lines: set[int]) -> str:
    """The scope of an agreement whose rows hold different texts (one lot or supplier a row): the
    fullest text of the rows still in force, then what the others of them add (another lot's own
    scope), sentence by sentence; the text only an ended row holds (a terminated lot) is left out.
    Within the description's length limit."""
    live = [text for line, text in texts if line in kept_lines and text.strip()] or [t for _l, t in texts if t.strip()]
    if not live:
        return ""
    merged = max(live, key=len)
    seen = " ".join(merged.split()).casefold()
    for text in live:
        for part in _SCOPE_PART.split(text):
            part = " ".join(part.split())
            if len(part.split()) < _SCOPE_PART_MIN_WORDS or part.casefold() in seen:
                continue
            if len(merged) + len(part) + 1 > MAX_LENGTH["description"]:
                return merged
            merged = f"{merged} {part}"
            seen = f"{seen} {part.casefold()}"
    return merged


@dataclass
class _Parallel:
    """The rows of one parallel agreement (parallel_rows): merged into one record."""

    first_line: int
    record: ParsedAgreement | None = None
    suppliers: list[_Row] = field(default_factory=list)
    conflict: bool = False
    rows: int = 0
    texts: list[tuple[int, str]] = field(default_factory=list)  # each row's scope text, by its line

    def add(self, record: ParsedAgreement, ranks: list[int | None], columns: dict[str, str], errors: Any) -> None:
        self.rows += 1
        self.texts.append((record.line, str(record.values[CONTENT_FIELDS.index("description")] or "")))
        own = {name: record.values[CONTENT_FIELDS.index(name)] for name in _PER_SUPPLIER}
        if self.record is not None:  # an empty cell on a later row: the first row's value
            own = {name: self.record.values[CONTENT_FIELDS.index(name)] if value in ("", None) else value
                   for name, value in own.items()}
        for position, supplier in enumerate(record.suppliers):
            rank = ranks[position] if position < len(ranks) else (ranks[0] if ranks else None)
            self.suppliers.append(_Row(rank, record.line, supplier, own))
        if self.record is None:
            self.record = record
            return
        values = list(self.record.values)
        for position, name in enumerate(CONTENT_FIELDS):
            mine, theirs = values[position], record.values[position]
            if name in ("id", "ranked", *_PER_SUPPLIER) or theirs in ("", None, (), []) or theirs == mine:
                continue
            if mine in ("", None, (), []):
                values[position] = theirs  # e.g. the scope text only on the first supplier's row
                continue
            if name == "description":
                # one row holds the scope, the others a reference to it ("Se hovedrad.") or a
                # repeat with their own note: the agreement's scope is the fullest text (and what the
                # other rows in force add, `_merged_scope`)
                if len(str(theirs)) > len(str(mine)):
                    values[position] = theirs
                continue
            if name == "ordering":
                # a lot or supplier ordered its own way ("Vakt 24/7 …" for the emergency lot): every way
                # is kept, in row order
                if str(theirs) not in str(mine) and len(f"{mine}; {theirs}") <= MAX_LENGTH["ordering"]:
                    values[position] = f"{mine}; {theirs}"
                continue
            errors.append(RowError(record.line, columns.get(name, name), name, "parallel_row_conflict",
                                   cell_text(theirs)[:60], record.id, {"first_line": self.first_line}))
            self.conflict = True
        self.record = ParsedAgreement(self.record.line, tuple(values), self.record.suppliers, "")

    def finish(self, notes: Notes, columns: dict[str, str]) -> ParsedAgreement:
        """One agreement: the status of its most usable rows (one active supplier row keeps the
        agreement active), their latest end dates and earliest start, and only their suppliers
        (a supplier whose own row has ended is noted, not kept); suppliers in rank order."""
        assert self.record is not None
        values = list(self.record.values)
        rows = self.suppliers
        statuses = [str(row.own["status"] or "") for row in rows]
        known = [s for s in statuses if s in _STATUS_ORDER]
        best = min(known, key=_STATUS_ORDER.index) if known else None
        if best is not None and len(set(statuses)) > 1:
            kept = [row for row, status in zip(rows, statuses, strict=True) if status == best]
            for row in rows:
                if row not in kept:
                    notes.add(row.line, columns.get("status", "status"), "status", "supplier_row_ended",
                              row.supplier[0], self.record.id, first_line=self.first_line)
            rows = kept
            values[CONTENT_FIELDS.index("status")] = best
        if len({text for _line, text in self.texts}) > 1:
            values[CONTENT_FIELDS.index("description")] = _merged_scope(self.texts, {row.line for row in rows})
        for name, pick in (("start_date", min), ("end_date", max), ("final_end_date", max)):
            dates = [row.own[name] for row in rows]
            if len({d for d in dates if d is not None}) > 1:
                # an empty end date is no end date (open-ended): it outlasts any date
                values[CONTENT_FIELDS.index(name)] = (None if name != "start_date" and None in dates
                                                      else pick(d for d in dates if d is not None))
        ordered = sorted(rows, key=lambda row: (row.rank is None, row.rank or 0, row.line))
        unique: list[tuple[str, str]] = []
        for row in ordered:
            if row.supplier not in unique:
                unique.append(row.supplier)
        ranked = len(unique) > 1 and all(row.rank is not None for row in ordered)
        values[-1] = ranked
        suppliers = tuple(unique)
        done = tuple(values)
        return ParsedAgreement(self.record.line, done, suppliers, content_hash(done, suppliers))


def _added_columns(mapping: RegisterMapping) -> list[str]:
    """The columns read besides `columns`: added to the title or the description, read when a
    field's cell is empty (`when_empty`), or marking rows to skip (`skip_rows`)."""
    return list(dict.fromkeys([*mapping.title_also, *_description_columns(mapping), *mapping.when_empty.values(),
                               *mapping.skip_rows]))


def _skipped_by(cells: list[Any], positions: dict[str, int], mapping: RegisterMapping) -> str:
    """The `skip_rows` column whose value marks this row as no agreement, or ""."""
    for column in mapping.skip_rows:
        if mapping.skips(column, cell_text(_cell(cells, positions, also_field(column)))):
            return column
    return ""


def _description_columns(mapping: RegisterMapping) -> list[str]:
    """The columns added to the description: notes first, then what is not covered."""
    return list(dict.fromkeys([*mapping.description_also, *mapping.description_excludes]))


EXCLUDED_MARKER = "Omfatter ikke"


# the mark of a numbered or lettered item of a list written on one line ("(1) Pasientreiser
# (2) TT-ordningen", "1) … 2) …", "a) … b) …"); the search's index reads exclusions by it too
ENUMERATION = r"(?:^|\s)\(?(?:\d{1,2}|[a-hA-H])\)(?=\s)"


def excluded_text(text: str) -> str:
    """A "not included" cell as the description says it: each of its sentences after the marker
    the search reads as an exclusion ("Tunge kjøretøy. Leasing." → "Omfatter ikke tunge kjøretøy.
    Omfatter ikke leasing."); so is each item of a numbered list ("(1) Tak (2) Veger")."""
    sentences = [s.strip(" .;") for s in re.split(r"(?<=[.!?])\s+|\n+|" + ENUMERATION, text) if s.strip(" .;")]
    said = []
    for sentence in sentences:
        first = sentence[:1].lower() + sentence[1:] if sentence[1:2].islower() or len(sentence) == 1 else sentence
        said.append(f"{EXCLUDED_MARKER} {first}.")
    return " ".join(said)


def _open_ended(text: str, words: set[str]) -> bool:
    """An end-date cell saying there is no end date: one of the words, alone or followed by its
    terms ("Løpende (3 mnd. oppsigelse)", "Løpende – 3 mnd. gjensidig oppsigelse")."""
    text = normalise(text)
    return any(text == word or (text.startswith(word) and not text[len(word)].isalnum()) for word in words if word)


def also_field(column: str) -> str:
    """The internal name of a column whose text is added to the description."""
    return f"description+{column}"


def _cell(cells: list[Any], positions: dict[str, int], name: str) -> Any:
    index = positions.get(name)
    if index is None or index >= len(cells):
        return None
    return cells[index]


def _parse_row(
    line: int,
    cells: list[Any],
    positions: dict[str, int],
    columns: dict[str, str],
    mapping: RegisterMapping,
    status_lookup: dict[str, str],
    errors: list[RowError],
    notes: Notes,
    continues: bool = False,
) -> ParsedAgreement | None:
    """One row's values, or None (its problems added to `errors`). `continues`: a further row of a
    parallel agreement whose first row was read (parallel_rows): an empty cell is no error and no
    default, since it takes that row's value ("Additional-supplier rows fill only the supplier")."""
    agreement_id = cell_text(_cell(cells, positions, "id"))
    bad = {e.field for e in errors if e.line == line}  # cells already reported (an Excel error …)
    before = len(errors)

    def problem(name: str, code: str, value: Any = "", **details: Any) -> None:
        if name not in bad:
            errors.append(RowError(line, columns.get(name, ""), name, code, cell_text(value), agreement_id, details))

    data: dict[str, Any] = {"id": agreement_id}
    for name in _TEXT_FIELDS:
        data[name] = cell_text(_cell(cells, positions, name))
    for name in mapping.required_fields:
        if name in columns and not cell_text(_cell(cells, positions, name)) and not (continues and name != "id"):
            problem(name, "required_empty")
    for name, limit in MAX_LENGTH.items():
        value = data.get(name) if name not in ("keywords", "cpv_codes") else cell_text(_cell(cells, positions, name))
        if isinstance(value, str) and len(value) > limit:
            problem(name, "too_long", value[:40] + "…", limit=limit)
    for column in mapping.title_also:  # a lot's own name after its parent agreement's title
        extra = cell_text(_cell(cells, positions, also_field(column)))
        joined = f"{data['title']} – {extra}" if data["title"] and extra else data["title"]
        if extra and normalise(extra) not in normalise(data["title"]) and len(joined) <= MAX_LENGTH.get("title", len(joined)):
            data["title"] = joined
    for column in _description_columns(mapping):  # "Notes", "Not included": added to the description while it fits
        extra = cell_text(_cell(cells, positions, also_field(column)))
        if extra and column in mapping.description_excludes:
            extra = excluded_text(extra)
        joined = f"{data['description']} {extra}".strip()
        if extra and len(joined) <= MAX_LENGTH.get("description", len(joined)):
            data["description"] = joined
    if data["document_url"]:
        reason = link_problem(data["document_url"])
        if reason:  # never a link the card could open: left out, with a note
            notes.add(line, columns["document_url"], "document_url", "link_left_out", data["document_url"], agreement_id)
            data["document_url"] = ""
    for name in ("owner_email", "adviser_email"):
        if data[name] and not _EMAIL.match(data[name]):
            problem(name, "email_invalid", data[name])
        data[name] = data[name].lower()

    open_end = {normalise(word) for word in mapping.open_end_values}
    for name in ("start_date", "end_date", "final_end_date"):
        if name != "start_date" and _open_ended(cell_text(_cell(cells, positions, name)), open_end):
            data[name] = None  # "Until further notice": no end date
            continue
        try:
            data[name] = parse_date(_cell(cells, positions, name), mapping.date_formats, mapping.excel_serial_dates)
        except ValueProblem as exc:
            data[name] = None
            problem(name, exc.code, **exc.details)
    start, end, final = data["start_date"], data["end_date"], data["final_end_date"]
    if start and end and end < start:
        problem("end_date", "end_before_start", _cell(cells, positions, "end_date"), start=start.strftime("%d.%m.%Y"))
    if final is None:
        data["final_end_date"] = end
    elif end and final < end:
        problem("final_end_date", "final_before_end", _cell(cells, positions, "final_end_date"), end=end.strftime("%d.%m.%Y"))

    raw_status = cell_text(_cell(cells, positions, "status"))
    if raw_status:
        status = status_lookup.get(normalise(raw_status))
        if status is None:
            allowed = [v for values in mapping.status_values.model_dump().values() for v in values]
            problem("status", "status_unknown", raw_status, allowed=", ".join(allowed))
        data["status"] = status or mapping.default_status
    else:
        data["status"] = "" if continues else mapping.default_status  # "": the first row's status

    data["ehandel"], data["ehandel_note"] = False, ""
    if continues and not cell_text(_cell(cells, positions, "ehandel")):
        data["ehandel"] = None  # the first row's answer
    elif "ehandel" in columns:
        try:
            data["ehandel"], data["ehandel_note"] = parse_yes_no(_cell(cells, positions, "ehandel"), mapping.yes_no)
        except ValueProblem as exc:
            problem("ehandel", exc.code, **exc.details)
        if len(data["ehandel_note"]) > MAX_LENGTH["ehandel_note"]:
            problem("ehandel", "too_long", data["ehandel_note"][:40] + "…", limit=MAX_LENGTH["ehandel_note"])

    raw_value = _cell(cells, positions, "annual_value")
    if isinstance(raw_value, str) and " ".join(raw_value.split()).casefold() in {
            w.casefold() for w in mapping.number.no_value_words}:
        # "Ikke relevant", "Ukjent", "n/a": the register says there is no amount (noted, not an error)
        notes.add(line, columns.get("annual_value", ""), "annual_value", "value_not_amount", cell_text(raw_value), agreement_id)
        raw_value = None
    try:
        data["annual_value"] = parse_amount(raw_value, mapping.number)
        if data["annual_value"] is not None and data["annual_value"] < 0:
            problem("annual_value", "amount_negative", _cell(cells, positions, "annual_value"))
        elif data["annual_value"] is not None and data["annual_value"] >= Decimal("1e14"):
            problem("annual_value", "amount_too_large", _cell(cells, positions, "annual_value"))
    except ValueProblem as exc:
        data["annual_value"] = None
        problem("annual_value", exc.code, **exc.details)

    data["keywords"] = split_list(_cell(cells, positions, "keywords"), mapping.keyword_separator)
    data["cpv_codes"] = split_list(_cell(cells, positions, "cpv_codes"), mapping.cpv_separator)
    data["contracting_party_kind"] = ("" if continues and not data["contracting_party"]
                                      else mapping.contracting_party_kinds.kind_of(data["contracting_party"]))
    for name in _INTERNED:
        data[name] = sys.intern(data[name])

    suppliers, ranked = _suppliers(cells, positions, mapping, problem, lambda name, value: notes.add(
        line, columns.get(name, ""), name, "separator_trimmed", cell_text(value), agreement_id))
    # a ranking written in the cell ("1: A; 2: B"); parallel rows with a rank column set it when merged
    data["ranked"] = ranked
    if len(errors) > before or bad:
        return None
    values = tuple(data[name] for name in CONTENT_FIELDS)
    return ParsedAgreement(line, values, suppliers, content_hash(values, suppliers))


def _trim_ends(parts: list[str]) -> tuple[list[str], bool]:
    """Empty parts at the start or end ("A | B | ": a separator too many) dropped; an empty part
    between two names stays (it is ambiguous: a name is missing, and positions would shift)."""
    start, end = 0, len(parts)
    while start < end and not parts[start]:
        start += 1
    while end > start and not parts[end - 1]:
        end -= 1
    return parts[start:end], (start, end) != (0, len(parts))


_BULLET = re.compile(r"^[•·▪◦‣*–-]\s+")
# an organisation number after a supplier's name: in brackets, "(org.nr 912 345 678)", "(orgnr. 912345678)",
# "(org. nr.: 912 345 678)", "(organisasjonsnummer 912345678)", "(org. no. 912 345 678)", "(912 345 678)";
# or labelled after a dash or comma, "– org.nr. 912 345 678", ", orgnr 912345678" (a bare number there may
# be part of the name)
_ORG_LABEL = r"org(?:anisasjons)?\.?\s*(?:nr|nummer|no|number)\.?\s*:?\s*"
_ORG_AFTER_NAME = re.compile(rf"\s*(?:\((?:{_ORG_LABEL})?(\d{{3}}\s?\d{{3}}\s?\d{{3}})\)"
                             rf"|[,–—-]?\s*{_ORG_LABEL}(\d{{3}}\s?\d{{3}}\s?\d{{3}}))\s*$", re.IGNORECASE)
_RANK_PREFIX = re.compile(r"^(\d{1,2})\s*[.:)]\s+(\S.*)$")


def _ranked(names: list[str], orgs: list[str]) -> tuple[list[str], list[str], bool]:
    """Suppliers written with their rank in one cell ("1: A; 2: B", "1. A⏎2. B"): the names without
    the rank, in rank order (their organisation numbers with them), and True. Only when every name
    has a distinct rank, so a name that merely starts with a number is left as it is."""
    found = [m for name in names if (m := _RANK_PREFIX.match(name))]
    if len(names) < 2 or len(found) != len(names):
        return names, orgs, False
    ranks = [int(m.group(1)) for m in found]
    if len(set(ranks)) != len(ranks):
        return names, orgs, False
    order = sorted(range(len(names)), key=lambda i: ranks[i])
    stripped = [found[i].group(2).strip() for i in order]
    return stripped, [orgs[i] for i in order] if len(orgs) == len(names) else orgs, True


def _suppliers(cells: list[Any], positions: dict[str, int], mapping: RegisterMapping, problem: Any,
               note: Any) -> tuple[tuple[tuple[str, str], ...], bool]:
    """The suppliers (name, organisation number) of a row, and whether the cell ranked them."""
    raw_names = _cell(cells, positions, "suppliers")
    names, trimmed = _trim_ends(split_positional(raw_names, mapping.supplier_separator))
    if trimmed:
        note("suppliers", raw_names)
    raw_orgs = _cell(cells, positions, "org_numbers")
    orgs: list[str] = []
    if "org_numbers" in positions:
        orgs, trimmed = _trim_ends(split_positional(raw_orgs, mapping.org_separator))
        if trimmed:
            note("org_numbers", raw_orgs)
    names = [_BULLET.sub("", name) for name in names]  # "• A⏎• B": one supplier a line, bulleted
    if any(not name for name in names):
        problem("suppliers", "supplier_empty_part", _cell(cells, positions, "suppliers"))
        return (), False
    # "Vindhella Taxi SA (org.nr 912 345 678)", "Hellevik Elektro AS – org.nr. 988 974 323": the number
    # written after the name, no number column
    written = [_ORG_AFTER_NAME.search(name) for name in names]
    if any(written) and not any(orgs):
        orgs = [(match.group(1) or match.group(2)) if match else "" for match in written]
        names = [name[: match.start()].rstrip() if match else name for name, match in zip(names, written, strict=True)]
        if not all(written) and mapping.org_number_required:
            problem("org_numbers", "org_missing", raw_names)
            return (), False
    if "org_numbers" in positions or orgs:
        if orgs and len(orgs) != len(names):
            problem("org_numbers", "org_count_mismatch", raw_orgs, suppliers=len(names), org_numbers=len(orgs))
            return (), False
        if not orgs and names and mapping.org_number_required:
            problem("org_numbers", "org_missing", raw_orgs)
            return (), False
    names, orgs, ranked = _ranked(names, orgs)
    result: list[tuple[str, str]] = []
    for index, name in enumerate(names):
        org = clean_org_number(orgs[index]) if index < len(orgs) else ""
        foreign = foreign_org_number(orgs[index]) if index < len(orgs) else ""
        if foreign:
            org = foreign  # "SE 556712-4410": a foreign supplier's number, kept as written
        elif not org and "org_numbers" in positions and mapping.org_number_required:
            problem("org_numbers", "org_missing", raw_orgs)
        elif org and not mod11_valid(org):
            problem("org_numbers", "org_invalid", orgs[index], supplier=name)
        if len(name) > MAX_LENGTH["suppliers"]:
            problem("suppliers", "too_long", name[:40] + "…", limit=MAX_LENGTH["suppliers"])
        result.append((name, org))
    return tuple(result), ranked


def iter_messages(errors: list[RowError], lang: str) -> Iterator[str]:
    for error in errors:
        yield error.message(lang)
