"""A `SearchResult` as the bot shows it: plain text plus an Adaptive Card 1.5 (nb, nn or en).

Every text comes from the `search` message catalog (`knowledge/locale/`). Buttons:
- "show all agreements in the category": Action.Submit {"verb": "search.category", "category": …}
- "contact the procurement adviser": Action.OpenUrl mailto: the adviser, else the procurement section
- on "no active agreement": "Hva gjør jeg nå?" Action.Submit {"verb": "authority.start", "query"}
- on candidates ("probably one of these"): per candidate "Det er denne" Action.Submit
  {"verb": "search.pick", "query", "id"} (recorded: the bot learns), and "Ingen av disse"
  {"verb": "search.none_of_these", "query", "ids"} (to the procurement section's list)
"Was this helpful?" is added by the conversation (bot/conversation/cards.py: decorate), as on
every answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from agreements_sync.i18n import Language, format_date, strings
from bot.answer import Answer
from bot.card_safety import person_link
from bot.search.models import Hit, SearchResult

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def _t(key: str, lang: str, **values: Any) -> str:
    return strings("search").get(key, lang, **values)


def _date(value: dt.date | None, lang: str) -> str:
    if value is None:
        return "–"
    return format_date(value, lang)


def _period(hit: Hit, lang: str) -> str:
    """"1. jan. 2020 – 31. des. 2026"; an agreement without an end date ("Until further notice" in
    the register) runs from its start."""
    if hit.end_date is None and hit.start_date is not None:
        return _t("period_open", lang, start=_date(hit.start_date, lang))
    return _t("period_value", lang, start=_date(hit.start_date, lang), end=_date(hit.end_date, lang))


def _suppliers(hit: Hit) -> str:
    names = [f"{s['name']} ({s['org_number']})" if s.get("org_number") else s["name"] for s in hit.suppliers]
    if hit.ranked and len(names) > 1:
        return "; ".join(f"{rank}. {name}" for rank, name in enumerate(names, start=1))
    return ", ".join(names) or "–"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _notices(hit: Hit, lang: str) -> list[str]:
    """Replaced, sent here by another agreement's exclusion, or ending soon (with the successor or
    the competition under way)."""
    lines = []
    if hit.replaces:
        lines.append(_t("replaces", lang, old=hit.replaces))
    if hit.instead_of:
        lines.append(_t("instead_of", lang, other=hit.instead_of))
    if hit.ends_soon:
        notice = hit.ends_soon
        end = _date(dt.date.fromisoformat(notice["end"]), lang)
        if notice.get("successor"):
            lines.append("⚠️ " + _t("ends_soon_successor", lang, end=end, successor=notice["successor"]))
        elif notice.get("under_competition"):
            lines.append("⚠️ " + _t("ends_soon_competition", lang, end=end, competition=notice["under_competition"]))
        else:
            lines.append("⚠️ " + _t("ends_soon", lang, end=end))
    return lines


def _scope_items(hit: Hit, lang: str) -> list[dict[str, Any]]:
    """What the agreement covers and excludes, and its notices (replaced, ending soon)."""
    items: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": line, "wrap": True, "color": "Warning" if line.startswith("⚠️") else "Accent",
         "spacing": "Small"} for line in _notices(hit, lang)
    ]
    if hit.scope:
        items.append({"type": "TextBlock", "text": f"**{_t('label_covers', lang)}:** {_shorten(hit.scope, 400)}",
                      "wrap": True, "spacing": "Small"})
    if hit.excludes:
        items.append({"type": "TextBlock", "text": f"**{_t('label_excludes', lang)}:** {_shorten('; '.join(hit.excludes), 300)}",
                      "wrap": True, "spacing": "Small", "isSubtle": True})
    return items


def _ordering(hit: Hit, lang: str) -> str:
    mode = _t("ehandel_yes" if hit.ehandel else "ehandel_no", lang)
    if hit.ehandel_note:
        mode = f"{mode} ({hit.ehandel_note})"
    return f"{mode}. {hit.ordering}".strip() if hit.ordering else mode


def _person(name: str, email: str) -> str:
    if name and email:
        return f"{name} ({email})"
    return name or email or "–"


def _reasons(hit: Hit, lang: str) -> str:
    seen: list[str] = []
    for reason in hit.reasons:
        text = _t("why_match", lang, query=reason.query, matched=reason.matched, field=_t(f"field_{reason.field}", lang))
        if text not in seen:
            seen.append(text)
    return "; ".join(seen)


def _contact(hit: Hit, lang: str, procurement_email: str) -> dict[str, Any] | None:
    """The button that writes to the agreement's procurement adviser, or to the procurement
    section when the register names no adviser e-mail (never to the agreement owner)."""
    email = hit.adviser_email or procurement_email
    if not email:
        return None
    subject = quote(_t("mail_subject", lang, id=hit.id, title=hit.title))
    title = _t("button_contact_adviser" if hit.adviser_email else "button_contact_procurement", lang)
    return {"type": "Action.OpenUrl", "title": title, "url": f"mailto:{email}?subject={subject}"}


def _person_markdown(name: str, email: str) -> str:
    """A person in a card's fact: the name as a mail link, so a long address cannot clip the value column."""
    return person_link(name, email)


