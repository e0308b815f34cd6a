"""`innkjopsbot alerts …` (contract-expiry alerts) and `innkjopsbot outbox …` (proactive messages)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import click

from agreements_sync.i18n import Language
from bot.commands.common import CliContext, Refused, cli_label, cli_text, global_options, pass_cli


@click.group()
def alerts() -> None:
    """Contract-expiry alerts: scan for deadlines, the overview, the weekly digest, exports.

    \b
    Examples:
      innkjopsbot alerts scan --as-of 2026-11-24 --dry-run
      innkjopsbot alerts overview --months 12
      innkjopsbot alerts export --format ics --out frister.ics
    """


def _milestone(kind: str, lang: Language) -> str:
    from bot.alerts.cards import t

    return t(f"milestone.{kind}", lang) if kind else "-"


def _scan_text(report, dry_run: bool, lang: Language) -> str:
    """The scan's (or digest's) plan for the procurement section, in `lang`; --json has the same as data."""
    def t(key: str, **values: object) -> str:
        return cli_text(key, lang, **values)

    from bot.alerts.scan import recipient_text

    lines = []
    for p in report.planned:
        lines.append(t(
            "scan_line", kind=cli_label("kind", p.kind, lang), agreement=p.agreement_id or "-", milestone=_milestone(p.milestone, lang),
            due=str(p.due or "-"), recipient=recipient_text(p.recipient, lang), state=t("scan_state_new" if p.new else "scan_state_queued"),
            reach="" if (p.conversation_ref_id or p.conversation) else t("scan_unreachable"), reason=p.reason_in(lang),
        ))
    counts = ", ".join(f"{n} {cli_label('kind', k, lang)}" for k, n in sorted(report.counts().items())) or t("scan_nothing_new")
    out = report.messages_out()
    lines.append(t("scan_summary_dry" if dry_run else "scan_summary", date=report.as_of, counts=counts,
                   already=len(report.planned) - len(report.new)))
    lines.append(t("scan_out", messages=out["messages"], cards=out["owner_cards"], owners=out["owners"]))
    lines.extend(t("scan_warning", warning=w) for w in report.warnings_in(lang))
    return "\n".join(lines)


def _overview_text(rows: list[dict], as_of, months: int, lang: Language) -> str:
    """The overview for the CLI, by month, each deadline with its status (the weekly digest's words)."""
    from bot.alerts.cards import status_text, t

    if not rows:
        return cli_text("overview_none", lang, months=months, date=as_of)
    lines = [cli_text("overview_heading", lang, date=as_of, months=months, count=len(rows))]
    month = None
    for row in rows:
        if row["due"].strftime("%Y-%m") != month:
            month = row["due"].strftime("%Y-%m")
            lines.append("\n" + t("month", lang, month=row["due"]).capitalize())
        status = status_text(row, lang) + (f" ({row['decided_by']})" if row["status"] == "decided" and row["decided_by"] else "")
        lines.append(cli_text(
            "overview_line", lang, due=row["due"].isoformat(), milestone=_milestone(row["milestone"], lang),
            agreement=row["agreement_id"], title=row["title"][:40], status=status,
            owner=row["owner_email"] or row["owner"] or "–",
        ))
    return "\n".join(lines)


@alerts.command()
@click.option("--dry-run", is_flag=True, help="Only show what would be sent; queue nothing.")
@click.option("--agreement", "agreement_id", metavar="ID", help="Only this agreement.")
@global_options
@pass_cli
def scan(cli: CliContext, dry_run: bool, agreement_id: str | None) -> None:
    """Find the alerts, reminders, escalations and unreachable-owner reports due on a date,
    show each with its recipient and reason, and queue them in the outbox (not with --dry-run).

    \b
    Example:
      innkjopsbot alerts scan --as-of 2026-11-24 --dry-run
    """
    from bot.alerts.scan import scan as run_scan

    report = run_scan(cli.database(), cli.settings, cli.today, dry_run=dry_run, only_agreement=agreement_id)
    cli.emit(report.to_json(), lambda: _scan_text(report, dry_run, cli.lang))


@alerts.command()
@click.option("--months", default=12, show_default=True, type=click.IntRange(1, 60), help="How far ahead.")
@global_options
@pass_cli
def overview(cli: CliContext, months: int) -> None:
    """What expires or needs a decision in the next months, by month, with each one's status
    (the same as the weekly digest).

    \b
    Example:
      innkjopsbot alerts overview --months 6 --as-of 2026-11-24
    """
    from bot.alerts.overview import overview as rows_of

    with cli.database().session() as session:
        rows = rows_of(session, cli.today, months)
    cli.emit({"as_of": cli.today, "months": months, "deadlines": rows}, lambda: _overview_text(rows, cli.today, months, cli.lang))


@alerts.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "ics"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="File to write (default: stdout).")
@global_options
@pass_cli
def export(cli: CliContext, fmt: str, out: Path | None) -> None:
    """Export every deadline of agreements not yet expired, as CSV or as an iCalendar (.ics) file.

    The calendar's texts are in the language of --lang (default: the locale, else bokmål).

    \b
    Examples:
      innkjopsbot alerts export --format csv --out frister.csv
      innkjopsbot alerts export --format ics --out frister.ics
    """
    from bot.alerts.overview import overview as rows_of
    from bot.alerts.overview import to_csv, to_ics

    with cli.database().session() as session:
        rows = rows_of(session, cli.today)
    data: bytes = to_csv(rows).encode("utf-8") if fmt == "csv" else to_ics(rows, cli.lang.value)
    if out is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
        return
    out.write_bytes(data)
    cli.emit({"file": str(out), "format": fmt, "deadlines": len(rows)}, cli.t("export_deadlines", count=len(rows), path=out))


