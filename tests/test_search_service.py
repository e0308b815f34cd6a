"""SearchService over a real database (SQLite and PostgreSQL), background rebuilds, CLI, cards."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from agreements_sync.index import current_index_version
from agreements_sync.sync import sync_export
from bot.cli import cli
from bot.db import Database
from bot.search import SearchService
from bot.search.render import category_answer, search_answer
from tests.conftest import AS_OF, postgres_url_for

HELDOUT = Path(__file__).parent / "data" / "search" / "queries-heldout.csv"


def _url(database: Database) -> str:
    return postgres_url_for(database) if database.schema else database.url


@pytest.fixture
def synced(database: Database, reference_register: Path) -> Database:
    assert sync_export(database.engine, reference_register, as_of=AS_OF).ok
    return database


def _register_with_extra_agreement(reference: Path, target: Path) -> Path:
    """The reference export plus one new agreement (aquarium service)."""
    with reference.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, body = rows[0], rows[1:]
    template = next(r for r in body if r[0] == "LK-2024-162")
    extra = list(template)
    extra[0], extra[1], extra[2] = "LK-2026-099", "Akvarieservice", "Akvarier"
    extra[3] = "Rengjøring og vedlikehold av akvarier i barnehager og sykehjem."
    extra[4] = "akvarium, fisketank"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([*body, extra])
    target.write_text("\ufeff" + out.getvalue(), encoding="utf-8")
    return target


def test_service_answers_from_the_database(synced: Database) -> None:
    service = SearchService(synced, start=False)
    assert not service.ready
    service.refresh()
    assert service.ready and service.version == current_index_version(synced.engine)
    result = service.search("rotter i kjelleren", AS_OF)
    assert result.ids[0] == "LK-2024-162" and not result.no_active_agreement
    hit = result.hits[0]
    assert hit.suppliers and hit.suppliers[0]["org_number"].isdigit()
    assert hit.owner_name and hit.document_url.startswith("https://")
    vinter = [h.id for h in service.category("Vinterdrift", AS_OF)]
    assert {"LK-2023-084", "LK-2023-095", "LK-2024-111", "LK-2024-134"} <= set(vinter)


def test_index_is_rebuilt_in_the_background_after_a_sync(synced: Database, reference_register: Path, tmp_path: Path) -> None:
    service = SearchService(synced, check_interval=0.0, start=False)
    service.refresh()
    old_version = service.version
    assert not service.search("akvarium", AS_OF).hits  # the register has no aquarium

    changed = _register_with_extra_agreement(reference_register, tmp_path / "register.csv")
    report = sync_export(synced.engine, changed, as_of=AS_OF)
    assert report.ok and report.added == 1
    # the question right after the sync is answered at once from the old index …
    first = service.search("akvarium", AS_OF)
    assert first.index_version == old_version and not first.hits
    # … while the new index is built in the background and swapped in
    service.wait_idle()
    second = service.search("akvarium til barnehagen", AS_OF)
    assert second.index_version == current_index_version(synced.engine) != old_version
    assert second.ids[0] == "LK-2026-099"


def test_background_start_makes_the_service_ready(synced: Database) -> None:
    service = SearchService(synced)  # builds in a background thread
    service.wait_idle()
    assert service.ready
    assert service.search("kopipapir", AS_OF).ids[0] == "LK-2024-033"


def test_card_for_a_hit(synced: Database) -> None:
    service = SearchService(synced, start=False)
    service.refresh()
    result = service.search("brøyting av kommunale veier", AS_OF)
    answer = search_answer(result, "nb", AS_OF)
    assert answer.kind == "agreement"
    card = answer.card
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    dumped = json.dumps(card, ensure_ascii=False)
    for expected in ("Snøtjenester Nord AS", "Vintervei Entreprenør AS", "14. okt. 2028", "Maks sluttdato",
                     "Avtaleeier", "Innkjøpsrådgiver", "avtaledokument.pdf", "Hvorfor", "parallelle avtaler"):
        assert expected in dumped, expected
    verbs = [a.get("data", {}).get("verb") for a in card["actions"]]
    assert "search.category" in verbs and "feedback" not in verbs  # the conversation adds "was this helpful?"
    category_action = next(a for a in card["actions"] if a.get("data", {}).get("verb") == "search.category")
    assert category_action["type"] == "Action.Submit" and category_action["data"]["category"] == "Vinterdrift"
    english = search_answer(service.search("office chairs", AS_OF), "en", AS_OF)
    assert "Final end date" in json.dumps(english.card) and "Kontormøbler" in english.text
    listing = category_answer(service, "Vinterdrift", AS_OF, "nb")
    assert {"LK-2023-084", "LK-2024-111"} <= set(listing.data["ids"])


def test_card_for_no_active_agreement(synced: Database) -> None:
    service = SearchService(synced, start=False)
    service.refresh()
    answer = search_answer(service.search("bedriftshelsetjeneste", AS_OF), "nb", AS_OF,
                           procurement_email="innkjop@kommune.example")
    assert answer.kind == "no_active_agreement"
    assert "Ny konkurranse pågår" in answer.text and "LK-2026-005" in answer.text
    assert "innkjop@kommune.example" in answer.text
    what_now = next(a for a in answer.card["actions"] if a.get("data", {}).get("verb") == "authority.start")
    assert what_now["title"] == "Hva gjør jeg nå?" and what_now["data"]["query"] == "bedriftshelsetjeneste"
    nothing = search_answer(service.search("tannlegetjenester", AS_OF), "en", AS_OF, procurement_email="p@k.example")
    assert nothing.kind == "no_agreement" and "no active agreement" in nothing.text
    assert any(a.get("data", {}).get("verb") == "authority.start" for a in nothing.card["actions"])


def test_cli_batch_writes_one_json_line_per_question(synced: Database) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["--database", _url(synced), "--as-of", "2026-11-24", "search", "--batch"],
        input="toner til HP-printer\n\nbedriftshelsetjeneste\nbrøyting kommunale veier\n",
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["query"] for line in lines] == ["toner til HP-printer", "bedriftshelsetjeneste", "brøyting kommunale veier"]
    assert lines[0]["ids"][0] == "LK-2024-018" and lines[0]["no_active_agreement"] is False
    assert lines[1] == {"query": "bedriftshelsetjeneste", "ids": [], "no_active_agreement": True}
    assert set(lines[2]["ids"][:2]) == {"LK-2023-084", "LK-2023-095"}


def test_cli_search_json_and_usage_errors(synced: Database) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--database", _url(synced), "--as-of", "2026-11-24", "--json", "search", "--limit", "2", "iPad til elev"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["ids"][0] == "LK-2024-169" and len(payload["hits"]) <= 2
    assert runner.invoke(cli, ["--database", _url(synced), "search"]).exit_code == 2


def test_cli_search_eval_reports_accuracy(synced: Database) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--database", _url(synced), "--as-of", "2026-11-24", "--json", "search-eval", str(HELDOUT)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["questions"] >= 60 and payload["top1"] >= 0.9
    assert {"top3", "no_active_precision", "no_active_recall", "misses"} <= set(payload)


def test_cli_on_an_empty_database(database: Database, reference_register: Path) -> None:
    runner = CliRunner()
    refused = runner.invoke(cli, ["--database", _url(database), "search", "kopipapir"])
    assert refused.exit_code == 1 and "Feil: avtaleindeksen er tom" in refused.output
    result = runner.invoke(cli, ["--database", _url(database), "--as-of", "2026-11-24", "search", "--register",
                                 str(reference_register), "kopipapir"])
    assert result.exit_code == 0, result.output
    assert "LK-2024-033" in result.output
