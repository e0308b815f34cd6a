"""What happens when an owner (or the procurement section) acts on an alert.

Every action is stored in `alert_decision` with who and when. use_option / new_competition /
let_expire settle the milestone (new_competition and let_expire settle every milestone of the
agreement) and so stop its reminders and escalation. snooze pauses reminders for
`snooze_days`. reassign hands the agreement to another owner, who gets the alert at once;
reassign without an e-mail ("not my agreement") tells the procurement channel and pauses.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from bot.alerts import cards
from bot.alerts.index import load_facts
from bot.alerts.milestones import AgreementFacts, Milestone, all_milestones
from bot.alerts.models import AlertDecision, AlertOwner
from bot.alerts.recipients import SECTION, current_owner, personal_reference, reference_by_aad, reference_by_name
from bot.alerts.scan import OWNER_KINDS, Context, Planned, plan_milestone, queue, queue_owner_items, said
from bot.conversation.store import language_for
from bot.db import utcnow

DECISIONS = ("use_option", "new_competition", "let_expire", "reassign", "snooze")
SETTLING = {"use_option", "new_competition", "let_expire"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Actor:
    name: str = ""
    email: str = ""
    aad_object_id: str = ""
    is_admin: bool = False

    @property
    def label(self) -> str:
        return self.name or self.email or self.aad_object_id or "?"


@dataclass
class DecisionResult:
    ok: bool
    agreement: AgreementFacts | None = None
    milestone: Milestone | None = None
    lines: list[str] = field(default_factory=list)  # what the updated card says
    error: str = ""  # a message key when not ok
    queued: list[Planned] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)  # outbox keys of the card copies being redrawn


def find_milestone(ctx: Context, agreement_id: str, kind: str, due: dt.date) -> tuple[AgreementFacts | None, Milestone | None, list[Milestone]]:
    agreements = [a for a in load_facts(ctx.session, ctx.as_of) if a.id == agreement_id]
    if not agreements:
        return None, None, []
    every = all_milestones(agreements, ctx.config, ctx.as_of)
    match = next((m for m in every if m.kind == kind and m.due == due), None)
    return agreements[0], match, every


def may_act(ctx: Context, agreement: AgreementFacts, actor: Actor) -> bool:
    if actor.is_admin:
        return True
    owner_email, _ = current_owner(ctx.session, agreement)
    if actor.email and actor.email.lower() == owner_email:
        return True
    ref = personal_reference(ctx.session, owner_email)
    return bool(ref is not None and actor.aad_object_id and ref.aad_object_id == actor.aad_object_id)


def decide(
    ctx: Context,
    *,
    agreement_id: str,
    kind: str,
    due: dt.date,
    decision: str,
    actor: Actor,
    lang: str,
    new_owner_email: str = "",
    new_owner_aad: str = "",
    to_section: bool = False,
    note: str = "",
    pressed: tuple[str, str] = ("", ""),
) -> DecisionResult:
    """Record `decision` on one milestone and queue what follows from it (in ctx.session)."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r} (one of {', '.join(DECISIONS)})")
    agreement, milestone, every = find_milestone(ctx, agreement_id, kind, due)
    if agreement is None or milestone is None:
        return DecisionResult(False, agreement, None, error="unknown_milestone")
    if not may_act(ctx, agreement, actor):
        return DecisionResult(False, agreement, milestone, error="not_owner")
    state = ctx.state(milestone, create=True)
    if state.decision and decision in SETTLING:
        return DecisionResult(
            False, agreement, milestone,
            lines=[cards.t("already_decided", lang, decision=cards.t(f"decision.{state.decision}", lang), who=state.decided_by)],
            error="already_decided",
        )
    now = utcnow()
    new_owner_email = new_owner_email.strip().lower()
    note = " ".join(note.split())[:300]
    if decision == "reassign" and not to_section and not new_owner_email and new_owner_aad.strip():
        # Teams' people picker gives the person's Entra object id: their e-mail from a stored reference
        picked = reference_by_aad(ctx.session, new_owner_aad.strip())
        if picked is None or not picked.email:
            return DecisionResult(False, agreement, milestone, lines=[cards.t("picker_unknown", lang)], error="picker_unknown")
        new_owner_email = picked.email.strip().lower()
    if to_section:
        new_owner_email = ""
    if decision == "reassign" and new_owner_email and not EMAIL.match(new_owner_email):
        return DecisionResult(False, agreement, milestone, lines=[cards.t("bad_email", lang, email=new_owner_email)], error="bad_email")
    current_email, _ = current_owner(ctx.session, agreement)
    if decision == "reassign" and new_owner_email and new_owner_email == current_email:
        return DecisionResult(False, agreement, milestone, lines=[cards.t("same_owner", lang, email=new_owner_email)], error="same_owner")
    recorded = decision if not (decision == "reassign" and not new_owner_email) else "not_mine"
    ctx.session.add(
        AlertDecision(
            agreement_id=agreement.id, milestone=milestone.kind, due_date=milestone.due, decision=recorded,
            decided_by_name=actor.name, decided_by_email=actor.email.lower(), decided_by_aad_id=actor.aad_object_id,
            decided_at=now, new_owner_email=new_owner_email, note=note,
            snoozed_until=ctx.as_of + dt.timedelta(days=ctx.config.snooze_days) if recorded in ("snooze", "not_mine") else None,
        )
    )
    result = DecisionResult(True, agreement, milestone)
    decided_line = cards.t("decided_by", lang, decision=cards.t(f"decision.{recorded}", lang), who=actor.label, when=now)
    result.lines.append(decided_line)
    if decision in SETTLING:
        settle = [milestone] if decision == "use_option" else [m for m in every if m.due >= ctx.as_of or m == milestone]
        for m in settle:
            row = ctx.state(m, create=True)
            if not row.decision:
                row.decision, row.decided_by, row.decided_at = decision, actor.label, now
        if decision == "new_competition":
            result.queued.append(_tell_adviser(ctx, agreement, milestone, actor, lang, result))
        from bot.alerts.followup import expect

        follow = expect(ctx, agreement, milestone, decision, actor.email or actor.label)
        if follow is not None:
            result.lines.append(cards.t(f"follow_up.{follow.expect}", lang, end=follow.old_end_date))
    elif recorded == "snooze":
        state.snoozed_until = ctx.as_of + dt.timedelta(days=ctx.config.snooze_days)
        state.snooze_id += 1
        result.lines.append(cards.t("snoozed_until", lang, until=state.snoozed_until))
    elif recorded == "not_mine":
        # handed to the procurement section: the person gets no more reminders; the section finds the owner
        _hand_over(ctx, agreement, every, SECTION, actor, note, now)
        result.queued.append(_tell_channel_not_mine(ctx, agreement, milestone, actor, note))
        flag(ctx.session, f"owner:{agreement.id}:{now.isoformat()}", agreement.id, "owner_field",
             cards.t("flag.owner_unknown", ctx.channel_lang, owner=agreement.owner_email or agreement.owner_name or "–",
                     who=actor.label, note=note or "–"))
        result.lines.append(cards.t("not_mine_done", lang))
    else:  # reassign to a person: the new owner gets the alerts now, and says who passed it on
        _hand_over(ctx, agreement, every, new_owner_email, actor, note, now)
        ctx.session.flush()
        owner_items: list[Planned] = []
        for m in every:
            planned = plan_milestone(ctx, agreement, m, write=True)
            owner_items.extend(p for p in planned if p.kind in OWNER_KINDS)
            result.queued.extend(p for p in planned if p.kind not in OWNER_KINDS)
        result.queued.extend(queue_owner_items(ctx, owner_items, {agreement.id: agreement}, write=True))
        result.queued.extend(p for p in owner_items if p.new and not p.merged_into)
        flag(ctx.session, f"owner:{agreement.id}:{new_owner_email}", agreement.id, "owner_field",
             cards.t("flag.owner_field", ctx.channel_lang, owner=agreement.owner_email or agreement.owner_name or "–",
                     new=new_owner_email, who=actor.label, note=note or "–"))
        result.lines.append(cards.t("reassigned_to", lang, email=new_owner_email))
    ctx.session.flush()
    queue(ctx.session, [p for p in result.queued if p.kind not in OWNER_KINDS + ("owner_digest",)], write=True)
    from bot.alerts.copies import today_facts, update_every_copy

    tag = str(_last_decision_id(ctx, agreement.id))
    result.updates = update_every_copy(ctx, agreement.id, tag, today_facts(ctx), frozenset(p.key for p in result.queued), pressed)
    return result


