"""Card actions: buttons on Adaptive Cards that talk back to the bot, dispatched by verb prefix.

A button is either `{"type": "Action.Execute", "verb": "<area>.<action>", "data": {...}}`
(Teams sends an `adaptiveCard/action` invoke; the answer replaces the card in place) or
`{"type": "Action.Submit", "data": {"verb": "<area>.<action>", ...}}` (Teams sends a message
with `value`; the answer is posted as a new message).

Areas register handlers in `bot/<area>/actions.py`::

    from bot.conversation.card_actions import ActionContext, register

    @register("alerts")            # handles "alerts", "alerts.snooze", "alerts.stop" …
    async def alerts_action(ctx: ActionContext) -> Answer | None:
        ...

The longest registered prefix matching the verb wins ("authority.clarify" before "authority").
A handler returns an `Answer` (shown as the updated card / a new message) or None (nothing to
show; an Action.Execute then keeps the card as it was). Handlers may be sync (run in a worker
thread, so they may use the database) or async.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.answer import Answer
from bot.services import Services, User

logger = logging.getLogger(__name__)


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


Handler = Callable[[ActionContext], "Answer | None | Awaitable[Answer | None]"]
_HANDLERS: dict[str, Handler] = {}
AREA_ACTION_MODULES = ("bot.conversation.actions", "bot.alerts.actions", "bot.courses.actions", "bot.announcements.actions")


def register(prefix: str) -> Callable[[Handler], Handler]:
    """Register `handler` for verbs equal to `prefix` or starting with `prefix + "."`."""
    if not prefix or prefix != prefix.strip():
        raise ValueError(f"invalid card-action prefix {prefix!r}")

    def decorate(handler: Handler) -> Handler:
        existing = _HANDLERS.get(prefix)
        if existing is not None and existing is not handler and _qualname(existing) != _qualname(handler):
            raise ValueError(f"card-action prefix {prefix!r} is already registered by {_qualname(existing)}")
        _HANDLERS[prefix] = handler
        return handler

    return decorate


def _qualname(handler: Handler) -> str:
    return f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', '?')}"


def handler_for(verb: str) -> Handler | None:
    best: str | None = None
    for prefix in _HANDLERS:
        if verb == prefix or verb.startswith(prefix + "."):
            if best is None or len(prefix) > len(best):
                best = prefix
    return _HANDLERS.get(best) if best else None


def registered_prefixes() -> list[str]:
    return sorted(_HANDLERS)


def load_area_actions() -> list[str]:
    """Import every area's actions module that exists (they register themselves); returns those loaded."""
    loaded = []
    for name in AREA_ACTION_MODULES:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except ModuleNotFoundError as exc:
            if not (exc.name and (name == exc.name or name.startswith(exc.name + "."))):
                raise
    return loaded


class UnknownAction(LookupError):
    """No handler for the verb."""


async def dispatch(ctx: ActionContext) -> Answer | None:
    """Run the handler for `ctx.verb`; raises UnknownAction when nobody registered it."""
    handler = handler_for(ctx.verb)
    if handler is None:
        raise UnknownAction(ctx.verb)
    if inspect.iscoroutinefunction(handler):
        result = await handler(ctx)
    else:  # plain functions touch the database: keep them off the event loop
        result = await asyncio.to_thread(handler, ctx)
    if inspect.isawaitable(result):
        result = await result
    return result  # type: ignore[return-value]


def split_submit_value(value: Any) -> tuple[str, dict[str, Any]] | None:
    """(verb, data) of an Action.Submit message value, or None when it carries no verb."""
    if not isinstance(value, dict):
        return None
    verb = value.get("verb")
    if not isinstance(verb, str) or not verb:
        return None
    data = {k: v for k, v in value.items() if k not in ("verb", "msteams")}
    return verb, data
