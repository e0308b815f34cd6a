"""The search on the reference register: language handling, exclusions, status, grouping, accuracy.

The index is built once per module from the reference export synced into a SQLite file (the
engine works on plain values; the database tests are in test_search_service.py).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from agreements_sync.sync import sync_export
from bot.db import Database
from bot.search import engine
from bot.search.engine import search_index
from bot.search.evaluate import evaluate_file
from bot.search.index import SearchIndex
from bot.search.render import search_answer
from bot.search.service import build_from_database
from tests.conftest import AS_OF, REFERENCE_QUERIES, REFERENCE_REGISTER

HELDOUT = Path(__file__).parent / "data" / "search" / "queries-heldout.csv"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    if not REFERENCE_REGISTER.exists():
        pytest.skip("reference register not found")
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('search') / 'index.db'}")
    database.migrate()
    assert sync_export(database.engine, REFERENCE_REGISTER, as_of=AS_OF).ok
    built = build_from_database(database)
    database.dispose()
    return built


def top(index: SearchIndex, query: str, as_of: dt.date = AS_OF) -> str | None:
    result = search_index(index, query, as_of)
    return None if result.no_active_agreement else result.ids[0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Har vi avtale på kontorstoler?", "LK-2023-022"),  # inflected compound, framing
        ("moebler til kontoret", "LK-2023-022"),  # ø typed as oe
        ("hev-senk-pult", "LK-2023-022"),  # hyphenated compound via vocabulary
        ("innleie av sjukepleiar til helga", "LK-2024-192"),  # nynorsk
        ("Do we have an agreement for pest control?", "LK-2024-162"),  # English
        ("skadedyyr", "LK-2024-162"),  # typo
        ("rotter i kjelleren", "LK-2024-162"),  # everyday word → vocabulary
        ("stålsnutesko", "LK-2023-011"),
        ("iPad til elev", "LK-2024-169"),  # brand
        ("toner til HP-printer", "LK-2024-018"),  # thing, then context
        ("kopipapir", "LK-2024-033"),  # the active agreement, not its expired predecessor
    ],
)
def test_understands_how_employees_ask(index: SearchIndex, query: str, expected: str) -> None:
    assert top(index, query) == expected


def test_reasons_say_why(index: SearchIndex) -> None:
    # an everyday word the register never uses: found through the taxonomy's field of purchase
    hit = search_index(index, "rotter i kjelleren", AS_OF).hits[0]
    assert hit.id == "LK-2024-162"
    assert any("rotter" in r.query and r.via == "field" and r.matched == "Skadedyrkontroll" for r in hit.reasons)
    hit = search_index(index, "kontorstoler", AS_OF).hits[0]
    assert hit.reasons and hit.reasons[0].field in {"title", "keywords", "description"}


def test_an_excluded_thing_is_none_though_other_words_match_elsewhere(index: SearchIndex) -> None:
    # Spyling av avløpsnett: "Omfatter ikke private stikkledninger" — the one agreement that matches
    # strongly excludes the very thing; weaker matches on "spyling" elsewhere are no answer
    result = search_index(index, "spyling av en privat stikkledning", AS_OF)
    assert (result.answer, result.why, result.excluded[:1]) == ("none", ["excluded"], ["LK-2023-113"])
    # Tekstilvask: "Vask av beboernes private tøy inngår ikke" — the excluded words may sit in the
    # question's context ("til beboerne"), as long as one is what is asked for ("private")
    result = search_index(index, "vask av private klær til beboerne på sykehjemmet", AS_OF)
    assert result.answer == "none" and "LK-2024-125" in result.excluded


def test_exclusions_in_descriptions_are_respected(index: SearchIndex) -> None:
    # Kontormøbler: "Omfatter ikke møbler til barnehager og elevmøbler."
    result = search_index(index, "kontormøbler til barnehagen", AS_OF)
    assert "LK-2023-022" not in result.ids and "LK-2023-022" in result.excluded
    assert result.ids[0] == "LK-2023-116"
    assert "LK-2023-022" not in search_index(index, "elevmøbler", AS_OF).ids
    # Frukt og grønt: "Omfatter ikke frosne grønnsaker"
    assert "LK-2024-156" in search_index(index, "frosne grønnsaker", AS_OF).excluded
    # but the qualifier alone does not exclude: toner "til skole" is still office supplies
    assert top(index, "kontorrekvisita til skolen") == "LK-2024-018"


def test_an_exclusion_matches_the_parts_of_compound_words(index: SearchIndex) -> None:
    # Vinduspuss: "Omfatter ikke vask av fasader og tak" — "fasadevask" is washing of a facade
    result = search_index(index, "fasadevask på rådhuset", AS_OF)
    assert "LK-2025-007" in result.excluded and "LK-2025-007" not in result.ids
    assert top(index, "vinduspuss på rådhuset") == "LK-2025-007"
    # Vikartjenester helse: "Omfatter ikke leger" — a "vikarlege" is a doctor
    assert "LK-2024-192" in search_index(index, "vikarlege til sykehjemmet", AS_OF).excluded
    assert "LK-2024-192" not in search_index(index, "vikar for en sykepleier på sykehjemmet", AS_OF).excluded
    # Inkontinens: "Omfatter ikke bleier til barnehagebarn" — "barna i barnehagen" are those children
    result = search_index(index, "bleier til borna i barnehagen", AS_OF)
    assert result.answer == "none" and "LK-2024-199" in result.excluded
    assert top(index, "bleier til en beboer på sykehjemmet") == "LK-2024-199"
    # … while a stem is no compound part: strøsand is not "strøing" (the grit agreement excludes spreading)
    assert "LK-2024-111" not in search_index(index, "strøsand til driftsstasjonen", AS_OF).excluded


def test_an_excluded_field_is_respected_when_the_words_differ(index: SearchIndex) -> None:
    # Leasing av personbiler og varebiler: "Omfatter ikke tunge kjøretøy og arbeidsmaskiner" — a
    # tipper truck or a sweeper shares no word with "tunge kjøretøy", but is of that field
    for query in ("ny tippbil til veiavdelingen", "we need a refuse truck", "feiebil til gatefeiing"):
        result = search_index(index, query, AS_OF)
        assert "LK-2023-144" in result.excluded and "LK-2023-144" not in result.ids, query
    # … while the cars and vans it covers are still its own
    assert top(index, "to nye elbiler til hjemmetjenesten") == "LK-2023-144"
    # a qualified exclusion is no field exclusion: "hvitevarer til personalrom" leaves the nursing
    # home's kitchen dishwasher to the kitchen equipment agreement
    assert top(index, "oppvaskmaskinen på sykehjemskjøkkenet har streiket") == "LK-2023-102"


def test_expired_and_under_competition_are_never_the_answer(index: SearchIndex) -> None:
    result = search_index(index, "kaffeautomat til personalrommet", AS_OF)
    assert result.no_active_agreement and not result.hits
    statuses = {h.id: h.status for h in result.inactive_matches}
    assert statuses.get("LK-2026-021") == "under_competition"
    assert statuses.get("LK-2021-023") == "expired"
    result = search_index(index, "bedriftshelsetjeneste", AS_OF)
    assert result.no_active_agreement and [h.id for h in result.under_competition] == ["LK-2026-005"]
    result = search_index(index, "blomster til begravelse", AS_OF)
    assert result.no_active_agreement and result.inactive_matches[0].id == "LK-2019-010"


def test_an_inactive_agreement_naming_the_thing_outweighs_an_active_one_near_it(index: SearchIndex) -> None:
    # the medicine dispensers are under competition; the active sensor agreement (door alarms …) is
    # only of the same field and shares "alarm": it is no answer for a medicine dispenser
    result = search_index(index, "medisindispenser med alarm til hjemmeboende", AS_OF)
    assert result.answer == "none" and "inactive_match" in result.why
    assert [h.id for h in result.under_competition] == ["LK-2026-002"] and not result.hits
    # the sensor agreement still answers for what it names
    assert top(index, "sengesensor til en hjemmeboende bruker") == "LK-2025-035"


def test_status_follows_the_date(index: SearchIndex) -> None:
    # the copy-paper agreement runs 2024-03-01 – 2027-12-31 (final end 2028-12-31)
    before = search_index(index, "kopipapir", dt.date(2023, 6, 1))
    assert before.no_active_agreement
    assert {h.id: h.status for h in before.inactive_matches}.get("LK-2024-033") == "not_started"
    after = search_index(index, "kopipapir", dt.date(2031, 1, 1))
    assert after.no_active_agreement and not after.hits
    # the new charging-station agreement is under competition: never the answer
    assert top(index, "ladestasjon for elbiler", dt.date(2027, 7, 1)) is None


def test_a_sure_field_without_agreement_is_none_though_weaker_matches_exist(index: SearchIndex, monkeypatch) -> None:
    # parking enforcement is clearly a field of purchase, and no active agreement covers it; words
    # like "ved helsehuset" match other agreements weakly: those are no answer
    question = "parkeringshåndhevelse ved helsehuset"
    result = search_index(index, question, AS_OF)
    assert (result.answer, result.why, result.hits) == ("none", ["field_without_agreement"], [])
    monkeypatch.setattr(index.vocabulary.ranking.answer, "field_sure", None)  # without the rule: candidates
    assert search_index(index, question, AS_OF).answer == "candidates"


def test_no_agreement_only_with_positive_evidence(index: SearchIndex) -> None:
    # a clear field of purchase (dental services) that no agreement of the register covers
    result = search_index(index, "tannlegetjenester", AS_OF)
    assert result.no_active_agreement and result.answer == "none" and result.why == ["field_without_agreement"]
    assert not result.hits and not result.inactive_matches
    # a word neither the register nor the taxonomy knows: not "none" (no evidence), not an agreement either
    result = search_index(index, "tryllestav", AS_OF)
    assert result.answer == "unknown" and not result.no_active_agreement and not result.hits
    # a weak, stray match is never presented as "this is the agreement"
    assert search_index(index, "kjøpe en hest", AS_OF).answer != "agreement"


@pytest.mark.parametrize(
    ("question", "covered_by"),
    [
        # borrowing is a field of its own: the bank agreement says it does not cover taking up loans
        ("Kommunen skal låne penger til ny brannstasjon", None),
        ("nettbank og innbetalingsløsninger", "LK-2021-018"),
        # (first aid and HSE courses are an area of their own too; their agreement still answers)
        ("HLR-kurs for de ansatte i barnehagen", "LK-2025-055"),
    ],
)
def test_an_area_field_keeps_a_general_agreement_from_answering_for_it(index: SearchIndex, question: str,
                                                                       covered_by: str | None) -> None:
    result = search_index(index, question, AS_OF)
    if covered_by is None:
        assert result.no_active_agreement, [(h.id, h.score) for h in result.hits]
    else:
        assert result.ids[:1] == [covered_by]


@pytest.mark.xfail(reason="a secondary taxonomy link (workwear ~ boats) still reads as a strong match; see README, "
                          "noticed and left", strict=False)
def test_a_need_outside_the_register_is_none_not_a_stray_agreement(index: SearchIndex) -> None:
    assert search_index(index, "båt til vannverket", AS_OF).answer != "agreement"


def test_parallel_agreements_in_a_category_come_together(index: SearchIndex) -> None:
    result = search_index(index, "brøyting av kommunale veier", AS_OF)
    assert result.parallel and set(result.parallel[0]) == {"LK-2023-084", "LK-2023-095"}
    assert set(result.ids[:2]) == {"LK-2023-084", "LK-2023-095"}


@pytest.mark.parametrize("question, district", [
    ("gang- og sykkelveien i rode 6 er ikke strødd", "LK-2023-095"),
    ("Kven brøyter dei kommunale vegane i rode 7?", "LK-2023-095"),
    ("snow ploughing of a municipal road in rode 2", "LK-2023-084"),
])
def test_a_district_named_in_the_question_picks_its_agreement(index: SearchIndex, question: str, district: str) -> None:
    # the two road agreements differ only by their districts ("rodene 1–4", "rodene 5–8")
    other = ({"LK-2023-084", "LK-2023-095"} - {district}).pop()
    result = search_index(index, question, AS_OF)
    assert result.ids[0] == district
    assert all(other not in together for together in result.parallel)  # not offered as an equal


def test_accuracy_on_our_held_out_questions(index: SearchIndex) -> None:
    # A regression guard: these questions were written against the earlier, question-fitted
    # vocabulary (removed); the honest measures are the first-run sets in tests/data/search/.
    evaluation = evaluate_file(HELDOUT, lambda q: search_index(index, q, AS_OF))
    assert evaluation.total >= 60
    assert evaluation.top1_rate >= 0.9, evaluation.misses
    assert evaluation.none_precision >= 0.7, evaluation.misses


def test_accuracy_on_the_dev_questions(index: SearchIndex) -> None:
    if not REFERENCE_QUERIES.exists():
        pytest.skip("dev questions not found")
    evaluation = evaluate_file(REFERENCE_QUERIES, lambda q: search_index(index, q, AS_OF))
    assert evaluation.top1_rate >= 0.75, evaluation.misses
    assert evaluation.none_precision >= 0.8, evaluation.misses


def test_accuracy_on_the_set_written_after_tuning(index: SearchIndex) -> None:
    evaluation = evaluate_file(HELDOUT.with_name("queries-fresh.csv"), lambda q: search_index(index, q, AS_OF))
    assert evaluation.top1_rate >= 0.85, evaluation.misses


def test_cpv_labels_are_norwegian_with_their_parents() -> None:
    from bot.search.vocabulary import cpv_labels, load_vocabulary

    vocabulary = load_vocabulary()
    assert len(vocabulary.cpv) == 9454
    own, parents = cpv_labels("90922000-6", vocabulary.cpv)
    assert own == ["Skadedyrsbekjempelse", "Pest-control services"]
    assert "Renholds- og saniteringstjenester" in parents


def test_a_replaced_agreement_answers_with_its_successor_named_by_its_base_id() -> None:
    # another register's layout: the expired agreement's notes name its successor by the base id
    # of a parallel agreement exported one row per supplier ("SK-2024-007/1", "/2")
    from bot.search.models import AgreementDoc
    from bot.search.service import build_search_index

    old = AgreementDoc(id="SK-2019-003", title="Hygieneartikler", status="expired",
                       description="Tørkepapir, toalettpapir og håndsåpe til alle bygg. SK-2024-007",
                       start_date=dt.date(2019, 1, 1), end_date=dt.date(2023, 12, 31))
    new = [AgreementDoc(id=f"SK-2024-007/{n}", title="Papir og såpeprodukter", status="active",
                        description="Papirprodukter og såpe til kommunale bygg.",
                        start_date=dt.date(2024, 1, 1), end_date=dt.date(2027, 12, 31)) for n in (1, 2)]
    other = AgreementDoc(id="SK-2022-011", title="Kontorrekvisita", status="active", description="Penner, papir og tonere.",
                         start_date=dt.date(2022, 1, 1), end_date=dt.date(2027, 12, 31))
    index = build_search_index([old, *new, other])
    result = search_index(index, "håndsåpe", AS_OF)
    assert result.hits and result.hits[0].id.startswith("SK-2024-007/") and result.hits[0].replaces == "SK-2019-003"


def _small_index(*rows: tuple[str, str, str, str, int, int]) -> SearchIndex:
    """An index of a few agreements: (id, title, status, description, first year, last year)."""
    from bot.search.models import AgreementDoc
    from bot.search.service import build_search_index

    return build_search_index([
        AgreementDoc(id=i, title=title, status=status, description=description,
                     start_date=dt.date(first, 1, 1), end_date=dt.date(last, 12, 31))
        for i, title, status, description, first, last in rows])


def test_a_wreath_is_not_a_crane() -> None:
    """"krans" is a word of its own, not the genitive of "kran": a wreath for a funeral matches the
    flowers agreement that ran out, not the crane rental in force."""
    index = _small_index(
        ("LK-2019-010", "Blomster og dekorasjoner", "expired",
         "Blomsterbuketter, kranser og dekorasjoner til merkedager og begravelser.", 2020, 2023),
        ("LK-2023-145", "Leie av lift, kran og stillas", "active",
         "Korttidsleie av personløftere, kran, stillas og byggtørkere, inkludert transport.", 2023, 2027))
    result = search_index(index, "krans til gravferda", AS_OF)
    assert result.no_active_agreement and not result.hits
    assert [h.id for h in result.inactive_matches] == ["LK-2019-010"]


def test_an_agreement_limited_to_one_setting_does_not_cover_another() -> None:
    """"Vikartjenester – barnehage" covers substitutes in kindergartens: a substitute teacher for a
    lower secondary school is none of the agreements in force, not the kindergarten one."""
    index = _small_index(
        ("LK-2024-093", "Vikartjenester – barnehage", "active",
         "Innleie av pedagogiske ledere, barnehagelærere og assistenter ved fravær i de kommunale barnehagene.", 2024, 2027),
        ("LK-2024-192", "Vikartjenester – helse og omsorg", "active",
         "Innleie av sykepleiere, helsefagarbeidere og assistenter ved fravær.", 2024, 2027))
    teacher = search_index(index, "lærervikar til ungdomsskolen i to uker", AS_OF)
    assert teacher.no_active_agreement and not teacher.hits and teacher.why == ["other_setting"]
    assert set(teacher.excluded) == {"LK-2024-093", "LK-2024-192"}
    kindergarten = search_index(index, "vikar til barnehagen i morgen", AS_OF)
    assert kindergarten.hits and kindergarten.hits[0].id == "LK-2024-093"
    nursing_home = search_index(index, "vikar til sykehjemmet i helgen", AS_OF)
    assert nursing_home.hits and nursing_home.hits[0].id == "LK-2024-192"


def test_a_course_agreement_is_linked_to_the_field_its_subject_names() -> None:
    """A register without CPV or keywords: "Kurs i førstehjelp og hjerte-lunge-redning" is a first-aid
    course (its subject after "i"), so an English question about one finds it through the field."""
    index = _small_index(
        ("FK-2025-066", "Kurs i førstehjelp og hjerte-lunge-redning", "active",
         "Kurs i førstehjelp og HLR for ansatte, holdt på arbeidsplassen.", 2025, 2028),
        ("FK-2024-010", "Kurs og konferanser", "active", "Konferanselokaler og kurslokaler med servering.", 2024, 2027))
    links = index.doc_links[0]
    strongest = max(links, key=links.get)
    assert index.fields.fields[strongest].id == "hse_certification_courses" and links[strongest] >= 0.8
    result = search_index(index, "First aid and CPR course for kindergarten staff", AS_OF)
    assert result.hits and result.hits[0].id == "FK-2025-066" and not result.no_active_agreement


def test_a_need_bought_through_another_fields_agreement_is_answered_with_it() -> None:
    # flights are booked through the travel agency (`via` in the taxonomy): a travel agency
    # agreement that never says "fly" still covers a flight, which is no "no active agreement"
    index = _small_index(
        ("RB-1", "Reisebyråtjenester", "active", "Bestilling av tjenestereiser med bookingverktøy og reisetelefon.", 2024, 2028),
        ("KR-1", "Kontorrekvisita", "active", "Penner, papir og tonere.", 2024, 2028))
    for question in ("flybillett til kurs i Oslo", "I need a plane ticket to Bergen for a seminar"):
        result = search_index(index, question, AS_OF)
        assert not result.no_active_agreement and result.ids[:1] == ["RB-1"], (question, result.why)
    # a helicopter for a forest fire is no flight booking: nothing covers it
    assert search_index(index, "helikopter til skogbrannslokking", AS_OF).ids[:1] != ["RB-1"]


def test_doors_are_fitted_through_the_carpentry_agreement(index: SearchIndex) -> None:
    # `via` in the taxonomy: doors and windows are bought through the carpenter; the reference
    # register's carpentry agreement never says "dør", and "no active agreement" would send the
    # employee outside it
    result = search_index(index, "ytterdøra på omsorgsboligen er råtten og må skiftes", AS_OF)
    assert not result.no_active_agreement and result.ids[:1] == ["LK-2024-063"], result.why


def test_a_replaced_agreement_answers_with_the_newer_one_that_names_it() -> None:
    """An export that keeps the link on the newer agreement only ("Erstatter SK-2019-011", a
    "Replaces" column): the expired one's need is answered with the one that replaced it, even when
    its own words are far from the question."""
    index = _small_index(
        ("SK-2019-011", "Lekeplassutstyr", "expired", "Lekeapparater, husker og sklier til barnehager.", 2019, 2023),
        ("SK-2024-040", "Uteområder – utstyr og drift", "active", "Utstyr og vedlikehold for uteområder. SK-2019-011", 2024, 2028),
        ("SK-2018-001", "Kontorrekvisita", "active", "Penner og papir. Omfatter ikke SK-2019-011.", 2018, 2028))
    result = search_index(index, "ny huske og sklie til barnehagen", AS_OF)
    assert result.hits and result.hits[0].id == "SK-2024-040" and result.hits[0].replaces == "SK-2019-011", result.why
    assert not result.no_active_agreement


def test_a_numbered_exclusion_list_is_read_item_by_item() -> None:
    """"Omfatter ikke (1) pasientreiser til sykehus (2) flyreiser for ansatte (se reisebyrå)": two
    excluded things, not one run together, and "(1)" sends nowhere."""
    index = _small_index(
        ("TR-1", "Brukertransport", "active", "Transport av brukere til dagsenter. Omfatter ikke "
         "(1) Pasientreiser til sykehus (2) Flyreiser for ansatte (se reisebyrå).", 2024, 2028))
    assert index.exclusions_text(0) == ["Pasientreiser til sykehus", "Flyreiser for ansatte"]
    assert [e.referral for e in index.exclusions[0]] == ["", "se reisebyrå"]
    for question in ("pasientreise til sykehuset", "flyreise for ansatte"):
        result = search_index(index, question, AS_OF)
        assert result.no_active_agreement and "TR-1" in result.excluded, question
    assert search_index(index, "transport til dagsenteret", AS_OF).ids[:1] == ["TR-1"]


def test_a_successor_that_excludes_the_thing_is_no_answer() -> None:
    index = _small_index(
        ("SK-2018-045", "Tolketjenester", "expired", "Fremmedspråktolking og tegnspråktolking. Erstattet av SK-2022-044.",
         2018, 2021),
        ("SK-2022-044", "Tolketjenester", "active",
         "Fremmedspråktolking ved oppmøte, telefon og video. Omfatter ikke tegnspråktolk.", 2022, 2027))
    result = search_index(index, "tegnspråktolk til et foreldremøte", AS_OF)
    assert result.no_active_agreement and "SK-2022-044" in result.excluded and not result.hits
    result = search_index(index, "tolk til et foreldremøte", AS_OF)  # what it still covers
    assert result.hits and result.hits[0].id == "SK-2022-044"


def test_an_excluded_thing_is_answered_by_the_agreement_the_exclusion_names() -> None:
    """"Omfatter ikke frosne grønnsaker (se dagligvarer)": the groceries agreement, which never
    names frozen vegetables, answers for them — found by its title, or by its number."""
    index = _small_index(
        ("LK-2024-156", "Frukt og grønt", "active",
         "Fersk frukt, bær, grønnsaker og poteter. Omfatter ikke frosne grønnsaker (se dagligvarer).", 2024, 2027),
        ("LK-2023-090", "Dagligvarer og tørrvarer", "active", "Tørrvarer, hermetikk, frysevarer, kaffe og te.", 2023, 2027),
        ("LK-2022-090", "Dagligvarer", "expired", "Tørrvarer og hermetikk.", 2019, 2022),
        ("BK-2021-017", "Arkivtjenester", "active",
         "Arkivering og bevaring. Omfatter ikke skanning av papirarkiv (BK-2024-031).", 2021, 2027),
        ("BK-2024-031", "Kontorstøtte", "active", "Innleie av kontorhjelp.", 2024, 2027),
        ("LK-2024-007", "Tolketjenester", "active",
         "Fremmedspråktolking. Omfatter ikke tegnspråktolk (NAV).", 2024, 2027))
    result = search_index(index, "frosne grønnsaker til kjøkkenet", AS_OF)
    assert result.ids[:1] == ["LK-2023-090"] and "referred" in result.why and not result.no_active_agreement
    assert result.hits[0].instead_of == "LK-2024-156" and "LK-2024-156" in result.excluded
    card = json.dumps(search_answer(result, "nb").card, ensure_ascii=False)  # the card says why this agreement
    assert "Avtalen LK-2024-156 omfatter ikke dette og viser til denne avtalen." in card
    assert "Agreement LK-2024-156 does not cover this" in json.dumps(search_answer(result, "en").card)
    result = search_index(index, "ferske grønnsaker", AS_OF)  # what the first one covers itself
    assert result.ids[:1] == ["LK-2024-156"] and not result.hits[0].instead_of
    result = search_index(index, "skanning av papirarkiv", AS_OF)
    assert result.ids[:1] == ["BK-2024-031"] and result.hits[0].instead_of == "BK-2021-017"
    # a parenthesis that names no agreement sends nowhere: still no active agreement
    result = search_index(index, "tegnspråktolk til foreldremøte", AS_OF)
    assert result.no_active_agreement and "LK-2024-007" in result.excluded


def _excluded_but_covered(index: SearchIndex, agreement_id: str, excluded: str, *covered: str) -> None:
    """`excluded` is "no active agreement" because `agreement_id` excludes it; each of `covered` is
    still that agreement's."""
    result = search_index(index, excluded, AS_OF)
    assert result.no_active_agreement and agreement_id in result.excluded, excluded
    for question in covered:
        result = search_index(index, question, AS_OF)
        assert result.hits and result.hits[0].id == agreement_id and not result.no_active_agreement, question


