"""The `innkjopsbot` command line: a thin layer over the same functions the server calls.

Every command takes the global options --database, --as-of and --json (before or after the
command name; bot/commands/common.py). The commands are those the areas declare
(bot/areas.py), each in its area's module under bot/commands/.

Exit status: 0 success; 1 the command ran but refused its input; 2 wrong usage.
"""

from __future__ import annotations

import sys

import click

from bot.areas import AREAS
from bot.commands.common import global_options, root


@click.group(commands=AREAS.commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    root(ctx)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="innkjopsbot", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
