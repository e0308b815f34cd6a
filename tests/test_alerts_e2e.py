"""End to end over real HTTP: the owner talks to the bot (reference stored), the scan queues an
alert, the outbox delivers it to the fake Bot Connector, the owner presses a button on the card
(an `adaptiveCard/action` invoke to the running bot) and the card comes back updated in place."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlmodel import select

from agreements_sync.models import Agreement
from benchmarks.fake_connector import FakeConnector
from bot.alerts.models import AlertDecision
from bot.alerts.scan import scan
from bot.db import Database
from bot.outbox import ConnectorClient, OutboxRow, Sender, Window
from helpers import activities as A
from helpers.bot_server import bot_settings, running_bot

OWNER = "kari.nordmann@lorenskog.kommune.no"


async def test_alert_card_round_trip(database: Database) -> None:
    with database.session() as session:
        session.add(Agreement(
            id="LK-E2E-1", title="Kontorstoler", end_date=dt.date(2027, 3, 31), final_end_date=dt.date(2029, 3, 31),
            options="1+1 år", owner_name="Kari Nordmann", owner_email=OWNER, annual_value=Decimal(300_000),
            cpv_codes=["39130000-2"], start_date=dt.date(2023, 1, 1),
        ))
    day = dt.date(2026, 11, 2)
    async with FakeConnector() as connector:
        connector.add_member(A.USER_ID, name="Kari Nordmann", email=OWNER, aad_object_id=A.USER_AAD)
        settings = bot_settings(procurement_channel_conversation_id="19:innkjop@thread.tacv2",
                                procurement_channel_service_url=connector.url)
        async with running_bot(database, settings, as_of=day) as bot:
            status, _ = await bot.post(A.message("hei", connector.url))  # the bot stores Kari's reference
            assert status in (200, 201, 202)
            await connector.wait_for(1)
            connector.requests.clear()

            report = scan(database, settings, day)
            assert {p.kind for p in report.new} == {"alert"}
            async with ConnectorClient() as client:
                await Sender(database, client, conversation_windows=(Window(100, 1.0),)).drain()
            (sent,) = connector.activities
            assert sent.conversation_id == A.PERSONAL_CONVERSATION
            card = sent.card
            assert card is not None and "LK-E2E-1" in card["body"][0]["text"]
            button = next(a for a in card["actions"] if a.get("verb") == "alert.use_option")

            with database.session() as session:  # Teams names the pressed card's message (replyToId)
                pressed = session.exec(select(OutboxRow)).one().sent_activity_id
            status, body = await bot.post(A.execute(button["verb"], button["data"], connector.url, reply_to=pressed))
            assert status == 200 and body["statusCode"] == 200
            updated = body["value"]
            assert "actions" not in updated
            assert "Opsjonen skal brukes" in json.dumps(updated, ensure_ascii=False)

    with database.session() as session:
        (decision,) = session.exec(select(AlertDecision))
        assert (decision.decision, decision.decided_by_name) == ("use_option", "Kari Nordmann")
        assert decision.decided_by_aad_id == A.USER_AAD
        row = session.exec(select(OutboxRow)).one()  # the pressed card is redrawn by the answer: no update queued
        assert row.status == "sent"
    # reminders stop: two weeks later nothing new for this milestone
    later = scan(database, settings, day + dt.timedelta(days=14))
    assert [p for p in later.new if p.milestone == "option"] == []