def test_an_excluded_compound_with_its_qualifier_is_respected() -> None:
    """"Omfatter ikke: småskrivere til hjemmekontor": a small printer for the home office is asked
    for as "en liten skriver til hjemmekontoret"; the agreement's own machines are still its answer."""
    index = _small_index(
        ("SK-2023-015", "Multifunksjonsmaskiner – leie og service", "active",
         "Leie av multifunksjonsmaskiner (kopi, utskrift, skanning) med service og toner. "
         "Omfatter ikke: småskrivere til enkeltarbeidsplasser eller hjemmekontor, papir.", 2023, 2027))
    _excluded_but_covered(index, "SK-2023-015", "kan jeg kjøpe en liten skriver til hjemmekontoret mitt?",
                          "kopimaskinen på rådhuset trenger service")


def test_an_excluded_compound_is_matched_by_its_parts_inside_longer_words() -> None:
    """"Omfatter ikke bleier til barnehagebarn": the small children's ward of a kindergarten asks for it."""
    index = _small_index(
        ("LK-2024-199", "Inkontinensprodukter", "active",
         "Inkontinensprodukter (bleier, bind) og underlag til sykehjem og hjemmeboende. "
         "Omfatter ikke bleier til barnehagebarn.", 2024, 2027),
        ("LK-2023-116", "Barnehagemøbler", "active", "Stoler, bord og stellebord til barnehage, tilpasset barn.", 2023, 2027))
    _excluded_but_covered(index, "LK-2024-199", "Bleier til småbarnsavdelinga i barnehagen", "inkontinensbleier til sykehjemmet")


