"""Recognising an authority question from its meaning, in bokmål, nynorsk and English, and a
follow-up to an agreement answer (the agreement found is then the rule-0 agreement)."""

from __future__ import annotations

import pytest

from bot.authority.intent import recognise
from bot.conversation import recognise as routing
from bot.conversation.respond import respond
from bot.db import Database
from bot.services import Services, User
from conftest import AS_OF
from helpers.agreements import seed_agreements
from helpers.bot_server import bot_settings


@pytest.mark.parametrize(
    ("text", "focus"),
    [
        # the phrasings
        ("hvem må godkjenne?", "approve"),
        ("hvem skal signere?", "sign"),
        ("hvem gjør innkjøpet?", "perform"),
        ("må det på Doffin?", "announce"),
        ("må det i TED?", "announce"),
        ("holder det med ett tilbud?", "direct"),
        ("kan vi fortsette med direktekjøp?", "direct"),
        # paraphrases: other inflections, nynorsk, English, compounds
        ("kven må godkjenne dette?", "approve"),
        ("Hvem godkjente avropet sist?", "approve"),
        ("who needs to approve this purchase?", "approve"),
        ("kven skal skrive under kontrakten?", "sign"),
        ("who signs the contract?", "sign"),
        ("hvem har signeringsfullmakt for dette?", "sign"),
        ("kven gjennomfører konkurransen?", "perform"),
        ("who is responsible for carrying out the purchase?", "perform"),
        ("må dette lysast ut?", "announce"),
        ("skal vi kunngjere dette?", "announce"),
        ("do we have to publish this in Doffin?", "announce"),
        ("er det nok å innhente eitt tilbod?", "direct"),
        ("is one quote enough?", "direct"),
        ("må vi ha anbudskonkurranse?", "tender"),
        ("do we need a tender for this?", "tender"),
        ("hvilke krav gjelder?", "procedure"),
        ("kva reglar gjeld for dette?", "procedure"),
        ("what rules apply here?", "procedure"),
        ("hva er terskelverdien for varer?", "threshold"),
        ("what is the threshold for services?", "threshold"),
        ("har jeg fullmakt til å kjøpe dette?", "authority"),
    ],
)
def test_concepts_are_recognised_however_the_question_is_asked(text: str, focus: str) -> None:
    intent = recognise(text)
    assert intent.is_authority and intent.focus == focus, intent


@pytest.mark.parametrize(
    "text",
    ["har vi avtale på kontorstoler?", "toner til HP-printer", "hvem leverer skumslukker til kjøkkenet?",
     "dagtilbud for eldre", "Need a new laptop for a new employee", "kven har vi avtale med på reinhald?",
     "avtaler som utløper i 2027", "hvilken leverandør bruker vi til tolk?", "new signs for the school entrance"],
)
def test_agreement_questions_are_not_authority_questions(text: str) -> None:
    assert not routing.is_authority_question(text)


def test_an_amount_makes_it_an_authority_question() -> None:
    assert routing.is_authority_question("snøfreser 350'")
    assert routing.is_authority_question("NOK 800,000 for security guards")
    assert not routing.is_authority_question("20 stoler til kantina")


# ---- a follow-up to an agreement answer ----------------------------------------------------------

NB = User(aad_object_id="aad-1", name="Kari", locale="nb-NO")
EN = User(aad_object_id="aad-1", name="Kari", locale="en-US")


@pytest.fixture
def services(database: Database) -> Services:
    seed_agreements(database)
    return Services(settings=bot_settings(), database=database, as_of=AS_OF)


@pytest.mark.parametrize(
    ("first", "then", "user"),
    [
        ("har vi avtale på kontorstoler?", "hvem må godkjenne?", NB),
        ("har vi avtale på kontorstoler?", "kven skal godkjenne det?", NB),
        ("office chairs", "who has to approve this?", EN),
    ],
)
def test_follow_up_after_an_agreement_answer_is_about_that_agreement(services, first, then, user) -> None:
    state: dict = {}
    agreement = respond(services, user, first, state)
    assert agreement.kind in {"agreement", "agreements", "category"}
    found = state["last_result_ids"][0]
    answer = respond(services, user, then, state)
    assert answer.data["rule"] == "framework" and answer.data["framework_agreement"] == [found]
    assert answer.data["missing"] == ["value"]  # who approves a call-off depends on its value
    done = respond(services, user, "ca. 300 000", state)
    assert (done.data["framework_agreement"], done.data["approver"]) == ([found], "enhetsleder")


def test_a_new_question_after_an_agreement_answer_is_not_a_follow_up(services) -> None:
    state: dict = {}
    respond(services, NB, "har vi avtale på kontorstoler?", state)
    answer = respond(services, NB, "hvem må godkjenne kjøp av kaffe for 5 000 kr?", state)
    assert answer.data.get("facts", {}).get("subject") == "kaffe"
