"""The conversation's own card actions: all agreements in a category, "ask this", feedback and
the authority answer's follow-ups. Declared in bot/conversation/area.py."""

from __future__ import annotations

from agreements_sync.i18n import strings
from bot.answer import Answer
from bot.conversation import cards, payloads, store
from bot.conversation.card_actions import ActionContext
from bot.conversation.respond import authority_answer, respond
from bot.search.render import category_answer


def unrecognised(ctx: ActionContext) -> Answer:
    """The answer to a button whose data does not fit (an old card, a forged invoke, a number where
    a question belongs): say so, in the user's language, instead of failing or keeping quiet."""
    return cards.text_answer(strings("bot").get("action_unknown", ctx.user.lang), "unknown_action")


def ask_action(ctx: ActionContext) -> Answer | None:
    """An example question pressed on the welcome or help card: answered as if typed."""
    ask = payloads.parse(payloads.Ask, ctx.data)
    return respond(ctx.services, ctx.user, ask.q, ctx.state) if ask is not None else unrecognised(ctx)


def search_action(ctx: ActionContext) -> Answer | None:
    if ctx.verb == "search.category":
        chosen = payloads.parse(payloads.Category, ctx.data)
        if chosen is not None:
            return category_answer(ctx.services.search(), chosen.category, ctx.services.today(), ctx.user.lang,
                                   procurement_email=ctx.services.settings.procurement_email)
    if ctx.verb == "search.query":
        search = payloads.parse(payloads.SearchQuery, ctx.data, q="query")
        if search is not None:
            return respond(ctx.services, ctx.user, search.q, ctx.state)
    return unrecognised(ctx)


def feedback_action(ctx: ActionContext) -> Answer | None:
    """Record the rating and say thanks. Never answers the question again: with Action.Execute the
    rated card (remembered when it was sent) comes back as it was, the thanks in place of the
    buttons; without it, Teams keeps the card and shows the thanks."""
    rating = payloads.parse(payloads.Feedback, ctx.data)
    if rating is None:
        return unrecognised(ctx)
    with ctx.services.database.session() as session:
        store.record_feedback(
            session, helpful=rating.helpful, query=rating.q, kind=rating.kind, agreement_ids=rating.ids,
            comment=rating.comment, aad_object_id=ctx.user.aad_object_id, as_of=ctx.services.today(),
        )
    s = strings("bot")
    lang = ctx.user.lang
    thanks = (s.get("feedback_thanks", lang) if rating.helpful
              else s.get("feedback_sorry", lang, email=ctx.services.settings.procurement_email))
    remembered = (ctx.state.get("cards") or {}).get(rating.card)
    if ctx.kind == "execute" and isinstance(remembered, dict):
        return Answer(text=thanks, card=cards.rated(remembered, thanks), kind="feedback")
    return Answer(text=thanks, kind="feedback")


def authority_action(ctx: ActionContext) -> Answer | None:
    """authority.start: answer a question (e.g. from the search's "no agreement" card);
    authority.clarify: the user's choice (field + value) completes the question we asked."""
    if ctx.verb == "authority.clarify":
        choice = payloads.parse(payloads.AuthorityClarify, ctx.data)
        if choice is None:
            return unrecognised(ctx)
        previous = ctx.state.get("authority_previous")
        if not (isinstance(previous, dict) and (not choice.question or previous.get("question") == choice.question)):
            previous = {"question": choice.question} if choice.question else None
        return authority_answer(ctx.services, ctx.user, choice.value, ctx.state, previous=previous)
    start = payloads.parse(payloads.AuthorityStart, ctx.data, question="query")
    return authority_answer(ctx.services, ctx.user, start.question, ctx.state) if start is not None else unrecognised(ctx)