def _last_decision_id(ctx: Context, agreement_id: str) -> int:
    from sqlalchemy import func, select
    from sqlmodel import col

    return int(ctx.session.execute(
        select(func.max(col(AlertDecision.id))).where(col(AlertDecision.agreement_id) == agreement_id)
    ).scalar() or 0)


def _hand_over(ctx: Context, agreement: AgreementFacts, every: list[Milestone], new_owner: str, actor: Actor, note: str,
               now: dt.datetime) -> None:
    """The agreement's alerts go to `new_owner` (an e-mail, or SECTION) until the register names another owner;
    every open milestone starts a fresh reminder series, so the first person gets nothing more."""
    owner = ctx.session.get(AlertOwner, agreement.id)
    if owner is None:
        owner = AlertOwner(agreement_id=agreement.id, owner_email=new_owner, assigned_at=now)
        ctx.session.add(owner)
    owner.owner_email, owner.register_owner_email = new_owner, agreement.owner_email
    owner.assigned_by, owner.assigned_at, owner.note = actor.email or actor.label, now, note
    for m in every:
        row = ctx.state(m, create=True)
        if not row.decision:
            row.snooze_id += 1
            row.snoozed_until = ctx.as_of


def flag(session: Any, key: str, agreement_id: str, kind: str, detail: str, sync_run_id: int | None = None) -> bool:
    """Record something the section must correct in the register (once per key); True when new."""
    from sqlalchemy import select
    from sqlmodel import col

    from bot.alerts.models import AlertRegisterFlag

    key = key[:300]
    if session.execute(select(col(AlertRegisterFlag.id)).where(col(AlertRegisterFlag.flag_key) == key)).first() is not None:
        return False
    session.add(AlertRegisterFlag(flag_key=key, agreement_id=agreement_id, kind=kind, detail=detail, sync_run_id=sync_run_id,
                                  created_at=utcnow()))
    session.flush()
    return True


