"""The reference export imports; status as of a date; re-sync is a no-op; the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from agreements_sync.index import current_index_version, load_agreements, snapshot
from agreements_sync.models import AgreementStatus
from agreements_sync.status import status_as_of
from agreements_sync.sync import sync_export
from agreements_sync.values import mod11_valid
from bot.cli import cli
from bot.db import Database
from tests.conftest import AS_OF, DEMO_REGISTER


def test_reference_export_imports_130_agreements_117_active(database: Database, reference_register: Path) -> None:
    report = sync_export(database.engine, reference_register, as_of=AS_OF)
    assert report.outcome == "applied", report.message("en")
    assert (report.added, report.changed, report.removed, report.skipped) == (130, 0, 0, 0)
    records = load_agreements(database.engine)
    assert len(records) == 130
    assert sum(status_as_of(r, AS_OF) is AgreementStatus.ACTIVE for r in records) == 117
    assert report.active_as_of == 117
    assert current_index_version(database.engine) == 1
    orgs = [org for r in records for _, org in r.suppliers]
    assert orgs and all(mod11_valid(org) for org in orgs)
    by_id = {r.id: r for r in records}
    parallel = by_id["LK-2022-070"]
    assert parallel.suppliers == (
        ("Assistanse Fri AS", "820851846"),
        ("Hverdagshjelpen BPA AS", "927910128"),
        ("Selvvalg Assistanse AS", "939390510"),
    )
    assert sum(len(r.suppliers) for r in records) == 149
    ikt = by_id["LK-2023-073"]
    assert ikt.ehandel is True and ikt.ehandel_note == "kun IKT"
    assert by_id["LK-2019-012"].contracting_party_kind == "cooperation"
    assert by_id["LK-2019-003"].contracting_party_kind == "own"
    assert {r.contracting_party_kind for r in records if r.contracting_party == "Statens innkjøpssenter"} == {"state"}
    assert by_id["LK-2019-003"].annual_value == 4_200_000
    assert by_id["LK-2019-003"].end_date == dt.date(2028, 8, 31)
    assert by_id["LK-2019-003"].keywords == ("journal", "EPJ", "dokumentasjon")
    assert by_id["LK-2019-003"].source_line == 3


def test_same_file_again_changes_nothing_and_says_so(database: Database, reference_register: Path) -> None:
    sync_export(database.engine, reference_register, as_of=AS_OF)
    before = snapshot(database.engine)
    again = sync_export(database.engine, reference_register, as_of=AS_OF)
    assert again.outcome == "unchanged"
    assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, 130)
    assert "Nothing was changed" in again.message("en") and "Ingenting er endret" in again.message("nb")
    assert snapshot(database.engine) == before
    assert current_index_version(database.engine) == 1


def test_status_as_of_rules() -> None:
    base = {"status": "active", "start_date": dt.date(2025, 1, 1), "end_date": dt.date(2026, 12, 31)}
    assert status_as_of(base, AS_OF) is AgreementStatus.ACTIVE
    assert status_as_of(base, dt.date(2027, 1, 1)) is AgreementStatus.EXPIRED  # end date passed
    assert status_as_of(base, dt.date(2026, 12, 31)) is AgreementStatus.ACTIVE  # last day still active
    competing = base | {"status": "under_competition", "start_date": dt.date(2027, 4, 1), "end_date": dt.date(2030, 3, 31)}
    assert status_as_of(competing, AS_OF) is AgreementStatus.UNDER_COMPETITION
    future = base | {"start_date": dt.date(2027, 1, 1), "end_date": dt.date(2029, 1, 1)}
    assert status_as_of(future, AS_OF) is AgreementStatus.NOT_STARTED
    stale = base | {"status": "active", "end_date": dt.date(2025, 6, 30)}
    assert status_as_of(stale, AS_OF) is AgreementStatus.EXPIRED  # whatever the export says
    assert status_as_of(base | {"status": "expired"}, AS_OF) is AgreementStatus.EXPIRED
    planned = {"status": "not_started", "start_date": None, "end_date": None}
    assert status_as_of(planned, AS_OF) is AgreementStatus.NOT_STARTED  # no start date yet: not in force
    started = planned | {"start_date": dt.date(2026, 10, 1)}
    assert status_as_of(started, AS_OF) is AgreementStatus.ACTIVE  # the register is behind its own dates
    assert status_as_of({"status": "active", "start_date": None, "end_date": None}, AS_OF) is AgreementStatus.ACTIVE



def test_a_question_about_a_past_date_reads_the_register_as_it_stood_then() -> None:
    from agreements_sync.status import looking_back

    ended = {"status": "expired", "start_date": dt.date(2020, 3, 1), "end_date": dt.date(2024, 2, 29)}
    assert status_as_of(ended, dt.date(2023, 6, 15)) is AgreementStatus.EXPIRED  # outside a look back
    with looking_back(AS_OF):
        assert status_as_of(ended, dt.date(2023, 6, 15)) is AgreementStatus.ACTIVE  # in force then
        assert status_as_of(ended, dt.date(2024, 6, 15)) is AgreementStatus.EXPIRED  # after its end
        assert status_as_of(ended, dt.date(2019, 6, 15)) is AgreementStatus.EXPIRED  # before its start
        # marked expired with its end still ahead: ended early, not in force on any date
        early = ended | {"end_date": dt.date(2027, 12, 31)}
        assert status_as_of(early, dt.date(2025, 6, 15)) is AgreementStatus.EXPIRED
        # a question dated inside the look back ("in January 2024", asked as of 15 January 2024) still
        # reads the register exported on the later day
        with looking_back(dt.date(2024, 1, 15)):
            assert status_as_of(ended, dt.date(2024, 1, 1)) is AgreementStatus.ACTIVE
    assert status_as_of(ended, dt.date(2023, 6, 15)) is AgreementStatus.EXPIRED


def test_demo_register_imports(database: Database) -> None:
    report = sync_export(database.engine, DEMO_REGISTER, as_of=AS_OF, trigger="demo")
    assert report.outcome == "applied" and report.added >= 100


def test_cli_sync_then_unchanged_and_json(tmp_path: Path, reference_register: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    first = runner.invoke(cli, ["--database", url, "--as-of", "2026-11-24", "sync", str(reference_register)])
    assert first.exit_code == 0, first.output
    assert "130" in first.output
    assert "Aktive avtaler per 24. nov. 2026 i filen: 117 av 130." in first.output
    second = runner.invoke(cli, ["--database", url, "sync", str(reference_register), "--json"])
    assert second.exit_code == 0, second.output
    payload = json.loads(second.output)
    assert payload["outcome"] == "unchanged" and payload["unchanged"] == 130
    history = runner.invoke(cli, ["--database", url, "sync-history", "--json"])
    runs = json.loads(history.output)["runs"]
    assert [r["outcome"] for r in runs] == ["unchanged", "applied"]


def test_the_active_line_counts_agreements_not_rows(tmp_path: Path) -> None:
    """An export with one row per supplier: three rows are two agreements, one of them active."""
    register = tmp_path / "register.csv"
    register.write_text("\n".join([
        "No;Title;Supplier;Start;End;Status",
        "PR-1;Rørleggertjenester;Alfa Rør AS;01.01.2025;31.12.2027;Aktiv",
        "PR-1;Rørleggertjenester;Beta VVS AS;01.01.2025;31.12.2027;Aktiv",
        "PR-2;Maling;Gamma Maler AS;01.01.2020;31.12.2023;Utløpt"]) + "\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(json.dumps({
        "columns": {"id": "No", "title": "Title", "suppliers": "Supplier", "start_date": "Start",
                    "end_date": "End", "status": "Status"},
        "parallel_rows": True, "org_number_required": False,
        "status_values": {"active": ["Aktiv"], "expired": ["Utløpt"]}}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--database", f"sqlite:///{tmp_path / 'rows.db'}", "--as-of", "2026-11-24",
                                      "sync", str(register), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    assert "Aktive avtaler per 24. nov. 2026 i filen: 1 av 2." in result.output


# --- helpers the other tests/test_sync_*.py files import -------------------------------------


def reference_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the reference export, as text cells."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    return rows[0], rows[1:]


def write_csv(
    path: Path,
    headers: list[str],
    rows: list[list[str]],
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ";",
    newline: str = "\r\n",
    quote_all: bool = False,
) -> Path:
    import csv

    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(
            handle, delimiter=delimiter, lineterminator=newline,
            quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        )
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def set_cell(headers: list[str], row: list[str], column: str, value: str) -> list[str]:
    row = list(row)
    row[headers.index(column)] = value
    return row


def test_an_active_row_past_its_end_date_is_read_as_expired_and_noted(database: Database, reference_register: Path) -> None:
    # the export on its own date: every "Aktiv" row is in force, nothing to say
    on_its_date = sync_export(database.engine, reference_register, as_of=AS_OF, dry_run=True)
    assert not [w for w in on_its_date.warnings if w.code == "active_but_ended"]
    # the same export read two months later: the rows still "Aktiv" whose end date has passed
    later = AS_OF + dt.timedelta(days=60)
    with reference_register.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    stale = {r["Avtalenr"] for r in rows
             if r["Status"] == "Aktiv" and dt.datetime.strptime(r["Sluttdato"], "%d.%m.%Y").date() < later}
    assert stale  # the reference register has agreements ending within two months
    report = sync_export(database.engine, reference_register, as_of=later)
    assert report.outcome == "applied"
    notes = [w for w in report.warnings if w.code == "active_but_ended"]
    assert {n.agreement_id for n in notes} == stale
    assert all(n.column == "Sluttdato" for n in notes)
    assert "end date" in notes[0].message("en") and "Sluttdato" in notes[0].message("nb")
    records = {r.id: r for r in load_agreements(database.engine)}
    assert all(status_as_of(records[i], later) is AgreementStatus.EXPIRED for i in stale)
