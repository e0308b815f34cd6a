"""Contract-expiry alerts: scans over a sequence of dates, decisions from the card, digest, exports.

Expectations come from the small tables below (dates worked out by hand from the agreements'
data and knowledge/alerts/alerts.yaml), not from the code under test.
"""

from __future__ import annotations

import collections
import datetime as dt
from decimal import Decimal

import pytest
from icalendar import Calendar
from sqlmodel import select

from agreements_sync.models import Agreement, AgreementSupplier
from benchmarks.fake_connector import FakeConnector, Recorded
from bot.alerts import jobs
from bot.alerts.actions import handle
from bot.alerts.digest import weekly_digest
from bot.alerts.models import AlertDecision, AlertMilestone
from bot.alerts.overview import overview, to_csv, to_ics
from bot.alerts.scan import scan
from bot.conversation.card_actions import ActionContext
from bot.conversation.models import ConversationRef
from bot.db import Database
from bot.outbox import ConnectorClient, OutboxRow, Sender, Window
from bot.services import Services, User
from bot.settings import load_settings

CHANNEL_ID = "19:innkjop@thread.tacv2"
KARI, OLA, PER, RITA, NY = (
    "kari.eier@lorenskog.kommune.no", "ola.borte@lorenskog.kommune.no", "per.blokk@lorenskog.kommune.no",
    "rita.radgiver@lorenskog.kommune.no", "nina.ny@lorenskog.kommune.no",
)

AGREEMENTS = [
    # id, end, final end, status, owner, annual value, cpv
    # T1: options remain → option 3 months before 31.03.2027 = 31.12.2026; value 300 000 × 4 = 1.2 M goods
    #     (CPV 39) → band C → competition 5 months before 31.03.2029 = 31.10.2028; expiry 31.03.2029.
    ("LK-T-001", dt.date(2027, 3, 31), dt.date(2029, 3, 31), "active", KARI, 300_000, "39130000-2"),
    # T2: no options; 2 M × 4 = 8 M services (CPV 79) → band E → 9 months before 30.11.2027 = 28.02.2027.
    #     The owner has no conversation reference (never installed the bot / has left).
    ("LK-T-002", dt.date(2027, 11, 30), dt.date(2027, 11, 30), "active", OLA, 2_000_000, "79410000-1"),
    # T3: under competition already (no competition milestone); expires 15.01.2027; the owner blocked the bot.
    ("LK-T-003", dt.date(2027, 1, 15), dt.date(2027, 1, 15), "under_competition", PER, 900_000, "90910000-9"),
    # T4: expired long ago → nothing.
    ("LK-T-004", dt.date(2026, 6, 30), dt.date(2026, 6, 30), "expired", KARI, 100_000, "30192000-1"),
]

# (first alert days, repeat days, escalate after days) — knowledge/alerts/alerts.yaml
RULES = {"option": (60, 14, 21), "competition": (90, 14, 30), "expiry": (60, 30, 30)}
# milestones inside the scanned period, worked out above; undecided, they are repeated past
# their date until the date they protect ("stop": the end date for an option, the final end
# date for a competition, the expiry itself)
MILESTONES = [
    ("LK-T-001", "option", dt.date(2026, 12, 31), dt.date(2027, 3, 31), KARI),
    ("LK-T-002", "competition", dt.date(2027, 2, 28), dt.date(2027, 11, 30), OLA),
    ("LK-T-003", "expiry", dt.date(2027, 1, 15), dt.date(2027, 1, 15), PER),
]
UNREACHABLE = {OLA: "no_reference", PER: "blocked"}
START, END = dt.date(2026, 10, 25), dt.date(2027, 3, 3)


def expected_messages() -> set[tuple]:
    """(day, kind, agreement, milestone, recipient, reminder) for daily scans from START to END."""
    out = set()
    for agreement, kind, due, stop, owner in MILESTONES:
        first_days, repeat, escalate = RULES[kind]
        first = due - dt.timedelta(days=first_days)
        day = first
        while day <= min(stop, END):
            n = (day - first).days // repeat
            out.add((day, "alert" if n == 0 else "reminder", agreement, kind, owner, n))
            day += dt.timedelta(days=repeat)
        out.add((min(first + dt.timedelta(days=escalate), due), "escalation", agreement, kind, "procurement channel", 0))
        if UNREACHABLE.get(owner) == "no_reference":
            out.add((first, "unreachable", agreement, kind, "procurement channel", 0))
        if UNREACHABLE.get(owner) == "blocked":  # known after the first alert bounced: reported the next day
            out.add((first + dt.timedelta(days=1), "unreachable", agreement, kind, "procurement channel", 0))
    return out


