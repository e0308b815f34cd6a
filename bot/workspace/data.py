"""What the workspace's pages show and do, as plain functions over the services.

No HTTP here: bot/workspace/web.py turns requests into these calls. Each function opens its own
transaction. Teaching goes through `bot.search.learning.teach` (the search's own API: a question
linked to an agreement, or confirmed "no agreement"); announcements and courses through their
areas' services, so the tab, the chat and the command line do the same thing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from agreements_sync.i18n import Language
from agreements_sync.index import get_agreement, load_agreements
from agreements_sync.models import AgreementVersion, SyncRun
from bot.db import utcnow
from bot.exports import csv_bytes
from bot.problems import Problem, Refusal
from bot.services import Services, User
from bot.workspace import stats
from bot.workspace.models import ACTIONS, LINKED, NEED, NO_AGREEMENT, QuestionAction


class NotFound(LookupError):
    """The page's subject (an agreement, announcement or course) does not exist."""


class ActionRefused(Refusal):
    """A question action the workspace cannot do (`problem.<key>` of the `workspace` catalog)."""

    domain = "workspace"


def _now(services: Services) -> dt.datetime:
    from bot.courses.flow import current_time

    return current_time(services)


# --- overview ----------------------------------------------------------------------------------------


@dataclass
class Overview:
    daily: stats.Series
    weekly: stats.Series
    fields: list[tuple[str, int]]
    undecided: list[dict[str, Any]]
    unreachable: list[tuple[str, str, list[str]]]  # (e-mail, name, agreement ids)
    to_act: int


def overview(services: Services, today: dt.date, days: int, lang: str) -> Overview:
    from bot.alerts.overview import overview as milestones
    from bot.taxonomy.knowledge import load_taxonomy

    first = today - dt.timedelta(days=days - 1)
    with services.database.session() as session:
        daily = stats.daily(session, first, today)
        fields = stats.top_fields(session, first, today)
        rows = milestones(session, today, months=6)
    by_id = load_taxonomy().by_id
    language = Language.parse(lang)
    labelled = [(getattr(by_id[f].name, language.value) if f in by_id else f, n) for f, n in fields]
    undecided = [r for r in rows if r["status"] != "decided"]
    unreachable: dict[str, tuple[str, list[str]]] = {}
    for r in rows:
        if not r["owner_reachable"] and r["status"] != "decided":
            name, ids = unreachable.setdefault(r["owner_email"] or "", (r["owner"] or "", []))
            if r["agreement_id"] not in ids:
                ids.append(r["agreement_id"])
    return Overview(daily, stats.weekly(daily), labelled, undecided,
                    [(email, name, ids) for email, (name, ids) in sorted(unreachable.items())],
                    len(questions_to_act_on(services)))


# --- questions to act on -----------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[?!.,;:«»\"']+")


def question_key(text: str) -> str:
    """Questions that differ only in case, spacing and punctuation are one question."""
    return _SPACE.sub(" ", _PUNCT.sub(" ", text.lower())).strip()[:300]


@dataclass
class QuestionGroup:
    question: str
    key: str
    count: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    last: dt.datetime | None = None
    variants: list[str] = field(default_factory=list)
    answer: str = ""  # the bot's answer: agreement | candidates | none | unknown
    candidates: list[str] = field(default_factory=list)  # agreement ids the bot offered or gave

    def answer_summary(self, lang: str) -> str:
        from agreements_sync.i18n import strings

        if not self.answer and not self.candidates:
            return ""
        texts = strings("workspace")
        kind = texts.get(f"answer_{self.answer}", lang) if f"answer_{self.answer}" in texts else self.answer
        return f"{kind} {', '.join(self.candidates[:5])}".strip()


