"""Courses: commands, reminders, the course card's buttons, tables, course questions in chat and
the calendar invitation behind the card's button (/courses/<id>.ics)."""

from bot.area import Area, JobSpec
from bot.commands.courses import courses
from bot.courses import actions, conversation, jobs, web
from bot.courses.models import Course, Enrolment

AREA = Area(
    name="courses",
    commands=(courses,),
    # reminders for tomorrow's courses; hourly in office hours catches late confirmations (idempotent keys)
    jobs=(JobSpec("courses.send_reminders", jobs.send_reminders, "0 9-17 * * *", description="course reminders"),),
    card_actions={"course": actions.course_action},
    models=(Course, Enrolment),
    answer=conversation.try_answer,
    web_routes=web.add_routes,
)
