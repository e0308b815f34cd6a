"""The procurement section's workspace: its pages (/workspace, a Teams static tab) and its tables."""

from bot.area import Area
from bot.workspace import web
from bot.workspace.models import AnswerTally, QuestionAction

AREA = Area(name="workspace", models=(AnswerTally, QuestionAction), web_routes=web.add_routes)
