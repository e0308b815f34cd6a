"""Card actions of announcements: `announce.preview`, `announce.edit`, `announce.send` (admins only)."""

from __future__ import annotations

from bot.announcements import flow
from bot.answer import Answer
from bot.conversation.card_actions import ActionContext


def announce_action(ctx: ActionContext) -> Answer | None:
    if ctx.verb == "announce.preview":
        return flow.preview_answer(ctx.services, ctx.user, ctx.data)
    if ctx.verb == "announce.edit":
        return flow.form_answer(ctx.services, ctx.user, {k: str(v) for k, v in ctx.data.items()})
    if ctx.verb == "announce.send":
        return flow.send_answer(ctx.services, ctx.user, ctx.data)
    if ctx.verb == "announce":
        return flow.form_answer(ctx.services, ctx.user)
    return None
