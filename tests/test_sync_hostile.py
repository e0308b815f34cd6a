"""Hostile and broken register exports (issue 13): each ends in the correct data or in a clear
refusal, in the user's terms, with the index exactly as it was (a full dump of the index tables
before and after is compared) and the run recorded. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from agreements_sync.index import current_index_version, get_agreement, load_agreements, snapshot
from agreements_sync.limits import Limits
from agreements_sync.models import SyncRun
from agreements_sync.sync import SyncReport, count_runs, sync_export
from bot.db import Database
from tests.conftest import AS_OF
from tests.test_sync import reference_table, set_cell, write_csv

MAPPING = Path(__file__).resolve().parent.parent / "knowledge" / "register_mappings" / "lorenskog.yaml"


# --- helpers -----------------------------------------------------------------------------------


def _synced(database: Database, reference_register: Path) -> dict:
    """The reference register synced; the dump of the index to compare with afterwards."""
    assert sync_export(database.engine, reference_register, as_of=AS_OF).outcome == "applied"
    return snapshot(database.engine)


def _refused(database: Database, before: dict, report: SyncReport, *words: str) -> None:
    """Rejected (not a traceback), the reason in plain words, the index untouched, the run recorded."""
    assert report.outcome == "rejected", report.message("en")
    text = report.message("en") + " " + " ".join(e.message("en") for e in report.errors)
    for word in words:
        assert word in text, text
    assert "Traceback" not in text
    assert snapshot(database.engine) == before
    assert current_index_version(database.engine) == 1
    with database.session() as session:
        last = session.exec(select(SyncRun).order_by(SyncRun.id.desc())).scalars().first()
    assert last is not None and last.id == report.run_id and last.outcome == "rejected"


def _rows(reference_register: Path) -> tuple[list[str], list[list[str]]]:
    return reference_table(reference_register)


def _workbook(path: Path, headers: list[str], rows: list[list[object]], *, hidden_first: list[list[object]] | None = None) -> Path:
    """The rows as an XLSX sheet (dates and amounts as text, as the CSV has them)."""
    book = Workbook()
    sheet = book.active
    if hidden_first is not None:
        sheet.title = "Gammel"
        sheet.append(headers)
        for row in hidden_first:
            sheet.append(row)
        sheet.sheet_state = "hidden"
        sheet = book.create_sheet("Avtaler")
    sheet.append(headers)
    for row in rows:
        sheet.append([value if value != "" else None for value in row])
    book.save(path)
    return path


def _patch_sheet(path: Path, change: Callable[[str], str], part: str = "xl/worksheets/sheet1.xml") -> Path:
    """Rewrite one part of an XLSX (what a program other than Excel may write)."""
    patched = path.with_name(f"patched-{path.name}")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == part:
                new = change(data.decode("utf-8"))
                assert new != data.decode("utf-8"), "the patch changed nothing"
                data = new.encode("utf-8")
            target.writestr(item, data)
    return patched


def _cell_xml(sheet_xml: str, coordinate: str) -> str:
    start = sheet_xml.index(f'<c r="{coordinate}"')
    return sheet_xml[start : sheet_xml.index("</c>", start) + 4]


# --- XLSX: formulas, hidden sheets, error cells ----------------------------------------------------


def test_a_formula_without_a_saved_result_is_refused_naming_the_cell(
    database: Database, tmp_path: Path, reference_register: Path
) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    book = _workbook(tmp_path / "formler.xlsx", headers, rows)
    # openpyxl (like many programs) writes formulas without their result: Excel computes it on opening
    column = chr(ord("A") + headers.index("Beskrivelse"))
    patched = _patch_sheet(book, lambda xml: xml.replace(
        _cell_xml(xml, f"{column}4"), f'<c r="{column}4"><f>CONCATENATE(A4," ",B4)</f></c>'))
    report = sync_export(database.engine, patched, as_of=AS_OF)
    _refused(database, before, report, f"{column}4", "formula", "without a saved result")
    assert [(e.line, e.column, e.code) for e in report.errors] == [(4, "Beskrivelse", "formula_without_value")]


def test_a_hidden_first_sheet_is_skipped_with_a_note_and_the_visible_sheet_is_read(
    database: Database, tmp_path: Path, reference_register: Path
) -> None:
    _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    visible = [list(r) for r in rows]
    visible[3] = set_cell(headers, visible[3], "Avtalenavn", "Tittel fra det synlige arket")
    old = [set_cell(headers, r, "Avtalenavn", "GAMMEL") for r in rows[:5]]
    book = _workbook(tmp_path / "skjult.xlsx", headers, visible, hidden_first=old)
    report = sync_export(database.engine, book, as_of=AS_OF)
    assert report.outcome == "applied", report.message("en")
    assert (report.changed, report.removed) == (1, 0)
    assert get_agreement(database.engine, rows[3][0]).title == "Tittel fra det synlige arket"
    assert not any(r.title == "GAMMEL" for r in load_agreements(database.engine))
    notes = [w.message("en") for w in report.warnings]
    assert any("Hidden sheets (Gammel) were skipped" in n and "'Avtaler'" in n for n in notes), notes


@pytest.mark.parametrize("how", ["xlsx error cell", "xlsx formula error", "csv text #N/A", "csv Norwegian #I/T"])
def test_an_error_cell_is_refused_not_stored_as_a_title(
    database: Database, tmp_path: Path, reference_register: Path, how: str
) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    column = chr(ord("A") + headers.index("Avtalenavn"))
    if how.startswith("csv"):
        rows[2] = set_cell(headers, rows[2], "Avtalenavn", "#N/A" if "N/A" in how else "#I/T")
        path = write_csv(tmp_path / "feil.csv", headers, rows)
    else:
        cell = f'<c r="{column}4" t="e"><v>#N/A</v></c>' if how == "xlsx error cell" else \
            f'<c r="{column}4" t="e"><f>VLOOKUP(A4,Ark2!A:B,2,FALSE)</f><v>#N/A</v></c>'
        path = _patch_sheet(_workbook(tmp_path / "feil.xlsx", headers, rows), lambda xml: xml.replace(_cell_xml(xml, f"{column}4"), cell))
    report = sync_export(database.engine, path, as_of=AS_OF)
    _refused(database, before, report, "Excel error")
    assert [(e.line, e.column, e.code) for e in report.errors] == [(4, "Avtalenavn", "excel_error")]


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("1E+999", "1E+999", "number_not_finite"),
        ("NaN", "NaN", "cell_unreadable"),
        ("5000 digits", "9" * 5000, "cell_unreadable"),
    ],
)
def test_numbers_python_cannot_hold_are_row_errors_not_tracebacks(
    database: Database, tmp_path: Path, reference_register: Path, name: str, value: str, code: str
) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    amount = headers.index("Estimert årlig verdi")
    column = chr(ord("A") + amount)
    book = _workbook(tmp_path / "tall.xlsx", headers, rows)
    path = _patch_sheet(book, lambda xml: xml.replace(_cell_xml(xml, f"{column}6"), f'<c r="{column}6" t="n"><v>{value}</v></c>'))
    report = sync_export(database.engine, path, as_of=AS_OF)
    _refused(database, before, report, f"{column}6")
    assert [(e.line, e.column, e.code) for e in report.errors] == [(6, "Estimert årlig verdi", code)]


def test_a_shared_string_that_does_not_exist_is_an_unreadable_cell(
    database: Database, tmp_path: Path, reference_register: Path
) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    path = _patch_sheet(_workbook(tmp_path / "sst.xlsx", headers, rows),
                        lambda xml: xml.replace(_cell_xml(xml, "A7"), '<c r="A7" t="s"><v>99999</v></c>'))
    report = sync_export(database.engine, path, as_of=AS_OF)
    _refused(database, before, report, "A7", "cannot be read")


# --- ids that only look different ----------------------------------------------------------------


def _lookalikes(real: str) -> dict[str, str]:
    return {
        "lower case": real.lower(),
        "decomposed Unicode": real + "-A\u030a",  # paired with the composed form below
        "zero-width space": real[:3] + "\u200b" + real[3:],
        "BOM inside the row": "\ufeff" + real,
        "control character": real + "\x01",
        "fullwidth letters": "\uff2c\uff2b" + real[2:],
    }


@pytest.mark.parametrize("kind", list(_lookalikes("LK-2019-003")))
def test_an_id_that_only_looks_different_is_a_duplicate_not_a_second_agreement(
    database: Database, tmp_path: Path, reference_register: Path, kind: str
) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    real = rows[5][0]
    lookalike = _lookalikes(real)[kind]
    if kind == "decomposed Unicode":
        rows[5] = set_cell(headers, rows[5], "Avtalenr", real + "-\u00c5")  # composed Å
    rows.append(set_cell(headers, rows[5], "Avtalenr", lookalike))
    report = sync_export(database.engine, write_csv(tmp_path / "ider.csv", headers, rows), as_of=AS_OF)
    _refused(database, before, report, "line 7")
    assert [(e.line, e.column) for e in report.errors] == [(132, "Avtalenr")]
    assert report.errors[0].code in ("duplicate_id", "duplicate_id_variant")


@pytest.mark.parametrize("kind", ["lower case", "zero-width space", "BOM inside the row", "control character", "fullwidth letters"])
def test_an_id_written_differently_never_replaces_the_stored_agreement(
    database: Database, tmp_path: Path, reference_register: Path, kind: str
) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    real = rows[5][0]
    rows[5] = set_cell(headers, rows[5], "Avtalenr", _lookalikes(real)[kind])
    report = sync_export(database.engine, write_csv(tmp_path / "ider.csv", headers, rows), as_of=AS_OF)
    # the same agreement: nothing removed, nothing added, the stored id kept, and a note says so
    assert report.outcome == "unchanged", report.message("en")
    assert (report.added, report.removed) == (0, 0)
    assert snapshot(database.engine) == before
    assert report.warnings and all("Line 7" in w.message("en") for w in report.warnings), [w.message("en") for w in report.warnings]


# --- columns, NUL, separators, links, sizes ----------------------------------------------------------


def test_a_mapped_column_that_appears_twice_is_refused(database: Database, tmp_path: Path, reference_register: Path) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    path = write_csv(tmp_path / "to.csv", [*headers, "Avtalenavn"], [[*r, "Annen tittel"] for r in rows])
    report = sync_export(database.engine, path, as_of=AS_OF)
    _refused(database, before, report, "'Avtalenavn' is in the file 2 times", "columns 2, 23")


def test_a_nul_byte_is_removed_with_a_note_on_both_databases(database: Database, tmp_path: Path, reference_register: Path) -> None:
    _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    rows[3] = set_cell(headers, rows[3], "Avtalenavn", "Kontor\x00stoler")
    rows[3] = set_cell(headers, rows[3], "Beskrivelse", "Beskrivelse med\x00 NUL og\x07 BEL")
    report = sync_export(database.engine, write_csv(tmp_path / "nul.csv", headers, rows), as_of=AS_OF)
    assert report.outcome == "applied", report.message("en")  # PostgreSQL refused the whole sync before
    stored = get_agreement(database.engine, rows[3][0])
    assert stored.title == "Kontorstoler" and stored.description == "Beskrivelse med NUL og BEL"
    notes = [w for w in report.warnings if w.code == "control_removed"]
    assert [(n.line, n.column, n.details["count"]) for n in notes] == [(5, "Avtalenavn", 1), (5, "Beskrivelse", 1)]


def test_a_trailing_separator_in_supplier_cells_is_tolerated_with_one_note(
    database: Database, tmp_path: Path, reference_register: Path
) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    rows = [set_cell(headers, r, "Leverandør", r[headers.index("Leverandør")] + " | ") for r in rows]
    rows = [set_cell(headers, r, "Org.nr", r[headers.index("Org.nr")] + " |") for r in rows]
    report = sync_export(database.engine, write_csv(tmp_path / "skilletegn.csv", headers, rows), as_of=AS_OF)
    assert report.outcome == "unchanged", report.message("en")
    assert snapshot(database.engine) == before
    notes = {n.column: n.details["count"] for n in report.warnings if n.code == "separator_trimmed"}
    assert notes == {"Leverandør": 130, "Org.nr": 130}
    # an empty name *between* two names is still ambiguous: a row error
    rows[4] = set_cell(headers, rows[4], "Leverandør", "A AS | | B AS")
    rows[4] = set_cell(headers, rows[4], "Org.nr", "923587373 | | 885849873")
    ambiguous = sync_export(database.engine, write_csv(tmp_path / "tvetydig.csv", headers, rows), as_of=AS_OF)
    _refused(database, before, ambiguous, "empty supplier name")


@pytest.mark.parametrize("link", ["javascript:alert(document.cookie)", "JAVASCRIPT:alert(1)", "data:text/html,<script>1</script>",
                                  "http://arkiv.example/avtale.pdf", "https://user:pw@arkiv.example/a.pdf", "file:///etc/passwd"])
def test_a_link_that_is_not_https_is_left_out_with_a_note(
    database: Database, tmp_path: Path, reference_register: Path, link: str
) -> None:
    _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    rows[3] = set_cell(headers, rows[3], "Dokument", link)
    report = sync_export(database.engine, write_csv(tmp_path / "lenke.csv", headers, rows), as_of=AS_OF)
    assert report.ok, report.message("en")
    assert get_agreement(database.engine, rows[3][0]).document_url == ""
    assert [(n.line, n.column, n.code) for n in report.warnings] == [(5, "Dokument", "link_left_out")]
    assert "is not an https address" in report.warnings[0].message("en")


def test_a_10_mb_cell_is_refused_as_too_long(database: Database, tmp_path: Path, reference_register: Path) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    rows[3] = set_cell(headers, rows[3], "Beskrivelse", "lang tekst " * 1_000_000)
    report = sync_export(database.engine, _workbook(tmp_path / "stor.xlsx", headers, rows), as_of=AS_OF)
    _refused(database, before, report, "too long", "at most 10000 characters")
    assert [(e.line, e.column, e.code) for e in report.errors] == [(5, "Beskrivelse", "too_long")]
    title = sync_export(database.engine, write_csv(tmp_path / "tittel.csv", headers,
                                                   [set_cell(headers, r, "Avtalenavn", "x" * 301) if i == 0 else r
                                                    for i, r in enumerate(_rows(reference_register)[1])]), as_of=AS_OF)
    _refused(database, before, title, "at most 300 characters")


def test_a_year_before_1900_is_a_row_error(database: Database, tmp_path: Path, reference_register: Path) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    rows[3] = set_cell(headers, rows[3], "Startdato", "01.01.0219")
    report = sync_export(database.engine, write_csv(tmp_path / "aar.csv", headers, rows), as_of=AS_OF)
    _refused(database, before, report, "before the year 1900")


# --- many bad rows: errors capped, counted -------------------------------------------------------


def test_many_bad_rows_keep_a_bounded_number_of_errors_and_count_the_rest(
    database: Database, tmp_path: Path, reference_register: Path
) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    bad = [set_cell(headers, set_cell(headers, rows[i % 130], "Avtalenr", f"X-{i}"), "Startdato", "aldri") for i in range(5_000)]
    report = sync_export(database.engine, write_csv(tmp_path / "mange.csv", headers, rows + bad), as_of=AS_OF,
                         limits=Limits(max_errors_kept=200))
    _refused(database, before, report, "5000 error(s)")
    assert len(report.errors) == 200 and report.error_count == 5_000
    assert report.to_dict()["error_count"] == 5_000
    with database.session() as session:
        run = session.exec(select(SyncRun).where(SyncRun.id == report.run_id)).scalars().one()
    assert run.error_count == 5_000 and len(run.errors) == 200


def test_more_rows_than_the_limit_are_refused(database: Database, tmp_path: Path, reference_register: Path) -> None:
    before = _synced(database, reference_register)
    report = sync_export(database.engine, reference_register, as_of=AS_OF, limits=Limits(max_rows=100))
    _refused(database, before, report, "more than 100 rows")


def test_a_csv_cell_or_line_too_long_to_be_a_register_is_refused_naming_the_line(
    database: Database, tmp_path: Path, reference_register: Path
) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    rows[2] = set_cell(headers, rows[2], "Beskrivelse", "x" * 200_000)  # more than a CSV cell may hold
    report = sync_export(database.engine, write_csv(tmp_path / "celle.csv", headers, rows), as_of=AS_OF)
    _refused(database, before, report, "Line 4: a cell is longer than 131072 characters")
    short = sync_export(database.engine, reference_register, as_of=AS_OF, limits=Limits(max_line_chars=300))
    _refused(database, before, short, "is longer than 300 characters")


# --- zip bombs and other files that are not exports ---------------------------------------------------


def _zip_bomb(path: Path, megabytes: int) -> Path:
    """A real workbook whose sheet is `megabytes` of one repeated row, compressed ~1000:1."""
    source = _workbook(path.with_name("plain.xlsx"), ["Avtalenr", "Avtalenavn"], [["X-1", "Tittel"]])
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000
    with zipfile.ZipFile(source) as plain, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in plain.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, plain.read(item.filename))
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for _ in range(megabytes * 1024 * 1024 // len(row)):
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return path


def test_a_zip_bomb_is_refused_before_it_is_unpacked(database: Database, tmp_path: Path, reference_register: Path) -> None:
    before = _synced(database, reference_register)
    bomb = _zip_bomb(tmp_path / "bombe.xlsx", 40)
    assert bomb.stat().st_size < 1024 * 1024
    report = sync_export(database.engine, bomb, as_of=AS_OF)
    _refused(database, before, report, "zip bomb", "xl/worksheets/sheet1.xml")
    too_big = sync_export(database.engine, bomb, as_of=AS_OF, limits=Limits(max_xlsx_unpacked_bytes=10 * 1024 * 1024))
    _refused(database, before, too_big, "would unpack to 40 MB", "limit of 10 MB")


def test_an_old_xls_file_says_what_to_do(database: Database, tmp_path: Path, reference_register: Path) -> None:
    before = _synced(database, reference_register)
    old = tmp_path / "avtaler.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000))
    _refused(database, before, sync_export(database.engine, old, as_of=AS_OF), "old Excel file (.xls)", "save it as")


def test_a_source_that_is_not_a_regular_file_is_named_as_such(database: Database, tmp_path: Path, reference_register: Path) -> None:
    before = _synced(database, reference_register)
    _refused(database, before, sync_export(database.engine, tmp_path, as_of=AS_OF), "is not a regular file")
    fifo = tmp_path / "eksport.csv"
    os.mkfifo(fifo)  # opening it would wait for a writer for ever
    _refused(database, before, sync_export(database.engine, fifo, as_of=AS_OF), "is not a regular file")


def test_a_header_row_past_the_end_of_the_sheet_says_so(database: Database, tmp_path: Path, reference_register: Path) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    mapping = tmp_path / "rad.yaml"
    mapping.write_text(MAPPING.read_text(encoding="utf-8").replace("format: auto", "format: auto\nxlsx:\n  header_row: 500"),
                       encoding="utf-8")
    report = sync_export(database.engine, _workbook(tmp_path / "ark.xlsx", headers, rows), mapping, as_of=AS_OF)
    _refused(database, before, report, "The header row is row 500", "ends at row 131")


def test_a_footer_below_an_empty_row_is_left_out_when_the_mapping_says_the_data_ends_there(
        database: Database, tmp_path: Path, reference_register: Path) -> None:
    """"End of export – 130 rows" after one empty row: without `stop_at_blank_row` it is a row with an
    id and no title, and the file is refused; with it, the 130 agreements are read and nothing else."""
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    footer = ["End of export – 130 rows"] + [""] * (len(headers) - 1)
    book = _workbook(tmp_path / "eksport.xlsx", headers, [*rows, [""] * len(headers), footer])
    report = sync_export(database.engine, book, MAPPING, as_of=AS_OF)
    _refused(database, before, report, "Line 133")
    mapping = tmp_path / "bunntekst.yaml"
    mapping.write_text(MAPPING.read_text(encoding="utf-8").replace("format: auto", "format: auto\nxlsx:\n  stop_at_blank_row: true"),
                       encoding="utf-8")
    report = sync_export(database.engine, book, mapping, as_of=AS_OF)
    assert report.outcome in ("applied", "unchanged"), report.message("en")
    assert not report.errors and len(load_agreements(database.engine)) == 130


def test_a_csv_footer_below_an_empty_line_and_quote_marks_as_text(
        database: Database, tmp_path: Path, reference_register: Path) -> None:
    """A tab-separated export that never quotes and ends with an empty line and "#EOF …": without
    the options the footer is a row of its own and the file is refused; with `csv.stop_at_blank_row`
    and `csv.quoting: false` the 130 agreements are read, a title's quote marks kept as text."""
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    rows[0][headers.index("Avtalenavn")] = 'Skilt "Parkering forbudt" og oppmerking'
    export = tmp_path / "register.tsv"
    lines = ["\t".join(headers), *("\t".join(row) for row in rows), "", "#EOF\tKontraktsarkiv\t130 rader"]
    export.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    report = sync_export(database.engine, export, MAPPING, as_of=AS_OF)
    _refused(database, before, report, "Line 133")
    mapping = tmp_path / "tsv.yaml"
    mapping.write_text(MAPPING.read_text(encoding="utf-8").replace(
        "  delimiter: auto", '  delimiter: "\\t"\n  quoting: false\n  stop_at_blank_row: true'), encoding="utf-8")
    report = sync_export(database.engine, export, mapping, as_of=AS_OF)
    assert report.outcome == "applied", [e.message("en") for e in report.errors][:3]
    titles = {a.title for a in load_agreements(database.engine)}
    assert len(titles) <= 130 and 'Skilt "Parkering forbudt" og oppmerking' in titles


