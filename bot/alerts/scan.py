"""The daily scan: which alerts, reminders, escalations and reports are due as of a date.

`scan(database, settings, as_of, dry_run=...)` plans every message with the reason for it and,
unless dry-run, queues it in the outbox. Idempotency keys name agreement, milestone (with its
date), recipient and reminder number, so repeating a scan on the same day (or a day later
within the same reminder period) queues nothing new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from agreements_sync.i18n import Language, language_of
from bot.alerts import cards
from bot.alerts.config import AlertConfig, load_config
from bot.alerts.index import load_facts
from bot.alerts.milestones import AgreementFacts, Milestone, all_milestones
from bot.alerts.models import AlertMilestone
from bot.alerts.recipients import SECTION, channel_target, current_owner, delivery_problem, passed_on_to, personal_reference
from bot.conversation.store import language_for
from bot.db import Database, utcnow
from bot.outbox import enqueue
from bot.outbox.models import OutboxRow

CHANNEL = "procurement channel"  # the recipient of the channel's messages (a key in --json; said as `recipient.channel`)
NO_OWNER = "(no owner)"


@dataclass(frozen=True)
class Said:
    """A scan's reason or warning for people, in their language: the alerts catalog's message `key`
    and its values (a value that has a `text(lang)` is said in the same language). The English line
    --json and the logs keep is written beside it, so the catalogs never change the JSON."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        values = {name: value.text(lang) if hasattr(value, "text") else value for name, value in self.values.items()}
        return cards.t(self.key, lang, **values)


@dataclass(frozen=True)
class DayName:
    """A weekday (0 = Monday) by its name in the language."""

    number: int

    def text(self, lang: str) -> str:
        from babel.dates import get_day_names

        return str(get_day_names("wide", locale=Language.parse(lang).babel_locale)[self.number])


def said(key: str, **values: Any) -> Said:
    return Said(key, values)


def recipient_text(recipient: str, lang: str) -> str:
    """The recipient for people: the procurement channel and a missing owner in the language."""
    return {CHANNEL: cards.t("recipient.channel", lang), NO_OWNER: cards.t("recipient.no_owner", lang)}.get(recipient, recipient)


@dataclass
class Planned:
    """One message the scan wants sent, and why."""

    kind: str  # alert | reminder | owner_digest | escalation | unreachable | digest | adviser | not_mine | follow_up… | removed | end_earlier
    key: str
    recipient: str
    reason: str
    agreement_id: str = ""
    milestone: str = ""
    due: dt.date | None = None
    reminder_no: int = 0
    conversation_ref_id: int | None = None
    conversation: dict[str, str] | None = None
    activity: dict[str, Any] = field(default_factory=dict, repr=False)
    new: bool = True  # False: this key is already in the outbox (nothing will be sent again)
    lang: str = "nb"
    passed_on: tuple[str, str] | None = None  # (who, why) when the agreement was passed on to the recipient
    merged_into: str = ""  # the owner digest (or channel summary) this message went out inside
    why: list[Said] = field(default_factory=list, repr=False)  # `reason` for people, in parts (concatenated)

    def reason_in(self, lang: str) -> str:
        """The reason in `lang` (`reason` is its English for --json)."""
        return "".join(part.text(lang) for part in self.why) if self.why else self.reason

    def add_reason(self, english: str, part: Said) -> None:
        self.reason += english
        self.why.append(part)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "key": self.key, "recipient": self.recipient, "reason": self.reason,
            "agreement_id": self.agreement_id, "milestone": self.milestone,
            "due": self.due.isoformat() if self.due else None, "reminder_no": self.reminder_no,
            "reachable": bool(self.conversation_ref_id or self.conversation), "new": self.new,
            **({"merged_into": self.merged_into} if self.merged_into else {}),
        }


