"""The Azure template (deploy/azure/main.bicep), checked without Azure.

Neither `az` nor the `bicep` CLI can be had on this machine, so the template is parsed with
pycep-parser (a Bicep grammar: a syntax error fails here) and checked structurally: the resources
a municipality needs, with API versions, a single-tenant bot with the Teams channel, secrets only
through Key Vault references, an app setting for what the app needs, every parameter used.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings

pycep = pytest.importorskip("pycep", reason="pycep-parser (dev dependency) parses the Bicep template")

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "azure" / "main.bicep"
PARAMETERS = ROOT / "deploy" / "azure" / "main.bicepparam"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return pycep.BicepParser().parse(file_path=TEMPLATE)


def resources_of(template: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    found = []
    for resource in template["resources"].values():
        if resource["type"] == type_:
            config = resource["config"]
            if "condition" in config:  # `= if (…) { … }`
                config = config["config"]
            found.append({**resource, "config": config})
    return found


def one(template: dict[str, Any], type_: str) -> dict[str, Any]:
    found = resources_of(template, type_)
    assert len(found) == 1, f"expected one {type_}, found {len(found)}"
    return found[0]


def test_every_needed_resource_is_there_with_an_api_version(template) -> None:
    needed = {
        "Microsoft.BotService/botServices",
        "Microsoft.BotService/botServices/channels",
        "Microsoft.Web/serverfarms",
        "Microsoft.Web/sites",
        "Microsoft.DBforPostgreSQL/flexibleServers",
        "Microsoft.DBforPostgreSQL/flexibleServers/databases",
        "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules",
        "Microsoft.KeyVault/vaults",
        "Microsoft.KeyVault/vaults/secrets",
        "Microsoft.Authorization/roleAssignments",
    }
    types = {resource["type"] for resource in template["resources"].values()}
    assert needed <= types, f"missing: {sorted(needed - types)}"
    for name, resource in template["resources"].items():
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}(-preview)?", resource["api_version"] or ""), name


def test_single_tenant_bot_with_the_teams_channel(template) -> None:
    bot = one(template, "Microsoft.BotService/botServices")["config"]
    assert bot["kind"] == "azurebot" and bot["location"] == "global"
    props = bot["properties"]
    assert props["msaAppType"] == "SingleTenant"
    assert props["msaAppId"] == "botAppId" and props["msaAppTenantId"] == "botTenantId"
    assert props["endpoint"].endswith("/api/messages")
    channel = one(template, "Microsoft.BotService/botServices/channels")["config"]
    assert channel["name"] == "MsTeamsChannel" and channel["properties"]["channelName"] == "MsTeamsChannel"
    assert channel["properties"]["properties"]["isEnabled"] is True


def test_linux_container_web_app_with_managed_identity_and_health_check(template) -> None:
    plan = one(template, "Microsoft.Web/serverfarms")["config"]
    assert plan["kind"] == "linux" and plan["properties"]["reserved"] is True
    site = one(template, "Microsoft.Web/sites")["config"]
    assert site["identity"]["type"] == "SystemAssigned"
    assert site["properties"]["httpsOnly"] is True
    config = site["properties"]["siteConfig"]
    assert config["linuxFxVersion"].startswith("DOCKER|")
    assert config["healthCheckPath"] == "/healthz"


def test_app_settings_cover_the_app_and_secrets_come_from_key_vault(template) -> None:
    site = one(template, "Microsoft.Web/sites")["config"]
    settings = {item["name"]: item["value"] for item in site["properties"]["siteConfig"]["appSettings"]}
    for secret in ("MICROSOFT_APP_PASSWORD", "INNKJOPSBOT_DATABASE_URL"):
        assert str(settings[secret]).startswith("${keyVaultRef}"), f"{secret} must be a Key Vault reference"
    assert "@Microsoft.KeyVault(VaultName=" in TEMPLATE.read_text(encoding="utf-8")
    needed = {"MICROSOFT_APP_ID", "MICROSOFT_APP_TENANT_ID", "INNKJOPSBOT_SYNC_SOURCE", "INNKJOPSBOT_ADMIN_EMAILS",
              "INNKJOPSBOT_MIGRATE_ON_START", "INNKJOPSBOT_HOST", "WEBSITES_PORT", "PORT"}
    assert needed <= set(settings)
    known = {f"INNKJOPSBOT_{name.upper()}" for name in Settings.model_fields}
    known |= {"MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID", "PORT"}
    for name in settings:
        assert name in known or name.startswith("WEBSITES_"), f"app setting {name} is not a setting of the app"
    # the Web App's identity may read the secrets
    roles = resources_of(template, "Microsoft.Authorization/roleAssignments")
    assert any("4633458b-17de-408a-b874-0445c86b69e6" in str(template["variables"]) and r["config"]["scope"] == "keyVault"
               for r in roles)
    # passwords are secure parameters, never plain strings with defaults
    for name in ("botAppPassword", "postgresAdminPassword"):
        parameter = template["parameters"][name]
        assert {"type": "secure"} in parameter["decorators"] and parameter["default"] is None


def test_postgres_flexible_server_with_backups_and_a_database(template) -> None:
    server = one(template, "Microsoft.DBforPostgreSQL/flexibleServers")["config"]
    backup = server["properties"]["backup"]
    assert backup["backupRetentionDays"] == "backupRetentionDays"
    database = one(template, "Microsoft.DBforPostgreSQL/flexibleServers/databases")["config"]
    assert database["properties"]["charset"] == "UTF8"


def test_parameters_have_defaults_for_names_and_region_and_are_all_used(template) -> None:
    parameters = template["parameters"]
    assert parameters["location"]["default"] == "norwayeast"
    for name in ("namePrefix", "webAppName", "postgresServerName", "keyVaultName", "botName"):
        assert parameters[name]["default"] is not None, f"{name} needs a default"
    text = TEMPLATE.read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("param ", "//", "@")))
    for name in parameters:
        assert re.search(rf"\b{name}\b", body), f"parameter {name} is declared but never used"
    for name in template["variables"]:
        assert len(re.findall(rf"\b{name}\b", text)) > 1, f"variable {name} is never used"


def test_parameters_file_sets_what_has_no_default(template) -> None:
    text = PARAMETERS.read_text(encoding="utf-8")
    assert re.search(r"^using './main.bicep'$", text, re.MULTILINE)
    assigned = set(re.findall(r"^param (\w+) =", text, re.MULTILINE))
    parameters = template["parameters"]
    assert assigned <= set(parameters), f"unknown parameters: {sorted(assigned - set(parameters))}"
    required = {name for name, p in parameters.items() if p["default"] is None}
    assert required <= assigned, f"the parameters file must set {sorted(required - assigned)}"
    assert "readEnvironmentVariable('BOT_APP_PASSWORD')" in text  # secrets are not written in the file