@alerts.command()
@click.option("--dry-run", is_flag=True, help="Only show the digest; queue nothing.")
@click.option("--force", is_flag=True, help="Send even before the configured weekday.")
@global_options
@pass_cli
def digest(cli: CliContext, dry_run: bool, force: bool) -> None:
    """Queue the weekly digest for the procurement channel (once per week).

    \b
    Example:
      innkjopsbot alerts digest --force --dry-run --json
    """
    from bot.alerts.digest import weekly_digest

    report = weekly_digest(cli.database(), cli.settings, cli.today, dry_run=dry_run, force=force)
    payload = report.to_json()
    if cli.json and report.planned:
        payload["card"] = report.planned[0].activity["attachments"][0]["content"]
    cli.emit(payload, lambda: _scan_text(report, dry_run, cli.lang))


@alerts.command()
@click.argument("agreement_id")
@click.argument("milestone", type=click.Choice(["option", "competition", "expiry"]))
@click.argument("due", metavar="DUE(YYYY-MM-DD)")
@click.argument("decision", type=click.Choice(["use_option", "new_competition", "let_expire", "snooze", "reassign"]))
@click.option("--new-owner", default="", help="E-mail of the new owner (reassign).")
@click.option("--by", "by_email", required=True, help="E-mail of the person the decision is recorded for.")
@global_options
@pass_cli
def decide(cli: CliContext, agreement_id: str, milestone: str, due: str, decision: str, new_owner: str, by_email: str) -> None:
    """Record a decision on a deadline for someone (the procurement section), as the card would.

    \b
    Example:
      innkjopsbot alerts decide LK-2022-014 option 2026-12-31 use_option --by kari@lorenskog.kommune.no
    """
    import datetime as dt

    from bot.alerts.decisions import Actor
    from bot.alerts.decisions import decide as run_decide
    from bot.alerts.scan import Context

    try:
        due_date = dt.date.fromisoformat(due)
    except ValueError:
        raise click.BadParameter(f"'{due}' is not a date of the form YYYY-MM-DD", param_hint="DUE") from None
    with cli.database().session() as session:
        ctx = Context(session, cli.settings, cli.today)
        result = run_decide(ctx, agreement_id=agreement_id, kind=milestone, due=due_date, decision=decision,
                            actor=Actor(email=by_email, name=by_email, is_admin=True),
                            # --json keeps its English lines (scripts read them); the human text follows the language
                            lang="en" if cli.json else cli.lang.value, new_owner_email=new_owner)
    if not result.ok:
        error = cli.label("decide_error", result.error or "")
        raise Refused(f"{agreement_id} {milestone} {due}: {error}" + (f" ({' '.join(result.lines)})" if result.lines else ""))
    cli.emit({"ok": True, "lines": result.lines, "queued": [p.key for p in result.queued if p.new]}, " ".join(result.lines))


@alerts.command("register-flags")
@click.option("--all", "show_all", is_flag=True, help="Resolved flags too.")
@click.option("--resolve", "resolve_id", type=int, help="Mark this flag (its id) as corrected in the register.")
@global_options
@pass_cli
def register_flags(cli: CliContext, show_all: bool, resolve_id: int | None) -> None:
    """What the procurement section must correct in the register: owner fields after a reassignment,
    active agreements that vanished from an export, end dates moved earlier, decisions not shown.

    \b
    Examples:
      innkjopsbot alerts register-flags
      innkjopsbot alerts register-flags --resolve 12
    """
    from bot.alerts.flags import list_flags, resolve

    with cli.database().session() as session:
        if resolve_id is not None and not resolve(session, resolve_id):
            raise Refused(cli.t("flag_not_found", id=resolve_id))
        flags = list_flags(session, include_resolved=show_all)
    lines = [f"{f['id']:>4}  {f['created_at'][:10]}  {cli.label('flag_kind', f['kind']):<22} {f['agreement_id']:<14} {f['detail']}"
             for f in flags]
    cli.emit({"flags": flags}, "\n".join(lines) or cli.t("flags_none"))


