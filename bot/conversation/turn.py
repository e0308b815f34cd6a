"""What a turn does with the database, on plain values (the SDK layer calls these in a thread).

- `begin_message` / `finish_message` (= `message_turn`): store the reference and read the
  conversation state; `respond`; save the state, log a "no agreement" question, decorate the card.
- `install_turn` / `uninstall_turn`: store or delete the conversation's references.
- `action_turn`: a card action (Action.Execute or Action.Submit) through `bot.conversation.card_actions`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from agreements_sync.i18n import strings
from bot.answer import Answer
from bot.conversation import cards, store
from bot.conversation.card_actions import ActionContext, UnknownAction, bounded_data, dispatch
from bot.conversation.respond import NO_AGREEMENT_KINDS, respond
from bot.conversation.store import ReferenceInfo
from bot.services import Services, User
from bot.workspace.stats import count_answer, tally_kind

logger = logging.getLogger(__name__)
NO_AGREEMENT = "no_agreement"


def remember_reference(services: Services, info: ReferenceInfo | None) -> str:
    """Store the reference; returns the e-mail known for the user ("" if none)."""
    if info is None or not info.conversation_id:
        return ""
    with services.database.session() as session:
        return store.upsert_reference(session, info).email


@dataclass
class TurnStart:
    email: str  # the e-mail already stored for this user and conversation ("" = look it up)
    state: dict[str, Any]
    language: str = ""  # the user's own choice of language ("skriv nynorsk"), "" = the Teams locale


def begin_message(services: Services, info: ReferenceInfo) -> TurnStart:
    """One transaction before answering: store/refresh the reference, read the conversation state."""
    with services.database.session() as session:
        row = store.upsert_reference(session, info) if info.service_url else None
        state = store.load_state(session, info.conversation_id)
    return TurnStart(email=row.email if row else "", state=state, language=row.language if row else "")


def finish_message(services: Services, user: User, text: str, conversation_id: str, state: dict[str, Any],
                   looked_up: ReferenceInfo | None = None) -> Answer:
    """Answer (`respond`), then one transaction: the state (with the card, for feedback), the
    question log, a looked-up e-mail, a new choice of language."""
    user.language = user.language or str(state.get("language") or "")
    before = dict(state)
    answer = decorated(respond(services, user, text, state), user, state, text)
    changed = _state_changed(before, state)
    language_chosen = state.get("language") != before.get("language")
    tally = tally_kind(answer.kind)
    if changed or answer.kind in NO_AGREEMENT_KINDS or looked_up is not None or tally:
        with services.database.session() as session:
            if tally:  # the workspace's overview counts every question by the kind of answer
                count_answer(session, services.today(), tally, answer.data.get("fields") or [])
            if looked_up is not None:
                store.upsert_reference(session, looked_up)
            if changed:
                store.save_state(session, conversation_id, state)
            if language_chosen:  # proactive messages (alerts, reminders) follow the choice too
                store.set_language(session, user.aad_object_id, conversation_id, str(state.get("language") or ""))
            if answer.kind in NO_AGREEMENT_KINDS:
                kind = NO_AGREEMENT if answer.kind in ("no_agreement", "no_active_agreement") else answer.kind
                store.log_question(session, answer.data.get("query") or text, kind, services.today(),
                                   {"locale": user.locale[:16], "answer": answer.data.get("answer"),
                                    "candidates": answer.data.get("candidates") or []})
    return answer


STATE_TOUCH_AFTER = dt.timedelta(minutes=5)


def _state_changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Worth a write: the content changed, or its timestamp ("at") is more than 5 minutes old."""
    strip = lambda d: {k: v for k, v in d.items() if k != "at"}
    if strip(before) != strip(after):
        return True
    if before.get("at") == after.get("at"):
        return False
    try:
        return dt.datetime.fromisoformat(after["at"]) - dt.datetime.fromisoformat(before["at"]) >= STATE_TOUCH_AFTER
    except (KeyError, TypeError, ValueError):
        return True


