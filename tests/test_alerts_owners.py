"""Agreement owners (issue 16): one card per owner per scan, decisions on any copy update every copy,
follow-through of decisions to the register, reassignment, removal/change guards, the employees'
notice. Deliveries go through the real outbox sender to the fake Bot Connector."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from sqlmodel import select

from agreements_sync.models import Agreement, AgreementSupplier
from agreements_sync.sync import sync_export
from benchmarks.fake_connector import FakeConnector
from bot.alerts.actions import handle
from bot.alerts.models import AlertCardCopy, AlertFollowUp, AlertRegisterFlag
from bot.alerts.scan import scan
from bot.cli import cli
from bot.conversation.card_actions import ActionContext
from bot.conversation.models import ConversationRef
from bot.db import Database
from bot.outbox import ConnectorClient, OutboxRow, Sender, Window
from bot.services import Services, User
from bot.settings import load_settings
from conftest import AS_OF, REFERENCE_REGISTER

CHANNEL_ID = "19:innkjop@thread.tacv2"
KARI, RITA, NY = "kari.eier@lorenskog.kommune.no", "rita.radgiver@lorenskog.kommune.no", "nina.ny@lorenskog.kommune.no"
KARI_USER = User(aad_object_id="aad-kari.eier", name="Kari Eier", email=KARI, locale="nb-NO")
SETTINGS = dict(procurement_channel_conversation_id=CHANNEL_ID, admin_emails=["sjef@lorenskog.kommune.no"])


def seed(database: Database, service_url: str, agreements: list[tuple[str, dt.date, dt.date]], owner: str = KARI) -> None:
    """Agreements (id, end, final end) owned by `owner`, 300 000 kr a year of office chairs; Kari, Rita,
    Nina and the channel have conversation references."""
    with database.session() as session:
        for ident, end, final in agreements:
            session.add(Agreement(
                id=ident, title=f"Avtale {ident}", category="Test", end_date=end, final_end_date=final,
                start_date=dt.date(2023, 1, 1), options="1+1 år" if final > end else "", status="active",
                owner_name="Kari Eier", owner_email=owner, adviser="Rita Rådgiver", adviser_email=RITA,
                annual_value=Decimal(300_000), cpv_codes=["39130000-2"],
            ))
            session.flush()
            session.add(AgreementSupplier(agreement_id=ident, position=0, name="Leverandør AS"))
        for email, locale in ((KARI, "nb-NO"), (RITA, "nb-NO"), (NY, "en-US")):
            session.add(ConversationRef(
                aad_object_id="aad-" + email.split("@")[0], email=email, name=email.split("@")[0], tenant_id="t",
                locale=locale, service_url=service_url, conversation_id="a:" + email.split("@")[0], conversation_type="personal",
            ))
        session.add(ConversationRef(aad_object_id="", email="", name="Innkjøp", tenant_id="t", service_url=service_url,
                                    conversation_id=CHANNEL_ID, conversation_type="channel", team_id="19:team"))


def settings():
    return load_settings(**SETTINGS)


async def drain(database: Database) -> None:
    async with ConnectorClient() as client:
        await Sender(database, client, conversation_windows=(Window(1000, 1.0),), app_windows=(Window(10_000, 1.0),)).drain()


def press(database: Database, day: dt.date, verb: str, user: User, data: dict, activity_id: str = "", conversation: str = ""):
    ctx = ActionContext(services=Services(settings=settings(), database=database, as_of=day), user=user, verb=verb,
                        data=data, conversation_id=conversation, activity_id=activity_id)
    return handle(ctx)


def rows(database: Database, **where) -> list[OutboxRow]:
    with database.session() as session:
        query = select(OutboxRow)
        for key, value in where.items():
            query = query.where(getattr(OutboxRow, key) == value)
        return list(session.exec(query.order_by(OutboxRow.id)))


def texts(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)


# --- one message per owner per scan ------------------------------------------------------------


async def test_a_scan_with_26_deadlines_for_one_owner_sends_one_card(database: Database) -> None:
    # 26 agreements whose option deadlines (3 months before the end date) fall 01.11–26.11.2026:
    # all inside the 60-day alert window on 24.11.2026, the earliest already overdue
    ends = [dt.date(2027, 2, 1) + dt.timedelta(days=i) for i in range(26)]
    agreements = [(f"LK-O-{i:03d}", end, end.replace(year=2028)) for i, end in enumerate(ends)]
    async with FakeConnector() as fake:
        seed(database, fake.url, agreements)
        report = scan(database, settings(), AS_OF)
        await drain(database)
        to_kari = [r for r in fake.activities if r.conversation_id == "a:kari.eier"]
        assert len(to_kari) == 1  # one card, not 26
        card = to_kari[0].card
        assert card is not None and len(json.dumps(card).encode()) < 24_000
        body = texts(card)
        positions = [body.index(f"LK-O-{i:03d}") for i in range(26)]
        assert positions == sorted(positions)  # most urgent (earliest deadline) first
        assert "26" in card["body"][0]["text"]
        opens = [a for c in card["body"] if c.get("type") == "Container" for i in c["items"] if i.get("type") == "ActionSet"
                 for a in i["actions"] if a.get("verb") == "alert.open"]
        assert len(opens) == 26  # every deadline can be opened and decided from the card
        assert "eier av avtalene" in card["body"][-1]["text"]  # why you, what you can do, how to stop it
        # each deadline is recorded under its own key, inside the one card
        merged = [r for r in rows(database, recipient=KARI) if r.kind == "alert"]
        assert len(merged) == 26 and {r.status for r in merged} == {"merged"}
        assert [p.kind for p in report.new if p.recipient == KARI].count("owner_digest") == 1
        # a second scan the same day and the next day send nothing new to the owner
        assert [p for p in scan(database, settings(), AS_OF).new if p.recipient == KARI] == []
        assert [p for p in scan(database, settings(), AS_OF + dt.timedelta(days=1)).new if p.recipient == KARI] == []
        await drain(database)
        assert len([r for r in fake.activities if r.conversation_id == "a:kari.eier"]) == 1


# --- a decision on any copy updates every copy ---------------------------------------------------


async def test_pressing_a_button_updates_every_copy(database: Database) -> None:
    # option deadlines 31.12.2026 and 30.01.2027: both alerted on 02.12, reminded on 16.12 (two digests)
    agreements = [("LK-A", dt.date(2027, 3, 31), dt.date(2028, 3, 31)), ("LK-B", dt.date(2027, 4, 30), dt.date(2028, 4, 30))]
    async with FakeConnector() as fake:
        seed(database, fake.url, agreements)
        scan(database, settings(), dt.date(2026, 12, 2))
        await drain(database)
        scan(database, settings(), dt.date(2026, 12, 16))
        await drain(database)
        digests = rows(database, kind="owner_digest")
        assert len(digests) == 2 and all(r.status == "sent" for r in digests)
        first, second = digests
        assert first.sent_activity_id in fake.current and second.sent_activity_id in fake.current

        # "Decide …" on LK-A in the second card opens its buttons
        opened = press(database, dt.date(2026, 12, 17), "alert.open", KARI_USER,
                       {"agreement_id": "LK-A", "milestone": "option", "due": "2026-12-31", "copy": second.idempotency_key},
                       second.sent_activity_id or "", "a:kari.eier")
        verbs = [a.get("verb") for c in opened.card["body"] if c.get("type") == "Container" for i in c["items"]
                 if i.get("type") == "ActionSet" for a in i["actions"]]
        assert "alert.use_option" in verbs and verbs.count("alert.open") == 1  # LK-B stays closed
        stranger = User(aad_object_id="aad-x", name="X", email="x@lorenskog.kommune.no")
        peek = press(database, dt.date(2026, 12, 17), "alert.open", stranger,
                     {"agreement_id": "LK-A", "milestone": "option", "due": "2026-12-31", "copy": second.idempotency_key})
        assert peek.data == {"ok": False, "error": "not_owner"} and peek.card is None

        answer = press(database, dt.date(2026, 12, 17), "alert.use_option", KARI_USER,
                       {"agreement_id": "LK-A", "milestone": "option", "due": "2026-12-31", "copy": second.idempotency_key},
                       second.sent_activity_id or "", "a:kari.eier")
        assert answer.data["ok"] is True
        pressed = texts(answer.card)  # the pressed digest, redrawn: LK-A decided, LK-B still open
        assert "Opsjonen skal brukes" in pressed and "Kari Eier" in pressed and "alert.open" in pressed
        assert answer.data["updates"] == [f"alert-update:{first.idempotency_key}:1"]  # the other copy
        await drain(database)
        assert fake.updates == 1
        other = texts(fake.current[first.sent_activity_id or ""])
        assert "Opsjonen skal brukes" in other and "LK-B" in other and "alert.open" in other
        assert other.count("alert.open") == 1  # only LK-B can still be decided there

        # decided from the command line: both copies follow
        result = CliRunner().invoke(cli, ["--database", database.url_for_other_processes, "--as-of", "2026-12-18", "alerts", "decide", "LK-B", "option",
                                          "2027-01-30", "let_expire", "--by", KARI], env={
                                              "INNKJOPSBOT_PROCUREMENT_CHANNEL_CONVERSATION_ID": CHANNEL_ID})
        assert result.exit_code == 0, result.output
        await drain(database)
        assert fake.updates == 3
        for digest in digests:
            now = texts(fake.current[digest.sent_activity_id or ""])
            assert "alert.open" not in now and "Avtalen får utløpe" in now, now


# --- follow-through --------------------------------------------------------------------------------


def test_an_option_decision_the_register_does_not_show_is_reminded_and_then_escalated(database: Database) -> None:
    # LK-A: end 31.03.2027 (option deadline 31.12.2026); LK-C the same, but the register is updated
    agreements = [("LK-A", dt.date(2027, 3, 31), dt.date(2028, 3, 31)), ("LK-C", dt.date(2027, 3, 31), dt.date(2028, 3, 31))]
    seed(database, "http://127.0.0.1:9/", agreements)
    scan(database, settings(), dt.date(2026, 11, 1))
    for ident in ("LK-A", "LK-C"):
        answer = press(database, dt.date(2026, 11, 3), "alert.use_option", KARI_USER,
                       {"agreement_id": ident, "milestone": "option", "due": "2026-12-31"})
        assert answer.data["ok"] and "ny sluttdato etter 31. mars 2027" in answer.text
    seen: dict[str, list[tuple[dt.date, str]]] = {"LK-A": [], "LK-C": []}
    day = dt.date(2026, 11, 4)
    while day <= dt.date(2027, 3, 31):
        if day == dt.date(2026, 12, 1):  # the register shows LK-C's option used (what the nightly sync brings)
            with database.session() as session:
                session.get(Agreement, "LK-C").end_date = dt.date(2028, 3, 31)
        for p in scan(database, settings(), day).new:
            if p.kind.startswith("follow_up") and p.agreement_id in seen:
                seen[p.agreement_id].append((day, p.recipient))
        day += dt.timedelta(days=1)
    # 45 days before 31.03.2027 the owner and the adviser; 14 days before, the section
    assert seen["LK-A"] == [(dt.date(2027, 2, 14), KARI), (dt.date(2027, 2, 14), RITA), (dt.date(2027, 3, 17), "procurement channel")]
    assert seen["LK-C"] == []
    with database.session() as session:
        states = {f.agreement_id: f.state for f in session.exec(select(AlertFollowUp))}
        assert states == {"LK-A": "escalated", "LK-C": "fulfilled"}
        (flag,) = session.exec(select(AlertRegisterFlag).where(AlertRegisterFlag.kind == "decision_not_reflected"))
        assert flag.agreement_id == "LK-A"
    reminder = next(r for r in rows(database, kind="follow_up") if r.recipient == KARI)
    assert reminder.conversation_id == "a:kari.eier"
    card = texts(reminder.activity)
    assert "Registeret viser ikke beslutningen" in card and "31. mars 2027" in card and "påminnelsene stopper" in card


# --- reassignment -----------------------------------------------------------------------------


def test_reassignment_stops_the_first_persons_reminders_and_reaches_the_new_owner(database: Database) -> None:
    agreements = [("LK-A", dt.date(2027, 3, 31), dt.date(2028, 3, 31)), ("LK-B", dt.date(2027, 3, 31), dt.date(2028, 3, 31))]
    seed(database, "http://127.0.0.1:9/", agreements)
    scan(database, settings(), dt.date(2026, 11, 1))
    data = {"agreement_id": "LK-A", "milestone": "option", "due": "2026-12-31"}
    unknown = press(database, dt.date(2026, 11, 2), "alert.reassign", KARI_USER, {**data, "new_owner_aad": "aad-nobody"})
    assert unknown.data["error"] == "picker_unknown" and "e-postadressen" in unknown.text
    # the people picker gives Nina's Entra id; Kari says why
    answer = press(database, dt.date(2026, 11, 2), "alert.reassign", KARI_USER,
                   {**data, "new_owner_aad": "aad-nina.ny", "reason": "Jeg har byttet avdeling"})
    assert answer.data["ok"] and NY in answer.text
    (to_nina,) = rows(database, recipient=NY)
    assert to_nina.conversation_id == "a:nina.ny"
    assert "Passed on to you by Kari Eier: “Jeg har byttet avdeling”" in texts(to_nina.activity)  # Nina reads English
    # LK-B goes to the procurement section
    section = press(database, dt.date(2026, 11, 2), "alert.reassign", KARI_USER,
                    {**data, "agreement_id": "LK-B", "to_section": True, "reason": "Avtalen hører til skolene"})
    assert section.data["ok"] and section.data["queued"][0].startswith("alert-notmine:LK-B")
    (channel,) = rows(database, kind="not_mine")
    assert channel.conversation_id == CHANNEL_ID and "Avtalen hører til skolene" in texts(channel.activity)
    # from now on: nothing to Kari about either agreement; Nina is reminded
    later = []
    day = dt.date(2026, 11, 3)
    while day <= dt.date(2026, 12, 31):
        later += [(p.kind, p.recipient, p.agreement_id) for p in scan(database, settings(), day).new]
        day += dt.timedelta(days=1)
    assert not [x for x in later if x[1] == KARI]
    assert ("reminder", NY, "LK-A") in later
    assert ("escalation", "procurement channel", "LK-B") in later  # the section still sees the deadline
    with database.session() as session:
        flags = {(f.agreement_id, f.kind) for f in session.exec(select(AlertRegisterFlag))}
    assert flags == {("LK-A", "owner_field"), ("LK-B", "owner_field")}
    # the register flag list in the section's command line
    result = CliRunner().invoke(cli, ["--database", database.url_for_other_processes, "--json", "alerts", "register-flags"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert {f["agreement_id"] for f in listed["flags"]} == {"LK-A", "LK-B"} and NY in json.dumps(listed)


# --- removal and change guards ------------------------------------------------------------------


def _register_without(tmp_path: Path, removed: str, earlier: str) -> Path:
    with REFERENCE_REGISTER.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        fields, lines = reader.fieldnames, list(reader)
    out = tmp_path / "avtaleregister-next.csv"
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields or [], delimiter=";")
        writer.writeheader()
        for line in lines:
            if line["Avtalenr"] == removed:
                continue
            if line["Avtalenr"] == earlier:
                line["Sluttdato"] = line["Maks sluttdato"] = "31.12.2026"
            writer.writerow(line)
    return out


def test_a_vanished_active_agreement_is_reported_once(database: Database, tmp_path: Path, reference_register: Path) -> None:
    assert sync_export(database.engine, reference_register, as_of=AS_OF, trigger="test").outcome == "applied"
    # an active agreement of the reference register (to 31.08.2028), and one whose end date 28.02.2027 moves to 31.12.2026
    removed, earlier = "LK-2019-003", "LK-2024-007"
    with database.session() as session:
        assert session.get(Agreement, earlier).end_date > dt.date(2027, 1, 1)
    report = sync_export(database.engine, _register_without(tmp_path, removed, earlier), as_of=AS_OF, trigger="test")
    assert report.outcome == "applied" and report.removed == 1
    first = [p for p in scan(database, settings(), AS_OF).planned if p.kind in ("removed", "end_earlier")]
    assert sorted((p.kind, p.agreement_id) for p in first) == [("end_earlier", earlier), ("removed", removed)]
    removed_card = texts(next(p for p in first if p.kind == "removed").activity)
    assert f"synkronisering {report.run_id}" in removed_card and "31. aug. 2028" in removed_card
    assert "31. des. 2026" in texts(next(p for p in first if p.kind == "end_earlier").activity)
    # once: the next scans, and a sync that changes nothing, report nothing again
    assert [p for p in scan(database, settings(), AS_OF).new if p.kind in ("removed", "end_earlier")] == []
    sync_export(database.engine, _register_without(tmp_path, removed, earlier), as_of=AS_OF, trigger="test")
    assert [p for p in scan(database, settings(), AS_OF + dt.timedelta(days=1)).new if p.kind in ("removed", "end_earlier")] == []
    with database.session() as session:
        flags = sorted((f.kind, f.agreement_id, f.sync_run_id) for f in session.exec(select(AlertRegisterFlag)))
    assert flags == [("end_earlier", earlier, report.run_id), ("removed", removed, report.run_id)]
    # no stale alert about the removed agreement, and an old card's button answers without crashing
    assert not [p for p in scan(database, settings(), AS_OF + dt.timedelta(days=2)).planned if p.agreement_id == removed
                and p.kind in ("alert", "reminder")]
    admin = User(aad_object_id="aad-sjef", name="Sjef", email="sjef@lorenskog.kommune.no")
    stale = press(database, AS_OF, "alert.use_option", admin, {"agreement_id": removed, "milestone": "option", "due": "2028-05-31"})
    assert stale.data == {"ok": False, "error": "unknown_milestone"}


# --- employees see the truth ---------------------------------------------------------------------


def test_an_agreement_ending_within_30_days_carries_the_notice(database: Database) -> None:
    with database.session() as session:
        session.add(Agreement(
            id="LK-S-1", title="Skadedyrkontroll", category="Eiendomsdrift", description="Bekjempelse av rotter og mus i kommunale bygg.",
            keywords=["skadedyr", "rotter", "mus"], start_date=dt.date(2023, 1, 1), end_date=AS_OF + dt.timedelta(days=6),
            final_end_date=AS_OF + dt.timedelta(days=6), status="active", owner_name="Kari Eier", owner_email=KARI,
        ))
    result = CliRunner().invoke(cli, ["--database", database.url_for_other_processes, "--as-of", AS_OF.isoformat(), "--json", "ask", "skadedyr rotter"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    hit = next(h for h in answer["data"]["hits"] if h["id"] == "LK-S-1")
    assert hit["ends_soon"]["end"] == "2026-11-30"
    assert "⚠️ Avtalen utløper 30. nov. 2026" in json.dumps(answer["card"], ensure_ascii=False)
    assert "utløper" in answer["text"]
    # ended: no notice any more (the agreement is expired, not "ending")
    later = CliRunner().invoke(cli, ["--database", database.url_for_other_processes, "--as-of", "2026-12-10", "--json", "ask", "skadedyr rotter"])
    assert all(h.get("ends_soon") is None for h in json.loads(later.output)["data"].get("hits", []))


def test_copies_are_recorded_only_for_cards_that_go_out(database: Database) -> None:
    seed(database, "http://127.0.0.1:9/", [("LK-A", dt.date(2027, 3, 31), dt.date(2028, 3, 31))])
    scan(database, settings(), dt.date(2026, 11, 1), dry_run=True)
    with database.session() as session:
        assert session.exec(select(AlertCardCopy)).all() == []
    scan(database, settings(), dt.date(2026, 11, 1))
    with database.session() as session:
        (copy,) = session.exec(select(AlertCardCopy))
    assert (copy.card_kind, copy.agreement_id, copy.recipient) == ("single", "LK-A", KARI)


def test_the_channel_summary_points_to_the_chat_not_to_a_command_line() -> None:
    from bot.alerts import cards

    for lang in ("nb", "nn", "en"):
        card = cards.list_card("Frister", [f"linje {i}" for i in range(50)], 40, lang)
        last = card["body"][-1]["text"]
        assert "10" in last and "innkjopsbot" not in last
    assert "«oversikt»" in cards.list_card("Frister", ["x"] * 50, 40, "nb")["body"][-1]["text"]
