"""Text routing for courses (and for starting an announcement): `try_answer(services, user, text, state)`.

Returns an `Answer` when the message is about courses, else None so the next area gets it.
The cue words live in `knowledge/courses/conversation.yaml`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from rapidfuzz import fuzz

from agreements_sync.i18n import strings
from agreements_sync.knowledge import load_model
from bot.answer import Answer
from bot.courses import catalog, flow, service
from bot.services import Services, User


class Cues(BaseModel):
    list_exact: list[str]
    list_phrases: list[str]
    signup_prefixes: list[str]
    cancel_prefixes: list[str]
    announce_exact: list[str]
    title_match_min_score: int = 70


@lru_cache(maxsize=1)
def cues() -> Cues:
    return load_model("courses/conversation.yaml", Cues)


def _clean(text: str) -> str:
    text = text.replace("\u00a0", " ").lower()
    return re.sub(r"\s+", " ", text).strip().strip("!.").strip()


def _contains(phrase: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def _after_prefix(text: str, prefixes: list[str]) -> str | None:
    for prefix in sorted(prefixes, key=len, reverse=True):
        if text == prefix or text.startswith(prefix + " "):
            return text[len(prefix):].strip(" :«»\"'“”?")
    return None


def match_course(name: str, courses: list[service.CourseView], lang: str, min_score: int) -> service.CourseView | None:
    """The one course a free-text name points at (title or category), or None when unclear."""
    if not name or not courses:
        return None
    scored = []
    for course in courses:
        candidates = [course.title.lower()]
        if course.category:
            candidates += [course.category.lower(), catalog.category_label(course.category, lang).lower()]
        scored.append((max(fuzz.token_set_ratio(name, c) for c in candidates), course))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    best_score, best = scored[0]
    if best_score < min_score:
        return None
    if len(scored) > 1 and scored[1][0] >= best_score - 5:
        return None  # two courses fit about equally well: let the user choose on the card
    return best


def classify(text: str) -> tuple[str, str] | None:
    """(intent, rest): list | signup | cancel | announce, or None when not about courses."""
    cleaned = _clean(text)
    c = cues()
    if cleaned in c.announce_exact:
        return "announce", ""
    rest = _after_prefix(cleaned, c.cancel_prefixes)
    if rest is not None:
        return "cancel", rest
    rest = _after_prefix(cleaned, c.signup_prefixes)
    if rest is not None:
        return "signup", rest
    if cleaned.rstrip("?").strip() in c.list_exact or any(_contains(p, cleaned) for p in c.list_phrases):
        return "list", ""
    return None


def try_answer(services: Services, user: User, text: str, state: dict[str, Any] | None = None) -> Answer | None:
    found = classify(text)
    if found is None:
        return None
    intent, rest = found
    if intent == "announce":
        from bot.announcements.flow import form_answer

        return form_answer(services, user)
    if intent == "list":
        return flow.list_answer(services, user)
    with services.database.session() as session:
        courses = service.upcoming_courses(session, flow.current_time(services))
    course = match_course(rest, courses, user.lang, cues().title_match_min_score)
    if course is None:
        message = strings("courses").get("which_course", user.lang) if intent == "signup" else ""
        return flow.list_answer(services, user, message=message)
    if intent == "signup":
        return flow.sign_up_answer(services, user, course.id)
    return flow.cancel_answer(services, user, course.id)
