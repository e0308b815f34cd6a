"""Rule 0 through the real agreement search over the reference register."""

from __future__ import annotations

import json

from agreements_sync.sync import sync_export
from bot.authority import analyse
from bot.authority.parse import parse
from bot.authority.render import authority_answer
from bot.search.service import SearchService
from tests.conftest import AS_OF


def _search_service(database, reference_register):
    sync_export(database.engine, reference_register, as_of=AS_OF)
    return SearchService(database)


def _finder(database, reference_register):
    """The agreement search over the reference register, as the authority answer calls it."""
    service = _search_service(database, reference_register)
    return lambda text, as_of: service.search(text, as_of, limit=3)


def test_rule0_with_the_real_search(database, reference_register) -> None:
    find = _finder(database, reference_register)

    lifts = analyse("må vi kunngjøre vedlikehold av heisene, 1,8 mill over fire år?", AS_OF, find_agreements=find)
    assert lifts.search == "used"
    assert (lifts.framework_agreement, lifts.band, lifts.approver) == (["LK-2022-013"], None, "kommunalsjef")
    nothing = analyse("Vi skal bruke ca 400 000 kr, hvilke regler gjelder?", AS_OF, find_agreements=find)
    assert nothing.missing == ["kind"] and nothing.search == "skipped"
    # a contract named by its kind names nothing to look up ("tjenestekontrakt" once found legal services)
    named = analyse("Må en tjenestekontrakt på 6 mill signeres av kommunedirektøren?", AS_OF, find_agreements=find)
    assert (named.search, named.framework_agreement, named.band, named.signer) == ("skipped", [], "E", "kommunedirektor")
    # "an IT consultant" is not "a consultant": the capitals name the field, and the IT consultancy
    # agreement is the call-off (with a mini-competition over 500 000)
    it = analyse("We need an IT consultant to lead our cloud migration, about NOK 900,000. Who approves?", AS_OF,
                 find_agreements=find)
    assert (it.framework_agreement, it.band, it.approver) == (["LK-2024-069"], None, "kommunalsjef")


def test_a_service_agreement_is_no_call_off_for_buying_the_thing_or_building_it(database, reference_register) -> None:
    find = _finder(database, reference_register)

    # the lift agreement is for service and maintenance: servicing the lifts is a call-off on it …
    serviced = analyse("service på heisene i rådhuset, 90 000 kr", AS_OF, find_agreements=find)
    assert serviced.framework_agreement == ["LK-2022-013"]
    # … a new lift is works: banded as a purchase of its own, and the card says why
    new = analyse("Vi skal ha ny heis i rådhuset, tilbudet er 1 299 999 kr eks. mva.", AS_OF, find_agreements=find)
    assert (new.kind, new.framework_agreement, new.band) == ("bygg_og_anlegg", [], "C")
    assert [(s.values["id"], s.values["agreement_kind"]) for s in new.steps if s.key == "other_kind"] == [
        ("LK-2022-013", "tjenester")]
    card = json.dumps(authority_answer(new, "en").card, ensure_ascii=False)
    assert "LK-2022-013 Service og vedlikehold av heiser is an agreement for" in card and "not a call-off on it" in card


def test_a_goods_agreement_is_no_call_off_for_works(database, reference_register) -> None:
    """Changing rooms refurbished are works: the kindergarten-furniture agreement the word
    "garderobe" finds is no call-off for them (a band of their own, and the step says why)."""
    find = _finder(database, reference_register)
    works = analyse("Garderobene i Lørenskoghallen skal totalrehabiliteres, 5 mill eks. mva", AS_OF, find_agreements=find)
    assert (works.kind, works.framework_agreement, works.band) == ("bygg_og_anlegg", [], "D")
    assert [(s.values["id"], s.values["agreement_kind"]) for s in works.steps if s.key == "other_kind"] == [
        ("LK-2023-116", "varer")]


def test_a_goods_agreement_that_includes_the_installation_is_the_call_off_for_it(database, reference_register) -> None:
    """The playground agreement is "levering og montering … inkludert montering": equipment installed
    is works, and still a call-off on it — its own text says it does that work."""
    find = _finder(database, reference_register)
    installed = analyse("Barnehagen skal få montert ny huske og et klatrestativ på uteområdet, ca. 300 000. Hvem godkjenner?",
                        AS_OF, find_agreements=find)
    assert (installed.framework_agreement, installed.band) == (["LK-2024-023"], None)
    assert not [s for s in installed.steps if s.key == "other_kind"]


