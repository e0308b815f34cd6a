"""`innkjopsbot migrate`: bring the database schema to the newest version."""

from __future__ import annotations

import click

from bot.commands.common import CliContext, global_options, pass_cli


@click.command()
@global_options
@pass_cli
def migrate(cli: CliContext) -> None:
    """Create or upgrade the database schema (safe with several instances: one migrates, the others wait).

    \b
    Example:
      innkjopsbot migrate --database postgresql://postgres@127.0.0.1:5432/test
    """
    database = cli.database(migrate=False)
    before = database.schema_revision()
    database.migrate()
    after = database.schema_revision()
    cli.emit(
        {"before": before, "after": after, "database": database.engine.url.render_as_string(hide_password=True)},
        cli.t("schema_upgraded", before=before or cli.t("schema_empty"), after=after) if before != after
        else cli.t("schema_current", after=after),
    )
