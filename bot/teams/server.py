"""The bot's web application: `create_app(settings, services=None) -> aiohttp.web.Application`.

The single factory — nothing is built at import time, so tests and the CLI can make as many
apps as they like, each with its own database:

- Services (database, as_of …) from the settings, unless given;
- Agents SDK 1.9.0: `MsalConnectionManager(**load_configuration_from_env(env))` with the env
  built from *our* validated Settings (not os.environ), `CloudAdapter`, one
  `AgentApplication[TurnState]` with decorated handlers (bot/teams/agent.py);
- `POST /api/messages`: oversized bodies → 413 before anything else; with an app id + secret,
  every request's JWT is validated (`bot.authentication`: signature, audience, issuer, and the
  token's serviceurl claim bound to the activity's serviceUrl) → 401 otherwise. Without
  credentials it runs anonymous (local development), logs a loud WARNING at start and answers
  only at the development service URLs (403 otherwise). Malformed JSON, non-object bodies, unknown
  activity types, activities without conversation or serviceUrl, ids longer than their columns
  (agreements_sync.limits.ACTIVITY_ID_CHARS) → 400 before the SDK sees them;
- the scheduler (bot/scheduler.py) started and stopped with the app when it is enabled;
- `GET /healthz` (process alive), `GET /readyz` (can answer: database reachable, search index
  loaded and at least one agreement synced; 503 otherwise), `GET /metrics` (Prometheus, a registry per app).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes, load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import start_agent_process
from microsoft_agents.hosting.core.authorization import AccessTokenProviderBase, AgentAuthConfiguration, Connections
from microsoft_agents.hosting.core.authorization.connection_manager import ConnectionManager
from pydantic import ValidationError

from agreements_sync.limits import ACTIVITY_ID_CHARS
from bot import authentication
from bot.db import Database
from bot.logging import configure_logging, pseudonym
from bot.metrics import Metrics
from bot.scheduler import scheduler_cleanup_ctx
from bot.services import Services
from bot.settings import Settings
from bot.teams.agent import build_agent

logger = logging.getLogger("bot.server")

SERVICES_KEY = web.AppKey("services", Services)
METRICS_KEY = web.AppKey("metrics", Metrics)
WARMUP_KEY = web.AppKey("warmup", asyncio.Task)
ACTIVITY_KEY = web.RequestKey("activity", Activity)
KNOWN_ACTIVITY_TYPES = frozenset(t.value for t in ActivityTypes)

ProviderFactory = Callable[[AgentAuthConfiguration], AccessTokenProviderBase]


def sdk_environment(settings: Settings) -> dict[str, str]:
    """The SDK's configuration keys (CONNECTIONS__SERVICE_CONNECTION__SETTINGS__…) from our Settings."""
    prefix = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
    if settings.anonymous:
        return {f"{prefix}ANONYMOUS_ALLOWED": "true"}
    env = {
        # The SDK checks the token's issuer only on request: accept the Bot Framework service and
        # Entra ID of our own tenant (its default allow-list), nothing else.
        f"{prefix}VALIDATE_ISSUER": "true",
        f"{prefix}AUTHTYPE": "ClientSecret",
        f"{prefix}CLIENTID": settings.app_id,
        f"{prefix}CLIENTSECRET": settings.app_password,
    }
    if settings.app_tenant_id:
        env[f"{prefix}TENANTID"] = settings.app_tenant_id
    return env


def connection_manager_for(settings: Settings, provider_factory: ProviderFactory | None = None) -> Connections:
    """MSAL in production; tests pass `provider_factory` to mint outbound tokens offline."""
    configuration = load_configuration_from_env(sdk_environment(settings))
    if provider_factory is not None:
        return ConnectionManager(provider_factory=provider_factory, **configuration)
    return MsalConnectionManager(**configuration)


