"""The Agents SDK layer: one `AgentApplication` with its handlers as decorated functions.

`build_agent(services, metrics, connection_manager)` is called by `bot.teams.server.create_app`; nothing
is built at import time. Handlers only translate between activities and plain values — the
work happens in `bot.conversation.turn` (database, `respond`) and `bot.teams.message_extension`.

Routes (the SDK orders them by invoke-ness and rank, not by registration — the catch-alls
carry `RouteRank.LAST`):
- conversationUpdate membersAdded / membersRemoved, installationUpdate: references + welcome;
- adaptiveCard/action (Action.Execute) → the updated card as the invoke response;
- message with a `value` holding a verb (Action.Submit) → the answer as a new message;
- composeExtension/query → result attachments (choosing one inserts its card; no selectItem);
- any other invoke → 400 (unsupported); any other message → `respond`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import replace
from http import HTTPStatus
from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    InvokeResponse,
)
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentApplication, MemoryStorage, TurnContext, TurnState
from microsoft_agents.hosting.core.app._routes import RouteRank
from microsoft_agents.hosting.core.authorization import Connections

from agreements_sync.i18n import strings
from agreements_sync.limits import MAX_EMAIL_CHARS, MAX_NAME_CHARS
from bot.answer import Answer
from bot.conversation import cards, turn
from bot.conversation.card_actions import split_submit_value
from bot.conversation.store import ReferenceInfo
from bot.logging import pseudonym
from bot.metrics import Metrics
from bot.services import Services, User
from bot.teams import message_extension

logger = logging.getLogger("bot.teams")
MEMBER_LOOKUP_TIMEOUT_S = 3.0
INSTALL_GRACE_S = 0.5
ANY_VERB = re.compile(r"^[A-Za-z][\w.-]*$")


def build_agent(
    services: Services, metrics: Metrics, connection_manager: Connections
) -> tuple[AgentApplication[TurnState], CloudAdapter]:
    adapter = CloudAdapter(connection_manager=connection_manager)

    async def on_adapter_error(context: TurnContext, error: Exception) -> None:
        # Never echo exception text to the user (the SDK default does); count and log it.
        metrics.errors.labels("adapter").inc()
        logger.error("turn failed in the adapter", exc_info=error, extra={"fields": _turn_fields(context)})

    adapter.on_turn_error = on_adapter_error
    lookups_failed: set[tuple[str, str]] = set()

    agent_app = AgentApplication[TurnState](
        storage=MemoryStorage(), connection_manager=connection_manager, start_typing_timer=False
    )

    # --- install / uninstall -----------------------------------------------------------------

    @agent_app.conversation_update("membersAdded")
    async def on_members_added(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        if not _bot_among(activity, activity.members_added):
            return
        if not activity_locale(activity):
            # Teams sends installationUpdate (with the user's locale) alongside this one (often
            # without): let it claim the welcome first, so the welcome is in the user's language.
            await asyncio.sleep(INSTALL_GRACE_S)
        await _install(context)

    @agent_app.conversation_update("membersRemoved")
    async def on_members_removed(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        if _bot_among(activity, activity.members_removed):
            await _uninstall(context)

    @agent_app.installation_update()
    async def on_installation_update(context: TurnContext, _state: TurnState) -> None:
        action = (context.activity.action or "").lower()
        if action.startswith("remove"):
            await _uninstall(context)
        elif action.startswith("add"):
            await _install(context)

    async def _install(context: TurnContext) -> None:
        activity = context.activity
        user = user_of(activity, "")  # no locale: the stored one, else the default (install_turn)
        info = reference_info(activity, user)
        if info.user_id and user.aad_object_id and not info.team_id:
            email, name = await lookup_member(context, activity.conversation.id, info.user_id)
            info = replace(info, email=email or info.email, name=name or info.name)
        team = bool(info.team_id) or info.conversation_type in ("channel", "groupChat")  # "mention me" welcome
        answer = await asyncio.to_thread(turn.install_turn, services, user, info, team=team)
        if answer is not None:
            await _send(context, answer)

    async def _uninstall(context: TurnContext) -> None:
        activity = context.activity
        data = _channel_data(activity)
        removed = await asyncio.to_thread(
            turn.uninstall_turn, services, activity.conversation.id, _id_of(data, "team")
        )
        logger.info("uninstalled", extra={"fields": {"references_removed": removed, **_turn_fields(context)}})

    # --- card actions --------------------------------------------------------------------------

    @agent_app.adaptive_card.action_execute(ANY_VERB)
    async def on_action_execute(context: TurnContext, _state: TurnState, data: Any) -> AdaptiveCardInvokeResponse:
        activity = context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        verb = str((value.get("action") or {}).get("verb") or "")
        user = user_of(activity, services.settings.default_locale)
        answer = await turn.action_turn(
            services, user, verb, data if isinstance(data, dict) else {},
            conversation_id=activity.conversation.id, activity_id=activity.reply_to_id or "", kind="execute",
        )
        metrics.answers.labels(answer.kind).inc()
        if answer.card is None:
            return AdaptiveCardInvokeResponse(status_code=HTTPStatus.OK, type="application/vnd.microsoft.activity.message",
                                              value=answer.text or "OK")
        return AdaptiveCardInvokeResponse(status_code=HTTPStatus.OK, type=cards.CARD_CONTENT_TYPE, value=answer.card)

    @agent_app.adaptive_card.action_submit(ANY_VERB)
    async def on_action_submit(context: TurnContext, _state: TurnState, value: Any) -> None:
        activity = context.activity
        parsed = split_submit_value(value)
        if parsed is None:
            return
        verb, data = parsed
        user = user_of(activity, services.settings.default_locale)
        answer = await turn.action_turn(
            services, user, verb, data, conversation_id=activity.conversation.id,
            activity_id=activity.reply_to_id or "", kind="submit",
        )
        metrics.answers.labels(answer.kind).inc()
        if answer.text or answer.card:
            await _send(context, answer)

    # --- compose-box search ----------------------------------------------------------------------

    @agent_app.invoke("composeExtension/query")
    async def on_compose_query(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        query = message_extension.query_text(activity.value)
        if query is None:
            await _invoke_response(context, HTTPStatus.BAD_REQUEST, {"error": "malformed composeExtension/query value"})
            return
        lang = user_of(activity, services.settings.default_locale).lang
        body = await asyncio.to_thread(message_extension.query_response, services, lang, query)
        metrics.answers.labels("compose_extension").inc()
        await _invoke_response(context, HTTPStatus.OK, body)

    @agent_app.invoke(rank=RouteRank.LAST)
    async def on_other_invoke(context: TurnContext, _state: TurnState) -> None:
        await _invoke_response(
            context, HTTPStatus.BAD_REQUEST, {"error": f"unsupported invoke '{(context.activity.name or '')[:64]}'"}
        )

    # --- messages (the catch-all: last rank) ---------------------------------------------------

    @agent_app.activity(ActivityTypes.message, rank=RouteRank.LAST)
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        if not activity.text and isinstance(activity.value, dict):
            # an Action.Submit whose verb did not match ANY_VERB, or a card input without a verb
            await on_action_submit(context, _state, activity.value)
            return
        user = user_of(activity, services.settings.default_locale)
        info = reference_info(activity, user)
        start = await asyncio.to_thread(turn.begin_message, services, info)
        looked_up = None
        lookup_key = (user.aad_object_id, activity.conversation.id)
        if not start.email and info.user_id and user.aad_object_id and lookup_key not in lookups_failed:
            email, name = await lookup_member(context, activity.conversation.id, info.user_id)
            if email:
                looked_up = replace(info, email=email, name=name or info.name)
            elif len(lookups_failed) < 10_000:  # not again for this user and conversation (this process)
                lookups_failed.add(lookup_key)
        user.email = start.email or (looked_up.email if looked_up else "")
        user.language = start.language
        answer = await asyncio.to_thread(
            turn.finish_message, services, user, activity.text or "", activity.conversation.id, start.state, looked_up
        )
        metrics.answers.labels(answer.kind).inc()
        await _send(context, answer)

    @agent_app.error
    async def on_error(context: TurnContext, error: Exception) -> None:
        metrics.errors.labels("turn").inc()
        logger.error("turn failed", exc_info=error, extra={"fields": _turn_fields(context)})
        activity = context.activity
        lang = user_of(activity, services.settings.default_locale).lang
        text = strings("bot").get("error_turn", lang, email=services.settings.procurement_email)
        try:
            if activity.type == ActivityTypes.invoke:
                await _invoke_response(context, HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal error"})
            elif activity.type == ActivityTypes.message:
                await context.send_activity(Activity(type=ActivityTypes.message, text=text))
        except Exception:  # noqa: BLE001 - the connector may be what failed
            metrics.errors.labels("reply").inc()
            logger.warning("could not tell the user about the failure", extra={"fields": _turn_fields(context)})

    return agent_app, adapter


# --- activities ↔ plain values -------------------------------------------------------------------


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    if isinstance(data, dict):
        return data
    if hasattr(data, "model_dump"):
        return data.model_dump(by_alias=True, exclude_none=True)
    return {}


def _id_of(data: dict[str, Any], key: str) -> str:
    """channelData's `key`.id ("team", "tenant") as text; "" when it is missing or not an id
    (any JSON may arrive there: a list, a number, a nested object)."""
    node = data.get(key)
    value = node.get("id") if isinstance(node, dict) else None
    return value if isinstance(value, str) else ""


def user_of(activity: Activity, default_locale: str = "nb-NO") -> User:
    sender = activity.from_property
    conversation = activity.conversation
    tenant = (conversation.tenant_id if conversation else None) or _id_of(_channel_data(activity), "tenant")
    return User(
        aad_object_id=(sender.aad_object_id or "") if sender else "",
        name=(sender.name or "")[:MAX_NAME_CHARS] if sender else "",  # display text: cut (ids are refused at the edge)
        email="",
        tenant_id=tenant or "",
        locale=activity_locale(activity) or default_locale,
    )


def activity_locale(activity: Activity) -> str:
    """The user's locale: the activity's, else the clientInfo entity's (Teams puts it there too)."""
    if activity.locale:
        return str(activity.locale)
    for entity in activity.entities or []:
        data = entity if isinstance(entity, dict) else entity.model_dump(by_alias=True, exclude_none=True)
        if data.get("type") == "clientInfo" and isinstance(data.get("locale"), str):
            return data["locale"]
    return ""


