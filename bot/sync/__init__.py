"""The register sync as an area of the bot: its scheduled job and its commands (bot/sync/area.py)."""
