"""URL sources: one URL policy (agreements_sync.urls) on the address and on every redirect hop,
a total deadline that a server dripping one byte at a time cannot stretch, and a size limit.
Servers are the test's own, on this machine (127.0.0.1 counts as local, 127.0.0.2 does not)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import web

from agreements_sync.index import current_index_version, snapshot
from agreements_sync.limits import Limits
from agreements_sync.sync import sync_export
from agreements_sync.urls import button_url_allowed, link_problem, source_problem
from bot.db import Database
from tests.conftest import AS_OF


async def _serve(aiohttp_server, routes: dict, host: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    return await aiohttp_server(app, host=host)


async def _sync(database: Database, url: str, **options: object):  # type: ignore[no-untyped-def]
    return await asyncio.to_thread(sync_export, database.engine, url, as_of=AS_OF, **options)


async def test_a_redirect_to_plain_http_elsewhere_is_refused_at_the_hop(
    database: Database, aiohttp_server, reference_register: Path
) -> None:
    elsewhere_hits: list[str] = []

    async def export(request: web.Request) -> web.StreamResponse:
        elsewhere_hits.append(request.path)
        return web.FileResponse(reference_register)

    elsewhere = await _serve(aiohttp_server, {"/avtaler.csv": export}, host="127.0.0.2")  # not "localhost"
    target = f"http://127.0.0.2:{elsewhere.port}/avtaler.csv"

    async def redirect(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(target)

    local = await _serve(aiohttp_server, {"/eksport": redirect})
    before = snapshot(database.engine)
    report = await _sync(database, f"http://127.0.0.1:{local.port}/eksport")
    assert report.outcome == "rejected", report.message("en")
    assert f"redirected to {target}, which is refused" in report.message("en")
    assert "only https" in report.message("en")
    assert elsewhere_hits == []  # never connected
    assert snapshot(database.engine) == before and current_index_version(database.engine) == 0


async def test_too_many_redirects_are_refused(database: Database, aiohttp_server) -> None:
    async def loop(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"/r{int(request.path[2:]) + 1}")

    app = web.Application()
    app.router.add_get(r"/r{n:\d+}", loop)
    server = await aiohttp_server(app, host="127.0.0.1")
    report = await _sync(database, f"http://127.0.0.1:{server.port}/r0", limits=Limits(max_redirects=3))
    assert report.outcome == "rejected" and "more than 3 redirects" in report.message("en")


async def test_a_source_that_drips_one_byte_at_a_time_fails_at_the_deadline(
    database: Database, aiohttp_server, reference_register: Path
) -> None:
    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/csv"})
        await response.prepare(request)
        for byte in reference_register.read_bytes():
            await response.write(bytes([byte]))
            await asyncio.sleep(0.5)
        return response

    server = await _serve(aiohttp_server, {"/avtaler.csv": drip})
    before = snapshot(database.engine)
    report = await _sync(database, f"http://127.0.0.1:{server.port}/avtaler.csv", limits=Limits(download_seconds=1.5))
    assert report.outcome == "rejected", report.message("en")
    assert "no complete answer within 1.5 s" in report.message("en")
    assert snapshot(database.engine) == before


async def test_a_source_that_drips_its_headers_fails_at_the_deadline(database: Database) -> None:
    async def handle(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"HTTP/1.1 200 OK\r\n")
            for _ in range(600):
                writer.write(b"X")
                await writer.drain()
                await asyncio.sleep(0.2)
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        report = await _sync(database, f"http://127.0.0.1:{port}/avtaler.csv", limits=Limits(download_seconds=1.0))
    finally:
        server.close()
    assert report.outcome == "rejected" and "no complete answer within 1 s" in report.message("en")


async def test_a_download_larger_than_the_limit_is_refused(database: Database, aiohttp_server, reference_register: Path) -> None:
    async def export(_request: web.Request) -> web.StreamResponse:
        return web.FileResponse(reference_register)

    server = await _serve(aiohttp_server, {"/avtaler.csv": export})
    report = await _sync(database, f"http://127.0.0.1:{server.port}/avtaler.csv", limits=Limits(max_export_bytes=10_000))
    assert report.outcome == "rejected" and "larger than 10 KB (the limit)" in report.message("en")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://register.example/avtaler.csv", True),
        ("http://localhost:8080/avtaler.csv", True),
        ("http://127.0.0.1/avtaler.csv", True),
        ("http://[::1]:81/a.csv", True),
        ("http://register.example/avtaler.csv", False),
        ("http://127.0.0.2/avtaler.csv", False),
        ("ftp://register.example/avtaler.csv", False),
        ("file:///etc/passwd", False),
        ("https://", False),
        ("https://register.example/a b.csv", False),
        ("https://register.example:99999/a.csv", False),
    ],
)
def test_the_source_policy(url: str, allowed: bool) -> None:
    assert (source_problem(url) is None) is allowed, source_problem(url)


@pytest.mark.parametrize(
    ("url", "link", "button"),
    [
        ("https://arkiv.lorenskog.kommune.example/avtaler/LK-1.pdf", True, True),
        ("HTTPS://arkiv.example/a.pdf", True, True),
        ("javascript:alert(1)", False, False),
        (" javascript:alert(1)", False, False),
        ("java\tscript:alert(1)", False, False),
        ("data:text/html;base64,PHNjcmlwdD4=", False, False),
        ("http://arkiv.example/a.pdf", False, False),
        ("https://user:pw@arkiv.example/a.pdf", False, False),
        ("https://arkiv.example/\u202egpj.exe", False, False),
        ("mailto:radgiver@lorenskog.kommune.example?subject=Avtale%20LK-1", False, True),
        ("data:text/calendar;base64,QkVHSU4=", False, True),
        ("vbscript:msgbox(1)", False, False),
    ],
)
def test_the_link_policy(url: str, link: bool, button: bool) -> None:
    assert (link_problem(url) is None) is link
    assert button_url_allowed(url) is button