def expected_digest_days() -> list[dt.date]:
    """Digest on Mondays; the first (partial) week gets it on its first scan day (on or after Monday)."""
    days, seen = [], set()
    day = START
    while day <= END:
        week = day.isocalendar()[:2]
        if week not in seen:
            seen.add(week)
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def seed(database: Database, service_url: str) -> None:
    with database.session() as session:
        for ident, end, final, status, owner, value, cpv in AGREEMENTS:
            session.add(Agreement(
                id=ident, title=f"Testavtale {ident[-1]}", category="Test", end_date=end, final_end_date=final,
                start_date=dt.date(2023, 1, 1), options="1+1 år" if final > end else "", status=status,
                owner_name=owner.split("@")[0].replace(".", " ").title(), owner_email=owner, adviser="Rita Rådgiver",
                adviser_email=RITA, annual_value=Decimal(value), cpv_codes=[cpv],
            ))
            session.flush()
            session.add(AgreementSupplier(agreement_id=ident, position=0, name="Leverandør AS"))
        for email, locale in ((KARI, "nb-NO"), (PER, "nb-NO"), (RITA, "nb-NO"), (NY, "en-US")):
            session.add(ConversationRef(
                aad_object_id="aad-" + email.split("@")[0], email=email, name=email.split("@")[0], tenant_id="t",
                locale=locale, service_url=service_url, conversation_id="a:" + email.split("@")[0],
                conversation_type="personal",
            ))
        session.add(ConversationRef(
            aad_object_id="", email="", name="Innkjøp", tenant_id="t", service_url=service_url,
            conversation_id=CHANNEL_ID, conversation_type="channel", team_id="19:team",
        ))


def blocked_per(request: Recorded, n: int):
    if request.conversation_id == "a:per.blokk":
        return 403, {}, {"error": {"code": "ConversationBlockedByUser", "message": "User blocked the conversation with the bot."}}
    return None


@pytest.fixture
def settings():
    return load_settings(procurement_channel_conversation_id=CHANNEL_ID, admin_emails=["sjef@lorenskog.kommune.no"])


def sender(database: Database, client: ConnectorClient) -> Sender:
    return Sender(database, client, conversation_windows=(Window(1000, 1.0),), app_windows=(Window(10_000, 1.0),))


def services_for(database: Database, settings, as_of: dt.date) -> Services:
    return Services(settings=settings, database=database, as_of=as_of)


# --- the sequence -----------------------------------------------------------------------------


async def test_daily_scans_over_four_months_send_exactly_the_expected_messages(database: Database, settings) -> None:
    got: set[tuple] = set()
    digests: list[dt.date] = []
    async with FakeConnector(script=blocked_per) as fake:
        seed(database, fake.url)
        async with ConnectorClient() as client:
            day = START
            while day <= END:
                services = services_for(database, settings, day)
                jobs.daily_scan(services)
                jobs.daily_scan(services)  # a second run the same day adds nothing
                digest = jobs.weekly_digest(services)
                if digest["queued"]:
                    digests.append(day)
                await sender(database, client).drain()
                day += dt.timedelta(days=1)
        with database.session() as session:
            rows = list(session.exec(select(OutboxRow)))
    got = {(r.kind, r.subject_id, r.idempotency_key.split(":")[2], r.recipient, r.idempotency_key)
           for r in rows if r.kind != "digest"}
    expected = expected_messages()
    expected_keys = collections.Counter((k, a, m, r) for (_d, k, a, m, r, _n) in expected)
    got_keys = collections.Counter((k, a, m, r) for (k, a, m, r, _key) in got)
    assert got_keys == expected_keys
    reminder_numbers = sorted(int(key.rsplit(":", 1)[1]) for (k, a, m, r, key) in got if k == "reminder" and a == "LK-T-001")
    assert reminder_numbers == [1, 2, 3, 4, 5, 6, 7, 8]  # 4 before 31.12, 4 after it (overdue) up to 03.03
    assert digests == expected_digest_days()
    # delivery: every reachable row exactly once; Ola's alerts recorded unreachable, Per's blocked
    statuses = collections.Counter((r.recipient, r.status) for r in rows if r.kind in ("alert", "reminder"))
    assert statuses[(OLA, "unreachable")] == sum(1 for e in expected if e[4] == OLA and e[1] in ("alert", "reminder"))
    assert statuses[(PER, "blocked")] == sum(1 for e in expected if e[4] == PER and e[1] in ("alert", "reminder"))
    assert statuses[(KARI, "sent")] == sum(1 for e in expected if e[4] == KARI)
    assert {r.status for r in rows if r.recipient == "procurement channel"} == {"sent"}
    assert len(fake.received) == sum(1 for r in rows if r.status in ("sent", "blocked"))  # no request twice
    assert len({r.sent_activity_id for r in rows if r.status == "sent"}) == sum(1 for r in rows if r.status == "sent")


