"""Exports as people save them: encodings, separators, line endings, quotes, XLSX, mappings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from agreements_sync.index import load_agreements
from agreements_sync.knowledge import KnowledgeError
from agreements_sync.mapping import RegisterMapping, load_mapping
from agreements_sync.models import AgreementStatus
from agreements_sync.readers import read_table
from agreements_sync.status import status_as_of
from agreements_sync.sync import sync_export
from agreements_sync.validate import validate_table
from agreements_sync.values import ValueProblem, parse_amount, parse_date, parse_yes_no
from bot.db import Database
from tests.conftest import AS_OF
from tests.test_sync import reference_table, set_cell, write_csv

ENGLISH = "register_mappings/example-english-xlsx.yaml"


def _hashes(path: Path, mapping: RegisterMapping | None = None) -> dict[str, str]:
    result = validate_table(read_table(path, mapping or load_mapping()), mapping or load_mapping())
    assert result.ok, [e.message("en") for e in result.errors + result.file_errors][:5]
    return {r.id: r.content_hash for r in result.records}


@pytest.mark.parametrize(
    "variant",
    [
        dict(encoding="cp1252", delimiter=";", newline="\r\n"),
        dict(encoding="utf-8", delimiter=",", newline="\n"),
        dict(encoding="utf-8-sig", delimiter=",", newline="\r\n", quote_all=True),
        dict(encoding="utf-8", delimiter="\t", newline="\n"),
        dict(encoding="cp1252", delimiter=",", newline="\n", quote_all=True),
        dict(encoding="utf-16", delimiter="\t", newline="\r\n"),
    ],
    ids=["cp1252-semicolon-crlf", "utf8-comma-lf", "bom-comma-quoted", "utf8-tab", "cp1252-comma-quoted", "utf16-unicode-text"],
)
def test_csv_variants_read_exactly_like_the_reference(tmp_path: Path, reference_register: Path, variant: dict) -> None:
    headers, rows = reference_table(reference_register)
    copy = write_csv(tmp_path / "export.csv", headers, rows, **variant)
    assert _hashes(copy) == _hashes(reference_register)


def test_cp1252_is_detected_and_text_survives(tmp_path: Path, reference_register: Path) -> None:
    headers, rows = reference_table(reference_register)
    copy = write_csv(tmp_path / "ansi.csv", headers, rows, encoding="cp1252")
    table = read_table(copy, load_mapping())
    assert table.encoding == "cp1252" and "Leverandør" in table.headers
    records = {r.id: r for r in validate_table(table, load_mapping()).records}
    assert records["LK-2019-012"].suppliers[0][0] == "Østlandske Kontorvarer AS"


def test_quoted_cell_with_separator_and_newline_keeps_line_numbers(tmp_path: Path, reference_register: Path) -> None:
    headers, rows = reference_table(reference_register)
    rows[0] = set_cell(headers, rows[0], "Beskrivelse", "Første linje; med semikolon\nandre linje")
    rows[1] = set_cell(headers, rows[1], "Sluttdato", "31.02.2026")
    copy = write_csv(tmp_path / "multi.csv", headers, rows)
    result = validate_table(read_table(copy, load_mapping()), load_mapping())
    first = next(r for r in result.records if r.id == rows[0][0])
    assert first.as_dict()["description"] == "Første linje; med semikolon\nandre linje"
    # header is line 1, the first row spans lines 2-3, so the second row starts on line 4
    assert [(e.line, e.column, e.code) for e in result.errors] == [(4, "Sluttdato", "date_impossible")]


def _english_workbook(path: Path, reference_register: Path, *, serial_text_row: int = 3) -> Path:
    headers, rows = reference_table(reference_register)
    col = {h: i for i, h in enumerate(headers)}
    status = {"Aktiv": "Active", "Utløpt": "Expired", "Under konkurranse": "In tender"}
    book = Workbook()
    sheet = book.active
    sheet.title = "Cover"
    sheet["A1"] = "not this sheet"
    sheet = book.create_sheet("Agreements")
    sheet.append(["Agreement register – exported 24.11.2026"])  # title row above the headers
    sheet.append([
        "Agreement no", "Agreement name", "Category", "Description", "Keywords", "Supplier(s)", "Org no",
        "Type", "Contracting party", "Start date", "End date", "Options", "Final end date", "Status",
        "Owner", "Owner e-mail", "Procurement adviser", "E-procurement", "How to order",
        "Estimated annual value (NOK)", "CPV", "Document", "Internal note",
    ])
    date = lambda text: dt.datetime.strptime(text, "%d.%m.%Y")
    for index, row in enumerate(rows):
        ehandel = {"Ja": "Yes", "Nei": "No"}.get(row[col["E-handel"]], "Yes (IT only)")
        end: object = date(row[col["Sluttdato"]])
        if index == serial_text_row:  # an Excel serial date that arrived as text
            end = str((date(row[col["Sluttdato"]]).date() - dt.date(1899, 12, 30)).days)
        sheet.append([
            row[col["Avtalenr"]], row[col["Avtalenavn"]], row[col["Faggruppe"]], row[col["Beskrivelse"]],
            row[col["Stikkord"]].replace(",", ";"), row[col["Leverandør"]].replace(" | ", "; "),
            row[col["Org.nr"]].replace(" | ", "; "), row[col["Avtaletype"]], row[col["Avtalepart"]],
            date(row[col["Startdato"]]), end, row[col["Opsjoner"]], date(row[col["Maks sluttdato"]]),
            status[row[col["Status"]]], row[col["Avtaleeier"]], row[col["Avtaleeier e-post"]],
            row[col["Innkjøpsrådgiver"]], ehandel, row[col["Bestilling"]],
            int(row[col["Estimert årlig verdi"]].replace(" ", "")), row[col["CPV"]], row[col["Dokument"]] or None,
            "ignored",
        ])
    book.save(path)
    return path


def test_english_xlsx_with_its_mapping(database: Database, tmp_path: Path, reference_register: Path) -> None:
    workbook = _english_workbook(tmp_path / "register.xlsx", reference_register)
    report = sync_export(database.engine, workbook, ENGLISH, as_of=AS_OF)
    assert report.outcome == "applied", [e.message("en") for e in report.errors][:5] or report.message("en")
    records = {r.id: r for r in load_agreements(database.engine)}
    assert len(records) == 130
    assert sum(r.status_on(AS_OF) is AgreementStatus.ACTIVE for r in records.values()) == 117
    assert records["LK-2026-002"].status == "under_competition"
    # a column the mapping does not read is noted on the row that holds the headers (below a title)
    assert [(n.line, n.column) for n in report.warnings if n.code == "unknown_column_ignored"] == [(2, "Internal note")]
    assert records["LK-2023-073"].ehandel and records["LK-2023-073"].ehandel_note == "IT only"
    assert records["LK-2022-070"].supplier_names == ("Assistanse Fri AS", "Hverdagshjelpen BPA AS", "Selvvalg Assistanse AS")
    assert records["LK-2019-003"].annual_value == Decimal("4200000")
    assert records["LK-2019-003"].start_date == dt.date(2019, 9, 1)
    # same dates as the CSV, also for the row whose end date was an Excel serial number in text
    csv_records = _hashes(reference_register)
    assert set(csv_records) == set(records)
    headers, rows = reference_table(reference_register)
    serial_id = rows[3][0]
    assert records[serial_id].end_date == dt.datetime.strptime(rows[3][headers.index("Sluttdato")], "%d.%m.%Y").date()


def test_xlsx_with_the_norwegian_mapping_reads_like_the_csv(tmp_path: Path, reference_register: Path) -> None:
    headers, rows = reference_table(reference_register)
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    date_columns = {headers.index(h) for h in ("Startdato", "Sluttdato", "Maks sluttdato")}
    amount = headers.index("Estimert årlig verdi")
    for row in rows:
        cells: list[object] = []
        for index, value in enumerate(row):
            if index in date_columns:
                cells.append(dt.datetime.strptime(value, "%d.%m.%Y"))
            elif index == amount:
                cells.append(float(value.replace(" ", "")))
            else:
                cells.append(value or None)
        sheet.append(cells)
    path = tmp_path / "avtaler.xlsx"
    book.save(path)
    assert _hashes(path) == _hashes(reference_register)


def test_a_mapped_column_missing_from_the_file_is_named(database: Database, tmp_path: Path, reference_register: Path) -> None:
    headers, rows = reference_table(reference_register)
    drop = headers.index("Sluttdato")
    copy = write_csv(
        tmp_path / "x.csv", [h for i, h in enumerate(headers) if i != drop], [[c for i, c in enumerate(r) if i != drop] for r in rows]
    )
    report = sync_export(database.engine, copy, as_of=AS_OF)
    assert report.outcome == "rejected"
    assert [(e.code, e.column) for e in report.errors] == [("missing_column", "Sluttdato")]
    assert "«Sluttdato»" in report.errors[0].message("nb") and "'Sluttdato'" in report.errors[0].message("en")


def test_an_unknown_column_is_named_when_the_mapping_is_strict(tmp_path: Path, reference_register: Path) -> None:
    headers, rows = reference_table(reference_register)
    copy = write_csv(tmp_path / "x.csv", headers + ["Kommentar"], [r + ["x"] for r in rows])
    strict = load_mapping().model_copy(update={"unknown_columns": "error"})
    result = validate_table(read_table(copy, strict), strict)
    assert [(e.code, e.column) for e in result.file_errors] == [("unknown_column", "Kommentar")]
    # the shipped mapping ignores it and says so
    lenient = validate_table(read_table(copy, load_mapping()), load_mapping())
    assert lenient.ok and len(lenient.records) == 130
    assert [(n.code, n.column) for n in lenient.warnings] == [("unknown_column_ignored", "Kommentar")]
    assert "Kommentar" in lenient.warnings[0].message("nb")


def _with_suppliers(tmp_path: Path, reference_register: Path,
                    cells: dict[int, tuple[str, str]]) -> tuple[Path, list[list[str]], str, str]:
    """The reference register with some rows' supplier and org-number cells rewritten ("{first}" and
    "{second}" stand for two valid organisation numbers of the register): the file, its rows, the two."""
    headers, rows = reference_table(reference_register)
    first, second = rows[3][headers.index("Org.nr")], rows[4][headers.index("Org.nr")]
    for row, (suppliers, orgs) in cells.items():
        rows[row] = set_cell(headers, rows[row], "Leverandør", suppliers)
        rows[row] = set_cell(headers, rows[row], "Org.nr", orgs.format(first=first, second=second))
    return write_csv(tmp_path / "x.csv", headers, rows), rows, first, second


def test_suppliers_written_two_ways_are_split_by_a_list_of_separators(tmp_path: Path, reference_register: Path) -> None:
    """An export that writes "A, B" in one row and "A / B" in another: a list of separators."""
    copy, rows, first, second = _with_suppliers(tmp_path, reference_register, {
        5: ("Alfa AS / Beta AS", "{first} / {second}"), 6: ("Gamma AS, Delta AS", "{second}, {first}")})
    both = load_mapping().model_copy(update={"supplier_separator": ["|", ", ", " / "]})
    result = validate_table(read_table(copy, both), both)
    assert result.ok, [e.message("en") for e in result.errors][:3]
    by_id = {r.id: r for r in result.records}
    assert [name for name, _org in by_id[rows[5][0]].suppliers] == ["Alfa AS", "Beta AS"]
    assert [org for _name, org in by_id[rows[6][0]].suppliers] == [second, first]
    # one separator only: the other row is one supplier with an invalid organisation number
    one = load_mapping().model_copy(update={"supplier_separator": ["|", ", "]})
    assert [e.code for e in validate_table(read_table(copy, one), one).errors] == ["org_invalid"]


def test_a_ranking_written_in_the_supplier_cell_is_read_as_the_ranking(tmp_path: Path, reference_register: Path) -> None:
    """"2: Beta AS | 1: Alfa AS": the suppliers in rank order without the rank, and the agreement ranked;
    a name that only starts with a number ("3 B Bygg AS") is a name."""
    copy, rows, first, second = _with_suppliers(tmp_path, reference_register, {
        5: ("2: Beta AS | 1: Alfa AS", "{second} | {first}"), 6: ("1. Gamma AS | 2. Delta AS", "{first} | {second}"),
        7: ("3 B Bygg AS | Alfa AS", "{first} | {second}")})
    result = validate_table(read_table(copy, load_mapping()), load_mapping())
    assert result.ok, [e.message("en") for e in result.errors][:3]
    by_id = {r.id: r for r in result.records}
    assert by_id[rows[5][0]].suppliers == (("Alfa AS", first), ("Beta AS", second))
    assert by_id[rows[5][0]].as_dict()["ranked"] is True
    assert [name for name, _org in by_id[rows[6][0]].suppliers] == ["Gamma AS", "Delta AS"]
    assert by_id[rows[6][0]].as_dict()["ranked"] is True
    assert [name for name, _org in by_id[rows[7][0]].suppliers] == ["3 B Bygg AS", "Alfa AS"]
    assert by_id[rows[7][0]].as_dict()["ranked"] is False


def test_an_empty_list_of_separators_is_a_mapping_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  id: Avtalenr\n  title: Avtalenavn\nsupplier_separator: []\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="supplier_separator"):
        load_mapping(bad)


def test_mapping_errors_name_the_field(tmp_path: Path, database: Database, reference_register: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  id: Avtalenr\n  title: Avtalenavn\n  colour: Farge\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="columns.colour"):
        load_mapping(bad)
    report = sync_export(database.engine, reference_register, bad, as_of=AS_OF)
    assert report.outcome == "rejected" and "columns.colour" in report.message("en")
    missing_required = tmp_path / "req.yaml"
    missing_required.write_text("columns:\n  id: Nr\n  title: Navn\nrequired: [end_date]\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="end_date"):
        load_mapping(missing_required)


def test_shipped_mappings_load() -> None:
    for name in ("lorenskog.yaml", "example-english-xlsx.yaml"):
        mapping = load_mapping(name)
        assert mapping.columns.id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 250 000", Decimal("1250000")),
        ("1 250 000,50", Decimal("1250000.50")),
        ("kr 1 250 000", Decimal("1250000")),
        ("1\u00a0250\u00a0000 kr", Decimal("1250000")),
        ("1\u202f250\u202f000,-", Decimal("1250000")),
        ("1.250.000,50", Decimal("1250000.50")),
        ("NOK 900 000", Decimal("900000")),
        ("ca. 1 mill", Decimal("1000000")),  # an estimate, read as the amount
        ("ca. 1,6 mill.", Decimal("1600000")),
        ("omtrent 2 millioner kr", Decimal("2000000")),
        ("1,2 MNOK", Decimal("1200000")),
        ("", None),
        (1250000, Decimal("1250000")),
        (1250000.5, Decimal("1250000.50")),
    ],
)
def test_amounts(text: object, expected: Decimal | None) -> None:
    assert parse_amount(text, load_mapping().number) == expected


@pytest.mark.parametrize("text", ["to millioner", "ca. mill", "1,2,3", "12 34,567", "kr", "1 250 000 000,505", "1 250 000.50", "1.25"])
def test_amounts_that_do_not_parse(text: str) -> None:
    with pytest.raises(ValueProblem):
        parse_amount(text, load_mapping().number)


def test_english_amounts() -> None:
    number = load_mapping(ENGLISH).number
    assert parse_amount("1,250,000.50", number) == Decimal("1250000.50")
    assert parse_amount("NOK 1,250,000", number) == Decimal("1250000")


def test_dates() -> None:
    formats = load_mapping().date_formats
    assert parse_date("01.02.2026", formats) == dt.date(2026, 2, 1)
    assert parse_date("2026-02-01", formats) == dt.date(2026, 2, 1)
    assert parse_date("46054", formats) == dt.date(2026, 2, 1)  # Excel serial date as text
    assert parse_date(dt.datetime(2026, 2, 1, 0, 0), formats) == dt.date(2026, 2, 1)
    assert parse_date(46054, formats) == dt.date(2026, 2, 1)
    with pytest.raises(ValueProblem) as impossible:
        parse_date("31.02.2026", formats)
    assert impossible.value.code == "date_impossible"
    with pytest.raises(ValueProblem) as unparseable:
        parse_date("neste år", formats)
    assert unparseable.value.code == "date_unparseable"


def test_yes_no_in_several_languages() -> None:
    nb, en = load_mapping().yes_no, load_mapping(ENGLISH).yes_no
    assert parse_yes_no("Ja", nb) == (True, "")
    assert parse_yes_no("Ja (kun IKT)", nb) == (True, "kun IKT")
    assert parse_yes_no("nei", nb) == (False, "")
    assert parse_yes_no("", nb) == (False, "")
    assert parse_yes_no("Yes - IT only", en) == (True, "IT only")
    assert parse_yes_no("No", en) == (False, "")
    with pytest.raises(ValueProblem):
        parse_yes_no("kanskje", nb)


def test_the_minimal_mapping_in_the_docs_works(database: Database, tmp_path: Path, reference_register: Path) -> None:
    import re

    doc = (Path(__file__).resolve().parent.parent / "docs" / "register-mapping.md").read_text(encoding="utf-8")
    minimal = re.search(r"## A minimal mapping\s+```yaml\n(.*?)```", doc, re.S).group(1)
    path = tmp_path / "minimal.yaml"
    path.write_text(minimal, encoding="utf-8")
    report = sync_export(database.engine, reference_register, path, as_of=AS_OF)
    assert report.outcome == "applied" and report.added == 130
    assert report.active_as_of == 117


def test_xlsx_errors_name_the_sheet_row(tmp_path: Path, reference_register: Path) -> None:
    headers, rows = reference_table(reference_register)
    rows[5] = set_cell(headers, rows[5], "Startdato", "31.02.2026")
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append([value or None for value in row])
    sheet.append([None] * len(headers))  # an empty row at the end is skipped
    path = tmp_path / "errors.xlsx"
    book.save(path)
    result = validate_table(read_table(path, load_mapping()), load_mapping())
    assert [(e.line, e.column, e.code) for e in result.errors] == [(7, "Startdato", "date_impossible")]
    assert result.rows_read == 130


def _scope_register(tmp_path: Path, extra_column: str, rows: list[str], **mapping: object) -> tuple[Path, RegisterMapping]:
    """A small English-headed CSV register (No;Title;Scope;<extra>;Status) and its mapping."""
    path = tmp_path / "register.csv"
    path.write_text("\n".join([f"No;Title;Scope;{extra_column};Status", *rows]) + "\n", encoding="utf-8")
    return path, RegisterMapping.model_validate({
        "columns": {"id": "No", "title": "Title", "description": "Scope", "status": "Status"},
        "org_number_required": False, "status_values": {"active": ["Active"], "expired": ["Expired"]}, **mapping})


def test_a_notes_column_is_added_to_the_description(tmp_path: Path) -> None:
    path, mapping = _scope_register(tmp_path, "Notes", [
        "NS-1;Renholdsartikler;Tørkepapir og såpe.;Erstattet av NS-2.;Expired",
        "NS-2;Renholdsmidler og papir;Tørkepapir, toalettpapir og såpe.;;Active"], description_also=["Notes"])
    result = validate_table(read_table(path, mapping), mapping)
    assert result.ok and not [n for n in result.warnings if n.column == "Notes"]
    assert {r.id: r.as_dict()["description"] for r in result.records} == {
        "NS-1": "Tørkepapir og såpe. Erstattet av NS-2.", "NS-2": "Tørkepapir, toalettpapir og såpe."}
    # a notes column the file lacks is named, like any mapped column
    missing = RegisterMapping.model_validate({**mapping.model_dump(), "description_also": ["Merknad"]})
    errors = validate_table(read_table(path, missing), missing).file_errors
    assert [(e.column, e.code) for e in errors] == [("Merknad", "missing_column")]


def test_a_not_included_column_becomes_the_descriptions_exclusions(tmp_path: Path) -> None:
    path, mapping = _scope_register(tmp_path, "Not included", [
        "SK-1;Billeasing;Leasing av personbiler og varebiler.;Tunge kjøretøy. IKT-utstyr i bilene.;Active",
        "SK-2;Kontorrekvisita;Penner og papir.;;Active"], description_excludes=["Not included"])
    result = validate_table(read_table(path, mapping), mapping)
    assert result.ok
    assert {r.id: r.as_dict()["description"] for r in result.records} == {
        "SK-1": "Leasing av personbiler og varebiler. Omfatter ikke tunge kjøretøy. Omfatter ikke IKT-utstyr i bilene.",
        "SK-2": "Penner og papir."}


def test_a_numbered_not_included_list_is_one_exclusion_per_item(tmp_path: Path) -> None:
    """"(1) … (2) …" (or "1) … 2) …") in one cell: each item its own "Omfatter ikke", its
    parenthesis kept with it; a number inside an item ("(2 stk.)") is no item."""
    path, mapping = _scope_register(tmp_path, "Not included", [
        "TR-1;Brukertransport;Transport til dagsenter.;"
        "(1) Pasientreiser til sykehus (2) TT-ordningen (fylkeskommunen);Active",
        "JU-1;Juridisk bistand;Arbeidsrett.;1) Barnevernssaker (se egen avtale) 2) Inkasso;Active",
        "KO-1;Kopimaskiner;Leie av maskiner.;Skrivere (2 stk.) på kontoret.;Active"],
        description_excludes=["Not included"])
    result = validate_table(read_table(path, mapping), mapping)
    assert result.ok
    assert {r.id: r.as_dict()["description"] for r in result.records} == {
        "TR-1": "Transport til dagsenter. Omfatter ikke pasientreiser til sykehus. "
                "Omfatter ikke TT-ordningen (fylkeskommunen).",
        "JU-1": "Arbeidsrett. Omfatter ikke barnevernssaker (se egen avtale). Omfatter ikke inkasso.",
        "KO-1": "Leie av maskiner. Omfatter ikke skrivere (2 stk.) på kontoret."}


def test_an_end_date_written_as_until_further_notice_is_no_end_date(tmp_path: Path) -> None:
    """"Until further notice" / "Løpende" in the end-date columns: an agreement without an end
    date (active on any later date), not a row error; a word the mapping does not list still is."""
    path = tmp_path / "register.csv"
    path.write_text("\n".join([
        "No;Title;Start;End;Max end;Status",
        "UF-1;Sak- og arkivsystem;01.01.2020;Until further notice;Until further notice;Active",
        "UF-2;Tjenestepensjon;01.01.2018;Løpende;;Active",
        "UF-3;Kopipapir;01.01.2024;31.12.2026;31.12.2028;Active",
        "UF-4;Strøm;01.01.2023;Snart;;Active"]) + "\n", encoding="utf-8")
    mapping = RegisterMapping.model_validate({
        "columns": {"id": "No", "title": "Title", "start_date": "Start", "end_date": "End", "final_end_date": "Max end",
                    "status": "Status"},
        "org_number_required": False, "status_values": {"active": ["Active"]}})
    result = validate_table(read_table(path, mapping), mapping)
    assert [(e.line, e.column, e.code) for e in result.errors] == [(5, "End", "date_unparseable")]
    dates = {r.id: (r.as_dict()["start_date"], r.as_dict()["end_date"], r.as_dict()["final_end_date"]) for r in result.records}
    assert dates["UF-1"] == (dt.date(2020, 1, 1), None, None) and dates["UF-2"] == (dt.date(2018, 1, 1), None, None)
    assert dates["UF-3"] == (dt.date(2024, 1, 1), dt.date(2026, 12, 31), dt.date(2028, 12, 31))
    # the mapping's own list replaces the default one
    strict = RegisterMapping.model_validate({**mapping.model_dump(), "open_end_values": ["Snart"]})
    result = validate_table(read_table(path, strict), strict)
    assert sorted(e.line for e in result.errors) == [2, 2, 3]


def _validated(tmp_path: Path, lines: list[str], mapping: dict[str, Any]) -> Any:
    """A small `;`-separated register (header line first), validated with the mapping given."""
    path = tmp_path / "register.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = RegisterMapping.model_validate(mapping)
    return validate_table(read_table(path, parsed), parsed)


def _supplier_rows(tmp_path: Path, extra_headers: str, rows: list[str], columns: dict[str, str], **mapping: object) -> Any:
    """A small register with one row per supplier (No;Title;Supplier;<extra>;Status, all Active), validated."""
    path = tmp_path / "register.csv"
    path.write_text("\n".join([f"No;Title;Supplier;{extra_headers};Status", *(f"{row};Active" for row in rows)]) + "\n",
                    encoding="utf-8")
    parsed = RegisterMapping.model_validate({
        "columns": {"id": "No", "title": "Title", "suppliers": "Supplier", "status": "Status", **columns},
        "parallel_rows": True, "org_number_required": False, "status_values": {"active": ["Active"]}, **mapping})
    return validate_table(read_table(path, parsed), parsed)


def test_parallel_rows_take_the_scope_from_the_row_that_holds_it(tmp_path: Path) -> None:
    """One row per supplier where the later rows say "Se hovedrad." (or repeat the scope with a note
    of their own): one agreement, both suppliers, the fullest scope text; rows that disagree on
    anything else (here the title) are still an error."""
    result = _supplier_rows(tmp_path, "Scope;Notes", [
        "PR-1;Rørleggertjenester;Alfa Rør AS;Service og reparasjon av sanitæranlegg. Omfatter ikke: nye anlegg.;Rangert",
        "PR-1;Rørleggertjenester;Beta VVS AS;Se hovedrad.;Se hovedrad",
        "PR-2;Maling;Gamma Maler AS;Innvendig maling.;",
        "PR-2;Maling;Delta Farge AS;Innvendig maling.;Nr. 2",
        "PR-3;Tømrer;Epsilon Bygg AS;Dører og vinduer.;",
        "PR-3;Snekker;Zeta Bygg AS;Dører og vinduer.;"], {"description": "Scope"}, description_also=["Notes"])
    assert [(e.line, e.column, e.code) for e in result.errors] == [(7, "Title", "parallel_row_conflict")]
    by_id = {r.id: r for r in result.records}
    assert by_id["PR-1"].as_dict()["description"] == "Service og reparasjon av sanitæranlegg. Omfatter ikke: nye anlegg. Rangert"
    assert [name for name, _org in by_id["PR-1"].suppliers] == ["Alfa Rør AS", "Beta VVS AS"]
    assert by_id["PR-2"].as_dict()["description"] == "Innvendig maling. Nr. 2"
    assert [name for name, _org in by_id["PR-2"].suppliers] == ["Gamma Maler AS", "Delta Farge AS"]


def test_a_further_suppliers_row_that_fills_only_the_supplier_takes_the_first_rows_values(tmp_path: Path) -> None:
    """"Additional-supplier rows fill only the Ref.nr and the supplier; the other cells inherit from
    the agreement row above": an empty title is no error, and an empty status, party or e-handel
    cell takes the first row's value instead of a default (an expired agreement stays expired, a
    cooperation agreement stays one). A first row with an empty title is still an error."""
    result = _validated(tmp_path, [
        "No;Title;Supplier;Rank;Via;E-handel;End;State",
        "AS-1;Tømrertjenester;Alfa Bygg AS;Rangert 1;IMN;Ja;28.02.2027;Aktiv – opsjon",
        "AS-1;;Beta Bygg AS;Rangert 2;;;;",
        "AS-2;Snøbrøyting;Gamma Maskin AS;Parallell;Egen;Nei;31.03.2024;Utløpt",
        "AS-2;;Delta Anlegg AS;Parallell;;;;",
        "AS-3;;Epsilon AS;Eneleverandør;Egen;Nei;31.12.2027;Aktiv"], {
        "columns": {"id": "No", "title": "Title", "suppliers": "Supplier", "supplier_rank": "Rank",
                    "contracting_party": "Via", "ehandel": "E-handel", "end_date": "End", "status": "State"},
        "parallel_rows": True, "org_number_required": False,
        "status_values": {"active": ["Aktiv", "Aktiv – opsjon"], "expired": ["Utløpt"]},
        "contracting_party_kinds": {"own": ["Egen"], "cooperation": ["IMN"], "default": "own", "empty": "own"}})
    assert [(e.line, e.column, e.code) for e in result.errors] == [(6, "Title", "required_empty")]
    by_id = {r.id: r for r in result.records}
    first = by_id["AS-1"].as_dict()
    assert (first["title"], first["status"], first["contracting_party_kind"], first["ehandel"], first["end_date"]) == (
        "Tømrertjenester", "active", "cooperation", True, dt.date(2027, 2, 28))
    assert [name for name, _org in by_id["AS-1"].suppliers] == ["Alfa Bygg AS", "Beta Bygg AS"]
    second = by_id["AS-2"].as_dict()
    assert (second["status"], second["end_date"]) == ("expired", dt.date(2024, 3, 31))
    assert [name for name, _org in by_id["AS-2"].suppliers] == ["Gamma Maskin AS", "Delta Anlegg AS"]


def test_a_lots_own_name_can_be_added_to_its_parent_agreements_title(tmp_path: Path) -> None:
    """Lots whose title is the parent agreement's, the same for all of them, and whose own name is
    in a column of its own ("Delkontrakt"): `title_also` puts it after the title, so the search
    reads the lot's trade as its title; a lot name the title already holds is not repeated."""
    result = _validated(tmp_path, [
        "No;Title;Lot;Supplier",
        "HT-1-D1;Handverkartenester – vedlikehald av kommunale bygg;D1 Elektro;Alfa Elektro AS",
        "HT-1-D4;Handverkartenester – vedlikehald av kommunale bygg;D4 Målar og overflate;Beta Maling AS",
        "HT-2;Snøbrøyting;;Gamma Maskin AS",
        "HT-3;Reinhald – Rode 2;Rode 2;Delta Reinhald AS"],
        {"columns": {"id": "No", "title": "Title", "suppliers": "Supplier"}, "title_also": ["Lot"], "org_number_required": False})
    assert result.errors == []
    titles = {r.id: r.as_dict()["title"] for r in result.records}
    assert titles == {"HT-1-D1": "Handverkartenester – vedlikehald av kommunale bygg – D1 Elektro",
                      "HT-1-D4": "Handverkartenester – vedlikehald av kommunale bygg – D4 Målar og overflate",
                      "HT-2": "Snøbrøyting", "HT-3": "Reinhald – Rode 2"}
    assert all("D4" not in r.as_dict()["description"] for r in result.records)


