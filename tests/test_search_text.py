"""Reading Norwegian and English words: folding, stems/lemmas, framing, compounds, exclusions."""

from __future__ import annotations

import pytest

from bot.search.index import exclusion_items, split_exclusions
from bot.search.text import Analyzer, district_numbers, fold, split_compound, split_known_prefix, word_keys


def test_fold_treats_aeoeaa_spellings_alike() -> None:
    assert fold("Møbler") == fold("moebler") == fold("mobler")
    assert fold("Måking") == fold("maaking") == "making"
    assert fold("kjøkken") == fold("kjokken")


def test_inflected_forms_share_a_key() -> None:
    assert word_keys("kontorstoler") & word_keys("kontorstol")
    assert word_keys("rotter") & word_keys("rotte")
    assert word_keys("bøker") & word_keys("bok")
    assert word_keys("møbler") & word_keys("møbel")  # -el nouns contract in the plural
    assert word_keys("sjukepleiarar") & word_keys("sjukepleiar")  # nynorsk lemma
    assert word_keys("mobler") & word_keys("møbler")  # typed without ø


def test_a_base_form_ending_in_s_is_not_read_as_a_genitive() -> None:
    # "krans" (a wreath) is no "kran" (a crane), "kurs" no "kur", "kors" no "kor" …
    assert "kran" not in word_keys("krans") and word_keys("krans") & word_keys("kranser")
    assert not word_keys("krans") & word_keys("kran")
    assert not word_keys("kurs") & word_keys("kur") and word_keys("kurs") & word_keys("kursene")
    assert not word_keys("kors") & word_keys("kor")
    # … while a genitive still meets its noun
    assert word_keys("kommunens") & word_keys("kommune")
    assert word_keys("skolens") & word_keys("skole")
    assert word_keys("barnas") & word_keys("barn")


def test_question_framing_is_dropped_in_bokmal_nynorsk_and_english() -> None:
    analyzer = Analyzer()
    assert [t.text for t in analyzer.tokens("Har vi avtale på kontorstoler?")] == ["kontorstoler"]
    assert [t.text for t in analyzer.tokens("Hvor bestiller jeg toner?")] == ["toner"]
    assert [t.text for t in analyzer.tokens("Kven leverer kopipapir?")] == ["kopipapir"]
    assert [t.text for t in analyzer.tokens("Do we have an agreement for pest control?")] == ["pest", "control"]
    assert [t.text for t in analyzer.tokens("need a laptop")] == ["laptop"]


def test_a_unit_or_container_before_the_thing_counted_is_not_what_is_asked_for() -> None:
    analyzer = Analyzer()
    assert [t.text for t in analyzer.tokens("2 000 pakker undersøkelseshansker")] == ["2", "000", "undersøkelseshansker"]
    assert [t.text for t in analyzer.tokens("ti esker med kopipapir")] == ["ti", "kopipapir"]
    assert [t.text for t in analyzer.tokens("two boxes of gloves")] == ["two", "gloves"]
    # alone, or before a preposition or the end of a clause, the container is the thing
    assert [t.text for t in analyzer.tokens("vi trenger sekker til sand")] == ["sekker", "sand"]
    assert [t.text for t in analyzer.tokens("pakker, konvolutter og frimerker")][0] == "pakker"


def test_the_settings_a_text_names() -> None:
    analyzer = Analyzer()
    assert analyzer.sectors("Vikartjenester – barnehage") == {"barnehage"}
    assert analyzer.sectors("Skole- og barnehagemøbler") == {"skole", "barnehage"}
    assert analyzer.sectors("Vikartjenester – helse og omsorg") == {"helse"}
    assert analyzer.sectors("lærervikar til ungdomsskulen") == {"skole"}
    assert analyzer.sectors("a substitute maths teacher") == {"skole"}
    # words that look like a setting and are not
    assert not analyzer.sectors("Skolering av ansatte i trafikkskole")
    assert not analyzer.sectors("elevator service")


def test_it_in_capitals_is_the_field_not_the_pronoun() -> None:
    analyzer = Analyzer()
    # "it" the pronoun is a stop word; "IT" on its own in capitals names the field (as "IKT" does)
    assert [t.text for t in analyzer.tokens("We need an IT consultant")] == ["ikt", "consultant"]
    assert [t.text for t in analyzer.tokens("Trenger IT avdelingen nye skjermer?")][:2] == ["ikt", "avdelingen"]
    assert [t.text for t in analyzer.tokens("can we fix it")] == ["fix"]
    # a hyphenated compound keeps its spelling; a message all in capitals says nothing by them
    assert analyzer.tokens("IT-konsulent")[0].parts == ("it", "konsulent")
    assert [t.text for t in analyzer.tokens("CAN WE FIX IT")] == ["fix"]


