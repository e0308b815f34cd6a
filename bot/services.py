"""The services one server (or one CLI invocation) shares, built once from validated settings.

`create_app(settings)` in `bot/teams/server.py` and the CLI both build a `Services`; domain functions take
the pieces they need (a database, a date, a search function) as plain arguments.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.db import Database
from bot.settings import Settings


@dataclass
class User:
    """Who is talking to the bot, from the activity (or the CLI)."""

    aad_object_id: str = ""
    name: str = ""
    email: str = ""  # e-mail or UPN, lower-case
    tenant_id: str = ""
    locale: str = "nb-NO"

    @property
    def lang(self) -> str:
        from agreements_sync.i18n import language_of

        return language_of(self.locale)


@dataclass
class Services:
    settings: Settings
    database: Database
    as_of: dt.date | None = None  # fixed "today" (tests, --as-of); None = the real date
    extras: dict[str, Any] = field(default_factory=dict)  # per-area singletons (search index, sender …)
    _extras_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def today(self) -> dt.date:
        return self.as_of or dt.date.today()

    def is_admin(self, user: User) -> bool:
        """A member of the procurement section (configured by Entra object id or e-mail)."""
        ids = {i.lower() for i in self.settings.admin_aad_ids}
        emails = {e.lower() for e in self.settings.admin_emails}
        return bool(
            (user.aad_object_id and user.aad_object_id.lower() in ids) or (user.email and user.email.lower() in emails)
        )

    def get(self, name: str, factory: Callable[[], Any]) -> Any:
        """One shared instance per name (e.g. the search service), made on first use."""
        with self._extras_lock:  # the startup index build and a first request must not both build one
            if name not in self.extras:
                self.extras[name] = factory()
            return self.extras[name]
