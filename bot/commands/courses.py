"""`innkjopsbot courses …` and `innkjopsbot announce …`: the procurement section's tools.

Whoever runs the CLI has the database, so the CLI acts as an admin; every change is written to
the admin log with `--actor` (default `cli:<os user>`) and the time.
"""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Any

import click
import yaml
from pydantic import BaseModel, ValidationError

from bot.commands.common import CliContext, Refused, global_options, pass_cli
from bot.problems import problems_text, pydantic_problems
from bot.services import Services


def _services(cli: CliContext) -> Services:
    return Services(settings=cli.settings, database=cli.database(), as_of=cli.as_of)


def _actor(name: str | None) -> Any:
    from bot.announcements.service import Actor

    return Actor(name=name or f"cli:{getpass.getuser()}")


def _label(cli: CliContext, prefix: str, value: str) -> str:
    """An announcement or delivery status in the workspace's words for the CLI's language
    ("Trukket tilbake", "Nås ikke"); the key itself if it has none."""
    from agreements_sync.i18n import strings

    texts = strings("workspace")
    return texts.get(prefix + value, cli.lang) if prefix + value in texts else value


actor_option = click.option("--actor", metavar="WHO", help="Who does this, for the admin log (default: cli:<os user>).")


def _write(text: str, output: str | None, cli: CliContext, payload: dict[str, Any]) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
        cli.emit({**payload, "file": output}, cli.t("wrote_file", path=output))
    else:
        click.echo(text, nl=False)


# --- courses ---------------------------------------------------------------------------------


@click.group()
def courses() -> None:
    """Courses from the procurement section: add, list, attendees, CSV export, calendar file, reminders.

    \b
    Examples:
      innkjopsbot courses add --file knowledge/courses/demo-courses.yaml
      innkjopsbot courses list
      innkjopsbot courses attendees 1
      innkjopsbot courses export 1 --output kurs-1.csv
      innkjopsbot courses ics 1 --output kurs-1.ics
    """


def _local(value: str, timezone: str, field: str) -> dt.datetime:
    from bot.courses.catalog import as_utc

    try:
        return as_utc(dt.datetime.fromisoformat(value), timezone)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a time of the form 2026-12-03T09:00", param_hint=field) from None


