"""Announcements: who may send, the Teams form → preview → send, audiences, scheduling, the CLI."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from bot.announcements import audience, jobs, service
from bot.announcements.audience import AudienceError, parse_audience, record_category_interest
from bot.announcements.models import Announcement
from bot.cli import cli
from bot.conversation.card_actions import ActionContext
from bot.conversation.store import ReferenceInfo, upsert_reference
from bot.courses import conversation
from bot.db import Database
from bot.outbox import OutboxRow
from bot.services import Services, User
from bot.settings import load_settings

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
ADMIN = User(aad_object_id="aad-admin", name="Innkjøper", email="admin@lorenskog.example")
ADMIN_BY_ID = User(aad_object_id="00000000-aaaa-bbbb-cccc-000000000001", name="Leder", email="leder@lorenskog.example")
EMPLOYEE = User(aad_object_id="aad-1", name="Ansatt 1", email="ansatt1@lorenskog.example")


def make_services(database: Database, now: dt.datetime = NOW) -> Services:
    settings = load_settings(database_url="sqlite:///unused.db", admin_emails=["Admin@lorenskog.example"],
                             admin_aad_ids=["00000000-AAAA-bbbb-cccc-000000000001"])
    services = Services(settings=settings, database=database, as_of=now.date())
    services.clock = lambda: now
    return services


def add_ref(database: Database, n: int, *, team_id: str = "", conversation_type: str = "personal",
            conversation_id: str | None = None) -> None:
    with database.session() as session:
        upsert_reference(session, ReferenceInfo(
            conversation_id=conversation_id or f"a:conv-{n}", service_url="https://smba.example/",
            aad_object_id=f"aad-{n}" if conversation_type != "channel" else "",
            email=f"ansatt{n}@lorenskog.example" if conversation_type != "channel" else "",
            name=f"Ansatt {n}", tenant_id="t", conversation_type=conversation_type, team_id=team_id,
        ))


def press(services: Services, who: User, verb: str, data: dict):
    handler = services.areas.card_action(verb)
    assert handler is not None, verb
    result = handler(ActionContext(services=services, user=who, verb=verb, data=data))
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def test_only_the_procurement_section_may_announce(database: Database) -> None:
    services = make_services(database)
    assert services.is_admin(ADMIN) and services.is_admin(ADMIN_BY_ID) and not services.is_admin(EMPLOYEE)
    refused = conversation.try_answer(services, EMPLOYEE, "ny kunngjøring", {})
    assert refused is not None and refused.kind == "refused"
    assert "Bare innkjøpsseksjonen" in refused.text
    fields = {"title": "Hei", "text": "Alle sammen", "audience": "all"}
    for verb in ("announce.preview", "announce.send", "announce.edit"):
        assert press(services, EMPLOYEE, verb, fields).kind == "refused"
    with database.session() as session:
        assert session.exec(select(Announcement)).all() == []
        assert service.admin_log(session) == []


def test_members_of_the_procurement_team_may_announce(database: Database) -> None:
    services = make_services(database)
    services.settings.procurement_team_id = "19:innkjop-team"
    member = User(aad_object_id="aad-7", email="ansatt7@lorenskog.example")
    assert press(services, member, "announce", {}).kind == "refused"
    add_ref(database, 7, team_id="19:innkjop-team", conversation_type="channel", conversation_id="19:innkjop@thread.tacv2")
    with database.session() as session:  # the bot met user 7 in the procurement team
        upsert_reference(session, ReferenceInfo(conversation_id="19:innkjop@thread.tacv2;messageid=5", service_url="https://s/",
                                                aad_object_id="aad-7", conversation_type="channel", team_id="19:innkjop-team"))
    assert press(services, member, "announce", {}).kind == "announce_form"
    assert press(services, EMPLOYEE, "announce", {}).kind == "refused"


def test_teams_form_preview_and_send(database: Database) -> None:
    services = make_services(database)
    for n in (1, 2, 3):
        add_ref(database, n)
    form = conversation.try_answer(services, ADMIN, "Ny kunngjøring", {})
    assert form is not None and form.kind == "announce_form"
    inputs = {item["id"] for item in form.card["body"] if item["type"].startswith("Input.")}
    assert inputs == {"title", "text", "audience", "audience_value", "send_at"}
    assert form.card["actions"][0]["verb"] == "announce.preview"

    typed = {"title": "Nytt kurs", "text": "Grunnkurs 3. desember", "audience": "emails",
             "audience_value": "ansatt1@lorenskog.example, ansatt2@lorenskog.example, borte@lorenskog.example"}
    preview = press(services, ADMIN, "announce.preview", typed)
    assert preview.kind == "announce_preview" and preview.data == {"recipients": 2, "not_reachable": 1}
    send, edit = preview.card["actions"]
    assert (send["verb"], edit["verb"]) == ("announce.send", "announce.edit")
    assert send["data"]["audience"].startswith("emails:ansatt1@lorenskog.example,ansatt2")

    edited = press(services, ADMIN, "announce.edit", edit["data"])
    assert edited.kind == "announce_form"
    assert next(i for i in edited.card["body"] if i.get("id") == "title")["value"] == "Nytt kurs"

    sent = press(services, ADMIN, "announce.send", send["data"])
    again = press(services, ADMIN, "announce.send", send["data"])  # a double click is one announcement
    assert sent.kind == "announce_sent" and again.data["announcement"]["id"] == sent.data["announcement"]["id"]
    with database.session() as session:
        rows = session.exec(select(OutboxRow).where(OutboxRow.kind == "announcement")).all()
        log = service.admin_log(session)
    assert sorted((r.recipient, r.status) for r in rows) == [
        ("ansatt1@lorenskog.example", "pending"), ("ansatt2@lorenskog.example", "pending"),
        ("borte@lorenskog.example", "unreachable"),
    ]
    assert [(e.action, e.actor) for e in log] == [("announcement.send", "admin@lorenskog.example"),
                                                   ("announcement.create", "admin@lorenskog.example")]
    card = rows[0].activity["attachments"][0]["content"]
    assert card["version"] == "1.5" and card["body"][1]["text"] == "Nytt kurs"


def test_preview_of_an_invalid_announcement_shows_the_form_with_the_problem(database: Database) -> None:
    """The problems are said in the user's language (each a message key with values)."""
    import dataclasses

    said = {"nb": ("Tittelen er tom", "Mottakerne «emails» trenger en verdi"),
            "nn": ("Tittelen er tom", "Mottakarane «emails» treng ein verdi"),
            "en": ("title is empty", "audience 'emails' needs a value")}
    for lang, (title, whom) in said.items():
        who = dataclasses.replace(ADMIN, language=lang)
        answer = press(make_services(database), who, "announce.preview", {"title": "", "text": "x", "audience": "emails"})
        assert answer.kind == "announce_form"
        assert title in str(answer.card) and whom in str(answer.card), lang


