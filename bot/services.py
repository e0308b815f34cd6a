"""The services one server (or one CLI invocation) shares, built once from validated settings.

`create_app(settings)` in `bot/teams/server.py` and the CLI both build a `Services`; domain
functions take the pieces they need (a database, a date, a search function) as plain arguments.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agreements_sync.i18n import Language, language_of
from bot.db import Database
from bot.search.service import SearchService
from bot.settings import Settings

if TYPE_CHECKING:
    from microsoft_agents.hosting.core.authorization import Connections

    from bot.area import Areas
    from bot.outbox.sender import Sender
    from bot.scheduler import Scheduler


@dataclass
class User:
    """Who is talking to the bot, from the activity (or the CLI)."""

    aad_object_id: str = ""
    name: str = ""
    email: str = ""  # e-mail or UPN, lower-case
    tenant_id: str = ""
    locale: str = "nb-NO"  # the Teams locale
    language: str = ""  # the user's own choice ("skriv nynorsk"): nb | nn | en, "" = follow the locale

    @property
    def lang(self) -> Language:
        return language_of(self.locale, self.language)


def _every_area() -> Areas:
    from bot.areas import AREAS  # the registry imports the areas, which import this module

    return AREAS


@dataclass
class Services:
    settings: Settings
    database: Database
    as_of: dt.date | None = None  # fixed "today" (tests, --as-of); None = the real date
    areas: Areas = field(default_factory=_every_area)
    clock: Callable[[], dt.datetime] | None = None  # a fixed "now" (tests); else derived from as_of or the clock
    connection_manager: Connections | None = None  # outbound tokens for proactive messages (the server's)
    outbox_sender: Sender | None = None  # the running sender loop, to wake it after an enqueue
    scheduler: Scheduler | None = None
    search_ready: bool = False  # the search index is built (for /readyz)
    _search: SearchService | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def today(self) -> dt.date:
        return self.as_of or dt.date.today()

    def is_admin(self, user: User) -> bool:
        """A member of the procurement section (configured by Entra object id or e-mail)."""
        ids = {i.lower() for i in self.settings.admin_aad_ids}
        emails = {e.lower() for e in self.settings.admin_emails}
        return bool(
            (user.aad_object_id and user.aad_object_id.lower() in ids) or (user.email and user.email.lower() in emails)
        )

    def search(self) -> SearchService:
        """The agreement search of this server: one in-memory index, built on first use."""
        with self._lock:  # the startup index build and a first request must not both build one
            if self._search is None:
                mode = "background" if self.settings.search_semantic else "off"
                self._search = SearchService(self.database, semantic=mode)
            return self._search
