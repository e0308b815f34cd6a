"""The data the conversation's own card buttons carry, as typed models.

A button's data is built from one of these (`model_dump`) and read back with `parse`, which
returns None for data that does not fit (an old card, a forged invoke): the bot then says it
no longer recognises the button instead of failing. Area buttons (alerts, courses,
announcements) keep their own data.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from agreements_sync.limits import MAX_QUESTION_CHARS

MAX_QUERY = MAX_QUESTION_CHARS


def _cut(value: Any) -> Any:
    return value.strip()[:MAX_QUESTION_CHARS] if isinstance(value, str) else value


# A question carried by a button: cut at MAX_QUESTION_CHARS like chat text (never refused for its
# length); anything but text (a number, a list, null) does not fit and is refused.
Question = Annotated[str, BeforeValidator(_cut)]


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Ask(Payload):
    """verb "ask": the welcome's and help's example questions, asked as if typed."""

    q: Question = Field(min_length=1)


class Feedback(Payload):
    """verb "feedback": 👍/👎 under an answer; `card` names the rated card (remembered when sent)."""

    helpful: bool
    q: Question = ""
    kind: str = Field(default="", max_length=32)
    ids: list[str] = Field(default_factory=list, max_length=10)
    card: str = Field(default="", max_length=32)
    comment: str = Field(default="", max_length=1000)

    @field_validator("helpful", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1", "yes", "ja"}
        return value

    @field_validator("ids", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> Any:
        return [str(i) for i in value if isinstance(i, str | int)] if isinstance(value, list) else []


class Category(Payload):
    """verb "search.category": every agreement in the category."""

    category: str = Field(min_length=1, max_length=200)


class SearchQuery(Payload):
    """verb "search.query": search for this text."""

    q: Question = Field(min_length=1)


class AuthorityStart(Payload):
    """verb "authority.start": the authority answer to a question ("Hva gjør jeg nå?")."""

    question: Question = Field(min_length=1)


class AuthorityClarify(Payload):
    """verb "authority.clarify": the user's choice completes the question the bot asked."""

    question: Question = ""
    field: str = Field(default="", max_length=32)
    value: str = Field(min_length=1, max_length=200)


P = TypeVar("P", bound=Payload)


def parse(model: type[P], data: dict[str, Any], **aliases: str) -> P | None:
    """The button's data as `model`, or None when it does not fit. `aliases` maps a field to an
    older name it may still arrive under (cards sent before a rename)."""
    values = dict(data)
    for name, old in aliases.items():
        if name not in values and old in values:
            values[name] = values[old]
    try:
        return model.model_validate(values)
    except ValidationError:
        return None
