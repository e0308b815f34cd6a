"""The procurement section's workspace: pages under `/workspace`, served by the bot's own server.

The same pages are a static tab in Teams (deploy: the manifest's `staticTabs`, signed in by
Teams single sign-on) and open in a browser for local use (anonymous mode, loudly marked).

    GET  /workspace                         overview: questions per day and week, kinds of answer, fields, deadlines
    GET  /workspace/questions               questions to act on, grouped; POST …/act links / confirms / marks
    GET  /workspace/needs                   "we need an agreement for this"    (…/needs.csv)
    GET  /workspace/agreements              last sync, rejected rows, timeline  (…/timeline.csv, …/agreements/<id>)
    GET  /workspace/announcements           list; …/new, POST …/preview, POST …/send, …/<id>, POST …/<id>/correct|withdraw, …/<id>/report.csv
    GET  /workspace/courses                 list; …/new, POST …, …/<id>, POST …/<id>/edit|cancel|attendance, …/<id>/participants.csv
    GET  /workspace/signin, POST /workspace/session   Teams SSO sign-in

Authentication and CSRF: bot/workspace/session.py. Who may use it: the procurement section's
members (`Services.is_admin`: Entra object id or e-mail), 403 for anyone else, 401 without a
valid sign-in. Every text comes from the `workspace` catalog (bokmål, nynorsk, English by the
Teams locale); every CSV from bot/exports.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiDictProxy

from agreements_sync.i18n import Language, format_date, language_of, strings
from bot import authentication
from bot.announcements.audience import reason_text
from bot.commands.common import cli_label  # the sync-history's trigger and outcome labels, as the CLI says them
from bot.problems import problems_text, text_of
from bot.services import Services, User
from bot.workspace import data
from bot.workspace.html import STYLE, Html, bar_chart, button, esc, field, form, hbar_chart, hidden, table, tag
from bot.workspace.session import ANONYMOUS_ID, COOKIE, Identity, Keys

logger = logging.getLogger("bot.workspace")

PREFIX = "/workspace"
IDENTITY_KEY = web.RequestKey("workspace_identity", Identity)
LANG_KEY = web.RequestKey("workspace_lang", str)
TEAMS_JS = "https://res.cdn.office.net/teams-js/2.34.0/js/MicrosoftTeams.min.js"
MAX_FORM_BYTES = 64 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _t(lang: str, key: str, **values: Any) -> str:
    return strings("workspace").get(key, lang, **values)


class Workspace:
    """The pages of one server: its services, signing keys and settings."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings
        self.keys = Keys(services.settings)
        self.tz = ZoneInfo(services.settings.timezone)

    # --- authentication --------------------------------------------------------------------

    async def identify(self, request: web.Request) -> Identity | None:
        if self.settings.anonymous:
            return Identity(ANONYMOUS_ID, "", "Lokal utvikler", anonymous=True, session_id="anonymous")
        header = request.headers.get("Authorization")
        if header:
            try:
                token = authentication.bearer_token(header)
                user = await asyncio.to_thread(authentication.validate_sso_token, token, self.settings)
            except authentication.Unauthorised:
                return None
            return Identity(user.aad_object_id, user.email, user.name, by_header=True)
        return self.keys.read_cookie(request.cookies.get(COOKIE))

    def is_member(self, identity: Identity) -> bool:
        if identity.anonymous:
            return True
        return self.services.is_admin(User(aad_object_id=identity.aad_object_id, email=identity.email))

    def guard(self, handler: Handler, *, post: bool = False) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            lang = self.language(request)
            request[LANG_KEY] = lang
            if self.settings.anonymous and not _loopback(request):
                return self.message_page(request, 403, _t(lang, "anonymous_remote"))
            identity = await self.identify(request)
            if identity is None:
                if request.method == "GET" and "text/html" in request.headers.get("Accept", "text/html"):
                    target = f"{PREFIX}/signin?" + urlencode({"next": request.path_qs})
                    page = self.page(request, lang, _t(lang, "signin_title"), tag("p", _t(lang, "signin_needed")),
                                     tag("p", tag("a", _t(lang, "signin_link"), href=target)), status=401, nav=False)
                    return page
                return web.json_response({"error": "not signed in (Teams single sign-on token missing or invalid)"}, status=401)
            request[IDENTITY_KEY] = identity
            if not self.is_member(identity):
                logger.warning("workspace refused a non-member", extra={"fields": {"path": request.path}})
                return self.message_page(request, 403, _t(lang, "not_member", email=self.settings.procurement_email))
            if post:
                if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
                    return self.message_page(request, 413, _t(lang, "too_large"))
                try:
                    posted = await request.post()
                except (ValueError, web.HTTPException):
                    return self.message_page(request, 400, _t(lang, "bad_form"))
                if not self.keys.csrf_ok(identity, str(posted.get("csrf") or "")):
                    return self.message_page(request, 403, _t(lang, "csrf"))
            try:
                return await handler(request)
            except data.NotFound:
                return self.message_page(request, 404, _t(lang, "not_found"))
            except (ValueError, LookupError) as exc:  # a form value the domain refused: say which
                return self.message_page(request, 400, _t(lang, "refused", problem=text_of(exc, lang)[:300]))

        return guarded

    def language(self, request: web.Request) -> str:
        locale = request.query.get("locale") or request.cookies.get("innkjopsbot_locale") or ""
        if not locale:
            identity_locale = ""
            cookie = self.keys.read_cookie(request.cookies.get(COOKIE))
            if cookie is not None:
                identity_locale = cookie.locale
            locale = identity_locale or self.settings.default_locale
        return language_of(locale).value

    def user(self, request: web.Request) -> User:
        identity = request[IDENTITY_KEY]
        return User(aad_object_id=identity.aad_object_id if not identity.anonymous else "", name=identity.name,
                    email=identity.email, locale=request[LANG_KEY])

    def actor(self, request: web.Request) -> str:
        identity = request[IDENTITY_KEY]
        return identity.email or identity.aad_object_id or identity.name

    def csrf(self, request: web.Request) -> str:
        return self.keys.csrf_token(request[IDENTITY_KEY])

    # --- page frame ------------------------------------------------------------------------

    NAV = (("overview", ""), ("questions", "/questions"), ("agreements", "/agreements"),
           ("announcements", "/announcements"), ("courses", "/courses"))

    def page(self, request: web.Request, lang: str, title: str, *content: Any, status: int = 200, nav: bool = True,
             refresh: int = 0, current: str = "") -> web.Response:
        identity = request.get(IDENTITY_KEY)
        links = [tag("a", _t(lang, f"nav_{name}"), href=PREFIX + path, class_="current" if name == current else None)
                 for name, path in self.NAV] if nav and identity is not None else []
        who = tag("span", identity.name or identity.email, class_="who") if identity is not None else ""
        banner = tag("div", _t(lang, "anonymous_banner"), class_="banner", role="alert") if self.settings.anonymous else ""
        head = Html("".join([
            '<!doctype html><html lang="', esc({"nb": "nb", "nn": "nn", "en": "en"}[lang]), '"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta http-equiv="refresh" content="{refresh}">' if refresh else "",
            "<title>", esc(title), " – Innkjøpsbot</title><style>", STYLE, "</style></head><body>",
        ]))
        body = Html("".join([banner, tag("header", tag("strong", "Innkjøpsbot"), *links, who),
                             tag("main", tag("h1", title), *content), "</body></html>"]))
        response = web.Response(text=head + body, status=status, content_type="text/html", charset="utf-8")
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Teams shows the tab in an iframe: only Teams (and the bot's own pages) may frame it.
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            f"script-src 'self' 'unsafe-inline' {TEAMS_JS.split('/teams-js')[0]}; "
            "frame-ancestors 'self' https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft "
            "https://*.office.com https://*.microsoft365.com"
        )
        if request.query.get("locale"):
            response.set_cookie("innkjopsbot_locale", request.query["locale"][:16], httponly=True, samesite="Lax", path=PREFIX)
        return response

    def message_page(self, request: web.Request, status: int, message: str) -> web.Response:
        lang = request.get(LANG_KEY) or self.language(request)
        return self.page(request, lang, _t(lang, f"status_{status}") if status in (400, 403, 404, 413) else "Innkjøpsbot",
                         tag("p", message, class_="problem"), status=status)

    def redirect(self, path: str, notice: str = "") -> NoReturn:
        target = PREFIX + path + (("&" if "?" in path else "?") + urlencode({"notice": notice}) if notice else "")
        raise web.HTTPSeeOther(target)

    def notice(self, request: web.Request) -> Html:
        text = request.query.get("notice", "")[:300]
        return tag("p", text, class_="notice", role="status") if text else Html("")

    def when(self, value: dt.datetime | None, lang: str) -> str:
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        local = value.astimezone(self.tz)
        return f"{format_date(local.date(), lang)} {local:%H:%M}"

    def csv(self, body: bytes, name: str) -> web.Response:
        return web.Response(body=body, content_type="text/csv", charset="utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

    # --- sign-in ---------------------------------------------------------------------------

    async def signin(self, request: web.Request) -> web.Response:
        lang = self.language(request)
        target = request.query.get("next", PREFIX)
        if not target.startswith(PREFIX) or target.startswith("//"):
            target = PREFIX
        script = Html(
            f'<script src="{esc(TEAMS_JS)}"></script><script>'
            "async function signIn(token) {"
            "  const r = await fetch('" + PREFIX + "/session', {method: 'POST', headers: {'Content-Type': 'application/json'},"
            "    body: JSON.stringify({token: token}), credentials: 'same-origin'});"
            "  if (!r.ok) { document.getElementById('status').textContent = (await r.json()).error; return false; }"
            "  location.replace(document.body.dataset.next); return true; }"
            "window.innkjopsbotSignIn = signIn;"
            "(async () => { if (!window.microsoftTeams) { document.getElementById('status').textContent = document.body.dataset.outside; return; }"
            "  try { await microsoftTeams.app.initialize(); const ctx = await microsoftTeams.app.getContext();"
            "    document.cookie = 'innkjopsbot_locale=' + encodeURIComponent(ctx.app.locale || '') + '; path=" + PREFIX + "';"
            "    await signIn(await microsoftTeams.authentication.getAuthToken()); }"
            "  catch (e) { document.getElementById('status').textContent = document.body.dataset.outside + ' (' + e + ')'; } })();"
            "</script>"
        )
        page = self.page(request, lang, _t(lang, "signin_title"), tag("p", _t(lang, "signin_wait"), id="status"), script, nav=False)
        page.text = (page.text or "").replace("<body>", f'<body data-next="{esc(target)}" data-outside="{esc(_t(lang, "signin_outside"))}">', 1)
        return page

    async def session(self, request: web.Request) -> web.Response:
        if self.settings.anonymous:
            return web.json_response({"error": "anonymous local mode needs no sign-in"}, status=400)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "body must be JSON: {\"token\": \"…\"}"}, status=400)
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            return web.json_response({"error": "body must be JSON: {\"token\": \"…\"}"}, status=400)
        try:
            user = await asyncio.to_thread(authentication.validate_sso_token, token, self.settings)
        except authentication.Unauthorised:
            return web.json_response({"error": "the Teams sign-in token was not accepted"}, status=401)
        identity = Identity(user.aad_object_id, user.email, user.name, request.cookies.get("innkjopsbot_locale", "")[:16],
                            int(time.time()) + 3600 * self.settings.workspace_session_hours)
        if not self.is_member(identity):
            return web.json_response({"error": "only the procurement section's members may use the workspace"}, status=403)
        response = web.json_response({"ok": True, "name": user.name})
        secure = request.secure or self.settings.public_base_url.startswith("https://")
        # Written by hand: Python 3.11's cookie module knows no `Partitioned` (CHIPS, a cookie of the
        # tab's own partition inside Teams' iframe, where third-party cookies are otherwise blocked).
        attributes = [f"{COOKIE}={self.keys.session_cookie(identity)}", f"Path={PREFIX}",
                      f"Max-Age={3600 * self.settings.workspace_session_hours}", "HttpOnly"]
        attributes += ["Secure", "SameSite=None", "Partitioned"] if secure else ["SameSite=Lax"]
        response.headers.add("Set-Cookie", "; ".join(attributes))
        return response

    # --- overview --------------------------------------------------------------------------

    async def overview(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        days = _int(request.query.get("days"), 30, 7, 370)
        today = self.services.today()
        view = await asyncio.to_thread(data.overview, self.services, today, days, lang)
        names = {kind: _t(lang, f"kind_{kind}") for kind in view.daily.counts}
        kinds = ["agreement", "candidates", "no_agreement", "unknown", "authority", "other"]
        tiles = tag("div", *(tag("div", tag("b", view.daily.total(k)), names[k], class_="tile", data_kind=k)
                             for k in [*kinds, "rated_down"]), class_="tiles")
        daily_chart = bar_chart([f"{d:%d.%m}" for d in view.daily.days], {k: view.daily.counts[k] for k in kinds}, names,
                                title=_t(lang, "chart_daily", days=days))
        weekly_chart = bar_chart([_t(lang, "week", week=d.isocalendar()[1]) for d in view.weekly.days],
                                 {k: view.weekly.counts[k] for k in [*kinds, "rated_down"]}, names,
                                 title=_t(lang, "chart_weekly"))
        fields_chart = hbar_chart(view.fields, title=_t(lang, "chart_fields")) if view.fields else tag("p", _t(lang, "no_fields"), class_="empty")
        expiring = table(
            [_t(lang, "col_due"), _t(lang, "col_agreement"), _t(lang, "col_milestone"), _t(lang, "col_owner"), _t(lang, "col_status")],
            ([format_date(r["due"], lang), tag("a", f'{r["title"]} ({r["agreement_id"]})', href=f'{PREFIX}/agreements/{quote(r["agreement_id"])}'),
              _t(lang, f'milestone_{r["milestone"]}'), r["owner"] or r["owner_email"], _status(lang, r["status"])] for r in view.undecided),
            empty=_t(lang, "none_expiring"))
        unreachable = table([_t(lang, "col_owner"), _t(lang, "col_email"), _t(lang, "col_agreements")],
                            ([name, email, ", ".join(ids)] for email, name, ids in view.unreachable), empty=_t(lang, "none_unreachable"))
        period = tag("form", tag("label", _t(lang, "period"), " ",
                                 tag("select", *(tag("option", _t(lang, "last_days", days=n), value=n, selected=n == days)
                                                 for n in (7, 30, 90, 365)), name="days", onchange="this.form.submit()")),
                     method="get", action=PREFIX)
        return self.page(
            request, lang, _t(lang, "overview_title"), self.notice(request), period, tiles,
            tag("section", tag("h2", _t(lang, "questions_per_day")), daily_chart, class_="card"),
            tag("section", tag("h2", _t(lang, "questions_per_week")), weekly_chart, class_="card"),
            tag("section", tag("h2", _t(lang, "fields_most")), fields_chart, class_="card"),
            tag("section", tag("h2", _t(lang, "expiring_title")), tag("p", _t(lang, "expiring_hint"), class_="answer"), expiring, class_="card"),
            tag("section", tag("h2", _t(lang, "unreachable_title")), unreachable, class_="card"),
            tag("p", tag("a", _t(lang, "to_act_link", count=view.to_act), href=f"{PREFIX}/questions")),
            current="overview",
        )

    # --- questions to act on ---------------------------------------------------------------

    async def questions(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        groups = await asyncio.to_thread(data.questions_to_act_on, self.services)
        csrf = self.csrf(request)
        options = await asyncio.to_thread(data.agreement_options, self.services)
        datalist = tag("datalist", *(tag("option", f"{title}", value=ident) for ident, title in options), id="agreements")
        blocks = []
        for group in groups:
            kinds = ", ".join(f"{_t(lang, 'log_' + kind)} ×{n}" for kind, n in sorted(group.kinds.items()))
            answer = group.answer_summary(lang)
            blocks.append(tag(
                "div",
                tag("h3", group.question, " ", tag("small", _t(lang, "asked_times", count=group.count))),
                tag("p", kinds, " · ", _t(lang, "last_asked", when=self.when(group.last, lang)), class_="answer"),
                tag("p", _t(lang, "bot_answered", answer=answer), class_="answer") if answer else "",
                tag("p", _t(lang, "variants", variants=" · ".join(group.variants[1:6])), class_="answer") if len(group.variants) > 1 else "",
                form(f"{PREFIX}/questions/act", csrf, hidden("question", group.question),
                     tag("label", _t(lang, "link_to"), " ",
                         tag("input", type="text", name="agreement_id", list="agreements", placeholder="LK-2024-001",
                             value=group.candidates[0] if group.candidates else "", size=16)),
                     button(_t(lang, "button_link"), name="action", value="linked"),
                     button(_t(lang, "button_none"), name="action", value="none", kind="secondary"),
                     button(_t(lang, "button_need"), name="action", value="need", kind="secondary"),
                     button(_t(lang, "button_dismiss"), name="action", value="dismissed", kind="secondary"),
                     class_="act"),
                class_="group", data_question=group.question,
            ))
        content = tag("div", *blocks, class_="card") if blocks else tag("p", _t(lang, "nothing_to_act"), class_="empty")
        taught = await asyncio.to_thread(data.recent_actions, self.services)
        done = table([_t(lang, "col_when"), _t(lang, "col_question"), _t(lang, "col_action"), _t(lang, "col_who")],
                     ([self.when(a.created_at, lang), a.question,
                       _t(lang, f"action_{a.action}", agreement=a.agreement_id), a.actor] for a in taught),
                     empty=_t(lang, "no_actions"))
        return self.page(request, lang, _t(lang, "questions_title"), self.notice(request),
                         tag("p", _t(lang, "questions_hint")), datalist, content,
                         tag("p", tag("a", _t(lang, "needs_link"), href=f"{PREFIX}/needs"), " · ",
                             tag("a", _t(lang, "export_csv"), href=f"{PREFIX}/questions.csv")),
                         tag("section", tag("h2", _t(lang, "recent_actions")), done, class_="card"), current="questions")

    async def act(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        posted = await request.post()
        question = _text(posted, "question", 1000)
        action = _text(posted, "action", 16)
        agreement_id = _text(posted, "agreement_id", 64)
        result = await asyncio.to_thread(data.act_on_question, self.services, question, action, agreement_id,
                                         self.actor(request), _text(posted, "note", 1000))
        return self.redirect("/questions", _t(lang, f"acted_{action}", question=question, agreement=result))

    async def questions_csv(self, request: web.Request) -> web.Response:
        body = await asyncio.to_thread(data.questions_csv, self.services)
        return self.csv(body, "sporsmal.csv")

    async def needs(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        rows = await asyncio.to_thread(data.needs, self.services)
        listing = table([_t(lang, "col_when"), _t(lang, "col_question"), _t(lang, "col_note"), _t(lang, "col_who")],
                        ([self.when(r.created_at, lang), r.question, r.note, r.actor] for r in rows), empty=_t(lang, "no_needs"))
        return self.page(request, lang, _t(lang, "needs_title"), tag("p", _t(lang, "needs_hint")), tag("div", listing, class_="card"),
                         tag("p", tag("a", _t(lang, "export_csv"), href=f"{PREFIX}/needs.csv")), current="questions")

    async def needs_csv(self, request: web.Request) -> web.Response:
        return self.csv(await asyncio.to_thread(data.needs_csv, self.services), "behov-for-avtale.csv")

    # --- agreements ------------------------------------------------------------------------

    async def agreements(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        view = await asyncio.to_thread(data.agreements_view, self.services)
        last = view.last_run
        if last is None:
            sync = tag("p", _t(lang, "no_sync"), class_="empty")
        else:
            ok = last.outcome in ("applied", "unchanged", "success", "ok")
            sync = tag("div", tag("p", _t(lang, "last_sync", when=self.when(last.finished_at or last.started_at, lang), source=last.source),
                                  " ", tag("span", cli_label("outcome", last.outcome, lang), class_="status-ok" if ok else "status-bad")),
                       tag("p", _t(lang, "sync_counts", added=last.added, changed=last.changed, removed=last.removed,
                                   unchanged=last.unchanged, errors=last.error_count), class_="answer"),
                       tag("p", last.message, class_="answer") if last.message else "")
        rejected = view.last_rejected
        errors: Html = Html("")
        if rejected is not None:
            errors = tag("section", tag("h2", _t(lang, "rejected_title", when=self.when(rejected.started_at, lang))),
                         table([_t(lang, "col_line"), _t(lang, "col_column"), _t(lang, "col_problem")],
                               ([e.get("line", ""), e.get("column", "") or e.get("field", ""), e.get("message", "") or e.get("reason", "")]
                                for e in rejected.errors[:200])), class_="card")
        runs = table([_t(lang, "col_when"), _t(lang, "col_trigger"), _t(lang, "col_outcome"), _t(lang, "col_changes")],
                     ([self.when(r.started_at, lang), cli_label("trigger", r.trigger, lang), cli_label("outcome", r.outcome, lang),
                       f"+{r.added} ~{r.changed} −{r.removed}"] for r in view.runs))
        timeline = table(
            [_t(lang, "col_due"), _t(lang, "col_agreement"), _t(lang, "col_milestone"), _t(lang, "col_owner"), _t(lang, "col_status")],
            ([format_date(r["due"], lang), tag("a", f'{r["title"]} ({r["agreement_id"]})', href=f'{PREFIX}/agreements/{quote(r["agreement_id"])}'),
              _t(lang, f'milestone_{r["milestone"]}'), r["owner"] or r["owner_email"], _status(lang, r["status"])] for r in view.timeline),
            empty=_t(lang, "none_expiring"))
        search = tag("form", tag("input", type="text", name="id", placeholder="LK-2022-013", list="agreements"),
                     button(_t(lang, "button_history")), method="get", action=f"{PREFIX}/agreements/history")
        return self.page(request, lang, _t(lang, "agreements_title"),
                         tag("section", tag("h2", _t(lang, "sync_title")), sync, class_="card"), errors,
                         tag("section", tag("h2", _t(lang, "runs_title")), runs, class_="card"),
                         tag("section", tag("h2", _t(lang, "timeline_title")), tag("p", _t(lang, "timeline_hint"), class_="answer"),
                             timeline, tag("p", tag("a", _t(lang, "export_csv"), href=f"{PREFIX}/timeline.csv")), class_="card"),
                         tag("section", tag("h2", _t(lang, "history_title")), search, class_="card"), current="agreements")

    async def history_lookup(self, request: web.Request) -> web.Response:
        ident = request.query.get("id", "").strip()[:64]
        raise web.HTTPSeeOther(f"{PREFIX}/agreements/{quote(ident)}" if ident else f"{PREFIX}/agreements")

    async def agreement(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        ident = request.match_info["agreement_id"][:64]
        view = await asyncio.to_thread(data.agreement_history, self.services, ident)
        current = view.current
        facts = table([_t(lang, "col_field"), _t(lang, "col_value")], (
            [_t(lang, "f_title"), current.title], [_t(lang, "f_status"), current.status],
            [_t(lang, "f_period"), f"{current.start_date or ''} – {current.end_date or ''} ({current.final_end_date or ''})"],
            [_t(lang, "f_owner"), f"{current.owner_name} {current.owner_email}"], [_t(lang, "f_adviser"), current.adviser],
        )) if current is not None else tag("p", _t(lang, "agreement_gone"), class_="empty")
        versions = table([_t(lang, "col_when"), _t(lang, "col_change"), _t(lang, "col_before")],
                         ([self.when(v.recorded_at, lang), v.change,
                           "; ".join(f"{k}: {v.data.get(k)}" for k in ("title", "status", "end_date", "final_end_date", "owner_email") if k in v.data)]
                          for v in view.versions), empty=_t(lang, "no_history"))
        milestones = table([_t(lang, "col_due"), _t(lang, "col_milestone"), _t(lang, "col_status"), _t(lang, "col_decision")],
                           ([format_date(r["due"], lang), _t(lang, f'milestone_{r["milestone"]}'), _status(lang, r["status"]),
                             r["decision"]] for r in view.milestones), empty=_t(lang, "none_expiring"))
        return self.page(request, lang, f"{ident}", tag("section", facts, class_="card"),
                         tag("section", tag("h2", _t(lang, "milestones_title")), milestones, class_="card"),
                         tag("section", tag("h2", _t(lang, "history_title")), versions, class_="card"), current="agreements")

    async def timeline_csv(self, request: web.Request) -> web.Response:
        return self.csv(await asyncio.to_thread(data.timeline_csv, self.services), "frister.csv")

    # --- announcements ---------------------------------------------------------------------

    async def announcements(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        rows = await asyncio.to_thread(data.announcements, self.services)
        listing = table(
            [_t(lang, "col_when"), _t(lang, "col_title"), _t(lang, "col_audience"), _t(lang, "col_status"), _t(lang, "col_delivery")],
            ([self.when(a.send_at, lang), tag("a", a.title, href=f"{PREFIX}/announcements/{a.id}"), _audience_label(lang, a.audience),
              _t(lang, f"ann_{a.status}"), _delivery(lang, totals)] for a, totals in rows),
            empty=_t(lang, "no_announcements"))
        return self.page(request, lang, _t(lang, "announcements_title"), self.notice(request),
                         tag("p", tag("a", _t(lang, "new_announcement"), href=f"{PREFIX}/announcements/new")),
                         tag("div", listing, class_="card"), current="announcements")

    def announcement_form(self, request: web.Request, values: dict[str, str], problem: str = "") -> Html:
        lang = request[LANG_KEY]
        kinds = ("all", "emails", "team", "channel", "category")
        return form(
            f"{PREFIX}/announcements/preview", self.csrf(request),
            tag("p", problem, class_="problem") if problem else "",
            field(_t(lang, "f_title"), tag("input", type="text", name="title", value=values.get("title", ""), maxlength=200, required=True)),
            field(_t(lang, "f_text"), tag("textarea", values.get("text", ""), name="text", maxlength=4000, required=True)),
            field(_t(lang, "f_audience"), tag("select", *(tag("option", _t(lang, f"audience_{k}"), value=k,
                                                               selected=values.get("audience_kind", "all") == k) for k in kinds),
                                              name="audience_kind")),
            field(_t(lang, "f_audience_value"), tag("input", type="text", name="audience_value", value=values.get("audience_value", "")),
                  _t(lang, "audience_hint")),
            field(_t(lang, "f_send_at"), tag("input", type="datetime-local", name="send_at", value=values.get("send_at", "")),
                  _t(lang, "send_at_hint")),
            button(_t(lang, "button_preview")),
        )

    async def announcement_new(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        return self.page(request, lang, _t(lang, "new_announcement"), tag("div", self.announcement_form(request, {}), class_="card"),
                         current="announcements")

    async def announcement_preview(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        posted = await request.post()
        values = {k: _text(posted, k, 4000) for k in ("title", "text", "audience_kind", "audience_value", "send_at")}
        result = await asyncio.to_thread(data.preview_announcement, self.services, values)
        if result.problems:
            problem = problems_text(result.problems, lang)
            return self.page(request, lang, _t(lang, "new_announcement"),
                             tag("div", self.announcement_form(request, values, _t(lang, "invalid", problem=problem)), class_="card"),
                             status=400, current="announcements")
        when = _t(lang, "send_now") if result.send_at is None else _t(lang, "send_later", when=self.when(result.send_at, lang))
        send_form = form(f"{PREFIX}/announcements/send", self.csrf(request),
                         *(hidden(k, v) for k, v in values.items()), hidden("request_key", uuid.uuid4().hex),
                         button(_t(lang, "button_send") if result.send_at is None else _t(lang, "button_schedule")))
        edit_form = form(f"{PREFIX}/announcements/edit", self.csrf(request), *(hidden(k, v) for k, v in values.items()),
                         button(_t(lang, "button_edit"), kind="secondary"))
        return self.page(
            request, lang, _t(lang, "preview_title"),
            tag("p", _t(lang, "preview_hint")), tag("div", _card_html(result.card), class_="preview", data_card="announcement"),
            tag("p", _t(lang, "recipients", count=result.reachable, unreachable=result.unreachable), id="recipient-count",
                data_recipients=result.reachable),
            tag("p", when), tag("div", send_form, edit_form), current="announcements")

    async def announcement_edit(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        posted = await request.post()
        values = {k: _text(posted, k, 4000) for k in ("title", "text", "audience_kind", "audience_value", "send_at")}
        return self.page(request, lang, _t(lang, "new_announcement"), tag("div", self.announcement_form(request, values), class_="card"),
                         current="announcements")

    async def announcement_send(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        posted = await request.post()
        values = {k: _text(posted, k, 4000) for k in ("title", "text", "audience_kind", "audience_value", "send_at", "request_key")}
        ident, problems = await asyncio.to_thread(data.send_announcement, self.services, values, self.user(request))
        if problems:
            problem = problems_text(problems, lang)
            return self.page(request, lang, _t(lang, "new_announcement"),
                             tag("div", self.announcement_form(request, values, _t(lang, "invalid", problem=problem)), class_="card"),
                             status=400, current="announcements")
        return self.redirect(f"/announcements/{ident}", _t(lang, "announcement_saved"))

    async def announcement(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        ident = int(request.match_info["announcement_id"])
        report = await asyncio.to_thread(data.announcement_report, self.services, ident)
        a = report.announcement
        totals = report.totals
        pending = totals.get("pending", 0) > 0 or a.status == "scheduled"
        csrf = self.csrf(request)
        lines = table([_t(lang, "col_name"), _t(lang, "col_email"), _t(lang, "col_status"), _t(lang, "col_when"),
                       _t(lang, "col_correction"), _t(lang, "col_detail")],
                      ([line.name, line.email, tag("span", _t(lang, f"delivery_{line.status}"), class_=_status_class(line.status),
                                                   data_status=line.status),
                        self.when(line.sent_at, lang), line.correction or line.withdrawal, reason_text(line.detail, lang)]
                       for line in report.lines),
                      empty=_t(lang, "no_recipients"))
        actions: list[Html] = []
        if a.status in ("scheduled", "sent"):
            actions.append(tag("details", tag("summary", _t(lang, "correct_title")), form(
                f"{PREFIX}/announcements/{ident}/correct", csrf,
                field(_t(lang, "f_title"), tag("input", type="text", name="title", value=a.title, maxlength=200)),
                field(_t(lang, "f_text"), tag("textarea", a.text, name="text", maxlength=4000)),
                button(_t(lang, "button_correct")))))
            actions.append(form(f"{PREFIX}/announcements/{ident}/withdraw", csrf, button(_t(lang, "button_withdraw"), kind="danger"),
                                onsubmit=f"return confirm({_js_string(_t(lang, 'confirm_withdraw'))})"))
        summary = tag("div", *(tag("div", tag("b", totals.get(k, 0)), _t(lang, f"delivery_{k}"), class_="tile", data_status=k)
                               for k in ("sent", "pending", "failed", "blocked", "not_reachable")), class_="tiles", id="delivery")
        return self.page(
            request, lang, a.title, self.notice(request),
            tag("p", _t(lang, f"ann_{a.status}"), " · ", _t(lang, "col_audience"), ": ", _audience_label(lang, a.audience), " · ", self.when(a.send_at, lang),
                id="announcement-status", data_status=a.status),
            tag("p", _t(lang, "live_hint"), class_="answer") if pending else "",
            summary, tag("div", _card_html(data.card_of(a, lang)), class_="preview"), *actions,
            tag("section", tag("h2", _t(lang, "report_title")), lines,
                tag("p", tag("a", _t(lang, "export_csv"), href=f"{PREFIX}/announcements/{ident}/report.csv")), class_="card"),
            refresh=5 if pending else 0, current="announcements")

    async def announcement_correct(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        ident = int(request.match_info["announcement_id"])
        posted = await request.post()
        queued = await asyncio.to_thread(data.correct_announcement, self.services, ident, _text(posted, "title", 200),
                                         _text(posted, "text", 4000), self.user(request))
        return self.redirect(f"/announcements/{ident}", _t(lang, "corrected", count=queued))

    async def announcement_withdraw(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        ident = int(request.match_info["announcement_id"])
        queued = await asyncio.to_thread(data.withdraw_announcement, self.services, ident, self.user(request))
        return self.redirect(f"/announcements/{ident}", _t(lang, "withdrawn", count=queued))

    async def announcement_csv(self, request: web.Request) -> web.Response:
        ident = int(request.match_info["announcement_id"])
        return self.csv(await asyncio.to_thread(data.announcement_csv, self.services, ident), f"kunngjoring-{ident}.csv")

    # --- courses ---------------------------------------------------------------------------

    async def courses(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        rows = await asyncio.to_thread(data.courses, self.services)
        listing = table([_t(lang, "col_when"), _t(lang, "col_title"), _t(lang, "col_seats"), _t(lang, "col_waiting"), _t(lang, "col_status")],
                        ([self.when(c.starts_at, lang), tag("a", c.title, href=f"{PREFIX}/courses/{c.id}"),
                          f"{c.confirmed}/{c.capacity}", c.waiting, _t(lang, "course_cancelled") if c.cancelled else ""] for c in rows),
                        empty=_t(lang, "no_courses"))
        return self.page(request, lang, _t(lang, "courses_title"), self.notice(request),
                         tag("p", tag("a", _t(lang, "new_course"), href=f"{PREFIX}/courses/new")), tag("div", listing, class_="card"),
                         current="courses")

    def course_form(self, request: web.Request, action: str, values: dict[str, str], problem: str = "") -> Html:
        lang = request[LANG_KEY]
        return form(
            action, self.csrf(request), tag("p", problem, class_="problem") if problem else "",
            field(_t(lang, "f_title"), tag("input", type="text", name="title", value=values.get("title", ""), required=True, maxlength=300)),
            field(_t(lang, "f_description"), tag("textarea", values.get("description", ""), name="description", maxlength=4000)),
            field(_t(lang, "f_starts"), tag("input", type="datetime-local", name="starts_at", value=values.get("starts_at", ""), required=True)),
            field(_t(lang, "f_ends"), tag("input", type="datetime-local", name="ends_at", value=values.get("ends_at", ""), required=True)),
            field(_t(lang, "f_place"), tag("input", type="text", name="place", value=values.get("place", ""), maxlength=300)),
            field(_t(lang, "f_meeting_url"), tag("input", type="text", name="meeting_url", value=values.get("meeting_url", ""))),
            field(_t(lang, "f_capacity"), tag("input", type="number", name="capacity", value=values.get("capacity", "20"), min=1, max=10000)),
            field(_t(lang, "f_deadline"), tag("input", type="datetime-local", name="signup_deadline", value=values.get("signup_deadline", ""))),
            button(_t(lang, "button_save")),
        )

    async def course_new(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        return self.page(request, lang, _t(lang, "new_course"), tag("div", self.course_form(request, f"{PREFIX}/courses", {}), class_="card"),
                         current="courses")

    COURSE_FIELDS = ("title", "description", "starts_at", "ends_at", "place", "meeting_url", "capacity", "signup_deadline")

    async def course_create(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        posted = await request.post()
        values = {k: _text(posted, k, 4000) for k in self.COURSE_FIELDS}
        ident, problems = await asyncio.to_thread(data.save_course, self.services, None, values, self.actor(request))
        if problems:
            problem = problems_text(problems, lang)
            return self.page(request, lang, _t(lang, "new_course"),
                             tag("div", self.course_form(request, f"{PREFIX}/courses", values, _t(lang, "invalid", problem=problem)), class_="card"),
                             status=400, current="courses")
        return self.redirect(f"/courses/{ident}", _t(lang, "course_saved"))

    async def course(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        ident = int(request.match_info["course_id"])
        view = await asyncio.to_thread(data.course_detail, self.services, ident)
        course, people = view.course, view.people
        csrf = self.csrf(request)
        started = view.started
        rows = []
        for p in people:
            mark: Any = ""
            if started and p.status == "confirmed":
                mark = tag("input", type="checkbox", name="attended", value=str(p.enrolment_id), checked=view.attended.get(p.enrolment_id) is True)
            status = _t(lang, f"enrolment_{p.status}") + (f" #{p.waiting_number}" if p.waiting_number else "")
            rows.append([p.name, p.email, status, self.when(p.signed_up_at, lang), mark])
        listing = table([_t(lang, "col_name"), _t(lang, "col_email"), _t(lang, "col_status"), _t(lang, "col_signed_up"), _t(lang, "col_attended")],
                        rows, empty=_t(lang, "no_participants"))
        attendance = form(f"{PREFIX}/courses/{ident}/attendance", csrf, listing,
                          button(_t(lang, "button_attendance")) if started and people else "", id="attendance") if people else listing
        edit = tag("details", tag("summary", _t(lang, "edit_course")),
                   self.course_form(request, f"{PREFIX}/courses/{ident}/edit", view.form_values(self.tz))) if not course.cancelled else ""
        cancel = form(f"{PREFIX}/courses/{ident}/cancel", csrf, button(_t(lang, "button_cancel_course"), kind="danger"),
                      onsubmit=f"return confirm({_js_string(_t(lang, 'confirm_cancel_course'))})") if not course.cancelled else ""
        info = tag("p", self.when(course.starts_at, lang), " – ", self.when(course.ends_at, lang), " · ", course.place or course.meeting_url,
                   " · ", _t(lang, "seats", confirmed=course.confirmed, capacity=course.capacity, waiting=course.waiting),
                   " · ", tag("strong", _t(lang, "course_cancelled")) if course.cancelled else "")
        return self.page(request, lang, course.title, self.notice(request), info, tag("p", course.description) if course.description else "",
                         tag("section", tag("h2", _t(lang, "participants_title")),
                             tag("p", _t(lang, "attendance_hint"), class_="answer") if started else "", attendance,
                             tag("p", tag("a", _t(lang, "export_csv"), href=f"{PREFIX}/courses/{ident}/participants.csv")), class_="card"),
                         edit, cancel, current="courses")

    async def course_edit(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        ident = int(request.match_info["course_id"])
        posted = await request.post()
        values = {k: _text(posted, k, 4000) for k in self.COURSE_FIELDS}
        _saved, problems = await asyncio.to_thread(data.save_course, self.services, ident, values, self.actor(request))
        if problems:
            problem = problems_text(problems, lang)
            return self.page(request, lang, _t(lang, "edit_course"),
                             tag("div", self.course_form(request, f"{PREFIX}/courses/{ident}/edit", values,
                                                         _t(lang, "invalid", problem=problem)), class_="card"), status=400, current="courses")
        return self.redirect(f"/courses/{ident}", _t(lang, "course_saved"))

    async def course_cancel(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        ident = int(request.match_info["course_id"])
        queued = await asyncio.to_thread(data.cancel_course, self.services, ident, self.actor(request))
        return self.redirect(f"/courses/{ident}", _t(lang, "course_cancelled_notice", count=queued))

    async def course_attendance(self, request: web.Request) -> web.Response:
        lang = request[LANG_KEY]
        ident = int(request.match_info["course_id"])
        posted = await request.post()
        attended = {int(v) for v in posted.getall("attended", []) if isinstance(v, str) and v.isdigit()}
        count = await asyncio.to_thread(data.mark_attendance, self.services, ident, attended, self.actor(request))
        return self.redirect(f"/courses/{ident}", _t(lang, "attendance_saved", count=count))

    async def course_csv(self, request: web.Request) -> web.Response:
        ident = int(request.match_info["course_id"])
        return self.csv(await asyncio.to_thread(data.course_csv, self.services, ident), f"kurs-{ident}.csv")


# --- helpers ---------------------------------------------------------------------------------------


def _loopback(request: web.Request) -> bool:
    remote = request.remote or ""
    return remote in ("127.0.0.1", "::1", "localhost") or remote.startswith("127.")


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value or default)))
    except ValueError:
        return default


def _text(posted: MultiDictProxy[Any], name: str, limit: int) -> str:
    value = posted.get(name)
    return str(value)[:limit].strip() if isinstance(value, str) else ""


def _js_string(text: str) -> str:
    import json

    return json.dumps(text)


def _status(lang: str, status: str) -> Html:
    return tag("span", _t(lang, f"milestone_status_{status}"), class_=_status_class(status), data_status=status)


def _status_class(status: str) -> str:
    if status in ("sent", "decided", "upcoming", "alerted"):
        return "status-ok"
    if status in ("failed", "blocked", "not_reachable", "overdue", "unreachable", "escalated"):
        return "status-bad"
    return "status-wait"


def _audience_label(lang: str, spec: str) -> str:
    """An announcement's audience in the reader's words: "Alle som har boten", "En kanal: 19:abc…",
    not the stored key ("all", "channel:19:abc…")."""
    from bot.announcements.audience import KINDS

    kind, _, value = (spec or "all").partition(":")
    if kind not in KINDS:
        return spec
    label = _t(lang, f"audience_{kind}")
    return f"{label}: {value.replace(',', ', ')}" if value else label


def _delivery(lang: str, totals: dict[str, int]) -> str:
    return ", ".join(f"{_t(lang, 'delivery_' + k)}: {n}" for k, n in sorted(totals.items())) or "–"


def _card_html(card: dict[str, Any]) -> Html:
    """An Adaptive Card's text blocks as HTML, as Teams lays them out (subtle small text, large bold title)."""
    parts = []
    for block in card.get("body") or []:
        if block.get("type") != "TextBlock":
            continue
        if block.get("isSubtle"):
            cls = "subtle"
        elif block.get("size") == "Large":
            cls = "title"
        else:
            cls = "text"
        parts.append(tag("div", block.get("text", ""), class_=cls))
    return Html("".join(parts))


def add_routes(app: web.Application, services: Services) -> None:
    ws = Workspace(services)
    g, p = ws.guard, (lambda h: ws.guard(h, post=True))
    router = app.router
    router.add_get(f"{PREFIX}/signin", ws.signin)
    router.add_post(f"{PREFIX}/session", ws.session)
    router.add_get(PREFIX, g(ws.overview))
    router.add_get(f"{PREFIX}/", g(ws.overview))
    router.add_get(f"{PREFIX}/questions", g(ws.questions))
    router.add_post(f"{PREFIX}/questions/act", p(ws.act))
    router.add_get(f"{PREFIX}/questions.csv", g(ws.questions_csv))
    router.add_get(f"{PREFIX}/needs", g(ws.needs))
    router.add_get(f"{PREFIX}/needs.csv", g(ws.needs_csv))
    router.add_get(f"{PREFIX}/agreements", g(ws.agreements))
    router.add_get(f"{PREFIX}/agreements/history", g(ws.history_lookup))
    router.add_get(f"{PREFIX}/timeline.csv", g(ws.timeline_csv))
    router.add_get(PREFIX + "/agreements/{agreement_id}", g(ws.agreement))
    router.add_get(f"{PREFIX}/announcements", g(ws.announcements))
    router.add_get(f"{PREFIX}/announcements/new", g(ws.announcement_new))
    router.add_post(f"{PREFIX}/announcements/preview", p(ws.announcement_preview))
    router.add_post(f"{PREFIX}/announcements/edit", p(ws.announcement_edit))
    router.add_post(f"{PREFIX}/announcements/send", p(ws.announcement_send))
    router.add_get(PREFIX + r"/announcements/{announcement_id:\d+}", g(ws.announcement))
    router.add_post(PREFIX + r"/announcements/{announcement_id:\d+}/correct", p(ws.announcement_correct))
    router.add_post(PREFIX + r"/announcements/{announcement_id:\d+}/withdraw", p(ws.announcement_withdraw))
    router.add_get(PREFIX + r"/announcements/{announcement_id:\d+}/report.csv", g(ws.announcement_csv))
    router.add_get(f"{PREFIX}/courses", g(ws.courses))
    router.add_get(f"{PREFIX}/courses/new", g(ws.course_new))
    router.add_post(f"{PREFIX}/courses", p(ws.course_create))
    router.add_get(PREFIX + r"/courses/{course_id:\d+}", g(ws.course))
    router.add_post(PREFIX + r"/courses/{course_id:\d+}/edit", p(ws.course_edit))
    router.add_post(PREFIX + r"/courses/{course_id:\d+}/cancel", p(ws.course_cancel))
    router.add_post(PREFIX + r"/courses/{course_id:\d+}/attendance", p(ws.course_attendance))
    router.add_get(PREFIX + r"/courses/{course_id:\d+}/participants.csv", g(ws.course_csv))


__all__ = ["PREFIX", "Workspace", "add_routes", "Language"]
