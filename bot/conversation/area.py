"""The conversation: `ask`, `serve`, `insights`, `teams-package`; what the bot remembers; the
card actions every answer carries (feedback, "ask this", the authority answer's choices)."""

from bot.area import Area
from bot.commands.conversation import ask, insights, serve
from bot.commands.teams_package import teams_package
from bot.conversation import actions
from bot.conversation.models import ConversationRef, ConversationState, Feedback, QuestionLog

AREA = Area(
    name="conversation",
    commands=(ask, serve, insights, teams_package),
    card_actions={"ask": actions.ask_action, "feedback": actions.feedback_action, "search": actions.search_action,
                  "authority": actions.authority_action},
    models=(ConversationRef, ConversationState, Feedback, QuestionLog),
)
