"""Hypothesis strategies for hostile HTTP requests to every route of the bot (issue 13).

Used by tests/test_fuzz_routes.py (no 5xx, no internal error, /healthz answers throughout) and by
benchmarks/bench_fuzz.py (the latency of the same requests). The routes are read from the aiohttp
app's router, so a route added later is fuzzed without touching this file; the card-action verbs
are read from the areas (`services.areas.card_action_prefixes()`).

A request is a `FuzzRequest(method, path, headers, body)`. `/api/messages` gets Teams-shaped
activities (message, Action.Execute, Action.Submit, compose-box query, install, unknown invoke)
with up to four fields replaced by arbitrary JSON, long text or huge numbers, and now and then raw
bytes; other routes get their path parameters and query strings filled with hostile text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web
from hypothesis import strategies as st

MESSAGES = "/api/messages"
TENANT = "11111111-2222-3333-4444-555555555555"


@dataclass(frozen=True)
class FuzzRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None
    route: str = ""  # the route's template ("/courses/{course_id}.ics"), for the benchmark's tally

    def __repr__(self) -> str:  # hypothesis prints the falsifying example: keep it readable
        body = (self.body or b"")[:300]
        return f"FuzzRequest({self.method} {self.path[:200]!r}, {len(self.body or b'')} bytes: {body!r})"


def routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, path template) of every route the app serves, e.g. ("GET", "/courses/{course_id}.ics")."""
    found = []
    for route in app.router.routes():
        if route.method in ("HEAD", "*"):
            continue
        info = route.resource.get_info() if route.resource is not None else {}
        template = info.get("path") or info.get("formatter")
        if template:
            found.append((route.method, template))
    return sorted(set(found))


# --- values ------------------------------------------------------------------------------------------

_leaf = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**18, max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
)
json_values = st.recursive(
    _leaf, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=15,
)
long_text = st.builds(lambda char, n: char * n, st.sampled_from(["x", "9", "æ", " ", "[", "\u200b", "\x00", "=", "<"]),
                      st.integers(min_value=0, max_value=60_000))
hostile_text = st.text(max_size=300) | long_text | st.sampled_from([
    "", "hjelp", "har vi avtale på kontorstoler?", "Hvem kan signere en kontrakt på 800 000 kr?", "skriv nynorsk",
    "kurs", "varsler", "9" * 5000, "=cmd|' /C calc'!A0", "[klikk](javascript:alert(1))", "\ud7ff" * 100, "🙂" * 500,
])
any_value = json_values | hostile_text | long_text


def _base(kind: str, service_url: str, verb: str) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": "message", "id": "fuzz-1", "serviceUrl": service_url, "channelId": "msteams",
        "from": {"id": "29:fuzzUser", "name": "Kari Nordmann", "aadObjectId": "aaaaaaaa-0000-4000-8000-00000000f022"},
        "conversation": {"id": "a:fuzzConversation", "conversationType": "personal", "tenantId": TENANT},
        "recipient": {"id": "28:innkjopsbot-app-id", "name": "Innkjøpsbot"}, "locale": "nb-NO",
        "channelData": {"tenant": {"id": TENANT}},
    }
    if kind == "message":
        activity.update(text="hjelp", textFormat="plain")
    elif kind == "submit":
        activity.update(value={"verb": verb, "q": "kontorstol", "question": "møbler for 350 000 kr"}, replyToId="card-1")
    elif kind == "execute":
        activity.update(type="invoke", name="adaptiveCard/action", replyToId="card-1",
                        value={"action": {"type": "Action.Execute", "verb": verb,
                                          "data": {"q": "toner", "question": "møbler", "course_id": 1, "helpful": True}},
                               "trigger": "manual"})
    elif kind == "compose":
        activity.update(type="invoke", name="composeExtension/query",
                        value={"commandId": "searchAgreements", "parameters": [{"name": "query", "value": "stol"}]})
    elif kind == "install":
        activity.update(type="conversationUpdate", membersAdded=[{"id": "28:innkjopsbot-app-id"}])
    elif kind == "installation":
        activity.update(type="installationUpdate", action="add")
    else:
        activity.update(type="invoke", name="task/fetch", value={})
    return activity


