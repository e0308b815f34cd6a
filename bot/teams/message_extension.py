"""The compose-box search (search-based message extension, command id "searchAgreements").

`query_response(services, lang, query)` turns a `composeExtension/query` into the invoke body:
one attachment per matching agreement — the Adaptive Card inserted into the chat, plus a
thumbnail preview shown in the result list. The preview has no `tap`: choosing a result inserts
its card as it is (Teams needs no `composeExtension/selectItem` round trip, and the M365 Agents
Playground refuses results with a tap action, showing "Unable to reach app"). The status shown
is the index's status rule on the day (`Hit.status`, from agreements_sync.status), never the
status the register exported. In-memory search only, no network: far inside Teams' 5 s limit.
"""

from __future__ import annotations

from typing import Any

from agreements_sync.i18n import format_date, strings
from bot.card_safety import answer_text, plain, safe_card, shorten
from bot.conversation import cards
from bot.search.models import Hit
from bot.services import Services

COMMAND_ID = "searchAgreements"
PARAMETER = "query"
MAX_RESULTS = 10
MAX_PREVIEW_CHARS = 300  # a result's title and subtitle in the list (the card itself: bot.card_safety)


def query_text(value: Any) -> str | None:
    """The search text of a composeExtension/query value; None when the value is malformed."""
    if not isinstance(value, dict):
        return None
    parameters = value.get("parameters") or []
    if not isinstance(parameters, list):
        return None
    for parameter in parameters:
        if isinstance(parameter, dict) and parameter.get("name") in (PARAMETER, "searchText", "initialRun"):
            if parameter.get("name") == "initialRun":
                return ""
            return str(parameter.get("value") or "").strip()
    # a client that does not name the parameter (the Playground without the manifest): the only value
    values = [str(p["value"]) for p in parameters if isinstance(p, dict) and isinstance(p.get("value"), str)]
    return values[0].strip() if len(values) == 1 else ""


def query_response(services: Services, lang: str, query: str, *, limit: int = MAX_RESULTS) -> dict[str, Any]:
    s = strings("bot")
    if not query:
        return _message(s.get("msgext_hint", lang))
    search = services.search()
    result = search.search(query, services.today(), limit=limit)
    if not search.index.docs:  # nothing synced yet
        return _message(s.get("msgext_not_loaded", lang))
    # active agreements first, then those that match but are not active now (labelled so)
    attachments = [hit_attachment(hit, lang) for hit in [*result.hits, *result.inactive_matches][:limit]]
    if not attachments:
        return _message(s.get("msgext_none", lang, query=query))
    return {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": attachments}}


def _message(text: str) -> dict[str, Any]:
    return {"composeExtension": {"type": "message", "text": answer_text(text)}}


def hit_attachment(hit: Hit, lang: str) -> dict[str, Any]:
    s = strings("bot")
    status = s.get(f"status_{hit.status}", lang) if f"status_{hit.status}" in s else hit.status
    suppliers = ", ".join(supplier["name"] for supplier in hit.suppliers) or "–"
    subtitle = s.get("msgext_subtitle", lang, suppliers=suppliers, status=status)
    end = hit.final_end_date or hit.end_date
    if end is not None:
        subtitle += f" · {format_date(end, lang)}"
    facts = [{"title": "ID", "value": hit.id}]
    if hit.category:
        facts.append({"title": s.get("label_category", lang), "value": hit.category})
    body: list[dict[str, Any]] = [
        cards.text_block(hit.title, weight="Bolder", size="Medium"),
        cards.text_block(subtitle, isSubtle=True, spacing="None"),
        {"type": "FactSet", "facts": facts},
    ]
    if hit.ordering:
        body.append(cards.text_block(hit.ordering, size="Small"))
    actions = []
    if hit.document_url.startswith("https://"):
        actions.append({"type": "Action.OpenUrl", "title": s.get("label_document", lang), "url": hit.document_url})
    fallback = f"{hit.title} – {subtitle}"
    # register text in a card others will see: through bot.card_safety like every other card
    return {
        "contentType": cards.CARD_CONTENT_TYPE,
        "content": safe_card(cards.card(body, actions, fallback=fallback)),
        "preview": {"contentType": "application/vnd.microsoft.card.thumbnail",
                    "content": {"title": shorten(plain(hit.title), MAX_PREVIEW_CHARS),
                                "text": shorten(plain(subtitle), MAX_PREVIEW_CHARS)}},
    }