def _bot_among(activity: Activity, members: list[Any] | None) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    return any(getattr(m, "id", None) == bot_id for m in members or [])


def reference_info(activity: Activity, user: User) -> ReferenceInfo:
    """The conversation reference of this activity as plain values (e-mail only if the activity has it)."""
    data = _channel_data(activity)
    team_id = _id_of(data, "team")
    conversation = activity.conversation
    conversation_type = (conversation.conversation_type if conversation else None) or ("channel" if team_id else "personal")
    reference = activity.get_conversation_reference().model_dump(mode="json", by_alias=True, exclude_none=True)
    reference.pop("activityId", None)  # per message; a proactive message starts its own
    sender = activity.from_property
    return ReferenceInfo(
        conversation_id=conversation.id,
        service_url=activity.service_url or "",
        aad_object_id=user.aad_object_id,
        user_id=(sender.id or "") if sender else "",
        name=user.name,
        email=_email(str(getattr(sender, "email", None) or "") if sender else ""),
        tenant_id=user.tenant_id,
        locale=activity_locale(activity)[:16],
        channel_id=str(activity.channel_id or "msteams")[:32],
        conversation_type=conversation_type[:16],
        team_id=team_id,
        bot_id=(activity.recipient.id or "") if activity.recipient else "",
        reference=reference,
    )


