"""`innkjopsbot sync` and `innkjopsbot sync-history`, and the scheduled sync job."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from agreements_sync.fetch import is_url
from agreements_sync.i18n import language_of, strings
from agreements_sync.sync import SyncReport, agreement_versions, sync_export
from agreements_sync.sync import sync_history as list_runs
from bot.commands.common import CliContext, Refused, global_options, pass_cli

log = logging.getLogger(__name__)

_MAX_ERRORS_SHOWN = 30
_MAX_DIFF_SHOWN = 50


def _json_lang(cli: CliContext) -> str:
    """The language of the texts inside --json output: the bot's default locale, as always (the
    JSON does not follow --lang or the environment, so scripts reading it see no change)."""
    try:
        return language_of(cli.settings.default_locale)
    except click.UsageError:
        return "nb"


def _estimate_rows(source: str) -> int | None:
    """Rows of a local CSV (newlines minus the header), for the progress bar; None if unknown."""
    if is_url(source):
        return None
    path = Path(source)
    try:
        with path.open("rb") as handle:
            if handle.read(4) == b"PK\x03\x04":
                return None
            handle.seek(0)
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return None
    return max(lines - 1, 1)


def render_report(report: SyncReport, lang: str, show_diff: bool) -> str:
    texts = strings("sync")
    lines = [report.message(lang)]
    if report.ok and report.as_of is not None:
        lines.append(texts.get("active_line", lang, date=report.as_of, active=report.active_as_of,
                               total=report.agreements_read))
    if report.warnings:
        lines.append(texts.get("notes_heading", lang))
        lines.extend(f"  {note.message(lang)}" for note in report.warnings)
    if report.errors:
        total = max(report.error_count, len(report.errors))  # every error found; `errors` keeps the first ones
        lines.append("")
        lines.append(texts.get("errors_heading", lang, count=total))
        lines.extend(f"  {error.message(lang)}" for error in report.errors[:_MAX_ERRORS_SHOWN])
        if total > _MAX_ERRORS_SHOWN:
            lines.append("  " + texts.get("errors_more", lang, count=total - _MAX_ERRORS_SHOWN, kept=len(report.errors)))
    if show_diff:
        sections = (
            ("diff_added", [f"  + {i}" for i in report.added_ids]),
            ("diff_changed", [f"  ~ {i}: {', '.join(f)}" for i, f in report.changed_fields.items()]),
            ("diff_removed", [f"  - {i}" for i in report.removed_ids]),
        )
        for key, items in sections:
            if items:
                lines.append("")
                lines.append(texts.get(key, lang, count=len(items)))
                lines.extend(items[:_MAX_DIFF_SHOWN])
                if len(items) > _MAX_DIFF_SHOWN:
                    lines.append(texts.get("diff_more", lang, count=len(items) - _MAX_DIFF_SHOWN))
    return "\n".join(lines)


@click.command("sync")
@click.argument("source", metavar="FILE_OR_URL")
@click.option("--mapping", "-m", metavar="FILE", help="Mapping YAML for the export (default: the shipped Lørenskog mapping, or INNKJOPSBOT_SYNC_MAPPING).")
@click.option("--dry-run", is_flag=True, help="Validate and show the diff (added / changed fields / removed) without saving.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and skip the invalid ones (default: reject the whole file).")
@click.option("--allow-mass-removal", is_flag=True, help="Allow a sync that removes more than the set share of the index.")
@click.option("--max-removal-share", type=click.FloatRange(0.0, 1.0), default=None, metavar="SHARE",
              help="Refuse removing more than this share (default: INNKJOPSBOT_SYNC_MAX_REMOVAL_SHARE, 0.2).")
@click.option("--trigger", default="cli", show_default=True, help="Recorded with the run (cli, demo, schedule …).")
@global_options
@pass_cli
def sync(
    cli: CliContext,
    source: str,
    mapping: str | None,
    dry_run: bool,
    skip_invalid: bool,
    allow_mass_removal: bool,
    max_removal_share: float | None,
    trigger: str,
) -> None:
    """Sync the contract register's export (CSV, XLSX or an https URL) into the agreement index.

    All or nothing: a file with errors is rejected (exit status 1) and the index is left exactly
    as it was; every bad row is listed with its line, column and reason. Re-running the same
    file changes nothing and says so.

    \b
    Examples:
      innkjopsbot sync ../shared/data/avtaleregister.csv
      innkjopsbot sync export.xlsx --mapping knowledge/register_mappings/example-english-xlsx.yaml
      innkjopsbot --as-of 2026-11-24 sync avtaler.csv --dry-run
      innkjopsbot sync https://example.org/avtaler.csv --json
    """
    settings = cli.settings
    lang = cli.lang.value
    database = cli.database()
    share = settings.sync_max_removal_share if max_removal_share is None else max_removal_share
    options: dict[str, Any] = dict(
        as_of=cli.today, dry_run=dry_run, skip_invalid=skip_invalid, max_removal_share=share,
        allow_mass_removal=allow_mass_removal, trigger=trigger,
    )
    mapping_source = mapping or settings.sync_mapping or None
    total = _estimate_rows(source) if (sys.stderr.isatty() and not cli.json) else None
    if total:
        with click.progressbar(length=total, label=strings("sync").get("progress_label", lang), file=sys.stderr) as bar:
            report = sync_export(database.engine, source, mapping_source, progress=bar.update, **options)
    else:
        report = sync_export(database.engine, source, mapping_source, **options)
    if report.ok or cli.json:
        cli.emit(report.to_dict(_json_lang(cli)), lambda: render_report(report, lang, show_diff=dry_run))
    else:
        # a rejection is an error: the row errors go to stderr with the reason (exit status 1)
        details = render_report(report, lang, show_diff=False).split("\n", 1)
        if len(details) > 1:
            click.echo(details[1].lstrip("\n"), err=True)
    if not report.ok:
        raise Refused(report.message(lang))


@click.command("sync-history")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="How many runs to list.")
@click.option("--agreement", "agreement_id", metavar="ID", help="Show the previous versions of this agreement instead.")
@global_options
@pass_cli
def sync_history_command(cli: CliContext, limit: int, agreement_id: str | None) -> None:
    """List the latest sync runs, or the previous versions of one agreement.

    \b
    Examples:
      innkjopsbot sync-history --limit 5
      innkjopsbot sync-history --agreement LK-2024-018 --json
    """
    lang = cli.lang.value
    database = cli.database()
    texts = strings("sync")
    if agreement_id:
        from agreements_sync.index import get_agreement

        current = get_agreement(database.engine, agreement_id)
        versions = agreement_versions(database.engine, agreement_id)[:limit]
        payload = {
            "agreement_id": agreement_id,
            "current": current.to_dict() if current else None,
            "versions": versions,
        }

        def human() -> str:
            lines = []
            if current:
                lines.append(texts.get("history_current", lang, title=current.title,
                                       synced_at=_when(current.synced_at), run=current.sync_run_id))
            if not versions:
                lines.append(texts.get("history_versions_empty", lang, id=agreement_id))
                return "\n".join(lines)
            lines.append(texts.get("history_versions_heading", lang, id=agreement_id))
            for version in versions:
                data = version["data"]
                suppliers = ", ".join(s["name"] for s in data.get("suppliers", []))
                lines.append(cli.t(
                    "sync_history_version", when=_when(version["recorded_at"]), run=version["sync_run_id"],
                    change=cli.label("change", version["change"]), title=data.get("title", ""), status=data.get("status", ""),
                    start=data.get("start_date") or "?", end=data.get("end_date") or "?", suppliers=suppliers,
                ))
            return "\n".join(lines)

        cli.emit(payload, human)
        return

    runs = list_runs(database.engine, limit)

    def human_runs() -> str:
        if not runs:
            return texts.get("history_empty", lang)
        lines = [texts.get("history_heading", lang)]
        for run in runs:
            lines.append(cli.t(
                "sync_history_run", id=run["id"], when=_when(run["started_at"]), trigger=cli.label("trigger", run["trigger"]),
                outcome=cli.label("outcome", run["outcome"]), added=run["added"], changed=run["changed"], removed=run["removed"],
                unchanged=run["unchanged"], skipped=run["skipped"], errors=run["error_count"],
                version=run["index_version"], ms=run["duration_ms"], source=run["source"],
            ))
        return "\n".join(lines)

    cli.emit({"runs": runs}, human_runs)


# bot/cli.py names the command object `sync_history`
sync_history = sync_history_command


def _when(value: Any) -> str:
    if value is None:
        return "-"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)[:16]
