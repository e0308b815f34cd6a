"""Adaptive Cards (1.5) for announcements: what recipients see, and the admin form with preview."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from agreements_sync.i18n import strings
from bot.announcements.models import Announcement
from bot.courses.cards import card

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


def _s(key: str, lang: str, **values: Any) -> str:
    return strings("courses").get(key, lang, **values)


def announcement_body(title: str, text: str, lang: str = "nb", *, corrected_at: dt.datetime | None = None,
                      timezone: str = "Europe/Oslo") -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": _s("announce_from", lang), "isSubtle": True, "size": "Small", "wrap": True},
        {"type": "TextBlock", "text": title, "size": "Large", "weight": "Bolder", "wrap": True},
        {"type": "TextBlock", "text": text, "wrap": True},
    ]
    if corrected_at is not None:
        at = corrected_at.astimezone(ZoneInfo(timezone))
        body.append({"type": "TextBlock", "text": _s("announce_corrected", lang, at=at), "isSubtle": True, "size": "Small", "wrap": True})
    return body


def announcement_activity(announcement: Announcement, timezone: str = "Europe/Oslo") -> dict[str, Any]:
    """The message every recipient gets (also the replacement a correction PUTs)."""
    content = card(announcement_body(announcement.title, announcement.text, "nb", corrected_at=announcement.corrected_at,
                                     timezone=timezone))
    return {
        "type": "message",
        "summary": announcement.title,  # the notification preview; the card shows the title itself
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": content}],
    }


AUDIENCE_KINDS = ("all", "emails", "team", "channel", "category")


def form_card(lang: str, values: Mapping[str, str] | None = None, problem: str = "") -> dict[str, Any]:
    values = values or {}
    kind = values.get("audience", "all").split(":", 1)[0] or "all"
    value = values.get("audience_value", "") or (values.get("audience", "").split(":", 1)[1] if ":" in values.get("audience", "") else "")
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": _s("announce_form_title", lang), "size": "Large", "weight": "Bolder"}]
    if problem:
        body.append({"type": "TextBlock", "text": problem, "color": "Attention", "wrap": True})
    body += [
        {"type": "Input.Text", "id": "title", "label": _s("announce_field_title", lang), "isRequired": True,
         "maxLength": 200, "value": values.get("title", "")},
        {"type": "Input.Text", "id": "text", "label": _s("announce_field_text", lang), "isMultiline": True,
         "isRequired": True, "maxLength": 4000, "value": values.get("text", "")},
        {"type": "Input.ChoiceSet", "id": "audience", "label": _s("announce_field_audience", lang), "value": kind,
         "choices": [{"title": _s(f"announce_audience_{k}", lang), "value": k} for k in AUDIENCE_KINDS]},
        {"type": "Input.Text", "id": "audience_value", "label": _s("announce_field_audience_value", lang), "value": value},
        {"type": "Input.Text", "id": "send_at", "label": _s("announce_field_send_at", lang), "value": values.get("send_at", "")},
    ]
    return card(body, [{"type": "Action.Execute", "verb": "announce.preview", "title": _s("announce_button_preview", lang), "data": {}}])


def preview_card(lang: str, fields: Mapping[str, str], request_key: str, recipients: int, unreachable: int) -> dict[str, Any]:
    data = {**fields, "request_key": request_key}
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": _s("announce_preview_heading", lang, recipients=recipients, unreachable=unreachable),
             "wrap": True, "weight": "Bolder"},
            {"type": "Container", "style": "emphasis", "items": announcement_body(fields["title"], fields["text"], lang)}]
    facts = [{"title": _s("announce_field_audience", lang), "value": fields["audience"]}]
    if fields.get("send_at"):
        facts.append({"title": _s("announce_field_send_at", lang), "value": fields["send_at"]})
    body.append({"type": "FactSet", "facts": facts})
    return card(body, [
        {"type": "Action.Execute", "verb": "announce.send", "title": _s("announce_button_send", lang), "data": data, "style": "positive"},
        {"type": "Action.Execute", "verb": "announce.edit", "title": _s("announce_button_edit", lang), "data": data},
    ])


def message_card(text: str, color: str = "Default") -> dict[str, Any]:
    return card([{"type": "TextBlock", "text": text, "wrap": True, "color": color}])