async def lookup_member(context: TurnContext, conversation_id: str, user_id: str) -> tuple[str, str]:
    """(e-mail or UPN, name) from GET /v3/conversations/{id}/members/{userId}; ("", "") on any failure.

    Called only while the stored reference has no e-mail (once per user and conversation).
    """
    client = context.turn_state.get("ConnectorClient")
    if client is None or not hasattr(client, "get_conversation_member"):
        return "", ""
    try:
        member = await asyncio.wait_for(client.get_conversation_member(conversation_id, user_id), MEMBER_LOOKUP_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - the lookup is a nicety; the reference is stored without it
        logger.info("member lookup failed", extra={"fields": {"error": type(exc).__name__}})
        return "", ""
    email = str(getattr(member, "email", None) or getattr(member, "user_principal_name", None) or "").lower()
    return _email(email), str(getattr(member, "name", "") or "")[:MAX_NAME_CHARS]


def _email(address: str) -> str:
    """An e-mail address, or "" when it is longer than any address can be (never cut: that would
    be someone else's)."""
    return address if len(address) <= MAX_EMAIL_CHARS else ""


async def _send(context: TurnContext, answer: Answer) -> None:
    payload = cards.reply_payload(answer)
    await context.send_activity(Activity.model_validate(payload))


async def _invoke_response(context: TurnContext, status: int, body: Any) -> None:
    await context.send_activity(
        Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=int(status), body=body))
    )


def _turn_fields(context: TurnContext) -> dict[str, Any]:
    activity = context.activity
    sender = activity.from_property if activity else None
    return {
        "activity_type": str(activity.type) if activity else "",
        "invoke": (activity.name or "") if activity and activity.type == ActivityTypes.invoke else "",
        "conversation_type": (activity.conversation.conversation_type or "") if activity and activity.conversation else "",
        "user": pseudonym(sender.aad_object_id if sender else None),
    }

