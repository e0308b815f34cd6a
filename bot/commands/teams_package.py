"""`innkjopsbot teams-package`: build the Teams app package (manifest + icons) as a zip to upload."""

from __future__ import annotations

from pathlib import Path

import click

from agreements_sync.i18n import Language
from bot.commands.common import CliContext, Refused, cli_label, cli_text, global_options, pass_cli
from bot.settings import Settings, SettingsError, load_settings
from bot.teams_package import DEFAULT_OUT, TEMPLATE_DIR, PackageError, PackageReport, build_package, config_from_settings


@click.command("teams-package")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True,
    help="Where to write the zip.",
)
@click.option("--app-id", metavar="GUID", default=None, help="Entra app (client) id of the bot (default: MICROSOFT_APP_ID).")
@click.option("--version", "app_version", metavar="X.Y.Z", default=None, help="App version (default: INNKJOPSBOT_TEAMS_APP_VERSION).")
@click.option(
    "--template-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=TEMPLATE_DIR,
    help="Folder with manifest.template.json, en.template.json, the icons and schema/.",
)
@global_options
@pass_cli
def teams_package(cli: CliContext, out: Path, app_id: str | None, app_version: str | None, template_dir: Path) -> None:
    """Build the Teams app package: manifest.json (nb) + en.json, color.png and outline.png in a zip.

    The bot id comes from MICROSOFT_APP_ID (or --app-id); developer name, urls, valid domains
    and version from INNKJOPSBOT_TEAMS_* settings. The manifest is checked against the vendored
    Teams schema and the icons against Teams' rules before the zip is written. Upload the zip in
    the Teams admin center (Manage apps → Upload new app) or sideload it in Teams (Apps → Manage
    your apps → Upload an app).

    \b
    Examples:
      innkjopsbot teams-package --app-id 0b6f8a52-3c1d-4e8f-9a7b-2c4d6e8f0a1b
      MICROSOFT_APP_ID=… INNKJOPSBOT_TEAMS_VALID_DOMAINS=innkjopsbot.example.no innkjopsbot teams-package --version 1.0.1
    """
    config = config_from_settings(_settings(cli), app_id=app_id, version=app_version)
    try:
        report = build_package(config, out, template_dir)
    except PackageError as exc:
        raise Refused(cli.t("package_refused") + "\n  " + "\n  ".join(exc.problems)) from None
    cli.emit(report.to_json(), lambda: _human(report, cli.lang))


def _settings(cli: CliContext) -> Settings:
    """The settings; packaging needs the bot's app id but never its secret, so an app id
    without MICROSOFT_APP_PASSWORD (e.g. on an admin workstation) is accepted here."""
    try:
        return cli.settings
    except click.UsageError as original:
        try:
            return load_settings(app_password="not-used-for-packaging")
        except SettingsError:
            raise original from None


def _human(report: PackageReport, lang: Language) -> str:
    def t(key: str, **values: object) -> str:
        return cli_text(key, lang, **values)

    lines = [
        t("package_file", path=report.path, size=report.size_bytes, sha=report.sha256[:12]),
        t("package_files", files=", ".join(report.files)),
        t("package_ids", app_id=report.app_id, bot_id=report.bot_id, version=report.version, schema=report.manifest_version),
        t("package_domains", domains=", ".join(report.valid_domains) or t("package_no_domains")),
        t("package_validated") if report.schema_validated else "",
    ]
    lines += [t("package_note", note=cli_label("package_note", key, lang) if key else note)
              for note, key in zip(report.notes, report.note_keys or [""] * len(report.notes), strict=True)]
    lines.append(t("package_upload"))
    return "\n".join(line for line in lines if line)
