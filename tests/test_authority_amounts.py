"""Money amounts in every form employees write, in Norwegian (bokmål, nynorsk) and English.

Thousands separators and decimal marks are told apart by the digit groups, the word after the
number and the language of the text; a bound ("under 100 000") is a limit, not a value.
"""

from __future__ import annotations

import pytest

from bot.authority import analyse
from bot.authority.amounts import read_number
from bot.authority.parse import parse
from tests.conftest import AS_OF


@pytest.mark.parametrize(
    ("text", "nok"),
    [
        # English
        ("Contract for security services, NOK 800,000", 800_000),
        ("we expect about 800,000 for the canteen", 800_000),
        ("NOK 2.5 million for new school furniture", 2_500_000),
        ("a budget of 1,300,000 NOK", 1_300_000),
        ("NOK 350k for translation", 350_000),
        ("half a million for consultants", 500_000),
        ("two million for a new roof", 2_000_000),
        ("NOK 1.2m for e-bikes", 1_200_000),
        ("1,500 million for a new hospital", 1_500_000_000),  # English comma: fifteen hundred million
        # bokmål
        ("vakttjenester for 800,000", 800_000),
        ("NOK 800,000 for vakttjenester", 800_000),
        ("kantinedrift 2,5 mill", 2_500_000),
        ("ombygging 2.5 mill", 2_500_000),
        ("rådgivning 1,2 MNOK", 1_200_000),
        ("MNOK 1,2 til rådgivning", 1_200_000),
        ("snøfreser 350'", 350_000),
        ("snøfreser 350' kr", 350_000),
        ("møbler 350k", 350_000),
        ("møbler 350 K", 350_000),
        ("kr 100.000,- for kurs", 100_000),
        ("100 000,- for kurs", 100_000),
        ("1.300.000 kr for asfalt", 1_300_000),
        ("1 300 000,50 kr for asfalt", 1_300_000.5),
        ("ca. 90 tusen for et kurs", 90_000),
        ("tre hundre tusen til møbler", 300_000),
        ("to og en halv million til tak", 2_500_000),
        ("1,250 mill til tak", 1_250_000),  # a decimal before "mill"
        ("200-300 000 til møbler", 300_000),  # a range: the upper end
        ("2-3 mill til møbler", 3_000_000),
        # nynorsk
        ("snøfresar for 2,5 millionar kroner", 2_500_000),
        ("tolketenester for om lag 400 000 kroner", 400_000),
        ("tre hundre tusen kroner til møblar", 300_000),
    ],
)
def test_amount_forms(text: str, nok: float) -> None:
    assert parse(text).amount_nok == nok


@pytest.mark.parametrize(
    ("run", "million_follows", "english", "value"),
    [
        ("800,000", False, True, 800_000), ("800,000", False, False, 800_000),
        ("800,00", False, False, 800.0), ("2,5", True, False, 2.5), ("2.5", True, True, 2.5),
        ("100.000", False, False, 100_000), ("1.300.000", False, False, 1_300_000),
        ("1,300,000.50", False, True, 1_300_000.5), ("1.300.000,50", False, False, 1_300_000.5),
        ("1,250", True, False, 1.25), ("1,500", True, True, 1500), ("1'200'000", False, False, 1_200_000),
        ("01.03.2027", False, False, None), ("12.30.45", False, False, None),
    ],
)
def test_separators_are_read_from_the_number_and_its_context(run, million_follows, english, value) -> None:
    assert read_number(run, million_follows=million_follows, english=english) == value


@pytest.mark.parametrize(
    "text",
    ["kjøp av 20 stoler", "avtale i 4 år", "frist 01.03.2027", "vi er 12 ansatte", "i 2027 skal vi kjøpe møbler",
     "avtale LK-2023-022", "ring 67 93 40 00", "we have 1500 pupils", "kjøp gjort 2023-06-01", "2 m kabel"],
)
def test_numbers_that_are_not_money(text: str) -> None:
    assert parse(text).amount_nok is None


