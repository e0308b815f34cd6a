"""Adaptive Cards (1.5) of the alerts: the owner's alert card, messages to the procurement
channel, and the weekly digest. Texts come from the alerts message catalog (knowledge/locale/)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agreements_sync.i18n import format_date, format_number, strings
from bot.alerts.config import AlertConfig
from bot.alerts.milestones import AgreementFacts, Milestone
from bot.card_safety import safe_card

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def t(key: str, lang: str, **values: Any) -> str:
    return strings("alerts").get(key, lang, **values)


def money(value: Any, lang: str) -> str:
    return format_number(int(value), lang)


def headline(milestone: Milestone, lang: str, as_of: dt.date | None = None) -> str:
    """What the deadline is; past it (as_of after the due date) it says so."""
    if as_of is not None and as_of > milestone.due and milestone.kind != "expiry":
        return t(f"overdue.{milestone.kind}", lang, due=milestone.due)
    return t(f"headline.{milestone.kind}", lang, due=milestone.due)


def why(milestone: Milestone, config: AlertConfig, lang: str) -> str:
    if milestone.kind == "option":
        return t("why.option", lang, months=milestone.months_before, basis=milestone.basis)
    if milestone.kind == "competition":
        if milestone.estimated_value is None:
            return t("why.competition_unknown", lang, band=milestone.band, months=milestone.months_before, basis=milestone.basis)
        years = f"{config.standard_period_years:g}"
        return t(
            "why.competition", lang, value=money(milestone.estimated_value, lang), years=years, kind=milestone.purchase_kind.replace("_", " "),
            band=milestone.band, months=milestone.months_before, basis=milestone.basis,
        )
    return t("why.expiry", lang)


def activity(card: dict[str, Any], summary: str) -> dict[str, Any]:
    """A message activity carrying one Adaptive Card (what the outbox sends)."""
    return {
        "type": "message",
        "summary": summary,
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
    }


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body}
    if actions:
        card["actions"] = actions
    return safe_card(card)


def _title(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "weight": "Bolder", "size": "Medium", "wrap": True}


def _text(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def _date(value: dt.date | None, lang: str) -> str:
    if value is None:
        return t("none", lang)
    return format_date(value, lang)


def agreement_facts(agreement: AgreementFacts, lang: str, owner: str | None = None) -> dict[str, Any]:
    facts = [
        (t("fact_end", lang), _date(agreement.end_date, lang)),
        (t("fact_final", lang), _date(agreement.final_end_date, lang)),
        (t("fact_options", lang), agreement.options or t("none", lang)),
        (t("fact_suppliers", lang), ", ".join(agreement.suppliers) or t("none", lang)),
        (t("fact_adviser", lang), agreement.adviser or t("none", lang)),
        (
            t("fact_value", lang),
            t("value_kr", lang, value=money(agreement.annual_value, lang)) if agreement.annual_value is not None else t("none", lang),
        ),
    ]
    if owner:
        facts.insert(0, (t("fact_owner", lang), owner))
    return {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in facts]}


def action_data(milestone: Milestone, **extra: Any) -> dict[str, Any]:
    return {"agreement_id": milestone.agreement_id, "milestone": milestone.kind, "due": milestone.due.isoformat(), **extra}


def alert_actions(milestone: Milestone, lang: str, copy_key: str = "") -> list[dict[str, Any]]:
    """The decision buttons; `copy_key` (on a digest card) tells the action which card to redraw."""
    extra = {"copy": copy_key} if copy_key else {}

    def execute(decision: str) -> dict[str, Any]:
        return {
            "type": "Action.Execute",
            "title": t(f"button.{decision}", lang),
            "verb": f"alert.{decision}",
            "data": action_data(milestone, **extra),
        }

    actions = []
    if milestone.kind == "option":
        actions.append(execute("use_option"))
    actions += [execute("new_competition"), execute("let_expire"), execute("snooze")]
    actions.append(reassign_action(milestone, lang, **extra))
    return actions


def reassign_action(milestone: Milestone, lang: str, **extra: Any) -> dict[str, Any]:
    """"Not my agreement": who takes it over — Teams' people picker (an Input.ChoiceSet over the
    organisation's directory), or an e-mail where the client has no picker — and why; or hand it
    to the procurement section."""
    return {
        "type": "Action.ShowCard",
        "title": t("button.reassign", lang),
        "card": _card(
            [
                {
                    "type": "Input.ChoiceSet",
                    "id": "new_owner_aad",
                    "label": t("reassign_picker_label", lang),
                    "choices": [],
                    "choices.data": {"type": "Data.Query", "dataset": "graph.microsoft.com/users"},
                    "isMultiSelect": False,
                    "style": "filtered",
                },
                {
                    "type": "Input.Text",
                    "id": "new_owner_email",
                    "label": t("reassign_label", lang),
                    "placeholder": t("reassign_placeholder", lang),
                    "style": "Email",
                },
                {"type": "Input.Text", "id": "reason", "label": t("reassign_reason_label", lang), "maxLength": 300},
            ],
            [
                {"type": "Action.Execute", "title": t("button.reassign_submit", lang), "verb": "alert.reassign",
                 "data": action_data(milestone, **extra)},
                {"type": "Action.Execute", "title": t("button.to_section", lang), "verb": "alert.reassign",
                 "data": action_data(milestone, to_section=True, **extra)},
            ],
        ),
    }


def passed_on_line(passed_on: tuple[str, str] | None, lang: str) -> list[dict[str, Any]]:
    if not passed_on:
        return []
    who, note = passed_on
    text = t("passed_on_note", lang, who=who, note=note) if note else t("passed_on", lang, who=who)
    return [_text(text, weight="Bolder")]


def snoozed_line(lang: str, who: str, until: dt.date) -> str:
    return t("snoozed_by", lang, who=who or "?", until=until)


def checklist_text(text: str) -> dict[str, Any]:
    return _text(text, isSubtle=True, size="Small", separator=True)


def checklist(lang: str, *, digest: bool = False) -> dict[str, Any]:
    """Teams' notification checklist: why you, what you can do, how to stop it."""
    return _text(t("owner_digest_footer" if digest else "owner_footer", lang), isSubtle=True, size="Small", separator=True)


