"""Card actions: buttons on Adaptive Cards that talk back to the bot, dispatched by verb prefix.

A button is either `{"type": "Action.Execute", "verb": "<area>.<action>", "data": {...}}`
(Teams sends an `adaptiveCard/action` invoke; the answer replaces the card in place) or
`{"type": "Action.Submit", "data": {"verb": "<area>.<action>", ...}}` (Teams sends a message
with `value`; the answer is posted as a new message).

Each area declares its handlers in its `area.py` (`card_actions={"alert": alert_action}`);
`services.areas.card_action(verb)` finds the one whose prefix matches the verb best
("authority.clarify" before "authority"). A handler returns an `Answer` (shown as the updated
card / a new message) or None (nothing to show; an Action.Execute then keeps the card as it
was). Handlers may be sync (run in a worker thread, so they may use the database) or async.
"""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass, field
from typing import Any

from agreements_sync.limits import MAX_ACTION_DEPTH, MAX_ACTION_ITEMS, MAX_ACTION_TEXT_CHARS
from bot.answer import Answer
from bot.services import Services, User


@dataclass
class ActionContext:
    """What a card-action handler gets.

    services        the shared Services (settings, database, as_of …)
    user            who pressed the button (aad id, name, e-mail, locale)
    verb            the full verb, e.g. "feedback" or "authority.clarify"
    data            the button's data (without "verb"/"msteams"), plus any card inputs
    conversation_id the conversation the card is in
    activity_id     the id of the card's message (replyToId), to update or delete it
    state           the conversation's follow-up memory (bot.conversation.respond); saved after the handler
    kind            "execute" (Action.Execute) or "submit" (Action.Submit)
    """

    services: Services
    user: User
    verb: str
    data: dict[str, Any]
    conversation_id: str = ""
    activity_id: str = ""
    state: dict[str, Any] = field(default_factory=dict)
    kind: str = "execute"


class UnknownAction(LookupError):
    """No handler for the verb."""


async def dispatch(ctx: ActionContext) -> Answer | None:
    """Run the handler for `ctx.verb`; raises UnknownAction when no area declares it."""
    handler = ctx.services.areas.card_action(ctx.verb)
    if handler is None:
        raise UnknownAction(ctx.verb)
    if inspect.iscoroutinefunction(handler):
        result = await handler(ctx)
    else:  # plain functions touch the database: keep them off the event loop
        result = await asyncio.to_thread(handler, ctx)
    if inspect.isawaitable(result):
        result = await result
    return result


def bounded_data(data: Any) -> dict[str, Any]:
    """A button's data as the handlers get it, bounded in this one place (agreements_sync.limits):
    not an object → {}; each text cut at MAX_ACTION_TEXT_CHARS; objects and lists keep their first
    MAX_ACTION_ITEMS entries; nesting deeper than MAX_ACTION_DEPTH is dropped. Numbers, booleans
    and null stay as they are (handlers read their fields through typed payloads, which refuse
    what does not fit). A question in the data is then cut at MAX_QUESTION_CHARS, like chat text
    (bot.conversation.payloads.Question)."""
    if not isinstance(data, dict):
        return {}
    bounded = _bounded(data, 1)
    return bounded if isinstance(bounded, dict) else {}


def _bounded(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        return value[:MAX_ACTION_TEXT_CHARS]
    if isinstance(value, bool | float | None):
        return value
    if isinstance(value, int):  # a 5 000-digit number is not an id: keep it out of int() and the database
        return value if abs(value) < 2**63 else None
    if depth > MAX_ACTION_DEPTH:
        return None
    if isinstance(value, dict):
        return {str(k)[:MAX_ACTION_TEXT_CHARS]: _bounded(v, depth + 1) for k, v in list(value.items())[:MAX_ACTION_ITEMS]}
    if isinstance(value, list):
        return [_bounded(v, depth + 1) for v in value[:MAX_ACTION_ITEMS]]
    return None


def split_submit_value(value: Any) -> tuple[str, dict[str, Any]] | None:
    """(verb, data) of an Action.Submit message value, or None when it carries no verb."""
    if not isinstance(value, dict):
        return None
    verb = value.get("verb")
    if not isinstance(verb, str) or not verb:
        return None
    data = {k: v for k, v in value.items() if k not in ("verb", "msteams")}
    return verb, data