def questions_to_act_on(services: Services, limit: int = 200) -> list[QuestionGroup]:
    """Logged questions (no agreement, unsure, not understood, none of these, rated down) not yet
    settled by the section, grouped by their normalised text, most asked first. A question that
    was acted on comes back only if it is asked again afterwards."""
    from bot.conversation import store

    with services.database.session() as session:
        rows = store.insights(session)
        settled: dict[str, dt.datetime] = {}
        for action in session.exec(select(QuestionAction)).all():
            at = _aware(action.created_at)
            settled[action.question_key] = max(settled.get(action.question_key, at), at)
    groups: dict[str, QuestionGroup] = {}
    for row in rows:  # newest first
        key = question_key(row.text)
        if not key:
            continue
        created = _aware(row.created_at)
        if key in settled and created <= settled[key]:
            continue
        group = groups.get(key)
        if group is None:
            group = groups[key] = QuestionGroup(row.text, key, last=created)
            detail = row.detail or {}
            group.answer = str(detail.get("answer") or detail.get("answer_kind") or row.kind)
            group.candidates = [str(c) for c in (detail.get("candidates") or detail.get("agreement_ids") or [])][:5]
        group.count += 1
        group.kinds[row.kind] = group.kinds.get(row.kind, 0) + 1
        if row.text not in group.variants:
            group.variants.append(row.text)
    return sorted(groups.values(), key=lambda g: (-g.count, -(g.last.timestamp() if g.last else 0)))[:limit]


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def agreement_options(services: Services) -> list[tuple[str, str]]:
    today = services.today()
    return [(a.id, a.title) for a in load_agreements(services.database.engine) if a.status_on(today).value == "active"]


def act_on_question(services: Services, question: str, action: str, agreement_id: str, actor: str, note: str = "") -> str:
    """Settle a question: link it to an agreement or confirm "no agreement" (both teach the
    search, `bot.search.learning.teach`), mark "we need an agreement", or set it aside."""
    from bot.search import learning

    if action not in ACTIONS:
        raise ActionRefused("action_unknown", action=action, actions=", ".join(ACTIONS))
    question = " ".join(question.split())
    if not question:
        raise ActionRefused("question_empty")
    if action == LINKED:
        if not agreement_id:
            raise ActionRefused("choose_agreement")
        record = get_agreement(services.database.engine, agreement_id)
        if record is None:
            raise ActionRefused("agreement_unknown", id=agreement_id)
        agreement_id = record.id
    else:
        agreement_id = ""
    with services.database.session() as session:
        if action in (LINKED, NO_AGREEMENT):
            learning.teach(session, question, agreement_id or None, source=learning.SECTION, taught_by=learning.pseudonym(actor))
        session.add(QuestionAction(question_key=question_key(question), question=question[:1000], action=action,
                                   agreement_id=agreement_id, note=note[:1000], actor=actor[:320], created_at=utcnow()))  # the question log's clock
    if action in (LINKED, NO_AGREEMENT):  # the next question already uses it (on this instance; the others re-read it)
        services.search().refresh_taught()
    return agreement_id


def recent_actions(services: Services, limit: int = 30) -> list[QuestionAction]:
    with services.database.session() as session:
        return list(session.exec(select(QuestionAction).order_by(col(QuestionAction.id).desc()).limit(limit)).all())


def needs(services: Services) -> list[QuestionAction]:
    with services.database.session() as session:
        return list(session.exec(select(QuestionAction).where(col(QuestionAction.action) == NEED)
                                 .order_by(col(QuestionAction.id).desc())).all())


def needs_csv(services: Services) -> bytes:
    return csv_bytes(["marked_at", "question", "note", "marked_by"],
                     ([r.created_at, r.question, r.note, r.actor] for r in needs(services)), timezone=services.settings.timezone)


def questions_csv(services: Services) -> bytes:
    return csv_bytes(["question", "times_asked", "kinds", "last_asked", "bot_answer", "agreements_offered"],
                     ([g.question, g.count, ", ".join(f"{k}:{n}" for k, n in sorted(g.kinds.items())), g.last, g.answer,
                       ", ".join(g.candidates)] for g in questions_to_act_on(services, limit=10_000)),
                     timezone=services.settings.timezone)


# --- agreements --------------------------------------------------------------------------------------


@dataclass
class AgreementsView:
    runs: list[SyncRun]
    last_run: SyncRun | None
    last_rejected: SyncRun | None
    timeline: list[dict[str, Any]]