def test_an_excluded_compound_is_matched_by_what_it_is_of_and_its_qualifier() -> None:
    """"Omfatter ikke pasientreiser til sykehus": a taxi for a patient going to the hospital is that
    trip, though the question never says "pasientreise"; a taxi for staff is still the agreement's."""
    index = _small_index(
        ("DT-2024-109", "Drosjetjenester", "active",
         "Drosjeturer for ansatte i tjeneste og for brukere når tjenesten betaler. "
         "Omfatter ikke pasientreiser til sykehus.", 2024, 2027))
    _excluded_but_covered(index, "DT-2024-109", "drosje til en pasient som skal til sykehuset på kontroll",
                          "drosje til en ansatt som skal på møte", "drosje til pasient som skal til dagsenteret")


def test_an_excluded_word_spelt_the_other_written_standards_way_is_excluded() -> None:
    """"Omfatter ikke … leirskole" asked in nynorsk ("leirskulen"): one letter apart is the same word."""
    index = _small_index(
        ("SS-2022-018", "Tilrettelagt skoleskyss", "active",
         "Daglig skyss med drosje eller minibuss for elever med rett til tilrettelagt skoleskyss. "
         "Omfatter ikke turer i skoletiden som ekskursjoner og leirskole.", 2022, 2027))
    _excluded_but_covered(index, "SS-2022-018", "Buss til leirskulen for 60 elevar", "skuleskyss for ein elev i rullestol")