# --- encodings ----------------------------------------------------------------------------------


def test_utf16_without_a_byte_order_mark_reads_like_the_reference(database: Database, tmp_path: Path, reference_register: Path) -> None:
    before = _synced(database, reference_register)
    for encoding in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(reference_register.read_text(encoding="utf-8-sig").encode(encoding))
        report = sync_export(database.engine, path, as_of=AS_OF)
        assert report.outcome == "unchanged", report.message("en")
    assert snapshot(database.engine) == before


def test_the_wrong_encoding_in_the_mapping_names_the_line_and_what_to_set(
    database: Database, tmp_path: Path, reference_register: Path
) -> None:
    before = _synced(database, reference_register)
    headers, rows = _rows(reference_register)
    ascii_headers = [h.replace("ø", "o").replace("å", "a") for h in headers]
    path = write_csv(tmp_path / "cp1252.csv", ascii_headers, rows, encoding="cp1252")  # Norwegian letters from line 2
    mapping = tmp_path / "utf8.yaml"
    text = MAPPING.read_text(encoding="utf-8").replace("encoding: auto", "encoding: utf-8")
    mapping.write_text(text.replace("Leverandør", "Leverandor").replace("Innkjøpsrådgiver", "Innkjopsradgiver")
                       .replace("Estimert årlig verdi", "Estimert arlig verdi"), encoding="utf-8")
    report = sync_export(database.engine, path, mapping, as_of=AS_OF)
    _refused(database, before, report, "Line 2", "cannot be read as utf-8", "csv.encoding")


