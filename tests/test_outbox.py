"""The outbox: enqueue semantics and the sender against a fake Bot Connector (real HTTP)."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import threading

import pytest
from sqlmodel import select

from benchmarks.fake_connector import FakeConnector, Recorded
from bot.db import Database
from bot.outbox import ConnectorClient, OutboxRow, Sender, Window, enqueue, status_counts
from bot.outbox.connector import parse_retry_after
from bot.outbox.limits import TEAMS_APP_WINDOWS, TEAMS_CONVERSATION_WINDOWS, DeliveryLimiter

FAST_CONVERSATION = (Window(1000, 1.0),)
FAST_APP = (Window(10_000, 1.0),)


def fast_sender(database: Database, client: ConnectorClient, **kwargs: object) -> Sender:
    """Limits raised so tests run fast (the limiter itself is tested on a fake clock below)."""
    kwargs.setdefault("conversation_windows", FAST_CONVERSATION)
    kwargs.setdefault("app_windows", FAST_APP)
    kwargs.setdefault("backoff_base", 0.05)
    return Sender(database, client, **kwargs)


def queue(database: Database, url: str, n: int, conversations: int = 5, kind: str = "alert") -> list[str]:
    keys = []
    with database.session() as session:
        for i in range(n):
            key = f"test:{i}"
            keys.append(key)
            enqueue(
                session,
                idempotency_key=key,
                kind=kind,
                subject_id=f"s{i % 3}",
                conversation={"service_url": url, "conversation_id": f"a:conv-{i % conversations}", "tenant_id": "t"},
                activity={"type": "message", "text": key},
            )
    return keys


def rows(database: Database) -> list[OutboxRow]:
    with database.session() as session:
        return list(session.exec(select(OutboxRow).order_by(OutboxRow.id)))


# --- enqueue ----------------------------------------------------------------------------------


def test_enqueue_is_idempotent_and_copies_the_target(database: Database) -> None:
    with database.session() as session:
        first = enqueue(
            session, idempotency_key="k", kind="alert", subject_id="LK-1",
            conversation={"serviceUrl": "https://smba.example/", "conversation": {"id": "a:1", "tenantId": "t1"}},
            activity={"type": "message", "text": "hei"},
        )
        again = enqueue(
            session, idempotency_key="k", kind="alert", conversation={"service_url": "x", "conversation_id": "y"},
            activity={"type": "message", "text": "annen"},
        )
    assert first is not None and again is None
    (row,) = rows(database)
    assert (row.service_url, row.conversation_id, row.tenant_id) == ("https://smba.example/", "a:1", "t1")
    assert row.status == "pending" and row.activity["text"] == "hei"


def test_a_recipient_without_a_conversation_is_recorded_unreachable(database: Database) -> None:
    with database.session() as session:
        row = enqueue(session, idempotency_key="u", kind="alert", recipient="ola@example.no",
                      activity={"type": "message", "text": "hei"})
        unknown_ref = enqueue(session, idempotency_key="u2", kind="alert", conversation_ref_id=424242,
                              activity={"type": "message", "text": "hei"})
    assert row is not None and row.status == "unreachable" and "no conversation" in row.last_error
    assert unknown_ref is not None and unknown_ref.status == "unreachable" and "424242" in unknown_ref.last_error
    assert status_counts(database.engine) == {"unreachable": 2}


# --- sender -----------------------------------------------------------------------------------


async def test_every_row_is_delivered_exactly_once(database: Database) -> None:
    async with FakeConnector() as fake:
        keys = queue(database, fake.url, 60)
        async with ConnectorClient() as client:
            report = await fast_sender(database, client).drain()
    assert report.sent == 60
    assert sorted(fake.texts()) == sorted(keys)
    assert {r.status for r in rows(database)} == {"sent"}
    assert all(r.sent_activity_id and r.sent_at and r.attempts == 1 and r.last_status_code == 201 for r in rows(database))
    assert fake.received[0].body["type"] == "message"


async def test_429_retry_after_is_honoured(database: Database) -> None:
    def throttle_first(request: Recorded, n: int):  # the first request of each conversation
        return (429, {"Retry-After": "1"}, {"error": {"code": "Throttled"}}) if n == 1 else None

    async with FakeConnector(script=throttle_first) as fake:
        queue(database, fake.url, 2, conversations=2)
        async with ConnectorClient() as client:
            report = await fast_sender(database, client).drain()
    assert report.sent == 2 and report.retried == 2
    by_conversation = collections.defaultdict(list)
    for request in fake.received:
        by_conversation[request.conversation_id].append(request.at)
    for times in by_conversation.values():
        assert len(times) == 2
        assert times[1] - times[0] >= 1.0  # no earlier than Retry-After
    assert all(r.status == "sent" and r.attempts == 2 for r in rows(database))


async def test_403_blocked_is_never_retried_and_404_fails(database: Database) -> None:
    def answer(request: Recorded, n: int):
        if request.conversation_id == "a:conv-0":
            return 403, {}, {"error": {"code": "ConversationBlockedByUser", "message": "User blocked the conversation with the bot."}}
        if request.conversation_id == "a:conv-1":
            return 404, {}, {"error": {"code": "ConversationNotFound", "message": "Conversation not found."}}
        return None

    async with FakeConnector(script=answer) as fake:
        queue(database, fake.url, 3, conversations=3)
        async with ConnectorClient() as client:
            report = await fast_sender(database, client).drain()
    assert len(fake.received) == 3  # one request each, no retries
    assert (report.blocked, report.failed, report.sent) == (1, 1, 1)
    statuses = {r.conversation_id: (r.status, r.last_status_code, r.last_error) for r in rows(database)}
    assert statuses["a:conv-0"][:2] == ("blocked", 403) and "ConversationBlockedByUser" in statuses["a:conv-0"][2]
    assert statuses["a:conv-1"][:2] == ("failed", 404) and "ConversationNotFound" in statuses["a:conv-1"][2]
    assert statuses["a:conv-2"][0] == "sent"


async def test_5xx_and_timeouts_are_retried_with_backoff_then_given_up(database: Database) -> None:
    def answer(request: Recorded, n: int):
        if request.conversation_id == "a:conv-0" and n <= 2:
            return 503, {}, None
        if request.conversation_id == "a:conv-1":
            return 502, {}, None
        return None

    async with FakeConnector(script=answer) as fake:
        queue(database, fake.url, 2, conversations=2)
        async with ConnectorClient() as client:
            report = await fast_sender(database, client, max_attempts=4).drain()
    by_conversation = collections.Counter(r.conversation_id for r in fake.received)
    assert by_conversation == {"a:conv-0": 3, "a:conv-1": 4}
    statuses = {r.conversation_id: r for r in rows(database)}
    assert statuses["a:conv-0"].status == "sent" and statuses["a:conv-0"].attempts == 3
    assert statuses["a:conv-1"].status == "failed" and "gave up after 4 attempts" in statuses["a:conv-1"].last_error
    assert report.sent == 1 and report.failed == 1


async def test_connection_errors_are_retried(database: Database) -> None:
    with database.session() as session:
        enqueue(session, idempotency_key="dead", kind="alert", activity={"type": "message", "text": "x"},
                conversation={"service_url": "http://127.0.0.1:9/", "conversation_id": "a:1"})
    async with ConnectorClient(timeout=2) as client:
        report = await fast_sender(database, client, max_attempts=2).drain()
    (row,) = rows(database)
    assert row.status == "failed" and row.attempts == 2 and row.last_status_code is None
    assert "connection error" in row.last_error and report.retried == 1


async def test_update_and_delete_go_through_the_outbox_after_the_send(database: Database) -> None:
    async with FakeConnector() as fake:
        with database.session() as session:
            enqueue(session, idempotency_key="ann:1", kind="announcement", subject_id="1",
                    conversation={"service_url": fake.url, "conversation_id": "a:1"},
                    activity={"type": "message", "text": "v1"})
            # queued before the send is delivered: the sender waits for it
            enqueue(session, idempotency_key="ann:1:v2", kind="announcement", subject_id="1",
                    operation="update", target_key="ann:1", activity={"type": "message", "text": "v2"})
        async with ConnectorClient() as client:
            await fast_sender(database, client).drain()
            with database.session() as session:
                enqueue(session, idempotency_key="ann:1:del", kind="announcement", subject_id="1",
                        operation="delete", target_key="ann:1")
                enqueue(session, idempotency_key="ann:x:del", kind="announcement", subject_id="1",
                        operation="delete", target_key="ann:never-sent")
            await fast_sender(database, client).drain()
    methods = [(r.method, r.activity_id, (r.body or {}).get("text")) for r in fake.accepted]
    assert methods == [("POST", None, "v1"), ("PUT", "act-1", "v2"), ("DELETE", "act-1", None)]
    final = {r.idempotency_key: r.status for r in rows(database)}
    assert final == {"ann:1": "sent", "ann:1:v2": "sent", "ann:1:del": "sent", "ann:x:del": "unreachable"}


async def test_bearer_token_from_the_provider(database: Database) -> None:
    async def token() -> str:
        return "secret-token"

    async with FakeConnector() as fake:
        queue(database, fake.url, 1)
        async with ConnectorClient(token) as client:
            await fast_sender(database, client).drain()
    assert fake.received[0].authorization == "Bearer secret-token"


async def test_cancelling_midway_then_restarting_loses_and_duplicates_nothing(database: Database) -> None:
    async with FakeConnector(delay=0.05) as fake:
        keys = queue(database, fake.url, 80, conversations=10)
        async with ConnectorClient() as client:
            first = fast_sender(database, client, concurrency=4, batch_size=20)
            task = asyncio.create_task(first.drain())
            while len(fake.received) < 12:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            midway = status_counts(database.engine)
            assert "claimed" not in midway  # on-wire requests recorded, the rest given back
            assert 0 < midway.get("sent", 0) < 80
            await fast_sender(database, client, concurrency=4).drain()
    assert collections.Counter(fake.texts()) == collections.Counter(keys)  # each exactly once
    assert status_counts(database.engine) == {"sent": 80}


async def test_a_dead_senders_expired_lease_is_reclaimed(database: Database) -> None:
    from bot.outbox import store

    async with FakeConnector() as fake:
        queue(database, fake.url, 5)
        # a sender that claimed rows and died (no recording, no release)
        claimed = store.claim_due(database.engine, worker="dead", limit=3, lease=dt.timedelta(seconds=0.3))
        assert len(claimed) == 3
        async with ConnectorClient() as client:
            report = await fast_sender(database, client).drain()
    assert report.sent == 5 and len(fake.received) == 5
    assert status_counts(database.engine) == {"sent": 5}


async def test_two_senders_on_postgresql_never_send_a_row_twice(postgres_database: Database) -> None:
    from conftest import POSTGRES_URL  # noqa: F401 - fixture guarantees it is set

    async with FakeConnector(delay=0.002) as fake:
        keys = queue(postgres_database, fake.url, 300, conversations=30)
        url = postgres_database.url
        reports = []

        def run(worker: str) -> None:
            db = Database(url, schema=postgres_database.schema)  # an engine of its own, like another instance

            async def go() -> None:
                async with ConnectorClient() as client:
                    reports.append(await fast_sender(db, client, worker_id=worker, batch_size=20).drain())

            asyncio.run(go())
            db.dispose()

        threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            await asyncio.sleep(0.02)
    assert collections.Counter(fake.texts()) == collections.Counter(keys)
    assert all(r.sent > 0 for r in reports), "both senders took part"
    assert sum(r.sent for r in reports) == 300


# --- the limiter with the real Teams numbers, on a fake clock ---------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _max_in_window(times: list[float], period: float) -> int:
    best, start = 0, 0
    for end in range(len(times)):
        while times[end] - times[start] >= period:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_one_conversation_gets_7_per_second_60_per_30_seconds_1800_per_hour() -> None:
    clock = FakeClock()
    limiter = DeliveryLimiter(TEAMS_CONVERSATION_WINDOWS, TEAMS_APP_WINDOWS, clock=clock)
    sent: list[float] = []
    while clock.now < 1000.0 + 2 * 3600:
        wait = limiter.reserve("a:1")
        if wait == 0:
            sent.append(clock.now)
        else:
            clock.now += wait
    assert _max_in_window(sent, 1.0) == 7
    assert _max_in_window(sent, 30.0) == 60
    assert _max_in_window(sent, 3600.0) == 1800
    assert len([t for t in sent if t < 1001.0]) == 7  # a burst of 7 at once, then waits
    assert len(sent) == 3600  # 1 800 per hour, over two hours


def test_the_app_gets_50_requests_per_second_across_conversations() -> None:
    clock = FakeClock()
    limiter = DeliveryLimiter(TEAMS_CONVERSATION_WINDOWS, TEAMS_APP_WINDOWS, clock=clock)
    sent: list[float] = []
    i = 0
    while clock.now < 1010.0:
        wait = limiter.reserve(f"a:{i % 500}")
        if wait == 0:
            sent.append(clock.now)
            i += 1
        else:
            clock.now += wait
    assert _max_in_window(sent, 1.0) == 50
    assert len(sent) == 500  # ten seconds at 50/s


def test_a_paused_conversation_waits_while_others_go() -> None:
    clock = FakeClock()
    limiter = DeliveryLimiter(clock=clock)
    limiter.pause_conversation("a:1", 3.0)
    assert limiter.reserve("a:1") == pytest.approx(3.0)
    assert limiter.reserve("a:2") == 0.0
    clock.now += 3.0
    assert limiter.reserve("a:1") == 0.0


def test_retry_after_is_read_as_seconds_or_a_date() -> None:
    now = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Tue, 24 Nov 2026 12:00:10 GMT", now) == 10.0
    assert parse_retry_after("garbage") is None and parse_retry_after(None) is None


async def test_stopping_the_drain_command_with_sigterm_then_restarting_loses_and_duplicates_nothing(tmp_path) -> None:
    import os
    import signal
    import sys

    from conftest import ROOT

    url = f"sqlite:///{tmp_path / 'sub.db'}"
    database = Database(url)
    database.migrate()
    async with FakeConnector(delay=0.05) as fake:
        keys = queue(database, fake.url, 120, conversations=60)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from bot.cli import main; main()", "--database", url, "outbox", "drain", "--max-seconds", "60",
            cwd=str(ROOT), env={**os.environ, "MICROSOFT_APP_ID": "", "MICROSOFT_APP_PASSWORD": "", "LANG": "en_US.UTF-8"},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(3000):
            if len(fake.received) >= 15 or process.returncode is not None:
                break
            await asyncio.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        _out, err = await process.communicate()
        assert process.returncode == 1 and b"Error: stopped by a signal" in err, err  # an English locale: English
        midway = status_counts(database.engine)
        assert "claimed" not in midway and 0 < midway.get("sent", 0) < 120
        async with ConnectorClient() as client:
            await fast_sender(database, client).drain()
    assert collections.Counter(fake.texts()) == collections.Counter(keys)
    assert status_counts(database.engine) == {"sent": 120}
    database.dispose()


def test_a_reference_whose_bot_was_uninstalled_is_unreachable(database: Database) -> None:
    from bot.conversation.models import ConversationRef

    with database.session() as session:
        ref = ConversationRef(aad_object_id="a1", email="ola@example.no", service_url="https://smba.example/",
                              conversation_id="a:ola", installed=False)
        live = ConversationRef(aad_object_id="a2", email="kari@example.no", service_url="https://smba.example/",
                               conversation_id="a:kari", tenant_id="t")
        session.add(ref)
        session.add(live)
        session.flush()
        gone = enqueue(session, idempotency_key="x1", kind="alert", conversation_ref_id=ref.id,
                       activity={"type": "message", "text": "hei"})
        ok = enqueue(session, idempotency_key="x2", kind="alert", conversation_ref_id=live.id,
                     activity={"type": "message", "text": "hei"})
    assert gone is not None and gone.status == "unreachable" and gone.recipient == "ola@example.no"
    assert "no longer installed" in gone.last_error
    assert ok is not None and ok.status == "pending" and ok.recipient == "kari@example.no"
    assert (ok.service_url, ok.conversation_id, ok.tenant_id) == ("https://smba.example/", "a:kari", "t")


async def test_drain_with_a_deadline_does_not_wait_for_retries_due_after_it(database: Database) -> None:
    import time

    with database.session() as session:
        enqueue(session, idempotency_key="later", kind="alert", activity={"type": "message", "text": "x"},
                conversation={"service_url": "http://127.0.0.1:9/", "conversation_id": "a:1"},
                not_before=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10))
    async with ConnectorClient() as client:
        started = time.monotonic()
        report = await fast_sender(database, client).drain(max_seconds=30)
    assert report.claimed == 0 and time.monotonic() - started < 25  # returned long before its 30 s deadline
    assert status_counts(database.engine) == {"pending": 1}


async def test_tokens_come_from_the_sdk_connection_manager(database: Database) -> None:
    from bot.outbox.connector import BOT_FRAMEWORK_SCOPE, token_provider_from_services
    from bot.services import Services
    from bot.settings import Settings

    asked: list[tuple[str, list[str]]] = []

    class Connection:
        async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
            asked.append((resource_url, scopes))
            return "sdk-token"

    class Manager:
        def get_default_connection(self) -> Connection:
            return Connection()

    secret = Settings(_env_file=None, app_id="00000000-0000-0000-0000-00000000000a", app_password="x")
    services = Services(settings=secret, database=database, connection_manager=Manager())
    provider = token_provider_from_services(services)
    assert provider is not None and await provider() == "sdk-token" and asked[0][1] == [BOT_FRAMEWORK_SCOPE]
    # without one, it is built from the credentials (MSAL; nothing fetched until used)
    built = Services(settings=secret, database=database)
    assert token_provider_from_services(built) is not None and built.connection_manager is not None
    anonymous = Services(settings=Settings(_env_file=None, app_id="", app_password=""), database=database)
    assert token_provider_from_services(anonymous) is None


def test_a_send_is_counted_from_its_answer_when_settled() -> None:
    clock = FakeClock()
    limiter = DeliveryLimiter((Window(2, 1.0),), (Window(100, 1.0),), clock=clock)
    _, first = limiter.reserve_ticket("a:1")
    _, second = limiter.reserve_ticket("a:1")
    assert limiter.reserve("a:1") == pytest.approx(1.0)
    clock.now += 0.4  # the first answer comes back 0.4 s later (a slow new connection)
    limiter.settle(first)
    limiter.settle(second)
    clock.now += 0.7  # 1.1 s after letting them go, but only 0.7 s after Teams may have counted them
    assert limiter.reserve("a:1") == pytest.approx(0.3)
    clock.now += 0.3
    assert limiter.reserve("a:1") == 0.0
