"""Data protection: export and erasure of a user's data, and retention (command and nightly job)."""

from bot.area import Area, JobSpec
from bot.commands.operations import retention, user_data
from bot.privacy.models import PrivacyLog
from bot.privacy.retention import run_retention

AREA = Area(
    name="privacy",
    commands=(user_data, retention),
    jobs=(JobSpec("privacy.retention", run_retention, "30 3 * * *",
                  description="delete personal data older than the retention period"),),
    models=(PrivacyLog,),
)
