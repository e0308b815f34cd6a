"""Agreement search: its commands, tables and card actions. The conversation core calls
`bot.search` directly for the answer itself."""

from bot.area import Area
from bot.commands.search import search, search_eval, taught, teach
from bot.search import actions
from bot.search.learning import TaughtAnswer
from bot.search.semantic import TextEmbedding

AREA = Area(
    name="search",
    commands=(search, search_eval, teach, taught),
    card_actions={"search.pick": actions.pick_action, "search.none_of_these": actions.none_of_these_action},
    models=(TaughtAnswer, TextEmbedding),
)