def create_app(
    settings: Settings,
    services: Services | None = None,
    *,
    token_provider_factory: ProviderFactory | None = None,
    configure_logs: bool = False,
    with_scheduler: bool = True,
) -> web.Application:
    if configure_logs:
        configure_logging(settings.log_level, settings.log_json)
    if settings.anonymous:  # the SDK warns on every anonymous turn; we warn once, loudly, at start
        logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(logging.ERROR)
    owns_database = services is None
    if services is None:
        services = Services(settings=settings, database=Database(settings.database_url))
    metrics = Metrics()
    connection_manager = connection_manager_for(settings, token_provider_factory)
    agent_app, adapter = build_agent(services, metrics, connection_manager)

    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[_guard(settings, metrics)])
    app[SERVICES_KEY] = services
    app[METRICS_KEY] = metrics
    with warnings.catch_warnings():  # the SDK's documented (string) keys
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        app["agent_configuration"] = connection_manager.get_default_connection_configuration()
        app["agent_app"] = agent_app
        app["adapter"] = adapter

    async def messages(request: web.Request) -> web.StreamResponse:
        activity = request[ACTIVITY_KEY]
        identity = request.get(CLAIMS_KEY)
        if identity is not None and not authentication.service_url_matches_claim(identity, activity.service_url or ""):
            metrics.rejected.labels("service_url").inc()
            return _error(401, "serviceUrl does not match the token")
        if identity is None and not authentication.dev_service_url_allowed(
            activity.service_url or "", settings, own_port=_own_port(request)
        ):
            metrics.rejected.labels("dev_service_url").inc()
            return _error(403, "anonymous mode answers only at the service URLs of INNKJOPSBOT_DEV_SERVICE_URLS")
        response = await start_agent_process(request, agent_app, adapter)
        return response if response is not None else web.Response(status=202)

    # The JWT is checked first (bot.authentication), then the body is parsed.
    endpoint = _wrap(_parse_first(settings, metrics), messages)
    if not settings.anonymous:
        endpoint = _authenticated(endpoint, connection_manager.get_default_connection_configuration(), metrics)
    app.router.add_post("/api/messages", endpoint)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    app.router.add_get("/metrics", _metrics)
    services.areas.add_web_routes(app, services)  # e.g. /courses/<id>.ics, the course card's invitation

    async def on_startup(_app: web.Application) -> None:
        if settings.anonymous:
            logger.warning(
                "NO BOT CREDENTIALS (MICROSOFT_APP_ID / MICROSOFT_APP_PASSWORD): running ANONYMOUS — "
                "requests to /api/messages are NOT authenticated. Local development only.",
                extra={"fields": {"anonymous": True}},
            )
        if owns_database and settings.migrate_on_start:
            await asyncio.to_thread(services.database.migrate)
        _app[WARMUP_KEY] = asyncio.create_task(_warm_up(services))

    async def on_cleanup(_app: web.Application) -> None:
        task = _app.get(WARMUP_KEY)
        if task is not None and not task.done():
            task.cancel()
        if owns_database:
            services.database.dispose()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    if with_scheduler:  # scheduled jobs (sync, alerts, reminders, outbox); off with INNKJOPSBOT_SCHEDULER_ENABLED=false
        app.cleanup_ctx.append(scheduler_cleanup_ctx(services))
    return app


# --- request guard: size, JSON, activity shape -------------------------------------------------


def _guard(settings: Settings, metrics: Metrics) -> Any:
    @web.middleware
    async def guard(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        if request.path != "/api/messages":
            return await handler(request)
        started = time.perf_counter()
        if request.content_length is not None and request.content_length > settings.max_body_bytes:
            metrics.rejected.labels("too_large").inc()
            return _error(413, f"request body larger than {settings.max_body_bytes} bytes")
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status == 413:
                metrics.rejected.labels("too_large").inc()
                return _error(413, f"request body larger than {settings.max_body_bytes} bytes")
            raise
        except Exception:
            metrics.errors.labels("request").inc()
            logger.exception("request failed")
            return _error(500, "internal error")
        finally:
            metrics.latency.observe(time.perf_counter() - started)
        activity = request.get(ACTIVITY_KEY)
        fields = {
            "status": response.status,
            "duration_ms": round(1000 * (time.perf_counter() - started), 1),
            "activity_type": str(activity.type) if activity is not None else "",
            "invoke": (activity.name or "") if activity is not None and activity.type == "invoke" else "",
            "user": pseudonym(activity.from_property.aad_object_id) if activity is not None and activity.from_property else "",
        }
        logger.log(logging.INFO if response.status < 400 else logging.WARNING,
                   "turn" if response.status < 400 else "request refused", extra={"fields": fields})
        return response

    return guard


def _parse_first(settings: Settings, metrics: Metrics) -> Callable[[web.Request], Awaitable[tuple[str, int, str] | None]]:
    async def parse(request: web.Request) -> tuple[str, int, str] | None:
        problem = await _parse_activity(request, settings)
        if problem is not None:
            metrics.rejected.labels(problem[0]).inc()
        else:
            metrics.turns.labels(str(request[ACTIVITY_KEY].type)).inc()
        return problem

    return parse


def _wrap(
    parse: Callable[[web.Request], Awaitable[tuple[str, int, str] | None]],
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        problem = await parse(request)
        if problem is not None:
            return _error(problem[1], problem[2])
        return await handler(request)

    return endpoint


async def _parse_activity(request: web.Request, settings: Settings) -> tuple[str, int, str] | None:
    """(reason, status, message) when the body is not an acceptable activity; else None
    (the parsed Activity is left in request[ACTIVITY_KEY])."""
    content_type = request.content_type or ""
    if content_type and "json" not in content_type:
        return "content_type", 415, "Content-Type must be application/json"
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return "too_large", 413, f"request body larger than {settings.max_body_bytes} bytes"
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "malformed_json", 400, "body is not valid JSON"
    if not isinstance(body, dict):
        return "not_an_object", 400, "body must be a JSON object (an activity)"
    activity_type = body.get("type")
    if not isinstance(activity_type, str) or not activity_type:
        return "no_type", 400, "activity has no type"
    if activity_type not in KNOWN_ACTIVITY_TYPES:
        return "unknown_type", 400, "unknown activity type"
    conversation = body.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str) or not conversation["id"]:
        return "no_conversation", 400, "activity has no conversation.id"
    service_url = body.get("serviceUrl")
    if not isinstance(service_url, str) or urlsplit(service_url).scheme not in ("http", "https") or not urlsplit(service_url).netloc:
        return "no_service_url", 400, "activity has no valid serviceUrl"
    too_long = _bound_ids_and_names(body)
    if too_long is not None:
        return "too_long", 400, f"activity field {too_long} is longer than {ACTIVITY_ID_CHARS[too_long]} characters"
    try:
        activity = Activity.model_validate(body)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})[:5]
        return "invalid_activity", 400, "invalid activity fields: " + ", ".join(fields)
    request[ACTIVITY_KEY] = activity
    return None


