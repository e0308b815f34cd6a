"""The procurement section's workspace (/workspace, the Teams tab) over real HTTP: Teams SSO tokens
checked against a local OpenID/JWKS endpoint, who may use it (403/401), CSRF-safe forms, every
page, teaching the search, announcements delivered to the fake Bot Connector, courses with
attendance, and the CSV files for Norwegian Excel. Both databases."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from benchmarks.bench_announcements import add_recipients, drain
from benchmarks.fake_connector import FakeConnector
from bot.conversation import store
from bot.conversation.turn import message_turn
from bot.courses import service as courses
from bot.db import Database
from bot.exports import csv_text
from bot.services import Services, User
from tests.helpers.agreements import seed_agreements
from tests.helpers.auth import FakeTokenProvider, LocalOpenIdServer, new_key
from tests.helpers.bot_server import RunningBot, bot_settings, running_bot

AS_OF = dt.date(2026, 11, 24)
APP_ID = "0b6f8a52-3c1d-4e8f-9a7b-2c4d6e8f0a1b"
TENANT = "7c1e2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b"
OTHER_TENANT = "11111111-2222-4333-8444-555555555555"
RESOURCE = f"api://innkjopsbot.lorenskog.example/{APP_ID}"
SECTION_EMAIL = "kari.innkjop@lorenskog.example"  # a member named by e-mail
SECTION_OID = "aaaaaaaa-0000-4000-8000-000000000001"  # a member named by Entra object id
EMPLOYEE_OID = "bbbbbbbb-0000-4000-8000-000000000002"


def sso_settings(jwks_url: str, **overrides: Any) -> Any:
    values: dict[str, Any] = {"app_id": APP_ID, "app_password": "test-secret", "app_tenant_id": TENANT, "sso_jwks_url": jwks_url,
                              "sso_app_id_uri": RESOURCE, "admin_emails": [SECTION_EMAIL], "admin_aad_ids": [SECTION_OID],
                              "public_base_url": "https://innkjopsbot.lorenskog.example"}
    return bot_settings(**{**values, **overrides})


def sso_token(server: LocalOpenIdServer, *, oid: str, email: str = "", audience: str = RESOURCE, tenant: str = TENANT,
              issuer: str | None = None, **kwargs: Any) -> str:
    claims = {"tid": tenant, "oid": oid, "name": "Test Person", "ver": "2.0"}
    if email:
        claims["preferred_username"] = email
    return server.mint(audience, issuer=issuer or f"https://login.microsoftonline.com/{tenant}/v2.0", extra=claims, **kwargs)


@pytest.fixture
async def openid() -> AsyncIterator[LocalOpenIdServer]:
    async with LocalOpenIdServer() as server:
        yield server


@pytest.fixture
async def section(database: Database, openid: LocalOpenIdServer) -> AsyncIterator[RunningBot]:
    seed_agreements(database)
    async with running_bot(database, sso_settings(openid.jwks_uri), as_of=AS_OF, token_provider_factory=FakeTokenProvider) as bot:
        yield bot


def auth_headers(token: str | None, cookie: str | None = None) -> dict[str, str]:
    if cookie:  # by hand: aiohttp's client keeps no cookies of an IP address like 127.0.0.1
        return {"Cookie": f"innkjopsbot_workspace={cookie}"}
    return {"Authorization": f"Bearer {token}"} if token else {}


async def get(bot: RunningBot, path: str, token: str | None = None, *, cookie: str | None = None,
              **kwargs: Any) -> tuple[int, str, aiohttp.ClientResponse]:
    headers = {"Accept": "text/html", **auth_headers(token, cookie)}
    async with bot.session.get(bot.base_url + path, headers=headers, allow_redirects=False, **kwargs) as response:
        return response.status, await response.text(), response


async def post(bot: RunningBot, path: str, data: dict[str, Any], token: str | None = None, *,
               cookie: str | None = None) -> tuple[int, str, str]:
    headers = auth_headers(token, cookie)
    async with bot.session.post(bot.base_url + path, data=data, headers=headers, allow_redirects=False) as response:
        return response.status, await response.text(), response.headers.get("Location", "")


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def read_csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith("\ufeff".encode()), "a CSV for Norwegian Excel starts with the UTF-8 byte-order mark"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


# --- who may use it -------------------------------------------------------------------------------


async def test_sso_tokens_are_checked_and_only_section_members_get_in(section: RunningBot, openid: LocalOpenIdServer) -> None:
    by_email = sso_token(openid, oid="cccccccc-0000-4000-8000-000000000003", email=SECTION_EMAIL.upper())
    by_oid = sso_token(openid, oid=SECTION_OID, email="someone.else@lorenskog.example")
    for token in (by_email, by_oid):
        status, page, _ = await get(section, "/workspace", token)
        assert status == 200, page
        assert "Slik går det med Innkjøpsboten" in page and "<svg" in page
        assert "ANONYM LOKAL MODUS" not in page

    employee = sso_token(openid, oid=EMPLOYEE_OID, email="ola.ansatt@lorenskog.example")
    status, page, _ = await get(section, "/workspace", employee)
    assert status == 403 and "bare for innkjøpsseksjonens medlemmer" in page
    status, _, _ = await get(section, "/workspace/announcements", employee)
    assert status == 403

    refused = {
        "no token": None,
        "forged (another key)": sso_token(openid, oid=SECTION_OID, key=new_key()),
        "for another app": sso_token(openid, oid=SECTION_OID, audience="api://evil.example/other"),
        "another tenant": sso_token(openid, oid=SECTION_OID, tenant=OTHER_TENANT),
        "issuer of another tenant": sso_token(openid, oid=SECTION_OID, issuer=f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"),
        "Bot Framework token": openid.mint(APP_ID, extra={"tid": TENANT, "oid": SECTION_OID}),
        "expired": sso_token(openid, oid=SECTION_OID, expires_in=-600),
        "no user": openid.mint(RESOURCE, issuer=f"https://login.microsoftonline.com/{TENANT}/v2.0", extra={"tid": TENANT}),
    }
    for why, token in refused.items():
        status, page, _ = await get(section, "/workspace/questions", token)
        assert status == 401, f"{why}: {status}"
    status, _, _ = await get(section, "/workspace/questions", "garbage")
    assert status == 401
    async with section.session.get(section.base_url + "/workspace/questions.csv", headers={"Accept": "text/csv"}) as response:
        assert response.status == 401 and "not signed in" in (await response.json())["error"]
    # a v1 token (sts.windows.net issuer, bare app id as audience) is fine too
    v1 = sso_token(openid, oid=SECTION_OID, audience=APP_ID, issuer=f"https://sts.windows.net/{TENANT}/")
    assert (await get(section, "/workspace", v1))[0] == 200


async def test_sign_in_gives_a_session_and_forms_need_its_csrf_token(section: RunningBot, openid: LocalOpenIdServer) -> None:
    status, page, _ = await get(section, "/workspace/signin?next=/workspace/courses")
    assert status == 200 and "microsoftTeams.authentication.getAuthToken" in page and 'data-next="/workspace/courses"' in page
    assert 'data-next="/workspace"' in (await get(section, "/workspace/signin?next=https://evil.example/"))[1]

    async with section.session.post(section.base_url + "/workspace/session",
                                    json={"token": sso_token(openid, oid=EMPLOYEE_OID, email="x@lorenskog.example")}) as response:
        assert response.status == 403 and "Set-Cookie" not in response.headers
    async with section.session.post(section.base_url + "/workspace/session", json={"token": "forged"}) as response:
        assert response.status == 401
    async with section.session.post(section.base_url + "/workspace/session", data=b"{not json") as response:
        assert response.status == 400

    async with section.session.post(section.base_url + "/workspace/session",
                                    json={"token": sso_token(openid, oid=SECTION_OID)}) as response:
        assert response.status == 200
        header = response.headers["Set-Cookie"]
        assert "HttpOnly" in header and "Path=/workspace" in header
        assert "SameSite=None" in header and "Secure" in header and "Partitioned" in header  # Teams shows the tab in an iframe
        cookie = response.cookies["innkjopsbot_workspace"].value
    status, page, _ = await get(section, "/workspace/courses/new", cookie=cookie)  # the cookie, no token
    assert status == 200
    form = {"title": "Innkjøp for ledere", "starts_at": "2026-12-10T09:00", "ends_at": "2026-12-10T11:00", "place": "Rådhuset",
            "capacity": "12"}
    assert (await post(section, "/workspace/courses", form, cookie=cookie))[0] == 403  # no CSRF token
    assert (await post(section, "/workspace/courses", {**form, "csrf": "wrong"}, cookie=cookie))[0] == 403
    status, _, location = await post(section, "/workspace/courses", {**form, "csrf": csrf_of(page)}, cookie=cookie)
    assert status == 303 and re.fullmatch(r"/workspace/courses/\d+\?notice=.+", location)
    assert (await get(section, location, cookie=cookie))[0] == 200

    assert (await get(section, "/workspace", cookie=cookie[:-3] + "xyz"))[0] == 401  # tampered
    assert (await get(section, "/workspace", cookie="e30." + cookie.split(".")[1]))[0] == 401  # another payload


async def test_anonymous_local_mode_is_loudly_marked(database: Database) -> None:
    seed_agreements(database)
    async with running_bot(database, as_of=AS_OF) as bot:
        status, page, _ = await get(bot, "/workspace")
        assert status == 200 and "ANONYM LOKAL MODUS" in page and 'role="alert"' in page
        status, page, response = await get(bot, "/workspace?locale=en-US")
        assert "ANONYMOUS LOCAL MODE" in page and "How the bot is doing" in page
        assert "innkjopsbot_locale=en-US" in response.headers["Set-Cookie"]
        async with bot.session.get(bot.base_url + "/workspace/questions", headers={"Cookie": "innkjopsbot_locale=en-US"}) as later:
            assert "Questions to act on" in await later.text()  # the language is remembered
        status, page, _ = await get(bot, "/workspace?locale=nn-NO")
        assert "ANONYM LOKAL MODUS" in page and "Spørsmål å følgje opp" in page
        status, page, _ = await get(bot, "/workspace/courses/new")
        # a form from another site has no token: refused even in anonymous mode
        assert (await post(bot, "/workspace/courses", {"title": "x"}))[0] == 403
        assert (await post(bot, "/workspace/courses", {"title": "x", "csrf": csrf_of(page)}))[0] == 400


# --- pages ------------------------------------------------------------------------------------------


def services_for(bot: RunningBot) -> Services:
    from bot.teams.server import SERVICES_KEY

    return bot.app[SERVICES_KEY]


async def test_overview_counts_every_question_by_kind_of_answer(section: RunningBot, openid: LocalOpenIdServer) -> None:
    services = services_for(section)
    user = User(aad_object_id=EMPLOYEE_OID)
    for question in ("har vi avtale på kontorstoler?", "toner til skriveren", "trenger ny sjefsstol", "kaffemaskin til pauserommet",
                     "hvem godkjenner kjøp av konsulenttjenester for 800 000 kr?"):
        message_turn(services, user, question, "conv-overview")
    with services.database.session() as session:
        rating = store.record_feedback(session, helpful=False, query="toner til skriveren", kind="agreement", agreement_ids=["RA-201"])
        rating.created_at = dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC)  # the tests' "today"
        session.add(rating)
    token = sso_token(openid, oid=SECTION_OID)
    status, page, _ = await get(section, "/workspace?days=7", token)
    assert status == 200
    tiles = dict(re.findall(r'data-kind="(\w+)"><b>(\d+)</b>', page))
    assert tiles == {"agreement": "2", "candidates": "1", "no_agreement": "1", "unknown": "0", "authority": "1", "other": "0",
                     "rated_down": "1"}
    assert page.count('<svg class="chart"') == 3  # per day, per week, fields
    assert 'data-kind="agreement" data-value="2"' in page  # today's bar
    assert "Frister uten beslutning" in page and "Eiere boten ikke når" in page
    assert "3 spørsmål venter på oppfølging" in page  # the unsure, the "no agreement" and the rated-down question


async def test_linking_a_question_teaches_the_search(section: RunningBot, openid: LocalOpenIdServer) -> None:
    services = services_for(section)
    user = User(aad_object_id=EMPLOYEE_OID)
    assert message_turn(services, user, "kaffemaskin til pauserommet", "c1").kind == "no_agreement"
    assert message_turn(services, user, "Kaffemaskin til pauserommet?", "c2").kind == "no_agreement"
    assert message_turn(services, user, "hvor kjøper jeg droner?", "c3").kind == "no_agreement"
    token = sso_token(openid, oid=SECTION_OID)
    status, page, _ = await get(section, "/workspace/questions", token)
    assert status == 200
    groups = re.findall(r'data-question="([^"]+)"', page)
    # one group for both spellings (named by the newest), most asked first
    assert groups == ["Kaffemaskin til pauserommet?", "hvor kjøper jeg droner?"]
    assert "(spurt 2×)" in page and "Boten svarte: ingen aktiv avtale" in page

    status, _, location = await post(section, "/workspace/questions/act",
                                     {"question": "Kaffemaskin til pauserommet?", "action": "linked", "agreement_id": "RA-201"}, token)
    assert status == 303 and "RA-201" in location
    answer = message_turn(services, user, "kaffemaskin til personalrommet", "c4")  # a paraphrase
    assert answer.kind == "agreement" and answer.data["ids"][0] == "RA-201" and "taught" in answer.data["why"]

    status, _, _ = await post(section, "/workspace/questions/act", {"question": "hvor kjøper jeg droner?", "action": "need",
                                                                    "note": "mange spør"}, token)
    assert status == 303
    page = (await get(section, "/workspace/questions", token))[1]
    assert re.findall(r'data-question="([^"]+)"', page) == [] and "Ingen spørsmål venter på oppfølging." in page
    assert "Knyttet til RA-201" in page and "Trenger avtale" in page
    page = (await get(section, "/workspace/needs", token))[1]
    assert "hvor kjøper jeg droner?" in page and "mange spør" in page
    status, body, _ = await get(section, "/workspace/needs.csv", token)
    async with section.session.get(section.base_url + "/workspace/needs.csv", headers={"Authorization": f"Bearer {token}"}) as response:
        rows = read_csv(await response.read())
    assert [r["question"] for r in rows] == ["hvor kjøper jeg droner?"] and re.fullmatch(r"2026-\d\d-\d\d \d\d:\d\d", rows[0]["marked_at"])

    for bad in ({"question": "x", "action": "linked", "agreement_id": "NO-SUCH"}, {"question": "x", "action": "explode"},
                {"question": "", "action": "none"}, {"question": "x", "action": "linked"}):
        status, page, _ = await post(section, "/workspace/questions/act", bad, token)
        assert status == 400, bad
        assert "Det gikk ikke" in page


async def test_agreements_page_shows_syncs_rejected_rows_history_and_the_timeline(database: Database, openid: LocalOpenIdServer,
                                                                                   tmp_path: Any) -> None:
    from agreements_sync.sync import sync_export
    from tests.conftest import DEMO_REGISTER

    sync_export(database.engine, DEMO_REGISTER, trigger="test", as_of=AS_OF)
    broken = tmp_path / "broken.csv"
    lines = DEMO_REGISTER.read_text(encoding="utf-8-sig").splitlines()
    broken.write_text("\n".join([*lines[:5], lines[5].replace("2026", "20x6", 1)]) + "\n", encoding="utf-8")
    rejected = sync_export(database.engine, broken, trigger="test", as_of=AS_OF)
    assert rejected.outcome == "rejected"
    async with running_bot(database, sso_settings(openid.jwks_uri), as_of=AS_OF, token_provider_factory=FakeTokenProvider) as bot:
        token = sso_token(openid, oid=SECTION_OID)
        status, page, _ = await get(bot, "/workspace/agreements", token)
        assert status == 200
        assert "Radfeil i siste avviste eksport" in page
        # the sync's trigger and outcome are the CLI's sync-history labels, in the reader's language, not keys
        assert '<span class="status-bad">avvist</span>' in page and "<td>avvist</td>" in page and "<td>oppdatert</td>" in page
        assert "rejected" not in page and "applied" not in page
        nynorsk = (await get(bot, "/workspace/agreements?locale=nn-NO", token))[1]
        assert '<span class="status-bad">avvist</span>' in nynorsk and "<td>oppdatert</td>" in nynorsk and "applied" not in nynorsk
        english = (await get(bot, "/workspace/agreements?locale=en-GB", token))[1]
        assert '<span class="status-bad">rejected</span>' in english and "<td>applied</td>" in english and "oppdatert" not in english
        page = (await get(bot, "/workspace/agreements?locale=nb-NO", token))[1]
        assert re.search(r"<td>6</td>", page), "the rejected row's line"
        assert 'data-status="' in page and "Tidslinje" in page
        status, page, _ = await get(bot, "/workspace/agreements/LK-2022-013", token)
        assert status == 200 and "Service og vedlikehold av heiser" in page and "Frister" in page
        assert (await get(bot, "/workspace/agreements/NO-SUCH-ID", token))[0] == 404
        async with bot.session.get(bot.base_url + "/workspace/timeline.csv", headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.headers["Content-Type"].startswith("text/csv")
            rows = read_csv(await response.read())
        assert rows and {"due", "agreement_id", "milestone", "status"} <= set(rows[0])


async def test_an_unreachable_recipients_reason_in_the_readers_language(section: RunningBot, openid: LocalOpenIdServer) -> None:
    from benchmarks.bench_announcements import queue_announcement

    announcement, summary = queue_announcement(services_for(section).database, audience="emails:ukjent@lorenskog.example")
    assert summary.not_reachable == 1
    token = sso_token(openid, oid=SECTION_OID)
    said = {"nb-NO": "ingen samtale å sende til (mottakeren har ingen lagret samtalereferanse)",
            "nn-NO": "inga samtale å sende til (mottakaren har ingen lagra samtalereferanse)",
            "en-GB": "no conversation to send to (the recipient has no stored conversation reference)"}
    for locale, text in said.items():
        status, page, _ = await get(section, f"/workspace/announcements/{announcement.id}?locale={locale}", token)
        assert status == 200 and f"<td>{text}</td>" in page
        assert not [other for other in said.values() if other != text and other in page]


async def test_announcement_preview_send_watch_correct_withdraw_and_export(section: RunningBot, openid: LocalOpenIdServer) -> None:
    services = services_for(section)
    token = sso_token(openid, oid=SECTION_OID, email="kari@lorenskog.example")
    async with FakeConnector() as fake:
        add_recipients(services.database, fake.url, 3)
        fields = {"title": "Nytt kurs i desember", "text": "Meld deg på grunnkurset!", "audience_kind": "all", "audience_value": "",
                  "send_at": ""}
        status, page, _ = await post(section, "/workspace/announcements/preview", fields, token)
        assert status == 200
        assert 'data-recipients="3"' in page and "3 mottakere får den. 0 kan ikke nås" in page
        assert '<div class="title">Nytt kurs i desember</div>' in page  # the card as Teams shows it
        request_key = re.search(r'name="request_key" value="([0-9a-f]+)"', page)
        assert request_key
        status, _, location = await post(section, "/workspace/announcements/send", {**fields, "request_key": request_key.group(1)}, token)
        assert status == 303
        # the same form posted twice (a double click) is one announcement
        assert (await post(section, "/workspace/announcements/send", {**fields, "request_key": request_key.group(1)}, token))[2] == location
        path = location.split("?")[0]
        page = (await get(section, path, token))[1]
        assert 'data-status="sent"' in page and '<meta http-equiv="refresh" content="5">' in page  # live while delivering
        # the audience in the reader's words, not its key ("all")
        assert "Mottakere: Alle som har boten" in page and ": all ·" not in page
        english = (await get(section, path + "?locale=en-GB", token))[1]
        assert "Audience: Everyone with the bot" in english
        assert re.search(r'data-status="pending"><b>3</b>', page)

        await drain(services.database)
        page = (await get(section, path, token))[1]
        assert re.search(r'data-status="sent"><b>3</b>', page) and "refresh" not in page
        assert len(fake.posts) == 3

        status, _, _ = await post(section, path + "/correct", {"title": "Nytt kurs i desember", "text": "Meld deg på innen fredag!"}, token)
        assert status == 303
        await drain(services.database)
        assert fake.updates == 3
        async with section.session.get(section.base_url + path + "/report.csv", headers={"Authorization": f"Bearer {token}"}) as response:
            rows = read_csv(await response.read())
        assert [r["status"] for r in rows] == ["sent"] * 3 and {r["correction"] for r in rows} == {"sent"}
        assert all(re.fullmatch(r"2026-\d\d-\d\d \d\d:\d\d", r["sent_at"]) or r["sent_at"][:4].isdigit() for r in rows)

        status, _, _ = await post(section, path + "/withdraw", {}, token)
        assert status == 303
        await drain(services.database)
        assert fake.deleted == set(fake.current)
        page = (await get(section, path, token))[1]
        assert 'data-status="withdrawn"' in page
        listing = (await get(section, "/workspace/announcements", token))[1]
        assert "Nytt kurs i desember" in listing and "Trukket tilbake" in listing
        assert "<td>Alle som har boten</td>" in listing and "<td>all</td>" not in listing

    # a bad audience or time is said plainly, and the form keeps what was written
    status, page, _ = await post(section, "/workspace/announcements/preview",
                                 {"title": "T", "text": "x", "audience_kind": "emails", "audience_value": "not-an-email", "send_at": ""}, token)
    assert status == 400 and "Rett opp dette" in page and 'value="not-an-email"' in page
    status, page, _ = await post(section, "/workspace/announcements/preview",
                                 {"title": "T", "text": "x", "audience_kind": "all", "send_at": "next tuesday"}, token)
    assert status == 400 and "next tuesday" in page
    status, page, _ = await post(section, "/workspace/announcements/preview",
                                 {"title": "T", "text": "x", "audience_kind": "all", "send_at": "2026-12-01T09:00"}, token)
    assert status == 200 and "Sendes 1. des. 2026 09:00." in page
    assert (await get(section, "/workspace/announcements/999", token))[0] == 404


# what the announcement, course and question code refuses, in the signed-in user's language (the locale)
REFUSALS = {
    "nb-NO": {"invalid": "Rett opp dette: ", "refused": "Det gikk ikke: ",
              "audience": "Ikke en e-postadresse: not-an-email", "title": "Tittelen er tom",
              "send_at": "Sendetidspunktet «next tuesday» er ikke et tidspunkt på formen 2026-12-01T09:00",
              "ends": "Kurset må slutte etter at det begynner", "starts": "Starttidspunktet «tomorrow» er ikke et tidspunkt",
              "capacity": "Antall plasser må være et helt tall", "question": "Ingen avtale med id «NO-SUCH» i indeksen"},
    "nn-NO": {"invalid": "Rett opp dette: ", "refused": "Det gjekk ikkje: ",
              "audience": "Ikkje ei e-postadresse: not-an-email", "title": "Tittelen er tom",
              "send_at": "Sendetidspunktet «next tuesday» er ikkje eit tidspunkt på forma 2026-12-01T09:00",
              "ends": "Kurset må slutte etter at det byrjar", "starts": "Starttidspunktet «tomorrow» er ikkje eit tidspunkt",
              "capacity": "Talet på plassar må vere eit heilt tal", "question": "Ingen avtale med id «NO-SUCH» i indeksen"},
    "en-US": {"invalid": "Please fix: ", "refused": "That did not work: ",
              "audience": "not an e-mail address: not-an-email", "title": "title is empty",
              "send_at": "send time &#x27;next tuesday&#x27; is not a time of the form 2026-12-01T09:00",
              "ends": "the course must end after it starts", "starts": "start &#x27;tomorrow&#x27; is not a time",
              "capacity": "the number of seats must be a whole number", "question": "no agreement with id &#x27;NO-SUCH&#x27; in the index"},
}


@pytest.mark.parametrize("locale", REFUSALS)
async def test_refusals_are_said_in_the_users_language(section: RunningBot, openid: LocalOpenIdServer, locale: str) -> None:
    said = REFUSALS[locale]
    others = [texts for other, texts in REFUSALS.items() if other != locale]
    token = sso_token(openid, oid=SECTION_OID)
    query = f"?locale={locale}"
    course = {"title": "Kurs", "starts_at": "2026-12-20T09:00", "ends_at": "2026-12-20T08:00", "place": "Rådhuset", "capacity": "2"}
    pages = {
        "audience": await post(section, "/workspace/announcements/preview" + query,
                               {"title": "", "text": "x", "audience_kind": "emails", "audience_value": "not-an-email"}, token),
        "send_at": await post(section, "/workspace/announcements/send" + query,
                              {"title": "T", "text": "x", "audience_kind": "all", "send_at": "next tuesday"}, token),
        "ends": await post(section, "/workspace/courses" + query, course, token),
        "starts": await post(section, "/workspace/courses" + query, {**course, "starts_at": "tomorrow"}, token),
        "capacity": await post(section, "/workspace/courses" + query,
                               {**course, "ends_at": "2026-12-20T11:00", "capacity": "many"}, token),
        "question": await post(section, "/workspace/questions/act" + query,
                               {"question": "x", "action": "linked", "agreement_id": "NO-SUCH"}, token),
    }
    for name, (status, page, _) in pages.items():
        assert status == 400, name
        frame = said["refused"] if name == "question" else said["invalid"]
        first = said["title"] + "; " if name == "audience" else ""  # every problem of the form, in one line
        assert frame + first + said[name] in page, (name, page[-800:])
        assert not any(texts[name] in page for texts in others if texts[name] != said[name]), name


async def test_courses_create_edit_participants_attendance_cancel_and_export(section: RunningBot, openid: LocalOpenIdServer) -> None:
    services = services_for(section)
    token = sso_token(openid, oid=SECTION_OID)
    form = {"title": "Grunnkurs i innkjøp", "description": "For nye ledere", "starts_at": "2026-11-20T09:00",
            "ends_at": "2026-11-20T11:00", "place": "Rådhuset, møterom 2", "capacity": "2"}
    status, _, location = await post(section, "/workspace/courses", form, token)
    assert status == 303
    course_id = int(location.split("?")[0].rsplit("/", 1)[1])
    now = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)
    with services.database.session() as session:
        for n in range(3):
            courses.sign_up(session, course_id, User(aad_object_id=f"user-{n}", name=f"Person {n}", email=f"p{n}@lorenskog.example"), now)
    status, page, _ = await get(section, f"/workspace/courses/{course_id}", token)
    assert status == 200 and "2 av 2 plasser tatt, 1 på venteliste" in page and "Venteliste #1" in page
    checkboxes = re.findall(r'name="attended" value="(\d+)"', page)
    assert len(checkboxes) == 2  # the course has started (as of 24 Nov): attendance for the confirmed

    status, _, _ = await post(section, f"/workspace/courses/{course_id}/attendance", {"attended": checkboxes[0]}, token)
    assert status == 303
    async with section.session.get(section.base_url + f"/workspace/courses/{course_id}/participants.csv",
                                   headers={"Authorization": f"Bearer {token}"}) as response:
        rows = read_csv(await response.read())
    assert [(r["name"], r["status"], r["attended"]) for r in rows] == [
        ("Person 0", "confirmed", "ja"), ("Person 1", "confirmed", "nei"), ("Person 2", "waiting", "")]
    assert rows[0]["starts_at"] == "2026-11-20 09:00"  # Oslo time, not UTC

    status, _, _ = await post(section, f"/workspace/courses/{course_id}/edit", {**form, "capacity": "3", "title": "Grunnkurs i innkjøp (2)"}, token)
    assert status == 303
    page = (await get(section, f"/workspace/courses/{course_id}", token))[1]
    assert "Grunnkurs i innkjøp (2)" in page and "2 av 3 plasser tatt, 1 på venteliste" in page  # after the start nobody moves up
    future = {**form, "starts_at": "2026-12-10T09:00", "ends_at": "2026-12-10T11:00", "capacity": "1"}
    location = (await post(section, "/workspace/courses", future, token))[2]
    later_id = int(location.split("?")[0].rsplit("/", 1)[1])
    with services.database.session() as session:
        for n in range(2):
            courses.sign_up(session, later_id, User(aad_object_id=f"later-{n}", name=f"Later {n}", email=f"l{n}@lorenskog.example"), now)
    assert (await post(section, f"/workspace/courses/{later_id}/edit", {**future, "capacity": "2"}, token))[0] == 303
    page = (await get(section, f"/workspace/courses/{later_id}", token))[1]
    assert "2 av 2 plasser tatt, 0 på venteliste" in page and 'name="attended"' not in page  # moved up; no attendance before the start
    status, page, _ = await post(section, f"/workspace/courses/{course_id}/edit", {**form, "ends_at": "2026-11-20T08:00"}, token)
    assert status == 400 and "Kurset må slutte etter at det begynner" in page
    status, page, _ = await post(section, "/workspace/courses", {**form, "starts_at": "tomorrow"}, token)
    assert status == 400 and "Starttidspunktet «tomorrow» er ikke et tidspunkt på formen 2026-12-01T09:00" in page

    status, _, location = await post(section, f"/workspace/courses/{course_id}/cancel", {}, token)
    assert status == 303 and "3" in location
    listing = (await get(section, "/workspace/courses", token))[1]
    assert "Grunnkurs i innkjøp (2)" in listing and "Avlyst" in listing
    assert (await get(section, "/workspace/courses/4242", token))[0] == 404


# --- CSV for Norwegian Excel ------------------------------------------------------------------------------


def test_csv_is_semicolon_separated_utf8_with_bom_and_oslo_times() -> None:
    text = csv_text(["når", "hva"], [[dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC), "=1+2"], [dt.datetime(2026, 12, 1, 10, 30), "Ærlig; ja"]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows == [["når", "hva"], ["2026-07-01 12:30", "'=1+2"], ["2026-12-01 11:30", "Ærlig; ja"]]  # summer and winter time
