"""Sync benchmark: a synthetic 100 000-agreement export into a fresh index, and an unchanged
10 000-agreement re-sync. Targets: 100 000 in < 60 s; unchanged 10 000 in < 5 s.

    python -m benchmarks sync                 # SQLite (and PostgreSQL if TEST_DATABASE_URL is set)
    python -m benchmarks.bench_sync 20000     # another size

The export has the reference register's shape (22 Norwegian columns, `;`, BOM, CRLF, dates
dd.mm.yyyy, amounts `1 250 000`, parallel suppliers with valid MOD11 organisation numbers),
built from the reference rows with new ids, titles and suppliers, in a temporary folder.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from agreements_sync.index import current_index_version
from agreements_sync.sync import sync_export
from bot.db import Database, scratch_database

AS_OF = dt.date(2026, 11, 24)
ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "data" / "avtaleregister.csv"
FALLBACK = ROOT / "demo" / "avtaleregister-demo.csv"
_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def org_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(8 if i == 0 else 0, 9) for i in range(8)]
        check = 11 - sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _amount(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def generate_export(path: Path, count: int, seed: int = 7) -> Path:
    source = REFERENCE if REFERENCE.exists() else FALLBACK
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    headers, templates = rows[0], rows[1:]
    col = {h: i for i, h in enumerate(headers)}
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(headers)
        for n in range(count):
            row = list(templates[n % len(templates)])
            row[col["Avtalenr"]] = f"LK-B{n:07d}"
            row[col["Avtalenavn"]] = f"{row[col['Avtalenavn']]} {n}"
            start = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 2500))
            end = start + dt.timedelta(days=rng.randint(365, 1800))
            final = end + dt.timedelta(days=rng.choice((0, 365, 730)))
            row[col["Startdato"]] = start.strftime("%d.%m.%Y")
            row[col["Sluttdato"]] = end.strftime("%d.%m.%Y")
            row[col["Maks sluttdato"]] = final.strftime("%d.%m.%Y")
            row[col["Status"]] = "Aktiv" if end >= AS_OF else "Utløpt"
            if row[col["Leverandør"]]:
                k = rng.choice((1, 1, 1, 2, 3))
                row[col["Leverandør"]] = " | ".join(f"Leverandør {n}-{i} AS" for i in range(k))
                row[col["Org.nr"]] = " | ".join(org_number(rng) for _ in range(k))
            row[col["Estimert årlig verdi"]] = _amount(rng.randrange(50_000, 20_000_000, 1000))
            writer.writerow(row)
    return path


def peak_rss_mb() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / 1024 if sys.platform != "darwin" else usage / (1024 * 1024)


def _postgres(url: str) -> tuple[Database, object]:
    return scratch_database(url, prefix="bench_")


def _sqlite(folder: Path, name: str) -> tuple[Database, object]:
    database = Database(f"sqlite:///{folder / name}")
    database.migrate()
    return database, database.dispose


def run(backend: str, folder: Path, big: Path, small: Path, size: int) -> None:
    make = (lambda n: _sqlite(folder, n)) if backend == "sqlite" else (lambda n: _postgres(os.environ["TEST_DATABASE_URL"]))
    database, drop = make("big.db")
    try:
        started = time.perf_counter()
        report = sync_export(database.engine, big, as_of=AS_OF, trigger="bench")
        seconds = time.perf_counter() - started
        assert report.outcome == "applied" and report.added == size, report.message("en")
        print(f"[{backend}] import {size} agreements: {seconds:.1f} s (target < 60 s), "
              f"{report.added} added, {report.active_as_of} active as of {AS_OF}, "
              f"peak RSS so far {peak_rss_mb():.0f} MB, index version {current_index_version(database.engine)}", flush=True)
    finally:
        drop()
    database, drop = make("small.db")
    try:
        first = sync_export(database.engine, small, as_of=AS_OF, trigger="bench")
        assert first.outcome == "applied", first.message("en")
        started = time.perf_counter()
        again = sync_export(database.engine, small, as_of=AS_OF, trigger="bench")
        seconds = time.perf_counter() - started
        assert again.outcome == "unchanged" and again.unchanged == 10_000, again.message("en")
        print(f"[{backend}] re-sync unchanged 10000: {seconds:.2f} s (target < 5 s); "
              f"first import of the 10000 took {first.duration_ms / 1000:.1f} s", flush=True)
    finally:
        drop()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    size = int(argv[0]) if argv and argv[0].isdigit() else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        big = generate_export(folder / "big.csv", size)
        small = generate_export(folder / "small.csv", 10_000, seed=11)
        print(f"generated {size} + 10000 agreements ({big.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - started:.1f} s; peak RSS before syncing {peak_rss_mb():.0f} MB", flush=True)
        backends = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
        for backend in backends:
            run(backend, folder, big, small, size)
        print(f"peak RSS of the whole benchmark: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
