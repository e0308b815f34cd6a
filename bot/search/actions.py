"""The agreement answer's own card buttons (declared in bot/search/area.py):

- `search.pick` — an employee picks one of the candidates the bot offered when it was unsure:
  the pick is recorded (the bot learns the municipality's words) and the agreement's card shown;
- `search.none_of_these` — none of the candidates fits: the question goes to the procurement
  section's list of questions to act on.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationError

from agreements_sync.i18n import strings
from bot.answer import Answer
from bot.conversation import store
from bot.conversation.card_actions import ActionContext
from bot.search.learning import EMPLOYEE, pseudonym, teach
from bot.search.render import pick_answer


class Pick(BaseModel):
    query: str = Field(min_length=1, max_length=1000)
    id: str = Field(min_length=1, max_length=64)


class NoneOfThese(BaseModel):
    query: str = Field(min_length=1, max_length=1000)
    ids: list[str] = Field(default_factory=list, max_length=10)


def pick_action(ctx: ActionContext) -> Answer | None:
    try:
        pick = Pick.model_validate(ctx.data)
    except ValidationError:
        return None
    service = ctx.services.search()
    hit = service.hit(pick.id, ctx.services.today())
    if hit is None:
        return None
    with ctx.services.database.session() as session:
        teach(session, pick.query, pick.id, source=EMPLOYEE, taught_by=pseudonym(ctx.user.aad_object_id))
    service.refresh_taught()
    ctx.state["last_result_ids"] = [pick.id]
    return pick_answer(hit, pick.query, ctx.user.lang, procurement_email=ctx.services.settings.procurement_email)


def none_of_these_action(ctx: ActionContext) -> Answer | None:
    try:
        choice = NoneOfThese.model_validate(ctx.data)
    except ValidationError:
        return None
    with ctx.services.database.session() as session:
        store.log_question(session, choice.query, "none_of_these", ctx.services.today(), {"candidates": choice.ids})
    text = strings("search").get("none_of_these_thanks", ctx.user.lang, email=ctx.services.settings.procurement_email)
    return Answer(text=text, kind="feedback")
