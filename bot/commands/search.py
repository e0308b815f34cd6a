"""`innkjopsbot search` and `innkjopsbot search-eval`: the agreement search from the command line."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from bot.commands.common import CliContext, Refused, global_options, pass_cli

DEFAULT_QUESTIONS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "queries-dev.csv"


def _service(cli: CliContext, register: str | None) -> Any:
    """A SearchService over the configured database; an empty database with --register is
    first filled from that export (in a temporary SQLite file, the configured one untouched)."""
    from bot.search import SearchService

    database = cli.database()
    if register:
        if _is_empty(database):
            database = _temporary_database(cli, register)
    elif _is_empty(database):
        raise Refused(cli.t("index_empty"))
    service = SearchService(database, start=False, semantic="sync" if cli.settings.search_semantic else "off")
    service.refresh()
    return service


def _is_empty(database: Any) -> bool:
    from sqlalchemy import func, select

    from agreements_sync.models import Agreement, table_of

    with database.engine.connect() as connection:
        return not connection.execute(select(func.count()).select_from(table_of(Agreement))).scalar()


def _temporary_database(cli: CliContext, register: str) -> Any:
    from agreements_sync.sync import sync_export
    from bot.db import Database

    path = Path(register)
    if not path.is_file():
        raise Refused(cli.t("register_not_found", path=register))
    folder = tempfile.mkdtemp(prefix="innkjopsbot-search-")
    database = Database(f"sqlite:///{folder}/index.db")
    database.migrate()
    report = sync_export(database.engine, path, as_of=cli.today, trigger="cli")
    if not report.ok:
        first = report.errors[0] if report.errors else None
        detail = f": {first}" if first else (f": {report.reason_text or report.reason}" if report.reason else "")
        raise Refused(cli.t("register_unreadable", path=register, detail=detail))
    return database


def _human(result: Any, lang: str, cli: CliContext) -> str:
    from bot.search.render import search_answer

    return search_answer(result, lang, cli.today, procurement_email=cli.settings.procurement_email).text


@click.command()
@click.argument("question", required=False)
@click.option("--limit", type=click.IntRange(1, 50), default=5, show_default=True, help="Most agreements to return.")
@click.option("--batch", is_flag=True, help="Read one question per line on stdin; write one JSON line per question.")
@click.option("--register", metavar="FILE", help="If the database is empty, search this register export (synced into a temporary SQLite).")
@global_options
@pass_cli
def search(cli: CliContext, question: str | None, limit: int, batch: bool, register: str | None) -> None:
    """Which framework agreement covers QUESTION? Ranked agreements, or "no active agreement".

    \b
    Examples:
      innkjopsbot search "har vi avtale på hev-senk-pulter?"
      innkjopsbot --as-of 2026-11-24 search --json --limit 3 "rotter i kjelleren"
      printf 'toner til HP-printer\\nsnømåking\\n' | innkjopsbot search --batch
      innkjopsbot search --register ../shared/data/avtaleregister.csv "iPad til elev"

    With --batch each output line is {"query", "ids" (ranked), "no_active_agreement"}.
    """
    if batch == bool(question):
        raise click.UsageError("give either a QUESTION or --batch (questions on stdin)")
    service = _service(cli, register)
    as_of = cli.today
    if batch:
        for line in sys.stdin:
            text = line.strip()
            if not text:
                continue
            result = service.search(text, as_of, limit=limit)
            click.echo(json.dumps({"query": text, "ids": result.ids, "no_active_agreement": result.no_active_agreement},
                                  ensure_ascii=False))
        return
    assert question is not None
    result = service.search(question, as_of, limit=limit)
    cli.emit(result.to_json(), lambda: _human(result, cli.lang.value, cli))


@click.command("search-eval")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--register", metavar="FILE", help="If the database is empty, evaluate against this register export.")
@click.option("--limit", type=click.IntRange(1, 50), default=5, show_default=True)
@global_options
@pass_cli
def search_eval(cli: CliContext, file: str | None, register: str | None, limit: int) -> None:
    """Measure the search on a question file: top-1, top-3, precision/recall of "no active agreement".

    FILE is `id;query;expected;note` (default ../shared/data/queries-dev.csv); `expected` is an
    agreement id, `a|b` (either is right) or NONE (right only when the search says no active
    agreement). The misses are listed.

    \b
    Examples:
      innkjopsbot --as-of 2026-11-24 search-eval --register ../shared/data/avtaleregister.csv
      innkjopsbot --as-of 2026-11-24 --json search-eval tests/data/search/queries-heldout.csv
    """
    from bot.search.evaluate import evaluate_file

    path = Path(file) if file else DEFAULT_QUESTIONS
    if not path.is_file():
        raise Refused(cli.t("questions_not_found", path=path))
    service = _service(cli, register)
    try:
        evaluation = evaluate_file(path, lambda q: service.search(q, cli.today, limit=limit))
    except ValueError as exc:
        raise Refused(str(exc)) from None

    def human() -> str:
        lines = [
            cli.t("search_eval_heading", file=path.name, total=evaluation.total),
            f"top-1 {evaluation.top1_rate:.1%}   top-3 {evaluation.top3_rate:.1%}",
            cli.t("search_eval_none", precision=f"{evaluation.none_precision:.1%}", right=evaluation.none_right,
                  said=evaluation.none_said, recall=f"{evaluation.none_recall:.1%}", expected=evaluation.none_expected),
        ]
        if evaluation.misses:
            lines.append(cli.t("search_eval_misses"))
            for miss in evaluation.misses:
                lines.append(cli.t("search_eval_miss", id=miss["id"], query=repr(miss["query"]), expected=miss["expected"],
                                   got=miss["got"]))
        return "\n".join(lines)

    cli.emit(evaluation.to_json(), human)


@click.command("teach")
@click.argument("question", required=False)
@click.argument("agreement", required=False)
@click.option("--retire", "retire_id", type=int, metavar="N", help="Retire taught answer number N (see `taught`).")
@global_options
@pass_cli
def teach(cli: CliContext, question: str | None, agreement: str | None, retire_id: int | None) -> None:
    """Teach the search: QUESTION is answered by AGREEMENT (an id), or NONE (no active agreement).

    Every later question that means the same gets this answer (`--json` shows `why: ["taught"]`).
    This is what the procurement section does with one click in its Teams workspace.

    \b
    Examples:
      innkjopsbot teach "noen må fjerne vepsebolet ved inngangen" LK-2024-162
      innkjopsbot teach "ballonger til 17. mai" NONE
      innkjopsbot teach --retire 12
    """
    from agreements_sync.models import Agreement
    from bot.search.learning import retire
    from bot.search.learning import teach as store

    database = cli.database()
    if retire_id is not None:
        if question or agreement:
            raise click.UsageError("give either QUESTION AGREEMENT or --retire N")
        with database.session() as session:
            done = retire(session, retire_id)
        if not done:
            raise Refused(cli.t("taught_not_found", id=retire_id))
        cli.emit({"retired": retire_id}, lambda: cli.t("taught_retired", id=retire_id))
        return
    if not question or not agreement:
        raise click.UsageError('give a QUESTION and an AGREEMENT id (or NONE), e.g. teach "vepsebol" LK-2024-162')
    target = "" if agreement.strip().upper() == "NONE" else agreement.strip()
    with database.session() as session:
        if target and session.get(Agreement, target) is None:
            raise Refused(cli.t("agreement_not_found", id=target))
        row = store(session, question, target, taught_by="cli")
        data = {"id": row.id, "question": row.question, "agreement_id": row.agreement_id or None}
    cli.emit(data, lambda: cli.t("taught", id=data["id"], question=data["question"],
                                 target=data["agreement_id"] or cli.t("no_active_agreement")))


@click.command("taught")
@click.option("--all", "include_retired", is_flag=True, help="Include retired answers.")
@global_options
@pass_cli
def taught(cli: CliContext, include_retired: bool) -> None:
    """The questions the search was taught (by the procurement section, and employees' picks).

    \b
    Examples:
      innkjopsbot taught
      innkjopsbot --json taught --all
    """
    from bot.search.learning import taught_rows

    with cli.database().session() as session:
        rows = [
            {"id": r.id, "question": r.question, "agreement_id": r.agreement_id or None, "source": r.source,
             "created_at": r.created_at.isoformat(), "retired": r.retired}
            for r in taught_rows(session, include_retired=include_retired)
        ]

    def human() -> str:
        if not rows:
            return cli.t("taught_none")
        return "\n".join(
            f"#{r['id']:<5} {r['source']:9} {r['agreement_id'] or 'NONE':14} {r['question']}"
            + (cli.t("taught_flag_retired") if r["retired"] else "") for r in rows
        )

    cli.emit({"taught": rows}, human)