def agreements_view(services: Services) -> AgreementsView:
    from bot.alerts.overview import overview as milestones

    with services.database.session() as session:
        runs = list(session.exec(select(SyncRun).order_by(col(SyncRun.id).desc()).limit(15)).all())
        rejected = session.exec(select(SyncRun).where(col(SyncRun.outcome).in_(["rejected", "failed"]))
                                .order_by(col(SyncRun.id).desc())).first()
        timeline = milestones(session, services.today(), months=18)
    last_ok = next((r for r in runs if r.outcome in ("applied", "unchanged")), None)
    # the rows of the last rejected export matter while no later sync succeeded
    if rejected is not None and last_ok is not None and (last_ok.id or 0) > (rejected.id or 0):
        rejected = None
    return AgreementsView(runs, runs[0] if runs else None, rejected, timeline)


@dataclass
class AgreementHistory:
    current: Any
    versions: list[AgreementVersion]
    milestones: list[dict[str, Any]]


def agreement_history(services: Services, agreement_id: str) -> AgreementHistory:
    from bot.alerts.overview import overview as milestones

    current = get_agreement(services.database.engine, agreement_id)
    with services.database.session() as session:
        versions = list(session.exec(select(AgreementVersion).where(col(AgreementVersion.agreement_id) == agreement_id)
                                     .order_by(col(AgreementVersion.id).desc())).all())
        rows = [r for r in milestones(session, services.today()) if r["agreement_id"] == agreement_id] if current else []
    if current is None and not versions:
        raise NotFound(agreement_id)
    return AgreementHistory(current, versions, rows)


def timeline_csv(services: Services) -> bytes:
    view = agreements_view(services)
    columns = ["due", "agreement_id", "title", "milestone", "status", "decision", "owner", "owner_email", "owner_reachable", "adviser"]
    return csv_bytes(columns, ([r.get(k) for k in columns] for r in view.timeline), timezone=services.settings.timezone)


# --- announcements -----------------------------------------------------------------------------------


def announcements(services: Services) -> list[tuple[Any, dict[str, int]]]:
    from bot.announcements import service

    with services.database.session() as session:
        listed = service.list_announcements(session)
        return [(a, service.report(session, a.id).totals if a.id is not None else {}) for a in listed]


def _audience(values: dict[str, str]) -> str:
    kind = values.get("audience_kind") or "all"
    return kind if kind == "all" else f"{kind}:{values.get('audience_value', '')}"


@dataclass
class Preview:
    problems: list[Problem] = field(default_factory=list)  # what is wrong, translated by the page
    card: dict[str, Any] = field(default_factory=dict)
    reachable: int = 0
    unreachable: int = 0
    send_at: dt.datetime | None = None


def preview_announcement(services: Services, values: dict[str, str]) -> Preview:
    """Check the form, render the card as recipients will see it and count who will get it."""
    from bot.announcements import cards, flow, service
    from bot.announcements.audience import AudienceError, parse_audience, resolve

    problems = service.validate(values.get("title", ""), values.get("text", ""), _audience(values))
    send_at = None
    try:
        send_at = flow.parse_send_at(values.get("send_at", ""), services.settings.timezone)
    except service.AnnouncementError as exc:
        problems.extend(exc.problems)
    if problems:
        return Preview(problems)
    try:
        audience = parse_audience(_audience(values))
    except AudienceError as exc:
        return Preview(exc.problems)
    with services.database.session() as session:
        recipients = resolve(session, audience)
    reachable = sum(1 for r in recipients if r.reachable)
    card = {"body": cards.announcement_body(values["title"].strip(), values["text"].strip(), "nb", timezone=services.settings.timezone)}
    return Preview([], card, reachable, len(recipients) - reachable, send_at)


def send_announcement(services: Services, values: dict[str, str], user: User) -> tuple[int | None, list[Problem]]:
    """Store and (when due) send the announcement: (its id, []) or (None, what is wrong)."""
    from bot.announcements import flow, service
    from bot.announcements.audience import AudienceError

    try:
        send_at = flow.parse_send_at(values.get("send_at", ""), services.settings.timezone)
        announcement, _summary = flow.create_and_maybe_send(
            services, flow.actor_of(user), title=values.get("title", ""), text=values.get("text", ""),
            audience=_audience(values), send_at=send_at, request_key=values.get("request_key") or None)
    except (service.AnnouncementError, AudienceError) as exc:
        return None, exc.problems
    return announcement.id, []


