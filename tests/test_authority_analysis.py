"""analyse(): bands with their requirements, rule 0 with real agreement records, follow-ups."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.authority import AuthorityResult, analyse
from tests.conftest import AS_OF, REFERENCE_REGISTER


def register_rows() -> dict[str, dict[str, str]]:
    if not REFERENCE_REGISTER.exists():
        pytest.skip(f"reference register not found at {REFERENCE_REGISTER}")
    with Path(REFERENCE_REGISTER).open(encoding="utf-8-sig", newline="") as handle:
        return {row["Avtalenr"]: row for row in csv.DictReader(handle, delimiter=";")}


def finder(*ids: str):
    """find_agreements returning real records of the reference register, as the issue describes:
    (agreement_id, description, title, status)."""
    rows = register_rows()

    def find(text: str, as_of: dt.date) -> list[tuple[str, str, str, str]]:
        calls.append((text, as_of))
        return [(i, f"{rows[i]['Beskrivelse']} {rows[i]['Bestilling']}", rows[i]["Avtalenavn"],
                 "active" if rows[i]["Status"] == "Aktiv" else rows[i]["Status"]) for i in ids]

    calls: list[tuple[str, dt.date]] = []
    find.calls = calls
    return find


def fields(result: AuthorityResult) -> dict:
    data = result.to_json()
    return {k: data[k] for k in ("value_nok_excl_vat", "kind", "band", "framework_agreement", "approver",
                                 "performed_by", "signer", "requirements", "missing")}


@pytest.mark.parametrize(("question", "band", "role"), [
    ("Vi skal kjøpe en brukt minibuss for 60 000. Hvem må godkjenne?", "A", "enhetsleder"),
    ("Kven må godkjenne kjøp av nye møblar for 300 000?", "B", "enhetsleder"),
    ("Who has to approve a consultancy job for NOK 900,000?", "C", "kommunalsjef"),
    ("Hvem godkjenner et tjenestekjøp på 1,5 mill?", "D", "kommunalsjef"),
    ("Hvem godkjenner et tjenestekjøp på 6 mill?", "E", "kommunedirektor"),
])
def test_outside_an_agreement_the_signer_approves(question: str, band: str, role: str) -> None:
    result = analyse(question, AS_OF)
    assert (result.band, result.signer, result.approver) == (band, role, role)
    assert any(step.key == "approver_is_signer" for step in result.steps)


def test_a_framework_for_the_whole_municipality_is_approved_by_its_signer() -> None:
    result = analyse("Ny rammeavtale for hele kommunen på arbeidsklær, ca. 3 mill over 4 år", AS_OF)
    assert (result.band, result.signer, result.approver) == ("E", "organisasjonsdirektor", "organisasjonsdirektor")


@pytest.mark.parametrize(("question", "approver"), [
    ("Serviceavtale på renseanlegget i svømmehallen, 200 000 i året i 5 år. Hvem må godkjenne?", "kommunedirektor"),
    ("Serviceavtale på renseanlegget i svømmehallen, 200 000 i året i 2 år med opsjon på 1+1 år. Hvem må godkjenne?",
     "kommunalsjef"),
])
def test_a_period_over_four_years_is_approved_by_the_chief_executive(question: str, approver: str) -> None:
    """The matrix names this approval itself ("krever godkjenning av kommunedirektøren før
    konkurransen kunngjøres"); the band's signer still signs, and exactly 4 years is not over 4."""
    result = analyse(question, AS_OF)
    assert (result.band, result.signer, result.approver) == ("C", "kommunalsjef", approver)
    assert (("over_4_ar_godkjenning" in result.requirements)
            == any(step.key == "approver_by_requirement" for step in result.steps) == (approver == "kommunedirektor"))


def test_a_call_off_keeps_the_call_off_approver() -> None:
    result = analyse("Bestille kontorrekvisita for 120 000", AS_OF, find_agreements=finder("LK-2024-018"))
    assert (result.rule, result.approver, result.signer) == ("framework", "enhetsleder", None)


def test_issue_example_furniture_without_agreement() -> None:
    assert fields(analyse("Jeg skal kjøpe nye møbler til personalrommet for ca. 350 000 kr, hva må jeg gjøre?", AS_OF)) == {
        "value_nok_excl_vat": 350_000, "kind": "varer", "band": "B", "framework_agreement": [], "approver": "enhetsleder",
        "performed_by": "enheten", "signer": "enhetsleder", "requirements": ["tre_leverandorer", "protokoll", "klima_30"],
        "missing": [],
    }


def test_json_has_the_fields_of_the_issue_and_the_extras() -> None:
    data = analyse("hvem kan signere en kontrakt på 3 mill for konsulenttjenester?", AS_OF).to_json()
    assert data["band"] == "E" and data["signer"] == "kommunalsjef" and data["performed_by"] == "innkjopsseksjonen"
    assert set(data["requirements"]) == {"protokoll", "klima_30", "doffin", "ted", "kgv", "skatteattest", "lonns_og_arbeidsvilkar"}
    assert data["lead_time"] == {"competition_months": 6, "start_months_before_expiry": 9}
    used = {t["id"]: t for t in data["thresholds_used"]}
    assert used["eos_varer_tjenester"] == {"id": "eos_varer_tjenester", "name": "EØS-terskel, varer og tjenester (kommuner)",
                                           "value": 2_300_000, "valid_from": "2024-03-14", "source": "FOA § 5-3"}
    assert data["steps"]


@pytest.mark.parametrize(
    ("question", "band", "signer"),
    [
        ("konsulentbistand for 99 999 kr", "A", "enhetsleder"),
        ("konsulentbistand for 100 000 kr", "B", "enhetsleder"),
        ("konsulentbistand for 499 999 kr", "B", "enhetsleder"),
        ("konsulentbistand for 500 000 kr", "C", "kommunalsjef"),
        ("konsulentbistand for 1 299 999 kr", "C", "kommunalsjef"),
        ("konsulentbistand for 1 300 000 kr", "D", "kommunalsjef"),
        ("konsulentbistand for 2 299 999 kr", "D", "kommunalsjef"),
        ("konsulentbistand for 2 300 000 kr", "E", "kommunalsjef"),
        ("konsulentbistand for 5 000 000 kr", "E", "kommunalsjef"),
        ("konsulentbistand for 5 000 001 kr", "E", "kommunedirektor"),
        ("ombygging for 57 799 999 kr", "D", "kommunedirektor"),
        ("ombygging for 57 800 000 kr", "E", "kommunedirektor"),
        ("avlastningsplasser for 7 799 999 kr", "D", "kommunedirektor"),
        ("avlastningsplasser for 7 800 000 kr", "E", "kommunedirektor"),
        ("ombygging for 5 000 000 kr", "D", "kommunalsjef"),
    ],
)
def test_band_and_signer_edges_through_questions(question: str, band: str, signer: str) -> None:
    result = analyse(question, AS_OF)
    assert (result.band, result.signer) == (band, signer)


def test_earlier_as_of_uses_older_eea_values() -> None:
    assert analyse("varekjøp av scenepodier for 2,1 mill", dt.date(2021, 6, 1)).band == "E"
    assert analyse("varekjøp av scenepodier for 2,1 mill", AS_OF).band == "D"
    old = analyse("varekjøp av scenepodier for 2,1 mill", dt.date(2021, 6, 1))
    row = next(t for t in old.thresholds_used if t.id == "eos_varer_tjenester")
    assert (row.value, row.valid_from) == (2_050_000, dt.date(2020, 2, 12))


def test_vat_and_period_arithmetic() -> None:
    assert analyse("rådgivning 625 000 inkl. mva", AS_OF).value_nok_excl_vat == 500_000
    assert analyse("rådgivning 300 000 per år i 2 år + 1 + 1", AS_OF).value_nok_excl_vat == 1_200_000
    assert analyse("rådgivning 20 000 per måned i 3 år inkl. mva", AS_OF).value_nok_excl_vat == 576_000
    framework = analyse("ny rammeavtale på vaktmestertjenester, 300 000 per år", AS_OF)
    assert framework.value_nok_excl_vat == 1_200_000  # framework with no period: at most 4 years
    assert any(s.key == "framework_years" for s in framework.steps)


# The matrix, chapters 4 and 6 (clarified 04.12.2026): protocol and climate weighting in every
# competition from 100 000 (B–E); "ask at least 3" only in B and C (D and E are announced).
BAND_REQUIREMENTS = {
    "A": ["prissammenligning"],
    "B": ["tre_leverandorer", "protokoll", "klima_30"],
    "C": ["tre_leverandorer", "protokoll", "klima_30", "kgv", "skatteattest"],
    "D": ["protokoll", "klima_30", "doffin", "kgv", "skatteattest"],
    "E": ["protokoll", "klima_30", "doffin", "ted", "kgv", "skatteattest"],
}


@pytest.mark.parametrize(("value", "band"), [(50_000, "A"), (300_000, "B"), (800_000, "C"), (1_800_000, "D"), (2_400_000, "E")])
def test_requirement_set_of_every_band(value: int, band: str) -> None:
    # goods with no cross-cutting trigger (no textiles, ICT, food, toys, vehicles; 12 months)
    result = analyse(f"kjøp av kontormøbler for {value} kr", AS_OF)
    assert (result.band, result.requirements) == (band, BAND_REQUIREMENTS[band])


def test_protocol_and_climate_in_every_competition_and_three_suppliers_only_in_b_and_c() -> None:
    for band, required in BAND_REQUIREMENTS.items():
        competition = band != "A"
        assert ("protokoll" in required and "klima_30" in required) is competition
        assert ("tre_leverandorer" in required) is (band in {"B", "C"})


@pytest.mark.parametrize(("value", "approver", "mini", "requirements"), [
    (80_000, "ansatt_med_bestillingsfullmakt", True, []),
    (300_000, "enhetsleder", True, []),
    (800_000, "kommunalsjef", False, []),
    (800_000, "kommunalsjef", True, ["minikonkurranse"]),
    (3_000_000, "kommunalsjef", True, ["minikonkurranse"]),
])
def test_rule0_carries_only_the_approval_and_mini_competition(value, approver, mini, requirements) -> None:
    description = "Avrop over 500 000 skjer ved minikonkurranse." if mini else "Bestilling i e-handel."
    find = lambda text, as_of: [("LK-1", description, "Arbeidsklær og biler", "active")]
    # textiles, vehicles, a long period: all cross-cutting triggers, none of which applies to a call-off
    result = analyse(f"arbeidsklær og elbiler for {value} kr, 3 år + 1 + 1", AS_OF, find_agreements=find)
    assert (result.rule, result.approver, result.band, result.signer) == ("framework", approver, None, None)
    assert result.requirements == requirements


def test_cross_cutting_requirements() -> None:
    assert "lonns_og_arbeidsvilkar" in analyse("ombygging for 2 300 000", AS_OF).requirements
    assert "lonns_og_arbeidsvilkar" not in analyse("ombygging for 2 299 999", AS_OF).requirements
    assert "lonns_og_arbeidsvilkar" not in analyse("avlastningsplasser for 3 mill", AS_OF).requirements
    assert "lonns_og_arbeidsvilkar" not in analyse("varekjøp av møbler for 3 mill", AS_OF).requirements
    assert "seriositet" in analyse("ombygging for 100 000", AS_OF).requirements
    assert "seriositet" not in analyse("ombygging for 99 999", AS_OF).requirements
    assert "seriositet" in analyse("renhold av skolen for 400 000", AS_OF).requirements
    assert "seriositet" not in analyse("renholdsprodukter for 400 000", AS_OF).requirements
    assert "etisk_handel" in analyse("arbeidsklær for 200 000", AS_OF).requirements
    assert "bilveileder" in analyse("kjøp av to nye varebiler for 800 000", AS_OF).requirements
    assert "over_4_ar_godkjenning" in analyse("drift av kantina i 3 år + 1 + 1, 100 000 per år", AS_OF).requirements
    assert "over_4_ar_godkjenning" not in analyse("drift av kantina i 2 år + 1 + 1, 100 000 per år", AS_OF).requirements
    assert "innovasjon_vurderes" in analyse("innovativ tjeneste for 800 000", AS_OF).requirements
    whole = analyse("rammeavtale for hele kommunen på møbler, 3 mill", AS_OF)
    assert (whole.band, whole.signer) == ("E", "organisasjonsdirektor")


@pytest.mark.parametrize(
    "question",
    [
        "Vi skal lage ein rammeavtale for heile kommunen på musikkinstrument, 700 000 i året i 4 år.",
        "We want a new municipality-wide framework agreement for photography services, NOK 150,000 per year for 4 years",
        "Eigedom vil lyse ut ei kommunedekkjande rammeavtale for muring, om lag 1,8 mill. i året i 4 år.",
    ],
)
def test_a_framework_for_the_whole_municipality_however_it_is_said(question: str) -> None:
    assert analyse(question, AS_OF).signer == "organisasjonsdirektor"


def test_ethical_trade_and_the_vehicle_guide_are_for_goods_bought() -> None:
    # textiles, food … bought are goods; a service that uses them carries no clause of its own
    assert "etisk_handel" in analyse("kjøpe sengetøy og håndklær til sykehjemmet for 200 000", AS_OF).requirements
    assert "etisk_handel" not in analyse("kantinedrift på rådhuset, 450 000 i året i 2 år", AS_OF).requirements
    # costumes, team kits, hi-vis vests are textiles, whatever field the word reads as
    assert "etisk_handel" in analyse("Kulturskolen trenger kostymer til musikalen, ca 180 000", AS_OF).requirements
    assert "etisk_handel" in analyse("We want hi-vis vests for all first graders, NOK 45,000", AS_OF).requirements
    # a service named as what goods are for does not make them a service ("for park maintenance")
    tractor = analyse("We need to buy a new tractor for park maintenance, NOK 1.1 million", AS_OF)
    assert tractor.kind == "varer" and "bilveileder" in tractor.requirements
    assert analyse("Service på traktoren til parkavdelingen, ca 80 000", AS_OF).kind == "tjenester"
    # "mobile" ends like "bil" but is no vehicle
    stage = analyse("Kjøp av mobile scenepodier til kulturhuset, 2 250 000 eks. mva.", AS_OF)
    assert stage.kind == "varer" and "bilveileder" not in stage.requirements


@pytest.mark.parametrize(
    "question",
    [
        "Robotgressklippere til skolene, ca 700 000. Vi vet ikke helt hva som finnes, og markedet endrer seg fort.",
        "We want an AI chatbot for citizen enquiries; the market is changing fast. Estimated NOK 1.5 million.",
        "Vi vil ha sensorar i overvassnettet, men veit ikkje kva som finst. Om lag 1,5 mill.",
        "Digitale tilsynsløsninger for hjemmeboende, ca 1,2 mill. Markedet er umodent.",
        "Sensors for the sewage pumps; the market is immature and solutions change fast. NOK 1.4 million.",
    ],
)
def test_an_unknown_solution_or_fast_market_is_said_in_many_ways(question: str) -> None:
    assert "innovasjon_vurderes" in analyse(question + " (varer)", AS_OF).requirements


# ---- rule 0 ----------------------------------------------------------------------------------


def test_rule0_active_agreement_replaces_the_procedure() -> None:
    find = finder("LK-2023-022")  # Kontormøbler, NRI
    result = analyse("Jeg skal kjøpe nye møbler til personalrommet for ca. 350 000 kr, hva må jeg gjøre?", AS_OF,
                     find_agreements=find)
    assert fields(result) == {
        "value_nok_excl_vat": 350_000, "kind": "varer", "band": None, "framework_agreement": ["LK-2023-022"],
        "approver": "enhetsleder", "performed_by": "enheten", "signer": None, "requirements": [], "missing": [],
    }
    # the search gets what is bought, without the amount and without the procedure question
    assert find.calls == [("møbler til personalrommet", AS_OF)]


def test_rule0_also_says_what_applies_if_the_agreement_does_not_cover_the_need() -> None:
    # The search matches words ("konsulenttjenester" ~ "IT-konsulenttjenester"); the employee
    # knows the need. The answer keeps rule 0 first and gives the procedure for the other case.
    result = analyse("Jeg skal kjøpe konsulenttjenester for 2 mill — hvem gjør hva?", AS_OF,
                     find_agreements=finder("LK-2024-069"))
    assert result.framework_agreement == ["LK-2024-069"] and result.band is None
    assert result.otherwise is not None
    assert (result.otherwise.band, result.otherwise.performed_by, result.otherwise.signer) == (
        "D", "innkjopsseksjonen", "kommunalsjef")
    assert result.to_json()["otherwise"]["requirements"] == ["protokoll", "klima_30", "doffin", "kgv", "skatteattest"]
    from bot.authority.render import authority_answer
    nb, en = authority_answer(result, "nb"), authority_answer(result, "en")
    # plain words: who does it and who signs, no band letter outside the details
    assert "innkjøpsseksjonen gjennomfører, kommunalsjefen signerer" in nb.text and "bånd" not in nb.text.lower()
    assert "the procurement section carries it out, the kommunalsjef signs" in en.text and "band" not in en.text.lower()


def test_no_fallback_procedure_when_it_cannot_be_determined() -> None:
    result = analyse("nye kontorstoler til avdelingen", AS_OF, find_agreements=finder("LK-2023-022"))
    assert result.framework_agreement == ["LK-2023-022"] and result.missing == ["value"]
    assert result.otherwise is None and result.to_json()["otherwise"] is None


def test_a_call_off_without_an_amount_asks_before_it_answers_who() -> None:
    # chapter 6: the bot asks before it answers; the amount decides the approver and whether a
    # mini-competition moves the call-off to the procurement section
    result = analyse("nye kontorstoler til avdelingen", AS_OF, find_agreements=finder("LK-2023-022"))
    assert (result.approver, result.performed_by, result.signer) == (None, None, None)
    from bot.authority.render import authority_answer
    answer = authority_answer(result, "nb")
    assert answer.kind == "clarify" and "LK-2023-022" in answer.text
    told = analyse("nye kontorstoler til avdelingen for 40 000", AS_OF, find_agreements=finder("LK-2023-022"))
    assert (told.approver, told.performed_by) == ("ansatt_med_bestillingsfullmakt", "enheten")


def test_no_search_when_the_question_names_nothing_to_buy() -> None:
    find = finder("LK-2023-022")
    result = analyse("Vi skal bruke ca 400 000 kr, hvilke regler gjelder?", AS_OF, find_agreements=find)
    assert find.calls == [] and result.missing == ["kind"] and result.search == "skipped"


@pytest.mark.parametrize(
    ("amount", "approver"),
    [("99 999", "ansatt_med_bestillingsfullmakt"), ("100 000", "enhetsleder"), ("499 999", "enhetsleder"),
     ("500 000", "kommunalsjef"), ("60 mill", "kommunalsjef")],
)
def test_rule0_call_off_approval_whatever_the_amount(amount: str, approver: str) -> None:
    result = analyse(f"kontorstoler for {amount} kr", AS_OF, find_agreements=finder("LK-2023-022"))
    assert (result.band, result.approver, result.requirements) == (None, approver, [])


def test_rule0_mini_competition_from_500_000_when_the_agreement_says_so() -> None:
    find = finder("LK-2024-069")  # IT-konsulenttjenester: "Oppdrag over 500 000 kr tildeles etter minikonkurranse"
    big = analyse("IT-konsulent til integrasjonsprosjekt, 800 000 kr", AS_OF, find_agreements=find)
    assert (big.approver, big.performed_by, big.requirements) == ("kommunalsjef", "innkjopsseksjonen", ["minikonkurranse"])
    edge = analyse("IT-konsulent for 500 000 kr", AS_OF, find_agreements=find)
    assert edge.requirements == ["minikonkurranse"]
    small = analyse("IT-konsulent for 499 999 kr", AS_OF, find_agreements=find)
    assert (small.approver, small.requirements, small.performed_by) == ("enhetsleder", [], "enheten")


def test_rule0_mini_competition_from_the_agreements_own_higher_amount() -> None:
    find = finder("LK-2023-063")  # "Oppdrag over 1 MNOK tildeles etter minikonkurranse, mindre oppdrag etter rangering"
    ranked = analyse("RIB til tilstandsvurdering av svømmehallen, 800 000 kr", AS_OF, find_agreements=find)
    assert (ranked.approver, ranked.requirements, ranked.performed_by) == ("kommunalsjef", [], "enheten")
    big = analyse("RIB til tilstandsvurdering av svømmehallen, 1,2 mill", AS_OF, find_agreements=find)
    assert (big.requirements, big.performed_by) == (["minikonkurranse"], "innkjopsseksjonen")


def test_a_past_purchase_is_checked_against_the_agreements_of_its_date() -> None:
    calls = []

    def find(text: str, as_of: dt.date) -> list:
        calls.append(as_of)
        return []

    analyse("Vi kjøpte kopipapir for 18 000 kr i juni 2023. Hadde vi avtale på det då?", AS_OF, find_agreements=find)
    assert calls and calls[0].year == 2023 and calls[0].month == 6


def test_rule0_no_mini_competition_when_the_agreement_does_not_say_so() -> None:
    result = analyse("vedlikehold av heisene, 1,8 mill over fire år", AS_OF, find_agreements=finder("LK-2022-013"))
    assert (result.framework_agreement, result.approver, result.requirements) == (["LK-2022-013"], "kommunalsjef", [])


def test_rule0_has_no_cross_cutting_requirements() -> None:
    # a call-off on a framework agreement has only the approval rule (matrix §6)
    result = analyse("ombygging med tømrer i 6 år for 3 mill", AS_OF, find_agreements=finder("LK-2024-063"))
    assert result.requirements == ["minikonkurranse"]


def test_rule0_without_value_asks_for_it() -> None:
    result = analyse("Vi trenger en tolk til foreldremøte", AS_OF, find_agreements=finder("LK-2024-007"))
    assert (result.framework_agreement, result.approver, result.missing) == (["LK-2024-007"], None, ["value"])


def test_expired_agreement_is_no_active_agreement() -> None:
    result = analyse("kantinedrift for 900 000", AS_OF, find_agreements=finder("LK-2018-006"))
    assert result.band == "C" and result.framework_agreement == []
    assert [a.agreement_id for a in result.inactive_agreements] == ["LK-2018-006"]


def test_search_result_shape_is_understood() -> None:
    rows = register_rows()
    row = rows["LK-2023-039"]  # Graving og anleggsarbeider: minikonkurranse in the ordering text
    agreement = SimpleNamespace(id="LK-2023-039", title=row["Avtalenavn"], description=row["Beskrivelse"],
                                ordering=row["Bestilling"], status="active")
    weak = SimpleNamespace(id="LK-2024-013", title="Asfaltering", description="", status="active")
    result_obj = SimpleNamespace(hits=[SimpleNamespace(agreement=agreement, score=0.9),
                                       SimpleNamespace(agreement=weak, score=0.3)], no_active_agreement=False)
    result = analyse("graving av grøft, 1,2 mill", AS_OF, find_agreements=lambda text, as_of: result_obj)
    assert (result.framework_agreement, result.requirements) == (["LK-2023-039"], ["minikonkurranse"])
    none = SimpleNamespace(hits=[SimpleNamespace(agreement=agreement, score=0.2)], no_active_agreement=True)
    result = analyse("graving av grøft, 1,2 mill", AS_OF, find_agreements=lambda text, as_of: none)
    assert result.framework_agreement == [] and result.band == "C"


def test_new_framework_for_the_whole_municipality_skips_rule0() -> None:
    find = finder("LK-2023-022")
    result = analyse("rammeavtale for hele kommunen på møbler, 3 mill", AS_OF, find_agreements=find)
    assert result.framework_agreement == [] and result.signer == "organisasjonsdirektor"
    assert find.calls == []


# ---- asking instead of guessing, and the follow-up ------------------------------------------------


def test_missing_value_then_follow_up_amount() -> None:
    first = analyse("Hva må jeg gjøre for å kjøpe inn konsulenttjenester?", AS_OF)
    assert (first.missing, first.ask, first.band, first.kind) == (["value"], "value", None, "tjenester")
    second = analyse("ca 400 000", AS_OF, previous=first)
    assert (second.value_nok_excl_vat, second.kind, second.band, second.missing) == (400_000, "tjenester", "B", [])


def test_missing_kind_then_follow_up_kind_from_json_state() -> None:
    first = analyse("Vi skal bruke ca 400 000 kr, hvilke regler gjelder?", AS_OF)
    assert (first.missing, first.ask) == (["kind"], "kind")
    state = first.to_json()  # what the bot keeps in the conversation state
    bygg = analyse("bygg og anlegg", AS_OF, previous=state)
    assert (bygg.kind, bygg.band, bygg.missing) == ("bygg_og_anlegg", "B", [])
    assert "seriositet" in bygg.requirements
    assert analyse("tjenester", AS_OF, previous=state).requirements == ["tre_leverandorer", "protokoll", "klima_30"]


def test_follow_up_from_the_original_question_text() -> None:
    # the card's Action.Submit carries the original question; the answer completes it
    result = analyse("helse_og_sosial", AS_OF, previous="Vi skal bruke ca 400 000 kr, hvilke regler gjelder?")
    assert (result.kind, result.band, result.value_nok_excl_vat) == ("helse_og_sosial", "B", 400_000)


def test_both_missing_asks_kind_first() -> None:
    result = analyse("Hvem skal signere kontrakten vår?", AS_OF)
    assert (result.missing, result.ask) == (["value", "kind"], "kind")
    after_kind = analyse("varer", AS_OF, previous=result)
    assert (after_kind.missing, after_kind.ask) == (["value"], "value")
    done = analyse("1,5 mill", AS_OF, previous=after_kind)
    assert (done.band, done.kind, done.signer, done.missing) == ("D", "varer", "kommunalsjef", [])


def test_follow_up_new_amount_keeps_the_subject() -> None:
    first = analyse("hvem kan signere en kontrakt på 3 mill for konsulenttjenester?", AS_OF)
    again = analyse("og for 6 mill?", AS_OF, previous=first.to_json())
    assert (again.value_nok_excl_vat, again.kind, again.signer) == (6_000_000, "tjenester", "kommunedirektor")


def test_a_follow_up_opening_with_and_if_continues_however_long_it_is() -> None:
    first = analyse("Vi trenger en rådgiver på informasjonssikkerhet, 300 000 kr i året. Hvem signerer?", AS_OF)
    assert first.ask == "period"
    longer = analyse("Og hvis kontrakten blir 3 år med opsjon på 1 + 1 år, hva da?", AS_OF, previous=first)
    assert (longer.value_nok_excl_vat, longer.kind) == (1_500_000, "tjenester")
    english = analyse("And what if it's 3 years plus a 2-year option, who signs then?", AS_OF, previous=first)
    assert english.value_nok_excl_vat == 1_500_000


def test_a_follow_up_with_other_hours_keeps_the_rate() -> None:
    first = analyse("Trenger en rådgiver på informasjonssikkerhet i ca 200 timer, timepris 1 300.", AS_OF)
    assert first.value_nok_excl_vat == 260_000
    assert analyse("Hva om det blir 500 timer i stedet?", AS_OF, previous=first).value_nok_excl_vat == 650_000
    assert analyse("a 150-hour review at NOK 1,100 an hour", AS_OF).value_nok_excl_vat == 165_000


def test_a_follow_up_that_says_the_amount_included_vat_takes_it_off_the_earlier_amount() -> None:
    first = analyse("Vi skal kjøpe nye møbler til biblioteket for 1 500 000.", AS_OF)
    assert first.value_nok_excl_vat == 1_500_000
    assert analyse("Beløpet var inkl. mva, forresten.", AS_OF, previous=first).value_nok_excl_vat == 1_200_000
    assert analyse("Forgot to say: that was including VAT.", AS_OF, previous=first).value_nok_excl_vat == 1_200_000


def test_a_follow_up_that_names_no_thing_continues_the_earlier_question() -> None:
    first = analyse("Vi skal kjøpe gardiner til det nye biblioteket for 80 000.", AS_OF)
    assert (first.kind, first.band) == ("varer", "A")
    later = analyse("Og om det blir 130 000 inkl. mva i stedet?", AS_OF, previous=first)
    assert (later.value_nok_excl_vat, later.kind, later.band) == (104_000, "varer", "B")
    signer = analyse("Det er snakk om 28 000 kr i månaden i 3 år. Kven skriv under?", AS_OF,
                     previous=analyse("Kulturhuset vil setje bort reinhaldet av scenen.", AS_OF))
    assert (signer.value_nok_excl_vat, signer.kind, signer.signer) == (1_008_000, "tjenester", "kommunalsjef")


def test_a_follow_up_option_comes_on_top_of_the_period() -> None:
    first = analyse("A web-based booking system for the sports halls, NOK 300,000 a year for 3 years", AS_OF)
    assert (first.value_nok_excl_vat, first.band) == (900_000, "C")
    more = analyse("What if we add a 2-year option at the same annual price?", AS_OF, previous=first)
    assert (more.value_nok_excl_vat, more.period_months, more.band) == (1_500_000, 60, "D")
    assert "over_4_ar_godkjenning" in more.requirements
    # options written as a chain ("opsjon på 1 + 1 år") are all option, on top of the period
    canteen = analyse("Vi vil sette bort kantinedriften, 450k i året i 2 år.", AS_OF)
    both = analyse("Og hvis vi legger til opsjon på 1 + 1 år?", AS_OF, previous=canteen)
    assert (both.value_nok_excl_vat, both.period_months) == (1_800_000, 48)


def test_a_follow_up_that_buys_more_of_the_thing_multiplies_the_price() -> None:
    first = analyse("Vaktmesteren trenger en snøfreser, ca 25 000. Hvem godkjenner?", AS_OF)
    assert first.value_nok_excl_vat == 25_000
    more = analyse("Hva om vi kjøper fire, én til hver skole?", AS_OF, previous=first)
    assert (more.value_nok_excl_vat, more.band) == (100_000, "B")
    english = analyse("What if we buy four of them?", AS_OF, previous=analyse("We need a snow blower, about NOK 25,000", AS_OF))
    assert english.value_nok_excl_vat == 100_000
    later = analyse("What if we buy it in two years instead?", AS_OF, previous=first)
    assert later.value_nok_excl_vat == 25_000  # a time, not a count
    quotes = analyse("Can we get two quotes instead of three?", AS_OF, previous=first)
    assert quotes.value_nok_excl_vat == 25_000  # offers, not pieces


def test_follow_ups_that_price_each_drop_the_option_or_ask_about_ted() -> None:
    chairs = analyse("Hvem må godkjenne kjøp av 30 nye kontorstoler til NAV-kontoret?", AS_OF)
    each = analyse("De koster 4 200 kr stykket, eks. mva.", AS_OF, previous=chairs)
    assert (each.value_nok_excl_vat, each.band) == (126_000, "B")  # the earlier count at this price
    respite = analyse("Avlastningsbolig for barn, 2,8 mill per år, 2 år + 1 års opsjon. Hvem signerer?", AS_OF)
    assert respite.value_nok_excl_vat == 8_400_000
    assert analyse("Hvis vi dropper opsjonen, da?", AS_OF, previous=respite).value_nok_excl_vat == 5_600_000
    canteen = analyse("Canteen operation, NOK 400,000 a year for 3 years plus a 1-year option", AS_OF)
    assert analyse("What if we do it without the option?", AS_OF, previous=canteen).value_nok_excl_vat == 1_200_000
    servers = analyse("IT wants to buy new servers and storage for the data room, about NOK 1.8 million.", AS_OF)
    ted = analyse("Does it need to go to TED as well?", AS_OF, previous=servers)
    assert (ted.value_nok_excl_vat, ted.missing) == (1_800_000, [])


def test_annual_amount_without_period_asks_for_the_period() -> None:
    first = analyse("rådgivning om klimaregnskap, 200 000 kr i året", AS_OF)
    assert (first.missing, first.ask) == (["period"], "period")  # what is missing is the period
    done = analyse("3 år", AS_OF, previous=first)
    assert (done.value_nok_excl_vat, done.band) == (600_000, "C")


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("Vaktmesterfirma til å stelle akvariet i resepsjonen, 8 000 kr i måneden", 96_000),
        ("blomsterdekorasjoner til resepsjonen hver uke, 2 500 kr i uka", 130_000),
        ("we pay NOK 8,000 a month for aquarium care", 96_000),
    ],
)
def test_a_monthly_or_weekly_amount_without_period_counts_at_least_12_months(question: str, value: int) -> None:
    result = analyse(question, AS_OF)
    assert (result.value_nok_excl_vat, result.ask) == (value, None)
    assert "ongoing_12" in [s.key for s in result.steps]  # the answer says it assumed 12 months
    longer = analyse("avtalen skal vare i 3 år", AS_OF, previous=result)
    assert longer.value_nok_excl_vat == value * 3