@courses.command("add")
@click.option("--file", "file_", type=click.Path(exists=True, dir_okay=False), help="YAML file with `courses:` (see knowledge/courses/demo-courses.yaml).")
@click.option("--title")
@click.option("--description", default="")
@click.option("--category", default="", help="A key from knowledge/courses/categories.yaml.")
@click.option("--starts", metavar="YYYY-MM-DDTHH:MM", help="Start, local time (Europe/Oslo) unless an offset is given.")
@click.option("--ends", metavar="YYYY-MM-DDTHH:MM")
@click.option("--place", default="")
@click.option("--meeting-url", default="", help="Teams meeting link.")
@click.option("--audience", default="", help="Who the course is for (free text).")
@click.option("--capacity", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--deadline", metavar="YYYY-MM-DDTHH:MM", help="Sign-up deadline (default: none, until the start).")
@actor_option
@global_options
@pass_cli
def courses_add(cli: CliContext, file_: str | None, title: str | None, description: str, category: str, starts: str | None,
                ends: str | None, place: str, meeting_url: str, audience: str, capacity: int, deadline: str | None,
                actor: str | None) -> None:
    """Add one course (options) or every course in a YAML file.

    \b
    Examples:
      innkjopsbot courses add --title "Grunnkurs i innkjøpsregler" --starts 2026-12-03T09:00 \\
          --ends 2026-12-03T12:00 --place "Rådhuset" --capacity 25 --deadline 2026-12-01T16:00
      innkjopsbot courses add --file knowledge/courses/demo-courses.yaml
    """
    from agreements_sync.knowledge import KnowledgeError
    from bot.announcements.service import log_action
    from bot.courses import catalog, service
    from bot.courses.flow import current_time

    services = _services(cli)
    tz = services.settings.timezone
    specs: list[dict[str, Any]] = []
    if file_:
        try:
            for spec in catalog.load_course_file(file_):
                specs.append({**spec.model_dump(), "starts_at": catalog.as_utc(spec.starts_at, tz),
                              "ends_at": catalog.as_utc(spec.ends_at, tz),
                              "signup_deadline": catalog.as_utc(spec.signup_deadline, tz) if spec.signup_deadline else None})
        except KnowledgeError as exc:  # a course file's wrong fields in the CLI's language
            raise Refused(exc.text(cli.lang) if isinstance(exc, catalog.CourseFileError) else str(exc)) from None
    else:
        missing = [name for name, value in (("--title", title), ("--starts", starts), ("--ends", ends)) if not value]
        if missing:
            raise click.UsageError(f"missing {', '.join(missing)} (or give --file)")
        assert starts and ends
        specs.append({"title": title, "description": description, "category": category, "place": place,
                      "meeting_url": meeting_url, "audience": audience, "capacity": capacity,
                      "starts_at": _local(starts, tz, "--starts"), "ends_at": _local(ends, tz, "--ends"),
                      "signup_deadline": _local(deadline, tz, "--deadline") if deadline else None})
    known = catalog.category_keys()
    who = _actor(actor)
    now = current_time(services)
    added = []
    with services.database.session() as session:
        for number, values in enumerate(specs, 1):
            where = cli.t("course_where_file", file=file_, number=number) if file_ else cli.t("course_where")
            if values["category"] and values["category"] not in known:
                raise Refused(cli.t("course_category_unknown", where=where, category=values["category"], known=", ".join(sorted(known))))
            try:
                course = service.create_course(session, now=now, created_by=who.name, **values)
            except service.CourseError as exc:
                raise Refused(f"{where}: {exc.text(cli.lang)}") from None
            log_action(session, who, "course.add", f"course:{course.id}", now, title=course.title)
            added.append({"id": course.id, "title": course.title, "starts_at": course.starts_at})
    cli.emit({"added": added}, "\n".join(cli.t("course_added", id=c["id"], title=c["title"]) for c in added))


def _course_line(cli: CliContext, c: Any, tz: str) -> str:
    from zoneinfo import ZoneInfo

    return cli.t("course_line", id=c.id, start=c.starts_at.astimezone(ZoneInfo(tz)), confirmed=c.confirmed,
                 capacity=c.capacity, waiting=c.waiting, title=c.title,
                 flag=cli.t("course_flag_cancelled") if c.cancelled else "")


@courses.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also past and cancelled courses.")
@global_options
@pass_cli
def courses_list(cli: CliContext, show_all: bool) -> None:
    """List upcoming courses with seats taken and the waiting list.

    \b
    Example:
      innkjopsbot courses list --all
    """
    from bot.courses import service
    from bot.courses.flow import _course_json, current_time

    services = _services(cli)
    with services.database.session() as session:
        views = service.all_courses(session) if show_all else service.upcoming_courses(session, current_time(services))
    tz = services.settings.timezone
    cli.emit({"courses": [_course_json(c) for c in views]},
             "\n".join(_course_line(cli, c, tz) for c in views) or cli.t("courses_none"))


def _participants(cli: CliContext, course_id: int, include_cancelled: bool = False) -> tuple[Any, list[Any]]:
    from bot.courses import service

    services = _services(cli)
    with services.database.session() as session:
        try:
            return service.course_view(session, course_id), service.participants(session, course_id, include_cancelled=include_cancelled)
        except service.CourseNotFound:
            raise Refused(cli.t("course_not_found", id=course_id)) from None


@courses.command("attendees")
@click.argument("course_id", type=int)
@click.option("--with-cancelled", is_flag=True, help="Also list those who cancelled.")
@global_options
@pass_cli
def courses_attendees(cli: CliContext, course_id: int, with_cancelled: bool) -> None:
    """Who signed up for a course: confirmed in sign-up order, then the waiting list.

    \b
    Example:
      innkjopsbot courses attendees 1
    """
    from dataclasses import asdict

    course, people = _participants(cli, course_id, with_cancelled)
    lines = [cli.t("attendees_heading", title=course.title, confirmed=course.confirmed, capacity=course.capacity,
                   waiting=course.waiting)]
    for p in people:
        extra = cli.t("attendee_waiting_number", number=p.waiting_number) if p.waiting_number else ""
        status = cli.t(f"enrolment_{p.status}") if p.status in ("confirmed", "waiting", "cancelled") else p.status
        lines.append(cli.t("attendee_line", status=status, name=p.name, email=p.email, extra=extra))
    cli.emit({"course_id": course_id, "attendees": [asdict(p) for p in people]}, "\n".join(lines))


@courses.command("export")
@click.argument("course_id", type=int)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="CSV file (default: stdout).")
@global_options
@pass_cli
def courses_export(cli: CliContext, course_id: int, output: str | None) -> None:
    """Export the attendee list of a course as CSV.

    \b
    Example:
      innkjopsbot courses export 1 --output kurs-1.csv
    """
    from bot.courses import service

    course, people = _participants(cli, course_id, include_cancelled=True)
    _write(service.participants_csv(course, people), output, cli, {"course_id": course_id, "rows": len(people)})


