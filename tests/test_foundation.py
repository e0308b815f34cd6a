"""The foundation: settings validation, migrations on both databases, the CLI's global options."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from bot.cli import cli
from bot.db import Database
from bot.settings import SettingsError, load_settings


def test_migrations_reach_head_and_create_the_index_tables(database: Database) -> None:
    assert database.schema_revision() == Database.head_revision()
    tables = set(inspect(database.engine).get_table_names())
    assert {"agreement", "agreement_supplier", "agreement_version", "sync_run", "index_state"} <= tables


def test_migrating_twice_is_harmless(database: Database) -> None:
    database.migrate()
    assert database.schema_revision() == Database.head_revision()


def test_settings_errors_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INNKJOPSBOT_PORT", "not-a-port")
    with pytest.raises(SettingsError, match="INNKJOPSBOT_PORT"):
        load_settings()


def test_settings_refuse_an_app_id_without_its_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", "00000000-0000-0000-0000-000000000001")
    monkeypatch.delenv("MICROSOFT_APP_PASSWORD", raising=False)
    with pytest.raises(SettingsError, match="MICROSOFT_APP_PASSWORD"):
        load_settings()


def test_settings_refuse_an_unknown_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INNKJOPSBOT_DATABASE_URL", "mysql://x")
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings()


def test_admin_lists_read_from_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INNKJOPSBOT_ADMIN_EMAILS", "a@x.no, b@x.no")
    assert load_settings().admin_emails == ["a@x.no", "b@x.no"]


def test_cli_rejects_a_malformed_as_of_with_usage_status(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["--as-of", "24.11.2026", "migrate", "--database", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_cli_global_options_work_after_the_command(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["migrate", "--json", "--database", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 0, result.output
    assert f'"after": "{Database.head_revision()}"' in result.output
