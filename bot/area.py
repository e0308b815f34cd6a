"""What an area of the bot is: the one place where it declares everything it adds.

Each area (`bot/<area>/area.py`) builds one `Area` with ordinary imports of its own modules:

- `commands`      click commands of `innkjopsbot` (bot/cli.py adds them);
- `jobs`          scheduled jobs (bot/scheduler.py runs them, one run per tick across instances);
- `card_actions`  verb prefix → handler for Adaptive Card buttons ("alert" handles "alert.snooze" …);
- `models`        its tables (bot/models.py hands them to Alembic);
- `answer`        a conversation handler tried before the agreement search: it returns an answer to
                  a message it recognises ("hvilke kurs kommer?") or None;
- `web_routes`    extra HTTP routes of the server (e.g. the course calendar invitation).

`bot/areas.py` lists the areas; nothing is found by name at run time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:  # pragma: no cover - types only; these modules import this one's users
    import click
    from aiohttp import web
    from sqlmodel import SQLModel

    from bot.answer import Answer
    from bot.conversation.card_actions import ActionContext
    from bot.services import Services, User
    from bot.settings import Settings

CardAction: TypeAlias = "Callable[[ActionContext], Answer | None | Awaitable[Answer | None]]"
Answerer: TypeAlias = "Callable[[Services, User, str, dict[str, Any]], Answer | None]"
Job: TypeAlias = "Callable[[Services], dict[str, Any] | Awaitable[dict[str, Any]]]"


def _always(_settings: Settings) -> bool:
    return True


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: its name, its function and its default schedule.

    `schedule` is a 5-field cron expression in the configured time zone, "every 30s|5m|1h" or
    "off" (or a function of the settings giving one); INNKJOPSBOT_JOB_SCHEDULES overrides it.
    """

    name: str
    run: Job
    schedule: str | Callable[[Settings], str]
    lease_seconds: int = 30 * 60  # after this an unfinished run is presumed dead and may be taken over
    enabled: Callable[[Settings], bool] = _always
    description: str = ""

    def schedule_for(self, settings: Settings) -> str:
        override = settings.job_schedules.get(self.name)
        if override is not None:
            return override.strip()
        return self.schedule(settings) if callable(self.schedule) else self.schedule


@dataclass(frozen=True)
class Area:
    name: str
    commands: tuple[click.Command, ...] = ()
    jobs: tuple[JobSpec, ...] = ()
    card_actions: Mapping[str, CardAction] = field(default_factory=dict)
    models: tuple[type[SQLModel], ...] = ()
    answer: Answerer | None = None
    web_routes: Callable[[web.Application, Services], None] | None = None


@dataclass(frozen=True)
class Areas:
    """The areas of one application, with the lookups the server, CLI and scheduler need."""

    areas: tuple[Area, ...]

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for kind, names in (("area", [a.name for a in self.areas]),
                            ("command", [c.name or "" for a in self.areas for c in a.commands]),
                            ("job", [j.name for a in self.areas for j in a.jobs]),
                            ("card-action prefix", [p for a in self.areas for p in a.card_actions])):
            seen.clear()
            for name in names:
                if not name or name in seen:
                    raise ValueError(f"{kind} {name!r} is declared twice (or has no name)")
                seen[name] = name

    @property
    def commands(self) -> dict[str, click.Command]:
        return {command.name or "": command for area in self.areas for command in area.commands}

    @property
    def jobs(self) -> tuple[JobSpec, ...]:
        return tuple(job for area in self.areas for job in area.jobs)

    @property
    def models(self) -> tuple[type[SQLModel], ...]:
        return tuple(model for area in self.areas for model in area.models)

    @property
    def answerers(self) -> tuple[Answerer, ...]:
        return tuple(area.answer for area in self.areas if area.answer is not None)

    def card_action(self, verb: str) -> CardAction | None:
        """The handler of the longest prefix matching `verb` ("authority.clarify" before "authority")."""
        best = ""
        for area in self.areas:
            for prefix in area.card_actions:
                if (verb == prefix or verb.startswith(prefix + ".")) and len(prefix) > len(best):
                    best = prefix
        if not best:
            return None
        return next(area.card_actions[best] for area in self.areas if best in area.card_actions)

    def card_action_prefixes(self) -> list[str]:
        return sorted(p for area in self.areas for p in area.card_actions)

    def add_web_routes(self, app: web.Application, services: Services) -> None:
        for area in self.areas:
            if area.web_routes is not None:
                area.web_routes(app, services)