def message_turn(services: Services, user: User, text: str, conversation_id: str,
                 info: ReferenceInfo | None = None) -> Answer:
    """The whole message turn without a member lookup (tools, tests)."""
    start = begin_message(services, info or ReferenceInfo(conversation_id=conversation_id, service_url=""))
    user.email = user.email or start.email
    user.language = user.language or start.language
    return finish_message(services, user, text, conversation_id, start.state)


def decorated(answer: Answer, user: User, state: dict[str, Any], text: str) -> Answer:
    """The answer as the bot sends it: card with fallback text, feedback and standard actions; a
    card that asks for feedback is remembered in `state` so that the rating can update it in place."""
    answer = cards.decorate(answer, user.lang, query=str(answer.data.get("query") or text),
                            ids=list(state.get("last_result_ids") or []))
    cards.remember_card(state, answer)
    return answer


def install_turn(services: Services, user: User, info: ReferenceInfo, *, team: bool) -> Answer | None:
    """Store the reference; the welcome only from the call that created it (so one welcome even
    when installationUpdate and conversationUpdate arrive together, none for a known user)."""
    with services.database.session() as session:
        row, created = store.store_reference(session, info)
        locale = user.locale or row.locale or services.settings.default_locale
        language = row.language
    if not created:
        return None
    lang = User(locale=locale, language=language).lang
    return cards.welcome_answer(lang, user.name if not team else "", team=team)


def uninstall_turn(services: Services, conversation_id: str, team_id: str = "") -> int:
    with services.database.session() as session:
        return store.remove_references(session, conversation_id=conversation_id, team_id=team_id)


async def action_turn(services: Services, user: User, verb: str, data: dict[str, Any], *, conversation_id: str,
                      activity_id: str = "", kind: str = "execute") -> Answer:
    data = bounded_data(data)  # the one bound on what a button carries (agreements_sync.limits)
    state = await asyncio.to_thread(_load_state, services, conversation_id)
    user.language = user.language or str(state.get("language") or "")
    if not user.email and user.aad_object_id:  # a card action carries no e-mail: the one stored for the user
        user.email = await asyncio.to_thread(_stored_email, services, user.aad_object_id)
    ctx = ActionContext(services=services, user=user, verb=verb, data=data, conversation_id=conversation_id,
                        activity_id=activity_id, state=state, kind=kind)
    try:
        answer = await dispatch(ctx)
    except UnknownAction:
        logger.info("card action without handler", extra={"fields": {"verb": verb[:64]}})
        return cards.text_answer(strings("bot").get("action_unknown", user.lang), "unknown_action")
    if answer is not None and answer.kind != "feedback":
        answer = cards.decorate(answer, user.lang, query=str(answer.data.get("query") or ""),
                                ids=list(ctx.state.get("last_result_ids") or []) if answer.kind != "authority" else [])
        cards.remember_card(ctx.state, answer)
    await asyncio.to_thread(_save_state, services, conversation_id, ctx.state)
    return answer if answer is not None else Answer(text="", kind="none")


def _stored_email(services: Services, aad_object_id: str) -> str:
    """The e-mail/UPN stored with any of the user's references (so that a procurement-section
    member configured by e-mail is recognised in card actions as in messages)."""
    from sqlmodel import col, select

    from bot.conversation.models import ConversationRef

    with services.database.session() as session:
        email = session.exec(
            select(ConversationRef.email).where(col(ConversationRef.aad_object_id) == aad_object_id, col(ConversationRef.email) != "")
            .order_by(col(ConversationRef.updated_at).desc())
        ).first()
    return str(email or "")


def _load_state(services: Services, conversation_id: str) -> dict[str, Any]:
    if not conversation_id:
        return {}
    with services.database.session() as session:
        return store.load_state(session, conversation_id)


def _save_state(services: Services, conversation_id: str, state: dict[str, Any]) -> None:
    if not conversation_id:
        return
    with services.database.session() as session:
        store.save_state(session, conversation_id, state)