def test_a_question_that_names_only_the_kind_has_nothing_to_look_up(database, reference_register) -> None:
    # "bygge- og anleggsarbeid" or "a construction contract" names the kind, not a need any agreement covers
    find = _finder(database, reference_register)
    for question in ("Bygge- og anleggsarbeid for 57 800 000 kr eks. mva. Hva gjelder?",
                     "If a construction contract is worth 5.2 million and there is no framework agreement, "
                     "does the kommunalsjef still sign?"):
        result = analyse(question, AS_OF, find_agreements=find)
        # (above 5 000 000 the kommunedirektør signs, in band D as in E)
        assert (result.kind, result.framework_agreement, result.signer) == ("bygg_og_anlegg", [], "kommunedirektor"), question


def test_a_yearly_call_off_amount_is_what_is_called_off_in_twelve_months(database, reference_register) -> None:
    # call-offs repeat: "150 000 i året" on the fruit agreement is 150 000 in 12 months, no period to ask for
    find = _finder(database, reference_register)
    fruit = analyse("Barnehagen kjøper frukt og grønt for ca 150 000 i året. Hvem godkjenner?", AS_OF, find_agreements=find)
    assert (fruit.framework_agreement, fruit.value_nok_excl_vat, fruit.approver, fruit.missing) == (
        ["LK-2024-156"], 150_000, "enhetsleder", [])
    assert "recurring_12" in [s.key for s in fruit.steps]


def test_an_agreement_to_rent_is_no_call_off_for_owning_the_thing(database, reference_register) -> None:
    find = _finder(database, reference_register)

    # renting scaffolding is what the hire agreement is for …
    hired = analyse("Vi må leie stillas til fasadearbeidet, ca 80 000. Hvem godkjenner?", AS_OF, find_agreements=find)
    assert hired.framework_agreement == ["LK-2023-145"]
    # … and hiring sound and light for an event is a call-off on the events agreement, but fixed stage
    # lighting in the hall is owned, not hired
    event = analyse("Vi trenger lyd og lys til 17. mai-arrangementet, ca 60 000. Hvem godkjenner?", AS_OF, find_agreements=find)
    assert event.framework_agreement == ["LK-2025-032"]
    fixed = analyse("Kulturhuset skal ha fast lydanlegg og scenelys i storsalen, 900 000. Hvem signerer?", AS_OF,
                    find_agreements=find)
    assert (fixed.framework_agreement, fixed.band) == ([], "C")
    assert [s.values["id"] for s in fixed.steps if s.key == "rental_agreement"] == ["LK-2025-032"]
    said = {lang: json.dumps(authority_answer(fixed, lang).card, ensure_ascii=False) for lang in ("nb", "nn", "en")}
    assert "avtale om å leie" in said["nb"] and "avtale om å leige" in said["nn"] and "agreement to rent" in said["en"]
    # a new thing is owned: new scaffolding is not hired on the hire agreement (renting it still is)
    owned = analyse("Vi trenger nytt stillas, ca 150 000.", AS_OF, find_agreements=find)
    assert "LK-2023-145" not in owned.framework_agreement
    assert [s.values["id"] for s in owned.steps if s.key == "rental_agreement"] == ["LK-2023-145"]


def test_a_purchase_bigger_than_the_whole_agreement_is_no_call_off_on_it(database, reference_register) -> None:
    service = _search_service(database, reference_register)

    def find(text, as_of):
        return service.search(text, as_of, limit=3)

    # the office-furniture agreement's register row: an estimated value per year and the years it can run
    record = service.hit("LK-2023-022", AS_OF)
    assert record is not None and record.annual_value and record.start_date and record.final_end_date
    ceiling = record.annual_value * (record.final_end_date - record.start_date).days / 365.25
    small = analyse("nye kontorstoler til saksbehandlerne, 120 000 kr", AS_OF, find_agreements=find)
    assert small.framework_agreement == ["LK-2023-022"]
    amount = int(ceiling * 2)
    huge = analyse(f"nye kontorstoler til saksbehandlerne, {amount} kr", AS_OF, find_agreements=find)
    assert huge.framework_agreement == [] and huge.band is not None
    assert [s.values["id"] for s in huge.steps if s.key == "beyond_agreement"] == ["LK-2023-022"]
    said = {lang: json.dumps(authority_answer(huge, lang).card, ensure_ascii=False) for lang in ("nb", "nn", "en")}
    assert "er ikke et avrop på den" in said["nb"] and "er ikkje eit avrop" in said["nn"] and "not a call-off" in said["en"]


