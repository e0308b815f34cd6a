"""Courses in the conversation: the list card, sign-up/cancel from the card (Action.Execute),
the calendar invitation, move-up messages and the reminder through the outbox, the CLI."""

from __future__ import annotations

import asyncio
import base64
import csv
import datetime as dt
import io
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from sqlmodel import select

from bot.cli import cli
from bot.conversation.card_actions import ActionContext
from bot.conversation.store import ReferenceInfo, upsert_reference
from bot.courses import conversation, flow, jobs, service
from bot.db import Database
from bot.outbox import OutboxRow
from bot.services import Services, User
from bot.settings import load_settings

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
START = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)  # 09:00 in Oslo


def make_services(database: Database, now: dt.datetime = NOW) -> Services:
    settings = load_settings(database_url="sqlite:///unused.db", procurement_email="innkjop@lorenskog.example",
                             admin_emails=["admin@lorenskog.example"])
    services = Services(settings=settings, database=database, as_of=now.date())
    services.clock = lambda: now
    return services


def user(n: int, locale: str = "nb-NO") -> User:
    return User(aad_object_id=f"aad-{n}", name=f"Ansatt {n}", email=f"ansatt{n}@lorenskog.example", locale=locale)


def add_ref(database: Database, n: int, locale: str = "nb-NO") -> None:
    with database.session() as session:
        upsert_reference(session, ReferenceInfo(
            conversation_id=f"a:conv-{n}", service_url="https://smba.example/", aad_object_id=f"aad-{n}",
            email=f"ansatt{n}@lorenskog.example", name=f"Ansatt {n}", tenant_id="t", locale=locale,
        ))


@pytest.fixture
def course_ids(database: Database) -> list[int]:
    with database.session() as session:
        grunnkurs = service.create_course(
            session, title="Grunnkurs i innkjøpsregler", starts_at=START, ends_at=START + dt.timedelta(hours=3), now=NOW,
            place="Rådhuset, møterom Fjellhamar", capacity=1, signup_deadline=START - dt.timedelta(days=2),
            category="regelverk", description="Terskelverdier og fullmakter.",
        )
        ehandel = service.create_course(
            session, title="E-handel i praksis", starts_at=START + dt.timedelta(days=40),
            ends_at=START + dt.timedelta(days=40, hours=2), now=NOW,
            meeting_url="https://teams.microsoft.com/l/meetup-join/demo", capacity=50, category="ehandel",
        )
        return [grunnkurs.id, ehandel.id]


def _actions(card: dict) -> list[dict]:
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type", "").startswith("Action."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


@pytest.mark.parametrize("text", ["hvilke kurs kommer?", "kurs", "Upcoming courses", "Når er neste kurs?"])
def test_course_questions_get_the_list_card(database: Database, course_ids: list[int], text: str) -> None:
    answer = conversation.try_answer(make_services(database), user(1), text, {})
    assert answer is not None and answer.kind == "courses"
    assert answer.card["version"] == "1.5"
    signups = [a for a in _actions(answer.card) if a.get("verb") == "course.signup"]
    assert [a["data"]["course_id"] for a in signups] == course_ids
    assert all(a["type"] == "Action.Execute" for a in signups)
    assert "1 av 1 ledige" in str(answer.card) and "Grunnkurs i innkjøpsregler" in answer.text


@pytest.mark.parametrize("text", ["har vi avtale på kurs og konferanse?", "kontorstoler", "hvem godkjenner kjøp over 100 000?"])
def test_other_questions_are_left_to_other_areas(database: Database, course_ids: list[int], text: str) -> None:
    assert conversation.try_answer(make_services(database), user(1), text, {}) is None


