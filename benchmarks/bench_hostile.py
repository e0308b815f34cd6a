"""Hostile input (issue 13): what a broken or hostile export costs now, measured, not asserted.

- the search index build with one very long word in a title (30 000 characters and 1 MB):
  peak resident memory of a process that builds the reference register's index plus that
  agreement, against the same build without it;
- XLSX zip bombs of 400 MB (a 0.4 MB file with one huge cell; a 1 MB file with one row of 18
  million cells) and of 200 MB (under the size limit, refused by its compression ratio): time to
  refuse them, and the peak memory;
- a URL source that drips one byte every 5 s: time until the sync fails (the default deadline);
- 1 000 000 bad rows: time and peak memory of the rejection (errors kept: 1 000, all counted).

Each case runs in a process of its own, so that peak memory is the case's own.

    python -m benchmarks hostile
    python -m benchmarks.bench_hostile word 1048576     # one case
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "data" / "avtaleregister.csv"
AS_OF = dt.date(2026, 11, 24)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _database(folder: Path):  # type: ignore[no-untyped-def]
    from bot.db import Database

    database = Database(f"sqlite:///{folder / 'index.db'}")
    database.migrate()
    return database


# --- the cases (each in its own process) ---------------------------------------------------------


def case_word(length: int) -> dict:
    """Build the reference index with one more agreement whose title holds a `length`-letter word."""
    import random

    from agreements_sync.index import load_agreements
    from agreements_sync.sync import sync_export
    from bot.search.models import AgreementDoc, doc_from
    from bot.search.service import build_search_index
    from bot.search.text import Analyzer
    from bot.search.vocabulary import load_vocabulary

    with tempfile.TemporaryDirectory() as tmp:
        database = _database(Path(tmp))
        sync_export(database.engine, REFERENCE, as_of=AS_OF)
        docs = [doc_from(r) for r in load_agreements(database.engine)]
    vocabulary, analyzer = load_vocabulary(), Analyzer()
    if length:
        word = "".join(random.Random(1).choice("abdefghijklmnoprstuv") for _ in range(length))
        docs.append(AgreementDoc(id="X-LONG", title=f"Kontorstoler {word}", description=f"Stoler {word}"))
    before = _peak_mb()
    started = time.perf_counter()
    build_search_index(docs, vocabulary, analyzer)
    return {"seconds": round(time.perf_counter() - started, 1), "peak_mb": round(_peak_mb()), "before_build_mb": round(before)}


def _bomb(path: Path, megabytes: int, shape: str = "cells") -> Path:
    """A real workbook whose second row is `megabytes` of XML: "cell", one cell of one letter
    repeated (deflate packs it ~1000 : 1: 400 MB in 0.4 MB), or "cells", millions of tiny cells
    (~400 : 1). openpyxl builds a whole row in memory: such a row cost ~11 GB before the check."""
    from openpyxl import Workbook

    plain = path.with_name("plain.xlsx")
    book = Workbook()
    book.active.append(["Avtalenr", "Avtalenavn"])
    book.save(plain)
    chunk = b'<c t="n"><v>1</v></c>' * 50_000 if shape == "cells" else b"A" * (1024 * 1024)
    start, end = (b"", b"") if shape == "cells" else (b'<c r="A2" t="inlineStr"><is><t>', b"</t></is></c>")
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, source.read(item.filename))
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                        b'<row r="1"><c r="A1" t="inlineStr"><is><t>Avtalenr</t></is></c></row><row r="2">' + start)
            for _ in range(megabytes * 1024 * 1024 // len(chunk)):
                sheet.write(chunk)
            sheet.write(end + b"</row></sheetData></worksheet>")
    return path


def case_bomb(megabytes: int = 400, shape: str = "cells") -> dict:
    from agreements_sync.sync import sync_export

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bomb = _bomb(folder / "bombe.xlsx", megabytes, shape)
        with zipfile.ZipFile(bomb) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
        database = _database(folder)
        before = _peak_mb()
        started = time.perf_counter()
        report = sync_export(database.engine, bomb, as_of=AS_OF)
        seconds = time.perf_counter() - started
        return {"zip_mb": round(bomb.stat().st_size / 1e6, 2), "unpacked_mb": round(unpacked / 1e6),
                "refused_in_ms": round(seconds * 1000, 1), "outcome": report.outcome,
                "message": report.message("en")[-160:], "peak_mb": round(_peak_mb()), "before_mb": round(before)}


def case_drip(byte_every: float = 5.0) -> dict:
    from agreements_sync.limits import DEFAULT_LIMITS
    from agreements_sync.sync import sync_export

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    port: list[int] = []

    async def handle(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\n")
            while True:
                writer.write(b"A")
                await writer.drain()
                await asyncio.sleep(byte_every)
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port.append(server.sockets[0].getsockname()[1])
        ready.set()
        async with server:
            await server.serve_forever()

    threading.Thread(target=lambda: loop.run_until_complete(serve()), daemon=True).start()
    ready.wait()
    with tempfile.TemporaryDirectory() as tmp:
        database = _database(Path(tmp))
        started = time.perf_counter()
        report = sync_export(database.engine, f"http://127.0.0.1:{port[0]}/avtaler.csv", as_of=AS_OF)
        seconds = time.perf_counter() - started
    return {"deadline_s": DEFAULT_LIMITS.download_seconds, "failed_after_s": round(seconds, 1), "outcome": report.outcome,
            "message": report.message("en")[-120:]}


def case_bad_rows(count: int = 1_000_000) -> dict:
    from agreements_sync.sync import sync_export

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "bad.csv"
        with path.open("w", encoding="utf-8") as handle:
            handle.write("Avtalenr;Avtalenavn;Faggruppe;Startdato;Sluttdato;Status;Avtaleeier;Avtaleeier e-post\n")
            for i in range(count):
                handle.write(f"X-{i};Tittel {i};Møbler;aldri;31.12.2027;Aktiv;Eier;eier@x.no\n")
        mapping = folder / "m.yaml"
        mapping.write_text(
            "columns: {id: Avtalenr, title: Avtalenavn, category: Faggruppe, start_date: Startdato, end_date: Sluttdato,"
            " status: Status, owner_name: Avtaleeier, owner_email: Avtaleeier e-post}\nstatus_values: {active: [Aktiv]}\n",
            encoding="utf-8",
        )
        database = _database(folder)
        before = _peak_mb()
        started = time.perf_counter()
        report = sync_export(database.engine, path, mapping, as_of=AS_OF)
        seconds = time.perf_counter() - started
    return {"rows": count, "file_mb": round(path.stat().st_size / 1e6) if path.exists() else None, "seconds": round(seconds, 1),
            "errors_kept": len(report.errors), "error_count": report.error_count, "peak_mb": round(_peak_mb()),
            "before_mb": round(before)}


CASES = {"word": case_word, "bomb": case_bomb, "drip": case_drip, "bad_rows": case_bad_rows}


def _in_process(name: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_hostile", name, *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=1800, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(lines[-1])


def main() -> None:
    for length in (0, 30_000, 1_048_576):
        result = _in_process("word", str(length))
        label = "no long word" if not length else f"a {length}-letter word"
        print(f"index build, reference register + {label}: {result}", flush=True)
    print(f"zip bomb, one 400 MB cell: {_in_process('bomb', '400', 'cell')}", flush=True)
    print(f"zip bomb, one row of 18 million cells (400 MB): {_in_process('bomb', '400', 'cells')}", flush=True)
    print(f"zip bomb of 200 MB (under the size limit, over the ratio): {_in_process('bomb', '200', 'cells')}", flush=True)
    print(f"1 000 000 bad rows: {_in_process('bad_rows')}", flush=True)
    print(f"URL source dripping one byte every 5 s: {_in_process('drip')}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in CASES:
        print(json.dumps(CASES[sys.argv[1]](*(int(a) if a.isdigit() else a for a in sys.argv[2:]))), flush=True)
    else:
        main()
