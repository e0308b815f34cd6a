"""`innkjopsbot ask` answers exactly as the bot does; `insights` lists what the bot could not answer."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli import cli
from bot.conversation import store
from bot.db import Database
from conftest import AS_OF, postgres_url_for


def _run(database: Database, *args: str) -> tuple[int, str]:
    if database.engine.dialect.name == "postgresql":
        url = postgres_url_for(database)
    else:
        url = database.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), *args])
    return result.exit_code, result.output


def test_ask_prints_the_text_and_the_card_with_json(database: Database) -> None:
    code, out = _run(database, "ask", "hjelp")
    assert code == 0 and out.startswith("Dette kan jeg hjelpe med")
    code, out = _run(database, "--json", "ask", "--locale", "en-US", "help")
    payload = json.loads(out)
    assert code == 0 and payload["kind"] == "help" and payload["card"]["version"] == "1.5"
    assert payload["text"].startswith("What I can help with")


def test_ask_follow_ups_share_one_conversation(database: Database) -> None:
    code, out = _run(database, "--json", "ask", "hvem kan signere en kontrakt på 800 000 kr for konsulenttjenester?",
                     "og for 6 mill?")
    first, second = json.loads(out)
    assert code == 0
    assert first["data"]["value_nok_excl_vat"] == 800_000 and second["data"]["value_nok_excl_vat"] == 6_000_000


def test_ask_refuses_an_empty_question(database: Database) -> None:
    code, out = _run(database, "ask", "  ")
    assert code == 1 and out.startswith("Feil: tomt spørsmål: skriv hva du leter etter")
    code, out = _run(database, "--lang", "en", "ask", "  ")
    assert code == 1 and out.startswith("Error: empty question: write what you are looking for")


def test_insights_lists_logged_questions(database: Database) -> None:
    with database.session() as session:
        store.log_question(session, "dronefoto", "no_agreement", AS_OF)
        store.log_question(session, "dronefoto", "no_agreement", AS_OF)
        store.record_feedback(session, helpful=False, query="lydbøker", kind="agreement")
    code, out = _run(database, "insights")
    assert code == 0 and out.startswith("3 loggførte spørsmål:\n")
    assert "ikke nyttig" in out and "ingen avtale    dronefoto" in out and "Spurt mer enn én gang:\n  2×  dronefoto" in out
    code, out = _run(database, "--json", "insights", "--kind", "negative_feedback")
    assert [row["text"] for row in json.loads(out)] == ["lydbøker"]
    code, out = _run(database, "insights", "--since", "24.11.2026")
    assert code == 2


def test_serve_and_ask_have_help_with_examples() -> None:
    for command in ("ask", "serve", "insights"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0 and "innkjopsbot " + command in result.output
