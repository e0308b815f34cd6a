"""End to end over real HTTP: Teams-shaped activities posted to the running bot, replies caught by
a fake Bot Connector at the activity's serviceUrl (both on 127.0.0.1)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from benchmarks.fake_connector import FakeConnector
from bot.conversation.models import ConversationRef, Feedback, QuestionLog
from bot.db import Database
from conftest import AS_OF, make_test_database
from helpers import activities as A
from helpers.agreements import seed_agreements
from helpers.bot_server import RunningBot, bot_settings, running_bot

CARD = "application/vnd.microsoft.card.adaptive"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        fake.add_member(A.USER_ID, name="Kari Nordmann", email="Kari.Nordmann@lorenskog.kommune.no",
                        aad_object_id=A.USER_AAD)
        yield fake


@pytest.fixture
async def bot(database: Database) -> AsyncIterator[RunningBot]:
    seed_agreements(database)
    async with running_bot(database, bot_settings(max_body_bytes=64 * 1024), as_of=AS_OF) as running:
        yield running


@pytest.fixture
async def plain_bot(tmp_path) -> AsyncIterator[RunningBot]:
    """For request handling that involves no database behaviour: SQLite only."""
    database, drop = make_test_database("sqlite", tmp_path)
    seed_agreements(database)
    try:
        async with running_bot(database, bot_settings(max_body_bytes=64 * 1024), as_of=AS_OF) as running:
            yield running
    finally:
        drop()


def _refs(database: Database) -> list[ConversationRef]:
    with database.session() as session:
        return list(session.exec(select(ConversationRef)).all())


def _all_text(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)


async def test_install_in_personal_chat_welcomes_and_stores_the_reference(
    bot: RunningBot, connector: FakeConnector, database: Database
) -> None:
    status, _ = await bot.post(A.members_added(connector.url))
    assert status in (200, 202)
    [reply] = await connector.wait_for(1)
    assert reply.conversation_id == A.PERSONAL_CONVERSATION
    card = reply.card
    assert card is not None and card["version"] == "1.5" and "Kari" in reply.text
    assert len([a for a in card["actions"] if a["type"] == "Action.Submit"]) == 3  # three suggested questions
    assert card["fallbackText"] == reply.text

    [ref] = _refs(database)
    assert (ref.aad_object_id, ref.email, ref.tenant_id, ref.conversation_type) == (
        A.USER_AAD, "kari.nordmann@lorenskog.kommune.no", A.TENANT, "personal")
    assert ref.service_url == connector.url and ref.reference["conversation"]["id"] == A.PERSONAL_CONVERSATION
    assert ref.locale == "nb-NO" and ref.installed

    # the installationUpdate Teams sends alongside does not welcome a second time
    status, _ = await bot.post(A.installation_update("add", connector.url))
    assert status in (200, 202)
    assert len(connector.activities) == 1


async def test_install_in_a_team_welcomes_the_channel_and_uninstall_removes_it(
    bot: RunningBot, connector: FakeConnector, database: Database
) -> None:
    team = dict(conversation_id=A.TEAM_ID, conversation_type="channel", team_id=A.TEAM_ID)
    await bot.post(A.installation_update("add", connector.url, **team))
    [reply] = await connector.wait_for(1)
    assert "@Innkjøpsbot" in reply.text
    assert [(r.conversation_type, r.team_id) for r in _refs(database)] == [("channel", A.TEAM_ID)]
    status, _ = await bot.post(A.members_removed(connector.url, **team))
    assert status in (200, 202)
    assert _refs(database) == []


async def test_uninstall_of_the_personal_app_deletes_the_reference(
    bot: RunningBot, connector: FakeConnector, database: Database
) -> None:
    await bot.post(A.message("hjelp", connector.url))
    await connector.wait_for(1)
    assert len(_refs(database)) == 1
    await bot.post(A.installation_update("remove", connector.url))
    assert _refs(database) == []


async def test_english_locale_gets_the_english_welcome(plain_bot: RunningBot, connector: FakeConnector) -> None:
    await plain_bot.post(A.members_added(connector.url, locale="en-GB"))
    [reply] = await connector.wait_for(1)
    assert reply.text.startswith("Hi Kari")


async def test_help_message_is_answered_with_a_card_and_the_reference_is_stored_on_every_message(
    bot: RunningBot, connector: FakeConnector, database: Database
) -> None:
    status, _ = await bot.post(A.message("hjelp", connector.url))
    assert status in (200, 202)
    [reply] = await connector.wait_for(1)
    assert reply.operation == "reply" and reply.body["replyToId"]
    assert reply.attachments[0]["contentType"] == CARD
    assert "Dette kan jeg hjelpe med" in reply.text
    assert reply.headers.get("Authorization", "") in ("", "Bearer")  # anonymous: no outbound token
    [ref] = _refs(database)
    assert ref.email == "kari.nordmann@lorenskog.kommune.no"
    # the member lookup happens once; later messages reuse the stored e-mail
    await bot.post(A.message("help", connector.url))
    await connector.wait_for(2)
    assert len(connector.of("member")) == 1


async def test_member_lookup_failure_is_tolerated(bot: RunningBot, connector: FakeConnector, database: Database) -> None:
    connector.members.clear()  # GET …/members/{id} → 404
    await bot.post(A.message("hjelp", connector.url))
    await connector.wait_for(1)
    [ref] = _refs(database)
    assert ref.email == "" and ref.aad_object_id == A.USER_AAD


async def test_authority_question_and_amount_follow_up(bot: RunningBot, connector: FakeConnector) -> None:
    await bot.post(A.message("Hvem kan signere en kontrakt på 800 000 kr for konsulenttjenester?", connector.url))
    [first] = await connector.wait_for(1)
    await bot.post(A.message("og for 6 mill?", connector.url))
    second = (await connector.wait_for(2))[1]
    assert first.card is not None and second.card is not None
    assert "800 000" in first.text and ("6 000 000" in second.text or "6 mill" in second.text)
    feedback = [a for block in second.card["body"] if block.get("type") == "ActionSet" for a in block["actions"]
                if a.get("verb") == "feedback"]
    assert len(feedback) == 2


async def test_action_execute_feedback_updates_the_rated_card_in_place_and_is_stored(
    bot: RunningBot, connector: FakeConnector, database: Database
) -> None:
    await bot.post(A.message("har vi avtale på kontorstoler?", connector.url))
    [reply] = await connector.wait_for(1)
    [no] = [a for a in _actions(reply.card, "Action.Execute") if a["verb"] == "feedback" and a["data"]["helpful"] is False]
    status, body = await bot.post(A.execute("feedback", no["data"], connector.url))
    assert status == 200
    assert body["statusCode"] == 200 and body["type"] == CARD
    card = body["value"]
    # the rated card, as it was: same answer, the thanks in place of the question and its buttons
    assert [b for b in card["body"] if b.get("id") != "feedback-thanks"] == [
        b for b in reply.card["body"] if b.get("id") not in ("feedback-question", "feedback-actions")]
    assert "innkjøpsseksjonen" in card["body"][-1]["text"]
    assert not [a for a in _actions(card, "Action.Execute") if a["verb"] == "feedback"]  # rated once
    assert len(connector.activities) == 1  # acknowledged in place, no new message
    with database.session() as session:
        [fb] = session.exec(select(Feedback)).all()
        assert (fb.helpful, fb.query) == (False, "har vi avtale på kontorstoler?") and fb.agreement_ids
        assert [q.kind for q in session.exec(select(QuestionLog)).all()] == ["negative_feedback"]


async def test_feedback_on_a_card_the_bot_no_longer_remembers_keeps_the_card(
    bot: RunningBot, connector: FakeConnector, database: Database
) -> None:
    status, body = await bot.post(A.execute("feedback", {"helpful": True, "q": "toner", "kind": "agreement",
                                                         "ids": ["RA-101"], "card": "forgotten"}, connector.url))
    assert status == 200 and body["type"] == "application/vnd.microsoft.activity.message"
    assert body["value"] == "Takk for tilbakemeldingen!"
    with database.session() as session:
        assert [fb.helpful for fb in session.exec(select(Feedback)).all()] == [True]


def _actions(card: dict, action_type: str) -> list[dict]:
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == action_type:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


async def test_action_execute_category_lists_the_agreements_in_place(bot: RunningBot, connector: FakeConnector) -> None:
    status, body = await bot.post(A.execute("search.category", {"category": "Møbler"}, connector.url))
    assert status == 200 and body["type"] == CARD
    text = _all_text(body["value"])
    assert "Kontormøbler" in text and "Barnehagemøbler" in text and "Kinnarps AS" in text
    assert connector.activities == []  # an invoke answers in the HTTP response, not through the connector


async def test_action_submit_is_answered_as_a_new_message(bot: RunningBot, connector: FakeConnector) -> None:
    status, _ = await bot.post(A.submit({"verb": "search.category", "category": "Kontorrekvisita"}, connector.url))
    assert status in (200, 202)
    [reply] = await connector.wait_for(1)
    assert "Kontorrekvisita og toner" in reply.text and reply.card is not None


async def test_authority_clarify_submit_completes_the_question(bot: RunningBot, connector: FakeConnector) -> None:
    await bot.post(A.message("Jeg skal kjøpe nye stoler til personalrommet, hva må jeg gjøre?", connector.url))
    [ask] = await connector.wait_for(1)
    submits = [a for block in ask.card["body"] if block.get("type") == "ActionSet" for a in block["actions"]
               if (a.get("data") or {}).get("verb") == "authority.clarify" and "value" in a["data"]]
    assert submits, "the clarifying card offers value ranges"
    await bot.post(A.submit(submits[1]["data"], connector.url))
    answer = (await connector.wait_for(2))[1]
    assert "Omtrent hvor mye" not in answer.text  # answered, not asked again
    assert "signerer" in answer.text or "rammeavtale" in answer.text  # who signs, or rule 0 (an agreement covers it)


async def test_unknown_card_verb_gets_a_plain_answer(plain_bot: RunningBot, connector: FakeConnector) -> None:
    status, body = await plain_bot.post(A.execute("nobody.knows", {}, connector.url))
    assert status == 200 and body["type"] == CARD
    assert "knappen" in _all_text(body["value"])


async def test_unknown_invoke_is_refused_with_4xx(plain_bot: RunningBot, connector: FakeConnector) -> None:
    activity = A.execute("x", {}, connector.url)
    activity["name"] = "task/fetch"
    status, _ = await plain_bot.post(activity)
    assert 400 <= status < 500


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"{not json", 400),
        (b"[1, 2]", 400),
        (b'"text"', 400),
        (b"\xff\xfe", 400),
        (json.dumps({"type": "carrierPigeon", "conversation": {"id": "c"}, "serviceUrl": "https://x.example/"}).encode(), 400),
        (json.dumps({"type": "message", "text": "hei", "serviceUrl": "https://x.example/"}).encode(), 400),
        (json.dumps({"type": "message", "text": "hei", "conversation": {"id": "c"}}).encode(), 400),
        (json.dumps({"type": "message", "conversation": {"id": "c"}, "serviceUrl": "file:///etc/passwd"}).encode(), 400),
        (json.dumps({"type": "message", "conversation": {"id": "c"}, "serviceUrl": "https://x.example/", "from": 7}).encode(), 400),
        (b"{" + b'"pad": "' + b"x" * 70_000 + b'"}', 413),
    ],
)
async def test_bad_requests_get_a_clear_4xx_and_the_server_keeps_running(
    plain_bot: RunningBot, connector: FakeConnector, raw: bytes, status: int
) -> None:
    got, body = await plain_bot.post(None, raw=raw)
    assert got == status
    assert isinstance(body, dict) and body["error"]
    ok, _ = await plain_bot.post(A.message("hjelp", connector.url))
    assert ok in (200, 202)


async def test_connector_failure_does_not_crash_the_server(plain_bot: RunningBot, connector: FakeConnector) -> None:
    connector.respond_with(500, times=5)
    status, _ = await plain_bot.post(A.message("hjelp", connector.url))
    assert 200 <= status < 300
    status, text = await plain_bot.get("/metrics")
    assert 'innkjopsbot_errors_total{where="turn"}' in text


async def test_health_readiness_and_metrics(bot: RunningBot, connector: FakeConnector) -> None:
    assert (await bot.get("/healthz"))[0] == 200
    await bot.post(A.message("hjelp", connector.url))
    await connector.wait_for(1)
    status, text = await bot.get("/metrics")
    assert status == 200
    assert 'innkjopsbot_turns_total{type="message"} 1.0' in text
    assert 'innkjopsbot_answers_total{kind="help"} 1.0' in text
    assert "innkjopsbot_turn_seconds_bucket" in text


async def test_a_mention_in_a_channel_is_removed_before_answering(plain_bot: RunningBot, connector: FakeConnector) -> None:
    activity = A.message("<at>Innkjøpsbot</at> hjelp", connector.url, conversation_id="19:general@thread.tacv2",
                         conversation_type="channel", team_id=A.TEAM_ID)
    activity["entities"] = [{"type": "mention", "text": "<at>Innkjøpsbot</at>",
                             "mentioned": {"id": A.BOT_ID, "name": "Innkjøpsbot"}}]
    await plain_bot.post(activity)
    [reply] = await connector.wait_for(1)
    assert reply.text.startswith("Dette kan jeg hjelpe med")


@pytest.mark.parametrize("value", [None, "text", {"action": "not-an-object"}, {"action": {"type": "Action.Submit"}}])
async def test_malformed_card_action_invokes_get_4xx(plain_bot: RunningBot, connector: FakeConnector, value: object) -> None:
    activity = A.execute("feedback", {}, connector.url)
    activity["value"] = value
    status, _ = await plain_bot.post(activity)
    assert 400 <= status < 500


@pytest.mark.parametrize("value", ["text", {"parameters": "x"}])
async def test_malformed_compose_queries_get_400(plain_bot: RunningBot, connector: FakeConnector, value: object) -> None:
    activity = A.compose_query("stol", connector.url)
    activity["value"] = value
    status, _ = await plain_bot.post(activity)
    assert status == 400


async def test_compose_box_with_an_empty_query_gets_a_hint(plain_bot: RunningBot, connector: FakeConnector) -> None:
    for query in ("", None):
        status, body = await plain_bot.post(A.compose_query(query, connector.url))
        assert status == 200
        assert body["composeExtension"]["type"] == "message" and "kontorstol" in body["composeExtension"]["text"]


async def test_install_events_arriving_together_welcome_once_in_the_users_language(
    bot: RunningBot, connector: FakeConnector
) -> None:
    """Teams (and the Playground) send installationUpdate with the locale and conversationUpdate
    without it at the same time: exactly one welcome, in English for an English user."""
    import asyncio

    update = A.members_added(connector.url)
    del update["locale"]
    install = A.installation_update("add", connector.url, locale="en-US")
    del install["locale"]
    install["entities"] = [{"type": "clientInfo", "locale": "en-US"}]
    results = await asyncio.gather(bot.post(update), bot.post(install))
    assert all(status in (200, 202) for status, _ in results)
    await asyncio.sleep(0.2)
    assert len(connector.activities) == 1
    assert connector.activities[0].text.startswith("Hi Kari")


async def test_install_in_a_group_chat_welcomes_everyone(bot: RunningBot, connector: FakeConnector, database: Database) -> None:
    await bot.post(A.members_added(connector.url, conversation_id="19:groupchat@unq.gbl.spaces",
                                   conversation_type="groupChat"))
    [reply] = await connector.wait_for(1)
    assert "@Innkjøpsbot" in reply.text and "Kari" not in reply.text
    assert [r.conversation_type for r in _refs(database)] == ["groupChat"]


async def test_logs_are_json_lines_without_the_message_text(
    plain_bot: RunningBot, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from bot.logging import JsonFormatter

    secret = "lydbøker til hemmelig-prosjekt-4711"
    with caplog.at_level(logging.DEBUG):
        await plain_bot.post(A.message(secret, connector.url))
        await connector.wait_for(1)
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert all("hemmelig-prosjekt-4711" not in line for line in lines)
    turns = [json.loads(line) for line in lines if json.loads(line)["event"] == "turn"]
    assert turns and turns[0]["activity_type"] == "message" and turns[0]["status"] in (200, 202)
    assert turns[0]["user"] and turns[0]["user"] != A.USER_AAD  # a pseudonym, not the id


async def test_readiness_is_503_while_the_database_is_unreachable() -> None:
    unreachable = Database("postgresql://postgres@127.0.0.1:1/nowhere", connect_args={"connect_timeout": 2})
    try:
        async with running_bot(unreachable, bot_settings(), as_of=AS_OF) as running:
            status, text = await running.get("/readyz")
            assert status == 503 and json.loads(text)["database"] is False
            assert (await running.get("/healthz"))[0] == 200  # alive, just not ready
    finally:
        unreachable.dispose()