@pytest.mark.parametrize(
    ("question", "value", "band"),
    [
        # recurring purchases are added up over 12 months
        ("tolketjenester, ca. 40 000 per gang, 12 ganger i året", 480_000, "B"),
        ("tolketenester, om lag 40 000 per gong, 12 gonger i året", 480_000, "B"),
        ("interpreting, about NOK 40,000 each time, 12 times a year", 480_000, "B"),
        ("vaktmestertjenester 4 000 i måneden i 3 år", 144_000, "B"),
        ("caretaker services NOK 4,000 a month for 3 years", 144_000, "B"),
        # per year x years including options
        ("renhold 300 000 per år, 2 år + 1 + 1", 1_200_000, "C"),
        ("cleaning NOK 300,000 per year, 2 years + 1 + 1", 1_200_000, "C"),
        # incl. VAT
        ("konsulenttjenester 625 000 inkl. mva", 500_000, "C"),
        ("consultancy NOK 625,000 incl. VAT", 500_000, "C"),
        ("konsulenttenester 625 000 inkludert meirverdiavgift", 500_000, "C"),
        # a price "à" (each) times the count before it: hours, months and pieces alike
        ("støttekontakt fra et privat firma, ca. 400 timer à 450 kr", 180_000, "B"),
        ("miljøterapeutisk tiltak, tre måneder à ca. 45 000", 135_000, "B"),
        ("45 stk à ca. 11 000 kr", 495_000, "B"),
        # a price per piece times the count of those pieces, words between them, number words too
        ("radonmåling i dei 350 kommunale utleigebustadene, 900 kr per bustad", 315_000, "B"),
        ("vinterjakker til 18 tilsette, om lag 3 000 kr per person", 54_000, "A"),
        ("8 nye kontorstoler, ca 4 500 kr stk", 36_000, "A"),
        ("fire nye elbiler på leasing, 6 500 kr i måneden per bil i 36 måneder", 936_000, "C"),
        ("three electric trucks, about NOK 2.1 million each", 6_300_000, "E"),
        ("6 el-sykler, 25 000 stykket", 150_000, "B"),
        ("prosjektleder, ca. 1 000 timer à 1 150 kr", 1_150_000, "C"),
        # … or the one count the question gives, when the price names the piece another way
        ("interaktive skjermer til 15 klasserom, ca 35 000 per skjerm", 525_000, "C"),
        ("seks elektriske pleiesenger, kvar kostar kring 45 000", 270_000, "B"),
        ("an anti-bullying show at all 11 primary schools, NOK 9,500 per performance", 104_500, "B"),
        # … at a rate said between them: so many a week or a month, then over the period (12 months if none)
        ("støttekontakt, 6 timar i veka à 550 kr", 171_600, "B"),
        ("avlastning 4 døgn i måneden à 8 500 kr i to år", 816_000, "C"),
        # a weekly or daily price for so many weeks or days
        ("enetiltak, ca. 85 000 kr per uke i 10 uker", 850_000, "C"),
        ("korttidsopphald, 3 500 kr per døgn i 20 døgn", 70_000, "A"),
        ("supported housing, NOK 4,500 per day for 90 days", 405_000, "B"),
        # occasions per year counted by any noun
        ("blomsterdekorasjon, ca. 3 000 per gang, 11 møter i året", 33_000, "A"),
        ("mobile toaletter til fire arrangementer i året, ca. 15 000 per gang", 60_000, "A"),
        # … while a count of something else is not a quantity
        ("25 elever trenger utstyr for 30 000 kr", 30_000, "A"),
    ],
)
def test_value_arithmetic(question: str, value: int, band: str) -> None:
    result = analyse(question + " (tjenester)", AS_OF)  # the kind as a reply to "which kind?" would give it
    assert (result.value_nok_excl_vat, result.band) == (value, band)


