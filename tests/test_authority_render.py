"""The answer: short first, details on request, follow-up cards with choices; nb and en."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from agreements_sync.i18n import strings
from bot.authority import analyse
from bot.authority.render import CLARIFY_VERB, DETAILS_ID, authority_answer
from bot.cli import cli
from tests.conftest import AS_OF


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_band_answer_short_first_with_details_on_request() -> None:
    answer = authority_answer(analyse("ombygging av kjøkkenet for ca 900 000 kr", AS_OF), "nb")
    assert answer.kind == "authority"
    assert answer.text.startswith("Innkjøpsseksjonen gjennomfører en konkurranse sammen med enheten.")
    assert "bånd" not in answer.text.lower()  # the band letter only in the details, with its explanation
    assert "Kommunalsjef" in answer.text and "Spør minst 3 leverandører." in answer.text
    assert "Seriøsitetskrav" in answer.text
    assert "innkjop@lorenskog.kommune.example" in answer.text
    card = answer.card
    assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"
    details = next(n for n in _walk(card) if n.get("id") == DETAILS_ID)
    assert details["isVisible"] is False
    detail_text = json.dumps(details, ensure_ascii=False)
    assert "Nasjonal terskelverdi" in detail_text and "gyldig fra 6. apr. 2018" in detail_text and "FOA § 5-1" in detail_text
    toggle = card["actions"][0]
    assert toggle == {"type": "Action.ToggleVisibility", "title": "Vis detaljer", "targetElements": [DETAILS_ID]}
    assert answer.data["band"] == "C"


def test_english_answer() -> None:
    answer = authority_answer(analyse("hvem kan signere en kontrakt på 3 mill for konsulenttjenester?", AS_OF), "en")
    assert answer.text.startswith("The procurement section announces a competition in Doffin and TED")
    assert "NOK 3,000,000" in answer.text and "Notice in TED" in answer.text


@pytest.mark.parametrize(("lang", "sentence"), [
    ("nb", "Kommunedirektøren må godkjenne kjøpet; kommunalsjefen signerer kontrakten."),
    ("nn", "Kommunedirektøren må godkjenne kjøpet; kommunalsjefen signerer kontrakten."),
    ("en", "must approve the purchase; the kommunalsjef signs the contract."),
])
def test_an_approver_other_than_the_signer_is_named_apart(lang: str, sentence: str) -> None:
    """Over 4 years the chief municipal executive approves and the band's signer signs: the card
    names both, not "the signer approves and signs"."""
    answer = authority_answer(analyse("Serviceavtale på renseanlegget, 200 000 i året i 5 år. Hvem må godkjenne?", AS_OF), lang)
    assert sentence in answer.text


def test_band_a_says_the_matrix_has_no_lead_time() -> None:
    answer = authority_answer(analyse("rådgivning for 50 000", AS_OF), "nb")
    assert "Direktekjøp har ingen fast ledetid." in answer.text


def test_framework_answer() -> None:
    def find(text, as_of):
        return [("LK-2024-069", "Oppdrag over 500 000 kr tildeles etter minikonkurranse", "IT-konsulenttjenester")]

    answer = authority_answer(analyse("IT-konsulent for 800 000", AS_OF, find_agreements=find), "nb")
    assert answer.text.startswith("Bruk rammeavtalen (LK-2024-069)")
    assert "kommunalsjef" in answer.text and "minikonkurranse" in answer.text


def test_kind_question_card_offers_each_kind() -> None:
    result = analyse("Vi skal bruke ca 400 000 kr, hvilke regler gjelder?", AS_OF)
    answer = authority_answer(result, "nb")
    assert answer.kind == "clarify"
    submits = [n for n in _walk(answer.card) if n.get("type") == "Action.Submit"]
    assert {s["data"]["value"] for s in submits} == {"varer", "tjenester", "bygg_og_anlegg", "helse_og_sosial"}
    for s in submits:
        assert s["data"]["verb"] == CLARIFY_VERB and s["data"]["field"] == "kind"
        assert s["data"]["question"] == "Vi skal bruke ca 400 000 kr, hvilke regler gjelder?"
    # pressing a button (the bot passes the value and the earlier result) answers the question
    chosen = analyse(submits[1]["data"]["value"], AS_OF, previous=answer.data)
    assert chosen.band == "B" and not chosen.missing


def test_value_question_card_has_ranges_and_a_text_input() -> None:
    answer = authority_answer(analyse("Hva må jeg gjøre for å kjøpe inn konsulenttjenester?", AS_OF), "nb")
    submits = [n for n in _walk(answer.card) if n.get("type") == "Action.Submit"]
    titles = [s["title"] for s in submits]
    assert titles[0] == "under 100 000" and "2 300 000 – 5 000 000" in titles and titles[-2] == "5 000 001 og over"
    assert any(n.get("type") == "Input.Text" and n.get("id") == "value" for n in _walk(answer.card))
    # each range reply lands in its own band
    bands = [analyse(s["data"]["value"], AS_OF, previous=answer.data).band for s in submits if "value" in s["data"]]
    assert bands == ["A", "B", "C", "D", "E", "E"]


def test_silent_answer_refers_to_the_procurement_section() -> None:
    answer = authority_answer(analyse("Hvem attesterer fakturaen på 40 000?", AS_OF), "nb")
    assert "sier ikke noe om attestasjon og anvisning av fakturaer" in answer.text
    assert "67 93 40 00" in answer.text


def test_every_string_has_both_languages() -> None:
    texts = strings("authority")
    assert "title_band" in texts and texts.get("band_explained", "en", band="A", regulation="x") == "Value band A of the authority matrix: x."


# ---- CLI ---------------------------------------------------------------------------------------------


def test_cli_authority_json(tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--database", f"sqlite:///{tmp_path / 'a.db'}", "--as-of", "2026-11-24", "--json",
                                 "authority", "--no-search", "må vi kunngjøre vedlikehold av heisene, 1,8 mill over fire år?"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["value_nok_excl_vat"], data["kind"], data["band"], data["signer"]) == (1_800_000, "tjenester", "D", "kommunalsjef")


def test_cli_authority_older_date(tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--database", f"sqlite:///{tmp_path / 'a.db'}", "authority", "--no-search",
                                 "--as-of", "2021-06-01", "--json", "varekjøp for 2,1 mill"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["band"] == "E"


def test_cli_authority_broken_knowledge_exits_1(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from agreements_sync.knowledge import knowledge_dir

    target = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), target)
    matrix = target / "authority" / "matrix.yaml"
    matrix.write_text(matrix.read_text(encoding="utf-8").replace("performed_by: innkjopsseksjonen", "performed_by: innkjøpssjefen", 1), encoding="utf-8")
    monkeypatch.setenv("INNKJOPSBOT_KNOWLEDGE_DIR", str(target))
    result = CliRunner().invoke(cli, ["--database", f"sqlite:///{tmp_path / 'a.db'}", "authority", "--no-search", "møbler for 350 000"])
    assert result.exit_code == 1
    assert "authority/matrix.yaml" in result.output and "unknown role 'innkjøpssjefen'" in result.output


def test_cli_authority_eval_reports_accuracy_per_field(tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--database", f"sqlite:///{tmp_path / 'a.db'}", "--json", "authority-eval", "--no-search"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["questions"] >= 60 and report["search"] is False
    assert set(report["fields"]) == {"value_nok_excl_vat", "kind", "band", "framework_agreement", "approver",
                                     "performed_by", "signer", "requirements", "missing"}
    assert report["fields"]["band"]["accuracy"] >= 0.9
    assert report["fields"]["value_nok_excl_vat"]["accuracy"] >= 0.9


def test_cli_authority_eval_refuses_a_bad_file(tmp_path) -> None:
    bad = tmp_path / "q.yaml"
    bad.write_text("questions:\n  - q: hei\n    expected: {colour: red}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--database", f"sqlite:///{tmp_path / 'a.db'}", "authority-eval", "--no-search", str(bad)])
    assert result.exit_code == 1 and "Feil: " in result.output and "questions[0].expected: ukjent felt colour" in result.output


def test_framework_without_value_names_the_agreement_and_asks_for_the_value() -> None:
    def find(text, as_of):
        return [("LK-2024-007", "Tolking på fremmedspråk og tegnspråk", "Tolketjenester")]

    result = analyse("Vi trenger en tolk til foreldremøte", AS_OF, find_agreements=find)
    answer = authority_answer(result, "nb")
    assert answer.kind == "clarify" and answer.text.startswith("Bruk rammeavtalen (LK-2024-007)")
    titles = [n["title"] for n in _walk(answer.card) if n.get("type") == "Action.Submit"]
    assert titles == ["under 100 000", "100 000 – 499 999", "500 000 og over"]
    after = analyse("100 000–499 999 kr", AS_OF, find_agreements=find, previous=answer.data)
    assert (after.framework_agreement, after.approver) == (["LK-2024-007"], "enhetsleder")


@pytest.mark.parametrize(
    ("question", "lang", "first"),
    [
        ("må det på Doffin? renhold for 2 mill", "nb", "Må det kunngjøres? Ja, i Doffin – men ikke i TED"),
        ("må det i TED? renhold for 3 mill", "nb", "Må det kunngjøres? Ja: konkurransen kunngjøres i Doffin og i TED."),
        ("må dette lysast ut? konsulenttenester for 400 000", "nb", "Må det kunngjøres? Nei: under den nasjonale terskelen på 1 300 000 kr"),
        ("do we have to publish it in Doffin? consultancy (tjenester) for NOK 400,000", "en", "Must it be announced? No"),
        ("holder det med ett tilbud? konsulenttjenester for 80 000", "nb", "Holder det med direktekjøp? Ja: under 100 000 kr"),
        ("kan vi fortsette med direktekjøp av rådgivning for 300 000?", "nb", "Holder det med direktekjøp eller ett tilbud? Nei: spør minst 3 leverandører."),
        ("is one quote enough? consultancy (tjenester) for NOK 2,000,000", "en", "Is a direct purchase or one quote enough? No: notice in Doffin"),
    ],
)
def test_a_yes_or_no_question_gets_its_answer_first(question: str, lang: str, first: str) -> None:
    answer = authority_answer(analyse(question, AS_OF), lang)
    assert answer.text.splitlines()[1].startswith(first)


def test_the_title_says_what_to_do_and_the_band_is_explained_in_the_details() -> None:
    answer = authority_answer(analyse("konsulenttjenester for 1,5 mill", AS_OF), "nb")
    assert answer.text.splitlines()[0] == "Innkjøpsseksjonen kunngjør en konkurranse i Doffin og gjennomfører den."
    details = next(n for n in _walk(answer.card) if n.get("id") == DETAILS_ID)
    assert details["items"][0]["text"] == "Verdibånd D i fullmaktsmatrisen: FOA del I og II."


def test_cli_authority_eval_counts_a_question_the_knowledge_cannot_answer_as_wrong(tmp_path) -> None:
    """A purchase of 3 million in 2019 needs an EEA threshold the matrix has no row for: that question
    is wrong on every field it expects, and the set is still measured; 400 000 in 2019 needs no such
    row (band B)."""
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "- q: I 2019 kjøpte vi konsulenttjenester for 3 mill. Hvem signerte?\n  as_of: 2019-07-01\n"
        "  expected: {band: E}\n"
        "- q: I 2019 kjøpte vi konsulenttjenester for 400 000. Hvem signerte?\n  as_of: 2019-07-01\n"
        "  expected: {band: B, signer: enhetsleder}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--database", f"sqlite:///{tmp_path / 'a.db'}", "--json", "authority-eval",
                                      "--no-search", str(questions)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["questions"] == 2 and report["all_fields_correct"] == 1
    assert report["fields"]["band"] == {"correct": 1, "total": 2, "accuracy": 0.5}
    assert "no row of 'eos_varer_tjenester'" in json.dumps(report["failures"], ensure_ascii=False)
