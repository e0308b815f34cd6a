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

from agreements_sync.index import current_index_version, load_agreements
from bot.search.engine import analyse, search_index
from bot.search.index import SearchIndex, build_index, category_key
from bot.search.models import AgreementDoc, Hit, SearchResult, doc_from
from bot.search.text import Analyzer
from bot.search.vocabulary import Vocabulary, load_vocabulary

log = logging.getLogger(__name__)
DICTIONARIES = ("nb", "nn", "en")


def build_from_database(database: Any, vocabulary: Vocabulary | None = None, analyzer: Analyzer | None = None) -> SearchIndex:
    engine = getattr(database, "engine", database)
    version = current_index_version(engine)
    docs = [doc_from(record) for record in load_agreements(engine)]
    return build_index(docs, vocabulary or load_vocabulary(), analyzer, version=version)


class SearchService:
    def __init__(self, database: Any, *, check_interval: float = 5.0, start: bool = True) -> None:
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
            index = build_from_database(self.database, self._vocabulary, self._analyzer)
            self._index = index
            self._first_build.set()
            self._last_check = time.monotonic()
            return index

    def _check(self, force: bool) -> None:
        try:
            with self._lock:
                current = current_index_version(getattr(self.database, "engine", self.database))
                if force or self._index is None or current != self._index.version:
                    index = build_from_database(self.database, self._vocabulary, self._analyzer)
                    self._index = index  # atomic swap: readers keep the old one until here
                    log.info("search index built", extra={"version": index.version, "agreements": index.size,
                                                          "seconds": round(index.build_seconds, 3)})
            self.last_error = None
        except Exception as exc:  # noqa: BLE001 - keep serving the old index; report and retry later
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("search index rebuild failed: %s", self.last_error)
        finally:
            if self._index is not None:
                self._first_build.set()

    def _start_worker(self, force: bool = False) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        self._last_check = time.monotonic()
        self._worker = threading.Thread(target=self._check, args=(force,), name="search-index", daemon=True)
        self._worker.start()

    def _maybe_check(self) -> None:
        if time.monotonic() - self._last_check >= self.check_interval:
            self._start_worker()

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait for a running background check to finish (tests)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    # --- questions ---------------------------------------------------------------------------

    def search(self, query: str, as_of: dt.date, limit: int = 5) -> SearchResult:
        index = self.index
        self._maybe_check()
        return search_index(index, query, as_of, limit)

    def understands(self, text: str) -> bool:
        """Whether `text` has a recognisable word: one the index or its vocabulary knows (spelling
        variants, compound parts and typos included) or one of the bokmål, nynorsk or English
        dictionaries. "asdfgh" has none; "kjøpe drone" has, though no agreement covers drones."""
        index = self.index
        if any(index.has(keyset) or keyset & index.known
               for group in analyse(index, text) for alt in group.alts for keyset in alt.keysets):
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
