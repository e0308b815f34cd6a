"""Announcements end to end through the outbox Sender and the fake Bot Connector enforcing
Teams' limits (scaled up for test speed; the same limits configured on both sides) and answering a
share of requests with 429 + Retry-After: corrected and withdrawn wherever delivered; the delivery
report per recipient. Delivery to thousands of recipients, exactly once each, is in `make bench
BENCH=announcements`."""

from __future__ import annotations

import csv
import io

from benchmarks.bench_announcements import add_recipients, drain, queue_announcement
from benchmarks.fake_connector import FakeConnector, Recorded
from bot.announcements import cards, service
from bot.db import Database, utcnow
from bot.outbox import Window

# Teams' limits times 20 (7/s → 140/s per conversation; 50/s → 1 000/s per app), enforced by both sides
CONVERSATION = (Window(140, 1.0), Window(1200, 30.0), Window(36000, 3600.0))
APP = (Window(1000, 1.0),)
ADMIN = service.Actor(name="innkjop@lorenskog.example")


async def test_correction_updates_every_delivered_card_and_withdraw_deletes_them(database: Database) -> None:
    async with FakeConnector(conversation_windows=CONVERSATION, app_windows=APP, throttle_share=0.05,
                                retry_after=0.05, seed=3) as fake:
        add_recipients(database, fake.url, 200)
        announcement, _ = queue_announcement(database, title="Kurs 3. desember", text="Grunnkurs kl. 09.")
        await drain(database, conversation_windows=CONVERSATION, app_windows=APP)

        with database.session() as session:
            queued = service.correct(session, announcement.id, actor=ADMIN, now=utcnow(), text="Grunnkurs kl. 10.",
                                     build_activity=cards.announcement_activity)
        assert queued == 200
        await drain(database, conversation_windows=CONVERSATION, app_windows=APP)
        assert fake.updates == 200
        for posts in fake.posts.values():
            assert len(posts) == 1  # updated in place, never sent again
        texts = {a["attachments"][0]["content"]["body"][2]["text"] for a in fake.current.values()}
        assert texts == {"Grunnkurs kl. 10."}

        with database.session() as session:
            assert service.withdraw(session, announcement.id, actor=ADMIN, now=utcnow()) == 200
            assert service.withdraw(session, announcement.id, actor=ADMIN, now=utcnow()) == 0
        await drain(database, conversation_windows=CONVERSATION, app_windows=APP)
        assert fake.deleted == set(fake.current)

    with database.session() as session:
        rep = service.report(session, announcement.id)
        actions = [row.action for row in service.admin_log(session)]
    assert rep.totals == {"sent": 200}
    assert {line.correction for line in rep.lines} == {"sent"} and {line.withdrawal for line in rep.lines} == {"sent"}
    assert actions[:2] == ["announcement.withdraw", "announcement.correct"]
    rows = list(csv.DictReader(io.StringIO(service.report_csv(rep).removeprefix("\ufeff")), delimiter=";"))
    assert len(rows) == 200 and rows[0]["status"] == "sent" and rows[0]["withdrawal"] == "sent"


def _script(request: Recorded, _n: int) -> tuple[int, dict[str, str], dict] | None:
    if request.conversation_id.endswith("00001"):  # the user blocked the bot
        return 403, {}, {"error": {"code": "ConversationBlockedByUser", "message": "blocked"}}
    if request.conversation_id.endswith("00002"):
        return 404, {}, {"error": {"code": "ConversationNotFound", "message": "not found"}}
    return None


async def test_report_shows_sent_blocked_failed_and_not_reachable(database: Database) -> None:
    async with FakeConnector(conversation_windows=CONVERSATION, app_windows=APP, script=_script) as fake:
        add_recipients(database, fake.url, 3)
        announcement, summary = queue_announcement(
            database, audience="emails:user00000@lorenskog.example,user00001@lorenskog.example,"
                               "user00002@lorenskog.example,ukjent@lorenskog.example")
        assert (summary.queued, summary.not_reachable) == (3, 1)
        await drain(database, conversation_windows=CONVERSATION, app_windows=APP)
    with database.session() as session:
        rep = service.report(session, announcement.id)
    by_email = {line.email: line.status for line in rep.lines}
    assert by_email == {
        "user00000@lorenskog.example": "sent", "user00001@lorenskog.example": "blocked",
        "user00002@lorenskog.example": "failed", "ukjent@lorenskog.example": "not_reachable",
    }
    unreachable = next(line for line in rep.lines if line.status == "not_reachable")
    assert "no conversation" in unreachable.detail