@pytest.mark.parametrize(
    "question",
    [
        "Vi skal leige inn ein ekstern rådgjevar til å lage ny kulturplan, 50 000 i månaden. Kven signerer?",
        "Vi vil abonnere på et bookingsystem for idrettshallene, 9 000 kr i måneden. Hvem godkjenner?",
        "We'd like to hire a freelance event coordinator at NOK 25,000 per month. Who approves?",
    ],
)
def test_a_monthly_price_for_a_contract_about_to_be_made_asks_for_its_period(question: str) -> None:
    """Hiring, renting or subscribing at a monthly price: the period decides the value, so it is
    asked for; a purchase going on already ("hver måned", "fortsette med direktekjøp") is the
    12-month sum (above)."""
    result = analyse(question, AS_OF)
    assert (result.value_nok_excl_vat, result.ask) == (None, "period")
    ongoing = analyse("Vi kjøper blomster for ca. 9 000 hver måned. Kan vi fortsette med direktekjøp?", AS_OF)
    assert (ongoing.value_nok_excl_vat, ongoing.ask) == (108_000, None)


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("Konsulenten tar 1 200 kr timen, og vi trenger ca. 400 timer", 480_000),
        ("rådgjevar til 1 400 kr per time i 300 timar", 420_000),
        ("a consultant at NOK 1,100 per hour for about 500 hours", 550_000),
        ("timepris 950 kr, anslått 1 000 timer prosjektledelse", 950_000),
    ],
)
def test_an_hourly_rate_is_multiplied_by_the_hours(question: str, value: int) -> None:
    result = analyse(question, AS_OF)
    assert result.value_nok_excl_vat == value
    assert [s.key for s in result.steps if s.key == "per_hour"] == ["per_hour"]


