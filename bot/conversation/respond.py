"""The turn logic: one plain function used by the Teams bot AND `innkjopsbot ask`.

`respond(services, user, text, state) -> Answer` — no SDK types, no HTTP. `state` is the
conversation's memory (a JSON-able dict, stored in the `conversation_state` table by the bot,
kept in memory by the CLI); `respond` reads it for follow-ups and updates it in place.

Routing, in order: empty → hint; "skriv nynorsk" → the user's language from now on; help/greeting
→ help card; thanks → "you're welcome"; no words at all ("👍", ".") → a short reply; each area's
conversation handler (`services.areas.answerers`, declared in the areas' `area.py`: alerts,
courses); an authority
question (or an amount follow-up to one) → bot.authority; everything else → the agreement search
(with a short follow-up refining the previous search; a message without one recognisable word,
"asdfgh", gets "I didn't understand" rather than "no agreement").
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from agreements_sync.i18n import strings
from agreements_sync.limits import MAX_QUESTION_CHARS
from bot.announcements.audience import record_category_interest
from bot.answer import Answer
from bot.authority.analysis import analyse
from bot.authority.intent import followup_previous
from bot.authority.render import authority_answer as render_authority_answer
from bot.conversation import cards, recognise
from bot.db import utcnow
from bot.search.models import SearchResult
from bot.search.render import search_answer as render_search_answer
from bot.services import Services, User

logger = logging.getLogger(__name__)

MAX_TEXT = MAX_QUESTION_CHARS  # a question longer than this is cut (Teams allows ~28 KB; nobody asks that much)


def respond(services: Services, user: User, text: str, state: dict[str, Any]) -> Answer:
    """The bot's answer to one message; updates `state` for follow-ups."""
    text = recognise.normalise(text)[:MAX_TEXT]
    if not text:
        return Answer(text=strings("bot").get("empty_message", user.lang), kind="empty")
    chosen = recognise.language_choice(text)
    if chosen is not None:  # "skriv nynorsk": from now on, whatever the Teams locale says
        user.language = chosen
        state["language"] = chosen.value
        return cards.text_answer(strings("bot").get("language_set", chosen), "language")
    lang = user.lang
    if recognise.is_help(text) or recognise.is_greeting(text):
        return cards.help_answer(lang, services.settings.procurement_email)
    if recognise.is_thanks(text):
        return cards.text_answer(strings("bot").get("smalltalk_thanks", lang), "small_talk")
    if not recognise.has_words(text):  # "👍", ".", "?!"
        key = "smalltalk_reaction" if recognise.has_emoji(text) else "smalltalk_unclear"
        return cards.text_answer(strings("bot").get(key, lang), "small_talk")

    for try_answer in services.areas.answerers:
        answer = try_answer(services, user, text, state)
        if answer is not None:
            _remember(state, last_kind=answer.kind, last_text=text)
            return answer

    fresh = _fresh(state)
    previous = fresh.get("authority_previous")
    if previous and fresh.get("last_kind") == "clarify" and _answers_our_question(text, previous):
        answer = authority_answer(services, user, text, state, previous=previous)  # the reply to our question
        if answer is not None:
            return answer
    if previous and fresh.get("last_kind") in AUTHORITY_KINDS and recognise.is_amount_followup(text):
        answer = authority_answer(services, user, text, state, previous=previous)  # "og for 2 mill?"
        if answer is not None:
            return answer
    about_agreement = followup_previous(text, fresh)
    if about_agreement is not None:  # "hvem må godkjenne?" after an agreement answer: that agreement
        answer = authority_answer(services, user, text, state, previous=about_agreement)
        if answer is not None:
            return answer
    if recognise.is_authority_question(text):
        answer = authority_answer(services, user, text, state)
        if answer is not None:
            return answer

    query = text
    if fresh.get("last_kind") in SEARCH_KINDS and fresh.get("last_query") and recognise.is_refinement(text):
        query = f"{fresh['last_query']} {text}"
    return search_answer(services, user, query, state, asked=text)