@dataclass
class ScanReport:
    as_of: dt.date
    dry_run: bool
    planned: list[Planned] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # in English (--json, logs)
    notes: list[Said] = field(default_factory=list)  # the same warnings for people

    def warn(self, english: str, note: Said) -> None:
        self.warnings.append(english)
        self.notes.append(note)

    def warnings_in(self, lang: str) -> list[str]:
        return [note.text(lang) for note in self.notes]

    @property
    def new(self) -> list[Planned]:
        return [p for p in self.planned if p.new]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.new:
            out[p.kind] = out.get(p.kind, 0) + 1
        return out

    def messages_out(self) -> dict[str, int]:
        """New messages that go out on their own (merged ones travel inside an owner or channel card)."""
        out = {"owners": len({p.recipient for p in self.new if p.kind in ("alert", "reminder", "owner_digest")}), "messages": 0}
        out["messages"] = sum(1 for p in self.new if not p.merged_into)
        out["owner_cards"] = sum(1 for p in self.new if not p.merged_into and p.kind in ("alert", "reminder", "owner_digest"))
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(), "dry_run": self.dry_run, "new": self.counts(), "out": self.messages_out(),
            "already_queued": len(self.planned) - len(self.new), "warnings": self.warnings,
            "messages": [p.to_json() for p in self.planned],
        }


class Context:
    """What one scan (or one card action) needs: session, settings, config, channel, date."""

    def __init__(self, session: Session, settings: Any, as_of: dt.date, config: AlertConfig | None = None) -> None:
        self.session = session
        self.settings = settings
        self.as_of = as_of
        self.config = config or load_config()
        self.channel = channel_target(session, settings)
        self.channel_lang = language_of(getattr(settings, "default_locale", "nb-NO"))

    def state(self, milestone: Milestone, create: bool) -> AlertMilestone:
        row = self.session.execute(
            select(AlertMilestone).where(
                col(AlertMilestone.agreement_id) == milestone.agreement_id,
                col(AlertMilestone.milestone) == milestone.kind,
                col(AlertMilestone.due_date) == milestone.due,
            )
        ).scalars().first()
        if row is None:
            row = AlertMilestone(agreement_id=milestone.agreement_id, milestone=milestone.kind, due_date=milestone.due, created_at=utcnow())
            if create:
                self.session.add(row)
                self.session.flush()
        return row

    def to_channel(self, kind: str, key: str, reason: str, why: Said, card: dict[str, Any], summary: str,
                   milestone: Milestone | None) -> Planned:
        return Planned(
            kind, key, CHANNEL, reason,
            agreement_id=milestone.agreement_id if milestone else "", milestone=milestone.kind if milestone else "",
            due=milestone.due if milestone else None, conversation=self.channel, activity=cards.activity(card, summary), why=[why],
        )

    def owner_alert(self, agreement: AgreementFacts, milestone: Milestone, owner_email: str, owner_name: str,
                    series: int, number: int, reason: str, why: list[Said]) -> tuple[Planned, Any]:
        ref = personal_reference(self.session, owner_email)
        lang = language_for(ref, self.settings.default_locale)
        passed_on = passed_on_to(self.session, agreement, owner_email)
        card = cards.alert_card(agreement, milestone, self.config, lang, reminder_no=number, as_of=self.as_of, passed_on=passed_on)
        summary = cards.headline(milestone, lang, self.as_of)
        kind = "alert" if number == 0 else "reminder"
        planned = Planned(
            kind, f"alert:{agreement.id}:{milestone.kind}:{milestone.due.isoformat()}:{owner_email or owner_name}:{series}:{number}",
            owner_email or owner_name or NO_OWNER, reason, agreement.id, milestone.kind, milestone.due, number,
            conversation_ref_id=getattr(ref, "id", None), activity=cards.activity(card, summary), lang=lang, passed_on=passed_on,
            why=why,
        )
        return planned, ref

    def unreachable_report(self, agreement: AgreementFacts, milestone: Milestone, owner_email: str, owner_name: str,
                           reason_code: str, error: str = "") -> Planned:
        lang = self.channel_lang
        reason = cards.t(f"reason.{reason_code}", lang, error=error)
        card = cards.channel_card(
            cards.t("unreachable_title", lang, agreement_id=agreement.id, title=agreement.title),
            cards.t("unreachable_text", lang, owner=owner_name or owner_email or "?", email=owner_email or "–",
                    reason=reason, headline=cards.headline(milestone, lang, self.as_of)),
            agreement, lang, owner=owner_name or owner_email, footer=cards.t("unreachable_footer", lang), milestone=milestone,
        )
        return self.to_channel(
            "unreachable",
            f"alert-unreachable:{agreement.id}:{milestone.kind}:{milestone.due.isoformat()}:{owner_email or owner_name}:{reason_code}",
            f"owner {owner_email or owner_name or '(none)'} cannot be reached: {reason_code}",
            said("why.unreachable", owner=owner_email or owner_name or said("recipient.no_owner"), problem=said(f"reason.{reason_code}", error=error)),
            card,
            cards.t("unreachable_title", lang, agreement_id=agreement.id, title=agreement.title), milestone,
        )

    def escalation(self, agreement: AgreementFacts, milestone: Milestone, owner: str, first: dt.date) -> Planned:
        lang = self.channel_lang
        title = cards.t("escalation_title", lang, agreement_id=agreement.id, title=agreement.title)
        card = cards.channel_card(
            title, cards.t("escalation_text", lang, owner=owner, first=first, headline=cards.headline(milestone, lang, self.as_of)),
            agreement, lang, owner=owner, footer=cards.t("escalation_footer", lang), milestone=milestone,
        )
        return self.to_channel(
            "escalation", f"alert-escalation:{agreement.id}:{milestone.kind}:{milestone.due.isoformat()}",
            f"unanswered since {first.isoformat()}", said("why.escalation", first=first), card, title, milestone,
        )


