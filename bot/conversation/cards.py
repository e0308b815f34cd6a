"""Adaptive Card 1.5 building blocks of the bot's own answers (help, welcome, feedback, category).

Cards are plain dicts; every text comes from the `bot` message catalog (`knowledge/locale/`). `decorate` adds the
bot's standard actions (feedback; all agreements in the category; contact the adviser) to an
area's answer card.
"""

from __future__ import annotations

import copy
import urllib.parse
import uuid
from typing import Any

from agreements_sync.i18n import strings
from bot.answer import Answer
from bot.conversation import payloads

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None, fallback: str = "") -> dict[str, Any]:
    content: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body}
    if actions:
        content["actions"] = actions
    if fallback:
        content["fallbackText"] = fallback
    return content


def text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def ask_button(question: str) -> dict[str, Any]:
    """A button that asks `question` as if the user typed it. Plain Action.Submit data, not
    Teams' `msteams: {type: imBack}`: the M365 Agents Playground fails on any Submit data holding
    `msteams` ("Cannot add property msTeams, object is not extensible") and sends nothing."""
    return {"type": "Action.Submit", "title": question, "data": {"verb": "ask", **payloads.Ask(q=question).model_dump()}}


def execute(title: str, verb: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": dict(data or {})}


def suggestions(lang: str) -> list[str]:
    s = strings("bot")
    return [s.get(f"suggestion_{i}", lang) for i in (1, 2, 3)]


def welcome_answer(lang: str, name: str = "", *, team: bool = False) -> Answer:
    s = strings("bot")
    first = name.split()[0] if name.strip() else ""
    title = s.get("welcome_title", lang, name=f" {first}" if first else "")
    intro = s.get("welcome_text_team" if team else "welcome_text", lang)
    questions = suggestions(lang)
    text = "\n".join([title, intro, *[f"- {q}" for q in questions]])
    body = [text_block(title, size="Large", weight="Bolder"), text_block(intro)]
    return Answer(
        text=text,
        card=card(body, [ask_button(q) for q in questions], fallback=text),
        kind="welcome",
        suggested_actions=questions,
    )


def help_answer(lang: str, email: str) -> Answer:
    s = strings("bot")
    title = s.get("help_title", lang)
    topics = [s.get(k, lang) for k in ("help_topic_search", "help_topic_authority", "help_topic_alerts", "help_topic_courses")]
    footer = s.get("help_footer", lang, email=email)
    intro = s.get("help_text", lang)
    text = "\n".join([title, intro, *[f"- {t}" for t in topics], footer])
    body = [
        text_block(title, size="Large", weight="Bolder"),
        text_block(intro),
        *[text_block(f"- {t}", spacing="Small") for t in topics],
        text_block(footer, isSubtle=True, size="Small"),
    ]
    questions = suggestions(lang)
    return Answer(text=text, card=card(body, [ask_button(q) for q in questions], fallback=text), kind="help",
                  suggested_actions=questions)


def text_answer(text: str, kind: str) -> Answer:
    return Answer(text=text, card=card([text_block(text)], fallback=text), kind=kind)


# --- decorating an area's answer ---------------------------------------------------------------

FEEDBACK_KINDS = {"agreement", "no_agreement", "no_active_agreement", "agreements", "authority", "category"}
FEEDBACK_QUESTION_ID = "feedback-question"
FEEDBACK_ACTIONS_ID = "feedback-actions"
FEEDBACK_THANKS_ID = "feedback-thanks"
REMEMBERED_CARDS = 5


def decorate(answer: Answer, lang: str, *, query: str = "", ids: list[str] | None = None) -> Answer:
    """Ensure a card with a fallback text and add the bot's standard actions to it."""
    if answer.card is None:
        answer.card = card([text_block(answer.text)])
    answer.card.setdefault("version", "1.5")
    answer.card.setdefault("fallbackText", answer.text)
    if answer.kind not in FEEDBACK_KINDS:
        return answer
    actions: list[dict[str, Any]] = answer.card.setdefault("actions", [])
    present = _all_actions(answer.card)
    verbs = {a.get("verb") or (a.get("data") or {}).get("verb") for a in present}
    s = strings("bot")
    top = _top_agreement(answer.data)
    category = str(top.get("category") or "") if top else ""
    if category and "search.category" not in verbs and answer.kind in {"agreement", "agreements"}:
        actions.append(execute(s.get("action_show_category", lang, category=category), "search.category",
                               {"category": category}))
    adviser_email = str(top.get("adviser_email") or "") if top else ""
    has_contact = any(a.get("type") == "Action.OpenUrl" and adviser_email and adviser_email in str(a.get("url"))
                      for a in present)
    if adviser_email and not has_contact:
        actions.append(chat_link(s.get("action_contact_adviser", lang), adviser_email, query))
    card_id = uuid.uuid4().hex[:12]
    feedback = payloads.Feedback(helpful=True, q=(query or str(answer.data.get("query") or ""))[:payloads.MAX_QUERY],
                                 kind=answer.kind, ids=list(ids or [])[:10], card=card_id).model_dump(exclude={"helpful", "comment"})
    answer.card["body"].append(text_block(s.get("feedback_question", lang), id=FEEDBACK_QUESTION_ID, isSubtle=True,
                                          size="Small", separator=True))
    answer.card["body"].append({
        "type": "ActionSet",
        "id": FEEDBACK_ACTIONS_ID,
        "spacing": "Small",
        "actions": [
            execute(s.get("feedback_yes", lang), "feedback", {**feedback, "helpful": True}),
            execute(s.get("feedback_no", lang), "feedback", {**feedback, "helpful": False}),
        ],
    })
    answer.data["card_id"] = card_id
    if not actions:
        answer.card.pop("actions", None)
    return answer


def rated(card: dict[str, Any], thanks: str) -> dict[str, Any]:
    """The rated answer's card as it was, with the thanks in place of "was this helpful?" and its buttons."""
    updated = copy.deepcopy(card)
    updated["body"] = [item for item in updated.get("body", [])
                       if item.get("id") not in (FEEDBACK_QUESTION_ID, FEEDBACK_ACTIONS_ID)]
    updated["body"].append(text_block(thanks, id=FEEDBACK_THANKS_ID, isSubtle=True, separator=True))
    return updated


def remember_card(state: dict[str, Any], answer: Answer) -> None:
    """Keep the card of an answer that asks for feedback (the last few), so that a rating can
    update exactly that card in place without answering the question again."""
    card_id = answer.data.get("card_id")
    if not card_id or answer.card is None:
        return
    remembered = dict(state.get("cards") or {})
    remembered[str(card_id)] = answer.card
    state["cards"] = dict(list(remembered.items())[-REMEMBERED_CARDS:])


def _all_actions(content: Any) -> list[dict[str, Any]]:
    """Every action of a card: top-level, in ActionSets, in containers."""
    found: list[dict[str, Any]] = []
    if isinstance(content, dict):
        if isinstance(content.get("type"), str) and content["type"].startswith("Action."):
            found.append(content)
        for value in content.values():
            if isinstance(value, list | dict):
                found += _all_actions(value)
    elif isinstance(content, list):
        for item in content:
            found += _all_actions(item)
    return found


def chat_link(title: str, email: str, topic: str = "") -> dict[str, Any]:
    """A Teams deep link opening a 1:1 chat with the adviser (works from mail and Teams clients)."""
    params = {"users": email}
    if topic:
        params["message"] = topic[:200]
    return {"type": "Action.OpenUrl", "title": title,
            "url": "https://teams.microsoft.com/l/chat/0/0?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)}


def _top_agreement(data: dict[str, Any]) -> dict[str, Any] | None:
    """The first agreement in an area's answer data, whatever its exact shape."""
    for key in ("hits", "agreements", "results"):
        items = data.get(key)
        if isinstance(items, list) and items:
            first = items[0]
            if isinstance(first, dict):
                inner = first.get("agreement")
                return inner if isinstance(inner, dict) else first
    top = data.get("agreement")
    return top if isinstance(top, dict) else None


# --- the activity ------------------------------------------------------------------------------


def attachment(content: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


def reply_payload(answer: Answer) -> dict[str, Any]:
    """The parts of a message activity for an answer.

    With a card, the text goes in `summary` (notifications, the chat list) and in the card's
    `fallbackText` (clients that cannot render it), not in `text`: Teams would show it above the
    card and the answer would appear twice. Without a card the text is the message.
    """
    if answer.card is None:
        return {"type": "message", "text": answer.text, "textFormat": "markdown"}
    answer.card.setdefault("fallbackText", answer.text)
    return {"type": "message", "summary": answer.text, "attachments": [attachment(answer.card)]}