def test_a_rank_column_reads_numbers_as_ranks_and_words_as_no_rank(tmp_path: Path) -> None:
    """"1. pri" / "Rank 2" are ranks; "Parallell" or "Fritt val" is a supplier without a rank (the
    agreement is parallel, not ranked), not a row error; "1-2" is neither and is one."""
    result = _supplier_rows(tmp_path, "Rank", [
        "RK-1;Taxi;Beta Taxi AS;2. pri",
        "RK-1;Taxi;Alfa Taxi AS;1. pri",
        "RK-2;Vikarer;Gamma Bemanning AS;Parallell",
        "RK-2;Vikarer;Delta Bemanning AS;Parallell",
        "RK-3;Snekker;Epsilon Bygg AS;Rank 1",
        "RK-3;Snekker;Zeta Bygg AS;1-2"], {"supplier_rank": "Rank"})
    assert [(e.line, e.column, e.code) for e in result.errors] == [(7, "Rank", "rank_invalid")]
    by_id = {r.id: r for r in result.records}
    assert [name for name, _org in by_id["RK-1"].suppliers] == ["Alfa Taxi AS", "Beta Taxi AS"]
    assert by_id["RK-1"].as_dict()["ranked"] is True
    assert [name for name, _org in by_id["RK-2"].suppliers] == ["Gamma Bemanning AS", "Delta Bemanning AS"]
    assert by_id["RK-2"].as_dict()["ranked"] is False


