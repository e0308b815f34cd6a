"""Contract-expiry alerts: commands, the daily scan and weekly digest, the alert card's buttons,
its tables, and "frister"/"oversikt" in chat."""

from bot.alerts import actions, conversation, jobs
from bot.alerts.models import AlertCardCopy, AlertDecision, AlertFollowUp, AlertMilestone, AlertOwner, AlertRegisterFlag
from bot.area import Area, JobSpec
from bot.commands.alerts import alerts

AREA = Area(
    name="alerts",
    commands=(alerts,),
    jobs=(
        JobSpec("alerts.daily_scan", jobs.daily_scan, "0 6 * * *", description="expiry scan and alerts"),
        JobSpec("alerts.weekly_digest", jobs.weekly_digest, "0 7 * * mon", description="weekly digest"),
    ),
    card_actions={"alert": actions.alert_action},
    models=(AlertMilestone, AlertDecision, AlertOwner, AlertCardCopy, AlertFollowUp, AlertRegisterFlag),
    answer=conversation.try_answer,
)
