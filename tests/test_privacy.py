"""Data protection: the registry covers every table with personal data; retention; per-user export and erasure.

Runs on SQLite and (with TEST_DATABASE_URL) PostgreSQL. The rows are written with the areas' own
functions where they exist (conversation references, feedback, question log, outbox, courses).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import select

from bot.alerts.models import AlertDecision, AlertOwner
from bot.announcements.models import AdminLog, Announcement, AnnouncementRecipient, CategoryInterest
from bot.conversation import store
from bot.conversation.models import ConversationRef, ConversationState, Feedback, QuestionLog
from bot.courses import service as courses
from bot.courses.models import Enrolment
from bot.db import Database
from bot.models import metadata
from bot.outbox import store as outbox
from bot.outbox.models import OutboxRow
from bot.privacy.models import PrivacyLog
from bot.privacy.registry import REGISTRY
from bot.privacy.retention import apply_retention, run_retention
from bot.privacy.user_data import erase_user_data, export_user_data
from bot.services import Services, User
from bot.settings import load_settings
from conftest import AS_OF

NOW = dt.datetime.combine(AS_OF, dt.time(12), tzinfo=dt.UTC)
OLD = NOW - dt.timedelta(days=400)
KARI = User(aad_object_id="aad-kari", name="Kari Nordmann", email="kari.nordmann@lorenskog.kommune.no")
OLA = User(aad_object_id="aad-ola", name="Ola Hansen", email="ola.hansen@lorenskog.kommune.no")
PERSONAL_COLUMNS = {"email", "aad_object_id", "name", "user_hash", "recipient", "owner_email", "adviser_email",
                    "decided_by", "decided_by_email", "decided_by_aad_id", "decided_by_name", "actor",
                    "actor_aad_id", "created_by", "assigned_by", "new_owner_email", "owner_name"}


def settings(**values):
    return load_settings(database_url="sqlite:///unused.db", **values)


def count(database: Database, model) -> int:
    with database.session() as session:
        return session.execute(sa_select(func.count()).select_from(model)).scalar_one()


def reference(session, user: User, conversation: str, *, installed: bool = True, when: dt.datetime = NOW) -> ConversationRef:
    row = store.upsert_reference(session, store.ReferenceInfo(
        conversation_id=conversation, service_url="https://smba.trafficmanager.net/emea/",
        aad_object_id=user.aad_object_id, user_id=f"29:{user.aad_object_id}", name=user.name, email=user.email,
        tenant_id="tenant-1", locale="nb-NO"))
    row.installed = installed
    row.created_at = row.updated_at = when
    session.add(row)
    session.flush()
    return row


def populate(database: Database) -> dict[str, int]:
    """Kari and Ola in every table, some rows old (400 days) and some new."""
    with database.session() as session:
        kari_ref = reference(session, KARI, "a:kari-personal")
        ola_ref = reference(session, OLA, "a:ola-personal")
        reference(session, OLA, "a:ola-old", installed=False, when=OLD)
        session.add(ConversationState(conversation_id="a:kari-personal", data={"last": "kontorstol"}, updated_at=NOW))
        session.add(ConversationState(conversation_id="a:ola-personal", data={"last": "toner"}, updated_at=OLD))
        # Kari also talks to the bot in a team channel: the channel's state belongs to the team
        channel = reference(session, KARI, "19:innkjop@thread.tacv2")
        channel.conversation_type = "channel"
        session.add(ConversationState(conversation_id="19:innkjop@thread.tacv2", data={"last": "møbler"}, updated_at=NOW))
        store.record_feedback(session, helpful=True, query="kontorstol", aad_object_id=KARI.aad_object_id).created_at = NOW
        old_feedback = store.record_feedback(session, helpful=False, query="toner", aad_object_id=OLA.aad_object_id)
        old_feedback.created_at = OLD
        session.flush()
        for logged in session.exec(select(QuestionLog)):  # the "not helpful" also went to the question log
            logged.created_at = OLD
        session.add(QuestionLog(text="har vi avtale på droner?", kind="no_agreement", created_at=OLD))
        session.add(QuestionLog(text="båtmotor", kind="no_agreement", created_at=NOW))
        for user, ref, when, status in ((KARI, kari_ref, OLD, "sent"), (OLA, ola_ref, OLD, "pending"),
                                        (OLA, ola_ref, NOW, "sent")):
            row = outbox.enqueue(session, idempotency_key=f"alert:{user.aad_object_id}:{when.date()}:{status}",
                                 kind="alert", activity={"type": "message", "text": "Avtalen utløper"},
                                 conversation_ref_id=ref.id, recipient=user.email)
            row.status, row.created_at = status, when
        session.add(AlertDecision(agreement_id="2021-014", milestone="option", due_date=AS_OF, decision="use_option",
                                  decided_by_name=KARI.name, decided_by_email=KARI.email,
                                  decided_by_aad_id=KARI.aad_object_id, decided_at=NOW))
        session.add(AlertOwner(agreement_id="2021-014", owner_email=KARI.email, register_owner_email=OLA.email,
                               assigned_by=OLA.email, assigned_at=NOW))
        session.add(CategoryInterest(aad_object_id=KARI.aad_object_id, category="Møbler", last_asked_at=NOW))
        session.add(CategoryInterest(aad_object_id=OLA.aad_object_id, category="IKT", last_asked_at=OLD))
        session.add(AdminLog(at=OLD, actor=OLA.email, actor_aad_id=OLA.aad_object_id, action="announcement.send"))
        session.add(AdminLog(at=NOW, actor=KARI.email, actor_aad_id=KARI.aad_object_id, action="course.create"))
        announcement = Announcement(title="Ny avtale", text="…", audience="all", status="sent", send_at=OLD,
                                    created_by=KARI.email, created_at=OLD, sent_at=OLD)
        session.add(announcement)
        session.flush()
        session.add(AnnouncementRecipient(announcement_id=announcement.id, recipient_key=KARI.aad_object_id,
                                          aad_object_id=KARI.aad_object_id, email=KARI.email, name=KARI.name))
        course = courses.create_course(session, title="Innkjøp for ledere", starts_at=OLD, ends_at=OLD + dt.timedelta(hours=2),
                                       now=OLD - dt.timedelta(days=30), capacity=10, place="Rådhuset")
        course_id = getattr(course, "id", course)
        courses.sign_up(session, course_id, KARI, OLD - dt.timedelta(days=20))
        courses.sign_up(session, course_id, OLA, OLD - dt.timedelta(days=20))
    return {"course_id": course_id}


def test_registry_names_real_tables_and_columns() -> None:
    tables = metadata().tables
    for entry in REGISTRY:
        assert entry.table in tables, f"registry entry for unknown table {entry.table}"
        columns = set(tables[entry.table].c.keys())
        named = set(entry.match) | ({entry.timestamp} if entry.timestamp else set())
        for spec in (entry.erase, entry.retention):
            if isinstance(spec, dict):
                named |= set(spec)
        assert named <= columns, f"{entry.table}: no column(s) {sorted(named - columns)}"


# tables whose person-like columns are not about a person
NOT_PERSONAL = {"agreement_supplier": "supplier companies (name, organisation number)"}
# display names that travel with an e-mail / Entra id in the same row (found through those)
NAME_COLUMNS = {"name", "owner_name", "decided_by_name"}
# the operator account that ran an export/erasure/retention ("cli:<os user>", "scheduler")
OPERATOR_COLUMNS = {("privacy_log", "actor")}


def test_every_table_with_personal_columns_is_in_the_registry() -> None:
    covered = {entry.table for entry in REGISTRY}
    for name, table in metadata().tables.items():
        personal = PERSONAL_COLUMNS & set(table.c.keys())
        if not personal or name in NOT_PERSONAL:
            continue
        assert name in covered, f"table {name} has {sorted(personal)}: add it to bot/privacy/registry.py"
        matched = {c for e in REGISTRY if e.table == name for c in e.match}
        unmatched = {c for c in personal - matched - NAME_COLUMNS if (name, c) not in OPERATOR_COLUMNS}
        assert not unmatched, f"{name}.{sorted(unmatched)} hold a person but no registry entry matches on them"


def test_export_finds_the_person_everywhere_and_only_them(database: Database) -> None:
    populate(database)
    export = export_user_data(database, email="Kari.Nordmann@lorenskog.kommune.no")
    assert export["subject"] == {"emails": [KARI.email], "aad_object_ids": [KARI.aad_object_id]}
    tables = export["tables"]
    assert {"conversation_ref", "conversation_state", "feedback", "outbox", "alert_decision", "alert_owner",
            "category_interest", "admin_log", "announcement", "announcement_recipient", "course_enrolment"} <= set(tables)
    text = json.dumps(export, ensure_ascii=False)
    assert OLA.aad_object_id not in text.replace(OLA.email, "")  # Ola only as the register owner of Kari's agreement
    assert all(row["aad_object_id"] == KARI.aad_object_id for row in tables["conversation_ref"]["rows"])
    assert [row["conversation_id"] for row in tables["conversation_state"]["rows"]] == ["a:kari-personal"]
    assert len(tables["feedback"]["rows"]) == 1 and tables["feedback"]["rows"][0]["query"] == "kontorstol"
    assert tables["outbox"]["purpose"] and len(tables["outbox"]["rows"]) == 1
    # by Entra id gives the same
    by_id = export_user_data(database, aad_id="AAD-KARI")
    assert by_id["tables"].keys() == tables.keys()
    with database.session() as session:
        logs = session.exec(select(PrivacyLog).where(PrivacyLog.action == "export")).all()
    assert len(logs) == 2 and all(KARI.email not in json.dumps(log.counts) and "@" not in log.subject for log in logs)


def test_erase_deletes_or_anonymises_only_that_person(database: Database) -> None:
    populate(database)
    before_ola = export_user_data(database, aad_id=OLA.aad_object_id)
    preview = erase_user_data(database, aad_id=KARI.aad_object_id, dry_run=True)
    assert preview["dry_run"] and count(database, ConversationRef) == 4  # nothing changed yet
    result = erase_user_data(database, aad_id=KARI.aad_object_id)
    actions = {(r["table"], r["action"]) for r in result["results"]}
    assert ("conversation_ref", "delete") in actions and ("alert_decision", "anonymise") in actions

    after = export_user_data(database, email=KARI.email)
    assert after["tables"] == {}
    with database.session() as session:
        decision = session.exec(select(AlertDecision)).one()
        assert decision.decision == "use_option" and decision.decided_by_email == "" and decision.decided_by_name == ""
        assert session.exec(select(AlertOwner)).all() == []  # handed back to the register's owner
        assert session.get(ConversationState, "19:innkjop@thread.tacv2") is not None  # the team's, not hers
        log = session.exec(select(PrivacyLog).where(PrivacyLog.action == "delete", PrivacyLog.dry_run == False)).one()  # noqa: E712
        assert log.counts and "@" not in json.dumps(log.counts)
    # Ola is untouched (apart from the alert reassignment he made, which went with Kari's row)
    after_ola = export_user_data(database, aad_id=OLA.aad_object_id)
    for table in ("conversation_ref", "conversation_state", "feedback", "outbox", "course_enrolment", "admin_log"):
        assert after_ola["tables"][table]["rows"] == before_ola["tables"][table]["rows"], table


def test_retention_deletes_what_is_older_and_keeps_the_rest(database: Database) -> None:
    populate(database)
    services = Services(settings(retention_days=365), database, as_of=AS_OF)
    dry = run_retention(services, dry_run=True)
    assert dry["deleted"] > 0 and count(database, QuestionLog) == 3  # two logged + Ola's "not helpful"
    summary = run_retention(services)
    assert summary["deleted"] == dry["deleted"] and summary["anonymised"] == dry["anonymised"]
    rows = {rule["kind"]: rule["rows"] for rule in summary["rules"]}
    assert rows["question_log"] == 2 and rows["feedback"] == 1 and rows["category_interest"] == 1
    assert rows["conversation_ref"] == 1  # the uninstalled one; installed references stay
    assert rows["outbox"] == 1  # the old sent one; the old *pending* one is still waiting to go
    assert rows["conversation_state"] == 1 and rows["admin_log"] == 1
    assert rows["course_enrolment"] == 2 and rows["announcement_recipient"] == 1
    with database.session() as session:
        remaining = [q.text for q in session.exec(select(QuestionLog))]
        assert remaining == ["båtmotor"]
        assert {o.status for o in session.exec(select(OutboxRow))} == {"pending", "sent"}
        assert session.exec(select(Enrolment)).all() == []
        assert len(session.exec(select(ConversationRef)).all()) == 3
        assert len(session.exec(select(Feedback)).all()) == 1
    again = run_retention(services)
    assert again["deleted"] == 0 and again["anonymised"] == 0


def test_retention_overrides_per_kind(database: Database) -> None:
    populate(database)
    short = settings(retention_days=3650, retention_overrides={"question_log": 1})
    results = {r.kind: r.rows for r in apply_retention(database, short, NOW + dt.timedelta(days=2), dry_run=True)}
    assert results["question_log"] == 3 and results["feedback"] == 0


def test_cli_export_delete_and_retention(database: Database, tmp_path: Path) -> None:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("the CLI round trip runs once, on SQLite")
    populate(database)
    url = database.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "INNKJOPSBOT_DATABASE_URL": url}
    cli = [str(Path(sys.executable).parent / "innkjopsbot")]
    out = tmp_path / "kari.json"
    done = subprocess.run(cli + ["user-data", "export", "--email", KARI.email, "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["subject"]["aad_object_ids"] == [KARI.aad_object_id]
    refused = subprocess.run(cli + ["user-data", "delete", "--email", KARI.email], env=env, capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    done = subprocess.run(cli + ["--json", "user-data", "delete", "--email", KARI.email, "--yes"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["dry_run"] is False
    done = subprocess.run(cli + ["--as-of", "2026-11-24", "--json", "retention", "run", "--dry-run"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["dry_run"] is True
    usage = subprocess.run(cli + ["user-data", "export"], env=env, capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "--email or --aad-id" in usage.stderr
