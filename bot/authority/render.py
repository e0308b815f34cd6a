"""The authority answer as text and an Adaptive Card 1.5: short and plain first, details on request.

Every sentence comes from the `authority` message catalog (`knowledge/locale/`) or from the matrix data (role names,
requirement texts, regulation, thresholds with source and valid-from); nothing is stated that the
matrix does not contain. A result with `missing` becomes a follow-up question with choices.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from agreements_sync.i18n import format_date, format_number, strings, translate_data
from bot.answer import Answer
from bot.authority import matrix as mx
from bot.authority.analysis import AuthorityResult
from bot.authority.knowledge import MATRIX_TEXTS
from bot.authority.matrix import ThresholdInForce

DETAILS_ID = "authority-details"
CLARIFY_VERB = "authority.clarify"


def _s(key: str, lang: str, **values: Any) -> str:
    return strings("authority").get(key, lang, **values)


def fmt_nok(value: float | int, lang: str) -> str:
    return format_number(int(round(value)), lang)


def plain_nok(value: float | int) -> str:
    """An amount as the user would type it (a choice's value, read back by the parser)."""
    return f"{int(round(value)):,}".replace(",", " ")


def fmt_date(day: Any, lang: str) -> str:
    return format_date(day, lang)


def threshold_name(threshold: ThresholdInForce, lang: str) -> str:
    if lang == "en":
        return threshold.name_en
    return translate_data(MATRIX_TEXTS, threshold.name_nb, lang)


def role_name(role_id: str | None, lang: str) -> str:
    if not role_id:
        return ""
    return mx.matrix().role(role_id).name.get(lang)


def role_short(role_id: str | None, lang: str) -> str:
    """The role as used in a sentence ("innkjøpsseksjonen"), or its name."""
    if not role_id:
        return ""
    role = mx.matrix().role(role_id)
    return (role.short or role.name).get(lang)


def kind_name(kind_id: str | None, lang: str) -> str:
    if not kind_id:
        return ""
    return mx.matrix().kind(kind_id).name.get(lang)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def _contact(lang: str) -> str:
    c = mx.matrix().contact
    return _s("contact", lang, name=c.name.get(lang), email=c.email, phone=c.phone)


def authority_answer(result: AuthorityResult, lang: str = "nb") -> Answer:
    """The answer for a result of `analyse` (a follow-up question when something is missing)."""
    if result.rule == "silent":
        return _silent(result, lang)
    if result.rule == "framework":
        return _framework(result, lang)
    if result.missing:
        return _clarify(result, lang)
    return _band(result, lang)


# ---- the parts ---------------------------------------------------------------------------------


def _requirement_lines(ids: list[str], lang: str) -> list[str]:
    m = mx.matrix()
    return [m.requirement(rid).text.get(lang) for rid in ids]


def _steps_text(result: AuthorityResult, lang: str) -> list[str]:
    out = []
    for step in result.steps:
        values = dict(step.values)
        for key in ("nok", "total", "gross", "net", "value", "limit", "min"):
            if isinstance(values.get(key), int | float):
                values[key] = fmt_nok(values[key], lang)
        if "date" in values:
            values["date"] = fmt_date(dt.date.fromisoformat(str(values["date"])), lang)
        if "words" in values:
            values["words"] = ", ".join(values["words"])
        if "ids" in values:
            values["ids"] = ", ".join(values["ids"])
        for key in ("kind", "agreement_kind"):
            if key in values:
                values[key] = kind_name(values[key], lang)
        if "role" in values:
            values["role"] = role_short(str(values["role"]), lang)
        out.append(_s(f"step.{step.key}", lang, **values))
    return out


def _details(result: AuthorityResult, lang: str) -> list[dict[str, Any]]:
    m = mx.matrix()
    items: list[dict[str, Any]] = []
    if result.thresholds_used:
        items.append(_text(_s("details_thresholds", lang, date=fmt_date(result.as_of, lang)), weight="Bolder"))
        items.extend(
            _text("- " + _s("threshold_line", lang, name=threshold_name(t, lang),
                            value=fmt_nok(t.value, lang), valid_from=fmt_date(t.valid_from, lang), source=t.source),
                  spacing="None")
            for t in result.thresholds_used
        )
    steps = _steps_text(result, lang)
    if steps:
        items.append(_text(_s("details_calculation", lang), weight="Bolder"))
        items.extend(_text("- " + line, spacing="None") for line in steps)
    items.append(_text(_s("option_notice", lang, months=mx.option_notice_months()), isSubtle=True))
    items.append(_text(_s("details_source", lang, title=m.document.title.get(lang),
                          valid_from=fmt_date(m.document.valid_from, lang)), isSubtle=True))
    return items


def _search_note(result: AuthorityResult, lang: str) -> str | None:
    if result.inactive_agreements:
        return _s("inactive_note", lang, ids=", ".join(a.agreement_id for a in result.inactive_agreements))
    if result.search == "unavailable":
        return _s("search_unavailable", lang)
    if result.search == "used" and result.possible_agreements:
        return _s("possible_framework", lang, agreements="; ".join(
            f"{a.title} ({a.agreement_id})" if a.title else a.agreement_id for a in result.possible_agreements))
    if result.search == "used":
        return _s("no_framework_found", lang)
    return None


def _finish(result: AuthorityResult, lang: str, title: str, body: list[dict[str, Any]], text_lines: list[str],
            explained: str | None = None) -> Answer:
    details = ([_text(explained)] if explained else []) + _details(result, lang)
    body = [_text(title, weight="Bolder", size="Medium"), *body,
            {"type": "Container", "id": DETAILS_ID, "isVisible": False, "items": details},
            _text(_contact(lang), isSubtle=True, size="Small")]
    actions = [{"type": "Action.ToggleVisibility", "title": _s("show_details", lang), "targetElements": [DETAILS_ID]}]
    text = "\n".join([title, *text_lines, _contact(lang)])
    return Answer(text=text, card=_card(body, actions), kind="authority", data=result.to_json())


def _focus_line(result: AuthorityResult, lang: str) -> str | None:
    """The answer to what the question asked first, when that is a yes or no: must it be
    announced (Doffin, TED)? Is a direct purchase or one quote enough?"""
    from bot.authority.intent import recognise

    focus = recognise(result.question).focus
    if result.rule == "framework":
        if focus == "announce":
            return _s("focus.announce_framework", lang)
        if focus in {"direct", "quote"}:
            return _s("focus.direct_framework", lang)
        return None
    if result.band is None:
        return None
    used = {t.id: t for t in result.thresholds_used}
    if focus == "announce":
        if "ted" in result.requirements:
            return _s("focus.announce_ted", lang)
        if "doffin" in result.requirements:
            eea = next((t for tid, t in used.items() if tid.startswith("eos_")), None)
            return _s("focus.announce_doffin", lang, eea=fmt_nok(eea.value, lang) if eea else "")
        national = mx.threshold_in_force("nasjonal_terskel", result.as_of)
        return _s("focus.announce_no", lang, national=fmt_nok(national.value if national else 0, lang))
    if focus in {"direct", "quote"}:
        m = mx.matrix()
        first = m.bands[0]
        if result.band == first.id:
            lower = m.band_lower(m.bands[1], result.kind or m.kind_ids()[0], result.as_of)
            requirement = m.requirement(first.requirements[0]).text.get(lang) if first.requirements else ""
            return _s("focus.direct_yes", lang, lower=fmt_nok(lower.value if lower else 0, lang), requirement=requirement)
        how = next((r for r in ("tre_leverandorer", "doffin") if r in result.requirements), None)
        if how:
            text = m.requirement(how).text.get(lang)
            return _s("focus.direct_no", lang, requirement=text[:1].lower() + text[1:])
    return None


def _band(result: AuthorityResult, lang: str) -> Answer:
    m = mx.matrix()
    assert result.band is not None and result.value_nok_excl_vat is not None
    band = m.band(result.band)
    regulation = band.regulation_by_kind.get(result.kind or "", band.regulation).get(lang)
    title = _s("title_band", lang, summary=band.summary.get(lang))
    focus = _focus_line(result, lang)
    note = f", {band.performed_by_note.get(lang)}" if band.performed_by_note else ""
    approves = bool(result.approver) and result.approver == result.signer
    if result.approver and not approves:  # the matrix names the approval itself (over 4 years)
        who = _s("sentence_band_other_approver", lang, performer=_cap(role_short(result.performed_by, lang)), note=note,
                 approver=_cap(role_short(result.approver, lang)), signer=role_short(result.signer, lang))
    else:
        who = _s("sentence_band_approves" if approves else "sentence_band", lang,
                 performer=_cap(role_short(result.performed_by, lang)), note=note, signer=_cap(role_short(result.signer, lang)))
    value = _s("value_line", lang, value=fmt_nok(result.value_nok_excl_vat, lang))
    kind = _s("kind_line", lang, kind=kind_name(result.kind, lang) if result.kind else _s("kind_any", lang))
    requirements = _requirement_lines(result.requirements, lang)
    if result.lead_time:
        lead = _s("lead_time_text", lang, competition=result.lead_time.competition_months,
                  start=result.lead_time.start_months_before_expiry, needs=mx.needs_assessment_months())
    else:
        lead = _s("lead_time_none", lang, band=band.id)
    notes = [n.get(lang) for n in band.notes]
    search = _search_note(result, lang)

    body: list[dict[str, Any]] = ([_text(f"**{focus}**")] if focus else []) + [_text(who), {
        "type": "FactSet",
        "facts": [
            {"title": _s("value", lang), "value": fmt_nok(result.value_nok_excl_vat, lang) + " kr"},
            {"title": _s("kind", lang), "value": kind_name(result.kind, lang) if result.kind else _s("kind_any", lang)},
            {"title": _s("performed_by", lang), "value": _cap(role_name(result.performed_by, lang))},
            {"title": _s("approver_and_signer" if approves else "signer", lang),
             "value": _cap(role_name(result.signer, lang))},
        ],
    }]
    if requirements:
        body.append(_text(_s("requirements", lang), weight="Bolder"))
        body.append(_text("\n".join(f"- {line}" for line in requirements + notes), spacing="None"))
    body.append(_text(f"**{_s('lead_time', lang)}:** {lead}"))
    if search:
        body.append(_text(search, isSubtle=True))
    lines = ([focus] if focus else []) + [who, f"{value}. {kind}.", f"{_s('requirements', lang)}:",
                                          *(f"- {r}" for r in requirements + notes),
                                          f"{_s('lead_time', lang)}: {lead}"] + ([search] if search else [])
    return _finish(result, lang, title, body, lines, explained=_s("band_explained", lang, band=band.id, regulation=regulation))


def _framework(result: AuthorityResult, lang: str) -> Answer:
    m = mx.matrix()
    title = _s("title_framework", lang, ids=", ".join(result.framework_agreement))
    agreements = [_s("agreement_line", lang, id=a.agreement_id, title=a.title).strip() for a in result.agreements]
    focus = _focus_line(result, lang)
    lines = ([focus] if focus else []) + [_s("sentence_framework", lang)]
    if result.approver and result.value_nok_excl_vat is not None:
        lines.append(_s("sentence_approver", lang, value=fmt_nok(result.value_nok_excl_vat, lang), role=role_short(result.approver, lang)))
    if "minikonkurranse" in result.requirements or m.call_off.mini_competition.requirement in result.requirements:
        lines.append(_s("sentence_mini", lang, min=fmt_nok(m.call_off.mini_competition.min_value, lang)))
    alt = result.otherwise
    if alt is not None and alt.band:
        lines.append(_s("framework_otherwise", lang,
                        performer=role_short(alt.performed_by, lang), signer=role_short(alt.signer, lang)))
    body: list[dict[str, Any]] = [_text("\n".join(f"- {a}" for a in agreements))] + [_text(line) for line in lines]
    facts = []
    if result.value_nok_excl_vat is not None:
        facts.append({"title": _s("value", lang), "value": fmt_nok(result.value_nok_excl_vat, lang) + " kr"})
    if result.approver:
        facts.append({"title": _s("approver", lang), "value": _cap(role_name(result.approver, lang))})
    if result.performed_by:
        facts.append({"title": _s("performed_by", lang), "value": _cap(role_name(result.performed_by, lang))})
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    if result.value_nok_excl_vat is None:  # who approves depends on the value: ask for it
        ask = _s("framework_needs_value", lang)
        lines.append(ask)
        body.append(_text(ask))
        ranges = value_ranges(result, lang)
        body.append({"type": "ActionSet", "actions": [_submit(t, result, "value", v) for t, v in ranges]})
        answer = _finish(result, lang, title, body, agreements + lines)
        answer.kind = "clarify"
        return answer
    return _finish(result, lang, title, body, agreements + lines)


def _silent(result: AuthorityResult, lang: str) -> Answer:
    lang_data = __import__("bot.authority.parse", fromlist=["language"]).language()
    topics = [lang_data.silent_topics[t].label.get(lang) for t in result.silent if t in lang_data.silent_topics]
    c = mx.matrix().contact
    text = _s("silent_text", lang, topic=", ".join(topics), email=c.email, phone=c.phone)
    title = _s("title_silent", lang)
    card = _card([_text(title, weight="Bolder", size="Medium"), _text(text)])
    return Answer(text=f"{title}\n{text}", card=card, kind="authority", data=result.to_json())


# ---- the follow-up question ----------------------------------------------------------------------


def _submit(title: str, result: AuthorityResult, field: str, value: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"verb": CLARIFY_VERB, "field": field, "question": result.question}
    if value is not None:
        data["value"] = value
    return {"type": "Action.Submit", "title": title, "data": data}


def value_ranges(result: AuthorityResult, lang: str) -> list[tuple[str, str]]:
    """(button title, reply text) for value ranges that matter for this kind (or for a call-off)."""
    m = mx.matrix()
    if result.rule == "framework":
        bounds = [row.from_value for row in m.call_off.approval if row.from_value > 0]
    elif result.kind:
        bounds = [t.value for _, t in mx.band_thresholds(result.kind, result.as_of) if t]
        bounds += [r.max_value_incl + 1 for b in m.bands for r in b.signer if r.max_value_incl]
    else:
        return []
    bounds = sorted(set(bounds))
    out: list[tuple[str, str]] = []
    lower = 0
    for bound in bounds:
        title = (_s("range_under", lang, upper=fmt_nok(bound, lang)) if lower == 0
                 else _s("range_between", lang, lower=fmt_nok(lower, lang), upper=fmt_nok(bound - 1, lang)))
        out.append((title, f"{plain_nok(lower)}–{plain_nok(bound - 1)} kr"))
        lower = bound
    out.append((_s("range_over", lang, lower=fmt_nok(lower, lang)), f"{plain_nok(lower)} kr"))
    return out


def _clarify(result: AuthorityResult, lang: str) -> Answer:
    m = mx.matrix()
    ask = result.ask or result.missing[0]
    body: list[dict[str, Any]] = [_text(_s("title_clarify", lang), weight="Bolder", size="Medium")]
    if ask == "kind":
        question = _s("ask_kind", lang)
        order = [k for k in result.kind_candidates if k in m.kind_ids()]
        if not result.facts.kind_choices:  # the question allows two kinds: offer those two only
            order += [k for k in m.kind_ids() if k not in order]
        buttons = [_submit(_cap(kind_name(k, lang)), result, "kind", k) for k in order]
        body += [_text(question), {"type": "ActionSet", "actions": buttons}]
        hint = _s("clarify_text_kind", lang)
    elif ask == "period":
        question = _s("ask_period", lang, per=_s(f"per_{result.facts.per}", lang))
        years = range(1, m.interpretation.framework_max_years + 3)
        buttons = [_submit(_s("period_choice", lang, years=y), result, "period", f"{y} år") for y in years]
        body += [_text(question), {"type": "ActionSet", "actions": buttons}]
        hint = _s("clarify_text_period", lang)
    else:
        question = _s("ask_value", lang)
        ranges = value_ranges(result, lang)
        body.append(_text(question))
        if ranges:
            body.append({"type": "ActionSet", "actions": [_submit(t, result, "value", v) for t, v in ranges]})
        body.append({"type": "Input.Text", "id": "value", "placeholder": _s("value_input_placeholder", lang)})
        body.append({"type": "ActionSet", "actions": [_submit(_s("value_submit", lang), result, "value", None)]})
        hint = _s("clarify_text_value", lang)
    text = f"{question}\n{hint}"
    return Answer(text=text, card=_card(body), kind="clarify", data=result.to_json(), suggested_actions=[])