AUTHORITY_KINDS = {"authority", "clarify"}
SEARCH_KINDS = {"agreement", "no_agreement", "no_active_agreement", "agreements", "category", "candidates", "unknown"}
# answers the procurement section should see (the question log): none, uncertain, not understood
NO_AGREEMENT_KINDS = {"no_agreement", "no_active_agreement", "candidates", "unknown"}


def _answers_our_question(text: str, previous: Any) -> bool:
    """A short reply to the clarifying question we asked: an amount when we asked for the value."""
    if not recognise.is_short(text):
        return False
    asked = previous.get("ask") if isinstance(previous, dict) else None
    return recognise.has_amount(text) if asked == "value" else True


def _fresh(state: dict[str, Any]) -> dict[str, Any]:
    """The state if it is recent enough for a follow-up, else {}."""
    at = state.get("at")
    if not at:
        return state
    try:
        age = utcnow() - dt.datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return {}
    return state if age <= dt.timedelta(minutes=recognise.routing().followup_max_age_minutes) else {}


def _remember(state: dict[str, Any], **values: Any) -> None:
    state.update(values)
    state["at"] = utcnow().isoformat()


# --- the areas ---------------------------------------------------------------------------------


def search_answer(services: Services, user: User, query: str, state: dict[str, Any], *, asked: str = "") -> Answer:
    search = services.search()
    result = search.search(query, services.today(), limit=5)
    if not search.index.docs:  # nothing synced yet: "no active agreement" would be untrue
        return cards.text_answer(strings("bot").get("register_not_loaded", user.lang,
                                                    email=services.settings.procurement_email), "not_loaded")
    if not result.hits and not result.inactive_matches and not search.understands(query):
        # "asdfgh": not a purchase the municipality lacks an agreement for, just not words
        return cards.text_answer(strings("bot").get("smalltalk_unclear", user.lang), "unclear")
    answer = render_search_answer(result, user.lang, services.today(), procurement_email=services.settings.procurement_email)
    ids = _agreement_ids(answer, result)
    _remember(state, last_kind=answer.kind, last_query=query, last_text=asked or query, last_result_ids=ids)
    answer.data.setdefault("query", query)
    if result.hits and not result.no_active_agreement:
        _record_interest(services, user, result.hits[0].category)
    return answer


def _record_interest(services: Services, user: User, category: str) -> None:
    """Remember the category a user asked about: announcements can go to 'users who asked about X'."""
    if not user.aad_object_id or not category:
        return
    try:
        with services.database.session() as session:
            record_category_interest(session, user, category)
    except Exception:
        logger.warning("could not record category interest", exc_info=True)


AgreementFinder = Callable[[str, "dt.date | None"], SearchResult]


def authority_answer(
    services: Services, user: User, question: str, state: dict[str, Any], *, previous: Any = None
) -> Answer | None:
    """The authority answer; `previous` (an earlier result's JSON) completes a short follow-up."""
    result = analyse(question, services.today(), find_agreements=agreement_finder(services), previous=previous)
    answer = render_authority_answer(result, user.lang)
    _remember(
        state, last_kind=answer.kind if answer.kind in AUTHORITY_KINDS else "authority",
        authority_question=getattr(result, "question", question), authority_previous=result.to_json(),
        last_text=question, last_result_ids=list(getattr(result, "framework_agreement", []) or []),
    )
    answer.data.setdefault("query", getattr(result, "question", question))
    return answer


def agreement_finder(services: Services) -> AgreementFinder:
    """What bot.authority uses to check rule 0 (an active framework agreement covers it)."""

    def find(query: str, as_of: dt.date | None = None) -> SearchResult:
        return services.search().search(query, as_of or services.today(), limit=5)

    return find


def _agreement_ids(answer: Answer, result: Any) -> list[str]:
    ids = answer.data.get("agreement_ids") or answer.data.get("ids")
    if isinstance(ids, list):
        return [str(i) for i in ids][:10]
    hits = getattr(result, "hits", None) or []
    out: list[str] = []
    for hit in hits[:10]:
        agreement = getattr(hit, "agreement", None)
        ident = getattr(agreement, "id", None) or getattr(hit, "agreement_id", None) or getattr(hit, "id", None)
        if ident:
            out.append(str(ident))
    return out
