"""The scheduled register sync: INNKJOPSBOT_SYNC_SOURCE into the index, nightly by default."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from agreements_sync.sync import sync_export

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def scheduled_sync(services: Services) -> dict[str, Any]:
    """The scheduler's job: sync settings.sync_source with settings.sync_mapping (trigger
    "schedule"). Never raises: a bad file, a failed download or an error is in the summary."""
    settings = services.settings
    source = (settings.sync_source or "").strip()
    if not source:
        return {"outcome": "skipped", "ok": True, "message": "no sync source configured (INNKJOPSBOT_SYNC_SOURCE)"}
    try:
        report = sync_export(
            services.database.engine,
            source,
            settings.sync_mapping or None,
            as_of=services.today(),
            trigger="schedule",
            max_removal_share=settings.sync_max_removal_share,
        )
    except Exception as exc:
        log.exception("scheduled sync of %s failed", source)
        return {"outcome": "failed", "ok": False, "source": source, "message": f"{type(exc).__name__}: {exc}"}
    summary = report.to_dict("en")
    summary["errors"] = summary["errors"][:20]
    for key in ("added", "changed", "removed"):
        summary["diff"][key] = summary["diff"][key][:50]
    if not report.ok:
        log.warning("scheduled sync: %s", summary["message"])
    return summary