def _facts(hit: Hit, lang: str, *, with_reasons: bool = True, card: bool = False) -> list[dict[str, str]]:
    person = _person_markdown if card else _person
    facts = [
        {"title": _t("label_ranking" if hit.ranked and len(hit.suppliers) > 1 else "label_suppliers", lang),
         "value": _suppliers(hit)},
        {"title": _t("label_period", lang), "value": _period(hit, lang)},
        {"title": _t("label_final_end", lang), "value": _date(hit.final_end_date, lang)},
        {"title": _t("label_ordering", lang), "value": _ordering(hit, lang)},
        {"title": _t("label_owner", lang), "value": person(hit.owner_name, hit.owner_email)},
        {"title": _t("label_adviser", lang), "value": person(hit.adviser, hit.adviser_email)},
    ]
    if hit.status != "active":
        facts.insert(0, {"title": _t("label_status", lang), "value": _t(f"status_{hit.status}", lang)})
    if with_reasons and hit.reasons:
        facts.append({"title": _t("label_why", lang), "value": _reasons(hit, lang)})
    return facts


def _hit_text(hit: Hit, lang: str) -> str:
    lines = [f"{hit.title} ({hit.id})"]
    lines += [f"  {line}" for line in _notices(hit, lang)]
    if hit.scope:
        lines.append(f"  {_t('label_covers', lang)}: {_shorten(hit.scope, 400)}")
    if hit.excludes:
        lines.append(f"  {_t('label_excludes', lang)}: {_shorten('; '.join(hit.excludes), 300)}")
    lines += [f"  {fact['title']}: {fact['value']}" for fact in _facts(hit, lang)]
    if hit.document_url:
        lines.append(f"  {_t('label_document', lang)}: {hit.document_url}")
    return "\n".join(lines)


def _hit_container(hit: Hit, lang: str, *, emphasis: bool, procurement_email: str) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": f"{hit.title} ({hit.id})", "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": hit.category, "isSubtle": True, "spacing": "None", "wrap": True},
        *_scope_items(hit, lang),
        {"type": "FactSet", "facts": _facts(hit, lang, card=True)},
    ]
    if len(hit.suppliers) > 1:
        items.append({"type": "TextBlock", "text": _t("parallel_in_agreement", lang, count=len(hit.suppliers)),
                      "isSubtle": True, "wrap": True, "size": "Small"})
    actions: list[dict[str, Any]] = []
    if hit.document_url:
        actions.append({"type": "Action.OpenUrl", "title": _t("button_document", lang), "url": hit.document_url})
    contact = _contact(hit, lang, procurement_email)
    if contact is not None:
        actions.append(contact)
    if actions:
        items.append({"type": "ActionSet", "actions": actions})
    return {"type": "Container", "style": "emphasis" if emphasis else "default", "items": items, "separator": True}


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]]) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": "1.5", "body": body}
    if actions:
        card["actions"] = actions
    return card