def test_a_rank_cell_may_rank_the_suppliers_of_its_cell_or_state_a_rule(tmp_path: Path) -> None:
    """"2 / 1" next to two suppliers in one cell ranks them in turn; an allocation rule in words
    ("Under 500 000 kr: 1-2-3 i rekkefølge; over: minikonkurranse") is noted and is no rank."""
    result = _supplier_rows(tmp_path, "Rank", [
        "RC-1;Tolk;Beta Tolk AS / Alfa Tolk AS;2 / 1",
        "RC-2;Rådgivning;Gamma Rådgivning AS / Delta Plan AS;Under 500 000 kr: 1-2 i rekkefølge, over: minikonkurranse"],
        {"supplier_rank": "Rank"}, supplier_separator=" / ")
    assert result.errors == []
    by_id = {r.id: r for r in result.records}
    assert [name for name, _org in by_id["RC-1"].suppliers] == ["Alfa Tolk AS", "Beta Tolk AS"]
    assert by_id["RC-1"].as_dict()["ranked"] is True
    assert [name for name, _org in by_id["RC-2"].suppliers] == ["Gamma Rådgivning AS", "Delta Plan AS"]
    assert by_id["RC-2"].as_dict()["ranked"] is False
    assert [(n.line, n.code) for n in result.warnings if n.code == "rank_rule"] == [(3, "rank_rule")]


