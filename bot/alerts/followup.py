"""Follow-through: a decision on a card is only done when the register shows it.

A settling decision records what the register must show (`alert_follow_up.expect`):
- use_option      → `end_after`: an end date after the one the option protects;
- new_competition → `under_competition`: the register's status "under competition";
- let_expire      → `ends`: no option left (final end date = end date).

The daily scan (after the nightly sync) checks every open follow-up. Reflected: fulfilled. Still not
reflected `remind_days_before` the old end date: the owner and the procurement adviser are reminded
(once); `escalate_days_before` it: the procurement section's channel gets it and the register flag
list names it (`knowledge/alerts/alerts.yaml → follow_through`). A newer decision on the same
agreement supersedes an older follow-up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from bot.alerts import cards
from bot.alerts.milestones import AgreementFacts, Milestone
from bot.alerts.models import AlertFollowUp
from bot.alerts.recipients import SECTION, current_owner, personal_reference, reference_by_name
from bot.conversation.store import language_for
from bot.db import utcnow

OPEN = ("open", "reminded")


def expect(ctx: Any, agreement: AgreementFacts, milestone: Milestone, decision: str, who: str) -> AlertFollowUp | None:
    """Record what the register must show after `decision` (None when it already does)."""
    if decision == "use_option" and agreement.options_remain:
        what, old_end = "end_after", milestone.basis or agreement.end_date
    elif decision == "new_competition" and agreement.status != "under_competition":
        what, old_end = "under_competition", agreement.final_end_date or agreement.end_date
    elif decision == "let_expire" and agreement.options_remain:
        what, old_end = "ends", agreement.end_date
    else:
        return None
    for older in ctx.session.execute(
        select(AlertFollowUp).where(col(AlertFollowUp.agreement_id) == agreement.id, col(AlertFollowUp.state).in_(OPEN))
    ).scalars():
        older.state = "superseded"
    row = AlertFollowUp(agreement_id=agreement.id, decision=decision, expect=what, old_end_date=old_end, decided_by=who[:320],
                        decided_on=ctx.as_of, created_at=utcnow())
    ctx.session.add(row)
    ctx.session.flush()
    return row


def reflected(agreement: AgreementFacts, follow: AlertFollowUp) -> bool:
    if follow.expect == "end_after":
        return bool(agreement.end_date and follow.old_end_date and agreement.end_date > follow.old_end_date)
    if follow.expect == "under_competition":
        return agreement.status == "under_competition"
    if follow.expect == "ends":
        return not agreement.options_remain
    return False


def _card(ctx: Any, agreement: AgreementFacts, follow: AlertFollowUp, lang: str, *, to_section: bool) -> tuple[dict[str, Any], str]:
    title = cards.t("follow_up_title", lang, agreement_id=agreement.id, title=agreement.title)
    decision = cards.t(f"decision.{follow.decision}", lang)
    text = cards.t(f"follow_up_text.{follow.expect}", lang, decision=decision, who=follow.decided_by, on=follow.decided_on,
                   end=follow.old_end_date or agreement.end_date, current=agreement.end_date or agreement.final_end_date)
    card = cards.channel_card(title, text, agreement, lang, owner=agreement.owner_name or agreement.owner_email)
    card["body"].append(cards.checklist_text(cards.t("follow_up_section_footer" if to_section else "follow_up_footer", lang)))
    return card, title


def check(ctx: Any, agreements: dict[str, AgreementFacts], *, write: bool) -> list[Any]:
    """Fulfil, remind or escalate every open follow-up as of ctx.as_of; the messages it needs."""
    from bot.alerts.decisions import flag
    from bot.alerts.scan import Planned, said

    rule = ctx.config.follow_through
    out: list[Planned] = []
    rows = list(ctx.session.execute(
        select(AlertFollowUp).where(col(AlertFollowUp.state).in_(OPEN)).order_by(col(AlertFollowUp.id))
    ).scalars())
    for follow in rows:
        agreement = agreements.get(follow.agreement_id)
        if agreement is None:  # removed from the register: the guards report that
            if write:
                follow.state = "superseded"
            continue
        if reflected(agreement, follow):
            if write:
                follow.state, follow.fulfilled_on = "fulfilled", ctx.as_of
            continue
        end = follow.old_end_date or ctx.as_of
        if follow.reminded_on is None and ctx.as_of >= end - dt.timedelta(days=rule.remind_days_before):
            owner_email, _ = current_owner(ctx.session, agreement)
            targets = []
            if owner_email and owner_email != SECTION:
                targets.append((owner_email, personal_reference(ctx.session, owner_email)))
            adviser_ref = personal_reference(ctx.session, agreement.adviser_email) or reference_by_name(ctx.session, agreement.adviser)
            adviser = agreement.adviser_email or agreement.adviser
            if adviser and adviser != owner_email:
                targets.append((adviser, adviser_ref))
            for recipient, ref in targets:
                lang = language_for(ref, ctx.settings.default_locale) if ref is not None else ctx.channel_lang
                card, title = _card(ctx, agreement, follow, lang, to_section=False)
                out.append(Planned(
                    "follow_up", f"follow-up:{follow.id}:remind:{recipient}", recipient,
                    f"decision {follow.decision} of {follow.decided_on.isoformat()} not in the register "
                    f"{rule.remind_days_before} days before {end.isoformat()}",
                    agreement.id, conversation_ref_id=getattr(ref, "id", None), activity=cards.activity(card, title), lang=lang,
                    why=[said("why.follow_up_remind", decision=said(f"decision.{follow.decision}"), decided_on=follow.decided_on,
                              days=rule.remind_days_before, end=end)],
                ))
            if write:
                follow.reminded_on = ctx.as_of
                follow.state = "reminded"
        if follow.escalated_on is None and ctx.as_of >= end - dt.timedelta(days=rule.escalate_days_before):
            card, title = _card(ctx, agreement, follow, ctx.channel_lang, to_section=True)
            out.append(ctx.to_channel(
                "follow_up_escalation", f"follow-up:{follow.id}:escalate",
                f"decision {follow.decision} still not in the register {rule.escalate_days_before} days before {end.isoformat()}",
                said("why.follow_up_escalate", decision=said(f"decision.{follow.decision}"), days=rule.escalate_days_before, end=end),
                card, title, None,
            ))
            out[-1].agreement_id = agreement.id
            if write:
                follow.escalated_on, follow.state = ctx.as_of, "escalated"
                flag(ctx.session, f"follow-up:{follow.id}", agreement.id, "decision_not_reflected", title)
    return out