def test_context_after_a_preposition_and_hyphen_compounds() -> None:
    tokens = Analyzer().tokens("toner til HP-printer")
    assert [(t.text, t.context) for t in tokens] == [("toner", False), ("hpprinter", True)]
    assert tokens[1].parts == ("hp", "printer")
    # framing prepositions before the thing itself do not make it context
    assert [t.context for t in Analyzer().tokens("har vi avtale på hev-senk-pult")] == [False]
    assert Analyzer().tokens("hev-senk-pult")[0].parts == ("hev", "senk", "pult")


def test_the_subject_of_teaching_or_advice_is_no_context() -> None:
    """"Kurs i førstehjelp": first aid is what the course is about, not where or for whom."""
    analyzer = Analyzer()
    assert [(t.text, t.context) for t in analyzer.tokens("Kurs i førstehjelp for barnehageansatte")] == [
        ("kurs", False), ("førstehjelp", False), ("barnehageansatte", True)]
    assert [t.context for t in analyzer.tokens("a course in first aid for kindergarten staff")] == [
        False, False, False, True, True]
    assert [t.context for t in analyzer.tokens("toner til skriveren i kurssalen")] == [False, True, True]


def test_the_task_of_someone_hired_is_no_context() -> None:
    """"En konsulent til å kartlegge kulturminner": the task says what kind of consultant; after a
    thing ("bil til å frakte utstyr") or a qualified role ("an IT consultant to lead …") it stays context."""
    analyzer = Analyzer()

    def context(text: str) -> dict[str, bool]:
        return {t.text: t.context for t in analyzer.tokens(text)}

    assert context("konsulent til å kartlegge kulturminner") == {
        "konsulent": False, "kartlegge": False, "kulturminner": False}
    assert context("we need a consultant to map cultural heritage sites")["heritage"] is False
    assert context("bil til å frakte utstyr")["frakte"] is True
    assert context("an IT consultant to lead the cloud migration")["migration"] is True


def test_spelling_variants_turn_nynorsk_into_bokmal() -> None:
    variants = Analyzer().variants("sjukepleiar")
    assert "sykepleier" in variants
    assert "renholderen" in Analyzer().variants("reinhaldaren")


def test_compounds_split_into_known_parts() -> None:
    known = {"kontor", "stol", "sno", "snø", "måking", "making", "sykepleier", "vikar", "innkjøp", "innkjop", "kort"}
    assert split_compound("kontorstoler", known) == ("kontor", "stoler")
    assert split_compound("snømåking", known) == ("snø", "måking")
    assert split_compound("sykepleiervikar", known) == ("sykepleier", "vikar")
    assert split_compound("innkjøpskort", known) == ("innkjøp", "kort")  # linking s
    assert split_compound("hest", known) is None
    assert split_known_prefix("barnehagelærere", {"barnehage"}) == ("barnehage", "lærere")


def test_exclusions_are_read_from_descriptions() -> None:
    analyzer = Analyzer()
    positive, items = split_exclusions(
        "Omfatter skrivebord og kontorstoler. Omfatter ikke møbler til barnehager og elevmøbler.", analyzer
    )
    assert "barnehager" not in positive and "kontorstoler" in positive
    assert items == ["møbler til barnehager", "elevmøbler"]
    _, items = split_exclusions("Nettleie faktureres av nettselskapet og omfattes ikke.", analyzer)
    assert items == ["Nettleie"]
    _, items = split_exclusions(
        "Omfatter ikke kopipapir (egen avtale) og ikke formingsmateriell til skole og barnehage.", analyzer
    )
    assert items == ["kopipapir", "formingsmateriell til skole", "formingsmateriell til barnehage"]
    _, items = split_exclusions("Omfatter ikke kommunale vann- og avløpsledninger i grunnen.", analyzer)
    assert items == ["avløpsledninger i grunnen"]
    # a bare "som" lists examples of the excluded items; ", som" says something about them
    _, items = split_exclusions("Omfatter ikke turer i skoletiden som ekskursjoner og leirskole.", analyzer)
    assert items == ["turer i skoletiden", "ekskursjoner", "leirskole"]
    # nynorsk registers say it their way
    _, items = split_exclusions("Levering av lærebøker. Dekkjer ikkje trykte lærebøker.", analyzer)
    assert items == ["trykte lærebøker"]
    _, items = split_exclusions("Drosje for brukarar. Pasientreiser er ikkje med.", analyzer)
    assert items == ["Pasientreiser"]


