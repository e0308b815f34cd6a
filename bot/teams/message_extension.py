"""The compose-box search (search-based message extension, command id "searchAgreements").

`query_response(services, lang, query)` turns a `composeExtension/query` into the invoke body:
one attachment per matching agreement — the Adaptive Card inserted into the chat plus a
thumbnail preview shown in the result list. In-memory search only, no network: far inside
Teams' 5-second limit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from agreements_sync.i18n import format_date, strings
from bot.services import Services
from bot.conversation import cards

COMMAND_ID = "searchAgreements"
PARAMETER = "query"
MAX_RESULTS = 10


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
    return ""


def query_response(services: Services, lang: str, query: str, *, limit: int = MAX_RESULTS) -> dict[str, Any]:
    s = strings("bot")
    if not query:
        return _message(s.get("msgext_hint", lang))
    result = services.search().search(query, services.today(), limit=limit)
    hits = list(getattr(result, "hits", None) or [])
    attachments = [hit_attachment(_view(hit), lang) for hit in hits[:limit]]
    if not attachments:
        return _message(s.get("msgext_none", lang, query=query))
    return {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": attachments}}


def select_item_response(services: Services, lang: str, value: Any) -> dict[str, Any]:
    """composeExtension/selectItem: the full card of the tapped agreement (its id in value)."""
    agreement_id = value.get("agreement_id") if isinstance(value, dict) else None
    if not agreement_id:
        return _message(strings("bot").get("msgext_hint", lang))
    from agreements_sync.models import Agreement, AgreementSupplier
    from sqlmodel import col, select

    with services.database.session() as session:
        row = session.get(Agreement, str(agreement_id))
        if row is None:
            return _message(strings("bot").get("msgext_none", lang, query=str(agreement_id)))
        names = [sup.name for sup in session.exec(select(AgreementSupplier).where(
            AgreementSupplier.agreement_id == row.id).order_by(col(AgreementSupplier.position))).all()]
    view = {"id": row.id, "title": row.title, "category": row.category, "suppliers": names,
            "end_date": row.final_end_date or row.end_date, "status": row.status, "document_url": row.document_url,
            "ordering": row.ordering}
    attachment = hit_attachment(view, lang)
    return {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": [attachment]}}


def _message(text: str) -> dict[str, Any]:
    return {"composeExtension": {"type": "message", "text": text}}


def _get(obj: Any, *names: str) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value not in (None, "", []):
            return value
    return None


def _view(hit: Any) -> dict[str, Any]:
    """A plain view of a search hit, whatever the search returns (object or dict)."""
    agreement = _get(hit, "agreement", "view") or hit
    suppliers = _get(agreement, "suppliers", "supplier_names") or []
    names = [str(_get(s, "name") or s) if not isinstance(s, str) else s for s in suppliers]
    status = _get(hit, "status") or _get(agreement, "status_as_of", "status") or ""
    return {
        "id": str(_get(agreement, "id", "agreement_id") or ""),
        "title": str(_get(agreement, "title") or ""),
        "category": str(_get(agreement, "category") or ""),
        "suppliers": names,
        "end_date": _get(agreement, "final_end_date", "end_date"),
        "status": str(getattr(status, "value", status)),
        "document_url": str(_get(agreement, "document_url") or ""),
        "ordering": str(_get(agreement, "ordering") or ""),
    }


def hit_attachment(view: dict[str, Any], lang: str) -> dict[str, Any]:
    s = strings("bot")
    status_key = f"status_{view['status']}"
    status = s.get(status_key, lang) if status_key in s else view["status"]
    suppliers = ", ".join(view["suppliers"]) or "–"
    subtitle = s.get("msgext_subtitle", lang, suppliers=suppliers, status=status)
    end = view.get("end_date")
    if isinstance(end, dt.date):
        end_text = format_date(end, lang)
        subtitle += f" · {end_text}"
    facts = [{"title": "ID", "value": view["id"]}]
    if view["category"]:
        facts.append({"title": s.get("label_category", lang), "value": view["category"]})
    body: list[dict[str, Any]] = [
        cards.text_block(view["title"], weight="Bolder", size="Medium"),
        cards.text_block(subtitle, isSubtle=True, spacing="None"),
        {"type": "FactSet", "facts": facts},
    ]
    if view["ordering"]:
        body.append(cards.text_block(view["ordering"], size="Small"))
    actions = []
    if view["document_url"].startswith("https://"):
        actions.append({"type": "Action.OpenUrl", "title": s.get("label_document", lang),
                        "url": view["document_url"]})
    fallback = f"{view['title']} – {subtitle}"
    return {
        "contentType": cards.CARD_CONTENT_TYPE,
        "content": cards.card(body, actions, fallback=fallback),
        "preview": {
            "contentType": "application/vnd.microsoft.card.thumbnail",
            "content": {"title": view["title"], "text": subtitle, "tap": {"type": "invoke", "value": {"agreement_id": view["id"]}}},
        },
    }