async def test_scan_days_match_the_expected_table_day_by_day(database: Database, settings) -> None:
    """The dry-run report names the same (day, kind, agreement, milestone, recipient, n) as the table."""
    expected = expected_messages()
    seed(database, "http://127.0.0.1:9/")
    got = set()
    day = START
    while day <= END:
        report = scan(database, settings, day)
        for p in report.new:
            got.add((day, p.kind, p.agreement_id, p.milestone, p.recipient, p.reminder_no))
        # Per's alerts bounce (what the sender would record), so the next scan reports it
        with database.session() as session:
            for row in session.exec(select(OutboxRow).where(OutboxRow.recipient == PER, OutboxRow.status == "pending")):
                row.status, row.last_status_code, row.last_error = "blocked", 403, "ConversationBlockedByUser"
                row.last_attempt_at = row.created_at
                session.add(row)
        day += dt.timedelta(days=1)
    assert got == expected


# --- actions on the card ----------------------------------------------------------------------


def press(database: Database, settings, day: dt.date, verb: str, user: User, **data):
    ctx = ActionContext(
        services=services_for(database, settings, day), user=user, verb=verb,
        data={"agreement_id": "LK-T-001", "milestone": "option", "due": "2026-12-31", **data},
    )
    return handle(ctx)


KARI_USER = User(aad_object_id="aad-kari.eier", name="Kari Eier", email=KARI, locale="nb-NO")


def alert_keys(database: Database, agreement: str = "LK-T-001") -> list[str]:
    with database.session() as session:
        return sorted(r.idempotency_key for r in session.exec(select(OutboxRow).where(OutboxRow.subject_id == agreement)))


def test_using_the_option_records_who_and_when_and_stops_reminders_and_escalation(database: Database, settings) -> None:
    seed(database, "http://127.0.0.1:9/")
    scan(database, settings, dt.date(2026, 11, 1))  # the first alert
    answer = press(database, settings, dt.date(2026, 11, 3), "alert.use_option", KARI_USER)
    assert answer.data["ok"] is True
    assert "actions" not in answer.card  # the card updated in place, without buttons
    assert any("Opsjonen skal brukes" in b.get("text", "") and "Kari Eier" in b.get("text", "") for b in answer.card["body"])
    with database.session() as session:
        (decision,) = session.exec(select(AlertDecision))
        assert (decision.decision, decision.decided_by_email, decision.decided_by_name) == ("use_option", KARI, "Kari Eier")
        assert decision.decided_at is not None
    before = alert_keys(database)
    day = dt.date(2026, 11, 4)
    while day <= dt.date(2026, 12, 31):
        scan(database, settings, day)
        day += dt.timedelta(days=1)
    assert alert_keys(database) == before  # no reminder, no escalation for the option
    again = press(database, settings, dt.date(2026, 11, 5), "alert.let_expire", KARI_USER)
    assert again.data["error"] == "already_decided"


def test_new_competition_tells_the_adviser_and_settles_the_agreement(database: Database, settings) -> None:
    seed(database, "http://127.0.0.1:9/")
    scan(database, settings, dt.date(2026, 11, 1))
    answer = press(database, settings, dt.date(2026, 11, 2), "alert.new_competition", KARI_USER)
    assert answer.data["ok"] and answer.data["queued"] == ["alert-adviser:LK-T-001:option:2026-12-31"]
    with database.session() as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.kind == "adviser")).one()
        assert row.recipient == RITA and row.conversation_id == "a:rita.radgiver" and row.status == "pending"
        settled = {(m.milestone, m.decision) for m in session.exec(select(AlertMilestone))}
    assert settled == {("option", "new_competition"), ("competition", "new_competition"), ("expiry", "new_competition")}