def plan_milestone(ctx: Context, agreement: AgreementFacts, milestone: Milestone, *, write: bool) -> list[Planned]:
    """The messages one milestone needs on ctx.as_of (and the state changes, when `write`)."""
    rule = ctx.config.milestones[milestone.kind]  # type: ignore[index]
    as_of = ctx.as_of
    first_day = milestone.due - dt.timedelta(days=rule.first_alert_days)
    # past its date but still undecided: keep reminding until the date it protects (the end
    # date for an option, the final end date for a competition) — late is better than never
    stop = max(milestone.basis or milestone.due, milestone.due)
    if not (first_day <= as_of <= stop):
        return []
    state = ctx.state(milestone, create=write)
    if state.decision:
        return []
    if state.snoozed_until and as_of < state.snoozed_until:
        return []
    owner_email, owner_name = current_owner(ctx.session, agreement)
    first_alerted = state.first_alerted_on or as_of
    start = state.snoozed_until or first_alerted
    number = (as_of - start).days // rule.repeat_days + (1 if state.snooze_id else 0)
    why = f"{milestone.kind} {milestone.due.isoformat()}: first alert {rule.first_alert_days} days before"
    parts = [said("why.first_alert", milestone=said(f"milestone.{milestone.kind}"), due=milestone.due, days=rule.first_alert_days)]
    if number:
        why += f", reminder every {rule.repeat_days} days until acted on"
        parts.append(said("why.reminder", days=rule.repeat_days))
    if as_of > milestone.due:
        why += f"; OVERDUE since {milestone.due.isoformat()} (the agreement runs until {stop.isoformat()})"
        parts.append(said("why.overdue", due=milestone.due, until=stop))
    out: list[Planned] = []
    if owner_email == SECTION:  # handed to the procurement section: no one personally; escalation still applies
        escalate_on = min(first_alerted + dt.timedelta(days=rule.escalate_after_days), milestone.due)
        if state.escalated_on is None and as_of >= escalate_on:
            out.append(ctx.escalation(agreement, milestone, owner_name, first_alerted))
            if write:
                state.escalated_on = as_of
        if write and state.first_alerted_on is None:
            state.first_alerted_on = as_of
        return out
    alert, ref = ctx.owner_alert(agreement, milestone, owner_email, owner_name, state.snooze_id, number, why, parts)
    out.append(alert)
    if not owner_email:
        out.append(ctx.unreachable_report(agreement, milestone, owner_email, owner_name, "no_email"))
    elif ref is None:
        out.append(ctx.unreachable_report(agreement, milestone, owner_email, owner_name, "no_reference"))
    else:
        problem = delivery_problem(ctx.session, owner_email)
        if problem is not None:
            out.append(ctx.unreachable_report(agreement, milestone, owner_email, owner_name, problem[0], problem[1]))
    escalate_on = min(first_alerted + dt.timedelta(days=rule.escalate_after_days), milestone.due)
    if state.escalated_on is None and as_of >= escalate_on:
        out.append(ctx.escalation(agreement, milestone, owner_name or owner_email, first_alerted))
        if write:
            state.escalated_on = as_of
    if write and state.first_alerted_on is None:
        state.first_alerted_on = as_of
    return out


