"""Course data files: the categories (`knowledge/courses/categories.yaml`) and course files
(`knowledge/courses/demo-courses.yaml` or any YAML file the procurement section writes).

Times without an offset are local time in the configured time zone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, ValidationError, model_validator

from agreements_sync.knowledge import KnowledgeError, load_model, load_yaml
from bot.problems import Problem, problems_text, pydantic_problems


class Category(BaseModel):
    key: str
    nb: str
    en: str
    nn: str | None = None  # nynorsk; the bokmål label where it reads the same

    def label(self, lang: str) -> str:
        if lang == "en":
            return self.en
        return (self.nn or self.nb) if lang == "nn" else self.nb


class Categories(BaseModel):
    categories: list[Category]


class CourseSpec(BaseModel):
    title: str = Field(min_length=1)
    description: str = ""
    category: str = ""
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = ""
    meeting_url: str = ""
    audience: str = ""
    capacity: int = Field(20, ge=1)
    signup_deadline: dt.datetime | None = None

    @model_validator(mode="after")
    def _where(self) -> CourseSpec:
        if not self.place and not self.meeting_url:
            from bot.courses.service import CourseError

            raise CourseError("course_place_missing", field="place")
        return self


class CourseFile(BaseModel):
    courses: list[CourseSpec]


def categories() -> list[Category]:
    return load_model("courses/categories.yaml", Categories).categories


def category_keys() -> set[str]:
    return {c.key for c in categories()}


def category_label(key: str, lang: str) -> str:
    for category in categories():
        if category.key == key:
            return category.label(lang)
    return key


def load_course_file(path: str | Path) -> list[CourseSpec]:
    """Courses from a YAML file (absolute or relative to the working directory, else to knowledge/)."""
    candidate = Path(path)
    if not candidate.is_absolute() and candidate.exists():
        candidate = candidate.resolve()
    try:
        return CourseFile.model_validate(load_yaml(candidate)).courses
    except ValidationError as exc:
        raise CourseFileError(candidate, pydantic_problems(exc.errors())) from None


class CourseFileError(KnowledgeError):
    """A course file whose content is wrong: `.path` and `.problems` (each naming its field),
    translated where shown (`.text(lang)`); `str()` English."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path, self.problems = path, problems
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        return f"{self.path}: {problems_text(self.problems, lang)}"


def as_utc(value: dt.datetime, timezone: str) -> dt.datetime:
    """A datetime from a file or the CLI: naive means local time in `timezone`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(dt.UTC)
