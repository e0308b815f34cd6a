"""Announcements from the procurement section: the command, scheduled sending, the form's buttons
and the tables."""

from bot.announcements import actions, jobs
from bot.announcements.models import AdminLog, Announcement, AnnouncementRecipient, CategoryInterest
from bot.area import Area, JobSpec
from bot.commands.courses import announce

AREA = Area(
    name="announcements",
    commands=(announce,),
    jobs=(JobSpec("announcements.send_due", jobs.send_due, "every 1m", lease_seconds=10 * 60,
                  description="announcements whose time has come"),),
    card_actions={"announce": actions.announce_action},
    models=(Announcement, AnnouncementRecipient, AdminLog, CategoryInterest),
)