def test_residents_household_waste_is_no_agreement_for_the_municipalitys_own_waste() -> None:
    """"Husholdningsavfall … omfattes ikke": the taxonomy knows household waste collection as a field of
    its own (residents' waste, collected by the municipal or inter-municipal company), so residents
    complaining that theirs was not collected are told no agreement covers it, while the waste of the
    municipality's own buildings is still the agreement's."""
    index = _small_index(
        ("AV-2022-032", "Avfallshåndtering for kommunale virksomheter", "active",
         "Henting av restavfall, papp og matavfall fra skoler, barnehager og sykehjem. "
         "Husholdningsavfall håndteres av det interkommunale renovasjonsselskapet og omfattes ikke.", 2022, 2027),
        ("SB-2024-010", "Sentralbord og innbyggerservice", "active",
         "Sentralbordtjeneste og svar på henvendelser og klager fra innbyggere.", 2024, 2027))
    _excluded_but_covered(index, "AV-2022-032", "innbyggere klager på at husholdningsavfallet ikke er hentet denne uka",
                          "restavfall fra skolen må hentes oftere")


def test_an_excluded_item_written_as_one_compound_is_excluded() -> None:
    """"Vask av beboernes private tøy inngår ikke": "privattøyet" joins two of its words into one
    compound and names the excluded thing as well as the words apart do."""
    index = _small_index(
        ("TX-2024-125", "Vask og leie av tekstiler til institusjoner", "active",
         "Leie og vask av sengetøy, håndklær og arbeidstøy for sykehjem. Vask av beboernes private tøy inngår ikke.",
         2024, 2027),
        ("SB-2024-010", "Sentralbord og innbyggerservice", "active",
         "Sentralbordtjeneste og svar på henvendelser fra innbyggere.", 2024, 2027))
    _excluded_but_covered(index, "TX-2024-125", "vask av privattøyet til bebuarane", "vask av sengetøy til sykehjemmet")