def test_a_supplier_whose_own_row_has_ended_leaves_a_parallel_agreement_that_goes_on(tmp_path: Path) -> None:
    """Rows of one agreement that differ in status and dates per supplier (one supplier terminated,
    the others go on): the agreement is active with the active rows' suppliers and latest end date,
    the ended supplier is noted; an agreement whose rows have all ended keeps its latest end date."""
    result = _supplier_rows(tmp_path, "End;State", [
        "PS-1;Legevikarer;Alfa Lege AS;31.08.2027;Aktiv",
        "PS-1;Legevikarer;Beta Lege AS;31.08.2026;Oppsagt",
        "PS-1;Legevikarer;Gamma Lege AS;30.09.2027;Aktiv",
        "PS-2;Snøbrøyting;Delta Maskin AS;31.03.2025;Utløpt",
        "PS-2;Snøbrøyting;Epsilon Anlegg AS;30.04.2025;Oppsagt"],
        {"end_date": "End", "status": "State"},
        status_values={"active": ["Aktiv"], "expired": ["Utløpt", "Oppsagt"]})
    assert result.errors == []
    by_id = {r.id: r.as_dict() for r in result.records}
    assert by_id["PS-1"]["status"] == "active"
    assert by_id["PS-1"]["end_date"] == dt.date(2027, 9, 30)
    assert [name for name, _org in result.records[0].suppliers] == ["Alfa Lege AS", "Gamma Lege AS"]
    assert [(n.line, n.value) for n in result.warnings if n.code == "supplier_row_ended"] == [(3, "Beta Lege AS")]
    assert by_id["PS-2"]["status"] == "expired"
    assert by_id["PS-2"]["end_date"] == dt.date(2025, 4, 30)
    assert len(next(r for r in result.records if r.id == "PS-2").suppliers) == 2