def announcement_report(services: Services, announcement_id: int) -> Any:
    from bot.announcements import service

    with services.database.session() as session:
        try:
            return service.report(session, announcement_id)
        except service.AnnouncementError:
            raise NotFound(str(announcement_id)) from None


def card_of(announcement: Any, lang: str) -> dict[str, Any]:
    from bot.announcements import cards

    return {"body": cards.announcement_body(announcement.title, announcement.text, lang, corrected_at=announcement.corrected_at)}


def correct_announcement(services: Services, announcement_id: int, title: str, text: str, user: User) -> int:
    from bot.announcements import cards, flow, service

    timezone = services.settings.timezone
    with services.database.session() as session:
        try:
            queued = service.correct(session, announcement_id, actor=flow.actor_of(user), now=_now(services),
                                     build_activity=lambda a: cards.announcement_activity(a, timezone), title=title, text=text)
        except service.AnnouncementNotFound:
            raise NotFound(str(announcement_id)) from None
    _wake(services)
    return queued


def withdraw_announcement(services: Services, announcement_id: int, user: User) -> int:
    from bot.announcements import flow, service

    with services.database.session() as session:
        try:
            queued = service.withdraw(session, announcement_id, actor=flow.actor_of(user), now=_now(services))
        except service.AnnouncementError:
            raise NotFound(str(announcement_id)) from None
    _wake(services)
    return queued


def _wake(services: Services) -> None:
    if services.outbox_sender is not None:
        services.outbox_sender.notify()


def announcement_csv(services: Services, announcement_id: int) -> bytes:
    from bot.announcements import service

    return service.report_csv(announcement_report(services, announcement_id)).encode("utf-8")


# --- courses -----------------------------------------------------------------------------------------


def courses(services: Services) -> list[Any]:
    from bot.courses import service

    with services.database.session() as session:
        return sorted(service.all_courses(session), key=lambda c: c.starts_at, reverse=True)


def _local(value: str, timezone: str, name: str) -> dt.datetime | None:
    from bot.courses.service import CourseError

    value = value.strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CourseError(f"course_time_invalid.{name}", value=value, field=name) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed.astimezone(dt.UTC)


def save_course(services: Services, course_id: int | None, values: dict[str, str], actor: str) -> tuple[int | None, list[Problem]]:
    """Create a course (course_id None) or change one; (id, []) or (None, what is wrong)."""
    from bot.announcements.service import Actor, log_action
    from bot.courses import flow, service
    from bot.courses.models import Course

    timezone = services.settings.timezone
    now = _now(services)
    try:
        starts = _local(values.get("starts_at", ""), timezone, "starts_at")
        ends = _local(values.get("ends_at", ""), timezone, "ends_at")
        deadline = _local(values.get("signup_deadline", ""), timezone, "signup_deadline")
        if starts is None or ends is None:
            raise service.CourseError("course_times_missing", field="starts_at")
        try:
            capacity = int(values.get("capacity") or 20)
        except ValueError:
            raise service.CourseError("course_capacity_whole", field="capacity") from None
        with services.database.session() as session:
            if course_id is None:
                course = service.create_course(
                    session, title=values.get("title", ""), starts_at=starts, ends_at=ends, now=now,
                    description=values.get("description", ""), place=values.get("place", ""),
                    meeting_url=values.get("meeting_url", ""), capacity=capacity, signup_deadline=deadline, created_by=actor)
                log_action(session, Actor(actor), "course.create", f"course:{course.id}", now, title=course.title)
                return course.id, []
            existing = session.get(Course, course_id)
            if existing is None:
                raise NotFound(str(course_id))
            if not values.get("title", "").strip():
                raise service.CourseError("course_title_empty", field="title")
            if ends <= starts:
                raise service.CourseError("course_ends_before_start", field="ends_at")
            if deadline is not None and deadline > starts:
                raise service.CourseError("course_deadline_after_start", field="signup_deadline")
            if not values.get("place", "").strip() and not values.get("meeting_url", "").strip():
                raise service.CourseError("course_place_missing", field="place")
            existing.title = values["title"].strip()
            existing.description = values.get("description", "").strip()
            existing.starts_at, existing.ends_at, existing.signup_deadline = starts, ends, deadline
            existing.place, existing.meeting_url = values.get("place", "").strip(), values.get("meeting_url", "").strip()
            existing.updated_at = now
            session.add(existing)
            session.flush()
            moved = service.set_capacity(session, course_id, capacity, now) if capacity != existing.capacity else []
            if moved:
                flow.notify_moved_up(session, services, service.course_view(session, course_id), moved)
            log_action(session, Actor(actor), "course.edit", f"course:{course_id}", now, title=existing.title)
            return course_id, []
    except NotFound:
        raise
    except service.CourseError as exc:
        return None, exc.problems


