"""The `innkjopsbot` command line: a thin layer over the same functions the server calls.

Every command takes the global options --database, --as-of and --json (before or after the
command name). Commands are loaded lazily from the modules named in `COMMANDS`, so that
`innkjopsbot --help` stays fast and a command only imports what it needs.

Exit status: 0 success; 1 the command ran but refused its input; 2 wrong usage.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from bot.settings import Settings, SettingsError, load_settings

# name -> "module:attribute"; each area owns its module under bot/commands/.
COMMANDS: dict[str, str] = {
    "migrate": "bot.commands.database:migrate",
    "sync": "bot.commands.sync:sync",
    "sync-history": "bot.commands.sync:sync_history",
    "search": "bot.commands.search:search",
    "search-eval": "bot.commands.search:search_eval",
    "teach": "bot.commands.search:teach",
    "taught": "bot.commands.search:taught",
    "authority": "bot.commands.authority:authority",
    "authority-eval": "bot.commands.authority:authority_eval",
    "ask": "bot.commands.conversation:ask",
    "serve": "bot.commands.conversation:serve",
    "teams-package": "bot.commands.teams_package:teams_package",
    "insights": "bot.commands.conversation:insights",
    "alerts": "bot.commands.alerts:alerts",
    "outbox": "bot.commands.alerts:outbox",
    "courses": "bot.commands.courses:courses",
    "announce": "bot.commands.courses:announce",
    "user-data": "bot.commands.operations:user_data",
    "retention": "bot.commands.operations:retention",
    "jobs": "bot.commands.operations:jobs",
}


class Refused(click.ClickException):
    """The command ran but refused its input: exit status 1, message on stderr."""

    exit_code = 1


@dataclass
class CliContext:
    database_url: str | None = None
    as_of: dt.date | None = None
    json: bool = False
    _settings: Settings | None = field(default=None, repr=False)
    _database: Any = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            overrides: dict[str, Any] = {}
            if self.database_url:
                overrides["database_url"] = self.database_url
            try:
                self._settings = load_settings(**overrides)
            except SettingsError as exc:
                raise click.UsageError(str(exc)) from None
        return self._settings

    @property
    def today(self) -> dt.date:
        return self.as_of or dt.date.today()

    def database(self, migrate: bool = True) -> Any:
        """The database named by --database or the settings, migrated to the newest schema."""
        if self._database is None:
            from bot.db import Database

            self._database = Database(self.settings.database_url)
            if migrate:
                self._database.migrate()
        return self._database

    def emit(self, payload: Any, human: Callable[[], str] | str | None = None) -> None:
        """Print JSON with --json, else the human text (a string or a function making it)."""
        if self.json:
            click.echo(json.dumps(payload, ensure_ascii=False, default=_json_default))
        else:
            text = human() if callable(human) else human
            if text is None:
                text = json.dumps(payload, ensure_ascii=False, indent=2, default=_json_default)
            click.echo(text)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    return str(value)


def _root(ctx: click.Context) -> CliContext:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = CliContext()
    return root.obj


def _set_database(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        _root(ctx).database_url = value


def _set_as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        try:
            _root(ctx).as_of = dt.date.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(f"'{value}' is not a date of the form YYYY-MM-DD", ctx, param) from None


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        _root(ctx).json = True


def global_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --database, --as-of and --json to a command (they may also come before its name)."""
    func = click.option(
        "--json", "json_output", is_flag=True, expose_value=False, callback=_set_json, is_eager=True,
        help="Machine-readable JSON on stdout.",
    )(func)
    func = click.option(
        "--as-of", metavar="YYYY-MM-DD", expose_value=False, callback=_set_as_of, is_eager=True,
        help="The date 'today' means for status, expiry and thresholds (default: today).",
    )(func)
    func = click.option(
        "--database", metavar="URL", expose_value=False, callback=_set_database, is_eager=True,
        help="sqlite:///path.db or postgresql://… (default: INNKJOPSBOT_DATABASE_URL / .env).",
    )(func)
    return func


pass_cli = click.make_pass_decorator(CliContext, ensure=True)


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                return None
            raise
        return getattr(module, attribute, None)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@global_options
@click.version_option(package_name="innkjopsbot")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Innkjøpsbot: which framework agreement covers X, who is responsible, courses and alerts.

    \b
    Examples:
      innkjopsbot sync demo/avtaleregister-demo.csv
      innkjopsbot search "har vi avtale på hev-senk-pulter?"
      innkjopsbot --as-of 2026-11-24 --json ask "toner til HP-printer"
      innkjopsbot serve --port 3978
    """
    _root(ctx)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="innkjopsbot", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)