def test_examples_of_an_excluded_item_are_excluded_and_an_abbreviation_ends_no_statement() -> None:
    """"Omfatter ikke behandling av sykdom eller skader (f.eks. fysioterapi, kiropraktor)": the full
    stop of "f.eks." does not cut the statement, and the examples are excluded items, not a referral."""
    analyzer = Analyzer()
    positive, items = exclusion_items(
        "Bedriftshelsetjeneste med arbeidsplassvurdering. Omfatter ikke behandling av sykdom eller skader "
        "(f.eks. fysioterapi, kiropraktor). Enkeltleverandør", analyzer)
    assert [item for item, _ in items] == ["behandling av sykdom", "skader", "fysioterapi", "kiropraktor"]
    assert all(referral == "" for _, referral in items)
    assert "arbeidsplassvurdering" in positive and "fysioterapi" not in positive and "Enkeltleverandør" in positive
    # a referral is still a referral; an example word opening the list is no part of the item
    _, items = exclusion_items("Kontorrekvisita. Omfatter ikke møbler (se LK-2023-022), bl.a. skrivebord. Levering.", analyzer)
    assert items == [("møbler", "se LK-2023-022"), ("skrivebord", "")]


def test_a_pair_joined_by_og_is_one_excluded_item() -> None:
    """"Transport til og frå leirskulen er ikkje inkludert": one item (not "Transport til" and
    "frå leirskulen", which excluded the camp school itself)."""
    analyzer = Analyzer()
    _, items = exclusion_items("Leirskuleopphald for 7. trinn. Transport til og frå leirskulen er ikkje inkludert (sjå RK-2025-156).",
                               analyzer)
    assert [item for item, _referral in items] == ["Transport til og frå leirskulen"]
    _, items = split_exclusions("Skoleskyss. Omfatter ikke transport til og fra fritidsaktiviteter og ekskursjoner.", analyzer)
    assert items == ["transport til og fra fritidsaktiviteter", "ekskursjoner"]


def test_an_exclusion_keeps_the_parenthesis_that_sends_it_elsewhere() -> None:
    analyzer = Analyzer()
    # a parenthesis closing a list covers the list; one inside it only its own item
    _, items = exclusion_items("Brød levert daglig. Omfatter ikke bløtkaker og kaker til arrangementer (se catering).",
                               analyzer)
    assert items == [("bløtkaker", "se catering"), ("kaker til arrangementer", "se catering")]
    _, items = exclusion_items(
        "Drosje. Omfatter ikke faste turer til dagsenter (se brukertransport) og pasientreiser til sykehus.", analyzer)
    assert items == [("faste turer til dagsenter", "se brukertransport"), ("pasientreiser til sykehus", "")]
    # a separate "not included" column, one sentence per item, an agreement number in parentheses
    _, items = exclusion_items("Omfatter ikke skanning av papirarkiv (BK-2024-031). Omfatter ikke tegnspråktolk.", analyzer)
    assert items == [("skanning av papirarkiv", "BK-2024-031"), ("tegnspråktolk", "")]
    # the brackets that mark a parenthesis inside the reading cannot be forged by a description
    _, items = exclusion_items("Omfatter ikke kaker \u27e67\u27e7 og brød (se bakeri).", analyzer)
    assert items == [("kaker 7", "se bakeri"), ("brød", "se bakeri")]
    _, items = split_exclusions("Omfatter ikke låneopptak, som konkurranseutsettes særskilt.", analyzer)
    assert items == ["låneopptak"]
    # the list after a colon or a dash
    positive, items = split_exclusions(
        "Vindusvask og hovedrengjøring. Omfatter ikke: daglig renhold (egen regi), tepperens.", analyzer)
    assert items == ["daglig renhold", "tepperens"] and "daglig" not in positive
    _, items = split_exclusions("Kjøt til institusjonskjøkken. Omfattar ikkje – vilt og fisk.", analyzer)
    assert items == ["vilt", "fisk"]
    # what the municipality does itself is not covered either
    _, items = split_exclusions("Ekstra renhold ved sykdom. Ordinært daglig renhold utføres av kommunens egne renholdere.",
                                analyzer)
    assert items == ["Ordinært daglig renhold"]
    # a comma list of lone qualifiers shares the head; a list closed by "eller", or a longer
    # qualifier, is followed by new items
    _, items = split_exclusions("Omfatter ikke møbler til skoler, barnehager og sykehjem.", analyzer)
    assert items == ["møbler til skoler", "møbler til barnehager", "møbler til sykehjem"]
    _, items = split_exclusions("Omfatter ikke: småskrivere til kontorer eller hjemmekontor, papir.", analyzer)
    assert items == ["småskrivere til kontorer", "småskrivere til hjemmekontor", "papir"]
    _, items = split_exclusions("Omfattar ikkje: hjelpemiddel ved varig behov (NAV), høyreapparat.", analyzer)
    assert items == ["hjelpemiddel ved varig behov", "høyreapparat"]