def test_heading_rows_between_the_data_are_skipped_only_when_the_mapping_names_them(tmp_path: Path) -> None:
    """Category rows inside the data ("▸ 05 Helse (2 avtaler)", every other cell empty) are skipped
    with one note when `heading_rows` names how they start; without it they are row errors; a row
    that starts the same way but has other cells filled is read as a row."""
    path = tmp_path / "register.csv"
    rows = ["▸ 01 Kontor (1 avtale);;", "HR-1;Kontorrekvisita;Alfa Kontor AS", "▸ 05 Helse (2 avtaler);;",
            "HR-2;Sårprodukter;Beta Helse AS", "HR-3;Hansker;Gamma Helse AS", "▸ 09 Annet;;Delta AS"]
    path.write_text("\n".join(["No;Title;Supplier", *rows]) + "\n", encoding="utf-8")

    def validated(**extra: object) -> Any:
        mapping = RegisterMapping.model_validate({
            "columns": {"id": "No", "title": "Title", "suppliers": "Supplier"}, "org_number_required": False, **extra})
        return validate_table(read_table(path, mapping), mapping)

    result = validated(heading_rows=["▸"])
    assert sorted(r.id for r in result.records) == ["HR-1", "HR-2", "HR-3"]
    assert [(n.line, n.code, n.details["count"]) for n in result.warnings if n.code == "heading_row"] == [(2, "heading_row", 2)]
    assert [(e.line, e.column, e.code) for e in result.errors] == [(7, "Title", "required_empty")]
    assert result.rows_read == 4  # the data rows, not the headings
    plain = validated()
    assert sorted(e.line for e in plain.errors) == [2, 4, 7]
    regex = validated(heading_rows=[r"re:^\W\s*\d\d "])
    assert [e.line for e in regex.errors] == [7] and len(regex.records) == 3
    with pytest.raises(ValueError, match="bad regular expression"):
        RegisterMapping.model_validate({"columns": {"id": "No", "title": "Title"}, "heading_rows": ["re:(["]})


