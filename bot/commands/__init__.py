"""The commands of `innkjopsbot`, one module per area; each area declares its commands in its `area.py`."""
