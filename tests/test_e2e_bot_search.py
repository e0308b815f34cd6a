"""Agreement questions end to end: the reference register synced, questions posted to the running
bot, cards at the fake Bot Connector; follow-ups; the compose-box search; the "no agreement" log."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from agreements_sync.sync import sync_export
from benchmarks.fake_connector import FakeConnector
from bot.conversation.models import QuestionLog
from bot.db import Database
from conftest import AS_OF
from helpers import activities as A
from helpers.bot_server import RunningBot, bot_settings, running_bot

CARD = "application/vnd.microsoft.card.adaptive"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        yield fake


@pytest.fixture
async def bot(database: Database, reference_register) -> AsyncIterator[RunningBot]:
    sync_export(database.engine, reference_register, as_of=AS_OF, trigger="test")
    async with running_bot(database, bot_settings(), as_of=AS_OF) as running:
        yield running


def _ids(answer_data: dict) -> list[str]:
    return [h["id"] for h in answer_data.get("hits", [])]


async def test_an_agreement_question_gets_the_agreement_card_with_feedback_and_category(
    bot: RunningBot, connector: FakeConnector
) -> None:
    status, _ = await bot.post(A.message("har vi avtale på kontorstoler?", connector.url))
    assert status in (200, 202)
    [reply] = await connector.wait_for(1)
    card = reply.card
    assert card is not None and card["version"] == "1.5" and card["fallbackText"]
    assert "Kontormøbler" in reply.text
    verbs = json.dumps(card, ensure_ascii=False)
    assert '"verb": "feedback"' in verbs and "search.category" in verbs


async def test_a_short_follow_up_refines_the_previous_search(bot: RunningBot, connector: FakeConnector) -> None:
    await bot.post(A.message("møbler", connector.url))
    await connector.wait_for(1)
    await bot.post(A.message("til barnehagen", connector.url))
    second = (await connector.wait_for(2))[1]
    assert "Barnehagemøbler" in second.text.split("\n")[0] or "Barnehagemøbler" in second.text[:300]


async def test_follow_ups_are_per_conversation(bot: RunningBot, connector: FakeConnector) -> None:
    await bot.post(A.message("møbler", connector.url))
    await connector.wait_for(1)
    # another user's conversation has no previous search: "til barnehagen" is a question of its own
    await bot.post(A.message("til barnehagen", connector.url, conversation_id="a:other", user_aad="other-aad",
                             user_id="29:other"))
    second = (await connector.wait_for(2))[1]
    assert second.conversation_id == "a:other"


async def test_no_agreement_answers_are_logged_for_the_procurement_section(
    bot: RunningBot, connector: FakeConnector, database: Database
) -> None:
    await bot.post(A.message("blomster til begravelse", connector.url))
    [reply] = await connector.wait_for(1)
    assert reply.card is not None
    with database.session() as session:
        logged = session.exec(select(QuestionLog)).all()
    assert [(q.text, q.kind) for q in logged] == [("blomster til begravelse", "no_agreement")]


async def test_compose_box_search_returns_agreement_cards_with_previews(bot: RunningBot, connector: FakeConnector) -> None:
    status, body = await bot.post(A.compose_query("kontorstol", connector.url))
    assert status == 200
    result = body["composeExtension"]
    assert result["type"] == "result" and result["attachmentLayout"] == "list"
    first = result["attachments"][0]
    assert first["contentType"] == CARD and first["content"]["version"] == "1.5"
    assert first["preview"]["contentType"] == "application/vnd.microsoft.card.thumbnail"
    assert "Kontormøbler" in first["preview"]["content"]["title"]
    assert connector.requests == []  # answered in the HTTP response, nothing through the connector


async def test_compose_box_results_insert_their_card_without_a_tap_round_trip(
    bot: RunningBot, connector: FakeConnector
) -> None:
    """A preview with a tap makes the Playground show "Unable to reach app"; Teams inserts the card as it is."""
    status, body = await bot.post(A.compose_query("kontorstol", connector.url))
    assert status == 200
    assert all("tap" not in a["preview"]["content"] for a in body["composeExtension"]["attachments"])


async def test_readiness_turns_ready_once_the_index_is_loaded(bot: RunningBot, connector: FakeConnector) -> None:
    await bot.post(A.message("kontorstol", connector.url))
    await connector.wait_for(1)
    import asyncio

    for _ in range(50):
        status, text = await bot.get("/readyz")
        if status == 200:
            break
        await asyncio.sleep(0.1)
    assert status == 200 and json.loads(text)["search_index"] is True


async def test_two_instances_share_the_conversation_through_the_database(
    bot: RunningBot, database: Database, connector: FakeConnector
) -> None:
    """A follow-up may reach another server instance: the state is in the database, not in memory."""
    await bot.post(A.message("møbler", connector.url))
    await connector.wait_for(1)
    async with running_bot(database, bot_settings(), as_of=AS_OF) as other:
        await other.post(A.message("til barnehagen", connector.url))
        second = (await connector.wait_for(2))[1]
    assert "Barnehagemøbler" in second.text[:300]


def _submits(card: dict, verb: str) -> list[dict]:
    return _buttons(card, "Action.Submit", verb)


def _buttons(card: dict, action_type: str, verb: str) -> list[dict]:
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == action_type and (node.get("verb") or (node.get("data") or {}).get("verb")) == verb:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def test_the_cards_buttons_work_feedback_and_what_now(
    bot: RunningBot, connector: FakeConnector, database: Database
) -> None:
    """The buttons of the no-agreement card, pressed: "not helpful" is stored and logged, "what do
    I do now?" answers with the procedure (authority)."""
    await bot.post(A.message("blomster til begravelse", connector.url))
    [reply] = await connector.wait_for(1)
    [no] = [b for b in _buttons(reply.card, "Action.Execute", "feedback") if b["data"]["helpful"] is False]
    status, body = await bot.post(A.execute("feedback", no["data"], connector.url))
    assert status == 200 and "Takk" in body["value"]["body"][-1]["text"]  # in place, on the rated card
    with database.session() as session:
        kinds = sorted(q.kind for q in session.exec(select(QuestionLog)).all())
    assert kinds == ["negative_feedback", "no_agreement"]

    [what_now] = _submits(reply.card, "authority.start")
    await bot.post(A.submit(what_now["data"], connector.url))
    answer = (await connector.wait_for(2))[1]
    assert answer.card is not None and "Takk" not in answer.text  # the procedure, not another thanks