def search_answer(result: SearchResult, lang: str = "nb", as_of: dt.date | None = None, *, procurement_email: str = "") -> Answer:
    """The answer to one search: the best agreement(s), or "no (active) agreement"."""
    lang = Language.parse(lang)
    if result.no_active_agreement:
        return _no_active_answer(result, lang, procurement_email)
    if not result.hits:
        return _unknown_answer(result, lang, procurement_email)
    if result.answer == "candidates":
        return _candidates_answer(result, lang, procurement_email)
    hits = result.hits
    parallel_ids = set(result.parallel[0]) if result.parallel else set()
    lead = [h for h in hits if h.id in parallel_ids] or hits[:1]
    others = [h for h in hits if h not in lead]
    if len(lead) > 1:
        intro = _t("parallel_intro", lang, count=len(lead), category=lead[0].category)
    else:
        intro = _t("found_one", lang, query=result.query)
    text_parts = [intro, *(_hit_text(h, lang) for h in lead)]
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": intro, "wrap": True, "weight": "Bolder"}]
    body += [_hit_container(h, lang, emphasis=True, procurement_email=procurement_email) for h in lead]
    if others:
        text_parts.append("\n".join([_t("alternatives", lang), *(f"- {h.title} ({h.id})" for h in others)]))
        body.append({"type": "TextBlock", "text": _t("alternatives", lang), "wrap": True, "weight": "Bolder", "separator": True})
        body += [_hit_container(h, lang, emphasis=False, procurement_email=procurement_email) for h in others]
    actions: list[dict[str, Any]] = [
        {"type": "Action.Submit", "title": _t("button_category", lang),
         "data": {"verb": "search.category", "category": lead[0].category}},
    ]
    data = {**result.to_json(), "lang": lang}  # each agreement's container has its own contact button
    return Answer(text="\n\n".join(text_parts), card=_card(body, actions), kind="agreement", data=data)


MAX_CANDIDATES = 3


def _candidates_answer(result: SearchResult, lang: str, procurement_email: str) -> Answer:
    """"Probably one of these": two or three candidates, each with a button to pick it (the pick
    is recorded, so the bot learns what the municipality calls things)."""
    parallel = set(result.parallel[0]) if result.parallel else set()
    shown: list[Hit] = []
    for hit in result.hits:
        if len(shown) >= MAX_CANDIDATES and hit.id not in parallel:
            break
        shown.append(hit)
    intro = _t("candidates_intro", lang, query=result.query)
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": intro, "wrap": True, "weight": "Bolder"}]
    lines = [intro]
    for hit in shown:
        summary = _shorten(hit.scope or hit.category, 160)
        lines.append(f"- {hit.title} ({hit.id}): {summary}")
        body.append({
            "type": "Container", "separator": True, "items": [
                {"type": "TextBlock", "text": f"{hit.title} ({hit.id})", "weight": "Bolder", "wrap": True},
                {"type": "TextBlock", "text": summary, "wrap": True, "isSubtle": True, "spacing": "None"},
                {"type": "ActionSet", "actions": [
                    {"type": "Action.Submit", "title": _t("button_pick", lang),
                     "data": {"verb": "search.pick", "query": result.query, "id": hit.id}},
                ]},
            ],
        })
    ids = [h.id for h in shown]
    actions: list[dict[str, Any]] = [
        {"type": "Action.Submit", "title": _t("button_none_of_these", lang),
         "data": {"verb": "search.none_of_these", "query": result.query, "ids": ids}},
    ]
    if procurement_email:
        actions.append({"type": "Action.OpenUrl", "title": _t("button_contact_procurement", lang),
                        "url": f"mailto:{procurement_email}"})
    data = {**result.to_json(), "lang": lang, "candidates": ids}
    return Answer(text="\n".join(lines), card=_card(body, actions), kind="candidates", data=data)


def _unknown_answer(result: SearchResult, lang: str, procurement_email: str) -> Answer:
    """Nothing matched well enough to name an agreement — or to say that there is none: "I found
    none" when the words were understood (a real need, perhaps under another name), "I did not
    understand" when none was."""
    understood = result.understood > 0
    lines = [_t("not_found" if understood else "unknown", lang, query=result.query)]
    if procurement_email:
        lines.append(_t("contact_procurement", lang, email=procurement_email))
    body = [{"type": "TextBlock", "text": line, "wrap": True} for line in lines]
    actions: list[dict[str, Any]] = [
        {"type": "Action.Submit", "title": _t("what_now", lang), "data": {"verb": "authority.start", "query": result.query}},
    ]
    data = {**result.to_json(), "lang": lang}
    return Answer(text="\n".join(lines), card=_card(body, actions), kind="no_agreement" if understood else "unknown",
                  data=data)


