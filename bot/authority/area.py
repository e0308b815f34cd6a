"""Who is responsible: its commands. The conversation core calls `bot.authority` directly."""

from bot.area import Area
from bot.commands.authority import authority, authority_eval

AREA = Area(name="authority", commands=(authority, authority_eval))