def test_snooze_pauses_reminders_for_a_week(database: Database, settings) -> None:
    seed(database, "http://127.0.0.1:9/")
    scan(database, settings, dt.date(2026, 11, 1))
    answer = press(database, settings, dt.date(2026, 11, 10), "alert.snooze", KARI_USER)
    assert "17. nov. 2026" in answer.text
    for day in range(11, 17):
        assert not [p for p in scan(database, settings, dt.date(2026, 11, day)).new if p.agreement_id == "LK-T-001"]
    resumed = [p for p in scan(database, settings, dt.date(2026, 11, 17)).new if p.agreement_id == "LK-T-001"]
    assert [(p.kind, p.recipient) for p in resumed] == [("reminder", KARI)]
    # still unanswered 21 days after the first alert (22.11): escalated
    later = [p.kind for p in scan(database, settings, dt.date(2026, 11, 22)).new if p.agreement_id == "LK-T-001"]
    assert later == ["escalation"]


def test_reassign_hands_the_alert_to_the_new_owner(database: Database, settings) -> None:
    seed(database, "http://127.0.0.1:9/")
    scan(database, settings, dt.date(2026, 11, 1))
    bad = press(database, settings, dt.date(2026, 11, 2), "alert.reassign", KARI_USER, new_owner_email="ikke en adresse")
    assert bad.data["error"] == "bad_email" and "actions" in bad.card
    answer = press(database, settings, dt.date(2026, 11, 2), "alert.reassign", KARI_USER, new_owner_email=NY.upper())
    assert answer.data["ok"] and NY in answer.text
    with database.session() as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.recipient == NY)).one()
    assert row.conversation_id == "a:nina.ny" and row.kind in ("alert", "reminder")
    assert "Reminder" in row.activity["attachments"][0]["content"]["body"][0]["text"]  # the new owner's locale (en)
    # later reminders go to the new owner only
    later = scan(database, settings, dt.date(2026, 11, 16)).new
    assert {p.recipient for p in later if p.kind == "reminder"} == {NY}


def test_an_overdue_milestone_says_so_and_is_escalated_at_once(database: Database, settings) -> None:
    seed(database, "http://127.0.0.1:9/")
    # first scan ever on 10.01.2027: LK-T-001's option date (31.12.2026) has passed, the end date not
    report = scan(database, settings, dt.date(2027, 1, 10))
    planned = {p.kind: p for p in report.new if p.agreement_id == "LK-T-001"}
    assert set(planned) == {"alert", "escalation"}
    assert "OVERDUE" in planned["alert"].reason
    card = planned["alert"].activity["attachments"][0]["content"]
    assert "passert" in card["body"][1]["text"]


def test_not_my_agreement_tells_the_procurement_channel(database: Database, settings) -> None:
    seed(database, "http://127.0.0.1:9/")
    scan(database, settings, dt.date(2026, 11, 1))
    answer = press(database, settings, dt.date(2026, 11, 2), "alert.reassign", KARI_USER, new_owner_email="")
    assert answer.data["ok"] and answer.data["queued"][0].startswith("alert-notmine:LK-T-001")
    with database.session() as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.kind == "not_mine")).one()
    assert row.conversation_id == CHANNEL_ID


def test_only_the_owner_or_the_procurement_section_may_answer(database: Database, settings) -> None:
    seed(database, "http://127.0.0.1:9/")
    stranger = User(aad_object_id="aad-x", name="X", email="x@lorenskog.kommune.no")
    assert press(database, settings, dt.date(2026, 11, 2), "alert.use_option", stranger).data["error"] == "not_owner"
    admin = User(aad_object_id="aad-sjef", name="Sjef", email="sjef@lorenskog.kommune.no")
    assert press(database, settings, dt.date(2026, 11, 2), "alert.use_option", admin).data["ok"] is True


# --- unreachable owners, channel, digest, exports ---------------------------------------------


def test_an_unreachable_owner_is_reported_at_once(database: Database, settings) -> None:
    seed(database, "http://127.0.0.1:9/")
    report = scan(database, settings, dt.date(2026, 11, 30))  # LK-T-002's first alert: Ola has no reference
    kinds = [(p.kind, p.recipient, p.agreement_id) for p in report.new if p.agreement_id == "LK-T-002"]
    assert kinds == [("alert", OLA, "LK-T-002"), ("unreachable", "procurement channel", "LK-T-002")]
    with database.session() as session:
        rows = {r.kind: r for r in session.exec(select(OutboxRow).where(OutboxRow.subject_id == "LK-T-002"))}
    assert rows["alert"].status == "unreachable"
    assert rows["unreachable"].conversation_id == CHANNEL_ID and rows["unreachable"].status == "pending"
    text = str(rows["unreachable"].activity)
    assert "ola.borte@lorenskog.kommune.no" in text and "installert" in text


