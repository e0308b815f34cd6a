"""Every table of the application, as the areas declare them (bot/areas.py), for Alembic and retention."""

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from bot.areas import AREAS

TABLES: tuple[type[SQLModel], ...] = AREAS.models


def metadata() -> MetaData:
    """The metadata holding every table in TABLES (SQLModel's: the areas' imports put them there)."""
    return SQLModel.metadata
