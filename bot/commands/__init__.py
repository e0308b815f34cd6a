"""One module per area; `bot.cli.COMMANDS` names which command lives where."""