def pick_answer(hit: Hit, query: str, lang: str = "nb", *, procurement_email: str = "") -> Answer:
    """The agreement an employee picked among the candidates: its full card."""
    lang = Language.parse(lang)
    intro = _t("picked", lang, query=query)
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": intro, "wrap": True, "weight": "Bolder"},
                                  _hit_container(hit, lang, emphasis=True, procurement_email=procurement_email)]
    return Answer(text="\n\n".join([intro, _hit_text(hit, lang)]), card=_card(body, []), kind="agreement",
                  data={"query": query, "ids": [hit.id], "hits": [hit.to_json()], "answer": "agreement", "why": ["picked"]})


def _inactive_line(hit: Hit, lang: str) -> str:
    if hit.status == "under_competition":
        contact = _person(hit.owner_name, hit.owner_email)
        if hit.adviser:
            contact = f"{contact} / {hit.adviser}"
        return _t("inactive_under_competition", lang, title=hit.title, id=hit.id, contact=contact)
    if hit.status == "not_started":
        return _t("inactive_not_started", lang, title=hit.title, id=hit.id, start=_date(hit.start_date, lang))
    return _t("inactive_expired", lang, title=hit.title, id=hit.id, end=_date(hit.end_date, lang))


def _no_active_answer(result: SearchResult, lang: str, procurement_email: str) -> Answer:
    if result.inactive_matches:
        title = _t("no_active_title", lang)
        lines = [_t("no_active", lang, query=result.query)]
        # under competition first: that is what the employee can wait for
        ordered = sorted(result.inactive_matches, key=lambda h: h.status != "under_competition")
        lines += [_inactive_line(h, lang) for h in ordered]
        kind = "no_active_agreement"
    else:
        title = _t("no_agreement_title", lang)
        lines = [_t("no_agreement", lang, query=result.query)]
        ordered = []
        kind = "no_agreement"
    if procurement_email:
        lines.append(_t("contact_procurement", lang, email=procurement_email))
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
        *({"type": "TextBlock", "text": line, "wrap": True} for line in lines),
    ]
    for hit in ordered:
        body.append({
            "type": "Container", "separator": True, "items": [
                {"type": "TextBlock", "text": f"{hit.title} ({hit.id})", "weight": "Bolder", "wrap": True},
                {"type": "FactSet", "facts": _facts(hit, lang, with_reasons=False, card=True)},
            ],
        })
    actions: list[dict[str, Any]] = [
        {"type": "Action.Submit", "title": _t("what_now", lang), "data": {"verb": "authority.start", "query": result.query}},
    ]
    contact = next((c for c in (_contact(h, lang, procurement_email) for h in ordered) if c is not None), None)
    if contact is not None:
        actions.append(contact)
    elif procurement_email:
        actions.append({"type": "Action.OpenUrl", "title": _t("button_contact_procurement", lang),
                        "url": f"mailto:{procurement_email}"})
    data = {**result.to_json(), "lang": lang}
    return Answer(text="\n".join(lines), card=_card(body, actions), kind=kind, data=data)


def category_answer(service: Any, category: str, as_of: dt.date, lang: str = "nb", *, procurement_email: str = "") -> Answer:
    """Every active agreement of a category (the "show all in the category" button)."""
    lang = Language.parse(lang)
    hits: list[Hit] = service.category(category, as_of)
    if not hits:
        text = _t("category_empty", lang, category=category)
        return Answer(text=text, card=_card([{"type": "TextBlock", "text": text, "wrap": True}], []), kind="category",
                      data={"category": category, "ids": []})
    title = _t("category_title", lang, category=category)
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True}]
    body += [_hit_container(h, lang, emphasis=False, procurement_email=procurement_email) for h in hits]
    text = "\n\n".join([title, *(_hit_text(h, lang) for h in hits)])
    return Answer(text=text, card=_card(body, []), kind="category",
                  data={"category": category, "ids": [h.id for h in hits], "hits": [h.to_json() for h in hits]})