@dataclass
class CourseDetail:
    course: Any
    people: list[Any]
    attended: dict[int, bool | None]
    started: bool

    def form_values(self, tz: ZoneInfo) -> dict[str, str]:
        c = self.course

        def local(value: dt.datetime | None) -> str:
            return _aware(value).astimezone(tz).strftime("%Y-%m-%dT%H:%M") if value else ""

        return {"title": c.title, "description": c.description, "starts_at": local(c.starts_at), "ends_at": local(c.ends_at),
                "place": c.place, "meeting_url": c.meeting_url, "capacity": str(c.capacity),
                "signup_deadline": local(c.signup_deadline)}


def course_detail(services: Services, course_id: int) -> CourseDetail:
    from bot.courses import service
    from bot.courses.models import Enrolment

    with services.database.session() as session:
        try:
            course = service.course_view(session, course_id)
        except service.CourseNotFound:
            raise NotFound(str(course_id)) from None
        people = service.participants(session, course_id)
        attended = {e.id: e.attended for e in session.exec(select(Enrolment).where(col(Enrolment.course_id) == course_id)).all()
                    if e.id is not None}
    return CourseDetail(course, people, attended, _aware(course.starts_at) <= _now(services))


def cancel_course(services: Services, course_id: int, actor: str) -> int:
    from bot.courses import flow, service

    try:
        _view, queued = flow.cancel_course(services, course_id, actor)
    except service.CourseNotFound:
        raise NotFound(str(course_id)) from None
    _wake(services)
    return queued


def mark_attendance(services: Services, course_id: int, attended: Iterable[int], actor: str) -> int:
    """After the course: who came (the rest of the confirmed did not). Returns how many came."""
    from bot.announcements.service import Actor, log_action
    from bot.courses.models import Enrolment, EnrolmentStatus

    came = set(attended)
    now = _now(services)
    detail = course_detail(services, course_id)
    if not detail.started:
        from bot.courses.service import CourseError

        raise CourseError("course_attendance_before_start", field="")
    with services.database.session() as session:
        rows = session.exec(select(Enrolment).where(col(Enrolment.course_id) == course_id,
                                                    col(Enrolment.status) == EnrolmentStatus.CONFIRMED.value)).all()
        for row in rows:
            row.attended = row.id in came
            row.attendance_marked_at = now
            session.add(row)
        log_action(session, Actor(actor), "course.attendance", f"course:{course_id}", now,
                   attended=sum(1 for r in rows if r.attended), confirmed=len(rows))
        return sum(1 for r in rows if r.attended)


def course_csv(services: Services, course_id: int) -> bytes:
    detail = course_detail(services, course_id)
    c = detail.course
    columns = ["course_id", "course_title", "starts_at", "name", "email", "status", "waiting_number", "signed_up_at",
               "confirmed_at", "attended"]
    marks = {True: "ja", False: "nei", None: ""}
    return csv_bytes(columns, ([c.id, c.title, c.starts_at, p.name, p.email, p.status, p.waiting_number, p.signed_up_at,
                                p.confirmed_at, marks[detail.attended.get(p.enrolment_id)]] for p in detail.people),
                     timezone=services.settings.timezone)