def test_what_is_procured_separately_is_not_covered() -> None:
    """"Større nybyggprosjekter konkurranseutsettes særskilt": a register's way of saying the
    agreement does not cover them."""
    index = _small_index(
        ("AR-2024-021", "Arkitekttjenester", "active",
         "Arkitekttjenester ved ombygging og mindre nybygg. Større nybyggprosjekter konkurranseutsettes særskilt.",
         2024, 2027))
    assert [e.text for e in index.exclusions[0]] == ["Større nybyggprosjekter"]


def test_a_kind_of_the_excluded_thing_named_by_its_own_compound_needs_the_qualifier() -> None:
    """"… samt influensavaksine til ansatte. Vaksiner i barnevaksinasjonsprogrammet inngår ikke": a flu
    vaccine is the agreement's (the exclusion is qualified by the programme, which the question does
    not name); the programme's vaccines are still excluded."""
    index = _small_index(
        ("HK-2024-305", "Legemiddelforsyning og farmasøytiske tjenester", "active",
         "Legemidler til sykehjem og hjemmetjeneste, multidose, samt influensavaksine til ansatte. "
         "Vaksiner i barnevaksinasjonsprogrammet inngår ikke.", 2024, 2027))
    result = search_index(index, "Influensavaksine til ansatte på sykehjemmet", AS_OF)
    assert result.hits and result.hits[0].id == "HK-2024-305" and not result.no_active_agreement
    result = search_index(index, "vaksiner i barnevaksinasjonsprogrammet til helsestasjonen", AS_OF)
    assert result.no_active_agreement and not result.hits


