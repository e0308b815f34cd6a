"""Alerts over the reference register (130 agreements) and the CLI.

The expected milestones are computed here from the CSV itself with the policy's tables
(fullmaktsmatrise §4 bands, §5 lead times, 3 months' option notice) and alerts.yaml's
reminder offsets — independently of bot.alerts.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from agreements_sync.sync import sync_export
from bot.alerts.overview import overview
from bot.alerts.scan import scan
from bot.cli import cli
from bot.db import Database
from bot.settings import load_settings
from conftest import AS_OF, REFERENCE_REGISTER

LEAD_MONTHS = {"A": 3, "B": 4, "C": 5, "D": 7, "E": 9}  # §5 (A: the 3 months' needs assessment only)
EEA = {"varer": 2_300_000, "tjenester": 2_300_000, "bygg_og_anlegg": 57_800_000, "helse_og_sosial": 7_800_000}
FIRST_ALERT_DAYS = {"option": 60, "competition": 90, "expiry": 60}


def months_back(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(y, m + 1, d)
        except ValueError:
            continue
    raise AssertionError


def kind_of(cpv: str) -> str:
    division = int(cpv[:2])
    if division == 45:
        return "bygg_og_anlegg"
    if division == 85:
        return "helse_og_sosial"
    if 3 <= division <= 44 or division == 48:
        return "varer"
    return "tjenester"


def band_of(value: int, kind: str) -> str:
    if value < 100_000:
        return "A"
    if value < 500_000:
        return "B"
    if value < 1_300_000:
        return "C"
    return "D" if value < EEA[kind] else "E"


def expected_milestones(with_stop: bool = False) -> set[tuple]:
    def date(text: str) -> dt.date:
        d, m, y = text.strip().split(".")
        return dt.date(int(y), int(m), int(d))

    out = set()
    with REFERENCE_REGISTER.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            end, final = date(row["Sluttdato"]), date(row["Maks sluttdato"])
            if row["Status"] == "Utløpt" or final < AS_OF:
                continue
            ident = row["Avtalenr"]
            if final > end:
                out.add((ident, "option", months_back(end, 3)) + ((end,) if with_stop else ()))
            if row["Status"] != "Under konkurranse":
                value = int(row["Estimert årlig verdi"].replace(" ", "").replace("\u00a0", "")) * 4
                band = band_of(value, kind_of(row["CPV"]))
                out.add((ident, "competition", months_back(final, LEAD_MONTHS[band])) + ((final,) if with_stop else ()))
            out.add((ident, "expiry", final) + ((final,) if with_stop else ()))
    return out


def synced(database: Database) -> None:
    if not REFERENCE_REGISTER.exists():
        pytest.skip(f"reference register not found at {REFERENCE_REGISTER}")
    report = sync_export(database.engine, REFERENCE_REGISTER, as_of=AS_OF, trigger="test")
    assert getattr(report, "outcome", "applied") in ("applied", "unchanged"), report


def test_milestones_of_the_reference_register(database: Database) -> None:
    synced(database)
    with database.session() as session:
        rows = overview(session, AS_OF)
    got = {(r["agreement_id"], r["milestone"], r["due"]) for r in rows}
    assert got == expected_milestones()


def test_the_first_scan_of_the_reference_register_alerts_exactly_the_milestones_in_their_window(database: Database) -> None:
    synced(database)
    settings = load_settings(procurement_channel_conversation_id="19:x@thread.tacv2", procurement_channel_service_url="http://127.0.0.1:9/")
    report = scan(database, settings, AS_OF, dry_run=True)
    alerted = {(p.agreement_id, p.milestone, p.due) for p in report.planned if p.kind == "alert"}
    # in their window: from the first alert day, and past the date until the date it protects
    expected = {
        (ident, kind, due) for ident, kind, due, stop in expected_milestones(with_stop=True)
        if due - dt.timedelta(days=FIRST_ALERT_DAYS[kind]) <= AS_OF <= stop
    }
    assert alerted == expected and expected
    overdue = {(p.agreement_id, p.milestone) for p in report.planned if p.kind == "alert" and p.due < AS_OF}
    assert overdue and {(a, k) for a, k, _ in expected if _ < AS_OF} == overdue
    escalated = {(p.agreement_id, p.milestone) for p in report.planned if p.kind == "escalation"}
    assert overdue <= escalated  # late already: straight to the procurement section too
    # nobody has installed the bot yet: every owner is reported unreachable, none skipped
    unreachable = {(p.agreement_id, p.milestone) for p in report.planned if p.kind == "unreachable"}
    assert unreachable == {(a, k) for a, k, _ in expected}
    # a dry run queues nothing
    assert scan(database, settings, AS_OF, dry_run=True).to_json()["new"] == report.to_json()["new"]


def test_cli_scan_overview_export_and_outbox_status(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    database = Database(url)
    database.migrate()
    synced(database)
    runner = CliRunner()
    env = {"INNKJOPSBOT_PROCUREMENT_CHANNEL_CONVERSATION_ID": "19:x@thread.tacv2",
           "INNKJOPSBOT_PROCUREMENT_CHANNEL_SERVICE_URL": "http://127.0.0.1:9/"}

    dry = runner.invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), "alerts", "scan", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "hvorfor:" in dry.output and "24. nov. 2026: ville lagt i køen:" in dry.output and "[KAN IKKE NÅS]" in dry.output
    assert re.search(r"^varsel\s+LK-\S+\s+(Opsjon|Ny konkurranse|Utløp)\s+\d{4}-\d\d-\d\d\s+til \S+@", dry.output, re.MULTILINE)
    english = runner.invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), "alerts", "scan", "--dry-run", "--lang", "en"], env=env)
    assert "why:" in english.output and "24 Nov 2026: would queue" in english.output and "[NOT REACHABLE]" in english.output
    assert re.search(r"^alert\s+LK-\S+\s+(Option|New competition|Expiry)\s+\d{4}-\d\d-\d\d\s+to \S+@", english.output, re.MULTILINE)

    done = runner.invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), "--json", "alerts", "scan"], env=env)
    payload = json.loads(done.output)
    assert payload["new"]["alert"] > 0 and payload["dry_run"] is False
    again = json.loads(runner.invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), "--json", "alerts", "scan"], env=env).output)
    combined = ("escalation", "channel_summary", "owner_digest")  # built from what is new; not planned again
    assert again["new"] == {} and again["already_queued"] == sum(1 for m in payload["messages"] if m["kind"] not in combined)

    status = runner.invoke(cli, ["--database", url, "--json", "outbox", "status"])
    counts = {(c["kind"], c["status"]): c["count"] for c in json.loads(status.output)["counts"]}
    # one message per owner: an owner with several deadlines gets them in one card (each recorded, merged)
    owners = {m["recipient"] for m in payload["messages"] if m["kind"] == "alert"}
    assert payload["out"]["owner_cards"] == payload["out"]["owners"] == len(owners) < payload["new"]["alert"]
    assert counts[("alert", "unreachable")] + counts[("alert", "merged")] == payload["new"]["alert"]
    assert counts[("owner_digest", "unreachable")] == payload["new"]["owner_digest"]
    # go-live: dozens of escalations and unreachable owners reach the channel as ONE card; each is
    # still recorded under its own key (merged) so that no later scan repeats it
    assert payload["new"]["channel_summary"] == 1 and counts[("channel_summary", "pending")] == 1
    assert counts[("unreachable", "merged")] == payload["new"]["unreachable"] > 5
    assert counts[("escalation", "merged")] == payload["new"]["escalation"]

    overview_out = runner.invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), "alerts", "overview", "--months", "3"])
    assert overview_out.exit_code == 0 and "2026-12" in overview_out.output
    assert overview_out.output.startswith("Frister per 24. nov. 2026 (de neste 3 månedene):") and "\nDesember 2026\n" in overview_out.output

    ics = tmp_path / "frister.ics"
    exported = runner.invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), "alerts", "export", "--format", "ics", "--out", str(ics)])
    assert exported.exit_code == 0, exported.output
    assert len(Calendar.from_ical(ics.read_bytes()).walk("VEVENT")) == len(expected_milestones())
    csv_out = runner.invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), "alerts", "export", "--format", "csv"])
    assert len(csv_out.output.strip().splitlines()) == len(expected_milestones()) + 1

    refused = runner.invoke(cli, ["--database", url, "alerts", "decide", "LK-NOPE", "option", "2026-12-31", "use_option", "--by", "a@b.no"])
    assert refused.exit_code == 1 and refused.output == "Feil: LK-NOPE option 2026-12-31: ingen slik frist for avtalen\n"
    database.dispose()
