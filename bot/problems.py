"""Refusals people read: an error that carries message keys and values, translated where it is shown.

The announcement and course code refuses input (an empty title, an unknown audience, a course that
ends before it starts) with a `Refusal`: one or more `Problem`s, each a key of a gettext catalog
(`problem.<key>` in the `courses` domain unless the class says otherwise) and the values of its
placeholders. The command line shows `exc.text(lang)` in its language, the workspace in the
signed-in user's, the Teams cards in the user's; `str(exc)` is the English text, for logs.

`pydantic_problems` does the same for a pydantic `ValidationError` (a YAML file the CLI reads):
each error's field and a translated message by its type, pydantic's own English when no message
fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agreements_sync.i18n import Language, strings

DOMAIN = "courses"


@dataclass(frozen=True)
class Problem:
    """One thing wrong: the message key (without `problem.`) and its placeholder values."""

    key: str
    values: Mapping[str, Any] = field(default_factory=dict)
    domain: str = DOMAIN
    where: str = ""  # the field of a file it is about, said first ("courses.0.title: …")

    def text(self, lang: str | Language) -> str:
        messages = strings(self.domain)
        key = f"problem.{self.key}"
        if key not in messages:  # a key without a message: still say something rather than fail
            said = f"{self.key} {dict(self.values)}" if self.values else self.key
        else:
            said = messages.get(key, lang, **self.values)
        return f"{self.where}: {said}" if self.where else said


def problems_text(problems: Iterable[Problem], lang: str | Language) -> str:
    return "; ".join(p.text(lang) for p in problems)


class Refusal(ValueError):
    """Input refused for a reason people read: `.problems` (keys and values), `.key` and `.values`
    of the first; `.text(lang)` translated; `str()` English (for logs)."""

    domain = DOMAIN

    def __init__(self, key: str | None = None, /, *, problems: Iterable[Problem] = (), **values: Any) -> None:
        found = list(problems)
        if key is not None:
            found.insert(0, Problem(key, values, self.domain))
        if not found:
            raise TypeError("a Refusal needs a key or problems")
        self.problems: list[Problem] = found
        super().__init__(found[0].key)

    @property
    def key(self) -> str:
        return self.problems[0].key

    @property
    def values(self) -> Mapping[str, Any]:
        return self.problems[0].values

    def text(self, lang: str | Language) -> str:
        return problems_text(self.problems, lang)

    def __str__(self) -> str:
        return self.text(Language.EN)


def text_of(exc: BaseException, lang: str | Language) -> str:
    """An exception's message for people in `lang`: a Refusal translated, anything else as it is."""
    return exc.text(lang) if isinstance(exc, Refusal) else str(exc)


# --- pydantic --------------------------------------------------------------------------------------

# pydantic error types with a message of their own (problem.pydantic.<type>); the context values
# pydantic gives (min_length, ge …) are the placeholders
PYDANTIC_TYPES = {
    "missing": (), "extra_forbidden": (), "string_type": (), "int_type": (), "int_parsing": (),
    "bool_type": (), "bool_parsing": (), "list_type": (), "dict_type": (), "model_type": (),
    "datetime_type": (), "datetime_parsing": (), "datetime_from_date_parsing": (),
    "string_too_short": ("min_length",), "string_too_long": ("max_length",), "greater_than_equal": ("ge",),
}


def pydantic_problems(errors: Iterable[Mapping[str, Any]]) -> list[Problem]:
    """pydantic's `exc.errors()` as Problems, each naming its field: "<field>: <message>"."""
    out: list[Problem] = []
    for err in errors:
        where = ".".join(str(p) for p in err.get("loc", ())) or "(top)"
        kind = str(err.get("type", ""))
        context = err.get("ctx") or {}
        cause = context.get("error")
        if kind == "value_error" and isinstance(cause, Refusal):  # our own refusal inside a validator
            out.extend(Problem(p.key, p.values, p.domain, where) for p in cause.problems)
        elif kind in PYDANTIC_TYPES:
            out.append(Problem(f"pydantic.{kind}", {name: context.get(name, "") for name in PYDANTIC_TYPES[kind]}, where=where))
        else:
            out.append(Problem("pydantic.other", {"message": str(err.get("msg", kind))}, where=where))
    return out