@pytest.mark.parametrize(("question", "expected"), [
    ("en tilbyder har klaget på tildelingen, vi trenger juridisk hjelp", "JS-2"),
    ("we need a lawyer for a dismissal case", "JS-3"),
    ("lawyer for a whistleblowing case", "JS-3"),
    ("barnevernet treng advokat i ei sak om omsorgsovertaking", "JS-1"),
])
def test_lawyers_by_area_of_law(question: str, expected: str) -> None:
    """Three legal agreements by area (a register's usual lots): the area the question is about
    decides, though every agreement says "advokat" and none uses the question's words."""
    index = _small_index(
        ("JS-1", "Advokattjenester – barnevern", "active",
         "Prosessfullmektig for barneverntjenesten i saker for nemnda og tingretten.", 2023, 2027),
        ("JS-2", "Advokattjenester – offentlig rett og anskaffelser", "active",
         "Juridisk bistand innen forvaltningsrett, offentlige anskaffelser, plan- og bygningsrett og kontraktsrett. "
         "Omfatter ikke arbeidsrett og barnevernssaker.", 2024, 2027),
        ("JS-3", "Advokattjenester – arbeidsrett", "active",
         "Bistand til HR og ledere i personalsaker og tvister med arbeidstakerorganisasjoner.", 2024, 2027))
    result = search_index(index, question, AS_OF)
    assert result.hits and result.hits[0].id == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("lønnsmedarbeideren er i permisjon, vi trenger vikar i tre måneder", "VT-2"),
    ("tre ansatte er syke i barnehagen, trenger vikar i morgen", "VT-3"),
    ("sykepleiervikar til sykehjemmet i helgen", "VT-1"),
])
def test_temporary_staff_by_where_they_work(question: str, expected: str) -> None:
    """Three temp agreements (health and care, office, kindergartens): the one for where the
    temp is needed comes first, though all three say "vikar"."""
    index = _small_index(
        ("VT-1", "Vikartjenester – helse og omsorg", "active",
         "Innleie av sykepleiere, spesialsykepleiere, helsefagarbeidere og assistenter.", 2024, 2027),
        ("VT-2", "Vikartjenester – kontor og administrasjon", "active",
         "Innleie av saksbehandlere, sekretærer, lønns- og regnskapsmedarbeidere ved vakanser og sykefravær.", 2025, 2027),
        ("VT-3", "Vikartjenester – barnehage", "active",
         "Innleie av pedagogiske ledere, barnehagelærere og assistenter ved fravær i de kommunale barnehagene.", 2024, 2027))
    result = search_index(index, question, AS_OF)
    assert result.hits and result.hits[0].id == expected


