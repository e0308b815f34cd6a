"""The conversation's own card actions: all agreements in a category, "ask this", feedback and
the authority answer's follow-ups. Declared in bot/conversation/area.py."""

from __future__ import annotations

from typing import Any

from agreements_sync.i18n import strings
from bot.answer import Answer
from bot.conversation import cards, store
from bot.conversation.card_actions import ActionContext
from bot.conversation.respond import authority_answer, respond
from bot.search.render import category_answer


def search_action(ctx: ActionContext) -> Answer | None:
    if ctx.verb == "search.category":
        category = str(ctx.data.get("category") or "").strip()
        if category:
            return category_answer(ctx.services.search(), category, ctx.services.today(), ctx.user.lang,
                                   procurement_email=ctx.services.settings.procurement_email)
    if ctx.verb == "search.query":
        query = str(ctx.data.get("q") or ctx.data.get("query") or "").strip()
        if query:
            return respond(ctx.services, ctx.user, query, ctx.state)
    return None


def feedback_action(ctx: ActionContext) -> Answer:
    """Record the rating and say thanks. Never answers the question again: with Action.Execute the
    rated card (remembered when it was sent) comes back as it was, the thanks in place of the
    buttons; without it, Teams keeps the card and shows the thanks."""
    helpful = _as_bool(ctx.data.get("helpful"))
    ids = [str(i) for i in ctx.data.get("ids") or [] if isinstance(i, str | int)]
    with ctx.services.database.session() as session:
        store.record_feedback(
            session, helpful=helpful, query=str(ctx.data.get("q") or ""), kind=str(ctx.data.get("kind") or ""),
            agreement_ids=ids, comment=str(ctx.data.get("comment") or ""), aad_object_id=ctx.user.aad_object_id,
            as_of=ctx.services.today(),
        )
    s = strings("bot")
    lang = ctx.user.lang
    thanks = s.get("feedback_thanks", lang) if helpful else s.get("feedback_sorry", lang,
                                                                   email=ctx.services.settings.procurement_email)
    remembered = (ctx.state.get("cards") or {}).get(str(ctx.data.get("card") or ""))
    if ctx.kind == "execute" and isinstance(remembered, dict):
        return Answer(text=thanks, card=cards.rated(remembered, thanks), kind="feedback")
    return Answer(text=thanks, kind="feedback")


def authority_action(ctx: ActionContext) -> Answer | None:
    """authority.start: answer a question (e.g. from the search's "no agreement" card);
    authority.clarify: the user's choice (field + value) completes the question we asked."""
    question = str(ctx.data.get("question") or ctx.data.get("query") or ctx.data.get("q") or "").strip()
    if ctx.verb == "authority.clarify":
        value = str(ctx.data.get("value") or "").strip()
        if not value:
            return None
        previous = ctx.state.get("authority_previous")
        if not (isinstance(previous, dict) and (not question or previous.get("question") == question)):
            previous = {"question": question} if question else None
        return authority_answer(ctx.services, ctx.user, value, ctx.state, previous=previous)
    if not question:
        return None
    return authority_answer(ctx.services, ctx.user, question, ctx.state)


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "ja"}
    return bool(value)
