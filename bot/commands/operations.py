"""`innkjopsbot user-data …` and `innkjopsbot retention …`: data protection for the data controller.

See docs/data-protection.md for what is stored, why and for how long.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any

import click

from agreements_sync.i18n import Language, strings
from bot.commands.common import CliContext, Refused, cli_text, global_options, json_default, pass_cli


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "cli"


def _who(email: str | None, aad_id: str | None) -> None:
    if not (email or aad_id):
        raise click.UsageError("name the person with --email or --aad-id")


@click.group("user-data")
def user_data() -> None:
    """Export or erase everything stored about one person (GDPR access and erasure requests).

    \b
    Examples:
      innkjopsbot user-data export --email kari.nordmann@lorenskog.kommune.no --out kari.json
      innkjopsbot user-data delete --aad-id 7f0c1c2e-… --yes
    """


@user_data.command("export")
@click.option("--email", metavar="E-MAIL", help="The person's e-mail / UPN.")
@click.option("--aad-id", metavar="ID", help="The person's Entra (Azure AD) object id.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON to this file.")
@global_options
@pass_cli
def export_command(cli: CliContext, email: str | None, aad_id: str | None, out: Path | None) -> None:
    """Write everything stored about one person as JSON, table by table with its purpose.

    The person is found by e-mail or Entra object id, and through every other e-mail / object id
    the database links to them. Agreement-register rows naming them (owner, adviser) are included
    for information; they are corrected in the register itself.

    \b
    Examples:
      innkjopsbot user-data export --email kari.nordmann@lorenskog.kommune.no
      innkjopsbot user-data export --aad-id 7f0c1c2e-… --out kari.json
    """
    from bot.privacy.user_data import export_user_data

    _who(email, aad_id)
    payload = export_user_data(cli.database(), email=email, aad_id=aad_id, actor=_actor())
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=json_default)
    rows = sum(len(section["rows"]) for section in payload["tables"].values())
    if out is not None:
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise Refused(cli.t("cannot_write", path=out, error=exc.strerror or exc)) from None
        summary = {"out": str(out), "rows": rows, "tables": {k: len(v["rows"]) for k, v in payload["tables"].items()}}
        cli.emit(summary, cli.t("export_wrote", rows=rows, tables=len(payload["tables"]), path=out))
    else:
        click.echo(text)
    if rows == 0:
        click.echo(cli.t("nothing_stored"), err=True)


@user_data.command("delete")
@click.option("--email", metavar="E-MAIL", help="The person's e-mail / UPN.")
@click.option("--aad-id", metavar="ID", help="The person's Entra (Azure AD) object id.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Only show what would be deleted or anonymised.")
@global_options
@pass_cli
def delete_command(cli: CliContext, email: str | None, aad_id: str | None, yes: bool, dry_run: bool) -> None:
    """Erase one person: delete their rows, or blank their name/e-mail/id in records that stay.

    Records of decisions (alerts), admin actions and created courses/announcements keep the
    record without the person. Register rows naming them are not touched (correct the register).
    Everything happens in one transaction; the privacy log keeps counts and a pseudonym only.

    \b
    Examples:
      innkjopsbot user-data delete --email kari.nordmann@lorenskog.kommune.no --dry-run
      innkjopsbot user-data delete --aad-id 7f0c1c2e-… --yes
    """
    from bot.privacy.user_data import erase_user_data

    _who(email, aad_id)
    database = cli.database()
    preview = erase_user_data(database, email=email, aad_id=aad_id, dry_run=True, actor=_actor())
    if dry_run:
        cli.emit(preview, lambda: _erasure_text(preview, cli.lang))
        return
    if not any(r["action"] != "keep" for r in preview["results"]):
        cli.emit({**preview, "dry_run": False}, cli.t("nothing_to_delete"))
        return
    if not yes:
        if not sys.stdin.isatty():
            raise Refused(cli.t("delete_needs_yes"))
        click.echo(_erasure_text(preview, cli.lang), err=True)
        if not click.confirm(cli.t("delete_confirm"), err=True):
            raise Refused(cli.t("nothing_deleted"))
    result = erase_user_data(database, email=email, aad_id=aad_id, actor=_actor())
    cli.emit(result, lambda: _erasure_text(result, cli.lang))


def _erasure_text(result: dict[str, Any], lang: Language) -> str:
    def t(key: str, **values: Any) -> str:
        return cli_text(key, lang, **values)

    who = ", ".join(result["subject"]["emails"] + result["subject"]["aad_object_ids"]) or t("unknown_person")
    done = "dry" if result["dry_run"] else "done"
    verb = {"delete": t(f"action_delete_{done}"), "anonymise": t(f"action_anonymise_{done}"), "keep": t("action_keep")}
    lines = [t("erasure_would" if result["dry_run"] else "erasure_done", who=who)]
    for r in result["results"]:
        lines.append(t("erasure_line", table=r["table"], action=verb[r["action"]], rows=r["rows"]))
    if len(lines) == 1:
        lines.append("  " + t("nothing_stored"))
    return "\n".join(lines)


@click.group()
def retention() -> None:
    """Delete personal data older than its retention period (runs daily as the privacy.retention job).

    \b
    Examples:
      innkjopsbot retention show
      innkjopsbot retention run --dry-run
      innkjopsbot --as-of 2027-12-01 retention run --dry-run
    """


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted or anonymised.")
@global_options
@pass_cli
def retention_run(cli: CliContext, dry_run: bool) -> None:
    """Apply the retention rules now (INNKJOPSBOT_RETENTION_DAYS, INNKJOPSBOT_RETENTION_OVERRIDES).

    \b
    Examples:
      innkjopsbot retention run --dry-run
      innkjopsbot retention run
    """
    from bot.privacy.retention import run_retention
    from bot.services import Services

    services = Services(settings=cli.settings, database=cli.database(), as_of=cli.as_of)
    summary = run_retention(services, dry_run=dry_run, actor=_actor())
    cli.emit(summary, lambda: _retention_text(summary, cli.lang))


@retention.command("show")
@global_options
@pass_cli
def retention_show(cli: CliContext) -> None:
    """List the retention rules: kind of data, period in days and what happens after it.

    \b
    Example:
      innkjopsbot retention show
    """
    from bot.privacy.registry import REGISTRY
    from bot.privacy.retention import retention_period

    rules = [
        {"kind": e.retention_kind, "table": e.table, "days": retention_period(cli.settings, e),
         "action": "delete" if e.retention == "delete" else "anonymise", "purpose": e.purpose}
        for e in REGISTRY
        if e.retention is not None and (e.timestamp or e.older_than)
    ]
    cli.emit(rules, lambda: "\n".join(
        cli.t("retention_rule", kind=r["kind"], days=r["days"], action=cli.t(f"rule_{r['action']}"),
              purpose=cli.t(f"purpose.{r['kind']}") if f"purpose.{r['kind']}" in strings("cli") else r["purpose"])
        for r in rules
    ))


def _retention_text(summary: dict[str, Any], lang: Language) -> str:
    def t(key: str, **values: Any) -> str:
        return cli_text(key, lang, **values)

    lines = [t("retention_summary_dry" if summary["dry_run"] else "retention_summary", date=summary["now"][:10],
               deleted=summary["deleted"], anonymised=summary["anonymised"])]
    for rule in summary["rules"]:
        action = t(f"rule_{rule['action']}") if rule["action"] in ("delete", "anonymise") else rule["action"]
        lines.append(t("retention_line", kind=rule["kind"], days=rule["days"], action=action, rows=rule["rows"]))
    return "\n".join(lines)


@click.group(invoke_without_command=True)
@global_options
@pass_cli
@click.pass_context
def jobs(ctx: click.Context, cli: CliContext) -> None:
    """Scheduled jobs: the table in force, their last runs; `jobs run NAME` runs one now.

    Each job runs once per scheduled time across all instances (a lease row per job and time in
    the job_lease table). Schedules: INNKJOPSBOT_JOB_SCHEDULES, INNKJOPSBOT_SYNC_CRON.

    \b
    Examples:
      innkjopsbot jobs
      innkjopsbot jobs run register_sync
      innkjopsbot --json jobs
    """
    if ctx.invoked_subcommand is not None:
        return
    from sqlmodel import col, select

    from bot.scheduler import JobLease, Scheduler

    services = cli.services()
    planned = {job.spec.name: job.schedule for job in Scheduler(services).scheduled}
    rows = []
    with services.database.session() as session:
        for spec in services.areas.jobs:
            last = session.exec(
                select(JobLease).where(col(JobLease.job) == spec.name).order_by(col(JobLease.acquired_at).desc()).limit(1)
            ).first()
            rows.append({
                "job": spec.name, "schedule": planned.get(spec.name, "off"), "function": f"{spec.run.__module__}.{spec.run.__qualname__}",
                "last_tick": last.tick if last else None, "last_outcome": last.outcome if last else None,
                "last_holder": last.holder if last else None, "last_error": (last.error if last else "") or None,
            })

    def human() -> str:
        lines = [cli.t("scheduler_on" if cli.settings.scheduler_enabled else "scheduler_off", timezone=cli.settings.timezone)]
        for r in rows:
            last = f"{r['last_tick']} {r['last_outcome']}" if r["last_tick"] else cli.t("job_never_ran")
            schedule = cli.t("schedule_off") if r["schedule"] == "off" else r["schedule"]
            lines.append(f"  {r['job']:<24} {schedule:<16} {last}")
        return "\n".join(lines)

    cli.emit({"scheduler_enabled": cli.settings.scheduler_enabled, "jobs": rows}, human)


@jobs.command("run")
@click.argument("name")
@global_options
@pass_cli
def jobs_run(cli: CliContext, name: str) -> None:
    """Run one scheduled job now, once (recorded in job_lease like a scheduled run).

    \b
    Examples:
      innkjopsbot jobs run register_sync
      innkjopsbot jobs run privacy.retention
    """
    from bot.db import utcnow
    from bot.scheduler import run_job_once

    services = cli.services()
    known = [spec.name for spec in services.areas.jobs]
    if name not in known:
        raise click.BadParameter(f"unknown job '{name}' (known: {', '.join(known)})", param_hint="NAME")
    run = run_job_once(services, name, f"manual:{utcnow().replace(microsecond=0).isoformat()}")
    cli.emit(run.to_json(), lambda: f"{run.job}: {run.outcome}" + (f" ({run.reason})" if run.reason else "")
             + ("\n" + json.dumps(run.summary, ensure_ascii=False, indent=2, default=str) if run.summary else ""))
    if run.outcome in {"error", "missing"}:
        raise Refused(f"{run.job} {run.outcome}: {run.reason}")