# --- mappings that used to end in a traceback ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("a folder", lambda folder: folder, ["is a folder"]),
        ("Windows-1252 text", lambda folder: _write(folder / "m.yaml", MAPPING.read_text(encoding="utf-8").encode("cp1252")),
         ["not UTF-8 text", "save the file as UTF-8"]),
        ("an empty separator", lambda folder: _write(folder / "m.yaml", MAPPING.read_text(encoding="utf-8").replace(
            'supplier_separator: "|"', 'supplier_separator: ""').encode()), ["supplier_separator", "a separator cannot be empty"]),
        ("an unknown encoding", lambda folder: _write(folder / "m.yaml", MAPPING.read_text(encoding="utf-8").replace(
            "encoding: auto", "encoding: utf-99").encode()), ["csv.encoding", "unknown encoding 'utf-99'"]),
        ("a date format without a year", lambda folder: _write(folder / "m.yaml", MAPPING.read_text(encoding="utf-8").replace(
            'date_formats: ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]', 'date_formats: ["%d.%m"]').encode()),
         ["'%d.%m' does not hold a whole date"]),
        ("a date format with a bad code", lambda folder: _write(folder / "m.yaml", MAPPING.read_text(encoding="utf-8").replace(
            'date_formats: ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]', 'date_formats: ["%d.%m.%Q"]').encode()),
         ["'%d.%m.%Q' cannot be used"]),
    ],
)
def test_a_broken_mapping_is_a_recorded_rejection_in_plain_words(
    database: Database, tmp_path: Path, reference_register: Path, name: str, make: Callable[[Path], Path], words: list[str]
) -> None:
    before = _synced(database, reference_register)
    runs = count_runs(database.engine)
    report = sync_export(database.engine, reference_register, str(make(tmp_path)), as_of=AS_OF)
    _refused(database, before, report, "The mapping file is invalid", *words)
    assert count_runs(database.engine) == runs + 1


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_an_unforeseen_failure_while_reading_is_a_recorded_failed_run(
    database: Database, tmp_path: Path, reference_register: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agreements_sync.validate as validate

    before = _synced(database, reference_register)

    def broken(*_args: object) -> tuple[bool, str]:
        raise RecursionError("a parser bug nobody foresaw")

    monkeypatch.setattr(validate, "parse_yes_no", broken)  # a dependency breaks; the sync must still record
    report = sync_export(database.engine, reference_register, as_of=AS_OF)
    assert report.outcome == "failed" and "a parser bug nobody foresaw" in report.message("en")
    assert snapshot(database.engine) == before
    with database.session() as session:
        assert session.exec(select(SyncRun).order_by(SyncRun.id.desc())).scalars().first().outcome == "failed"


def test_the_zip_bomb_helper_really_is_one(tmp_path: Path) -> None:
    bomb = _zip_bomb(tmp_path / "b.xlsx", 8)
    with zipfile.ZipFile(bomb) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size >= 7 * 1000 * 1000 and info.file_size / info.compress_size > 200
