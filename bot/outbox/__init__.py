"""The outbox: the single way out for every proactive message (alerts, reminders, digests,
announcements, course reminders …). Nothing else in the bot calls the Bot Connector proactively.

API (stable — other areas build on it)
======================================

Enqueue, inside your own transaction (one row per recipient and message)::

    from bot.outbox import enqueue

    with database.session() as session:
        row = enqueue(
            session,
            idempotency_key=f"announcement:{ann.id}:v1:{ref_id}",  # UNIQUE; same key = same message
            kind="announcement",             # alert|reminder|escalation|digest|announcement|course_reminder|…
            subject_id=str(ann.id),          # what it is about; delivery reports group by it
            conversation_ref_id=ref_id,      # a conversation_ref.id …
            # conversation={"service_url": …, "conversation_id": …, "tenant_id": …},  # … or a target
            activity={"type": "message", "text": "…", "attachments": [card_attachment]},
            recipient="kari@…",              # optional label for reports (defaults to the ref's e-mail)
        )
        # row is an OutboxRow, or None when that idempotency key was already queued (nothing new)

- Exactly one of `conversation_ref_id` / `conversation` names the target; the target
  (service_url, conversation_id, tenant_id) is copied onto the row at enqueue time.
  `conversation` may be our flat dict or a Bot Framework reference dict
  (`{"serviceUrl", "conversation": {"id", "tenantId"}}`).
- No target, an unknown reference or a reference whose bot is uninstalled gives a row with
  status `unreachable` (never attempted) — so reports show everyone, never a silent skip.
- `not_before=<aware datetime>` schedules the message for later.
- `merged_into=<key>` records a message (and reserves its key) whose content goes out inside
  another, combined message: status `merged`, never sent on its own.
- Update or delete a delivered message (e.g. correct/withdraw an announcement)::

      enqueue(session, idempotency_key=f"announcement:{ann.id}:v2:{ref_id}", kind="announcement",
              subject_id=str(ann.id), operation="update", target_key=<the send's idempotency key>,
              activity={...new activity...})
      enqueue(session, idempotency_key=f"announcement:{ann.id}:withdraw:{ref_id}", kind="announcement",
              subject_id=str(ann.id), operation="delete", target_key=<the send's idempotency key>)

  The target conversation is copied from the original row; the sender waits for the original
  send to be delivered, then PUTs/DELETEs its activity (`sent_activity_id`). If the original
  was never delivered the update/delete ends `failed` with the reason. `target_activity_id=`
  may be given instead of `target_key` when the activity id is known.

Statuses (`OutboxStatus`): pending → claimed → sent | failed | blocked | unreachable | merged
(pending again between retries). `last_status_code`, `last_error`, `attempts`, `sent_at`,
`sent_activity_id` tell what happened. `bot.outbox.store.status_counts(engine, kind=,
subject_id=)` gives a report's totals; query `OutboxRow` for per-recipient details.

Sending::

    from bot.outbox import ConnectorClient, Sender
    async with ConnectorClient(token_provider) as connector:        # None = anonymous (dev/tests)
        report = await Sender(database, connector).drain()          # everything due, waits for retries
        # Sender(..., conversation_windows=…, app_windows=…) raise/lower the Teams limits (tests)

- `bot.outbox.jobs.drain(services) -> dict` is the scheduler job; `bot.outbox.jobs.start_background(services)`
  / `Sender.run_forever(stop_event)` the server's long-running loop; `Sender.notify()` wakes it.
- Limits: per conversation 7/s, 60/30 s, 1 800/h; per app 50 requests/s; 429 Retry-After pauses
  the conversation (several at once: the app); 412/5xx/timeouts retried with jittered backoff
  up to max_attempts; 403 ConversationBlockedByUser → blocked, other 4xx → failed, never retried.
- Exactly-once in normal operation; the one at-least-once window (process killed between
  Teams accepting a message and the outcome's UPDATE) is described in `bot/outbox/sender.py`.
"""

from bot.outbox.connector import ConnectorClient, ConnectorResult, token_provider_from_services
from bot.outbox.limits import TEAMS_APP_WINDOWS, TEAMS_CONVERSATION_WINDOWS, DeliveryLimiter, Window
from bot.outbox.models import FINAL_STATUSES, OutboxOperation, OutboxRow, OutboxStatus
from bot.outbox.sender import DrainReport, Sender, make_sender
from bot.outbox.store import OutboxError, conversation_target, enqueue, status_counts

__all__ = [
    "FINAL_STATUSES",
    "TEAMS_APP_WINDOWS",
    "TEAMS_CONVERSATION_WINDOWS",
    "ConnectorClient",
    "ConnectorResult",
    "DeliveryLimiter",
    "DrainReport",
    "OutboxError",
    "OutboxOperation",
    "OutboxRow",
    "OutboxStatus",
    "Sender",
    "Window",
    "conversation_target",
    "enqueue",
    "make_sender",
    "status_counts",
    "token_provider_from_services",
]
