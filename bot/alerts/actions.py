"""Buttons on the alert card: verbs alert.use_option | new_competition | let_expire | snooze | reassign.

The answer replaces the card in place (Action.Execute): the same facts, the decision with who
and when, and no more buttons. Data: {agreement_id, milestone, due[, new_owner_email]}.
"""

from __future__ import annotations

import datetime as dt

from bot.alerts import cards
from bot.alerts.decisions import DECISIONS, Actor, card_after, decide
from bot.alerts.scan import Context
from bot.answer import Answer
from bot.conversation.card_actions import ActionContext


def handle(ctx: ActionContext) -> Answer:
    """Synchronous core (also used by tests and the CLI)."""
    lang = ctx.user.lang
    decision = ctx.verb.split(".", 1)[1] if "." in ctx.verb else ""
    data = ctx.data or {}
    try:
        due = dt.date.fromisoformat(str(data.get("due", "")))
    except ValueError:
        due = None
    if decision == "open" and due is not None and data.get("copy"):
        return _open(ctx, str(data["copy"]), (str(data.get("agreement_id", "")), str(data.get("milestone", "")), due.isoformat()))
    if decision not in DECISIONS or due is None or not data.get("agreement_id") or not data.get("milestone"):
        return Answer(cards.t("unknown_milestone", lang), kind="alert_action", data={"ok": False, "error": "bad_request"})
    actor = Actor(ctx.user.name, ctx.user.email, ctx.user.aad_object_id, ctx.services.is_admin(ctx.user))
    with ctx.services.database.session() as session:
        context = Context(session, ctx.services.settings, ctx.services.today())
        result = decide(
            context, agreement_id=str(data["agreement_id"]), kind=str(data["milestone"]), due=due, decision=decision,
            actor=actor, lang=lang, new_owner_email=str(data.get("new_owner_email") or ""),
            new_owner_aad=str(data.get("new_owner_aad") or ""), to_section=bool(data.get("to_section")),
            note=str(data.get("reason") or ""), pressed=(ctx.conversation_id, ctx.activity_id),
        )
        card = card_after(context, result, lang)
        copy_key = str(data.get("copy") or "")
        if copy_key and result.ok:  # pressed on an owner's digest card: the digest is redrawn, not replaced
            from bot.alerts.copies import render, today_facts

            card = render(context, copy_key, today_facts(context)) or card
        if not result.ok and result.error in ("unknown_milestone", "not_owner"):
            return Answer(cards.t(result.error, lang), kind="alert_action", data={"ok": False, "error": result.error})
        if not result.ok and result.error in ("bad_email", "picker_unknown", "same_owner") and result.agreement and result.milestone:
            # keep the buttons so the owner can correct the address
            card = cards.alert_card(result.agreement, result.milestone, context.config, lang)
            card["body"].append({"type": "TextBlock", "text": result.lines[0], "color": "Attention", "wrap": True})
    text = " ".join(result.lines) or cards.t("unknown_milestone", lang)
    return Answer(
        text, card=card, kind="alert_action",
        data={"ok": result.ok, "error": result.error, "decision": decision, "queued": [p.key for p in result.queued if p.new],
              "updates": result.updates},
    )


def _open(ctx: ActionContext, copy_key: str, opened: tuple[str, str, str]) -> Answer:
    """"Decide …" on an owner's digest: the same card with that deadline's facts and buttons."""
    from sqlalchemy import select
    from sqlmodel import col

    from bot.alerts.copies import render, today_facts
    from bot.alerts.models import AlertCardCopy
    from bot.alerts.recipients import personal_reference

    lang = ctx.user.lang
    with ctx.services.database.session() as session:
        recipient = session.execute(
            select(col(AlertCardCopy.recipient)).where(col(AlertCardCopy.outbox_key) == copy_key)
        ).scalars().first()
        ref = personal_reference(session, recipient or "")
        allowed = ctx.services.is_admin(ctx.user) or bool(recipient) and (
            (ctx.user.email or "").lower() == recipient
            or bool(ref is not None and ctx.user.aad_object_id and ref.aad_object_id == ctx.user.aad_object_id)
        )
        if not allowed:  # only the card's owner (or the procurement section) sees its deadlines
            return Answer(cards.t("not_owner", lang), kind="alert_action", data={"ok": False, "error": "not_owner"})
        context = Context(session, ctx.services.settings, ctx.services.today())
        card = render(context, copy_key, today_facts(context), opened)
    if card is None:
        return Answer(cards.t("unknown_milestone", lang), kind="alert_action", data={"ok": False, "error": "unknown_milestone"})
    return Answer(cards.t("owner_digest_title", lang, n=1), card=card, kind="alert_action", data={"ok": True, "opened": list(opened)})


async def alert_action(ctx: ActionContext) -> Answer:
    import asyncio

    answer = await asyncio.to_thread(handle, ctx)
    sender = ctx.services.outbox_sender
    if sender is not None and (answer.data.get("queued") or answer.data.get("updates")):
        sender.notify()  # deliver the adviser/new-owner message now rather than at the next poll
    return answer
