"""Innkjøpsbot: the Teams bot application (server, conversation, domain services)."""

__version__ = "0.1.0"