def test_an_hourly_rate_without_hours_asks_what_it_comes_to() -> None:
    # 2 500 kr an hour is no value: band A from it would be wrong
    result = analyse("Advokaten tar 2 500 kr timen. Hvem godkjenner?", AS_OF)
    assert (result.value_nok_excl_vat, result.band, result.missing, result.ask) == (None, None, ["value"], "value")
    total = analyse("Konsulent til 1 200 kr timen, totalt ca. 480 000 kr", AS_OF)  # the total said is the value
    assert total.value_nok_excl_vat == 480_000


def test_a_short_follow_up_with_an_amount_keeps_the_earlier_purchase() -> None:
    first = analyse("Vi skal leie inn et byrå til kommunikasjonsarbeid. Hvem godkjenner?", AS_OF)
    budget = analyse("Budsjettet er 400 000.", AS_OF, previous=first)
    assert (budget.kind, budget.value_nok_excl_vat, budget.band) == ("tjenester", 400_000, "B")


def test_a_new_full_question_does_not_inherit_from_the_previous() -> None:
    first = analyse("renhold av skolen for 400 000", AS_OF)
    other = analyse("hvem signerer kjøp av møbler for 2 mill?", AS_OF, previous=first)
    assert other.kind == "varer" and "seriositet" not in other.requirements