def test_buying_what_an_agreement_only_rents_out_is_excluded() -> None:
    """"Omfatter ikke kjøp av matter" on an agreement to rent mats: the exclusion names nothing but
    the agreement's own thing bought. A question that buys or owns it is excluded; one that rents,
    or asks to have the mats changed, is answered by the agreement."""
    index = _small_index(
        ("LK-2022-006", "Leie og vask av entrématter", "active",
         "Utleie og fast utskifting av smussmatter ved inngangspartier i skoler og barnehager. "
         "Omfatter ikke kjøp av matter.", 2022, 2027))
    assert index.exclusions[0] and index.exclusions[0][0].purchase
    for question in ("kjøpe egne smussmatter til inngangen", "vi vil kaupe eigne smussmatter til skulen"):
        result = search_index(index, question, AS_OF)
        assert result.no_active_agreement and "LK-2022-006" in result.excluded, question
    for question in ("smussmattene ved inngangen må byttes oftere", "vi vil leie, ikke kjøpe, smussmatter"):
        result = search_index(index, question, AS_OF)
        assert result.hits and result.hits[0].id == "LK-2022-006", question


def test_an_excluded_item_every_word_of_which_is_in_the_question_is_excluded(index: SearchIndex) -> None:
    """"Omfatter ikke sliping av idrettsgulv" (LK-2023-015, floors): the floor of a sports hall to be
    sanded, asked with the sanding and the sport in the question's context, is excluded; laying a
    floor is still the agreement's."""
    result = search_index(index, "gulvet i idrettshallen skal slipes", AS_OF)
    assert result.no_active_agreement and "LK-2023-015" in result.excluded
    assert top(index, "nytt linoleumsgulv i gangen på skolen") == "LK-2023-015"


def test_an_agreement_without_an_end_date_is_active_and_its_card_says_so() -> None:
    """An agreement the register writes "Until further notice" for has no end date: it answers on
    any date after its start, and its card says it runs from its start without an end date."""
    from bot.search.models import AgreementDoc
    from bot.search.service import build_search_index

    index = build_search_index([AgreementDoc(id="UF-1", title="Sak- og arkivsystem", status="active",
                                             description="Sak- og arkivsystem med lisens og drift.",
                                             start_date=dt.date(2020, 1, 1), end_date=None)])
    result = search_index(index, "lisens til arkivsystemet", dt.date(2031, 5, 1))
    assert result.ids[:1] == ["UF-1"] and not result.no_active_agreement
    assert "fra 1. jan. 2020, uten sluttdato" in json.dumps(search_answer(result, "nb").card, ensure_ascii=False)
    assert "from 1 Jan 2020, no end date" in json.dumps(search_answer(result, "en").card)
    assert "frå 1. jan. 2020, utan sluttdato" in json.dumps(search_answer(result, "nn").card, ensure_ascii=False)


def test_a_one_word_exclusion_counts_where_the_question_says_what_for(index: SearchIndex) -> None:
    """"Omfatter ikke turer i skoletiden som ekskursjoner og leirskole" (LK-2022-018, school
    transport): a bus *to* the camp school names the excluded thing in its context — no active
    agreement; daily transport to school is still the agreement's."""
    result = search_index(index, "Vi trenger buss til leirskolen for 7. trinn", AS_OF)
    assert result.no_active_agreement and "LK-2022-018" in result.excluded
    assert top(index, "tilrettelagt skoleskyss for en elev i rullestol") == "LK-2022-018"


def test_permanent_means_what_an_exclusion_calls_lasting(index: SearchIndex) -> None:
    """"Hjelpemidler til varig bruk … omfattes ikke" (LK-2024-046, short-term loan stock): a
    permanent wheelchair is what it excludes; one for a short-term loan is what it covers."""
    assert "LK-2024-046" in search_index(index, "permanent elektrisk rullestol til en beboer", AS_OF).excluded
    assert top(index, "rullestol til korttidslån etter operasjon") == "LK-2024-046"


def test_an_excluded_thing_is_none_though_a_weaker_agreement_shares_incidental_words() -> None:
    """The best match excludes the thing asked for (buying the mats it rents out); a cleaning
    agreement that only shares "inngangen" scores well below it: "none", not
    the cleaning agreement as a candidate."""
    index = _small_index(
        ("LK-2022-006", "Leie og vask av entrématter", "active",
         "Utleie og fast utskifting av smussmatter ved inngangspartier i skoler og barnehager. "
         "Omfatter ikke kjøp av matter.", 2022, 2027),
        ("LK-2023-111", "Renholdstjenester – ekstern bistand", "active",
         "Ekstern renholdsbistand ved sykdom og ferie, også hovedrengjøring av inngangen.", 2023, 2027))
    result = search_index(index, "vil kjøpe egne smussmatter til inngangen i stedet for å leie", AS_OF)
    assert result.no_active_agreement and "LK-2022-006" in result.excluded
    result = search_index(index, "renholder er syk, trenger ekstern renholdsbistand", AS_OF)
    assert result.hits and result.hits[0].id == "LK-2023-111"


