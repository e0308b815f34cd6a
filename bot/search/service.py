"""`SearchService`: the in-memory index of one server instance, kept in step with the database.

The index is built from `agreements_sync.index.load_agreements` and tagged with the index
version (`IndexState.version`, raised by every sync that changes the index). `search()` never
waits for a rebuild: at most every `check_interval` seconds it starts a background check that
reads the version and, when it changed, builds a new index and swaps it in with one assignment.
Every instance therefore answers from the same data within a few seconds of a sync. Only the
very first question waits for the first build (there is nothing else to answer from).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from typing import Any

import simplemma
from sqlmodel import Session

from agreements_sync.index import current_index_version, load_agreements
from bot.search.decide import mentions, named_by, referrals
from bot.search.engine import analyse, search_index
from bot.search.fields import FieldMatcher, shared_field_matcher
from bot.search.index import SearchIndex, attach_fields, build_index, category_key
from bot.search.learning import TaughtIndex, taught_rows, taught_version
from bot.search.links import link_agreements, read_exclusions
from bot.search.models import AgreementDoc, Hit, SearchResult, doc_from
from bot.search.semantic import CachedVectors, FieldVectors, Semantic, VectorStore, passage
from bot.search.text import Analyzer
from bot.search.vocabulary import Vocabulary, load_vocabulary

log = logging.getLogger(__name__)
DICTIONARIES = ("nb", "nn", "en")


def build_from_database(
    database: Any, vocabulary: Vocabulary | None = None, analyzer: Analyzer | None = None,
    fields: FieldMatcher | None = None, remembered: dict | None = None,
) -> SearchIndex:
    engine = getattr(database, "engine", database)
    version = current_index_version(engine)
    docs = [doc_from(record) for record in load_agreements(engine)]
    return build_search_index(docs, vocabulary, analyzer, fields, version=version, remembered=remembered)


def build_search_index(
    docs: list[AgreementDoc], vocabulary: Vocabulary | None = None, analyzer: Analyzer | None = None,
    fields: FieldMatcher | None = None, *, version: int | None = None, remembered: dict | None = None,
) -> SearchIndex:
    """The agreements' index, linked to the taxonomy's fields of purchase."""
    started = time.perf_counter()
    vocabulary = vocabulary or load_vocabulary()
    analyzer = analyzer or Analyzer()
    index = build_index(docs, vocabulary, analyzer, version=version)
    fields = fields or shared_field_matcher()
    links = link_agreements(docs, fields, remembered)
    # (removes the links it excludes)
    index.excluded_fields, index.excluded_things = read_exclusions(docs, links, fields, analyzer.context_prepositions)
    attach_fields(index, fields, links)
    index.mentions = mentions(docs, {doc.id: position for position, doc in enumerate(docs)})
    index.mentioned_by = named_by(index.mentions)
    referrals(index)
    index.build_seconds = time.perf_counter() - started
    return index


class SearchService:
    """`semantic`: "background" (the server: vectors filled in a thread after each build, used as
    they arrive), "sync" (the CLI: filled before the first answer, so measurements are complete),
    or "off" (tests that are not about it: no model, no vectors)."""

    def __init__(self, database: Any, *, check_interval: float = 5.0, start: bool = True,
                 semantic: str = "off") -> None:
        self.database = database
        self.check_interval = check_interval
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()  # one build at a time
        self._first_build = threading.Event()
        self._last_check = 0.0
        self._worker: threading.Thread | None = None
        self.last_error: str | None = None
        self._vocabulary = load_vocabulary()
        self._analyzer = Analyzer()
        self._fields: FieldMatcher | None = None
        self._taught = TaughtIndex()
        self._links: dict = {}  # the agreements' field links of the last build, by their texts
        self.semantic_mode = semantic
        self._vectors: VectorStore | None = None
        self._field_vectors: FieldVectors | None = None
        self._stop = threading.Event()
        if start:
            self._start_worker(force=True)

    # --- state -------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """True once an index is built (for /readyz)."""
        return self._index is not None

    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            self._start_worker(force=True)
            worker = self._worker
            if worker is not None:  # the first build; a failed one ends the wait at once (no 120 s hang)
                worker.join(timeout=120)
            if self._index is None:
                self.refresh()  # the worker failed: try in this thread and let the error show
        assert self._index is not None
        return self._index

    @property
    def version(self) -> int | None:
        return self._index.version if self._index else None

    # --- rebuilding --------------------------------------------------------------------------

    def refresh(self) -> SearchIndex:
        """Rebuild now, in this thread (tests, CLI); returns the new index."""
        with self._lock:
            index = build_from_database(self.database, self._vocabulary, self._analyzer, self._field_matcher(), self._links)
            self._taught = self._read_taught(index)
            self._vectors = self._start_vectors(index, wait=self.semantic_mode == "sync")
            self._index = index
            self._first_build.set()
            self._last_check = time.monotonic()
            return index

    def refresh_taught(self) -> None:
        """Re-read what was taught now (after `teach`, so the next question already uses it)."""
        index = self._index
        if index is not None:
            with self._lock:
                self._taught = self._read_taught(index)

    def _read_taught(self, index: SearchIndex) -> TaughtIndex:
        engine = getattr(self.database, "engine", self.database)
        with Session(engine) as session:
            return TaughtIndex.build(index, taught_rows(session), taught_version(session))

    def _check(self, force: bool) -> None:
        try:
            with self._lock:
                engine = getattr(self.database, "engine", self.database)
                current = current_index_version(engine)
                if force or self._index is None or current != self._index.version:
                    index = build_from_database(self.database, self._vocabulary, self._analyzer, self._field_matcher(), self._links)
                    self._taught = self._read_taught(index)
                    self._vectors = self._start_vectors(index, wait=self.semantic_mode == "sync")
                    self._index = index  # atomic swap: readers keep the old one until here
                    log.info("search index built", extra={"version": index.version, "agreements": index.size,
                                                          "seconds": round(index.build_seconds, 3)})
                elif self._index is not None:
                    with Session(engine) as session:
                        if taught_version(session) != self._taught.version:  # taught since: cheap re-read
                            self._taught = TaughtIndex.build(self._index, taught_rows(session), taught_version(session))
            self.last_error = None
        except Exception as exc:  # noqa: BLE001 - keep serving the old index; report and retry later
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("search index rebuild failed: %s", self.last_error)
        finally:
            if self._index is not None:
                self._first_build.set()

    def _start_vectors(self, index: SearchIndex, *, wait: bool) -> VectorStore | None:
        """The agreements' semantic vectors (and, the first time, the taxonomy's): the cached
        ones now, the rest in a background thread (or now, with wait=True). None when the
        semantic step is off."""
        if self.semantic_mode == "off":
            return None
        engine = getattr(self.database, "engine", self.database)
        if self._field_vectors is None:
            fields = FieldVectors(self._field_matcher().fields)
            fields.load_shipped()
            self._field_vectors = self._load(fields, engine, wait)
            import bot.taxonomy

            bot.taxonomy.use_field_vectors(self._field_vectors)  # the authority answer reads kinds the same way
        return self._load(VectorStore([passage(doc) for doc in index.docs]), engine, wait)

    def _load(self, store: Any, engine: Any, wait: bool) -> Any:
        if not store.complete:
            try:
                store.load_cached(engine)
            except Exception as exc:  # noqa: BLE001 - without the cache the vectors are simply made again
                log.warning("semantic vector cache unreadable: %s", exc)
        if not store.complete:
            if wait:
                store.fill(engine, self._stop)
            else:
                threading.Thread(target=self._fill, args=(store, engine), name="search-vectors", daemon=True).start()
        return store

    def _fill(self, store: CachedVectors, engine: Any) -> None:
        try:
            started = time.monotonic()
            made = store.fill(engine, self._stop)
            log.info("semantic vectors made", extra={"fields": {"vectors": made, "seconds": round(time.monotonic() - started, 1)}})
        except Exception:
            log.warning("semantic vectors could not be made", exc_info=True)

    def close(self) -> None:
        """Stop background work (the vector fill) at shutdown."""
        self._stop.set()

    def _field_matcher(self) -> FieldMatcher:
        """The taxonomy, read once per service (it does not change with the register)."""
        if self._fields is None:
            self._fields = shared_field_matcher()
        return self._fields

    def _start_worker(self, force: bool = False) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        self._last_check = time.monotonic()
        self._worker = threading.Thread(target=self._check, args=(force,), name="search-index", daemon=True)
        self._worker.start()

    def _maybe_check(self) -> None:
        if time.monotonic() - self._last_check >= self.check_interval:
            self._start_worker()

    def wait_idle(self, timeout: float = 600.0) -> None:
        """Wait for a running background check to finish (tests)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    # --- questions ---------------------------------------------------------------------------

    def search(self, query: str, as_of: dt.date, limit: int = 5) -> SearchResult:
        index = self.index
        taught = self._taught
        vectors = self._vectors
        self._maybe_check()
        semantic = Semantic(vectors, self._field_vectors) if vectors is not None else None
        return search_index(index, query, as_of, limit, taught=taught if taught.entries else None, semantic=semantic)

    def hit(self, agreement_id: str, as_of: dt.date) -> Hit | None:
        """One agreement as a hit (the card of an agreement picked among candidates)."""
        from bot.search.engine import described, status_on

        index = self.index
        position = index.positions.get(agreement_id)
        if position is None:
            return None
        doc = index.docs[position]
        return described(index, position, Hit.from_doc(doc, status_on(doc, as_of), 1.0, []), as_of)

    def understands(self, text: str) -> bool:
        """Whether `text` has a recognisable word: one the index or its vocabulary knows (spelling
        variants, compound parts and typos included) or one of the bokmål, nynorsk or English
        dictionaries (or the taxonomy of what municipalities buy). "asdfgh" has none; "kjøpe drone" has, though no agreement covers drones."""
        index = self.index
        if any(index.has(keyset) or keyset & index.known
               for group in analyse(index, text) for alt in group.alts for keyset in alt.keysets):
            return True
        if self._field_matcher().match(text, limit=1).understood:  # a word of the taxonomy
            return True
        words = re.findall(r"[^\W\d_]{2,}", text.lower())
        return any(simplemma.is_known(word, lang=lang) for word in words for lang in DICTIONARIES)

    def category(self, category: str, as_of: dt.date) -> list[Hit]:
        """Every active agreement of a category (the card's "show all in the category")."""
        from bot.search.engine import status_on

        index = self.index
        self._maybe_check()
        hits: list[Hit] = []
        for doc_index in index.categories.get(category_key(category), []):
            doc: AgreementDoc = index.docs[doc_index]
            status = status_on(doc, as_of)
            if status == "active":
                hits.append(Hit.from_doc(doc, status, 1.0, []))
        return sorted(hits, key=lambda h: h.title.lower())