def test_a_follow_up_that_tells_more_keeps_the_thing_the_earlier_turn_named() -> None:
    # "Estimatet", "stoler" and "the job" are no new purchase: read on their own, "estimatet" had
    # been a consultancy field's word and made a new question of the follow-up
    first = analyse("Vi trenger nye kontorstoler til hele økonomiavdelingen.", AS_OF)
    more = analyse("Det er 30 stoler à 5 200 kr inkl. mva. Hvem godkjenner?", AS_OF, previous=first)
    assert more.facts.subject == first.facts.subject and more.value_nok_excl_vat == 124_800  # 30 × 5 200 / 1.25
    consultant = analyse("Vi trenger en IT-konsulent til et integrasjonsprosjekt.", AS_OF)
    estimate = analyse("Estimatet er 1,2 MNOK – hvem godkjenner?", AS_OF, previous=consultant)
    assert (estimate.facts.subject, estimate.kind, estimate.value_nok_excl_vat) == (consultant.facts.subject, "tjenester", 1_200_000)
    # a purchase of its own, or a thing said to replace the earlier one, is what the follow-up is about
    chairs = analyse("Vi skal kjøpe nye kontorstoler til rådhuset for 80 000.", AS_OF)
    pcs = analyse("Vi skal også kjøpe 20 PC-er for 200 000, hvem godkjenner?", AS_OF, previous=chairs)
    assert "pc" in pcs.facts.subject and pcs.value_nok_excl_vat == 200_000
    desks = analyse("Må vi ut på Doffin når vi skal kjøpe nye elevpulter for 1,6 MNOK?", AS_OF)
    instead = analyse("Og hvis det i stedet er bord og stoler til en barnehage, samme beløp?", AS_OF, previous=desks)
    assert "barnehage" in instead.facts.subject and "elevpulter" not in instead.facts.subject


