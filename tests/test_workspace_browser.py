"""The workspace end to end in a real browser (Debian's Chromium, headless, driven over the DevTools
protocol by tests/helpers/browser.py, as the Playground test does): sign in with a test SSO token,
the overview with its charts, link a question to an agreement and see the next paraphrase answered
from it, compose and send an announcement to the fake Bot Connector and watch the report reach
"delivered", mark attendance; a non-member gets 403.

With INNKJOPSBOT_SCREENSHOTS=<dir> it saves a screenshot of each page there (`make screenshots`
renews docs/screenshots/ this way). Skipped, with the reason, where Chromium is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from sqlmodel import col, select

from agreements_sync.sync import sync_export
from benchmarks.bench_announcements import add_recipients, drain
from benchmarks.fake_connector import FakeConnector
from bot.conversation import store
from bot.conversation.turn import message_turn
from bot.courses import service as courses
from bot.courses.models import Enrolment
from bot.db import Database
from bot.services import User
from bot.workspace import stats
from tests.conftest import DEMO_REGISTER
from tests.helpers.auth import FakeTokenProvider, LocalOpenIdServer
from tests.helpers.bot_server import running_bot
from tests.helpers.browser import Page, chromium, open_page
from tests.test_workspace import AS_OF, EMPLOYEE_OID, SECTION_OID, sso_settings, sso_token

pytestmark = pytest.mark.skipif(chromium() is None, reason="no Chromium (apt install chromium) for the browser test")

# a need the register names nowhere (the bot answers "none"); the section teaches it the groceries agreement
QUESTION = "isbiter til sommerfesten"
PARAPHRASE = "Isbiter til sommerfesten?"
AGREEMENT = "LK-2023-090"
SHOTS = os.environ.get("INNKJOPSBOT_SCREENSHOTS", "")


def fill_history(database: Database) -> None:
    """Four weeks of answer counts (what the bot's turns record), so the charts have a shape."""
    kinds = [stats.AGREEMENT] * 6 + [stats.UNSURE] * 2 + [stats.NONE, stats.AUTHORITY, stats.UNKNOWN]
    with database.session() as session:
        for back in range(28):
            day = AS_OF - dt.timedelta(days=back)
            if day.weekday() >= 5:
                continue
            for n in range(8 + (back * 7) % 11):
                stats.count_answer(session, day, kinds[(n + back) % len(kinds)],
                                   [{"id": ["office_furniture", "cleaning_products", "paper_hygiene", "pest_control"][(n * 3 + back) % 4]}])


async def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(Path(SHOTS) / f"{name}.png")


async def go(page: Page, url: str, ready: str) -> None:
    await page.call("Page.navigate", url=url)
    await page.wait_for(f"document.readyState === 'complete' && location.href === {json.dumps(url)} && !!({ready})")


async def test_the_section_works_in_the_browser(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'workspace.db'}")
    database.migrate()
    sync_export(database.engine, DEMO_REGISTER, trigger="test", as_of=AS_OF)
    fill_history(database)
    now = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)
    with database.session() as session:
        course = courses.create_course(session, title="Grunnkurs i offentlige anskaffelser", now=now, place="Rådhuset, møterom Fjellhamar",
                                       starts_at=dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC), ends_at=dt.datetime(2026, 11, 20, 11, tzinfo=dt.UTC),
                                       capacity=2)
        for n, name in enumerate(["Ola Nordmann", "Kari Nordmann", "Per Hansen"]):
            courses.sign_up(session, course.id, User(aad_object_id=f"person-{n}", name=name, email=f"p{n}@lorenskog.example"), now)
    async with LocalOpenIdServer() as openid, FakeConnector() as fake:
        add_recipients(database, fake.url, 3)
        async with running_bot(database, sso_settings(openid.jwks_uri, public_base_url=""), as_of=AS_OF,
                               token_provider_factory=FakeTokenProvider) as bot:
            from bot.teams.server import SERVICES_KEY

            services = bot.app[SERVICES_KEY]
            employee = User(aad_object_id=EMPLOYEE_OID)
            for text in (QUESTION, QUESTION, "hvor kjøper vi droner?", "drone til oppmåling av tomter"):
                message_turn(services, employee, text, "conv-employee")
            with database.session() as session:
                store.record_feedback(session, helpful=False, query="toner til skriveren", kind="agreement")
            base = bot.base_url
            async with open_page(f"{base}/workspace/signin?next=/workspace") as page:
                await page.wait_for("document.getElementById('status') && document.getElementById('status').textContent.includes('Teams')")
                # a non-member: refused, and no session
                refused = await page.evaluate(
                    f"fetch('/workspace/session', {{method: 'POST', headers: {{'Content-Type': 'application/json'}}, "
                    f"body: JSON.stringify({{token: {json.dumps(sso_token(openid, oid=EMPLOYEE_OID))}}})}}).then(r => r.status)")
                assert refused == 403
                status = await page.evaluate(f"fetch('/workspace', {{headers: {{Authorization: 'Bearer {sso_token(openid, oid=EMPLOYEE_OID)}'}}}})"
                                             ".then(r => r.status)")
                assert status == 403
                # a member signs in with the token Teams would give (the sign-in page's own function)
                await page.evaluate(f"window.innkjopsbotSignIn({json.dumps(sso_token(openid, oid=SECTION_OID, email='kari@lorenskog.example'))})")
                await page.wait_for("location.pathname === '/workspace' && document.querySelectorAll('svg.chart rect[data-value]').length > 10")
                assert await page.evaluate("document.querySelector('.tile[data-kind=agreement] b').textContent") != "0"
                assert not await page.evaluate("!!document.querySelector('.banner')")  # signed in: no anonymous banner
                await shot(page, "overview")

                # questions to act on: link the ice cube question to the agreement
                await go(page, f"{base}/workspace/questions", "document.querySelector('[data-question]')")
                await shot(page, "questions")
                group = f"[data-question={json.dumps(QUESTION)}]"
                await page.evaluate(f"document.querySelector('{group} input[name=agreement_id]').value = '{AGREEMENT}'")
                await page.evaluate(f"document.querySelector('{group} button[value=linked]').click()")
                await page.wait_for(f"document.querySelector('.notice') && document.querySelector('.notice').textContent.includes('{AGREEMENT}')")
                answer = message_turn(services, employee, PARAPHRASE, "conv-employee-2")
                assert answer.kind == "agreement" and answer.data["ids"][0] == AGREEMENT and "taught" in answer.data["why"]

                await go(page, f"{base}/workspace/agreements", "document.querySelector('table')")
                await shot(page, "agreements")

                # an announcement: compose, preview with the number of recipients, send, watch it delivered
                await go(page, f"{base}/workspace/announcements/new", "document.querySelector('input[name=title]')")
                await page.evaluate("document.querySelector('input[name=title]').value = 'Nytt grunnkurs i desember';"
                                    "document.querySelector('textarea[name=text]').value = 'Meld deg på i Innkjøpsbot – få plasser igjen.';"
                                    "document.querySelector('form button').click()")
                await page.wait_for("!!document.querySelector('#recipient-count')")
                assert await page.evaluate("document.querySelector('#recipient-count').dataset.recipients") == "3"
                assert await page.evaluate("document.querySelector('.preview .title').textContent") == "Nytt grunnkurs i desember"
                await shot(page, "announcement-preview")
                await page.evaluate("document.querySelector('form[action$=\"/send\"] button').click()")
                await page.wait_for("!!document.querySelector('#announcement-status')")
                assert await page.evaluate("document.querySelector('.tile[data-status=pending] b').textContent") == "3"
                await drain(database)
                # the page refreshes itself while delivery is pending
                await page.wait_for("document.querySelector('.tile[data-status=sent] b') && "
                                    "document.querySelector('.tile[data-status=sent] b').textContent === '3'", timeout=30)
                assert len(fake.posts) == 3
                await shot(page, "announcement")

                # attendance after the course
                await go(page, f"{base}/workspace/courses/{course.id}", "document.querySelector('#attendance')")
                await page.evaluate("document.querySelector('input[name=attended]').checked = true;"
                                    "document.querySelector('#attendance button').click()")
                await page.wait_for("document.querySelector('.notice') && document.querySelector('.notice').textContent.includes('1')")
                assert await page.evaluate("document.querySelector('input[name=attended]').checked")
                await shot(page, "course")
                assert page.exceptions == []
    with database.session() as session:
        confirmed = session.exec(select(Enrolment).where(col(Enrolment.course_id) == course.id, col(Enrolment.status) == "confirmed")).all()
        assert sorted(bool(e.attended) for e in confirmed) == [False, True]
    database.dispose()
