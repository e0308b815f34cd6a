"""The bot's own card actions: all agreements in a category, feedback, authority follow-ups.

Registered through `bot.conversation.card_actions.register`; loaded by `create_app` like every area's actions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import col, select

from agreements_sync.i18n import format_date, strings
from agreements_sync.models import Agreement, AgreementSupplier
from bot.answer import Answer
from bot.conversation.card_actions import ActionContext, register
from bot.conversations import store
from bot.conversation import cards
from bot.conversation.respond import authority_answer, optional_module, respond, search_service

MAX_CATEGORY_ITEMS = 25


@register("search")
def search_action(ctx: ActionContext) -> Answer | None:
    if ctx.verb == "search.category":
        category = str(ctx.data.get("category") or "").strip()
        if category:
            render = optional_module("bot.search.render")
            service = search_service(ctx.services)
            if render is not None and service is not None and hasattr(render, "category_answer"):
                return render.category_answer(service, category, ctx.services.today(), ctx.user.lang)
            return category_answer(ctx, category)
    if ctx.verb == "search.query":
        query = str(ctx.data.get("q") or ctx.data.get("query") or "").strip()
        if query:
            return respond(ctx.services, ctx.user, query, ctx.state)
    return None


@register("feedback")
def feedback_action(ctx: ActionContext) -> Answer | None:
    helpful = _as_bool(ctx.data.get("helpful"))
    query = str(ctx.data.get("q") or "")
    kind = str(ctx.data.get("kind") or "")
    ids = [str(i) for i in ctx.data.get("ids") or [] if isinstance(i, str | int)]
    with ctx.services.database.session() as session:
        store.record_feedback(
            session, helpful=helpful, query=query, kind=kind, agreement_ids=ids,
            comment=str(ctx.data.get("comment") or ""), aad_object_id=ctx.user.aad_object_id,
            as_of=ctx.services.today(),
        )
    s = strings("bot")
    lang = ctx.user.lang
    thanks = s.get("feedback_thanks", lang) if helpful else s.get("feedback_sorry", lang,
                                                                   email=ctx.services.settings.procurement_email)
    if ctx.kind == "execute" and query:
        # Re-render the rated answer (deterministic) with the thanks in place of the buttons.
        answer = respond(ctx.services, ctx.user, query, {})
        if answer.card is not None:
            answer.card.setdefault("body", []).append(cards.text_block(thanks, isSubtle=True, separator=True))
            answer.card.setdefault("fallbackText", answer.text)
            answer.kind = "feedback"
            return answer
    return cards.text_answer(thanks, "feedback")


@register("authority")
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


# --- all agreements in a category ---------------------------------------------------------------


def category_answer(ctx: ActionContext, category: str) -> Answer:
    s = strings("bot")
    lang = ctx.user.lang
    as_of = ctx.services.today()
    with ctx.services.database.session() as session:
        rows = session.exec(
            select(Agreement).where(Agreement.category == category).order_by(col(Agreement.title))
        ).all()
        suppliers: dict[str, list[str]] = {}
        if rows:
            for sup in session.exec(
                select(AgreementSupplier)
                .where(col(AgreementSupplier.agreement_id).in_([r.id for r in rows]))
                .order_by(col(AgreementSupplier.position))
            ).all():
                suppliers.setdefault(sup.agreement_id, []).append(sup.name)
    items = [(row, _status(row, as_of)) for row in rows]
    active = [(row, status) for row, status in items if status == "active"]
    shown = active or items
    if not shown:
        text = s.get("category_empty", lang, category=category)
        return cards.text_answer(text, "category")
    title = s.get("category_title", lang, category=category, count=len(shown))
    lines = []
    body: list[dict[str, Any]] = [cards.text_block(title, size="Medium", weight="Bolder")]
    for row, status in shown[:MAX_CATEGORY_ITEMS]:
        names = ", ".join(suppliers.get(row.id, [])) or "–"
        end = row.final_end_date or row.end_date
        line = (s.get("agreement_line", lang, title=row.title, suppliers=names, end=_date(end, lang)) if end
                else s.get("agreement_line_open", lang, title=row.title, suppliers=names))
        if status != "active":
            line += f" – {s.get('status_' + status, lang) if ('status_' + status) in s else status}"
        lines.append(f"- {line}")
        body.append({
            "type": "Container", "separator": True, "spacing": "Small",
            "items": [
                cards.text_block(f"**{row.title}**"),
                cards.text_block(line.removeprefix(row.title).lstrip(" –"), isSubtle=True, spacing="None", size="Small"),
            ],
            **({"selectAction": {"type": "Action.OpenUrl", "url": row.document_url}}
               if row.document_url.startswith("https://") else {}),
        })
    if len(shown) > MAX_CATEGORY_ITEMS:
        more = s.get("category_more", lang, count=len(shown) - MAX_CATEGORY_ITEMS)
        lines.append(more)
        body.append(cards.text_block(more, isSubtle=True))
    text = "\n".join([title, *lines])
    return Answer(text=text, card=cards.card(body, fallback=text), kind="category",
                  data={"category": category, "agreement_ids": [r.id for r, _ in shown]})


def _status(row: Agreement, as_of: dt.date) -> str:
    module = optional_module("agreements_sync.status")
    if module is not None and hasattr(module, "status_as_of"):
        try:
            return str(getattr(module.status_as_of(row, as_of), "value", module.status_as_of(row, as_of)))
        except Exception:  # noqa: BLE001 - fall back to the exported status
            pass
    return row.status


def _date(value: dt.date, lang: str) -> str:
    return format_date(value, lang)