def test_a_very_long_word_is_not_indexed_or_split() -> None:
    """One 'word' of 100 000 letters (a broken cell) is not a word: splitting it into compounds
    grows with the square of its length (30 000 letters cost 2 GB at every index build)."""
    from agreements_sync.limits import MAX_WORD_CHARS

    long_word = "kontorstol" * 10_000
    tokens = Analyzer().tokens(f"Kontorstoler {long_word} og pulter")
    assert [t.text for t in tokens] == ["kontorstoler", "pulter"]
    assert split_compound(long_word, {"kontor", "stol"}) is None
    assert split_known_prefix(long_word, {"kontor"}) is None
    # a real compound at the limit is still split
    parts = ("barnehage" * 3, "kontor" * 3, "stoler" * 3)
    assert len("".join(parts)) <= MAX_WORD_CHARS and split_compound("".join(parts), set(parts)) == parts


def test_the_index_of_an_agreement_with_a_very_long_word_holds_only_real_words() -> None:
    from agreements_sync.limits import MAX_WORD_CHARS
    from bot.search.index import build_index
    from bot.search.models import AgreementDoc
    from bot.search.vocabulary import load_vocabulary

    doc = AgreementDoc(id="X-1", title="Kontorstoler " + "ab" * 15_000, description="Stoler " + "x" * 50_000 + " til kontor")
    index = build_index([doc], load_vocabulary(), Analyzer())
    assert max(len(word) for word in index.known) <= MAX_WORD_CHARS
    assert max(len(key) for key in index.postings) <= MAX_WORD_CHARS
    assert max(len(choice) for choice in index.fuzzy_choices) <= MAX_WORD_CHARS
    assert index.has(word_keys("kontorstoler"))


def test_what_the_asker_sets_aside_is_not_searched() -> None:
    analyzer = Analyzer()
    assert analyzer.without_negated("Tenestebilen vår (ikkje leasa) må på EU-kontroll").split() == \
        ["Tenestebilen", "vår", "må", "på", "EU-kontroll"]
    assert analyzer.without_negated("we want to buy, not lease, a pickup").replace(",", " ").split() == \
        ["we", "want", "to", "buy", "a", "pickup"]
    # a fault is told with a negation too: that one stays
    assert "skrive" in analyzer.without_negated("kopimaskinen vil ikke skrive ut")


def test_a_dangling_first_part_shares_the_head_of_the_next_compound() -> None:
    from bot.search.links import expand_suspended

    known = frozenset({"kaffe", "drikke", "automater", "automat", "vann", "avløp", "avlop", "ledninger", "ledning"})
    assert expand_suspended("Kaffe- og drikkeautomater", known) == "Kaffeautomater og drikkeautomater"
    assert expand_suspended("vann- og avløpsledninger i grunnen", known) == "vannledninger og avløpsledninger i grunnen"
    assert expand_suspended("Kaffe- og teservering", known) == "Kaffe- og teservering"  # no known split: as written


def test_an_english_word_kept_whole_is_not_stemmed_into_another() -> None:
    """The Norwegian stemmer makes "care" into "car": kept whole, "home care" does not answer "new car"."""
    assert "car" not in word_keys("care") and "car" not in word_keys("carers")
    assert word_keys("biler") >= {"bil"}  # Norwegian words are still stemmed


@pytest.mark.parametrize("text, numbers", [
    ("Brøyting av kommunale veier i rodene 1–4 (nord)", {1, 2, 3, 4}),
    ("rode 6 er ikke brøytet", {6}),
    ("Rode 2 Sentrum", {2}),
    ("snørydding i sone 2 og 3", {2, 3}),
    ("roder 5 til 8", {5, 6, 7, 8}),
    ("Lot 1, 2 og 4", {1, 2, 4}),
    ("et område for barn og unge", set()),
    ("brøyting av kommunale veier", set()),
])
def test_district_numbers_read_single_districts_lists_and_ranges(text: str, numbers: set[int]) -> None:
    assert district_numbers(text) == numbers
