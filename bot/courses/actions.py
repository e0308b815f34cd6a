"""Card actions of courses: `course.signup`, `course.cancel`, `course.list`,
`course.attendees` (procurement section only); each answers with the updated card."""

from __future__ import annotations

from agreements_sync.limits import MAX_ROW_ID
from bot.answer import Answer
from bot.conversation.card_actions import ActionContext
from bot.courses import flow


def _course_id(ctx: ActionContext) -> int | None:
    """The button's course id; None when it is not a plausible one (a list, "abc", 10**30 …)."""
    value = ctx.data.get("course_id")
    if isinstance(value, bool) or not isinstance(value, int | str) or len(str(value)) > 12:
        return None
    try:
        course_id = int(value)
    except ValueError:
        return None
    return course_id if 0 < course_id <= MAX_ROW_ID else None


def course_action(ctx: ActionContext) -> Answer | None:
    course_id = _course_id(ctx)
    if ctx.verb == "course.signup" and course_id is not None:
        return flow.sign_up_answer(ctx.services, ctx.user, course_id)
    if ctx.verb == "course.cancel" and course_id is not None:
        return flow.cancel_answer(ctx.services, ctx.user, course_id)
    if ctx.verb == "course.attendees" and course_id is not None:
        return flow.attendees_answer(ctx.services, ctx.user, course_id)
    return flow.list_answer(ctx.services, ctx.user)
