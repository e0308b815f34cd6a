"""Hostile activities (issue 13): what a Teams activity may carry is bounded at the edge.

- card-action data (`value`, a button's `data`) is bounded in one place
  (bot.conversation.card_actions.bounded_data): a 50 KB question is cut at 1 000 characters like
  chat text and answered; odd types (lists, numbers, nested objects, null) get the "I no longer
  recognise this button" answer, never an internal error;
- odd `channelData` (a list, a number, a team that is a list) is tolerated;
- ids longer than their columns are refused with 400 naming the field, names are cut: nothing
  fails on PostgreSQL;
- `GET /courses/<5000 digits>.ics` is 404, not 500.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import select

from agreements_sync.limits import MAX_ACTION_ITEMS, MAX_ACTION_TEXT_CHARS, MAX_NAME_CHARS, MAX_QUESTION_CHARS
from benchmarks.fake_connector import FakeConnector
from bot.conversation import payloads
from bot.conversation.card_actions import bounded_data
from bot.conversation.models import ConversationRef, ConversationState
from bot.db import Database
from conftest import AS_OF
from helpers import activities as A
from helpers.agreements import seed_agreements
from helpers.bot_server import RunningBot, bot_settings, running_bot

CARD = "application/vnd.microsoft.card.adaptive"
UNRECOGNISED = "Denne knappen kjenner jeg ikke igjen lenger"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        yield fake


@pytest.fixture
async def bot(database: Database) -> AsyncIterator[RunningBot]:
    seed_agreements(database)
    async with running_bot(database, bot_settings(), as_of=AS_OF) as running:
        yield running


async def _errors(bot: RunningBot) -> float:
    _, text = await bot.get("/metrics")
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("innkjopsbot_errors_total{"))


def _state(database: Database) -> dict[str, Any]:
    with database.session() as session:
        row = session.get(ConversationState, A.PERSONAL_CONVERSATION)
        return dict(row.data) if row else {}


# --- card-action data ------------------------------------------------------------------------------


def test_card_action_data_is_bounded_in_one_place() -> None:
    data = bounded_data({"question": "x" * 50_000, "list": list(range(1000)), "deep": {"a": {"b": {"c": {"d": {"e": 1}}}}},
                         "huge": 10**30, "n": 3, "f": 1.5, "none": None})
    assert len(data["question"]) == MAX_ACTION_TEXT_CHARS
    assert len(data["list"]) == MAX_ACTION_ITEMS
    assert data["deep"] == {"a": {"b": {"c": None}}}
    assert (data["huge"], data["n"], data["f"], data["none"]) == (None, 3, 1.5, None)
    assert bounded_data([1, 2]) == {} and bounded_data(None) == {} and bounded_data("text") == {}
    many = bounded_data({str(i): i for i in range(500)})
    assert len(many) == MAX_ACTION_ITEMS


def test_a_question_in_a_button_is_cut_like_chat_text_and_odd_types_do_not_fit() -> None:
    start = payloads.parse(payloads.AuthorityStart, bounded_data({"question": "  kjøpe møbler " + "x" * 50_000}))
    assert start is not None and len(start.question) == MAX_QUESTION_CHARS and start.question.startswith("kjøpe møbler")
    for odd in (5, [1, 2], None, {"a": {"b": [1]}}, True, ""):
        assert payloads.parse(payloads.AuthorityStart, bounded_data({"question": odd})) is None


async def test_a_50_kb_question_in_authority_start_is_answered_as_its_first_1000_characters(
    bot: RunningBot, connector: FakeConnector, database: Database
) -> None:
    question = "Vi skal kjøpe møbler for 350 000 kr, hvem gjør hva? " + "møbler " * 7_000  # ~50 KB
    status, body = await bot.post(A.execute("authority.start", {"question": question}, connector.url))
    assert status == 200 and body["type"] == CARD
    assert "350 000" in json.dumps(body["value"], ensure_ascii=False)
    state = _state(database)
    assert state["authority_question"] == question[:MAX_QUESTION_CHARS].strip()
    # the same through Action.Submit (a new message)
    status, _ = await bot.post(A.submit({"verb": "authority.start", "question": question}, connector.url))
    assert 200 <= status < 300
    [reply] = await connector.wait_for(1)
    assert "350 000" in reply.text
    assert await _errors(bot) == 0


ODD = [5, [1, 2], None, {"a": {"b": [1, {"c": None}]}}, 10**30, "9" * 5000, True, 1.5]


async def test_odd_types_in_card_action_data_get_a_clear_answer(bot: RunningBot, connector: FakeConnector) -> None:
    for odd in ODD:
        await _odd_card_actions(bot, connector, odd)
    assert await _errors(bot) == 0


async def _odd_card_actions(bot: RunningBot, connector: FakeConnector, odd: Any) -> None:
    for verb, field in [("authority.start", "question"), ("ask", "q"), ("search.query", "q"), ("feedback", "helpful"),
                        ("authority.clarify", "value"), ("search.category", "category")]:
        status, body = await bot.post(A.execute(verb, {field: odd}, connector.url))
        assert status == 200, (verb, body)
        # 5 000 digits is a question (without an amount: 15 digits at most); True is a rating
        if not isinstance(odd, str) and not (verb == "feedback" and isinstance(odd, bool)):
            assert body["type"] == CARD, (verb, body)
            assert UNRECOGNISED in json.dumps(body["value"], ensure_ascii=False), verb
    for verb, data in [("course.signup", {"course_id": odd}), ("course.cancel", {"course_id": odd}),
                       ("alert.snooze", {"agreement_id": odd, "milestone": odd, "due": odd}),
                       ("announce.preview", {"title": odd, "text": odd}), ("search.pick", {"query": odd, "id": odd})]:
        status, body = await bot.post(A.execute(verb, data, connector.url))
        assert status == 200, (verb, body)
    # the whole value, or the button's data, of another type
    for value in (odd, {"action": {"type": "Action.Execute", "verb": "ask", "data": odd}}):
        activity = A.execute("ask", {}, connector.url)
        activity["value"] = value
        status, _ = await bot.post(activity)
        assert status < 500
    activity = A.submit({}, connector.url)
    activity["value"] = odd
    status, _ = await bot.post(activity)
    assert status < 500


@pytest.mark.parametrize("channel_data", [[1, 2], 5, None, "text", {"team": [1], "tenant": "x"},
                                          {"team": {"id": {"x": 1}}, "tenant": {"id": [1]}}, {"team": None}])
async def test_odd_channel_data_is_tolerated(plain_bot_and_connector: tuple[RunningBot, FakeConnector],
                                             channel_data: Any) -> None:
    bot, connector = plain_bot_and_connector
    activity = A.message("hjelp", connector.url)
    activity["channelData"] = channel_data
    status, _ = await bot.post(activity)
    assert 200 <= status < 300
    [reply] = await connector.wait_for(1)
    assert reply.text.startswith("Dette kan jeg hjelpe med")
    removed = A.members_added(connector.url)
    removed["membersRemoved"] = removed.pop("membersAdded")
    removed["channelData"] = channel_data
    assert 200 <= (await bot.post(removed))[0] < 300
    assert await _errors(bot) == 0


@pytest.fixture
async def plain_bot_and_connector(tmp_path) -> AsyncIterator[tuple[RunningBot, FakeConnector]]:  # type: ignore[no-untyped-def]
    from conftest import make_test_database

    database, drop = make_test_database("sqlite", tmp_path)
    seed_agreements(database)
    try:
        async with FakeConnector() as fake, running_bot(database, bot_settings(), as_of=AS_OF) as running:
            yield running, fake
    finally:
        drop()


# --- long names and ids ----------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "kwargs"), [
    ("conversation.id", {"conversation_id": "c" * 10_000}),
    ("from.aadObjectId", {"user_aad": "a" * 10_000}),
    ("from.id", {"user_id": "u" * 10_000}),
    ("channelData.team.id", {"team_id": "t" * 10_000, "conversation_type": "channel"}),
])
async def test_an_id_longer_than_its_column_is_refused_with_400_naming_it(
    bot: RunningBot, connector: FakeConnector, database: Database, field: str, kwargs: dict[str, Any]
) -> None:
    status, body = await bot.post(A.message("hjelp", connector.url, **kwargs))
    assert status == 400 and field in body["error"]
    assert (await bot.post(A.message("hjelp", connector.url)))[0] == 202  # the server keeps answering
    assert await _errors(bot) == 0


async def test_a_10_000_character_name_is_cut_and_the_message_answered(
    bot: RunningBot, connector: FakeConnector, database: Database
) -> None:
    status, _ = await bot.post(A.message("hjelp", connector.url, user_name="N" * 10_000))
    assert 200 <= status < 300
    [reply] = await connector.wait_for(1)
    assert reply.text.startswith("Dette kan jeg hjelpe med")
    status, _ = await bot.post(A.members_added(connector.url, user_name="M" * 10_000))  # install, with a member lookup
    assert 200 <= status < 300
    with database.session() as session:
        [ref] = session.exec(select(ConversationRef)).all()
        assert ref.name in ("N" * MAX_NAME_CHARS, "M" * MAX_NAME_CHARS)
    assert await _errors(bot) == 0


# --- the course invitation's URL -----------------------------------------------------------------------


@pytest.mark.parametrize("course_id", ["1" * 5000, "9" * 20, "4294967296", "0"])
async def test_a_course_invitation_with_an_impossible_id_is_404(bot: RunningBot, course_id: str) -> None:
    status, _ = await bot.get(f"/courses/{course_id}.ics?t=x")
    assert status == 404
    status, _ = await bot.get(f"/courses/{course_id}.ics")
    assert status == 404
    assert re.fullmatch(r"\d+", course_id)


async def test_a_course_invitation_with_a_non_ascii_token_is_404(bot: RunningBot) -> None:
    """Found by the fuzz test: hmac.compare_digest refuses non-ASCII text (a 500 before)."""
    for token in ("%F0%9F%99%82", "%C3%A6" * 10, "%00"):
        status, _ = await bot.get(f"/courses/1.ics?t={token}")
        assert status == 404


# --- an empty index: not ready, and it says so ---------------------------------------------------------


@pytest.fixture
async def empty_bot(database: Database) -> AsyncIterator[RunningBot]:
    async with running_bot(database, bot_settings(), as_of=AS_OF) as running:
        yield running


async def _ready(bot: RunningBot) -> tuple[int, dict[str, Any]]:
    import asyncio

    for _ in range(100):  # the search index is built in the background at start
        status, text = await bot.get("/readyz")
        body = json.loads(text)
        if body["search_index"]:
            break
        await asyncio.sleep(0.1)
    return status, body


async def test_an_empty_index_is_not_ready_and_questions_are_told_the_register_is_not_loaded(
    empty_bot: RunningBot, connector: FakeConnector, database: Database
) -> None:
    expected = {"nb-NO": "Avtaleregisteret er ikke lastet inn", "nn-NO": "Avtaleregisteret er ikkje lasta inn",
                "en-US": "The agreement register has not been loaded"}
    for number, (locale, text) in enumerate(expected.items(), start=1):
        await empty_bot.post(A.message("har vi avtale på kontorstoler?", connector.url, locale=locale))
        reply = (await connector.wait_for(number))[-1]
        assert reply.text.startswith(text), reply.text
        assert "ingen aktiv avtale" not in reply.text.lower() and "no active agreement" not in reply.text.lower()
    status, ready = await _ready(empty_bot)  # the index is built (the questions waited for it), and empty
    assert status == 503 and ready["search_index"] is True and ready["agreements"] == 0
    status, body = await empty_bot.post(A.compose_query("kontorstol", connector.url))
    assert status == 200 and body["composeExtension"]["text"].startswith("Avtaleregisteret er ikke lastet inn")
    seed_agreements(database)
    status, body = await empty_bot.get("/readyz")
    assert status == 200 and json.loads(body)["agreements"] > 0
