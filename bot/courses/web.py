"""`GET /courses/<id>.ics?t=<token>`: the course's calendar invitation over HTTPS.

Teams opens https links from a card reliably, while `data:` links are not opened everywhere, so
with `public_base_url` set the cards link here. The token is an HMAC of the course id keyed by
the bot's app secret, so only links the bot handed out work (no course list for strangers).
Mount with `bot.courses.web.add_routes(app, services)` in the server factory.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from typing import Any

from aiohttp import web

from agreements_sync.limits import MAX_ROW_ID
from bot.services import Services


def ics_token(settings: Any, course_id: int) -> str:
    key = (getattr(settings, "app_password", "") or "innkjopsbot-dev").encode()
    return hmac.new(key, f"course:{course_id}".encode(), hashlib.sha256).hexdigest()[:20]


def ics_url(settings: Any, course_id: int) -> str | None:
    base = (getattr(settings, "public_base_url", "") or "").rstrip("/")
    if not base:
        return None
    return f"{base}/courses/{course_id}.ics?t={ics_token(settings, course_id)}"


def add_routes(app: web.Application, services: Services) -> None:
    async def course_ics(request: web.Request) -> web.Response:
        from bot.courses import flow, service

        digits = request.match_info["course_id"]
        course_id = int(digits) if len(digits) <= 10 else 0  # a 5 000-digit "id" is no course (nor a 500)
        if not 0 < course_id <= MAX_ROW_ID:
            raise web.HTTPNotFound()
        given = request.query.get("t", "").encode("utf-8", "surrogatepass")  # bytes: any text may arrive
        if not hmac.compare_digest(given, ics_token(services.settings, course_id).encode()):
            raise web.HTTPNotFound()

        def build() -> tuple[bytes, str] | None:
            with services.database.session() as session:
                try:
                    course = service.course_view(session, course_id)
                except service.CourseNotFound:
                    return None
            return flow.course_ics(services, course), f"kurs-{course_id}.ics"

        built = await asyncio.to_thread(build)
        if built is None:
            raise web.HTTPNotFound()
        body, name = built
        return web.Response(body=body, content_type="text/calendar", charset="utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

    app.router.add_get(r"/courses/{course_id:\d+}.ics", course_ics)