def test_kind_not_needed_when_every_kind_gives_the_same_answer() -> None:
    result = analyse("Kan jeg bare kjøpe direkte når det koster 45 000?", AS_OF)
    assert (result.kind, result.band, result.missing) == (None, "A", [])


def test_matrix_silent_topics() -> None:
    result = analyse("Hvem attesterer fakturaen fra snekkeren på 40 000?", AS_OF)
    assert (result.rule, result.band, result.signer, result.missing) == ("silent", None, None, [])
    assert result.silent == ["faktura"]


def test_premises_are_silent_only_when_they_are_what_is_rented_or_bought() -> None:
    """Renting or buying premises is outside the matrix (the section answers); moving into premises
    and buying a service for them is an ordinary purchase, banded as usual."""
    rented = analyse("Vi skal leie nye lokaler til hjemmetjenesten for 400 000 i året. Hvem signerer?", AS_OF)
    assert (rented.rule, rented.silent) == ("silent", ["eiendom"])
    moved = analyse("Skolekontoret flytter inn i nye lokaler og vil kjøpe nye kontorstoler dit for 250 000. "
                    "Hvem godkjenner?", AS_OF)
    assert (moved.rule, moved.silent, moved.band) == ("band", [], "B")


def test_a_weak_search_hit_does_not_trigger_rule0() -> None:
    """The search was unsure (candidates) and its first candidate matched weakly: no rule 0."""
    weak = SimpleNamespace(hits=[SimpleNamespace(id="LK-2024-069", title="IT-konsulenttjenester", description="",
                                                 status="active", score=0.4)], no_active_agreement=False,
                           answer="candidates")
    result = analyse("rådgivning om klimaregnskap for 300 000", AS_OF, find_agreements=lambda text, as_of: weak)
    assert (result.framework_agreement, result.band) == ([], "B")
    unknown = SimpleNamespace(hits=[], no_active_agreement=False, answer="unknown")
    result = analyse("rådgivning om klimaregnskap for 300 000", AS_OF, find_agreements=lambda text, as_of: unknown)
    assert (result.framework_agreement, result.band) == ([], "B")