def _bound_ids_and_names(body: dict[str, Any]) -> str | None:
    """The edge's bound on the ids an activity names (agreements_sync.limits): the first id longer
    than its column, or None. The request is then refused: a cut id would be someone else's.
    (Display names are cut where the activity becomes plain values: bot.teams.agent.user_of.)
    Values of other types are left for the model to judge."""
    for path, limit in ACTIVITY_ID_CHARS.items():
        value = _dig(body, path)
        if isinstance(value, str) and len(value) > limit:
            return path
    return None


def _dig(body: dict[str, Any], path: str) -> Any:
    node: Any = body
    for key in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


CLAIMS_KEY = "claims_identity"  # where the SDK's adapter reads the verified claims (a string key)


def _authenticated(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    configuration: AgentAuthConfiguration,
    metrics: Metrics,
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        try:
            identity = await authentication.validate(request.headers.get("Authorization"), configuration)
        except authentication.Unauthorised as refused:
            metrics.rejected.labels(refused.reason).inc()
            return _error(401, "invalid token or authentication failed")
        with warnings.catch_warnings():  # the SDK's documented (string) key
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            request[CLAIMS_KEY] = identity
        return await handler(request)

    return endpoint


def _own_port(request: web.Request) -> int | None:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return sockname[1] if isinstance(sockname, tuple) and len(sockname) >= 2 else None


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


# --- health, readiness, metrics ----------------------------------------------------------------


async def _warm_up(services: Services) -> None:
    """Build the search index in the background so the first question does not wait for it."""
    try:
        service = await asyncio.to_thread(services.search)
        await asyncio.to_thread(service.search, "kontorrekvisita", services.today(), limit=1)
        services.search_ready = True
    except Exception:
        logger.exception("search index could not be loaded")


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _readyz(request: web.Request) -> web.Response:
    """Ready means "can answer": the database answers, the search index is built, and the
    agreement index is not empty (before the first sync every question would get "no agreement")."""
    services = request.app[SERVICES_KEY]
    database = await asyncio.to_thread(services.database.ping)
    index = services.search_ready
    agreements = await asyncio.to_thread(_agreement_count, services) if database else 0
    ready = database and index and agreements > 0
    return web.json_response({"status": "ready" if ready else "not ready", "database": database, "search_index": index,
                              "agreements": agreements}, status=200 if ready else 503)


def _agreement_count(services: Services) -> int:
    from sqlalchemy import func, select

    from agreements_sync.models import Agreement

    try:
        with services.database.session() as session:
            return int(session.execute(select(func.count()).select_from(Agreement)).scalar_one())
    except Exception:  # not ready is the answer, whatever the database says
        logger.warning("agreement count failed", exc_info=True)
        return 0


async def _metrics(request: web.Request) -> web.Response:
    metrics = request.app[METRICS_KEY]
    return web.Response(body=metrics.render(), headers={"Content-Type": metrics.content_type})
