"""Runs: skip-invalid, the removal guard, versions, dry runs, the run log, locking, URLs, the
scheduled job and the CLI around them."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest
from aiohttp import web
from click.testing import CliRunner
from sqlalchemy import select

from agreements_sync.index import current_index_version, get_agreement, load_agreements, snapshot
from agreements_sync.models import AgreementVersion, SyncRun
from agreements_sync.sync import agreement_versions, sync_export, sync_history
from bot.cli import cli
from bot.db import Database
from bot.services import Services
from bot.settings import load_settings
from bot.sync.jobs import scheduled_sync
from tests.conftest import AS_OF, postgres_url_for
from tests.test_sync import reference_table, set_cell, write_csv


def _runs(database: Database) -> list[SyncRun]:
    with database.session() as session:
        return list(session.exec(select(SyncRun).order_by(SyncRun.id)).scalars())


def test_changes_keep_the_previous_version_and_bump_the_index_version(
    database: Database, tmp_path: Path, reference_register: Path
) -> None:
    sync_export(database.engine, reference_register, as_of=AS_OF)
    headers, rows = reference_table(reference_register)
    changed_id, removed_id, supplier_id = rows[10][0], rows[20][0], rows[30][0]
    old_title = rows[10][headers.index("Avtalenavn")]
    rows[10] = set_cell(headers, rows[10], "Avtalenavn", "Ny tittel")
    rows[10] = set_cell(headers, rows[10], "Sluttdato", "31.12.2029")
    rows[10] = set_cell(headers, rows[10], "Maks sluttdato", "31.12.2030")
    rows[30] = set_cell(headers, rows[30], "Leverandør", "Ny Leverandør AS")
    rows[30] = set_cell(headers, rows[30], "Org.nr", "923587373")
    new_row = set_cell(headers, rows[0], "Avtalenr", "LK-2026-999")
    rows = [r for r in rows if r[0] != removed_id] + [new_row]
    report = sync_export(database.engine, write_csv(tmp_path / "v2.csv", headers, rows), as_of=AS_OF)

    assert report.outcome == "applied"
    assert (report.added, report.changed, report.removed, report.unchanged) == (1, 2, 1, 127)
    assert report.changed_fields[changed_id] == ["title", "end_date", "final_end_date"]
    assert report.changed_fields[supplier_id] == ["suppliers"]
    assert report.added_ids == ["LK-2026-999"] and report.removed_ids == [removed_id]
    assert current_index_version(database.engine) == 2
    assert get_agreement(database.engine, changed_id).title == "Ny tittel"
    assert get_agreement(database.engine, supplier_id).suppliers == (("Ny Leverandør AS", "923587373"),)
    assert get_agreement(database.engine, removed_id) is None
    versions = agreement_versions(database.engine, changed_id)
    assert [(v["change"], v["data"]["title"], v["data"]["end_date"]) for v in versions] == [
        ("changed", old_title, versions[0]["data"]["end_date"])
    ]
    assert versions[0]["sync_run_id"] == report.run_id
    removed = agreement_versions(database.engine, removed_id)
    assert removed[0]["change"] == "removed" and removed[0]["data"]["suppliers"]
    runs = _runs(database)
    assert [(r.outcome, r.added, r.changed, r.removed, r.unchanged, r.index_version) for r in runs] == [
        ("applied", 130, 0, 0, 0, 1),
        ("applied", 1, 2, 1, 127, 2),
    ]
    assert all(len(r.checksum) == 64 and r.trigger == "cli" and r.finished_at for r in runs)
    assert runs[0].checksum != runs[1].checksum


def test_skip_invalid_imports_valid_rows_and_keeps_existing_invalid_ones(
    database: Database, tmp_path: Path, reference_register: Path
) -> None:
    sync_export(database.engine, reference_register, as_of=AS_OF)
    kept_id = reference_table(reference_register)[1][5][0]
    kept_before = get_agreement(database.engine, kept_id)
    headers, rows = reference_table(reference_register)
    rows[5] = set_cell(headers, rows[5], "Sluttdato", "31.02.2026")  # existing agreement, now invalid
    rows[6] = set_cell(headers, rows[6], "Avtalenavn", "Gyldig endring")
    rows.append(set_cell(headers, set_cell(headers, rows[0], "Avtalenr", "LK-2026-998"), "Org.nr", "123456789"))
    path = write_csv(tmp_path / "mixed.csv", headers, rows)

    rejected = sync_export(database.engine, path, as_of=AS_OF)
    assert rejected.outcome == "rejected" and len(rejected.errors) == 2

    report = sync_export(database.engine, path, as_of=AS_OF, skip_invalid=True)
    assert report.outcome == "applied", report.message("en")
    assert (report.added, report.changed, report.removed, report.skipped) == (0, 1, 0, 2)
    assert len(report.errors) == 2  # still reported
    assert get_agreement(database.engine, kept_id) == kept_before  # kept, not removed
    assert get_agreement(database.engine, "LK-2026-998") is None  # invalid new row not added
    assert len(load_agreements(database.engine)) == 130
    assert "2 ugyldige rader hoppet over" in report.message("nb")


def test_removal_guard_refuses_a_truncated_export(database: Database, tmp_path: Path, reference_register: Path) -> None:
    sync_export(database.engine, reference_register, as_of=AS_OF)
    before = snapshot(database.engine)
    headers, rows = reference_table(reference_register)
    truncated = write_csv(tmp_path / "truncated.csv", headers, rows[:100])  # 30 of 130 gone: 23 %

    refused = sync_export(database.engine, truncated, as_of=AS_OF)
    assert refused.outcome == "rejected" and refused.reason == "removal"
    assert "30" in refused.message("en") and "--allow-mass-removal" in refused.message("en")
    assert snapshot(database.engine) == before

    header_only = sync_export(database.engine, write_csv(tmp_path / "h.csv", headers, []), as_of=AS_OF)
    assert header_only.outcome == "rejected" and header_only.reason == "removal"
    assert snapshot(database.engine) == before

    allowed = sync_export(database.engine, truncated, as_of=AS_OF, allow_mass_removal=True)
    assert allowed.outcome == "applied" and allowed.removed == 30
    assert len(load_agreements(database.engine)) == 100

    # 19 of 100 gone is within the default 20 %
    fine = sync_export(database.engine, write_csv(tmp_path / "f.csv", headers, rows[:81]), as_of=AS_OF)
    assert fine.outcome == "applied" and fine.removed == 19
    stricter = sync_export(database.engine, write_csv(tmp_path / "s.csv", headers, rows[:70]), as_of=AS_OF,
                           max_removal_share=0.1)
    assert stricter.outcome == "rejected"


def test_dry_run_shows_the_diff_and_saves_nothing(database: Database, tmp_path: Path, reference_register: Path) -> None:
    sync_export(database.engine, reference_register, as_of=AS_OF)
    before = snapshot(database.engine)
    headers, rows = reference_table(reference_register)
    rows[4] = set_cell(headers, rows[4], "Status", "Utløpt")
    rows = rows[1:] + [set_cell(headers, rows[0], "Avtalenr", "LK-2026-997")]
    path = write_csv(tmp_path / "next.csv", headers, rows)
    report = sync_export(database.engine, path, as_of=AS_OF, dry_run=True)
    assert report.outcome == "dry_run"
    assert report.added_ids == ["LK-2026-997"] and len(report.removed_ids) == 1
    assert report.changed_fields == {rows[3][0]: ["status"]}
    assert snapshot(database.engine) == before
    assert _runs(database)[-1].outcome == "dry_run"

    url = database.url if database.engine.dialect.name == "sqlite" else postgres_url_for(database)
    result = CliRunner().invoke(cli, ["--database", url, "sync", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "+ LK-2026-997" in result.output and f"~ {rows[3][0]}: status" in result.output
    assert f"- {reference_table(reference_register)[1][0][0]}" in result.output
    assert snapshot(database.engine) == before


def test_two_syncs_at_once_do_not_interleave(database: Database, reference_register: Path) -> None:
    barrier = threading.Barrier(2)
    reports = []

    def run() -> None:
        barrier.wait()
        reports.append(sync_export(database.engine, reference_register, as_of=AS_OF))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r.outcome for r in reports) == ["applied", "unchanged"]
    assert current_index_version(database.engine) == 1
    assert len(load_agreements(database.engine)) == 130
    with database.session() as session:
        assert len(list(session.exec(select(AgreementVersion)).scalars())) == 0


def test_progress_is_reported_per_row(database: Database, reference_register: Path) -> None:
    seen: list[int] = []
    sync_export(database.engine, reference_register, as_of=AS_OF, progress=seen.append)
    assert sum(seen) == 130


async def test_sync_from_a_url(database: Database, aiohttp_server, reference_register: Path) -> None:
    app = web.Application()

    async def export(_request: web.Request) -> web.StreamResponse:
        return web.FileResponse(reference_register)

    app.router.add_get("/avtaler.csv", export)
    server = await aiohttp_server(app, host="127.0.0.1")
    url = f"http://127.0.0.1:{server.port}/avtaler.csv"
    report = await asyncio.to_thread(sync_export, database.engine, url, as_of=AS_OF)
    assert report.outcome == "applied" and report.added == 130 and report.source == url
    missing = await asyncio.to_thread(sync_export, database.engine, url.replace("avtaler", "mangler"), as_of=AS_OF)
    assert missing.outcome == "rejected" and "404" in missing.message("en")
    assert current_index_version(database.engine) == 1


def test_plain_http_is_refused_except_to_localhost(database: Database) -> None:
    report = sync_export(database.engine, "http://example.org/avtaler.csv", as_of=AS_OF)
    assert report.outcome == "rejected" and "https" in report.message("en")


def test_scheduled_sync_records_the_trigger_and_never_raises(
    database: Database, tmp_path: Path, reference_register: Path
) -> None:
    def services(source: str) -> Services:
        return Services(settings=load_settings(sync_source=source, database_url="sqlite:///unused.db"),
                        database=database, as_of=AS_OF)

    assert scheduled_sync(services(""))["outcome"] == "skipped"
    summary = scheduled_sync(services(str(reference_register)))
    assert summary["outcome"] == "applied" and summary["trigger"] == "schedule" and summary["added"] == 130
    headers, rows = reference_table(reference_register)
    rows[0] = set_cell(headers, rows[0], "Sluttdato", "31.02.2026")
    bad = scheduled_sync(services(str(write_csv(tmp_path / "bad.csv", headers, rows))))
    assert bad["outcome"] == "rejected" and bad["error_count"] == 1
    assert scheduled_sync(services(str(tmp_path / "missing.csv")))["outcome"] == "rejected"
    assert [r.trigger for r in _runs(database)] == ["schedule"] * 3
    assert current_index_version(database.engine) == 1


def test_cli_rejection_exits_1_with_line_column_reason(tmp_path: Path, reference_register: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    headers, rows = reference_table(reference_register)
    rows[0] = set_cell(headers, rows[0], "Startdato", "31.02.2026")
    bad = write_csv(tmp_path / "bad.csv", headers, rows)
    result = CliRunner().invoke(cli, ["--database", url, "sync", str(bad)])
    assert result.exit_code == 1
    assert "Linje 2, kolonne «Startdato»" in result.output
    assert "avvist" in result.output
    json_result = CliRunner().invoke(cli, ["--database", url, "sync", str(bad), "--json"])
    assert json_result.exit_code == 1
    payload = json.loads(json_result.stdout)
    assert payload["outcome"] == "rejected" and payload["errors"][0]["line"] == 2
    assert payload["errors"][0]["column"] == "Startdato" and payload["errors"][0]["code"] == "date_impossible"
    skipped = CliRunner().invoke(cli, ["--database", url, "sync", str(bad), "--skip-invalid"])
    assert skipped.exit_code == 0 and "129" in skipped.output


def test_cli_removal_share_comes_from_the_setting(tmp_path: Path, reference_register: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["--database", url, "sync", str(reference_register)]).exit_code == 0
    headers, rows = reference_table(reference_register)
    smaller = write_csv(tmp_path / "smaller.csv", headers, rows[:115])  # 15 of 130 gone: 11.5 %
    monkeypatch.setenv("INNKJOPSBOT_SYNC_MAX_REMOVAL_SHARE", "0.1")
    refused = runner.invoke(cli, ["--database", url, "sync", str(smaller)])
    assert refused.exit_code == 1 and "--allow-mass-removal" in refused.output
    allowed = runner.invoke(cli, ["--database", url, "sync", str(smaller), "--allow-mass-removal", "--trigger", "test"])
    assert allowed.exit_code == 0, allowed.output
    history = runner.invoke(cli, ["--database", url, "sync-history", "--limit", "2"])
    assert "  test     oppdatert " in history.output and "  kommandolinje avvist " in history.output
    versions = runner.invoke(cli, ["--database", url, "sync-history", "--agreement", rows[120][0], "--json"])
    data = json.loads(versions.output)
    assert data["current"] is None and data["versions"][0]["change"] == "removed"
    assert len(sync_history(Database(url).engine, limit=10)) == 3


def test_a_failure_half_way_rolls_everything_back_and_is_recorded(
    database: Database, tmp_path: Path, reference_register: Path
) -> None:
    from sqlalchemy import text

    sync_export(database.engine, reference_register, as_of=AS_OF)
    before = snapshot(database.engine)
    # the database refuses supplier rows: the agreements are already written when it fails
    with database.engine.begin() as connection:
        if database.engine.dialect.name == "sqlite":
            connection.execute(text(
                "CREATE TRIGGER refuse BEFORE INSERT ON agreement_supplier BEGIN SELECT RAISE(ABORT, 'refused'); END"
            ))
        else:
            connection.execute(text(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
            ))
            connection.execute(text(
                "CREATE TRIGGER refuse BEFORE INSERT ON agreement_supplier FOR EACH ROW EXECUTE FUNCTION refuse()"
            ))
    headers, rows = reference_table(reference_register)
    rows[10] = set_cell(headers, rows[10], "Avtalenavn", "Ny tittel")
    rows.append(set_cell(headers, rows[0], "Avtalenr", "LK-2026-996"))
    report = sync_export(database.engine, write_csv(tmp_path / "next.csv", headers, rows[2:]), as_of=AS_OF)
    assert report.outcome == "failed" and "refused" in report.message("en")
    assert snapshot(database.engine) == before
    assert _runs(database)[-1].outcome == "failed"
    assert current_index_version(database.engine) == 1