def test_search_gets_the_subject_without_amounts() -> None:
    find = finder("LK-2022-013")
    analyse("må vi kunngjøre vedlikehold av heisene, 1,8 mill over fire år? inkl. mva", AS_OF, find_agreements=find)
    (text, _), = find.calls
    assert text == "vedlikehold heisene"


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("kontrakt på 800 000 for vakttjenester", "vakttjenester"),
        ("NOK 800,000 contract for security guards, who signs?", "security guards"),
        ("tolketjenester, ca. 40 000 per gang, 12 ganger i året", "tolketjenester"),
        ("Snøfreser til vaktmesteren, under 100 000 inkl. mva, hvem må godkjenne?", "snøfreser til vaktmesteren"),
        ("kven skal signere kontrakten for reinhald, 2 år + 1 + 1 til 300 000 kroner i året?", "reinhald"),
        # who needs it stays, before the need verb, so the search reads it as who, not what
        ("Hjemmetjenesten trenger sårbandasjer for 20 000, hvem godkjenner?", "hjemmetjenesten trenger sårbandasjer"),
        ("The kitchen needs a new fridge, NOK 20,000", "kitchen needs fridge"),
        # what the asker says it is not is no part of it
        ("Skriveren trenger ny toner (ikke kopimaskinen), 3 500 kr", "skriveren trenger toner"),
        ("6 entrématter (ikke leie) til inngangen, ca 24 000", "entrématter til inngangen"),
        ("toner for the small printer, not the copier, NOK 3,200", "toner for small printer"),
        ("Trenger 10 skrivere, 3 500 kr stykket", "skrivere"),  # nobody named: no need verb either
    ],
)
def test_search_gets_only_the_thing(question: str, subject: str) -> None:
    find = finder("LK-2022-013")
    analyse(question, AS_OF, find_agreements=find)
    assert [text for text, _ in find.calls] == [subject]