def alert_card(
    agreement: AgreementFacts,
    milestone: Milestone,
    config: AlertConfig,
    lang: str,
    *,
    reminder_no: int = 0,
    outcome_lines: list[str] | None = None,
    as_of: dt.date | None = None,
    passed_on: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The owner's card; with `outcome_lines` (after an action) it shows them instead of buttons."""
    title_key = "reminder_title" if reminder_no else "alert_title"
    body = [
        _title(t(title_key, lang, n=reminder_no, agreement_id=agreement.id, title=agreement.title)),
        _text(f"**{headline(milestone, lang, as_of)}**", color="Attention" if not outcome_lines else "Default"),
        _text(why(milestone, config, lang), isSubtle=True, size="Small"),
        agreement_facts(agreement, lang),
        *passed_on_line(passed_on, lang),
    ]
    if outcome_lines:
        body += [_text(line, weight="Bolder", color="Good") for line in outcome_lines]
        return _card(body)
    body.append(_text(t("alert_intro", lang)))
    body.append(checklist(lang))
    return _card(body, alert_actions(milestone, lang))


def owner_digest_card(
    items: list[dict[str, Any]], config: AlertConfig, lang: str, as_of: dt.date, max_items: int, copy_key: str = "",
    opened: tuple[str, str, str] | None = None,
) -> dict[str, Any]:
    """All of one owner's new deadlines in one card, most urgent first. Each item:
    {agreement, milestone, reminder_no, outcome_lines, passed_on}. An open item has a "Decide …"
    button (Action.Execute `alert.open`) that redraws the card with that item's facts and buttons
    (`opened` = (agreement id, milestone, due)); a decided item shows the decision instead — so the
    card stays small (26 deadlines ≈ 15 KB) and every item is there."""
    open_items = sum(1 for item in items if not item.get("outcome_lines"))
    body: list[dict[str, Any]] = [
        _title(t("owner_digest_title", lang, n=len(items))),
        _text(t("owner_digest_intro", lang, as_of=as_of, open=open_items), isSubtle=True),
    ]
    for position, item in enumerate(items):
        agreement: AgreementFacts = item["agreement"]
        milestone: Milestone = item["milestone"]
        lines = item.get("outcome_lines") or []
        label = f"**{headline(milestone, lang, as_of)}** – {agreement.id} {agreement.title}"
        if item.get("reminder_no"):
            label += " " + t("owner_digest_reminder", lang, n=item["reminder_no"])
        if position >= max_items:
            body.append(_text(label, size="Small", spacing="None"))
            continue
        container: list[dict[str, Any]] = [_text(label)]
        container += passed_on_line(item.get("passed_on"), lang)
        if lines:
            container += [_text(line, weight="Bolder", color="Good", size="Small") for line in lines]
        elif opened == (agreement.id, milestone.kind, milestone.due.isoformat()):
            container.append(_text(why(milestone, config, lang), isSubtle=True, size="Small", spacing="None"))
            container.append(agreement_facts(agreement, lang))
            container.append({"type": "ActionSet", "actions": alert_actions(milestone, lang, copy_key)})
        else:
            container.append({"type": "ActionSet", "spacing": "Small", "actions": [{
                "type": "Action.Execute", "title": t("button.decide", lang), "verb": "alert.open",
                "data": action_data(milestone, copy=copy_key),
            }]})
        body.append({"type": "Container", "items": container, "separator": True, "spacing": "Medium"})
    if len(items) > max_items:
        body.append(_text(t("owner_digest_more", lang, n=len(items) - max_items), isSubtle=True))
    body.append(checklist(lang, digest=True))
    return _card(body)


def channel_card(title: str, text: str, agreement: AgreementFacts | None, lang: str, owner: str | None = None,
                 footer: str = "", milestone: Milestone | None = None) -> dict[str, Any]:
    """A card for the procurement section (or an adviser); with `milestone`, the decision buttons
    (a member of the section may decide for the owner; every copy of the owner's card follows)."""
    body = [_title(title), _text(text)]
    if agreement is not None:
        body.append(agreement_facts(agreement, lang, owner=owner))
    if footer:
        body.append(checklist_text(footer))
    return _card(body, alert_actions(milestone, lang) if milestone is not None else None)


def list_card(title: str, lines: list[str], max_items: int, lang: str) -> dict[str, Any]:
    body = [_title(title)] + [_text(line, size="Small", spacing="Small") for line in lines[:max_items]]
    if len(lines) > max_items:
        body.append(_text(t("digest_more", lang, n=len(lines) - max_items), isSubtle=True))
    return _card(body)


def digest_card(overview: list[dict[str, Any]], as_of: dt.date, months: int, max_items: int, lang: str) -> dict[str, Any]:
    """Overview rows (see bot.alerts.overview) grouped by month, at most `max_items` lines."""
    open_count = sum(1 for row in overview if not row["status"].startswith("decided"))
    body: list[dict[str, Any]] = [_title(t("digest_title", lang, months=months))]
    if not overview:
        body.append(_text(t("digest_empty", lang, months=months)))
        return _card(body)
    body.append(_text(t("digest_intro", lang, as_of=as_of, count=len(overview), open=open_count), isSubtle=True))
    current_month = None
    for row in overview[:max_items]:
        month = row["due"].replace(day=1)
        if month != current_month:
            current_month = month
            body.append(_text(t("month", lang, month=month).capitalize(), weight="Bolder", separator=True, spacing="Medium"))
        body.append(
            _text(
                t(
                    "digest_line", lang, due=row["due"], milestone=t(f"milestone.{row['milestone']}", lang),
                    agreement_id=row["agreement_id"], title=row["title"], status=status_text(row, lang),
                ),
                size="Small", spacing="None",
            )
        )
    if len(overview) > max_items:
        body.append(_text(t("digest_more", lang, n=len(overview) - max_items), isSubtle=True))
    return _card(body)


def status_text(row: dict[str, Any], lang: str) -> str:
    status = row["status"]
    if status == "decided":
        return t("status.decided", lang, decision=t(f"decision.{row['decision']}", lang))
    return t(f"status.{status}", lang)
