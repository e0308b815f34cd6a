"""`innkjopsbot authority "…"` and `innkjopsbot authority-eval [FILE]`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click
import yaml

from agreements_sync.knowledge import KnowledgeError
from agreements_sync.status import looking_back
from bot.commands.common import CliContext, Refused, cli_text, current_language, global_options, pass_cli

DEFAULT_QUESTIONS = Path(__file__).resolve().parent.parent.parent / "tests" / "data" / "authority" / "questions.yaml"
FIELDS = ("value_nok_excl_vat", "kind", "band", "framework_agreement", "approver", "performed_by", "signer",
          "requirements", "missing")
SET_FIELDS = {"framework_agreement", "requirements", "missing"}
# Fields that depend on whether an active framework agreement covers the purchase (rule 0).
SEARCH_FIELDS = {"band", "framework_agreement", "approver", "performed_by", "signer", "requirements", "missing"}


def _t(key: str, **values: Any) -> str:
    return cli_text(key, current_language(), **values)


def search_finder(cli: CliContext) -> tuple[Callable[[str, dt.date], Any] | None, str]:
    """The agreement search for rule 0, when the index holds agreements."""
    from agreements_sync.index import current_index_version
    from bot.search.service import SearchService

    database = cli.database()
    if not current_index_version(database.engine):
        return None, "the agreement index is empty (run `innkjopsbot sync FILE`): rule 0 was not checked"
    service = SearchService(database, semantic="sync" if cli.settings.search_semantic else "off")
    service.index  # noqa: B018 - the first build hands the kind reading its semantic vectors: every question reads alike

    def find(text: str, as_of: dt.date) -> Any:
        return service.search(text, as_of, limit=3)

    return find, ""


@click.command("authority")
@click.argument("question", nargs=-1, required=True)
@click.option("--no-search", is_flag=True, help="Do not check for a framework agreement (rule 0).")
@global_options
@pass_cli
def authority(cli: CliContext, question: tuple[str, ...], no_search: bool) -> None:
    """Who carries out, approves and signs a purchase, and which rules apply.

    Reads the amount (incl./excl. VAT, per year or month, options), the kind of purchase and
    checks rule 0 (an active framework agreement must be used) with the agreement search.
    Answers from the authority matrix in knowledge/authority/. --json prints the fields
    value_nok_excl_vat, kind, band, framework_agreement, approver, performed_by, signer,
    requirements and missing, plus the thresholds used and the steps.

    \b
    Examples:
      innkjopsbot authority "Jeg skal kjøpe nye møbler for ca. 350 000 kr, hva må jeg gjøre?"
      innkjopsbot --json authority "hvem kan signere en kontrakt på 3 mill for konsulenttjenester?"
      innkjopsbot --as-of 2021-06-01 authority "varekjøp for 2,1 mill"
    """
    from bot.authority.analysis import analyse
    from bot.authority.render import authority_answer

    text = " ".join(question).strip()
    if not text:
        raise click.UsageError("give a question, e.g. innkjopsbot authority \"møbler for 350 000\"")
    finder, note = (None, "rule 0 was not checked (--no-search)") if no_search else search_finder(cli)
    try:
        result = analyse(text, cli.today, find_agreements=finder)
        answer = authority_answer(result, cli.lang.value)
    except KnowledgeError as exc:
        raise Refused(str(exc)) from None
    payload = result.to_json()
    if note:
        payload["search_note"] = note
    cli.emit(payload, lambda: answer.text + (f"\n({cli.t('authority_unchecked')})" if note and finder is None and not no_search else ""))


def _load_questions(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Refused(_t("file_not_found", path=path)) from None
    except yaml.YAMLError as exc:
        raise Refused(_t("yaml_invalid", path=path, error=exc)) from None
    items = data.get("questions") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise Refused(_t("questions_not_a_list", path=path))
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or not isinstance(item.get("expected"), dict):
            raise Refused(_t("question_incomplete", path=path, i=i))
        unknown = set(item["expected"]) - set(FIELDS)
        if unknown:
            raise Refused(_t("question_unknown_field", path=path, i=i, fields=", ".join(sorted(unknown))))
    return items


def _same(field: str, got: Any, want: Any) -> bool:
    if field in SET_FIELDS:
        return set(got or []) == set(want or [])
    return got == want


def evaluate(items: list[dict[str, Any]], default_as_of: dt.date, finder: Callable[[str, dt.date], Any] | None) -> dict[str, Any]:
    """Accuracy per field over the question set; framework-dependent fields of questions marked
    `needs_search` are only counted when the search is available."""
    from bot.authority.analysis import analyse

    totals = {f: [0, 0] for f in FIELDS}
    failures: list[dict[str, Any]] = []
    exact = 0
    for item in items:
        as_of = dt.date.fromisoformat(str(item["as_of"])) if item.get("as_of") else default_as_of
        previous = None
        earlier_questions: list[str] = item["previous"] if isinstance(item.get("previous"), list) else (
            [str(item["previous"])] if item.get("previous") else [])
        # a question about an earlier date reads the register (exported on the default date) as it
        # stood then
        try:
            with looking_back(default_as_of) if as_of < default_as_of else nullcontext():
                for earlier in earlier_questions:
                    previous = analyse(earlier, as_of, find_agreements=finder, previous=previous)
                got = analyse(item["q"], as_of, find_agreements=finder, previous=previous).to_json()
        except KnowledgeError as exc:
            # the knowledge cannot answer this one (a date before the matrix's thresholds): every
            # field it expects is wrong, and the set is still measured
            got = {field: {"error": str(exc)} for field in FIELDS}
        all_ok = True
        for field, want in item["expected"].items():
            if finder is None and item.get("needs_search") and field in SEARCH_FIELDS:
                continue
            ok = _same(field, got[field], want)
            totals[field][0] += ok
            totals[field][1] += 1
            if not ok:
                all_ok = False
                failures.append({"q": item["q"], "field": field, "expected": want, "got": got[field]})
        exact += all_ok
    return {
        "questions": len(items),
        "search": finder is not None,
        "fields": {f: {"correct": c, "total": t, "accuracy": round(c / t, 3) if t else None} for f, (c, t) in totals.items()},
        "all_fields_correct": exact,
        "failures": failures,
    }


@click.command("authority-eval")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--no-search", is_flag=True, help="Evaluate without the agreement search even if it is available.")
@click.option("--show-failures/--hide-failures", default=True, show_default=True)
@global_options
@pass_cli
def authority_eval(cli: CliContext, file: Path | None, no_search: bool, show_failures: bool) -> None:
    """Accuracy per JSON field of `authority` on a question set (default tests/data/authority/questions.yaml).

    Each question has `q`, optional `as_of`, `previous` (earlier message(s) of a follow-up),
    `needs_search: true` when the answer depends on an active framework agreement, and
    `expected` with any of the JSON fields. Without the agreement search (bot.search and a synced
    index) the framework-dependent fields of `needs_search` questions are not counted.

    \b
    Examples:
      innkjopsbot authority-eval
      innkjopsbot sync ../shared/data/avtaleregister.csv && innkjopsbot --as-of 2026-11-24 authority-eval
    """
    path = file or DEFAULT_QUESTIONS
    items = _load_questions(path)
    finder, note = (None, "--no-search") if no_search else search_finder(cli)
    as_of = cli.as_of or dt.date(2026, 11, 24)
    try:
        report = evaluate(items, as_of, finder)
    except KnowledgeError as exc:
        raise Refused(str(exc)) from None
    report["file"] = str(path)
    if note:
        report["search_note"] = note

    def human() -> str:
        if finder:
            lines = [cli.t("authority_eval_used", count=report["questions"], path=path)]
        else:
            shown = note if note == "--no-search" else cli.t("authority_unchecked")
            lines = [cli.t("authority_eval_unused", count=report["questions"], path=path, note=shown)]
        for field, row in report["fields"].items():
            acc = "-" if row["accuracy"] is None else f"{row['accuracy'] * 100:5.1f} %"
            lines.append(f"  {field:20} {acc}  ({row['correct']}/{row['total']})")
        lines.append(cli.t("authority_eval_all", correct=report["all_fields_correct"], total=report["questions"]))
        if show_failures and report["failures"]:
            lines.append(cli.t("authority_eval_failures"))
            lines += [cli.t("authority_eval_failure", question=repr(f["q"]), field=f["field"], expected=repr(f["expected"]),
                            got=repr(f["got"])) for f in report["failures"]]
        return "\n".join(lines)

    cli.emit(report, human)