@pytest.mark.parametrize(
    ("question", "value", "bound", "band", "signer"),
    [
        ("konsulenttjenester for under 100 000", 100_000, "below", "A", "enhetsleder"),
        ("consultancy for less than NOK 100,000", 100_000, "below", "A", "enhetsleder"),
        ("konsulenttenester for mindre enn 100 000 kroner", 100_000, "below", "A", "enhetsleder"),
        ("konsulenttjenester for opptil 500 000", 500_000, "at_most", "C", "kommunalsjef"),
        ("konsulenttjenester for over 5 mill", 5_000_000, "above", "E", "kommunedirektor"),
        ("konsulenttjenester for ikke over 5 mill", 5_000_000, "at_most", "E", "kommunalsjef"),
        ("konsulenttjenester for minst 1,3 mill", 1_300_000, "at_least", "D", "kommunalsjef"),
    ],
)
def test_bounds_are_limits_not_values(question: str, value: int, bound: str, band: str, signer: str) -> None:
    result = analyse(question, AS_OF)
    assert (result.value_nok_excl_vat, result.value_bound, result.band, result.signer) == (value, bound, band, signer)
    data = result.to_json()  # the answer's value stays unknown; the limit is given as a limit
    assert (data["value_nok_excl_vat"], data["value_limit"], data["value_bound"]) == (None, value, bound)


def test_the_kofa_case_is_not_a_direct_purchase() -> None:
    for question in ("NOK 800,000 for security services, who signs?", "kontrakt på NOK 800,000 for vakttjenester"):
        result = analyse(question, AS_OF)
        assert (result.value_nok_excl_vat, result.band, result.signer) == (800_000, "C", "kommunalsjef")


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("a 2-year contract with two one-year options, NOK 300,000 a year", 48),
        ("three years plus a one-year option, NOK 100,000 per year", 48),
        ("2 år med to ettårige opsjoner, 300 000 i året", 48),
        ("2 år + 1 + 1, 300 000 i året", 48),
        ("kontrakt på to år med opsjon på eitt pluss eitt år, 300 000 i året", 48),
        ("4 000 i månaden i 3 år", 36),
        ("about NOK 500,000 a year for 4 years plus an option of 2 more years", 72),
        ("NOK 200,000 a year for 2 years, with two further years as options", 48),
        ("500 000 i året i 3 år og opsjon på 1 ekstra år", 48),
        ("200 000 i året i 2 år, og 2 år som opsjon", 48),
        ("1.2 MNOK per year for 4 years plus two option years", 72),
        ("700 000 i året, 3 år pluss to opsjonsår", 60),
        ("450 000 per år, 2 år pluss to opsjoner på ett år", 48),
        ("NOK 300,000 a year for 2 years plus two options of one year", 48),
    ],
)
def test_periods_with_options_in_every_language(text: str, months: int) -> None:
    assert parse(text).period_months == months


@pytest.mark.parametrize(
    ("text", "nok", "low"),
    [("200-300 000 til møbler", 300_000, 200_000), ("2-3 mill til møbler", 3_000_000, 2_000_000),
     ("between NOK 2 and 3 million", 3_000_000, 2_000_000), ("mellom 300 000 og 400 000", 400_000, 300_000),
     ("0-300 000 kr", 300_000, None)],
)
def test_ranges_count_at_the_upper_end(text: str, nok: int, low: int | None) -> None:
    facts = parse(text)
    assert (facts.amount_nok, facts.amount_low) == (nok, low)


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("Hjemmetjenesten trenger ti nye mobiltelefoner à 3 500 kr.", 35_000),
        ("Vi treng ni stolar til møterommet, 2 000 kr stykket.", 18_000),
        # a quarterly amount is an ongoing purchase: four a year, at least a year of it
        ("Vi bestiller kontorrekvisita for 5 000 kr i kvartalet.", 20_000),
        ("We order pens and binders for about NOK 5,000 a quarter.", 20_000),
    ],
)
def test_a_count_in_words_multiplies_a_price_per_piece(question: str, value: int) -> None:
    assert analyse(question, AS_OF).value_nok_excl_vat == value


@pytest.mark.parametrize(
    ("question", "value", "band"),
    [
        # a purchase split into parts is the sum of its parts (the policy forbids splitting to get under a limit)
        ("Kan vi dele asbestsaneringen på skolen i tre oppdrag på 400 000 hver?", 1_200_000, "C"),
        ("Kan vi dele opp kjøpet av parkbenker i to bestillinger på 60 000 hver, så vi holder oss under 100 000?", 120_000, "B"),
        ("Three orders of NOK 45,000 each for new office chairs and desks", 135_000, "B"),
    ],
)
def test_a_split_purchase_is_summed(question: str, value: int, band: str) -> None:
    result = analyse(question, AS_OF)
    assert (result.value_nok_excl_vat, result.band) == (value, band)