def test_without_a_channel_the_reports_are_recorded_not_dropped(database: Database) -> None:
    seed(database, "http://127.0.0.1:9/")
    report = scan(database, load_settings(procurement_channel_conversation_id=""), dt.date(2026, 11, 30))
    assert report.warnings and "not configured" in report.warnings[0]
    with database.session() as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.kind == "unreachable")).one()
    assert row.status == "unreachable"


def test_overview_digest_and_exports(database: Database, settings) -> None:
    seed(database, "http://127.0.0.1:9/")
    as_of = dt.date(2026, 11, 30)
    scan(database, settings, dt.date(2026, 11, 1))
    press(database, settings, dt.date(2026, 11, 2), "alert.use_option", KARI_USER)
    scan(database, settings, as_of)
    with database.session() as session:
        rows = overview(session, as_of, 12)
        everything = overview(session, as_of)
    assert [r["status"] for r in rows if r["agreement_id"] == "LK-T-003"] == ["alerted"]
    with database.session() as session:  # Per's first alert came back blocked
        row = session.exec(select(OutboxRow).where(OutboxRow.recipient == PER)).first()
        row.status, row.last_status_code, row.last_attempt_at = "blocked", 403, row.created_at
        session.add(row)
    with database.session() as session:
        rows = overview(session, as_of, 12)
    listed = [(r["agreement_id"], r["milestone"], r["due"], r["status"]) for r in rows]
    # within 12 months of 30.11.2026: T1 option (decided), T3 expiry, T2 competition, T2 expiry
    assert listed == [
        ("LK-T-001", "option", dt.date(2026, 12, 31), "decided"),
        ("LK-T-003", "expiry", dt.date(2027, 1, 15), "unreachable"),
        ("LK-T-002", "competition", dt.date(2027, 2, 28), "unreachable"),
        ("LK-T-002", "expiry", dt.date(2027, 11, 30), "unreachable"),
    ]
    assert len(everything) == 6  # + T1 competition 31.10.2028 and expiry 31.03.2029
    csv_text = to_csv(everything)
    assert csv_text.startswith("\ufeffagreement_id;title;milestone;due;status")
    assert "LK-T-001;Testavtale 1;competition;2028-10-31" in csv_text
    calendar = Calendar.from_ical(to_ics(everything))
    events = calendar.walk("VEVENT")
    assert len(events) == 6
    assert {str(e["uid"]) for e in events} >= {"LK-T-001-option-2026-12-31@innkjopsbot"}
    assert {e.decoded("dtstart") for e in events} >= {dt.date(2028, 10, 31), dt.date(2029, 3, 31)}
    report = weekly_digest(database, settings, dt.date(2026, 11, 30))  # a Monday
    (digest,) = report.new
    card = digest.activity["attachments"][0]["content"]
    texts = [b["text"] for b in card["body"]]
    assert texts[0].startswith("Avtalefrister de neste 12")
    assert "Desember 2026" in texts and "Januar 2027" in texts and "Februar 2027" in texts and "November 2027" in texts
    assert any("LK-T-001" in t and "besluttet" in t for t in texts)
    assert weekly_digest(database, settings, dt.date(2026, 12, 2)).new == []  # once a week


def test_chat_shows_all_deadlines_to_the_section_and_their_own_to_an_owner(database: Database, settings) -> None:
    from bot.alerts.conversation import try_answer

    seed(database, "http://127.0.0.1:9/")
    services = services_for(database, settings, dt.date(2026, 11, 30))
    admin = User(aad_object_id="aad-sjef", name="Sjef", email="sjef@lorenskog.kommune.no")
    everything = try_answer(services, admin, "Oversikt!", {})
    assert everything is not None and everything.data == {"scope": "all", "deadlines": 4}
    own = try_answer(services, KARI_USER, "mine frister", {})
    assert own is not None and own.data == {"scope": "mine", "deadlines": 1} and "LK-T-001" in own.text
    assert own.card["body"][0]["text"].startswith("Dine avtalefrister")
    assert try_answer(services, KARI_USER, "frister for anbud på kontorstoler", {}) is None