def test_foreign_org_numbers_bulleted_suppliers_and_a_worded_annual_value(tmp_path: Path) -> None:
    """A foreign supplier's number with its country code ("SE 556712-4410") is kept as written, not
    checked as Norwegian (a Norwegian one still is); suppliers written one a line with bullets lose the
    bullet; an annual value in words ("Ikke relevant") is no amount, noted, not an error."""
    path = tmp_path / "register.csv"
    path.write_text("\n".join([
        "No;Title;Supplier;Org;Value",
        'FO-1;Vekterbistand;NordShield Security AB;SE 556712-4410;"Ikke relevant"',
        'FO-2;Skilt;"• Alfa Skilt AS\n• Dansk Skilte ApS";"923 587 373\nDK 12345678";1 250 000',
        "FO-3;Maling;Beta Maler AS;923587374;100",
    ]) + "\n", encoding="utf-8")
    mapping = RegisterMapping.model_validate({
        "columns": {"id": "No", "title": "Title", "suppliers": "Supplier", "org_numbers": "Org", "annual_value": "Value"},
        "supplier_separator": "\n"})
    result = validate_table(read_table(path, mapping), mapping)
    assert [(e.line, e.code) for e in result.errors] == [(6, "org_invalid")]  # the file's own line (cells span lines)
    by_id = {r.id: r for r in result.records}
    assert by_id["FO-1"].suppliers == (("NordShield Security AB", "SE 556712-4410"),)
    assert by_id["FO-1"].as_dict()["annual_value"] is None
    assert by_id["FO-2"].suppliers == (("Alfa Skilt AS", "923587373"), ("Dansk Skilte ApS", "DK 12345678"))
    assert by_id["FO-2"].as_dict()["annual_value"] == Decimal("1250000")
    assert [(n.line, n.code, n.value) for n in result.warnings if n.code == "value_not_amount"] == [(2, "value_not_amount", "Ikke relevant")]


