"""The agreement index and its sync (agreements_sync): commands, the nightly sync and the tables."""

from agreements_sync.models import Agreement, AgreementSupplier, AgreementVersion, IndexState, SyncRun
from bot.area import Area, JobSpec
from bot.commands.sync import sync, sync_history
from bot.settings import Settings
from bot.sync.jobs import scheduled_sync


def _sync_cron(settings: Settings) -> str:
    return settings.sync_cron


def _sync_configured(settings: Settings) -> bool:
    return bool(settings.sync_source)


AREA = Area(
    name="sync",
    commands=(sync, sync_history),
    jobs=(JobSpec("register_sync", scheduled_sync, _sync_cron, lease_seconds=2 * 60 * 60, enabled=_sync_configured,
                  description="sync the agreement register from INNKJOPSBOT_SYNC_SOURCE"),),
    models=(Agreement, AgreementSupplier, AgreementVersion, SyncRun, IndexState),
)