def test_a_purchase_on_a_past_date_uses_the_agreement_in_force_then(database, reference_register) -> None:
    find = _finder(database, reference_register)

    # LK-2019-012 (office supplies and copy paper) ran 01.03.2020–29.02.2024; it is expired now
    then = analyse("Vi kjøpte kontorrekvisita for 120 000 i juni 2023. Hvem skulle godkjent det?", AS_OF,
                   find_agreements=find)
    assert (then.rule, then.framework_agreement, then.approver) == ("framework", ["LK-2019-012"], "enhetsleder")
    now = analyse("Vi skal kjøpe kontorrekvisita for 120 000. Hvem godkjenner?", AS_OF, find_agreements=find)
    assert now.framework_agreement == ["LK-2024-018"]


def test_the_search_of_the_subject_sees_the_value_the_question_names(database, reference_register) -> None:
    """The authority answer searches the thing alone ("nytt ventilasjonsanlegg"); the value it read
    reaches the search, so an agreement that excludes new systems from 500 000 on is no call-off for
    one of 3 million, and the value is not left behind for the next search."""
    from bot.search.index import STATED

    service = _search_service(database, reference_register)
    seen: list[float | None] = []

    def find(text, as_of):
        stated = STATED.get()
        seen.append(stated.value if stated else None)
        return service.search(text, as_of, limit=3)

    big = analyse("Vi skal ha nytt ventilasjonsanlegg i hele rådhuset, ca 3 mill. Hvem signerer?", AS_OF, find_agreements=find)
    assert seen == [3000000] and big.framework_agreement == [] and big.band == "D"
    # "nye" is left out of the subject searched; the question as asked still says new
    also = analyse("Det nye ventilasjonsanlegget på skolen er kostnadsberegnet til 2,1 mill. Kan vi bruke ventilasjonsavtalen?",
                   AS_OF, find_agreements=find)
    assert also.framework_agreement == [] and also.band == "D"
    assert service.search("nytt ventilasjonsanlegg i hele rådhuset, ca 3 mill", AS_OF).no_active_agreement
    assert STATED.get() is None
    assert service.search("nytt ventilasjonsanlegg i hele rådhuset", AS_OF).hits[0].id == "LK-2024-128"


def test_an_agreement_the_search_only_offers_is_named_for_the_employee_to_check(database, reference_register) -> None:
    """The search is not sure enough for rule 0 (candidates only): the answer stays a purchase outside
    an agreement, but names the candidates to check first — a weak match is never "the agreement",
    and never silently dropped either."""
    find = _finder(database, reference_register)
    result = analyse("Det ligg mykje snø på taket til barnehagen og det må måkast. Kven godkjenner? Tippar 25 000.",
                     AS_OF, find_agreements=find)
    assert (result.rule, result.framework_agreement, result.band) == ("band", [], "A")
    assert [a.agreement_id for a in result.possible_agreements] == ["LK-2024-134"]
    assert result.to_json()["possible_agreements"][0]["id"] == "LK-2024-134"
    text = authority_answer(result, "nn").text
    assert "sjekk Snørydding ved kommunale bygg (LK-2024-134) før du kjøper" in text
    sure = analyse("må vi kunngjøre vedlikehold av heisene, 1,8 mill over fire år?", AS_OF, find_agreements=find)
    assert sure.possible_agreements == []  # rule 0 applies: nothing merely possible to add


def test_the_sentence_that_names_the_need_finds_its_agreement(database, reference_register) -> None:
    """Who asks and why ("God morgen! Jeg er ny som rådgiver på rådhuset") weigh the thing's match down;
    the subject keeps its sentences, and the search's clause that names the need finds the agreement."""
    find = _finder(database, reference_register)
    question = "God morgen! Jeg er ny som rådgiver på rådhuset, og vi trenger seks nye kontorstoler. Det blir rundt 40 000 kr."
    facts = parse(question)
    assert "kontorstoler" in facts.subject.split(". ")[-1] and "rådhuset" not in facts.subject.split(". ")[-1]
    chairs = analyse(question, AS_OF, find_agreements=find)
    assert (chairs.rule, chairs.framework_agreement, chairs.approver) == ("framework", ["LK-2023-022"], "ansatt_med_bestillingsfullmakt")
    english = parse("I lead a home care team. Eight of my nurses need new smartphones, about 13,000 NOK each excl. VAT.")
    assert english.subject.split(". ") == ["lead home care team", "nurses need smartphones"]
