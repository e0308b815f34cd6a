"""The kind of purchase from the thing bought, through the shared taxonomy (bot.taxonomy).

The decision rules (one kind; verbs picking among a field's kinds; asking with two buttons when
the question allows two; flags as requirement triggers) are tested on real taxonomy fields with
the hits given; the end-to-end kinds need the taxonomy's classifier and run once it is there.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from bot.authority import analyse
from bot.authority.kind import classifier, from_taxonomy
from bot.authority.parse import language
from bot.authority.render import authority_answer
from bot.taxonomy import load_taxonomy
from tests.conftest import AS_OF


def field(field_id: str, **changes):
    return load_taxonomy().field(field_id).model_copy(update=changes)


def hits(*fields_and_scores):
    return lambda text: [SimpleNamespace(field=f, score=s) for f, s in fields_and_scores]


HEAT_PUMPS = dict(kind="varer", also=["bygg_og_anlegg", "tjenester"])


@pytest.mark.parametrize(
    ("text", "kind", "choices"),
    [
        ("installere varmepumpe på skolen", "bygg_og_anlegg", []),
        ("montering av varmepumper", "bygg_og_anlegg", []),
        ("serviceavtale på varmepumpene", "tjenester", []),
        ("maintenance of the heat pumps", "tjenester", []),
        ("kjøpe tre varmepumper", "varer", []),
        ("kjøpe og installere varmepumpe", "bygg_og_anlegg", []),  # the specific verb decides
        ("varmepumpe", "varer", []),  # no verb: the field's own kind
        ("installere og vedlikeholde varmepumper", None, ["bygg_og_anlegg", "tjenester"]),
    ],
)
def test_verbs_pick_between_a_fields_kinds(text, kind, choices) -> None:
    reading = from_taxonomy(text, language(), hits((field("heating_heat_pumps", **HEAT_PUMPS), 0.9)))
    assert (reading.kind, reading.choices) == (kind, choices)


def test_the_verbs_are_read_from_the_question_not_from_the_subject() -> None:
    # the subject sent to the search has lost "kjøpe" (a filler word there); the verb still picks the kind
    stage = hits((field("stage_sound_light", kind="tjenester", also=["varer"]), 0.9))
    assert from_taxonomy("scenepodier til kulturhuset", language(), stage).kind == "tjenester"
    bought = from_taxonomy("scenepodier til kulturhuset", language(), stage,
                           question="Vi skal kjøpe nye scenepodier til kulturhuset for 400 000 kr")
    assert bought.kind == "varer"
    # "anskaffe" / "purchase" are said of services as much as of goods: they pick nothing
    procured = from_taxonomy("scenepodier til kulturhuset", language(), stage,
                             question="Vi skal anskaffe scenepodier til kulturhuset for 400 000 kr")
    assert procured.kind == "tjenester"


def test_a_field_of_one_kind_needs_no_verb() -> None:
    reading = from_taxonomy("støttekontakt til ungdom", language(), hits((field("support_contact"), 0.9)))
    assert (reading.kind, reading.choices, reading.source) == ("helse_og_sosial", [], "taxonomy")


def test_weak_hits_are_not_taken() -> None:
    assert from_taxonomy("noe helt annet", language(), hits((field("support_contact"), 0.1))) is None


def test_near_fields_agreeing_on_a_kind_give_it_though_no_field_is_sure() -> None:
    # below min_score no field is taken, but when every near hit is of one kind, that kind is
    lang = language()
    low = lang.taxonomy.min_score - 0.05
    assert lang.taxonomy.weak_min_score is not None and lang.taxonomy.weak_min_score < low
    reading = from_taxonomy("lastebil med kran", lang, hits(
        (field("vehicle_purchase"), low), (field("utility_machines"), low - 0.01), (field("it_security"), 0.2)))
    assert (reading.kind, reading.source, reading.fields) == ("varer", "taxonomy_weak", ["vehicle_purchase"])
    # near hits of two kinds: no kind at all (the answer asks)
    split = hits((field("vehicle_purchase"), low), (field("it_security"), low - 0.01))
    assert from_taxonomy("noe uklart", lang, split) is None
    # and below weak_min_score nothing is read
    assert from_taxonomy("noe", lang, hits((field("vehicle_purchase"), lang.taxonomy.weak_min_score - 0.01))) is None


def test_a_kind_word_outweighs_a_weak_taxonomy_reading(monkeypatch) -> None:
    lang = language()
    weak = lang.taxonomy.min_score - 0.05
    monkeypatch.setattr("bot.authority.kind.classifier", lambda: hits((field("translation"), weak)))
    said = analyse("Varekjøp: trykte brosjyrer på fem språk for 300 000 kr", AS_OF)
    assert said.kind == "varer"  # "varekjøp" names the kind outright
    unsaid = analyse("Brosjyrer på fem språk for 300 000 kr", AS_OF)
    assert (unsaid.kind, field("translation").kind) == ("tjenester", "tjenester")  # nothing said: the weak reading stands


def test_equally_good_readings_take_the_kind_both_allow() -> None:
    # a truck with a crane reads as lifts (works, also goods) and vehicles (goods) alike: goods fits both
    reading = from_taxonomy("lastebil med kran", language(), hits(
        (field("scaffolding_lifts", kind="bygg_og_anlegg", also=["varer"]), 0.7), (field("vehicle_purchase"), 0.7)))
    assert (reading.kind, reading.choices) == ("varer", [])


def test_goods_bought_keep_their_kind_though_a_service_reads_as_well() -> None:
    # "piano" reads as instruments (goods, also services) and as removals (pianoflytting) alike:
    # buying a new piano is goods; without a verb, the kind both allow
    readings = hits((field("musical_instruments"), 0.8), (field("moving_storage"), 0.78))
    assert from_taxonomy("kjøpe et nytt piano", language(), readings).kind == "varer"
    assert from_taxonomy("piano til kulturskolen", language(), readings).kind == "tjenester"


def test_flags_become_the_matrix_cues() -> None:
    reading = from_taxonomy("arbeidsklær", language(), hits(
        (field("workwear_kitchen_cleaning", flags=["ethical_trade"]), 0.9),
        (field("utility_machines", flags=["vehicle"]), 0.2)))  # too far below the best: not counted
    assert reading.cues == ["etisk_handel"]
    tie = from_taxonomy("renhold av skolen", language(), hits(
        (field("pest_control"), 1.05), (field("cleaning_services", flags=["cleaning_service"]), 1.05)))
    assert tie.cues == ["renhold"]  # two equally good readings: the requirement of either is kept
    apart = from_taxonomy("arbeidsklær", language(), hits(
        (field("workwear_kitchen_cleaning", flags=["ethical_trade"]), 0.9),
        (field("cleaning_services", flags=["cleaning_service"]), 0.8)))  # clearly below the best: not a tie
    assert apart.cues == ["etisk_handel"]


def test_the_best_field_decides_the_kind() -> None:
    # a snow blower: the machine (goods) scores above snow clearing (services), which is no kind of it
    reading = from_taxonomy("snøfreser", language(), hits((field("utility_machines"), 1.0), (field("snow_properties"), 0.95)))
    assert (reading.kind, reading.choices, reading.fields) == ("varer", [], ["utility_machines"])


def test_two_kinds_are_offered_as_two_buttons(monkeypatch) -> None:
    import bot.taxonomy

    monkeypatch.setattr(bot.taxonomy, "classify", hits((field("heating_heat_pumps", **HEAT_PUMPS), 0.9)), raising=False)
    result = analyse("installere og vedlikeholde varmepumper på skolen for 800 000", AS_OF)
    assert (result.missing, result.kind_candidates) == (["kind"], ["bygg_og_anlegg", "tjenester"])
    buttons = [a for item in authority_answer(result, "nb").card["body"] if item.get("type") == "ActionSet"
               for a in item["actions"]]
    assert [b["data"]["value"] for b in buttons] == ["bygg_og_anlegg", "tjenester"]
    done = analyse("bygg_og_anlegg", AS_OF, previous=result)
    assert (done.kind, done.band) == ("bygg_og_anlegg", "C")


def test_no_question_when_both_kinds_give_the_same_answer(monkeypatch) -> None:
    import bot.taxonomy

    monkeypatch.setattr(bot.taxonomy, "classify", hits((field("heating_heat_pumps", **HEAT_PUMPS), 0.9)), raising=False)
    result = analyse("installere og vedlikeholde varmepumpe for 40 000", AS_OF)  # band A for every kind
    assert (result.missing, result.band) == ([], "A")


# ---- end to end, with the taxonomy's own classifier ------------------------------------------------

needs_classifier = pytest.mark.skipif(classifier() is None, reason="bot.taxonomy.classify is not on this branch yet")


@needs_classifier
@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Vi skal kjøpe en snøfreser til vaktmesteren for 60 000", "varer"),
        ("elsykler til hjemmetjenesten, 300 000 kr", "varer"),
        ("e-bikes for the home care service, NOK 300,000", "varer"),
        ("kantinedrift på rådhuset, 900 000 i året i 2 år", "tjenester"),
        ("canteen operation at the town hall, NOK 900,000 a year for 2 years", "tjenester"),
        ("oversettelsesbyrå for 200 000", "tjenester"),
        ("a translation agency for NOK 200,000", "tjenester"),
        ("asfaltering av parkeringsplassen ved rådhuset, 750 000 kr", "bygg_og_anlegg"),
        ("nytt tak på driftsdepotet, 2 mill", "bygg_og_anlegg"),
        ("re-roofing the depot, NOK 2 million", "bygg_og_anlegg"),
        ("utvidelse av sykehjemmet, kostnadsoverslag 40 mill", "bygg_og_anlegg"),
        # a service verb that is not done to the goods: the staff are hired, the phones bought
        ("We're hiring 30 new home care workers and need smartphones for them, about 150k", "varer"),
        ("We need to hire a consultant to help with the new climate plan, NOK 300,000", "tjenester"),
        ("The culture house wants a concert grand piano, NOK 800,000", "varer"),
        ("a new electronic scoreboard for the sports hall, NOK 200,000", "varer"),
        ("utviding av skulen med ein ny fløy, 30 mill", "bygg_og_anlegg"),
        ("støttekontakt til en ungdom, 150 000 i året i 2 år", "helse_og_sosial"),
        ("støttekontakt for ein ungdom, 150 000 i året i 2 år", "helse_og_sosial"),
        ("a support contact for a young person, NOK 150,000 a year for 2 years", "helse_og_sosial"),
        # a software system bought is a service contract (licence, operation, support)
        ("Vi skal kjøpe nytt fagsystem for barnehageopptak, 450 000 i året i 4 år", "tjenester"),
        ("We're buying a new quality and deviation system, NOK 300,000 a year", "tjenester"),
    ],
)
def test_kind_of_every_kind_from_the_thing(question: str, kind: str) -> None:
    assert analyse(question, dt.date(2026, 11, 24)).kind == kind


@needs_classifier
@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # the head of the word says what the thing is, when it is new or bought
        ("Vi skal kjøpe ein ny feiebil til gatereinhaldet, 2,6 mill. Kven signerer?", "varer"),
        ("Produksjonskjøkkenet trenger ny kombidamper, 240 000 eks. mva.", "varer"),
        ("We're buying new snow-making equipment for the ski slope, about NOK 2.1 million", "varer"),
        ("Feiing av gatene i sentrum, 600 000 i året", "tjenester"),  # the service, no vehicle bought
        # … not a word naming whom or where it is for, nor an abstract "-skap"
        ("Vi skal kjøpe fysioterapi til beboerne på sykehjemmet, 180 000", "helse_og_sosial"),
        # a new building, or building and demolishing, is works whatever the field
        ("Ny idrettshall, 57 mill eks. mva. Må den ut i TED?", "bygg_og_anlegg"),
        ("Kontrakten for nytt flerbrukshus er på 53 millioner", "bygg_og_anlegg"),
        ("Vi skal bygge nytt sykehjem med 120 plasser, 480 mill. Hvem signerer?", "bygg_og_anlegg"),
        ("We plan to demolish an old municipal garage building; the quote is NOK 800,000", "bygg_og_anlegg"),
        # … but a service bought for the project stays a service, and "the new school" may be the place
        ("Vi trenger arkitekt for å bygge ny skole, honorar 900 000", "tjenester"),
        ("Eiendom skal prosjektere ombyggingen av Kjenn skole og trenger RIB og RIV, 1,2 mill.", "tjenester"),
        ("We need an engineer to design the extension of the depot, about NOK 700,000", "tjenester"),
        ("Vi skal bygge om kjøkkenet på sykehjemmet, 2 mill. eks. mva.", "bygg_og_anlegg"),
        ("Vi trenger 20 nye brannslukkere til den nye barnehagen, ca. 35 000 kr", "varer"),
        ("Vi skal setje opp eit nytt reiskapsbod ved idrettsplassen, tilbodet er 180 000", "bygg_og_anlegg"),
        ("Kan vi bestille ekstra vindusvask før opninga av den nye barnehagen? Om lag 18 000.", "tjenester"),
        # … or the one who needs, or whom the thing is for
        ("Den nye barnehagen treng gardiner, puter og dynetrekk for 140 000 kr.", "varer"),
        ("We need 200 duvets and pillows for the new assisted-living building, about NOK 140,000.", "varer"),
        # a service said anywhere in the question keeps the head word ("-bilen") from deciding
        ("Lastebilen til driftsavdelinga treng service og nye dekk, om lag 19 000.", "tjenester"),
        # an installation is works in a field that allows works
        ("Gymsalen trenger nytt ventilasjonsanlegg, anslått 1,8 mill.", "bygg_og_anlegg"),
        ("Service på ventilasjonsanlegget, 80 000 i året", "tjenester"),
        # … also asked about the service agreement the asker has: the agreement named is not the purchase
        ("Vi treng nytt ventilasjonsanlegg i gymsalen, 1,1 mill. Kan vi bestille det på serviceavtalen?", "bygg_og_anlegg"),
        ("Ny heis i skolen, 1,9 mill. Kan heisfirmaet vi har serviceavtale med levere?", "bygg_og_anlegg"),
        ("A brand-new ventilation system in the old school wing, 3.5 MNOK. Can we use the ventilation service agreement?", "bygg_og_anlegg"),
        # replacing a whole installation is works, like "skifte"
        ("Eiendom skal bytte hele ventilasjonsanlegget på skolen, 4,8 mill eks. mva.", "bygg_og_anlegg"),
        # renting or leasing goods is buying goods (anskaffelsesforskriften § 4-1); hiring people a service
        ("Vi vil leie en kaffemaskin til personalrommet, 1 500 i måneden i 3 år", "varer"),
        ("Vi skal lease 6 nye elbiler til hjemmetjenesten, 1 080 000 over 3 år", "varer"),
        ("Vi skal leie inn en IT-konsulent i tre måneder, 400 000 kr", "tjenester"),
        # goods delivered with their installation are goods; a service said anywhere in the question is a service
        ("Nytt klatrestativ med montering på lekeplassen ved barnehagen, 380 000", "varer"),
        ("Takheisene på sykehjemmet skal ha årlig kontroll og service, pris 38 000", "tjenester"),
        ("Kulturskolen må få stemt de tre pianoene, ca. 9 000 kr", "tjenester"),
        ("e-bikes for the home care service, NOK 300,000", "varer"),  # a service named is no verb
        # sanding and lacquering a wooden floor is floor work (CPV 45): works
        ("Sliping og lakkering av gulvet i gymsalen, ca. 230 000", "bygg_og_anlegg"),
        # renovating a building is works whatever field the building reads as; a study of buildings,
        # or a consultant for their renovation, is a service
        ("Rehabilitering av symjehallen, kalkyle 62 mill.", "bygg_og_anlegg"),
        ("Ombygging av garderobene i idrettshallen, 3 mill.", "bygg_og_anlegg"),
        ("Vi vil kjøpe ei kartlegging av universell utforming i alle kommunale bygg, 600 000.", "tjenester"),
        ("RIB og RIV for ombygging av sykehjemmet, ca. 2,4 mill.", "tjenester"),
        ("Arkitekt for ombyggingen av skolen, honorar ca. 900 000.", "tjenester"),
        # an English agreement named by its words is no verb ("the cleaning products agreement")
        ("A ride-on floor scrubber for the sports hall, NOK 145,000. Is it on the cleaning products agreement?", "varer"),
        # a verb of one kind when no field is known ("running" a scheme)
        ("A 4-year contract for running the municipal bike-sharing scheme, NOK 5,000,000.", "tjenester"),
        # a new building or facility is works, named in one word or two; a noun phrase that goes on
        # names something else ("new nursing home beds" are beds)
        ("A new fire station for the eastern district, estimated NOK 60 million.", "bygg_og_anlegg"),
        ("New extension to the day care centre, about NOK 4 million. Who signs?", "bygg_og_anlegg"),
        ("Nytt symjeanlegg ved ungdomsskulen, kalkyle 80 mill.", "bygg_og_anlegg"),
        ("New nursing home beds for the short-term ward, NOK 400,000", "varer"),
        # a place name that a service field merely resembles does not outweigh the new building
        ("New school at Skårer, estimated NOK 420 million. Who signs?", "bygg_og_anlegg"),
        # "the contract for the new X" is X, not whom the contract is for
        ("The contract for the new Rasta kindergarten, NOK 57 million excl. VAT. Was TED required?", "bygg_og_anlegg"),
        ("We need furniture for the new kindergarten, NOK 300,000", "varer"),
        ("We need new school bags for the first graders, NOK 20,000", "varer"),
        # … but "running low on" says only that the goods are nearly used up
        ("We're running low on wound dressings at the home care base, about NOK 22,000. Who approves?", "varer"),
        # health and social services, and other services, for residents
        ("Fotpleie for beboerne på sykehjemmet, 5 000 kr per besøk, 12 besøk i året", "helse_og_sosial"),
        ("Musikkterapi for bebuarane på sjukeheimen, 40 000", "helse_og_sosial"),
        ("Frisør som kommer til sykehjemmet en gang i måneden, 30 000 i året", "tjenester"),
    ],
)
def test_the_thing_itself_says_the_kind(question: str, kind: str) -> None:
    assert analyse(question, AS_OF).kind == kind


@needs_classifier
def test_a_vehicle_read_by_its_head_word_carries_the_vehicle_requirement() -> None:
    # the field of "feiebil" is street sweeping (a service, no vehicle flag): the head word "bil"
    # makes it goods, and a vehicle bought follows the vehicle guide
    result = analyse("Vi skal kjøpe ein ny feiebil til gatereinhaldet, om lag 2,6 mill. eks. mva.", AS_OF)
    assert result.kind == "varer" and "bilveileder" in result.requirements
    assert "bilveileder" not in analyse("Vi skal kjøpe nye garderobeskap til svømmehallen, 300 000", AS_OF).requirements


@needs_classifier
@pytest.mark.parametrize(
    ("question", "ethical"),
    [
        # textiles and IT equipment bought carry ethical trade, whatever field the rest of the words read as
        ("Vi vil kjøpe 30 VR-briller til naturfag, 6 000 kr stykket", True),
        ("We'd like a 3D printer for the makerspace at the school, about NOK 45,000", True),
        # electronic care devices are none of the policy's categories
        ("Hjemmetjenesten vil kjøpe 20 elektroniske medisindispensere, ca. 7 000 kr stykket", False),
    ],
)
def test_goods_carry_the_ethical_trade_their_head_word_names(question: str, ethical: bool) -> None:
    result = analyse(question, AS_OF)
    assert result.kind == "varer" and ("etisk_handel" in result.requirements) == ethical


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # the asker names the kind itself: that is the kind, whatever a word of the thing reads as
        ("Må et tjenestekjøp på 1 625 000 inkl. mva. på Doffin?", "tjenester"),
        ("Vi skal inngå en tjenesteavtale på 4 år uten opsjoner, 500 000 i året.", "tjenester"),
        ("Goods purchase of NOK 2,875,000 incl. VAT – which band?", "varer"),
        ("Eit bygg- og anleggsoppdrag på 499 999 kr – må innkjøpsseksjonen gjennomføre det?", "bygg_og_anlegg"),
        ("Vi skal kjøpe helse- og sosialtjenester for 7,8 millioner. Hvem signerer?", "helse_og_sosial"),
        ("A service contract for the pool's water treatment plant, NOK 120,000 a year for 5 years", "tjenester"),
    ],
)
def test_a_kind_named_outright_is_the_kind(question: str, kind: str) -> None:
    assert analyse(question, AS_OF).kind == kind


@pytest.mark.parametrize(
    ("question", "kind", "band", "requirements"),
    [
        # a word that names the kind names no thing: no field (no vehicle guide for a "varekontrakt"),
        # no agreement looked up in the register (no legal services for a "tjenestekontrakt")
        ("Kven signerer ein varekontrakt på nøyaktig 5 000 000?", "varer", "E",
         ["protokoll", "klima_30", "doffin", "ted", "kgv", "skatteattest"]),
        ("Hvem signerer en byggekontrakt på 4 mill?", "bygg_og_anlegg", "D",
         ["protokoll", "klima_30", "doffin", "kgv", "skatteattest", "lonns_og_arbeidsvilkar", "seriositet"]),
        ("Må en tjenestekontrakt på 6 mill signeres av kommunedirektøren?", "tjenester", "E",
         ["protokoll", "klima_30", "doffin", "ted", "kgv", "skatteattest", "lonns_og_arbeidsvilkar"]),
    ],
)
def test_a_kind_named_outright_names_no_thing(question: str, kind: str, band: str, requirements: list[str]) -> None:
    result = analyse(question, AS_OF)
    assert (result.kind, result.band, sorted(result.requirements)) == (kind, band, sorted(requirements))
    assert not result.framework_agreement



@needs_classifier
def test_the_verb_to_last_is_no_kind_name() -> None:
    # "avtalen varer i 3 år": "varer" is the verb "vare" (to last), not goods
    assert analyse("Renhold av rådhuset, 400 000 i året, og avtalen varer i 3 år. Hvem signerer?", AS_OF).kind == "tjenester"


@needs_classifier
@pytest.mark.parametrize(
    ("question", "seriositet"),
    [
        # cleaning bought as a service carries the seriousness requirements, however the field reads
        ("Vi vil sette bort det daglige renholdet av legevakta til et renholdsbyrå, 380 000 per år, 1 år + 1 års opsjon.", True),
        ("Daily cleaning of the new health centre, NOK 1.8 million a year for 3 years. What applies?", True),
        # … laundry is no cleaning of premises, and cleaning products are goods
        ("Sykehjemmet vil sette bort vask av beboernes private tøy, ca. 15 000 i måneden i to år.", False),
        ("Vi skal kjøpe reinhaldsprodukt og tørkepapir for 150 000 kr til alle skulane.", False),
    ],
)
def test_cleaning_as_a_service_carries_the_seriousness_requirements(question: str, seriositet: bool) -> None:
    assert ("seriositet" in analyse(question, AS_OF).requirements) == seriositet


@pytest.mark.parametrize(("question", "kind", "band"), [
    ("We want to set up a framework agreement for the whole municipality for photo and video production, "
     "around 600k a year, 2 years plus 1+1 options. Who signs?", "tjenester", "E"),
    ("Vi vil inngå en ny rammeavtale for hele kommunen på flyttetjenester, 300 000 i året i 2+1+1 år. Hvem signerer?",
     "tjenester", "C"),
])
def test_a_framework_for_the_whole_municipality_is_read_by_what_it_is_for(question: str, kind: str, band: str) -> None:
    """"Rammeavtale for hele kommunen på X" names the container and its reach; the kind is X's."""
    result = analyse(question, AS_OF)
    assert (result.kind, result.band, result.signer) == (kind, band, "organisasjonsdirektor")