def test_sign_up_by_text_confirms_and_carries_the_calendar_invitation(database: Database, course_ids: list[int]) -> None:
    answer = conversation.try_answer(make_services(database), user(1), "meld meg på grunnkurset i innkjøpsregler", {})
    assert answer is not None and answer.data["outcome"] == "confirmed"
    assert "Du er påmeldt «Grunnkurs i innkjøpsregler» 3. des. 2026 kl. 09:00–12:00" in answer.text
    download = [a for a in _actions(answer.card) if a["type"] == "Action.OpenUrl" and a["url"].startswith("data:text/calendar")]
    assert len(download) == 1
    ics_bytes = base64.b64decode(download[0]["url"].split(",", 1)[1])
    assert ics_bytes.decode() == answer.data["ics"]
    assert answer.data["attachments"][0]["contentType"] == "text/calendar"

    calendar = icalendar.Calendar.from_ical(ics_bytes)
    event = calendar.walk("VEVENT")[0]
    assert str(event["uid"]) == f"course-{course_ids[0]}@lorenskog.example"
    start = event.decoded("dtstart")
    assert start == START and str(start.tzinfo) == "Europe/Oslo" and start.hour == 9
    assert event.decoded("dtend") == START + dt.timedelta(hours=3)
    assert str(event["location"]) == "Rådhuset, møterom Fjellhamar"
    assert str(event["organizer"]) == "mailto:innkjop@lorenskog.example"
    assert event["organizer"].params["CN"] == "Innkjøpsseksjonen"
    assert str(event["attendee"]) == "mailto:ansatt1@lorenskog.example"
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Europe/Oslo"
    # the UID is stable: another invitation for the same course names the same event
    with database.session() as session:
        course = service.course_view(session, course_ids[0])
    again = icalendar.Calendar.from_ical(flow.course_ics(make_services(database), course))
    assert str(again.walk("VEVENT")[0]["uid"]) == str(event["uid"])


def test_teams_meeting_course_has_url_in_the_invitation(database: Database, course_ids: list[int]) -> None:
    services = make_services(database)
    with database.session() as session:
        course = service.course_view(session, course_ids[1])
    event = icalendar.Calendar.from_ical(flow.course_ics(services, course)).walk("VEVENT")[0]
    assert str(event["url"]) == "https://teams.microsoft.com/l/meetup-join/demo"
    assert str(event["location"]) == "Microsoft Teams"


def _press(services: Services, who: User, verb: str, course_id: int):
    handler = services.areas.card_action(verb)
    assert handler is not None
    ctx = ActionContext(services=services, user=who, verb=verb, data={"course_id": course_id})
    result = handler(ctx)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def test_card_buttons_sign_up_wait_cancel_and_move_up_with_a_message(database: Database, course_ids: list[int]) -> None:
    services = make_services(database)
    grunnkurs = course_ids[0]
    add_ref(database, 2)
    first = _press(services, user(1), "course.signup", grunnkurs)
    assert first.data["outcome"] == "confirmed"
    verbs = {(a.get("verb"), a.get("data", {}).get("course_id")) for a in _actions(first.card)}
    assert ("course.cancel", grunnkurs) in verbs and ("course.signup", grunnkurs) not in verbs

    second = _press(services, user(2), "course.signup", grunnkurs)
    assert second.data["outcome"] == "waiting" and second.data["waiting_number"] == 1
    assert "nr. 1 på ventelisten" in str(second.card)

    cancelled = _press(services, user(1), "course.cancel", grunnkurs)
    assert cancelled.data["outcome"] == "cancelled" and cancelled.data["moved_up"] == ["aad-2"]
    with database.session() as session:
        rows = session.exec(select(OutboxRow).where(OutboxRow.kind == "course")).all()
    assert len(rows) == 1
    message = rows[0]
    assert message.recipient == "ansatt2@lorenskog.example" and message.conversation_id == "a:conv-2"
    assert message.status == "pending"
    assert "du har fått plass" in message.activity["summary"]
    assert message.activity["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"


def test_moved_up_person_without_a_conversation_is_recorded_unreachable(database: Database, course_ids: list[int]) -> None:
    services = make_services(database)
    _press(services, user(1), "course.signup", course_ids[0])
    _press(services, user(3), "course.signup", course_ids[0])
    _press(services, user(1), "course.cancel", course_ids[0])
    with database.session() as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.kind == "course")).one()
    assert row.status == "unreachable" and row.recipient == "ansatt3@lorenskog.example"


