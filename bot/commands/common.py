"""What every `innkjopsbot` command shares: the global options (--database, --as-of, --json,
--lang), the `CliContext` they fill in, its language, JSON output, and `Refused` (exit status 1).

Language: the messages to the procurement section are bokmål unless the locale says otherwise:
`--lang nb|nn|en` if given (before or after the command name), else the environment's locale
(LC_ALL, then LC_MESSAGES, then LANG: `en*` → English, `nn*` → nynorsk, anything else → bokmål).
The texts are the `cli` gettext domain (knowledge/locale/cli.pot), dates and numbers formatted by
Babel for the language. JSON output (--json) is the same in every language; --help stays English.

Exit status: 0 success; 1 the command ran but refused its input; 2 wrong usage.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from agreements_sync.i18n import Language, language_of, strings
from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.db import Database
    from bot.services import Services


LANGUAGES = tuple(lang.value for lang in Language)  # nb, nn, en


def environment_language(environ: Any = None) -> Language:
    """The language of the environment's locale: the first of LC_ALL, LC_MESSAGES and LANG that is
    set (as POSIX reads them): en* → English, nn* → nynorsk, anything else (C, POSIX, nb_NO …) → bokmål."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = (env.get(name) or "").strip()
        if value:
            return language_of(value.split(".")[0])
    return Language.NB


def current_language() -> Language:
    """The language of the command being run (its --lang or the environment)."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj.lang if isinstance(obj, CliContext) else environment_language()


def cli_text(key: str, lang: str | Language, **values: Any) -> str:
    """A message of the `cli` domain in `lang`, placeholders filled in."""
    return strings("cli").get(key, lang, **values)


def cli_label(prefix: str, value: str, lang: str | Language) -> str:
    """A machine key shown to people (an outbox status, a message kind, a sync outcome …) as its
    label in `lang`: the `cli` message `<prefix>.<value>`; the key itself when it has none (a
    trigger someone named). --json keeps the keys."""
    texts = strings("cli")
    key = f"{prefix}.{value}"
    return texts.get(key, lang) if value and key in texts else value


class Refused(click.ClickException):
    """The command ran but refused its input: exit status 1, message on stderr, in the command's language."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lang = current_language()

    def show(self, file: Any = None) -> None:
        click.echo(f"{cli_text('error_prefix', self.lang)}: {self.format_message()}", file=file, err=file is None)


@dataclass
class CliContext:
    database_url: str | None = None
    as_of: dt.date | None = None
    json: bool = False
    lang_choice: str | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _database: Database | None = field(default=None, repr=False)

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
    def lang(self) -> Language:
        """The language of the messages: --lang, else the environment's locale (see the module doc)."""
        return Language.parse(self.lang_choice) if self.lang_choice else environment_language()

    def t(self, key: str, **values: Any) -> str:
        """A message of the `cli` domain in this command's language."""
        return cli_text(key, self.lang, **values)

    def label(self, prefix: str, value: str) -> str:
        """A machine key's label in this command's language (see `cli_label`)."""
        return cli_label(prefix, value, self.lang)

    @property
    def today(self) -> dt.date:
        return self.as_of or dt.date.today()

    def database(self, migrate: bool = True) -> Database:
        """The database named by --database or the settings, migrated to the newest schema."""
        if self._database is None:
            from bot.db import Database

            self._database = Database(self.settings.database_url)
            if migrate:
                self._database.migrate()
        return self._database

    def services(self) -> Services:
        """The services the server would build, on this command's database and date."""
        from bot.services import Services

        return Services(settings=self.settings, database=self.database(), as_of=self.as_of)

    def emit(self, payload: Any, human: Callable[[], str] | str | None = None) -> None:
        """Print JSON with --json, else the human text (a string or a function making it)."""
        if self.json:
            click.echo(json.dumps(payload, ensure_ascii=False, default=json_default))
        else:
            text = human() if callable(human) else human
            if text is None:
                text = json.dumps(payload, ensure_ascii=False, indent=2, default=json_default)
            click.echo(text)


def json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    return str(value)


def root(ctx: click.Context) -> CliContext:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = CliContext()
    return root.obj


def _set_database(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        root(ctx).database_url = value


def _set_as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        try:
            root(ctx).as_of = dt.date.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(f"'{value}' is not a date of the form YYYY-MM-DD", ctx, param) from None


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        root(ctx).json = True


def _set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        root(ctx).lang_choice = value.lower()


def global_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --database, --as-of, --json and --lang to a command (they may also come before its name)."""
    func = click.option(
        "--lang", type=click.Choice(LANGUAGES, case_sensitive=False), expose_value=False, callback=_set_lang, is_eager=True,
        help="Language of the messages: nb (bokmål), nn (nynorsk), en (default: from LC_ALL / LC_MESSAGES / LANG, else nb).",
    )(func)
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