@click.group()
def outbox() -> None:
    """The outbox of proactive messages: what is queued, sent, failed; deliver now.

    \b
    Examples:
      innkjopsbot outbox status
      innkjopsbot outbox drain --max-seconds 60
    """


@outbox.command()
@click.option("--kind", help="Only this kind (alert, reminder, announcement …).")
@click.option("--subject", help="Only this subject (agreement or announcement id).")
@click.option("--problems", is_flag=True, help="List the rows that failed, were blocked or are unreachable.")
@global_options
@pass_cli
def status(cli: CliContext, kind: str | None, subject: str | None, problems: bool) -> None:
    """Messages per status (pending, claimed, sent, failed, blocked, unreachable) and kind.

    \b
    Example:
      innkjopsbot outbox status --kind alert --problems
    """
    from sqlalchemy import func, select
    from sqlmodel import col

    from bot.outbox.models import OutboxRow

    database = cli.database()
    with database.session() as session:
        stmt = select(col(OutboxRow.kind), col(OutboxRow.status), func.count()).group_by(col(OutboxRow.kind), col(OutboxRow.status))
        if kind:
            stmt = stmt.where(col(OutboxRow.kind) == kind)
        if subject:
            stmt = stmt.where(col(OutboxRow.subject_id) == subject)
        counts = [{"kind": k, "status": s, "count": n} for k, s, n in session.execute(stmt).all()]
        listed = []
        if problems:
            q = select(OutboxRow).where(col(OutboxRow.status).in_(("failed", "blocked", "unreachable")))
            if kind:
                q = q.where(col(OutboxRow.kind) == kind)
            if subject:
                q = q.where(col(OutboxRow.subject_id) == subject)
            listed = [
                {"id": r.id, "kind": r.kind, "subject_id": r.subject_id, "recipient": r.recipient, "status": r.status,
                 "attempts": r.attempts, "last_status_code": r.last_status_code, "last_error": r.last_error}
                for r in session.execute(q.order_by(col(OutboxRow.id))).scalars()
            ]

    def human() -> str:
        if not counts:
            return cli.t("outbox_empty")
        lines = [f"{cli.label('kind', c['kind']):<24} {cli.label('outbox_status', c['status']):<16} {c['count']:>7}"
                 for c in sorted(counts, key=lambda c: (c["kind"], c["status"]))]
        lines += [f"#{p['id']} {cli.label('kind', p['kind'])} {p['recipient']} {cli.label('outbox_status', p['status'])} "
                  f"{p['last_status_code'] or ''} {p['last_error']}" for p in listed]
        return "\n".join(lines)

    cli.emit({"counts": counts, "problems": listed}, human)


@outbox.command()
@click.option("--max-seconds", default=240.0, show_default=True, type=click.FloatRange(min=1), help="Stop after this long.")
@click.option("--no-wait", is_flag=True, help="Only what is due now; do not wait for retries.")
@global_options
@pass_cli
def drain(cli: CliContext, max_seconds: float, no_wait: bool) -> None:
    """Deliver what is due now through the Bot Connector (within Teams' rate limits),
    waiting for retries (429 Retry-After, 5xx backoff) up to --max-seconds.

    \b
    Example:
      innkjopsbot outbox drain --max-seconds 60
    """
    from bot.services import Services

    services = Services(settings=cli.settings, database=cli.database(), as_of=cli.as_of)
    summary = asyncio.run(_drain_until_signal(services, max_seconds, not no_wait))
    if summary is None:
        raise Refused(cli.t("drain_stopped"))
    cli.emit(summary, lambda: cli.t(
        "drain_summary", sent=summary["sent"], failed=summary["failed"], blocked=summary["blocked"],
        retried=summary["retried"], deferred=summary["deferred"], seconds=summary["seconds"],
    ))


async def _drain_until_signal(services, max_seconds: float, wait: bool):
    """Drain; SIGTERM/SIGINT cancel it cleanly (in-flight requests recorded, the rest released)."""
    import signal

    from bot.outbox.jobs import drain_async

    task = asyncio.ensure_future(drain_async(services, max_seconds=max_seconds, wait_for_retries=wait))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # add_signal_handler is Unix-only (NotImplementedError elsewhere) and works only in the main
        # thread (RuntimeError otherwise); without it, Ctrl-C still stops the drain, just less tidily
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, task.cancel)
    try:
        return await task
    except asyncio.CancelledError:
        return None