def test_reminder_the_day_before_goes_once_to_confirmed_participants(database: Database, course_ids: list[int]) -> None:
    services = make_services(database)
    for n in (1, 2):
        add_ref(database, n)
    _press(services, user(1), "course.signup", course_ids[0])
    _press(services, user(2), "course.signup", course_ids[0])  # waiting: no reminder
    assert jobs.send_reminders(services)["queued"] == 0  # 2026-11-24: nothing tomorrow

    day_before = make_services(database, dt.datetime(2026, 12, 2, 7, 0, tzinfo=dt.UTC))
    summary = jobs.send_reminders(day_before)
    assert summary == {"date": "2026-12-03", "courses": 1, "queued": 1, "already_queued": 0}
    assert jobs.send_reminders(day_before)["already_queued"] == 1
    with database.session() as session:
        rows = session.exec(select(OutboxRow).where(OutboxRow.kind == "course_reminder")).all()
    assert [(r.recipient, r.idempotency_key) for r in rows] == [
        ("ansatt1@lorenskog.example", f"course:{course_ids[0]}:reminder:aad-1")
    ]
    assert "Påminnelse: «Grunnkurs i innkjøpsregler» er i morgen" in rows[0].activity["summary"]


def test_english_user_gets_english_texts(database: Database, course_ids: list[int]) -> None:
    answer = conversation.try_answer(make_services(database), user(5, "en-GB"), "sign me up for e-handel", {})
    assert answer is not None and answer.data["outcome"] == "confirmed"
    assert answer.text.startswith("You are signed up for “E-handel i praksis”")