def queue(session: Session, planned: list[Planned], *, write: bool, merged_into: str | None = None) -> None:
    """Enqueue each planned message (write) or just mark which keys are already queued (dry run)."""
    for p in planned:
        if merged_into:
            p.merged_into = merged_into
        if write:
            row = enqueue(
                session, idempotency_key=p.key, kind=p.kind, subject_id=p.agreement_id or None, recipient=p.recipient,
                conversation_ref_id=p.conversation_ref_id, conversation=p.conversation, activity=p.activity,
                merged_into=merged_into,
            )
            p.new = row is not None
            if p.new and p.kind in OWNER_KINDS and merged_into is None:
                record_copies(session, p.key, "single", [p])
        else:
            p.new = already_queued(session, p.key) is False


def already_queued(session: Session, key: str) -> bool:
    return session.execute(select(col(OutboxRow.id)).where(col(OutboxRow.idempotency_key) == key)).first() is not None


COMBINED_KINDS = ("unreachable", "escalation", "follow_up_escalation", "removed", "end_earlier")
OWNER_KINDS = ("alert", "reminder")


def record_copies(session: Session, outbox_key: str, card_kind: str, items: list[Planned]) -> None:
    """Remember which milestones the card sent under `outbox_key` shows (a decision updates every copy)."""
    from bot.alerts.models import AlertCardCopy

    now = utcnow()
    for position, p in enumerate(items):
        if p.due is None:
            continue
        who, note = p.passed_on or ("", "")
        session.add(AlertCardCopy(
            outbox_key=outbox_key, card_kind=card_kind, agreement_id=p.agreement_id, milestone=p.milestone,
            due_date=p.due, position=position, lang=p.lang, recipient=p.recipient, passed_on_by=who[:320],
            passed_on_note=note, created_at=now,
        ))
    session.flush()


def queue_owner_items(ctx: Context, items: list[Planned], agreements: dict[str, AgreementFacts], *, write: bool) -> list[Planned]:
    """One message per owner per scan: an owner with several new alerts/reminders gets them in one
    card, most urgent first; each is still recorded under its own key (status merged)."""
    fresh = [p for p in items if not already_queued(ctx.session, p.key)]
    for p in items:
        if p not in fresh:
            p.new = False
    by_owner: dict[str, list[Planned]] = {}
    for p in fresh:
        by_owner.setdefault(p.recipient, []).append(p)
    out: list[Planned] = []
    for recipient, group in by_owner.items():
        if len(group) == 1:
            queue(ctx.session, group, write=write)
            continue
        group.sort(key=lambda p: (p.due or dt.date.max, p.agreement_id, p.milestone))
        lang = group[0].lang
        card_items = []
        for p in group:
            agreement = agreements[p.agreement_id]
            milestone = next(m for m in all_milestones([agreement], ctx.config, ctx.as_of) if m.kind == p.milestone and m.due == p.due)
            card_items.append({"agreement": agreement, "milestone": milestone, "reminder_no": p.reminder_no, "passed_on": p.passed_on})
        import hashlib

        digest = hashlib.sha1("\n".join(sorted(p.key for p in group)).encode()).hexdigest()[:12]
        key = f"alert-owner:{ctx.as_of.isoformat()}:{recipient}:{digest}"
        card = cards.owner_digest_card(card_items, ctx.config, lang, ctx.as_of, ctx.config.owner_digest_max_items, key)
        title = cards.t("owner_digest_title", lang, n=len(group))
        combined = Planned(
            "owner_digest", key, recipient,
            f"{len(group)} new deadlines for this owner in one card", conversation_ref_id=group[0].conversation_ref_id,
            activity=cards.activity(card, title), lang=lang, why=[said("why.owner_digest", n=len(group))],
        )
        queue(ctx.session, [combined], write=write)
        queue(ctx.session, group, write=write, merged_into=combined.key)
        if write and combined.new:
            record_copies(ctx.session, combined.key, "digest", group)
        for p in group:
            p.add_reason(" (in the owner's digest card)", said("why.in_owner_digest"))
        out.append(combined)
    return out


