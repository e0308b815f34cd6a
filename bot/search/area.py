"""Agreement search: its commands. The conversation core calls `bot.search` directly."""

from bot.area import Area
from bot.commands.search import search, search_eval

AREA = Area(name="search", commands=(search, search_eval))