@courses.command("ics")
@click.argument("course_id", type=int)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help=".ics file (default: stdout).")
@global_options
@pass_cli
def courses_ics(cli: CliContext, course_id: int, output: str | None) -> None:
    """The course's calendar invitation (.ics, Europe/Oslo), the same one participants get.

    \b
    Example:
      innkjopsbot courses ics 1 --output kurs-1.ics
    """
    from bot.courses import flow, service

    services = _services(cli)
    with services.database.session() as session:
        try:
            course = service.course_view(session, course_id)
        except service.CourseNotFound:
            raise Refused(cli.t("course_not_found", id=course_id)) from None
    _write(flow.course_ics(services, course).decode("utf-8"), output, cli, {"course_id": course_id})


@courses.command("cancel")
@click.argument("course_id", type=int)
@actor_option
@global_options
@pass_cli
def courses_cancel(cli: CliContext, course_id: int, actor: str | None) -> None:
    """Cancel a course: no more sign-ups, and everyone signed up or waiting gets a message with a
    calendar cancellation (.ics METHOD:CANCEL). Their rows are kept for the record.

    \b
    Example:
      innkjopsbot courses cancel 3
    """
    from bot.courses import flow, service

    services = _services(cli)
    try:
        view, queued = flow.cancel_course(services, course_id, _actor(actor).name)
    except service.CourseNotFound:
        raise Refused(cli.t("course_not_found", id=course_id)) from None
    cli.emit({"course_id": course_id, "cancelled": True, "notices_queued": queued},
             cli.t("course_cancelled", id=course_id, title=view.title, count=queued))


@courses.command("remind")
@global_options
@pass_cli
def courses_remind(cli: CliContext) -> None:
    """Queue tomorrow's reminders now (the scheduler does this daily); nobody is reminded twice.

    \b
    Example:
      innkjopsbot --as-of 2026-12-02 courses remind
    """
    from bot.courses.jobs import send_reminders

    summary = send_reminders(_services(cli))
    cli.emit(summary, cli.t("reminders_queued", queued=summary["queued"], courses=summary["courses"], date=summary["date"]))


# --- announcements ---------------------------------------------------------------------------


class AnnouncementFile(BaseModel):
    title: str
    text: str
    audience: str = "all"
    at: str | None = None


@click.group()
def announce() -> None:
    """Announcements from the procurement section: send now or later, report, correct, withdraw.

    \b
    Audiences: all | emails:a@x.no,b@x.no | team:<teamId> | channel:<conversationId> | category:<faggruppe>
    Examples:
      innkjopsbot announce send --title "Nytt kurs" --text "Meld deg på …" --audience all
      innkjopsbot announce send --file announcement.yaml
      innkjopsbot announce report 1 --csv report.csv
      innkjopsbot announce correct 1 --text "Rettet tidspunkt: …"
      innkjopsbot announce withdraw 1
    """


def _load_announcement_file(cli: CliContext, path: str) -> AnnouncementFile:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise Refused(cli.t("yaml_invalid", path=path, error=exc)) from None
    try:
        return AnnouncementFile.model_validate(data)
    except ValidationError as exc:
        raise Refused(f"{path}: {problems_text(pydantic_problems(exc.errors()), cli.lang)}") from None