def _candidates(*hits: tuple[str, float, str]):
    """A search that is unsure: these candidates (id, score, the kind of the agreement's field)."""
    def find(text: str, as_of: dt.date):
        return SimpleNamespace(answer="candidates", no_active_agreement=False, inactive_matches=[], hits=[
            SimpleNamespace(id=i, title=i, description="", status="active", score=s, kind=k) for i, s, k in hits])
    return find


def test_a_weaker_candidate_of_the_questions_kind_clear_of_the_rest_is_the_agreement() -> None:
    question = "Vi treng advokathjelp i ei oppseiingssak, kanskje 60 000 kr. Kven godkjenner?"
    alone = analyse(question, AS_OF, find_agreements=_candidates(("LK-2024-179", 0.61, "tjenester")))
    assert (alone.framework_agreement, alone.approver) == (["LK-2024-179"], "ansatt_med_bestillingsfullmakt")
    # … not when another candidate comes near it, nor when it is an agreement of another kind
    close = _candidates(("LK-2024-179", 0.61, "tjenester"), ("LK-2024-040", 0.6, "tjenester"))
    assert analyse(question, AS_OF, find_agreements=close).framework_agreement == []
    goods = _candidates(("LK-2022-055", 0.61, "varer"))
    assert analyse(question, AS_OF, find_agreements=goods).framework_agreement == []
    # … nor when it is weak
    assert analyse(question, AS_OF, find_agreements=_candidates(("LK-2024-179", 0.5, "tjenester"))).framework_agreement == []


def test_a_whole_municipality_framework_names_its_signer_before_the_value_is_known() -> None:
    result = analyse("Rammeavtale for hele kommunen på arbeidsklær – verdien vet vi ikke ennå. Hvem signerer?", AS_OF)
    assert (result.missing, result.signer) == (["value"], "organisasjonsdirektor")
    assert analyse("Vi skal kjøpe arbeidsklær, hvem signerer?", AS_OF).signer is None



@pytest.mark.parametrize("question", [
    "En helse- og sosialtjeneste til 7,8 mill uten rammeavtale – hvilket bånd, og hvem signerer?",
    "Vi skal inngå en ny rammeavtale for hele kommunen, 2 mill i året i 4 år. Hvem signerer?",
])
def test_the_names_of_kinds_bands_and_frameworks_are_nothing_to_look_up(question: str) -> None:
    """A question that names only the kind, the band or "a framework agreement" names no thing: the
    agreement search is not asked (it would find whatever shares the words)."""
    find = finder("LK-2019-003")
    result = analyse(question, AS_OF, find_agreements=find)
    assert result.rule != "framework" and find.calls == []