FIELDS = [
    "text", "value", "channelData", "entities", "locale", "name", "type", "action", "replyToId", "textFormat",
    "from", "from.name", "from.id", "from.aadObjectId", "conversation", "conversation.id", "conversation.tenantId",
    "conversation.conversationType", "recipient", "recipient.id", "channelData.team", "channelData.tenant",
    "channelData.team.id", "value.action", "value.action.verb", "value.action.data", "value.action.data.q",
    "value.action.data.question", "value.action.data.course_id", "value.parameters", "value.verb", "value.q",
    "value.question", "membersAdded", "membersRemoved", "attachments", "serviceUrl",
]


def _put(activity: dict[str, Any], path: str, value: Any) -> None:
    node: Any = activity
    keys = path.split(".")
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[keys[-1]] = value


@st.composite
def activity_bodies(draw: st.DrawFn, service_url: str, verbs: list[str]) -> bytes:
    if draw(st.integers(0, 19)) == 0:  # now and then: not an activity at all
        return draw(st.binary(max_size=2000) | st.sampled_from([b"", b"{", b"[]", b"null", b'"x"', b"\xff\xfe{}"]))
    verb = draw(st.sampled_from(verbs) | st.text(max_size=40))
    kind = draw(st.sampled_from(["message", "submit", "execute", "compose", "install", "installation", "other"]))
    activity = _base(kind, service_url, verb)
    for _ in range(draw(st.integers(0, 4))):
        _put(activity, draw(st.sampled_from(FIELDS)), draw(any_value))
    return json.dumps(activity, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


@st.composite
def route_requests(draw: st.DrawFn, method: str, template: str) -> FuzzRequest:
    """A request to a route other than /api/messages: its {parameters} and query string hostile."""
    def fill(match: re.Match[str]) -> str:
        value = draw(st.text(alphabet="0123456789", min_size=1, max_size=6000) | hostile_text.filter(bool))
        return quote(str(value)[:6000], safe="")

    path = _PARAMETER.sub(fill, template)
    if draw(st.booleans()):
        query = draw(st.dictionaries(st.sampled_from(["t", "q", "id", "format", "x"]), hostile_text, max_size=3))
        path += "?" + "&".join(f"{quote(k)}={quote(str(v)[:6000], safe='')}" for k, v in query.items())
    chosen = method if draw(st.integers(0, 4)) else draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]))
    body = draw(st.none() | st.binary(max_size=500)) if chosen != "GET" else None
    content_type = draw(st.sampled_from(["application/json", "text/plain", ""]))
    return FuzzRequest(chosen, path, {"Content-Type": content_type} if content_type else {}, body, route=template)


def message_requests(service_url: str, verbs: list[str]) -> st.SearchStrategy[FuzzRequest]:
    content_type = st.sampled_from(["application/json", "application/json", "application/json; charset=utf-8",
                                    "text/plain", ""])
    return st.builds(lambda body, ct: FuzzRequest("POST", MESSAGES, {"Content-Type": ct} if ct else {}, body, route=MESSAGES),
                     activity_bodies(service_url, verbs), content_type)


def all_requests(app: web.Application, service_url: str, verbs: list[str]) -> st.SearchStrategy[FuzzRequest]:
    """Every route: /api/messages gets about half of the examples, the other routes share the rest."""
    others = [route_requests(method, template) for method, template in routes(app) if template != MESSAGES]
    messages = message_requests(service_url, verbs)
    return st.one_of(*([messages] * len(others)), *others)


def verbs_of(prefixes: list[str]) -> list[str]:
    """Verbs to try: each area's prefix, and a made-up action under it."""
    return sorted({*prefixes, *(f"{p}.x" for p in prefixes), "authority.start", "authority.clarify", "search.query",
                   "search.category", "course.signup", "alert.snooze", "announce.preview"})