def test_cli_add_list_attendees_export_and_ics(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    added = runner.invoke(cli, ["courses", "add", "--database", db, "--file", "knowledge/courses/demo-courses.yaml"])
    assert added.exit_code == 0, added.output
    assert "la til kurs 4: Lederes ansvar for innkjøp" in added.output
    listed = runner.invoke(cli, ["--as-of", "2026-11-24", "courses", "list", "--json", "--database", db])
    assert listed.exit_code == 0 and '"seats_left": 25' in listed.output

    database = Database(db)
    with database.session() as session:
        service.sign_up(session, 1, user(1), NOW)
    database.dispose()
    attendees = runner.invoke(cli, ["courses", "attendees", "1", "--database", db])
    assert attendees.output.startswith("Grunnkurs i innkjøpsregler: 1/25 påmeldt, 0 på venteliste\n")
    assert "  påmeldt    Ansatt 1 <ansatt1@lorenskog.example>" in attendees.output
    out = tmp_path / "kurs-1.csv"
    exported = runner.invoke(cli, ["courses", "export", "1", "--output", str(out), "--database", db])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert [(r["email"], r["status"]) for r in rows] == [("ansatt1@lorenskog.example", "confirmed")]
    ics_out = runner.invoke(cli, ["courses", "ics", "1", "--database", db])
    event = icalendar.Calendar.from_ical(ics_out.output.encode()).walk("VEVENT")[0]
    assert str(event["summary"]) == "Grunnkurs i innkjøpsregler"

    bad = runner.invoke(cli, ["courses", "add", "--database", db, "--title", "X", "--starts", "2026-12-03T09:00",
                              "--ends", "2026-12-03T08:00", "--place", "R"])
    assert bad.exit_code == 1 and bad.output == "Feil: kurs: Kurset må slutte etter at det begynner\n"
    missing = runner.invoke(cli, ["courses", "export", "99", "--database", db])
    assert missing.exit_code == 1 and "Feil: fant ikke kurs nummer 99" in missing.output


def test_cancelling_a_course_tells_everyone_signed_up_or_waiting(database: Database, course_ids: list[int]) -> None:
    services = make_services(database)
    add_ref(database, 1)
    _press(services, user(1), "course.signup", course_ids[0])
    _press(services, user(2), "course.signup", course_ids[0])
    view, queued = flow.cancel_course(services, course_ids[0], "cli:test")
    assert view.cancelled and queued == 2
    with database.session() as session:
        rows = session.exec(select(OutboxRow).where(OutboxRow.kind == "course").order_by(OutboxRow.id)).all()
    assert [(r.recipient, r.status) for r in rows] == [
        ("ansatt1@lorenskog.example", "pending"), ("ansatt2@lorenskog.example", "unreachable")]
    assert "er dessverre avlyst" in rows[0].activity["summary"]
    url = rows[0].activity["attachments"][0]["content"]["actions"][0]["url"]
    calendar = icalendar.Calendar.from_ical(base64.b64decode(url.split(",", 1)[1]))
    assert str(calendar["method"]) == "CANCEL" and str(calendar.walk("VEVENT")[0]["status"]) == "CANCELLED"
    assert _press(services, user(3), "course.signup", course_ids[0]).data["outcome"] == "course_cancelled"


async def test_calendar_link_over_https_with_a_public_address(database: Database, course_ids: list[int], aiohttp_client) -> None:
    from aiohttp import web

    from bot.courses.web import add_routes

    services = make_services(database)
    services.settings.public_base_url = "https://innkjopsbot.example/"
    answer = flow.sign_up_answer(services, user(1), course_ids[0])
    link = next(a["url"] for a in _actions(answer.card) if a["type"] == "Action.OpenUrl" and ".ics" in a["url"])
    assert link.startswith(f"https://innkjopsbot.example/courses/{course_ids[0]}.ics?t=")
    app = web.Application()
    add_routes(app, services)
    client = await aiohttp_client(app)
    response = await client.get(link.removeprefix("https://innkjopsbot.example"))
    assert response.status == 200 and response.content_type == "text/calendar"
    event = icalendar.Calendar.from_ical(await response.read()).walk("VEVENT")[0]
    assert str(event["uid"]) == f"course-{course_ids[0]}@lorenskog.example"
    assert (await client.get(f"/courses/{course_ids[0]}.ics?t=guess")).status == 404
    assert (await client.get(f"/courses/{course_ids[1]}.ics?t=" + link.rsplit("=", 1)[1])).status == 404


def test_procurement_section_sees_who_signed_up_on_the_card(database: Database, course_ids: list[int]) -> None:
    services = make_services(database)
    _press(services, user(1), "course.signup", course_ids[0])
    _press(services, user(2), "course.signup", course_ids[0])
    admin = User(aad_object_id="aad-admin", email="admin@lorenskog.example", name="Innkjøper")
    listing = conversation.try_answer(services, admin, "kurs", {})
    assert ("course.attendees", course_ids[0]) in {(a.get("verb"), a.get("data", {}).get("course_id")) for a in _actions(listing.card)}
    plain = conversation.try_answer(services, user(3), "kurs", {})
    assert "course.attendees" not in {a.get("verb") for a in _actions(plain.card)}

    shown = _press(services, admin, "course.attendees", course_ids[0])
    assert shown.data["attendees"] == ["ansatt1@lorenskog.example", "ansatt2@lorenskog.example"]
    assert "1 av 1 påmeldt, 1 på venteliste" in shown.text
    assert "venteliste nr. 1" in str(shown.card)
    refused = _press(services, user(3), "course.attendees", course_ids[0])
    assert "attendees" not in refused.data


def test_proactive_course_messages_speak_the_recipients_teams_language(database: Database, course_ids: list[int]) -> None:
    services = make_services(database)
    add_ref(database, 1, locale="en-GB")  # the Norwegian reminder: test_reminder_the_day_before_…
    _press(services, user(1, "en-GB"), "course.signup", course_ids[0])
    jobs.send_reminders(make_services(database, dt.datetime(2026, 12, 2, 7, 0, tzinfo=dt.UTC)))
    with database.session() as session:
        rows = session.exec(select(OutboxRow).where(OutboxRow.kind == "course_reminder")).all()
    [row] = rows
    assert row.recipient == "ansatt1@lorenskog.example"
    assert row.activity["summary"].startswith("Reminder: “Grunnkurs i innkjøpsregler” is tomorrow")
