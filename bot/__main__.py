"""`python -m bot …` is the same as the `innkjopsbot` command."""

from bot.cli import main

main()