@announce.command("send")
@click.option("--file", "file_", type=click.Path(exists=True, dir_okay=False), help="YAML with title, text, audience, at.")
@click.option("--title")
@click.option("--text")
@click.option("--audience", default=None, help="all | emails:a@x,b@y | team:<id> | channel:<id> | category:<name> (default all).")
@click.option("--at", "at", metavar="YYYY-MM-DDTHH:MM", help="Send at this local time (default: now).")
@actor_option
@global_options
@pass_cli
def announce_send(cli: CliContext, file_: str | None, title: str | None, text: str | None, audience: str | None,
                  at: str | None, actor: str | None) -> None:
    """Queue an announcement for its audience now, or schedule it with --at.

    The outbox sender (the server, or `innkjopsbot outbox drain`) delivers it within Teams' limits.

    \b
    Examples:
      innkjopsbot announce send --title "Ny rammeavtale på PC-er" --text "Fra 1. desember …" \\
          --audience category:IKT --at 2026-12-01T09:00
      innkjopsbot announce send --file announcement.yaml
    """
    from bot.announcements import flow
    from bot.announcements.audience import AudienceError
    from bot.announcements.service import AnnouncementError, announcement_json

    if file_:
        spec = _load_announcement_file(cli, file_)
        title, text, audience, at = title or spec.title, text or spec.text, audience or spec.audience, at or spec.at
    if not title or not text:
        raise click.UsageError("give --title and --text (or --file)")
    services = _services(cli)
    try:
        send_at = flow.parse_send_at(at or "", services.settings.timezone)
        announcement, summary = flow.create_and_maybe_send(services, _actor(actor), title=title, text=text,
                                                           audience=audience or "all", send_at=send_at)
    except (AnnouncementError, AudienceError) as exc:
        raise Refused(f"{file_ + ': ' if file_ else ''}{exc.text(cli.lang)}") from None
    payload = announcement_json(announcement)
    if summary is None:
        human = cli.t("announcement_scheduled", id=announcement.id, at=announcement.send_at.isoformat())
    else:
        human = cli.t("announcement_queued", id=announcement.id, queued=summary.queued, unreachable=summary.not_reachable)
    cli.emit(payload, human)


@announce.command("list")
@global_options
@pass_cli
def announce_list(cli: CliContext) -> None:
    """The latest announcements with status and recipient counts.

    \b
    Example:
      innkjopsbot announce list
    """
    from bot.announcements import service

    services = _services(cli)
    with services.database.session() as session:
        rows = service.list_announcements(session)
    cli.emit({"announcements": [service.announcement_json(a) for a in rows]},
             "\n".join(cli.t("announcement_line", id=a.id, status=_label(cli, "ann_", a.status), at=f"{a.send_at:%Y-%m-%d %H:%M}",
                             recipients=a.recipients, title=a.title) for a in rows) or cli.t("announcements_none"))


@announce.command("report")
@click.argument("announcement_id", type=int)
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, writable=True), help="Write the per-recipient report as CSV.")
@global_options
@pass_cli
def announce_report(cli: CliContext, announcement_id: int, csv_file: str | None) -> None:
    """Delivery report: sent, failed, blocked, not reachable (and pending), per recipient.

    \b
    Example:
      innkjopsbot announce report 1 --csv report.csv
    """
    from dataclasses import asdict

    from bot.announcements import service
    from bot.announcements.audience import reason_text

    services = _services(cli)
    with services.database.session() as session:
        try:
            rep = service.report(session, announcement_id)
        except service.AnnouncementNotFound:
            raise Refused(cli.t("announcement_not_found", id=announcement_id)) from None
        except service.AnnouncementError as exc:
            raise Refused(exc.text(cli.lang)) from None
    if csv_file:
        Path(csv_file).write_text(service.report_csv(rep), encoding="utf-8")
    totals = rep.totals
    human = [cli.t("announcement_report", id=announcement_id, status=_label(cli, "ann_", rep.announcement.status),
                   title=rep.announcement.title),
             "  " + ", ".join(f"{_label(cli, 'delivery_', k)}: {v}" for k, v in sorted(totals.items())) if totals
             else cli.t("announcement_no_recipients")]
    human += [cli.t("announcement_unreachable", who=line.name or line.email or line.aad_object_id or "?",
                    reason=reason_text(line.detail, cli.lang.value))
              for line in rep.lines if line.status == "not_reachable"]
    if csv_file:
        human.append("  " + cli.t("wrote_file", path=csv_file))
    cli.emit({"announcement": service.announcement_json(rep.announcement), "totals": totals,
              "recipients": [asdict(line) for line in rep.lines]}, "\n".join(human))