def test_lots_on_rows_of_their_own_keep_each_lot_scope_but_not_an_ended_one(tmp_path: Path) -> None:
    """One row per lot of an agreement, each with the agreement's text and its lot's own: the
    agreement's scope holds every lot still in force; a terminated lot's own text is left out."""
    result = _supplier_rows(tmp_path, "Scope;State", [
        "LT-1;Matvarer;Alfa Engros AS;Matvarer til kjøkkenene. D1 tørrvarer, hermetikk og krydder til alle kjøkken.;Aktiv",
        "LT-1;Matvarer;Beta Frukt AS;Matvarer til kjøkkenene. D2 frukt og grønnsaker levert to ganger i uka.;Aktiv",
        "LT-1;Matvarer;Gamma Fisk AS;Matvarer til kjøkkenene. D3 fersk fisk og sjømat fra lokal leverandør.;Oppsagt"],
        {"description": "Scope", "status": "State"},
        status_values={"active": ["Aktiv"], "expired": ["Oppsagt"]})
    assert result.errors == []
    scope = result.records[0].as_dict()["description"]
    assert "D1 tørrvarer, hermetikk og krydder til alle kjøkken." in scope
    assert "D2 frukt og grønnsaker levert to ganger i uka." in scope
    assert "fisk" not in scope
    assert scope.count("Matvarer til kjøkkenene.") == 1


def test_a_lot_ordered_its_own_way_keeps_both_ways_of_ordering(tmp_path: Path) -> None:
    """Rows of one agreement whose "how to order" differs per lot (the emergency lot by phone) are
    one agreement holding every way, not a conflict; other fields that differ still are."""
    result = _supplier_rows(tmp_path, "Ordering", [
        "OR-1;Renovasjon;Alfa Avfall AS;eHandel (katalog)",
        "OR-1;Renovasjon;Beta Miljø AS;Vakt 24/7 90 44 55 66",
        "OR-1;Renovasjon;Gamma Gjenvinning AS;eHandel (katalog)"], {"ordering": "Ordering"})
    assert result.errors == []
    assert result.records[0].as_dict()["ordering"] == "eHandel (katalog); Vakt 24/7 90 44 55 66"


