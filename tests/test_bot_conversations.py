"""Conversation references, state, feedback and the question log (both databases)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect

from bot.conversation import store
from bot.conversation.store import ReferenceInfo
from bot.db import Database


def _info(**overrides: object) -> ReferenceInfo:
    values: dict[str, object] = dict(
        conversation_id="a:1conv", service_url="https://smba.example/emea/", aad_object_id="aad-1",
        user_id="29:user1", name="Kari Nordmann", email="Kari.Nordmann@Lorenskog.Kommune.NO",
        tenant_id="tenant-1", locale="nb-NO", conversation_type="personal", bot_id="28:bot",
        reference={"conversation": {"id": "a:1conv"}, "serviceUrl": "https://smba.example/emea/"},
    )
    values.update(overrides)
    return ReferenceInfo(**values)


def test_migration_creates_the_bot_tables(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert {"conversation_ref", "conversation_state", "feedback", "question_log"} <= tables
    columns = {c["name"] for c in inspect(database.engine).get_columns("conversation_ref")}
    assert columns == {
        "id", "aad_object_id", "user_id", "name", "email", "tenant_id", "locale", "language", "channel_id", "service_url",
        "conversation_id", "conversation_type", "team_id", "bot_id", "reference", "installed", "created_at",
        "updated_at",
    }


def test_reference_is_upserted_per_user_and_conversation_and_found_by_email_or_aad(database: Database) -> None:
    with database.session() as session:
        first = store.upsert_reference(session, _info())
        first_id = first.id
    with database.session() as session:
        # a later message without e-mail (lookup skipped) must not blank the known e-mail
        again = store.upsert_reference(session, _info(email="", service_url="https://smba.example/new/"))
        assert again.id == first_id
        assert again.email == "kari.nordmann@lorenskog.kommune.no"
        assert again.service_url == "https://smba.example/new/"
    with database.session() as session:
        store.upsert_reference(session, _info(conversation_id="19:channel@thread.tacv2", conversation_type="channel",
                                              team_id="19:team@thread.tacv2"))
        by_email = store.find_by_email(session, "KARI.NORDMANN@lorenskog.kommune.no")
        by_aad = store.find_by_aad_id(session, "aad-1")
        assert by_email is not None and by_email.id == first_id and by_email.conversation_type == "personal"
        assert by_aad is not None and by_aad.id == first_id
        assert [r.id for r in store.personal_refs(session)] == [first_id]
        assert store.find_by_email(session, "nobody@x.no") is None
        assert store.find_by_email(session, "") is None


def test_uninstall_removes_the_conversation_or_the_whole_team(database: Database) -> None:
    with database.session() as session:
        store.upsert_reference(session, _info())
        store.upsert_reference(session, _info(aad_object_id="aad-2", conversation_id="19:general@thread.tacv2",
                                              conversation_type="channel", team_id="19:team"))
        store.upsert_reference(session, _info(aad_object_id="aad-3", conversation_id="19:other@thread.tacv2",
                                              conversation_type="channel", team_id="19:team"))
    with database.session() as session:
        assert store.remove_references(session, conversation_id="19:general@thread.tacv2", team_id="19:team") == 2
        assert store.remove_references(session, conversation_id="a:1conv") == 1
        assert store.remove_references(session) == 0
        assert store.personal_refs(session) == []


def test_conversation_state_is_shared_through_the_database(database: Database) -> None:
    with database.session() as session:
        assert store.load_state(session, "a:1conv") == {}
        store.save_state(session, "a:1conv", {"last_query": "møbler", "last_result_ids": ["RA-1"]})
    with database.session() as session:
        assert store.load_state(session, "a:1conv")["last_query"] == "møbler"
        store.save_state(session, "a:1conv", {"last_query": "møbler til barnehagen"})
    with database.session() as session:
        assert store.load_state(session, "a:1conv") == {"last_query": "møbler til barnehagen"}


def test_negative_feedback_goes_to_the_question_log_without_identity(database: Database) -> None:
    with database.session() as session:
        store.record_feedback(session, helpful=True, query="kontorstol", kind="agreement", agreement_ids=["RA-101"],
                              aad_object_id="aad-1")
        store.record_feedback(session, helpful=False, query="lydbøker", kind="agreement", agreement_ids=["RA-9"],
                              aad_object_id="aad-1", as_of=dt.date(2026, 11, 24))
        store.log_question(session, "dronefoto", "no_agreement", dt.date(2026, 11, 24))
    with database.session() as session:
        logged = store.insights(session)
        assert [(q.text, q.kind) for q in logged] == [("dronefoto", "no_agreement"), ("lydbøker", "negative_feedback")]
        assert all("aad-1" not in str(q.detail) for q in logged)
        from sqlmodel import select

        from bot.conversation.models import Feedback

        rows = session.exec(select(Feedback)).all()
        assert len(rows) == 2 and all(r.user_hash and r.user_hash != "aad-1" for r in rows)
        assert store.insights(session, since=dt.datetime(2100, 1, 1, tzinfo=dt.UTC)) == []