@announce.command("correct")
@click.argument("announcement_id", type=int)
@click.option("--title")
@click.option("--text")
@click.option("--file", "file_", type=click.Path(exists=True, dir_okay=False), help="YAML with the corrected title/text.")
@actor_option
@global_options
@pass_cli
def announce_correct(cli: CliContext, announcement_id: int, title: str | None, text: str | None, file_: str | None,
                     actor: str | None) -> None:
    """Correct an announcement: the card is updated in place wherever it was delivered.

    \b
    Example:
      innkjopsbot announce correct 1 --text "Kurset er flyttet til 4. desember."
    """
    from bot.announcements import cards, service
    from bot.courses.flow import current_time

    if file_:
        spec = _load_announcement_file(cli, file_)
        title, text = title or spec.title, text or spec.text
    if title is None and text is None:
        raise click.UsageError("give --title and/or --text (or --file)")
    services = _services(cli)
    tz = services.settings.timezone
    with services.database.session() as session:
        try:
            queued = service.correct(session, announcement_id, actor=_actor(actor), now=current_time(services),
                                     build_activity=lambda a: cards.announcement_activity(a, tz), title=title, text=text)
        except service.AnnouncementNotFound:
            raise Refused(cli.t("announcement_not_found", id=announcement_id)) from None
        except service.AnnouncementError as exc:
            raise Refused(exc.text(cli.lang)) from None
    cli.emit({"announcement_id": announcement_id, "updates_queued": queued},
             cli.t("announcement_corrected", id=announcement_id, count=queued))


@announce.command("withdraw")
@click.argument("announcement_id", type=int)
@actor_option
@global_options
@pass_cli
def announce_withdraw(cli: CliContext, announcement_id: int, actor: str | None) -> None:
    """Withdraw an announcement: deleted wherever it was delivered (a scheduled one is just cancelled).

    \b
    Example:
      innkjopsbot announce withdraw 1
    """
    from bot.announcements import service
    from bot.courses.flow import current_time

    services = _services(cli)
    with services.database.session() as session:
        try:
            queued = service.withdraw(session, announcement_id, actor=_actor(actor), now=current_time(services))
        except service.AnnouncementNotFound:
            raise Refused(cli.t("announcement_not_found", id=announcement_id)) from None
        except service.AnnouncementError as exc:
            raise Refused(exc.text(cli.lang)) from None
    cli.emit({"announcement_id": announcement_id, "deletes_queued": queued},
             cli.t("announcement_withdrawn", id=announcement_id, count=queued))


@announce.command("due")
@global_options
@pass_cli
def announce_due(cli: CliContext) -> None:
    """Queue the scheduled announcements whose time has come (the scheduler does this every minute).

    \b
    Example:
      innkjopsbot announce due
    """
    from bot.announcements.jobs import send_due

    summary = send_due(_services(cli))
    cli.emit(summary, cli.t("announcements_due", count=len(summary["announcements"]), recipients=summary["recipients"]))


@announce.command("log")
@click.option("--limit", type=int, default=50, show_default=True)
@global_options
@pass_cli
def announce_log(cli: CliContext, limit: int) -> None:
    """The admin log: every announcement and course action, who did it and when.

    \b
    Example:
      innkjopsbot announce log --limit 20
    """
    from bot.announcements import service

    services = _services(cli)
    with services.database.session() as session:
        rows = service.admin_log(session, limit)
    cli.emit({"log": [r.model_dump(mode="json") for r in rows]},
             "\n".join(f"{r.at:%Y-%m-%d %H:%M:%S}Z  {r.actor:<30} {r.action:<24} {r.subject}" for r in rows)
             or cli.t("admin_log_empty"))