@pytest.mark.parametrize("spec, problem", [
    ("", "empty"), ("everyone", "unknown"), ("emails:", "needs a value"), ("emails:ikke-epost", "not an e-mail"),
    ("all:x", "takes no value"),
])
def test_audience_spec_errors(spec: str, problem: str) -> None:
    """English for logs (str), a key and values for people (translated where shown)."""
    with pytest.raises(AudienceError, match=problem) as raised:
        parse_audience(spec)
    assert raised.value.key.startswith("audience_")
    assert raised.value.text("nb") != raised.value.text("en") != raised.value.text("nn")


def test_audiences_all_team_channel_category(database: Database) -> None:
    for n in (1, 2, 3):
        add_ref(database, n)
    # user 1 and 4 were met in team T1 (user 4 never opened a personal chat); a channel of T1 is installed
    add_ref(database, 1, team_id="T1", conversation_type="channel", conversation_id="19:kanal@thread.tacv2")
    with database.session() as session:
        upsert_reference(session, ReferenceInfo(conversation_id="19:x@thread.tacv2;messageid=1", service_url="https://s/",
                                                aad_object_id="aad-1", conversation_type="channel", team_id="T1"))
        upsert_reference(session, ReferenceInfo(conversation_id="19:x@thread.tacv2;messageid=2", service_url="https://s/",
                                                aad_object_id="aad-4", conversation_type="channel", team_id="T1"))
        record_category_interest(session, User(aad_object_id="aad-2"), "IKT", NOW)
        record_category_interest(session, User(aad_object_id="aad-2"), "IKT", NOW)
        record_category_interest(session, User(aad_object_id="aad-3"), "Møbler", NOW)
        record_category_interest(session, User(aad_object_id=""), "IKT", NOW)  # unknown users are not recorded

        everyone = audience.resolve(session, parse_audience("all"))
        team = audience.resolve(session, parse_audience("team:T1"))
        channel = audience.resolve(session, parse_audience("channel:19:kanal@thread.tacv2"))
        no_channel = audience.resolve(session, parse_audience("channel:19:ukjent@thread.tacv2"))
        category = audience.resolve(session, parse_audience("category:ikt"))
        from bot.announcements.models import CategoryInterest

        interest = session.exec(select(CategoryInterest).where(CategoryInterest.aad_object_id == "aad-2")).one()
    assert interest.times_asked == 2
    assert sorted(r.aad_object_id for r in everyone) == ["aad-1", "aad-2", "aad-3"]
    assert [(r.aad_object_id, r.reachable) for r in team] == [("aad-1", True), ("aad-4", False)]
    assert len(channel) == 1 and channel[0].reachable and channel[0].key == "19:kanal@thread.tacv2"
    assert not no_channel[0].reachable and "not installed" in no_channel[0].reason
    assert [r.aad_object_id for r in category] == ["aad-2"]


