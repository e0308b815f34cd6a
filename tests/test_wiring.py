"""The seams between areas: an agreement answer feeds the 'asked about a category' audience, and
the server serves the course calendar invitation behind the card's button."""

from __future__ import annotations

import datetime as dt

from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot.announcements.audience import parse_audience, resolve
from bot.announcements.models import CategoryInterest
from bot.conversation.respond import respond
from bot.courses import service as courses
from bot.courses.web import ics_url
from bot.db import Database
from bot.services import Services, User
from bot.teams.server import create_app
from conftest import AS_OF
from helpers.agreements import seed_agreements
from helpers.bot_server import bot_settings


def test_an_agreement_answer_records_the_category_for_announcements(database: Database) -> None:
    seed_agreements(database)
    services = Services(settings=bot_settings(), database=database, as_of=AS_OF)
    kari = User(aad_object_id="aad-kari", name="Kari", locale="nb-NO")
    answer = respond(services, kari, "har vi avtale på kontorrekvisita?", {})
    assert answer.kind == "agreement"
    with database.session() as session:
        rows = session.exec(select(CategoryInterest)).all()
        assert [(r.aad_object_id, r.category) for r in rows] == [("aad-kari", "Kontorrekvisita")]
        # a user without an Entra id (the CLI) is not recorded
        respond(services, User(name="cli"), "har vi avtale på kontorrekvisita?", {})
        assert len(session.exec(select(CategoryInterest)).all()) == 1


def test_no_agreement_answer_records_nothing(database: Database) -> None:
    seed_agreements(database)
    services = Services(settings=bot_settings(), database=database, as_of=AS_OF)
    answer = respond(services, User(aad_object_id="aad-ola"), "kjøpe drone til teknisk drift", {})
    assert answer.kind != "agreement"
    with database.session() as session:
        assert session.exec(select(CategoryInterest)).all() == []
        assert resolve(session, parse_audience("category:Kontorrekvisita")) == []


async def test_the_server_serves_a_course_invitation_only_with_its_token(database: Database) -> None:
    settings = bot_settings(public_base_url="https://bot.example")
    services = Services(settings=settings, database=database, as_of=AS_OF)
    start = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)
    with database.session() as session:
        course = courses.create_course(
            session, title="Grunnkurs i innkjøpsregler", starts_at=start, ends_at=start + dt.timedelta(hours=3),
            now=dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC), place="Rådhuset", capacity=10,
            signup_deadline=start - dt.timedelta(days=2), created_by="innkjop@lorenskog.example",
        )
    url = ics_url(settings, course.id)
    assert url is not None and url.startswith("https://bot.example/courses/")
    path = url[len("https://bot.example"):]
    async with TestClient(TestServer(create_app(settings, services=services, with_scheduler=False))) as client:
        good = await client.get(path)
        assert good.status == 200
        body = await good.text()
        assert "BEGIN:VCALENDAR" in body and "Grunnkurs i innkjøpsregler" in body
        forged = await client.get(path.split("?")[0] + "?t=forged")
        assert forged.status == 404
