"""The taxonomy of what municipalities buy (knowledge/taxonomy/): it validates, it is broad, and
it reads things any employee would say as the right field and kind of purchase."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from agreements_sync.knowledge import KnowledgeError, knowledge_path
from bot.search.fields import FieldMatcher
from bot.taxonomy.knowledge import CPV_FILE, CPV_SOCIAL_FILE, KINDS, load_taxonomy, load_taxonomy_from, read_cpv


@pytest.fixture(scope="module")
def matcher() -> FieldMatcher:
    return FieldMatcher()


def test_every_field_has_a_kind_and_cpv_codes_that_exist() -> None:
    taxonomy = load_taxonomy()
    codes = read_cpv(knowledge_path(CPV_FILE))
    assert len(codes) == 9454
    prefixes = {code[:n] for code in codes for n in range(2, 8)}
    assert len(taxonomy.fields) >= 250
    for field in taxonomy.fields:
        assert field.kind in KINDS
        assert field.cpv, field.id
        for code in field.cpv:
            assert (code in codes) if len(code) == 8 else (code in prefixes), (field.id, code)
    assert len({f.id for f in taxonomy.fields}) == len(taxonomy.fields)


def test_a_field_of_construction_work_codes_only_is_works() -> None:
    """CPV division 45 is construction work: a field whose codes are all there is works (bygg og
    anlegg) by the regulations, whatever else it also allows."""
    for field in load_taxonomy().fields:
        if all(code.startswith("45") for code in field.cpv):
            assert field.kind == "bygg_og_anlegg", field.id


def test_the_vocabulary_is_broad_in_three_languages() -> None:
    taxonomy = load_taxonomy()
    terms = sum(len(f.terms) for f in taxonomy.fields)
    assert terms >= 10_000
    assert sum(len(f.nn) for f in taxonomy.fields) >= 1_000
    assert sum(len(f.en) for f in taxonomy.fields) >= 2_000
    assert sum(len(f.situations) for f in taxonomy.fields) >= 2_000
    assert sum(len(f.brands) for f in taxonomy.fields) >= 1_000
    assert {f.kind for f in taxonomy.fields} == set(KINDS)


def _copy_with(tmp_path: Path, edit) -> Path:
    folder = tmp_path / "fields"
    shutil.copytree(knowledge_path("taxonomy/fields"), folder)
    path = folder / "food_kitchen.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data["fields"][0])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda f: f.update(cpv=["12345678"]), "is not in"),
        (lambda f: f.update(cpv=["99"]), "no CPV code"),
        (lambda f: f.update(kind="mat"), "kind"),
        (lambda f: f.pop("kind"), "kind"),
        (lambda f: f.update(id="Mat og drikke"), "snake_case"),
        (lambda f: f.update(kind="helse_og_sosial"), "social and other specific services"),
        (lambda f: f.update(via=["no_such_field"]), "'via' names no other field"),
    ],
)
def test_a_bad_edit_is_refused_naming_the_file_and_field(tmp_path: Path, edit, message: str) -> None:
    folder = _copy_with(tmp_path, edit)
    cpv = read_cpv(knowledge_path(CPV_FILE))
    social = frozenset(read_cpv(knowledge_path(CPV_SOCIAL_FILE)))  # the other files' health fields stay valid
    with pytest.raises(KnowledgeError, match=message) as caught:
        load_taxonomy_from(folder, cpv, social)
    assert "food_kitchen.yaml" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "field", "kind"),
    [
        ("det er maur i personalrommet", "pest_control", "tjenester"),
        ("en brødrister til personalrommet", "household_appliances", "varer"),
        ("Jif", "cleaning_products", "varer"),
        ("døra til lageret går ikke i lås", "locksmith_access", None),
        ("sykepleiervikar til helga", "staffing_health", None),
        ("støttekontakt for en ungdom", "support_contact", "helse_og_sosial"),
        ("asfaltering av parkeringsplassen", "road_maintenance_asphalt", "bygg_og_anlegg"),
        ("kantinedrift i rådhuset", "canteen_operation", "tjenester"),
        ("el-sykler til hjemmetjenesten", "bicycles_ebikes", "varer"),
        ("gardiner til møterommet", "interior_textiles_blinds", "varer"),
        ("we have mice in the kitchen", "pest_control", "tjenester"),
        ("det drypp frå taket i gymsalen", "roofer", None),
    ],
)
def test_everyday_needs_read_as_their_field_and_kind(matcher: FieldMatcher, text: str, field: str, kind: str | None) -> None:
    match = matcher.match(text, limit=3)
    assert match.hits and match.hits[0].field.id == field, [(h.id, round(h.score, 2)) for h in match.hits]
    if kind is not None:
        assert match.hits[0].field.kind == kind


def test_gibberish_reads_as_nothing(matcher: FieldMatcher) -> None:
    match = matcher.match("asdfgh qwerty", limit=3)
    assert not match.hits and not match.understood


def test_a_term_of_several_words_found_whole_reads_its_field(matcher: FieldMatcher) -> None:
    """A field's several-word term in the text, its words in a row, counts as fully as the field's
    core: "personal trainer" is staff fitness, though "trainer" alone is a course; the same words
    apart, or in another order, are only what each says alone."""
    assert matcher.match("personal trainer for the staff").hits[0].field.id == "staff_fitness_wellbeing"
    assert matcher.match("a trainer, personal, for the staff").hits[0].field.id == "training_courses"
    assert matcher.match("basketball court at the school").hits[0].field.id == "activity_parks"
    assert ("personal", "trainer") in matcher.phrases
