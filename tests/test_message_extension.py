"""The compose-box search's answer (bot/teams/message_extension.py), without HTTP."""

from __future__ import annotations

import datetime as dt
import json

from agreements_sync.models import Agreement
from bot.db import Database
from bot.services import Services
from bot.teams.message_extension import query_response, query_text
from conftest import AS_OF
from helpers.agreements import seed_agreements
from helpers.bot_server import bot_settings


def test_the_card_shows_the_status_on_the_day_not_the_one_the_register_exported(database: Database) -> None:
    seed_agreements(database)
    with database.session() as session:  # the export still says "active", but the end date has passed
        agreement = session.get(Agreement, "RA-201")
        agreement.status, agreement.end_date, agreement.final_end_date = "active", AS_OF - dt.timedelta(days=1), None
    services = Services(settings=bot_settings(), database=database, as_of=AS_OF)
    body = query_response(services, "nb", "toner")
    [toner] = body["composeExtension"]["attachments"]
    assert toner["preview"]["content"]["text"].startswith("Staples Norge AS · utløpt")
    assert "utløpt" in json.dumps(toner["content"], ensure_ascii=False)
    assert "tap" not in toner["preview"]["content"]  # choosing it inserts the card; no selectItem round trip
    nynorsk = query_response(services, "nn", "kontorstol")["composeExtension"]["attachments"][0]
    assert "aktiv" in nynorsk["preview"]["content"]["text"]


def test_the_query_text_with_or_without_the_parameter_name() -> None:
    assert query_text({"parameters": [{"name": "query", "value": " toner "}]}) == "toner"
    assert query_text({"parameters": [{"name": "initialRun", "value": "true"}]}) == ""
    assert query_text({"parameters": [{"value": "toner"}]}) == "toner"  # a client that does not name it
    assert query_text({"parameters": "x"}) is None and query_text(None) is None


def test_compose_box_results_go_through_card_safety(database: Database) -> None:
    from agreements_sync.limits import MAX_CARD_BYTES

    seed_agreements(database)
    with database.session() as session:  # hostile register text: a markdown link, a javascript: link, 10 KB of text
        agreement = session.get(Agreement, "RA-201")
        agreement.title = "Toner [Bestill her](https://evil.example) " + "t" * 290
        agreement.ordering = "Bestill her: [klikk](javascript:alert(1)) " + "o" * 100_000
        agreement.document_url = "javascript:alert(1)"
    services = Services(settings=bot_settings(), database=database, as_of=AS_OF)
    [toner] = query_response(services, "nb", "toner")["composeExtension"]["attachments"]
    content = json.dumps(toner["content"], ensure_ascii=False)
    assert "](https://evil.example)" not in content and "](javascript:" not in content
    assert "javascript:" not in json.dumps(toner["content"].get("actions", []))
    assert len(content.encode()) <= MAX_CARD_BYTES
    preview = toner["preview"]["content"]
    assert "](https://evil.example)" not in preview["title"] and len(preview["title"]) <= 300