def _continued_register(tmp_path: Path) -> Path:
    """An XLSX export like a contract-management report: title lines, group headings on row 5,
    headers on row 6, section rows, a parent row of lots, further suppliers on rows without an
    agreement number, migrated rows with the suppliers' numbers after their names, text dates with
    Norwegian month names, an end date moved by an option in a column of its own, a footer."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Avtaler"
    ws.append(["Vestby kommune – Avtaleregister"])
    ws.append(["Avtaleloggen – AR-01"])
    ws.append(["Uttrekk 24.11.2026"])
    ws.append([])
    ws.append(["AVTALE", None, None, None, "PERIODE"])
    ws.append(["Avtalenr.", "Delkontrakt", "Avtalenavn", "Avtaletype", "Fase", "Gyldig fra", "Gyldig til",
               "Forlenget til", "Leverandør", "Org.nr.", "Rang.", "Est. verdi/år"])
    ws.append(["▸ 05 MAT OG DRIKKE"])
    ws.append(["V-24-100", None, "Matvarer", "Samleavtale", "40 I drift", dt.datetime(2024, 1, 1),
               dt.datetime(2027, 12, 31), None, "(se delkontrakter)", None, None, None])
    ws.append(["V-24-100-D1", "1 – Tørrvarer", "Matvarer", "Delkontrakt", "40 I drift", dt.datetime(2024, 1, 1),
               dt.datetime(2025, 12, 31), dt.datetime(2027, 12, 31), "Alfa Engros AS", "923 587 373", "1", "ca. 1,6 mill."])
    ws.append([None, None, None, None, None, None, None, None, "Beta Mat AS", 923609016, "2", None])
    ws.append(["V-24-100-D2", "2 – Frukt og grønt", "Matvarer", "Delkontrakt", "70 Hevet/oppsagt",
               dt.datetime(2024, 1, 1), dt.datetime(2027, 12, 31), None, "Gamma Frukt AS", "914054028", None, "etter forbruk"])
    ws.append(["▸ 11 KJØRETØY OG TRANSPORT"])
    ws.append(["M-0912", None, "Drosje", "Rammeavtale", "40", "1. april 2021", "Løpende (3 mnd. oppsigelse)", None,
               "Vindhella Taxi SA (org.nr 914 054 028); Fjordtaxi AS (orgnr. 913134001)", None, None, "ca. 850 000"])
    ws.append(["V-26-050", None, "Elbiler", "Rammeavtale", "10 Planlagt", None, None, None, None, None, None, None])
    ws.append([])
    ws.append(["Antall avtaler i utvalget: 5"])
    path = tmp_path / "register.xlsx"
    wb.save(path)
    return path


CONTINUED = {
    "format": "xlsx", "xlsx": {"sheet": "Avtaler", "header_row": 6, "stop_at_blank_row": True},
    "heading_rows": ["▸"], "parallel_rows": True, "continuation_rows": True,
    "skip_rows": {"Avtaletype": ["Samleavtale"]},
    "columns": {"id": "Avtalenr.", "title": "Avtalenavn", "agreement_type": "Avtaletype", "status": "Fase",
                "start_date": "Gyldig fra", "end_date": "Forlenget til", "suppliers": "Leverandør",
                "org_numbers": "Org.nr.", "supplier_rank": "Rang.", "annual_value": "Est. verdi/år"},
    "when_empty": {"end_date": "Gyldig til"}, "title_also": ["Delkontrakt"], "supplier_separator": "; ",
    "status_values": {"active": ["40 I drift", "40"], "not_started": ["10 Planlagt"], "expired": ["70 Hevet/oppsagt"]},
    "date_formats": ["%d.%m.%Y", "%d. %B %Y"],
}


def test_an_export_with_continuation_rows_parent_rows_and_migrated_rows_reads_whole(tmp_path: Path) -> None:
    """Further suppliers on rows without a number belong to the agreement row above; the parent
    row of lots is skipped (noted); an empty "Forlenget til" falls back to "Gyldig til"; migrated
    rows' "Name (org.nr …)" split into name and number; "1. april 2021" and "Løpende (3 mnd.
    oppsigelse)" read; "ca. 1,6 mill." is 1 600 000; a planned agreement without dates is not in force."""
    path = _continued_register(tmp_path)
    mapping = RegisterMapping.model_validate(CONTINUED)
    result = validate_table(read_table(path, mapping), mapping)
    assert result.errors == []
    by_id = {r.id: r for r in result.records}
    assert sorted(by_id) == ["M-0912", "V-24-100-D1", "V-24-100-D2", "V-26-050"]
    lot = by_id["V-24-100-D1"]
    assert lot.suppliers == (("Alfa Engros AS", "923587373"), ("Beta Mat AS", "923609016"))
    assert lot.as_dict()["ranked"] is True
    assert lot.as_dict()["title"] == "Matvarer – 1 – Tørrvarer"
    assert lot.as_dict()["end_date"] == dt.date(2027, 12, 31)  # extended by an option
    assert lot.as_dict()["annual_value"] == Decimal("1600000")
    ended = by_id["V-24-100-D2"].as_dict()
    assert ended["end_date"] == dt.date(2027, 12, 31) and ended["annual_value"] is None  # "etter forbruk"
    taxi = by_id["M-0912"]
    assert taxi.suppliers == (("Vindhella Taxi SA", "914054028"), ("Fjordtaxi AS", "913134001"))
    assert taxi.as_dict()["start_date"] == dt.date(2021, 4, 1) and taxi.as_dict()["end_date"] is None
    assert taxi.as_dict()["annual_value"] == Decimal("850000")
    notes = {n.code: (n.line, n.value, n.details["count"]) for n in result.warnings}
    assert notes["row_skipped"] == (8, "Samleavtale", 1)
    assert notes["continuation_row"] == (10, "V-24-100-D1", 1)
    assert notes["heading_row"][2] == 2
    status = {r.id: status_as_of(r.as_dict(), AS_OF) for r in result.records}
    assert status == {"V-24-100-D1": AgreementStatus.ACTIVE, "V-24-100-D2": AgreementStatus.EXPIRED,
                      "M-0912": AgreementStatus.ACTIVE, "V-26-050": AgreementStatus.NOT_STARTED}


def test_without_continuation_rows_a_row_without_a_number_is_an_error(tmp_path: Path) -> None:
    """The rows without an agreement number are row errors unless the mapping says they continue
    the row above (and that needs one row per supplier); a migrated supplier without a number in
    brackets, when the others have one, is a missing number."""
    path = _continued_register(tmp_path)
    mapping = RegisterMapping.model_validate({**CONTINUED, "continuation_rows": False})
    result = validate_table(read_table(path, mapping), mapping)
    assert sorted((e.line, e.column, e.code) for e in result.errors) == [
        (10, "Avtalenavn", "required_empty"), (10, "Avtalenr.", "required_empty")]
    with pytest.raises(ValueError, match="continuation_rows"):
        RegisterMapping.model_validate({**CONTINUED, "parallel_rows": False, "columns": {
            k: v for k, v in CONTINUED["columns"].items() if k != "supplier_rank"}})
    with pytest.raises(ValueError, match="when_empty"):
        RegisterMapping.model_validate({**CONTINUED, "when_empty": {"final_end_date": "Gyldig til"}})
    # a further-supplier row right below a heading or a skipped parent row continues nothing
    stray = tmp_path / "stray.csv"
    stray.write_text("No;Title;Supplier\n▸ 01 KONTOR;;\n;;Alfa Kontor AS\nS-1;Papir;Beta Papir AS\n", encoding="utf-8")
    loose = RegisterMapping.model_validate({"columns": {"id": "No", "title": "Title", "suppliers": "Supplier"},
                                            "org_number_required": False, "parallel_rows": True,
                                            "continuation_rows": True, "heading_rows": ["▸"]})
    result = validate_table(read_table(stray, loose), loose)
    assert [r.id for r in result.records] == ["S-1"]
    assert {(e.line, e.column) for e in result.errors} == {(3, "No"), (3, "Title")}
    # the number labelled after a dash or a comma, one supplier a line, ranked ("1. A – org.nr. …⏎2. B, orgnr …")
    dashed = tmp_path / "dashed.csv"
    dashed.write_text('No;Title;Supplier\nD-1;Elektro;"1. Hellevik Elektro AS – org.nr. 914 054 028\n'
                      '2. Fjordlys Elektro AS, orgnr 913134001"\nD-2;Buss;Buss 2000 AS\n', encoding="utf-8")
    lines = RegisterMapping.model_validate({"columns": {"id": "No", "title": "Title", "suppliers": "Supplier"},
                                            "supplier_separator": "\n", "org_number_required": False})
    read = validate_table(read_table(dashed, lines), lines)
    assert not read.errors
    assert [r.suppliers for r in read.records] == [
        (("Hellevik Elektro AS", "914054028"), ("Fjordlys Elektro AS", "913134001")), (("Buss 2000 AS", ""),)]
    half = tmp_path / "half.csv"
    half.write_text("No;Title;Supplier\nH-1;Drosje;Alfa Taxi AS (org.nr 914 054 028) | Beta Taxi AS\n", encoding="utf-8")
    plain = RegisterMapping.model_validate({"columns": {"id": "No", "title": "Title", "suppliers": "Supplier"},
                                            "supplier_separator": " | "})
    assert [e.code for e in validate_table(read_table(half, plain), plain).errors] == ["org_missing"]