def queue_channel_items(ctx: Context, items: list[Planned], *, write: bool) -> list[Planned]:
    """Escalations and unreachable-owner reports: one card each, or — when a scan finds more than
    `channel_combine_over` new ones (the first scan after go-live, a big sync) — one card listing
    them all, each still recorded under its own key (status merged) so it is never repeated."""
    fresh = [p for p in items if not already_queued(ctx.session, p.key)]
    for p in items:
        if p not in fresh:
            p.new = False
    if len(fresh) <= ctx.config.channel_combine_over:
        queue(ctx.session, fresh, write=write)
        return []
    import hashlib

    digest = hashlib.sha1("\n".join(sorted(p.key for p in fresh)).encode()).hexdigest()[:12]
    lang = ctx.channel_lang
    lines = []
    for p in fresh:
        body = p.activity["attachments"][0]["content"]["body"]
        lines.append(f"**{body[0]['text']}** – {body[1]['text']}")
    title = cards.t("combined_title", lang, n=len(fresh))
    card = cards.list_card(title, lines, min(ctx.config.digest.max_items, 40), lang)  # well under 28 KB
    combined = ctx.to_channel(
        "channel_summary", f"alert-channel:{ctx.as_of.isoformat()}:{digest}",
        f"{len(fresh)} escalations/unreachable owners in one card", said("why.channel_summary", n=len(fresh)), card, title, None,
    )
    queue(ctx.session, [combined], write=write)
    queue(ctx.session, fresh, write=write, merged_into=combined.key)
    for p in fresh:
        p.add_reason(" (in the combined card)", said("why.in_combined"))
    return [combined]


def scan(
    database: Database,
    settings: Any,
    as_of: dt.date,
    *,
    dry_run: bool = False,
    only_agreement: str | None = None,
    config: AlertConfig | None = None,
) -> ScanReport:
    """Plan (and unless `dry_run`, queue) everything due on `as_of`."""
    report = ScanReport(as_of, dry_run)
    with database.session() as session:
        ctx = Context(session, settings, as_of, config)
        if ctx.channel is None:
            report.warn(
                "the procurement channel is not configured or not reachable (INNKJOPSBOT_PROCUREMENT_CHANNEL_CONVERSATION_ID "
                "and a stored reference or INNKJOPSBOT_PROCUREMENT_CHANNEL_SERVICE_URL): its messages are recorded as unreachable",
                said("warning.no_channel"),
            )
        agreements = {a.id: a for a in load_facts(session, as_of)}
        if only_agreement is not None:
            agreements = {k: v for k, v in agreements.items() if k == only_agreement}
        channel_items: list[Planned] = []
        owner_items: list[Planned] = []
        for milestone in all_milestones(list(agreements.values()), ctx.config, as_of):
            planned = plan_milestone(ctx, agreements[milestone.agreement_id], milestone, write=not dry_run)
            queue(session, [p for p in planned if p.kind not in COMBINED_KINDS + OWNER_KINDS], write=not dry_run)
            channel_items.extend(p for p in planned if p.kind in COMBINED_KINDS)
            owner_items.extend(p for p in planned if p.kind in OWNER_KINDS)
            report.planned.extend(planned)
        report.planned.extend(queue_owner_items(ctx, owner_items, agreements, write=not dry_run))
        if only_agreement is None:
            from bot.alerts import followup, guards

            follow = followup.check(ctx, agreements, write=not dry_run)
            queue(session, [p for p in follow if p.kind not in COMBINED_KINDS], write=not dry_run)
            channel_items.extend(p for p in follow if p.kind in COMBINED_KINDS)
            report.planned.extend(follow)
            guarded = guards.check(ctx, agreements, write=not dry_run)
            channel_items.extend(guarded)
            report.planned.extend(guarded)
        report.planned.extend(queue_channel_items(ctx, channel_items, write=not dry_run))
        if dry_run:
            session.rollback()
    return report