def test_an_excluded_thing_is_none_when_what_else_matched_is_weaker_than_the_exclusion(index: SearchIndex) -> None:
    """The best match excludes what is asked for (the car leasing agreement: "Omfatter ikke tunge
    kjøretøy"; the assistive-devices loan store: no permanent wheelchairs), and the active agreements
    that matched are weaker and not strong matches themselves: "none", not those as candidates."""
    for question in ("lastebil med kran, leasing", "egen elektrisk rullestol på permanent basis"):
        result = search_index(index, question, AS_OF)
        assert result.no_active_agreement and result.why == ["excluded"] and result.excluded, (question, result.why)
    # a strong active match is still the answer, whatever another agreement excludes
    result = search_index(index, "leasing av elbil til hjemmetjenesten", AS_OF)
    assert result.ids[:1] == ["LK-2023-144"] and not result.no_active_agreement


def test_an_exclusion_from_a_value_on_applies_to_questions_of_that_value() -> None:
    """"Omfatter ikke nye anlegg over 500 000 kr": a new system for 3 million is excluded; a small
    new one, servicing for more, or a new one of no stated size is still the agreement's."""
    index = _small_index(
        ("LK-2024-128", "Service på ventilasjons- og kjøleanlegg", "active",
         "Periodisk service, filterskift og feilretting på ventilasjonsanlegg og kjøleanlegg i kommunale bygg. "
         "Omfatter ikke nye anlegg over 500 000 kr.", 2024, 2027),
        ("AVT-2024-001", "Elektrikertjenester", "active",
         "Service, feilretting og mindre installasjonsarbeider i kommunale bygg. Omfatter ikke: nyanlegg over 1 MNOK, "
         "gatelys.", 2024, 2027))
    assert [(e.min_value, e.new) for e in index.exclusions[0]] == [(500000.0, True)]
    for question in ("nytt ventilasjonsanlegg i rådhuset for 3 mill", "nytt ventilasjonsanlegg, ca 3 mill"):
        result = search_index(index, question, AS_OF)
        assert result.no_active_agreement and "LK-2024-128" in result.excluded, question
    for question in ("nytt ventilasjonsanlegg, 200 000", "service på ventilasjonsanlegget, 600 000 i året",
                     "nytt ventilasjonsanlegg", "nytt ventilasjonsanlegg, under 400 000"):
        result = search_index(index, question, AS_OF)
        assert result.hits and result.hits[0].id == "LK-2024-128" and not result.excluded, question
    # "nyanlegg": a question that says new, for more than the limit, is not answered with the agreement
    result = search_index(index, "nye installasjonsarbeider i barnehagen, ca 4 mill", AS_OF)
    assert "AVT-2024-001" in result.excluded and not result.hits
    result = search_index(index, "installasjonsarbeider i barnehagen, 40 000", AS_OF)
    assert result.hits and result.hits[0].id == "AVT-2024-001" and not result.excluded


def test_an_excluded_thing_another_agreement_names_is_sent_there() -> None:
    """"Omfatter ikke … brannalarm" on the intrusion-alarm agreement, without "se …": the agreement
    whose title names fire alarms answers, even when the question's words lean to the first one."""
    index = _small_index(
        ("LK-2025-047", "Innbruddsalarm og kameraovervåking", "active",
         "Levering, service og overvåking av innbruddsalarmer og kameraovervåking på kommunale bygg. Alarmer "
         "overføres til leverandørens alarmsentral. Omfatter ikke vektertjenester og brannalarm.", 2025, 2028),
        ("LK-2023-110", "Brannalarm- og sprinkleranlegg – service", "active",
         "Årlig kontroll, service og feilretting på sprinkleranlegg og nødlys.", 2023, 2027))
    result = search_index(index, "alarmen går uten grunn, det er brannalarmen på skolen", AS_OF)
    assert "LK-2025-047" in result.excluded
    assert result.hits and result.hits[0].id == "LK-2023-110" and result.hits[0].instead_of == "LK-2025-047"


def test_the_clause_that_names_the_need_makes_the_first_candidate_the_answer(index: SearchIndex) -> None:
    """Words around the need ("Hei! Jeg jobber i administrasjonen") weigh its match down to
    candidates; the clause that names it is clearly about the first of them: the agreement. A
    context clause ("Jeg er nyansatt": a new employee's PC) never makes its match the answer when
    another clause matches more strongly."""
    assert engine._clauses(index, "Jeg er nyansatt på rådhuset og vi trenger fire nye kontorstoler") == [
        "Jeg er nyansatt på rådhuset", "og vi trenger fire nye kontorstoler"]
    assert engine._clauses(index, "Hei! Vi er på Kjenn skole, men skrivaren er tom; kan de sende toner?") == [
        "Hei", "Vi er på Kjenn skole", "men skrivaren er tom", "kan de sende toner"]
    assert engine._clauses(index, "Lisenser til 3. trinn, ca. 40 stk") == ["Lisenser til 3. trinn, ca. 40 stk"]
    whole = "Hei! Jeg jobber i administrasjonen på Lørenskog hus, og vi trenger seks nye kontorstoler."
    focused = search_index(index, whole, AS_OF)
    assert focused.answer == "agreement" and focused.ids[:1] == ["LK-2023-022"] and "clause" in focused.why
    assert focused.query == whole
    # the PC a new employee gets matches "nyansatt" (first without the semantic step), but the
    # chairs' clause matches more strongly: still only candidates
    mixed = search_index(index, "Jeg er nyansatt på rådhuset og vi trenger fire nye kontorstoler", AS_OF)
    assert mixed.answer == "candidates" and "clause" not in mixed.why and "LK-2023-022" in mixed.ids
