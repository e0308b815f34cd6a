"""The turn logic `respond` (shared by the bot and `innkjopsbot ask`): routing, follow-ups, language."""

from __future__ import annotations

import pytest

from bot.conversation import recognise
from bot.conversation.respond import respond
from bot.db import Database
from bot.services import Services, User
from conftest import AS_OF
from helpers.agreements import seed_agreements
from helpers.bot_server import bot_settings


@pytest.fixture
def services(database: Database) -> Services:
    seed_agreements(database)
    return Services(settings=bot_settings(), database=database, as_of=AS_OF)


NB = User(aad_object_id="aad-1", name="Kari", locale="nb-NO")
EN = User(aad_object_id="aad-1", name="Kari", locale="en-US")


def test_help_in_both_languages_with_a_card_and_fallback(services: Services) -> None:
    nb = respond(services, NB, "hjelp", {})
    en = respond(services, EN, "help", {})
    assert nb.kind == en.kind == "help"
    assert "Dette kan jeg hjelpe med" in nb.text and "What I can help with" in en.text
    assert nb.card["version"] == "1.5" and nb.card["fallbackText"] == nb.text
    assert len(nb.suggested_actions) == 3


def test_empty_text_gets_a_hint(services: Services) -> None:
    assert respond(services, NB, "   ", {}).kind == "empty"


@pytest.mark.parametrize(
    ("text", "authority"),
    [
        ("Jeg skal kjøpe konsulenttjenester for 800 000 kr. Hva må jeg gjøre?", True),
        ("hvem kan signere en kontrakt på 3 mill?", True),
        ("må vi kunngjøre vedlikehold av heisene, 1,8 mill over fire år?", True),
        ("Vi skal bruke ca 400 000 kr på nye møbler, hvilke regler gjelder?", True),
        ("Jeg skal kjøpe konsulenttjenester for 2 mill — hvem gjør hva?", True),
        ("har vi avtale på kontorstoler?", False),
        ("toner til HP-printer", False),
        ("avtaler som utløper i 2027", False),
    ],
)
def test_authority_questions_are_recognised_from_cue_words(text: str, authority: bool) -> None:
    assert recognise.is_authority_question(text) is authority


def test_amount_follow_up_re_runs_the_last_authority_question(services: Services) -> None:
    state: dict = {}
    first = respond(services, NB, "hvem kan signere en kontrakt på 800 000 kr for konsulenttjenester?", state)
    assert first.kind == "authority" and first.data["value_nok_excl_vat"] == 800_000
    second = respond(services, NB, "og for 2 mill?", state)
    assert second.kind == "authority"
    assert second.data["value_nok_excl_vat"] == 2_000_000
    assert second.data["band"] != first.data["band"]


def test_a_clarifying_question_is_completed_by_the_short_reply(services: Services) -> None:
    state: dict = {}
    ask = respond(services, NB, "Jeg skal kjøpe nye stoler til personalrommet, hva må jeg gjøre?", state)
    assert ask.kind == "clarify" and "value" in ask.data["missing"]
    done = respond(services, NB, "ca. 350 000", state)
    assert done.kind == "authority" and done.data["value_nok_excl_vat"] == 350_000


def test_english_locale_gets_english_strings(services: Services) -> None:
    answer = respond(services, EN, "who can sign a contract of 3 mill for consultancy?", {})
    assert answer.kind in {"authority", "clarify"}
    assert respond(services, EN, "hi", {}).text.startswith("What I can help with")


def test_a_very_long_message_is_answered_quickly_from_its_beginning(services: Services) -> None:
    answer = respond(services, NB, "kontorstoler " + "bla " * 20_000, {})
    assert answer.kind in {"agreement", "no_agreement", "no_active_agreement"}


def test_a_short_follow_up_refines_the_previous_search_in_the_state(services: Services) -> None:
    state: dict = {}
    respond(services, NB, "møbler", state)
    assert state["last_query"] == "møbler"
    respond(services, NB, "til barnehagen", state)
    assert state["last_query"] == "møbler til barnehagen"
    respond(services, NB, "toner", state)  # a new question is not a refinement
    assert state["last_query"] == "toner"


def test_a_new_question_after_a_clarifying_question_is_not_taken_as_the_answer(services: Services) -> None:
    state: dict = {}
    assert respond(services, NB, "Jeg skal kjøpe nye stoler til personalrommet, hva må jeg gjøre?", state).kind == "clarify"
    answer = respond(services, NB, "toner", state)  # asked for the value; this is a new question
    assert answer.kind in {"agreement", "no_agreement", "no_active_agreement"}
