"""`innkjopsbot ask`, `serve` and `insights`: the bot without Teams, the server, and what it could not answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from bot.commands.common import CliContext, Refused, global_options, pass_cli

INSIGHT_KINDS = ("no_agreement", "candidates", "unknown", "none_of_these", "negative_feedback")


def _services(cli: CliContext) -> Any:
    from bot.services import Services

    return Services(settings=cli.settings, database=cli.database(), as_of=cli.as_of)


@click.command()
@click.argument("questions", nargs=-1, required=True)
@click.option("--locale", default=None, metavar="LOCALE",
              help="The user's Teams locale: nb-NO (default), nn-NO for nynorsk, en-US/en-GB for English "
                   "(default: that of --lang if given, else INNKJOPSBOT_DEFAULT_LOCALE).")
@global_options
@pass_cli
def ask(cli: CliContext, questions: tuple[str, ...], locale: str | None) -> None:
    """Print the answer the bot gives to a message (the card as JSON with --json).

    Several QUESTIONS are asked in turn in one conversation, so follow-ups work exactly as in
    Teams. The answer comes from the same function the bot calls (bot.conversation.respond), so the
    two can never disagree.

    \b
    Examples:
      innkjopsbot ask "har vi avtale på kontorstoler?"
      innkjopsbot --as-of 2026-11-24 --json ask "toner til HP-printer"
      innkjopsbot ask "møbler" "til barnehagen"
      innkjopsbot ask "hvem kan signere en kontrakt på 800 000 kr?" "og for 2 mill?"
      innkjopsbot ask --locale en-US "who can sign a contract of 3 million?"
    """
    from bot.conversation.respond import respond
    from bot.conversation.turn import decorated
    from bot.services import User

    services = _services(cli)
    # the user's Teams locale: --locale, else the language of an explicit --lang, else the bot's default locale
    chosen = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}.get(cli.lang_choice or "")
    user = User(name="CLI", locale=locale or chosen or cli.settings.default_locale)
    state: dict[str, Any] = {}
    answers = []
    for question in questions:
        if not question.strip():
            raise Refused(cli.t("ask_empty"))
        answer = respond(services, user, question, state)
        answers.append(decorated(answer, user, state, question))
    payload: Any = [a.to_json() for a in answers] if len(answers) > 1 else answers[0].to_json()
    cli.emit(payload, lambda: "\n\n".join(a.text for a in answers))


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default: INNKJOPSBOT_PORT or 3978).")
@click.option("--host", default=None, help="Address to listen on (default: INNKJOPSBOT_HOST or 127.0.0.1).")
@global_options
@pass_cli
def serve(cli: CliContext, port: int | None, host: str | None) -> None:
    """Run the bot server: POST /api/messages, GET /healthz, /readyz and /metrics.

    With MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD set every request's token is checked;
    without them the bot runs anonymous (local development, e.g. with the M365 Agents
    Playground) and says so at start. The database is migrated at start unless
    INNKJOPSBOT_MIGRATE_ON_START=false.

    \b
    Examples:
      innkjopsbot serve
      innkjopsbot serve --host 0.0.0.0 --port 3978
      innkjopsbot --database postgresql://bot@db/innkjopsbot serve
    """
    from aiohttp import web

    from bot.services import Services
    from bot.teams.server import create_app

    settings = cli.settings
    host = host or settings.host
    port = port or settings.port
    database = cli.database(migrate=settings.migrate_on_start)
    services = Services(settings=settings, database=database, as_of=cli.as_of)
    app = create_app(settings, services, configure_logs=True)
    click.echo(cli.t("serve_listening", host=host, port=port), err=True)
    try:
        web.run_app(app, host=host, port=port, print=None, access_log=None, handle_signals=True)
    except OSError as exc:
        raise Refused(cli.t("serve_cannot_listen", host=host, port=port, error=exc.strerror or exc)) from None


@click.command()
@click.option("--since", metavar="YYYY-MM-DD", default=None, help="Only questions logged on or after this date.")
@click.option("--kind", type=click.Choice(INSIGHT_KINDS),
              default=None,
              help="Only one kind of entry.")
@global_options
@pass_cli
def insights(cli: CliContext, since: str | None, kind: str | None) -> None:
    """List the questions the bot answered with "no agreement", was unsure about (candidates),
    did not understand, or that were rated not helpful.

    For the procurement section: they show which agreements the municipality lacks or which
    are hard to find. No user identity is stored with them.

    \b
    Examples:
      innkjopsbot insights
      innkjopsbot insights --since 2026-11-01 --kind no_agreement
      innkjopsbot --json insights
    """
    from bot.conversation import store

    since_at = since_date = None
    if since:
        try:
            since_date = dt.date.fromisoformat(since)
            since_at = dt.datetime.combine(since_date, dt.time(), tzinfo=dt.UTC)
        except ValueError:
            raise click.BadParameter(f"'{since}' is not a date of the form YYYY-MM-DD", param_hint="--since") from None
    with cli.database().session() as session:
        rows = [r for r in store.insights(session, since_at) if kind is None or r.kind == kind]
    payload = [
        {"created_at": r.created_at.isoformat(), "kind": r.kind, "text": r.text,
         "as_of": r.as_of.isoformat() if r.as_of else None, "detail": r.detail}
        for r in rows
    ]

    def human() -> str:
        if not rows:
            return cli.t("insights_none_since", since=since_date) if since_date else cli.t("insights_none")
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.text.lower()] = counts.get(r.text.lower(), 0) + 1
        lines = [cli.t("insights_heading_since", count=len(rows), since=since_date) if since_date
                 else cli.t("insights_heading", count=len(rows))]
        labels = {kind: cli.t(f"insight_{kind}") for kind in INSIGHT_KINDS}
        for r in rows:
            label = labels.get(r.kind, labels["negative_feedback"])
            lines.append(f"  {r.created_at:%Y-%m-%d %H:%M}  {label:<15} {r.text}")
        repeated = sorted(((n, t) for t, n in counts.items() if n > 1), reverse=True)[:10]
        if repeated:
            lines.append(cli.t("insights_repeated"))
            lines += [f"  {n}×  {t}" for n, t in repeated]
        return "\n".join(lines)

    cli.emit(payload, human)


__all__ = ["ask", "serve", "insights"]
