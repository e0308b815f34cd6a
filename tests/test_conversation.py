"""The conversation core (bot/conversation/): the defects seen in the Teams emulator, each at the
core, and a whole conversation in nynorsk. No HTTP, no SDK: the functions the Teams edge and
`innkjopsbot ask` call."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select

from agreements_sync.models import Agreement, AgreementSupplier
from bot.alerts.scan import scan
from bot.conversation import cards, store
from bot.conversation.models import ConversationRef, Feedback, QuestionLog
from bot.conversation.store import ReferenceInfo
from bot.conversation.turn import action_turn, install_turn, message_turn
from bot.courses import service as courses
from bot.db import Database
from bot.outbox.models import OutboxRow
from bot.services import Services, User
from conftest import AS_OF
from helpers.agreements import seed_agreements
from helpers.bot_server import bot_settings

CONVERSATION = "a:1kari"
PROCUREMENT = "innkjop@lorenskog.kommune.example"


@pytest.fixture
def services(database: Database) -> Services:
    seed_agreements(database)
    return Services(settings=bot_settings(procurement_email=PROCUREMENT), database=database, as_of=AS_OF)


def kari(locale: str = "nb-NO") -> User:
    return User(aad_object_id="aad-kari", name="Kari Nordmann", email="kari@lorenskog.kommune.no", locale=locale)


def reference(locale: str = "nb-NO") -> ReferenceInfo:
    return ReferenceInfo(conversation_id=CONVERSATION, service_url="https://smba.example/emea/", aad_object_id="aad-kari",
                         user_id="29:kari", name="Kari Nordmann", email="kari@lorenskog.kommune.no", locale=locale)


def ask(services: Services, text: str, locale: str = "nb-NO") -> Any:
    return message_turn(services, kari(locale), text, CONVERSATION, reference(locale))


def press(services: Services, verb: str, data: dict[str, Any], locale: str = "nb-NO") -> Any:
    return asyncio.run(action_turn(services, kari(locale), verb, data, conversation_id=CONVERSATION))


def buttons(card: dict[str, Any], verb: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type", "").startswith("Action.") and (node.get("verb") or (node.get("data") or {}).get("verb")) == verb:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def card_text(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


# --- 👍/👎 only records and acknowledges, in place ------------------------------------------------


def test_rating_an_answer_to_a_follow_up_keeps_that_answer_and_the_conversation(services: Services) -> None:
    ask(services, "møbler")
    followed = ask(services, "til barnehagen")  # refines the previous search: "møbler til barnehagen"
    assert followed.kind == "agreement" and "Barnehagemøbler" in followed.text
    with services.database.session() as session:
        before = store.load_state(session, CONVERSATION)
    [up] = [b for b in buttons(followed.card, "feedback") if b["data"]["helpful"] is True]
    assert up["type"] == "Action.Execute"  # answered in place, as on every other card

    rated = press(services, "feedback", up["data"])
    assert rated.kind == "feedback"
    # the same card, not the answer to "til barnehagen" asked afresh (which would be another one)
    kept = [b for b in followed.card["body"] if b.get("id") not in ("feedback-question", "feedback-actions")]
    assert rated.card["body"][:-1] == kept and rated.card["body"][-1]["text"] == "Takk for tilbakemeldingen!"
    assert not buttons(rated.card, "feedback")
    with services.database.session() as session:
        after = store.load_state(session, CONVERSATION)
        [feedback] = session.exec(select(Feedback)).all()
    assert {k: v for k, v in after.items() if k != "at"} == {k: v for k, v in before.items() if k != "at"}
    assert feedback.helpful and feedback.query == "møbler til barnehagen" and "RA-102" in feedback.agreement_ids


def test_every_answer_asks_for_feedback_the_same_way(services: Services) -> None:
    for question in ("har vi avtale på kontorstoler?", "blomster til begravelse",
                     "hvem kan signere en kontrakt på 800 000 kr for konsulenttjenester?"):
        answer = ask(services, question)
        feedback = buttons(answer.card, "feedback")
        assert [b["type"] for b in feedback] == ["Action.Execute", "Action.Execute"], question


# --- "Kontakt innkjøpsrådgiver" writes to the adviser --------------------------------------------


def _contact_urls(card: dict[str, Any]) -> list[str]:
    urls: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.OpenUrl" and str(node.get("url", "")).startswith(("mailto:", "https://teams")):
                urls.append(node["url"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return urls


def test_contact_goes_to_the_adviser_or_else_the_procurement_section_never_the_owner(services: Services) -> None:
    answer = ask(services, "har vi avtale på kontorstoler?")
    urls = _contact_urls(answer.card)
    assert urls and all("rita.radgiver" in url for url in urls)
    assert "ola.eier" not in " ".join(urls)
    with services.database.session() as session:  # an agreement whose adviser has no e-mail in the register
        session.get(Agreement, "RA-201").adviser_email = ""
    services._search = None  # a fresh index from the changed register
    toner = ask(services, "toner til skriveren")
    urls = _contact_urls(toner.card)
    assert urls and all(url.startswith(f"mailto:{PROCUREMENT}") for url in urls)
    assert "Kontakt innkjøpsseksjonen" in card_text(toner.card)


def test_a_long_e_mail_address_does_not_fill_the_value_column(services: Services) -> None:
    long_address = "kari-marie.kristiansen-haugen.innkjopsradgiver@lorenskog.kommune.example"
    with services.database.session() as session:
        session.get(Agreement, "RA-101").adviser_email = long_address
    answer = ask(services, "har vi avtale på kontorstoler?")
    facts = [f for fs in _facts(answer.card) for f in fs]
    adviser = next(f["value"] for f in facts if f["title"] == "Innkjøpsrådgiver")
    assert adviser == f"[Rita Rådgiver](mailto:{long_address})"  # the name shows, the address is the link
    assert long_address in answer.text  # the plain text (fallback, CLI) still gives the address


def _facts(card: Any) -> list[list[dict[str, str]]]:
    if isinstance(card, dict):
        own = [card["facts"]] if card.get("type") == "FactSet" else []
        return own + [f for value in card.values() for f in _facts(value)]
    if isinstance(card, list):
        return [f for item in card for f in _facts(item)]
    return []


# --- small talk, thanks, emoji and gibberish -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "reply"),
    [
        ("takk!", "small_talk", "Bare hyggelig!"),
        ("Tusen takk 🙏", "small_talk", "Bare hyggelig!"),
        ("👍", "small_talk", "👍 Si fra"),
        (".", "small_talk", "Det forsto jeg ikke."),
        ("asdfgh", "unclear", "Det forsto jeg ikke."),
        ("qwerty uiop", "unclear", "Det forsto jeg ikke."),
    ],
)
def test_small_talk_and_gibberish_get_a_short_reply_not_no_agreement(
    services: Services, text: str, kind: str, reply: str
) -> None:
    answer = ask(services, text)
    assert answer.kind == kind and answer.text.startswith(reply)
    assert not buttons(answer.card, "feedback")
    with services.database.session() as session:
        assert session.exec(select(QuestionLog)).all() == []  # nothing for the procurement section to look at


def test_a_real_need_without_an_agreement_is_still_no_agreement(services: Services) -> None:
    answer = ask(services, "kjøpe drone til teknisk drift")
    assert answer.kind == "no_agreement"


# --- nynorsk ----------------------------------------------------------------------------------


def test_a_nynorsk_user_gets_a_whole_conversation_in_nynorsk(services: Services) -> None:
    with services.database.session() as session:
        welcome = install_turn(services, kari("nn-NO"), reference("nn-NO"), team=False)
    assert welcome is not None and "Eg er Innkjøpsbot" in welcome.text and "Har vi avtale på kontorstolar?" in welcome.text

    agreement = ask(services, "har vi avtale på kontorstolar?", "nn-NO")
    assert agreement.kind == "agreement"
    for nynorsk in ("Avtaleeigar", "Innkjøpsrådgivar", "Kvifor", "Vis alle avtalane i kategorien", "Var dette nyttig?"):
        assert nynorsk in card_text(agreement.card), nynorsk
    assert "Avtaleeier" not in card_text(agreement.card)

    authority = ask(services, "kven kan signere ein kontrakt på 800 000 kr for IT-konsulenttenester?", "nn-NO")
    assert authority.kind == "authority"
    # the catalog's sentences and the matrix's roles and requirements, all in nynorsk
    assert "Innkjøpsseksjonen gjennomfører, saman med eininga, som deltek. Kommunalsjefen godkjenner kjøpet og signerer kontrakten." in authority.text
    assert "Skriv anskaffingsprotokoll." in authority.text and "Art: tenester." in authority.text
    assert "Vis detaljar" in card_text(authority.card) and "Slik rekna eg" in card_text(authority.card)
    # (the register's own agreement titles may be bokmål: "IT-konsulenttjenester"; the bot's words may not)
    for bokmal in ("sammen med enheten", "Skriv anskaffelsesprotokoll", "Vis detaljer", "Art: tjenester"):
        assert bokmal not in card_text(authority.card), bokmal

    start = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)
    with services.database.session() as session:
        courses.create_course(
            session, title="Grunnkurs i innkjøpsreglar", starts_at=start, ends_at=start + dt.timedelta(hours=3),
            now=dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC), place="Rådhuset", capacity=10,
            signup_deadline=start - dt.timedelta(days=2), created_by="innkjop@lorenskog.example",
        )
    course = ask(services, "kva kurs kjem?", "nn-NO")
    assert course.kind.startswith("course")
    assert "Kommande kurs frå innkjøpsseksjonen" in card_text(course.card) and "Meld meg på" in card_text(course.card)
    assert "3. des. 2026 kl. 09:00" in card_text(course.card)


def test_skriv_nynorsk_is_kept_for_the_conversation_and_for_alerts(services: Services) -> None:
    chosen = ask(services, "skriv nynorsk")  # Teams in bokmål
    assert chosen.kind == "language" and chosen.text.startswith("Eg skriv nynorsk til deg")
    answer = ask(services, "har vi avtale på kontorstoler?")
    assert "Avtaleeigar" in card_text(answer.card)
    with services.database.session() as session:
        [ref] = session.exec(select(ConversationRef).where(ConversationRef.aad_object_id == "aad-kari")).all()
        assert (ref.locale, ref.language) == ("nb-NO", "nn")
        # an agreement Kari owns, with an option to decide on in 60 days: the alert is in nynorsk
        session.add(Agreement(
            id="LK-NN-1", title="Testavtale nynorsk", category="Test", start_date=dt.date(2024, 1, 1),
            end_date=AS_OF + dt.timedelta(days=150), final_end_date=AS_OF + dt.timedelta(days=880), options="1+1 år",
            status="active", owner_name="Kari Nordmann", owner_email="kari@lorenskog.kommune.no",
            adviser="Rita Rådgiver", adviser_email="rita.radgiver@lorenskog.kommune.no",
            annual_value=Decimal(300_000), cpv_codes=["39130000-2"],
        ))
        session.flush()
        session.add(AgreementSupplier(agreement_id="LK-NN-1", position=0, name="Leverandør AS"))
    scan(services.database, services.settings, AS_OF)
    with services.database.session() as session:
        alerts = [r for r in session.exec(select(OutboxRow)).all() if r.subject_id == "LK-NN-1"]
    assert alerts
    alert = card_text(alerts[0].activity)
    assert "Du er registrert som avtaleeigar. Kva vil du gjere?" in alert and "Ta stilling til opsjonen innan" in alert
    assert "Hva vil du gjøre?" not in alert

    back = ask(services, "skriv bokmål")
    assert back.text.startswith("Jeg skriver bokmål til deg")
    assert "Avtaleeier" in card_text(ask(services, "har vi avtale på kontorstoler?").card)


def test_feedback_thanks_follow_the_users_language(services: Services) -> None:
    answer = ask(services, "har vi avtale på kontorstolar?", "nn-NO")
    [down] = [b for b in buttons(answer.card, "feedback") if b["data"]["helpful"] is False]
    rated = press(services, "feedback", down["data"], "nn-NO")
    assert rated.card["body"][-1]["text"].startswith("Takk – innkjøpsseksjonen ser på spørsmål vi ikkje svarer")
    assert rated.card["body"][-1]["id"] == cards.FEEDBACK_THANKS_ID


# --- the welcome's example buttons -----------------------------------------------------------------


def test_the_welcome_buttons_ask_their_question_without_teams_only_data(services: Services) -> None:
    welcome = install_turn(services, kari(), reference(), team=False)
    assert welcome is not None
    buttons_ = welcome.card["actions"]
    assert [b["type"] for b in buttons_] == ["Action.Submit"] * 3
    assert all("msteams" not in b["data"] for b in buttons_)  # the Playground's page fails on msteams data
    asked = asyncio.run(action_turn(services, kari(), buttons_[0]["data"]["verb"],
                                    {k: v for k, v in buttons_[0]["data"].items() if k != "verb"},
                                    conversation_id=CONVERSATION, kind="submit"))
    assert asked.kind == "agreement" and "Kontormøbler" in asked.text
    assert buttons(asked.card, "feedback")  # an answer like any other, ready to be rated in place
    broken = asyncio.run(action_turn(services, kari(), "ask", {"q": ""}, conversation_id=CONVERSATION, kind="submit"))
    # bad button data is never an error: the user is told the button is not recognised (issue 13)
    assert broken.kind == "unknown_action" and broken.text
