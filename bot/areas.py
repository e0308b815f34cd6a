"""Every area of the bot, in one list. Each declares its commands, scheduled jobs, card actions,
tables and conversation handler in its own `area.py` (see bot/area.py).

The order matters once: conversation handlers are tried in this order before the agreement
search ("frister" → alerts, "hvilke kurs kommer?" → courses).
"""

from bot.alerts.area import AREA as ALERTS
from bot.announcements.area import AREA as ANNOUNCEMENTS
from bot.area import Area, Areas
from bot.authority.area import AREA as AUTHORITY
from bot.commands.database import migrate
from bot.commands.operations import jobs
from bot.conversation.area import AREA as CONVERSATION
from bot.courses.area import AREA as COURSES
from bot.outbox.area import AREA as OUTBOX
from bot.privacy.area import AREA as PRIVACY
from bot.scheduler import JobLease
from bot.search.area import AREA as SEARCH
from bot.sync.area import AREA as SYNC
from bot.workspace.area import AREA as WORKSPACE

# The server's own housekeeping: schema migrations and the scheduler's lease table.
OPERATIONS = Area(name="operations", commands=(migrate, jobs), models=(JobLease,))

AREAS = Areas((CONVERSATION, SEARCH, AUTHORITY, ALERTS, COURSES, ANNOUNCEMENTS, OUTBOX, PRIVACY, SYNC, WORKSPACE, OPERATIONS))