def test_scheduled_announcement_goes_out_when_due_exactly_once(database: Database) -> None:
    add_ref(database, 1)
    services = make_services(database)
    with database.session() as session:
        announcement = service.create(session, title="Påminnelse", text="Frist i morgen", audience="all",
                                      actor=service.Actor("admin@lorenskog.example"), now=NOW,
                                      send_at=NOW + dt.timedelta(hours=2))
    assert jobs.send_due(services)["announcements"] == []
    later = make_services(database, NOW + dt.timedelta(hours=2))
    assert jobs.send_due(later) == {"announcements": [announcement.id], "recipients": 1, "not_reachable": 0}
    assert jobs.send_due(later)["announcements"] == []
    with database.session() as session:
        rows = session.exec(select(OutboxRow).where(OutboxRow.subject_id == str(announcement.id))).all()
        log = service.admin_log(session)
    assert len(rows) == 1 and log[0].actor == "scheduler" and log[0].action == "announcement.send"


def test_withdrawing_a_scheduled_announcement_cancels_it(database: Database) -> None:
    add_ref(database, 1)
    with database.session() as session:
        announcement = service.create(session, title="T", text="X", audience="all", actor=service.Actor("a"), now=NOW,
                                      send_at=NOW + dt.timedelta(days=1))
        assert service.withdraw(session, announcement.id, actor=service.Actor("a"), now=NOW) == 0
    assert jobs.send_due(make_services(database, NOW + dt.timedelta(days=2)))["announcements"] == []
    with database.session() as session:
        assert service.get(session, announcement.id).status == "cancelled"


def test_cli_send_from_file_report_correct_withdraw(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    database = Database(db)
    database.migrate()
    add_ref(database, 1)
    add_ref(database, 2)
    database.dispose()
    runner = CliRunner()
    spec = tmp_path / "announcement.yaml"
    spec.write_text("title: Nytt kurs\ntext: |\n  Grunnkurs 3. desember.\naudience: emails:ansatt1@lorenskog.example,x@y.no\n",
                    encoding="utf-8")
    sent = runner.invoke(cli, ["announce", "send", "--file", str(spec), "--database", db, "--actor", "kari@lorenskog.example"])
    assert sent.exit_code == 0, sent.output
    assert "kunngjøring 1 lagt i køen for 1 mottaker(e); 1 kan ikke nås" in sent.output
    out = tmp_path / "report.csv"
    report = runner.invoke(cli, ["announce", "report", "1", "--csv", str(out), "--database", db])
    assert report.exit_code == 0 and "kunngjøring 1 (Sendt): Nytt kurs\n  Nås ikke: 1, Venter: 1" in report.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert {(r["email"], r["status"]) for r in rows} == {("ansatt1@lorenskog.example", "pending"), ("x@y.no", "not_reachable")}

    corrected = runner.invoke(cli, ["announce", "correct", "1", "--text", "Grunnkurs 4. desember.", "--database", db])
    assert corrected.exit_code == 0 and "1 levert(e) kort blir oppdatert" in corrected.output
    withdrawn = runner.invoke(cli, ["announce", "withdraw", "1", "--database", db, "--lang", "en"])
    assert withdrawn.exit_code == 0 and "1 delivered card(s) will be deleted" in withdrawn.output
    missing = runner.invoke(cli, ["announce", "report", "99", "--database", db])
    assert missing.exit_code == 1 and "Feil: fant ikke kunngjøring nummer 99" in missing.output
    assert runner.invoke(cli, ["announce", "correct", "1", "--text", "x", "--database", db]).exit_code == 1

    later = runner.invoke(cli, ["announce", "send", "--title", "T", "--text", "X", "--at", "2030-01-01T09:00", "--database", db])
    assert "planlagt sendt 2030-01-01T08:00:00+00:00" in later.output
    log = runner.invoke(cli, ["announce", "log", "--database", db])
    assert "kari@lorenskog.example" in log.output and "announcement.withdraw" in log.output

    bad = tmp_path / "bad.yaml"
    bad.write_text("title: T\naudience: all\n", encoding="utf-8")
    refused = runner.invoke(cli, ["announce", "send", "--file", str(bad), "--database", db])
    assert refused.exit_code == 1 and "text" in refused.output
    assert runner.invoke(cli, ["announce", "send", "--title", "T", "--text", "X", "--audience", "emails:nope",
                               "--database", db]).exit_code == 1
