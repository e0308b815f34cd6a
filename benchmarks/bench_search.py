"""Search latency, index build time and memory: reference register and synthetic 10 000 / 100 000.

The synthetic registers are built in memory from realistic vocabulary: every agreement is a
variant of a reference agreement (its category, CPV codes and description) with a title, keywords
and description sentences drawn from the taxonomy's terms, a region suffix, fictional
suppliers and a mix of statuses. Questions are the dev and held-out questions.

Targets: p99 ≤ 10 ms per question at 10 000 agreements, ≤ 50 ms at 100 000.

    python -m benchmarks search
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import random
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from agreements_sync.sync import sync_export
from bot.db import Database
from bot.search.engine import search_index
from bot.search.evaluate import read_questions
from bot.search.index import SearchIndex
from bot.search.models import AgreementDoc, Supplier
from bot.search.service import build_from_database, build_search_index
from bot.search.text import Analyzer
from bot.search.vocabulary import load_vocabulary
from bot.taxonomy import field_matcher, load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT.parent / "shared" / "data" / "avtaleregister.csv"
QUESTION_FILES = [ROOT.parent / "shared" / "data" / "queries-dev.csv", ROOT / "tests" / "data" / "search" / "queries-heldout.csv"]
AS_OF = dt.date(2026, 11, 24)
REGIONS = ["nord", "sør", "øst", "vest", "sentrum", "Romerike", "Follo", "Asker", "Bærum", "Hadeland", "Ringerike",
           "Innlandet", "Viken", "Agder", "Trøndelag", "Vestland", "Rogaland", "Nordland", "Troms", "Finnmark"]
SUPPLIER_WORDS = ["Nord", "Øst", "Vest", "Fjord", "Skog", "Berg", "Elv", "Bygg", "Service", "Partner", "Gruppen",
                  "Teknikk", "Handel", "Drift", "Norge", "Norden", "Consult", "Miljø", "Engros", "Senter"]


def synthetic_register(base: list[AgreementDoc], n: int, seed: int = 7) -> list[AgreementDoc]:
    rng = random.Random(seed)
    terms = [t for f in load_taxonomy().fields for t in f.terms if len(t) > 3]
    docs: list[AgreementDoc] = []
    for i in range(n):
        template = rng.choice(base)
        picked = rng.sample(terms, 4)
        region = rng.choice(REGIONS)
        start = dt.date(2020 + rng.randrange(7), 1 + rng.randrange(12), 1)
        end = start + dt.timedelta(days=365 * (2 + rng.randrange(4)))
        status = rng.choices(["active", "expired", "under_competition"], [0.8, 0.15, 0.05])[0]
        suppliers = tuple(
            Supplier(f"{rng.choice(SUPPLIER_WORDS)} {rng.choice(SUPPLIER_WORDS)} AS", f"{rng.randrange(800_000_000, 999_999_999)}")
            for _ in range(1 + (rng.random() < 0.2) * rng.randrange(1, 3))
        )
        docs.append(replace(
            template,
            id=f"SYN-{i:06d}",
            title=f"{template.title} {picked[0]} – {region}",
            keywords=(picked[1], picked[2], *template.keywords[:2]),
            description=f"{template.description} Omfatter også {picked[3]} og {picked[0]} for {region}.",
            suppliers=suppliers, status=status, start_date=start, end_date=end, final_end_date=end,
        ))
    return docs


def _measure(index: SearchIndex, questions: list[str], rounds: int) -> tuple[float, float, float]:
    times: list[float] = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            search_index(index, question, AS_OF)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p50 = statistics.median(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return p50, p99, times[-1]


def _rss_mb() -> float:
    """Resident memory of this process (Linux /proc), in MB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _build(docs: list[AgreementDoc], analyzer: Analyzer) -> tuple[SearchIndex, float, float]:
    """Build an index; memory is the growth of resident memory while building and keeping it."""
    gc.collect()
    before = _rss_mb()
    started = time.perf_counter()
    index = build_search_index(docs, load_vocabulary(), analyzer, field_matcher())
    seconds = time.perf_counter() - started
    gc.collect()
    return index, seconds, _rss_mb() - before


def main() -> None:
    questions = [q.query for path in QUESTION_FILES if path.exists() for q in read_questions(path)]
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/index.db")
        database.migrate()
        sync_export(database.engine, REGISTER, as_of=AS_OF)
        started = time.perf_counter()
        reference_index = build_from_database(database)
        reference_build = time.perf_counter() - started
        database.dispose()
    base = reference_index.docs
    analyzer = reference_index.analyzer
    _measure(reference_index, questions, 1)  # warm caches
    p50, p99, worst = _measure(reference_index, questions, 5)
    print(f"{len(questions)} questions (dev + held-out)", flush=True)
    print("+RSS MB: growth of resident memory while building and holding the index (includes the build's peak)")
    print(f"{'agreements':>11} {'build s':>8} {'+RSS MB':>9} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    print(f"{len(base):>11} {reference_build:>8.2f} {'':>9} {p50:>7.2f} {p99:>7.2f} {worst:>7.2f}", flush=True)
    for n, target in ((10_000, 10.0), (100_000, 50.0)):
        docs = synthetic_register(base, n)
        index, seconds, megabytes = _build(docs, analyzer)
        _measure(index, questions, 1)
        p50, p99, worst = _measure(index, questions, 3 if n <= 10_000 else 2)
        verdict = "ok" if p99 <= target else f"OVER target {target:.0f} ms"
        print(f"{n:>11} {seconds:>8.2f} {megabytes:>9.1f} {p50:>7.2f} {p99:>7.2f} {worst:>7.2f}  p99 target {target:.0f} ms: {verdict}", flush=True)
        del index, docs
        gc.collect()


if __name__ == "__main__":
    main()
