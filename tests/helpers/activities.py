"""Teams-shaped activities (as the Bot Connector posts them to /api/messages)."""

from __future__ import annotations

import itertools
from typing import Any

TENANT = "11111111-2222-3333-4444-555555555555"
BOT_ID = "28:innkjopsbot-app-id"
USER_ID = "29:1abcUserId"
USER_AAD = "aaaaaaaa-0000-4000-8000-000000000001"
PERSONAL_CONVERSATION = "a:1personalConversationId"
TEAM_ID = "19:teamGeneral@thread.tacv2"
_ids = itertools.count(1)


def _base(activity_type: str, service_url: str, *, conversation_id: str = PERSONAL_CONVERSATION,
          conversation_type: str = "personal", locale: str = "nb-NO", user_id: str = USER_ID,
          user_aad: str = USER_AAD, user_name: str = "Kari Nordmann", team_id: str = "",
          bot_id: str = BOT_ID) -> dict[str, Any]:
    channel_data: dict[str, Any] = {"tenant": {"id": TENANT}}
    if team_id:
        channel_data["team"] = {"id": team_id, "name": "Innkjøp"}
        channel_data["channel"] = {"id": conversation_id}
    return {
        "type": activity_type,
        "id": f"act-{next(_ids)}",
        "timestamp": "2026-11-24T10:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user_id, "name": user_name, "aadObjectId": user_aad},
        "conversation": {"id": conversation_id, "conversationType": conversation_type, "tenantId": TENANT},
        "recipient": {"id": bot_id, "name": "Innkjøpsbot"},
        "locale": locale,
        "channelData": channel_data,
    }


def message(text: str, service_url: str, **kwargs: Any) -> dict[str, Any]:
    activity = _base("message", service_url, **kwargs)
    activity.update({"text": text, "textFormat": "plain"})
    return activity


def submit(value: dict[str, Any], service_url: str, *, reply_to: str = "card-1", **kwargs: Any) -> dict[str, Any]:
    activity = _base("message", service_url, **kwargs)
    activity.update({"value": value, "replyToId": reply_to})
    return activity


def execute(verb: str, data: dict[str, Any], service_url: str, *, reply_to: str = "card-1", **kwargs: Any) -> dict[str, Any]:
    activity = _base("invoke", service_url, **kwargs)
    activity.update({
        "name": "adaptiveCard/action",
        "replyToId": reply_to,
        "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
    })
    return activity


def compose_query(query: str | None, service_url: str, *, command_id: str = "searchAgreements", **kwargs: Any) -> dict[str, Any]:
    activity = _base("invoke", service_url, **kwargs)
    parameters = [{"name": "query", "value": query}] if query is not None else [{"name": "initialRun", "value": "true"}]
    activity.update({
        "name": "composeExtension/query",
        "value": {"commandId": command_id, "parameters": parameters, "queryOptions": {"skip": 0, "count": 25}},
    })
    return activity


def members_added(service_url: str, *, bot: bool = True, **kwargs: Any) -> dict[str, Any]:
    activity = _base("conversationUpdate", service_url, **kwargs)
    bot_id = kwargs.get("bot_id", BOT_ID)
    member = {"id": bot_id} if bot else {"id": kwargs.get("user_id", USER_ID), "aadObjectId": kwargs.get("user_aad", USER_AAD)}
    activity["membersAdded"] = [member]
    if kwargs.get("team_id"):
        activity["channelData"]["eventType"] = "teamMemberAdded"
    return activity


def members_removed(service_url: str, **kwargs: Any) -> dict[str, Any]:
    activity = _base("conversationUpdate", service_url, **kwargs)
    activity["membersRemoved"] = [{"id": kwargs.get("bot_id", BOT_ID)}]
    return activity


def installation_update(action: str, service_url: str, **kwargs: Any) -> dict[str, Any]:
    activity = _base("installationUpdate", service_url, **kwargs)
    activity["action"] = action
    return activity
