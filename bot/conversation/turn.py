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
from bot.conversation.card_actions import ActionContext, UnknownAction, dispatch
from bot.conversation import store
from bot.conversation.store import ReferenceInfo
from bot.services import Services, User
from bot.conversation import cards
from bot.conversation.respond import NO_AGREEMENT_KINDS, respond

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


def begin_message(services: Services, info: ReferenceInfo) -> TurnStart:
    """One transaction before answering: store/refresh the reference, read the conversation state."""
    with services.database.session() as session:
        email = store.upsert_reference(session, info).email if info.service_url else ""
        state = store.load_state(session, info.conversation_id)
    return TurnStart(email=email, state=state)


def finish_message(services: Services, user: User, text: str, conversation_id: str, state: dict[str, Any],
                   looked_up: ReferenceInfo | None = None) -> Answer:
    """Answer (`respond`), then one transaction: the state, the question log, a looked-up e-mail."""
    before = dict(state)
    answer = respond(services, user, text, state)
    changed = _state_changed(before, state)
    if changed or answer.kind in NO_AGREEMENT_KINDS or looked_up is not None:
        with services.database.session() as session:
            if looked_up is not None:
                store.upsert_reference(session, looked_up)
            if changed:
                store.save_state(session, conversation_id, state)
            if answer.kind in NO_AGREEMENT_KINDS:
                store.log_question(session, answer.data.get("query") or text, NO_AGREEMENT, services.today(),
                                   {"locale": user.locale[:16]})
    return decorated(answer, user, state, text)


STATE_TOUCH_AFTER = dt.timedelta(minutes=5)


def _state_changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Worth a write: the content changed, or its timestamp ("at") is more than 5 minutes old."""
    strip = lambda d: {k: v for k, v in d.items() if k != "at"}  # noqa: E731
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
    return finish_message(services, user, text, conversation_id, start.state)


def decorated(answer: Answer, user: User, state: dict[str, Any], text: str) -> Answer:
    """The answer as the bot sends it: card with fallback text, feedback and standard actions."""
    return cards.decorate(answer, user.lang, query=str(answer.data.get("query") or text),
                          ids=list(state.get("last_result_ids") or []))


def install_turn(services: Services, user: User, info: ReferenceInfo, *, team: bool) -> Answer | None:
    """Store the reference; the welcome only from the call that created it (so one welcome even
    when installationUpdate and conversationUpdate arrive together, none for a known user)."""
    with services.database.session() as session:
        row, created = store.store_reference(session, info)
        locale = user.locale or row.locale or services.settings.default_locale
    if not created:
        return None
    lang = User(locale=locale).lang
    return cards.welcome_answer(lang, user.name if not team else "", team=team)


def uninstall_turn(services: Services, conversation_id: str, team_id: str = "") -> int:
    with services.database.session() as session:
        return store.remove_references(session, conversation_id=conversation_id, team_id=team_id)


async def action_turn(services: Services, user: User, verb: str, data: dict[str, Any], *, conversation_id: str,
                      activity_id: str = "", kind: str = "execute") -> Answer:
    state = await asyncio.to_thread(_load_state, services, conversation_id)
    ctx = ActionContext(services=services, user=user, verb=verb, data=data, conversation_id=conversation_id,
                        activity_id=activity_id, state=state, kind=kind)
    try:
        answer = await dispatch(ctx)
    except UnknownAction:
        logger.info("card action without handler", extra={"fields": {"verb": verb[:64]}})
        return cards.text_answer(strings("bot").get("action_unknown", user.lang), "unknown_action")
    await asyncio.to_thread(_save_state, services, conversation_id, ctx.state)
    if answer is None:
        return Answer(text="", kind="none")
    if answer.kind != "feedback":
        answer = cards.decorate(answer, user.lang, query=str(answer.data.get("query") or ""),
                                ids=list(ctx.state.get("last_result_ids") or []) if answer.kind != "authority" else [])
    return answer


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
