"""Every kind of bad input is reported by line, column and reason, and leaves the index exactly
as it was (a full dump of the index tables before and after is compared)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from agreements_sync.index import current_index_version, load_agreements, snapshot
from agreements_sync.sync import sync_export
from bot.db import Database
from tests.conftest import AS_OF
from tests.test_sync import reference_table, set_cell, write_csv

Rows = tuple[list[str], list[list[str]]]


def _mutate(column: str, value: str, index: int = 4) -> Callable[[list[str], list[list[str]]], Rows]:
    def apply(headers: list[str], rows: list[list[str]]) -> Rows:
        rows[index] = set_cell(headers, rows[index], column, value)
        return headers, rows

    return apply


def _drop_column(column: str) -> Callable[[list[str], list[list[str]]], Rows]:
    def apply(headers: list[str], rows: list[list[str]]) -> Rows:
        i = headers.index(column)
        return [h for j, h in enumerate(headers) if j != i], [[c for j, c in enumerate(r) if j != i] for r in rows]

    return apply


def _duplicate_id(headers: list[str], rows: list[list[str]]) -> Rows:
    rows[4] = set_cell(headers, rows[4], "Avtalenr", rows[3][0])
    return headers, rows


def _bad_org(headers: list[str], rows: list[list[str]]) -> Rows:
    org = rows[4][headers.index("Org.nr")]
    wrong = org[:8] + str((int(org[8]) + 1) % 10)
    rows[4] = set_cell(headers, rows[4], "Org.nr", wrong)
    return headers, rows


# (name, mutation, expected (line, column, code) of the first error)
BAD_INPUTS = [
    ("missing required column", _drop_column("Avtalenavn"), (1, "Avtalenavn", "missing_column")),
    ("duplicate id", _duplicate_id, (6, "Avtalenr", "duplicate_id")),
    ("unparseable date", _mutate("Startdato", "neste år"), (6, "Startdato", "date_unparseable")),
    ("impossible date", _mutate("Sluttdato", "31.02.2026"), (6, "Sluttdato", "date_impossible")),
    ("end before start", _mutate("Sluttdato", "01.01.2000"), (6, "Sluttdato", "end_before_start")),
    ("final end before end", _mutate("Maks sluttdato", "01.01.2001"), (6, "Maks sluttdato", "final_before_end")),
    ("org number fails MOD11", _bad_org, (6, "Org.nr", "org_invalid")),
    ("org number not 9 digits", _mutate("Org.nr", "12345"), (6, "Org.nr", "org_invalid")),
    ("amount does not parse", _mutate("Estimert årlig verdi", "ca. to mill"), (6, "Estimert årlig verdi", "amount_unparseable")),
    ("empty required title", _mutate("Avtalenavn", "  "), (6, "Avtalenavn", "required_empty")),
    ("empty required id", _mutate("Avtalenr", ""), (6, "Avtalenr", "required_empty")),
    ("empty required end date", _mutate("Sluttdato", ""), (6, "Sluttdato", "required_empty")),
    ("unknown status", _mutate("Status", "Kanskje"), (6, "Status", "status_unknown")),
    ("unknown yes/no", _mutate("E-handel", "Tja"), (6, "E-handel", "yes_no_unknown")),
    ("supplier/org count mismatch", _mutate("Org.nr", "923587373 | 885849873"), (6, "Org.nr", "org_count_mismatch")),
    ("bad e-mail", _mutate("Avtaleeier e-post", "hilde.rustad"), (6, "Avtaleeier e-post", "email_invalid")),
]


@pytest.mark.parametrize(("name", "mutation", "expected"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_rejected_with_line_column_reason_and_the_index_is_untouched(
    database: Database, tmp_path: Path, reference_register: Path, name: str, mutation: Callable, expected: tuple
) -> None:
    sync_export(database.engine, reference_register, as_of=AS_OF)
    before = snapshot(database.engine)
    headers, rows = reference_table(reference_register)
    # other rows change too, so a partial import would show in the dump
    rows[10] = set_cell(headers, rows[10], "Avtalenavn", "Endret tittel")
    rows = rows[:-1]
    headers, rows = mutation(headers, rows)
    bad = write_csv(tmp_path / "bad.csv", headers, rows)

    report = sync_export(database.engine, bad, as_of=AS_OF)

    assert report.outcome == "rejected"
    assert report.errors, report.message("en")
    first = report.errors[0]
    assert (first.line, first.column, first.code) == expected, [e.message("en") for e in report.errors]
    for lang in ("nb", "en"):
        text = first.message(lang)
        assert str(expected[0]) in text and expected[1] in text
    assert "Linje" in first.message("nb") and "Line" in first.message("en")
    assert snapshot(database.engine) == before
    assert current_index_version(database.engine) == 1


def test_all_errors_of_a_file_are_reported_not_just_the_first(tmp_path: Path, reference_register: Path, database: Database) -> None:
    headers, rows = reference_table(reference_register)
    rows[0] = set_cell(headers, rows[0], "Sluttdato", "31.02.2026")
    rows[7] = set_cell(headers, rows[7], "Estimert årlig verdi", "mange penger")
    rows[7] = set_cell(headers, rows[7], "Status", "???")
    bad = write_csv(tmp_path / "bad.csv", headers, rows)
    report = sync_export(database.engine, bad, as_of=AS_OF)
    assert [(e.line, e.column) for e in report.errors] == [(2, "Sluttdato"), (9, "Status"), (9, "Estimert årlig verdi")]
    assert report.skipped == 2
    assert load_agreements(database.engine) == []


def test_a_rejected_first_import_leaves_the_index_empty(database: Database, tmp_path: Path, reference_register: Path) -> None:
    before = snapshot(database.engine)
    headers, rows = reference_table(reference_register)
    rows[50] = set_cell(headers, rows[50], "Startdato", "32.13.2020")
    report = sync_export(database.engine, write_csv(tmp_path / "bad.csv", headers, rows), as_of=AS_OF)
    assert report.outcome == "rejected"
    assert snapshot(database.engine) == before
    assert current_index_version(database.engine) == 0


def test_unreadable_files_are_rejected_in_plain_words(database: Database, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    missing = sync_export(database.engine, tmp_path / "nope.csv", as_of=AS_OF)
    assert missing.outcome == "rejected" and "nope.csv" in missing.message("en")
    blank = sync_export(database.engine, empty, as_of=AS_OF)
    assert blank.outcome == "rejected" and "empty" in blank.message("en")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    report = sync_export(database.engine, broken, as_of=AS_OF)
    assert report.outcome == "rejected" and "XLSX" in report.message("en")
