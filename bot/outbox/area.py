"""The outbox, the single way out for proactive messages: its command, the drain job and its table."""

from bot.area import Area, JobSpec
from bot.commands.alerts import outbox
from bot.outbox import jobs
from bot.outbox.models import OutboxRow
from bot.settings import Settings


def _drain_job_enabled(settings: Settings) -> bool:
    """Only when the server does not run the sender loop itself (INNKJOPSBOT_OUTBOX_SENDER_IN_SERVER)."""
    return not settings.outbox_sender_in_server


AREA = Area(
    name="outbox",
    commands=(outbox,),
    jobs=(JobSpec("outbox.drain", jobs.drain, "every 20s", lease_seconds=5 * 60, enabled=_drain_job_enabled,
                  description="deliver proactive messages"),),
    models=(OutboxRow,),
)