def _tell_adviser(ctx: Context, agreement: AgreementFacts, milestone: Milestone, actor: Actor, lang: str,
                  result: DecisionResult) -> Planned:
    ref = personal_reference(ctx.session, agreement.adviser_email) or reference_by_name(ctx.session, agreement.adviser)
    target_lang = language_for(ref) if ref is not None else ctx.channel_lang
    title = cards.t("adviser_title", target_lang, agreement_id=agreement.id, title=agreement.title)
    card = cards.channel_card(
        title,
        cards.t("adviser_text", target_lang, who=actor.label, headline=cards.headline(milestone, target_lang),
                final=agreement.final_end_date or milestone.due),
        agreement, target_lang, owner=actor.label, footer=cards.t("adviser_footer", target_lang),
    )
    key = f"alert-adviser:{agreement.id}:{milestone.kind}:{milestone.due.isoformat()}"
    if ref is not None:
        result.lines.append(cards.t("adviser_told", lang, adviser=agreement.adviser or agreement.adviser_email))
        return Planned("adviser", key, agreement.adviser_email or agreement.adviser, "new competition requested",
                       agreement.id, milestone.kind, milestone.due, conversation_ref_id=ref.id,
                       activity=cards.activity(card, title), why=[said("why.adviser")])
    result.lines.append(cards.t("channel_told", lang))
    return ctx.to_channel("adviser", key, "new competition requested (adviser not reachable in Teams)",
                          said("why.adviser_channel"), card, title, milestone)


def _tell_channel_not_mine(ctx: Context, agreement: AgreementFacts, milestone: Milestone, actor: Actor, note: str = "") -> Planned:
    lang = ctx.channel_lang
    title = cards.t("not_mine_title", lang, agreement_id=agreement.id, title=agreement.title)
    text = cards.t("not_mine_text", lang, who=actor.label, agreement_id=agreement.id, headline=cards.headline(milestone, lang))
    if note:
        text += " " + cards.t("reason_given", lang, note=note)
    card = cards.channel_card(title, text, agreement, lang, owner=agreement.owner_name or agreement.owner_email,
                              footer=cards.t("not_mine_footer", lang), milestone=milestone)
    key = f"alert-notmine:{agreement.id}:{milestone.kind}:{milestone.due.isoformat()}:{actor.email or actor.aad_object_id}"
    return ctx.to_channel("not_mine", key, f"{actor.label} says it is not their agreement",
                          said("why.not_mine", who=actor.label), card, title, milestone)


def card_after(ctx: Context, result: DecisionResult, lang: str) -> dict[str, Any] | None:
    """The alert card as it looks after the action (no buttons once settled, reassigned or snoozed)."""
    if result.agreement is None or result.milestone is None:
        return None
    return cards.alert_card(result.agreement, result.milestone, ctx.config, lang, outcome_lines=result.lines or None, as_of=ctx.as_of)
