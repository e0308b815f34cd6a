"""Every copy of an owner's card follows the decisions: the single alert, its reminders and the
owner's digest cards that show a milestone are redrawn (an outbox `update` of the delivered
activity) whenever someone acts on that milestone — on any copy, the CLI or another person's card.

`alert_card_copy` records, per card sent, which milestones it shows (written when the card is
queued). Copies that were never delivered (unreachable, merged) are not updated.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import desc, select
from sqlmodel import col

from bot.alerts import cards
from bot.alerts.milestones import AgreementFacts, Milestone, all_milestones
from bot.alerts.models import AlertCardCopy, AlertDecision, AlertMilestone, AlertOwner
from bot.alerts.recipients import SECTION
from bot.outbox import enqueue
from bot.outbox.models import OutboxRow

LIVE = ("pending", "claimed", "sent")


def outcome_lines(ctx: Any, agreement: AgreementFacts, milestone: Milestone, recipient: str, lang: str) -> list[str]:
    """What a card shows instead of the buttons for this milestone now ([] = still open for `recipient`)."""
    state = ctx.session.execute(
        select(AlertMilestone).where(
            col(AlertMilestone.agreement_id) == milestone.agreement_id, col(AlertMilestone.milestone) == milestone.kind,
            col(AlertMilestone.due_date) == milestone.due,
        )
    ).scalars().first()
    if state is not None and state.decision:
        return [cards.t("decided_by", lang, decision=cards.t(f"decision.{state.decision}", lang), who=state.decided_by,
                        when=state.decided_at)]
    owner = ctx.session.get(AlertOwner, agreement.id)
    if owner is not None and owner.register_owner_email == agreement.owner_email and owner.owner_email != recipient:
        if owner.owner_email == SECTION:
            return [cards.t("not_mine_done", lang)]
        return [cards.t("reassigned_to", lang, email=owner.owner_email)]
    if state is not None and state.snoozed_until and state.snoozed_until > ctx.as_of:
        last = ctx.session.execute(
            select(AlertDecision).where(
                col(AlertDecision.agreement_id) == milestone.agreement_id, col(AlertDecision.milestone) == milestone.kind,
                col(AlertDecision.due_date) == milestone.due, col(AlertDecision.decision) == "snooze",
            ).order_by(desc(col(AlertDecision.id)))
        ).scalars().first()
        if last is not None:
            return [cards.snoozed_line(lang, last.decided_by_name or last.decided_by_email, state.snoozed_until)]
    return []


def render(ctx: Any, outbox_key: str, facts: dict[str, AgreementFacts],
           opened: tuple[str, str, str] | None = None) -> dict[str, Any] | None:
    """The card sent under `outbox_key` as it looks now, or None when it shows nothing known."""
    rows = list(ctx.session.execute(
        select(AlertCardCopy).where(col(AlertCardCopy.outbox_key) == outbox_key).order_by(col(AlertCardCopy.position))
    ).scalars())
    items = []
    for row in rows:
        agreement = facts.get(row.agreement_id)
        if agreement is None:
            continue
        milestone = next((m for m in all_milestones([agreement], ctx.config, ctx.as_of)
                          if m.kind == row.milestone and m.due == row.due_date), None)
        if milestone is None:
            continue
        passed_on = (row.passed_on_by, row.passed_on_note) if row.passed_on_by else None
        items.append({"agreement": agreement, "milestone": milestone, "row": row, "passed_on": passed_on,
                      "outcome_lines": outcome_lines(ctx, agreement, milestone, row.recipient, row.lang)})
    if not items:
        return None
    lang = rows[0].lang
    if rows[0].card_kind == "single":
        item = items[0]
        reminder_no = int(outbox_key.rsplit(":", 1)[1]) if outbox_key.rsplit(":", 1)[-1].isdigit() else 0
        return cards.alert_card(item["agreement"], item["milestone"], ctx.config, lang, reminder_no=reminder_no,
                                outcome_lines=item["outcome_lines"] or None, as_of=ctx.as_of, passed_on=item["passed_on"])
    return cards.owner_digest_card(items, ctx.config, lang, ctx.as_of, ctx.config.owner_digest_max_items, outbox_key, opened)


def keys_showing(ctx: Any, agreement_id: str) -> list[str]:
    return sorted({key for (key,) in ctx.session.execute(
        select(col(AlertCardCopy.outbox_key)).where(col(AlertCardCopy.agreement_id) == agreement_id)
    )})


def update_every_copy(ctx: Any, agreement_id: str, tag: str, facts: dict[str, AgreementFacts],
                      skip: frozenset[str] = frozenset(), pressed: tuple[str, str] = ("", "")) -> list[str]:
    """Queue an update of every delivered (or still queued) card that shows `agreement_id` (but the
    cards in `skip`, queued by the decision itself, and the `pressed` (conversation id, activity id)
    card, which the action's own answer replaces); the keys queued."""
    queued = []
    for key in keys_showing(ctx, agreement_id):
        if key in skip:
            continue
        original = ctx.session.execute(select(OutboxRow).where(col(OutboxRow.idempotency_key) == key)).scalars().first()
        if original is None or original.status not in LIVE:
            continue
        if pressed[1] and (original.conversation_id, original.sent_activity_id) == pressed:
            continue  # the card that was pressed: the action's answer redraws it
        card = render(ctx, key, facts)
        if card is None:
            continue
        summary = str(original.activity.get("summary", "")) if isinstance(original.activity, dict) else ""
        row = enqueue(
            ctx.session, idempotency_key=f"alert-update:{key}:{tag}"[:300], kind="card_update", subject_id=agreement_id,
            recipient=original.recipient, operation="update", target_key=key, activity=cards.activity(card, summary),
        )
        if row is not None:
            queued.append(row.idempotency_key)
    return queued


def today_facts(ctx: Any) -> dict[str, AgreementFacts]:
    from bot.alerts.index import load_facts

    return {a.id: a for a in load_facts(ctx.session, ctx.as_of)}


__all__ = ["keys_showing", "outcome_lines", "render", "today_facts", "update_every_copy"]
