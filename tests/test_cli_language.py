"""The command line speaks one language to the procurement section: bokmål by default, English in an
English locale (LC_ALL / LC_MESSAGES / LANG) or with --lang en, nynorsk with --lang nn. --json is the
same in every language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from agreements_sync.i18n import Language
from bot.cli import cli
from bot.commands.common import environment_language
from bot.conversation import store
from bot.db import Database
from conftest import AS_OF, DEMO_REGISTER, postgres_url_for

COURSES = Path(__file__).resolve().parents[1] / "knowledge" / "courses" / "demo-courses.yaml"

# how each language is asked for: (extra environment, arguments before the command, arguments after it)
WAYS = {
    "nb (default)": ({}, [], []),
    "nb (--lang nb in an English locale)": ({"LANG": "en_US.UTF-8"}, ["--lang", "nb"], []),
    "en (LANG=en_US.UTF-8)": ({"LANG": "en_US.UTF-8"}, [], []),
    "en (LC_ALL over LANG)": ({"LANG": "nb_NO.UTF-8", "LC_ALL": "en_GB.UTF-8"}, [], []),
    "en (--lang en after the command)": ({}, [], ["--lang", "en"]),
    "nn (--lang nn)": ({}, ["--lang", "nn"], []),
    "nn (LC_MESSAGES=nn_NO.UTF-8)": ({"LC_MESSAGES": "nn_NO.UTF-8"}, [], []),
}


def _url(database: Database) -> str:
    if database.engine.dialect.name == "postgresql":
        return postgres_url_for(database)
    return database.engine.url.render_as_string(hide_password=False)


def _invoke(database: Database, way: str, *command: str) -> Result:
    env, before, after = WAYS[way]
    args = ["--database", _url(database), "--as-of", AS_OF.isoformat(), *before, *command, *after]
    return CliRunner().invoke(cli, args, env=env)


@pytest.fixture
def filled(database: Database) -> Database:
    """The demo register synced, the demo courses added and three questions logged."""
    for args in (["sync", str(DEMO_REGISTER)], ["courses", "add", "--file", str(COURSES)]):
        result = CliRunner().invoke(cli, ["--database", _url(database), "--as-of", AS_OF.isoformat(), *args])
        assert result.exit_code == 0, result.output
    with database.session() as session:
        store.log_question(session, "dronefoto", "no_agreement", AS_OF)
        store.log_question(session, "dronefoto", "no_agreement", AS_OF)
        store.record_feedback(session, helpful=False, query="lydbøker", kind="agreement")
    return database


EXPECTED = {
    "nb": {
        "sync": ["Ingen endringer: ", "Aktive avtaler per 24. nov. 2026 i filen: 117 av 130."],
        "courses": ["   1  3. des. 2026 09:00  0/25 påmeldt, 0 på venteliste  Grunnkurs i innkjøpsregler"],
        "flags": ["Ingen registerflagg."],
        "insights": ["3 loggførte spørsmål:", "ingen avtale", "ikke nyttig", "Spurt mer enn én gang:\n  2×  dronefoto"],
        "not_stored": "ingenting er lagret om denne personen\n",
        "refused": "Feil: ingen registerflagg med id 7\n",
    },
    "nn": {
        "sync": ["Ingen endringar: ", "Aktive avtalar per 24. nov. 2026 i fila: 117 av 130."],
        "courses": ["   1  3. des. 2026 09:00  0/25 påmelde, 0 på venteliste  Grunnkurs i innkjøpsregler"],
        "flags": ["Ingen registerflagg."],
        "insights": ["3 loggførte spørsmål:", "ingen avtale", "ikkje nyttig", "Spurt meir enn éin gong:\n  2×  dronefoto"],
        "not_stored": "ingenting er lagra om denne personen\n",
        "refused": "Feil: ingen registerflagg med id 7\n",
    },
    "en": {
        "sync": ["No changes: ", "Active agreements on 24 Nov 2026 in the file: 117 of 130."],
        "courses": ["   1  3 Dec 2026 09:00  0/25 confirmed, 0 waiting  Grunnkurs i innkjøpsregler"],
        "flags": ["No register flags."],
        "insights": ["3 logged question(s):", "no agreement", "not helpful", "Asked more than once:\n  2×  dronefoto"],
        "not_stored": "nothing is stored about this person\n",
        "refused": "Error: no register flag with id 7\n",
    },
}


@pytest.mark.parametrize("way", WAYS)
def test_the_same_commands_answer_in_one_language(filled: Database, way: str) -> None:
    expected = EXPECTED[way[:2]]
    outputs = {
        "sync": _invoke(filled, way, "sync", str(DEMO_REGISTER)),
        "courses": _invoke(filled, way, "courses", "list"),
        "flags": _invoke(filled, way, "alerts", "register-flags"),
        "insights": _invoke(filled, way, "insights"),
    }
    for name, result in outputs.items():
        assert result.exit_code == 0, result.output
        for text in expected[name]:
            assert text in result.output, (name, result.output)
    assert outputs["sync"].output.startswith(expected["sync"][0])
    assert outputs["insights"].output.startswith(expected["insights"][0])
    others = {lang: texts for lang, texts in EXPECTED.items() if lang != way[:2] and texts["flags"] != expected["flags"]}
    for texts in others.values():  # not a word of another language
        assert not any(text in outputs["flags"].output for text in texts["flags"])
        assert not any(text in outputs["insights"].output for text in texts["insights"][2:])

    # the person nobody stored anything about: an empty export, said on stderr
    export = _invoke(filled, way, "user-data", "export", "--email", "ingen@lorenskog.example")
    assert export.exit_code == 0 and json.loads(export.stdout)["subject"]["emails"] == ["ingen@lorenskog.example"]
    assert export.stderr == expected["not_stored"]
    # a refusal (exit status 1) is said in the same language, on stderr
    refused = _invoke(filled, way, "alerts", "register-flags", "--resolve", "7")
    assert refused.exit_code == 1 and refused.stderr == expected["refused"] and refused.stdout == ""


def test_json_is_the_same_in_every_language(filled: Database) -> None:
    for command in (["courses", "list"], ["alerts", "register-flags"], ["insights"], ["sync-history", "--limit", "1"]):
        payloads = {way: json.loads(_invoke(filled, way, "--json", *command).stdout) for way in WAYS}
        assert len({json.dumps(p, sort_keys=True) for p in payloads.values()}) == 1, command
    # the sync's own texts inside its JSON keep the bot's default locale (bokmål), whatever --lang says
    for way in WAYS:
        payload = json.loads(_invoke(filled, way, "--json", "sync", str(DEMO_REGISTER)).stdout)
        assert payload["outcome"] == "unchanged" and payload["message"].startswith("Ingen endringer: "), way


def test_the_global_lang_option_and_a_commands_own_agree(filled: Database) -> None:
    """`--lang` works before the command name and after it, and the search's answer follows it."""
    url = _url(filled)
    runner = CliRunner()
    before = runner.invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), "--lang", "en", "search", "kopipapir"])
    after = runner.invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), "search", "kopipapir", "--lang", "en"])
    default = runner.invoke(cli, ["--database", url, "--as-of", AS_OF.isoformat(), "search", "kopipapir"])
    assert before.exit_code == after.exit_code == default.exit_code == 0, before.output
    assert before.output == after.output != default.output
    assert "agreement" in before.output.lower() and "avtale" in default.output.lower()
    wrong = runner.invoke(cli, ["--database", url, "--lang", "de", "insights"])
    assert wrong.exit_code == 2 and "'de' is not one of" in wrong.output


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, Language.NB),
        ({"LANG": "C.UTF-8"}, Language.NB),
        ({"LANG": "POSIX"}, Language.NB),
        ({"LANG": "nb_NO.UTF-8"}, Language.NB),
        ({"LANG": "no_NO"}, Language.NB),
        ({"LANG": "en_US.UTF-8"}, Language.EN),
        ({"LANG": "en"}, Language.EN),
        ({"LANG": "nn_NO.UTF-8"}, Language.NN),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "nb_NO.UTF-8"}, Language.NB),
        ({"LANG": "nb_NO.UTF-8", "LC_MESSAGES": "nn_NO.UTF-8", "LC_ALL": "en_GB.UTF-8"}, Language.EN),
        ({"LANG": "en_US.UTF-8", "LC_ALL": ""}, Language.EN),  # an empty variable is not set
    ],
)
def test_the_environment_language(environ: dict[str, str], expected: Language) -> None:
    assert environment_language(environ) is expected


def test_every_kind_of_personal_data_has_its_purpose_in_every_language(database: Database) -> None:
    """`retention show` says why each kind of data is kept in the CLI's language; the English text is
    the registry's own, so a purpose changed there without its translations fails here."""
    from agreements_sync.i18n import strings
    from bot.privacy.registry import REGISTRY

    texts = strings("cli")
    shown = [e for e in REGISTRY if e.retention is not None and (e.timestamp or e.older_than)]
    for entry in shown:
        assert texts.get(f"purpose.{entry.retention_kind}", "en") == entry.purpose
    nb = _invoke(database, "nb (default)", "retention", "show")
    nn = _invoke(database, "nn (--lang nn)", "retention", "show")
    en = _invoke(database, "en (LANG=en_US.UTF-8)", "retention", "show")
    assert nb.exit_code == nn.exit_code == en.exit_code == 0
    assert len(nb.output.splitlines()) == len(shown)
    assert "30 dager  slett       oppfølgingsspørsmål i en samtale" in nb.output
    assert "30 dagar  slett       oppfølgingsspørsmål i ein samtale" in nn.output
    assert "30 days  delete      follow-up questions in a conversation" in en.output


# --- machine keys are labels for people; --json keeps the keys -------------------------------------

THREE = ("nb (default)", "nn (--lang nn)", "en (LANG=en_US.UTF-8)")
LABELS = {
    "nb": {
        "scan": "ville lagt i køen: 57 varsel, 1 kanaloppsummering, 38 eskalering, 12 samlevarsel til eier, 57 eier ikke nådd;",
        "outbox": [f"{'varsel':<24} {'blokkert':<16} {1:>7}", f"{'varsel':<24} {'feilet':<16} {1:>7}",
                   f"{'varsel':<24} {'ikke nåbar':<16} {1:>7}", f"{'kunngjøring':<24} {'venter':<16} {1:>7}",
                   f"{'kurspåminnelse':<24} {'sendt':<16} {1:>7}", f"{'påminnelse':<24} {'under sending':<16} {1:>7}",
                   "#1 varsel eier@lorenskog.example feilet 500 boom", "#2 varsel eier@lorenskog.example blokkert",
                   "#3 varsel eier@lorenskog.example ikke nåbar"],
        "history": "  kommandolinje oppdatert +130 ~0 -0 =0 hoppet over 0",
        "decide": "Feil: NO-SUCH option 2026-12-31: ingen slik frist for avtalen\n",
        "flag": "eierfelt",
    },
    "nn": {
        "scan": "ville lagt i køen: 57 varsel, 1 kanaloppsummering, 38 eskalering, 12 samlevarsel til eigar, 57 eigar ikkje nådd;",
        "outbox": [f"{'varsel':<24} {'blokkert':<16} {1:>7}", f"{'varsel':<24} {'feila':<16} {1:>7}",
                   f"{'varsel':<24} {'ikkje nåbar':<16} {1:>7}", f"{'kunngjering':<24} {'ventar':<16} {1:>7}",
                   f"{'kurspåminning':<24} {'sendt':<16} {1:>7}", f"{'påminning':<24} {'under sending':<16} {1:>7}",
                   "#1 varsel eier@lorenskog.example feila 500 boom", "#2 varsel eier@lorenskog.example blokkert",
                   "#3 varsel eier@lorenskog.example ikkje nåbar"],
        "history": "  kommandolinje oppdatert +130 ~0 -0 =0 hoppa over 0",
        "decide": "Feil: NO-SUCH option 2026-12-31: ingen slik frist for avtalen\n",
        "flag": "eigarfelt",
    },
    "en": {
        "scan": "would queue 57 alert, 1 channel summary, 38 escalation, 12 owner digest, 57 owner unreachable;",
        "outbox": [f"{'alert':<24} {'blocked':<16} {1:>7}", f"{'alert':<24} {'failed':<16} {1:>7}",
                   f"{'alert':<24} {'unreachable':<16} {1:>7}", f"{'announcement':<24} {'pending':<16} {1:>7}",
                   f"{'course reminder':<24} {'sent':<16} {1:>7}", f"{'reminder':<24} {'being sent':<16} {1:>7}",
                   "#1 alert eier@lorenskog.example failed 500 boom", "#2 alert eier@lorenskog.example blocked",
                   "#3 alert eier@lorenskog.example unreachable"],
        "history": "  command line applied   +130 ~0 -0 =0 skipped 0",
        "decide": "Error: NO-SUCH option 2026-12-31: no such deadline for the agreement\n",
        "flag": "owner field",
    },
}
RAW_KEYS = ("owner_digest", "channel_summary", "course_reminder", "owner_field", "unknown_milestone", "cli ")
ENGLISH_KEYS = ("unreachable", "applied", "pending", "alert")  # keys that are their own English label


def _fill_outbox(database: Database) -> None:
    """One outbox row in each status (pending, claimed, sent, failed, blocked, unreachable)."""
    from sqlalchemy import update
    from sqlmodel import col

    from bot.alerts.decisions import flag
    from bot.outbox import OutboxRow, enqueue

    rows = [("alert", "failed"), ("alert", "blocked"), ("alert", "unreachable"), ("reminder", "claimed"),
            ("course_reminder", "sent"), ("announcement", "pending")]
    activity = {"type": "message", "text": "x"}
    with database.session() as session:
        for n, (kind, status) in enumerate(rows):
            row = enqueue(session, idempotency_key=f"test:{n}", kind=kind, activity=activity, recipient="eier@lorenskog.example",
                          conversation={"id": "c"})
            assert row is not None
            session.flush()
            session.execute(update(OutboxRow).where(col(OutboxRow.id) == row.id).values(
                status=status, last_status_code=500 if status == "failed" else None, last_error="boom" if status == "failed" else ""))
        flag(session, "test-flag", "LK-2022-027", "owner_field", "Eierfeltet i registeret: geir → kari")


@pytest.mark.parametrize("way", THREE)
def test_machine_keys_are_labels_in_the_commands_language(filled: Database, way: str) -> None:
    """Message kinds, outbox statuses, the sync's outcome and trigger, decide's error and the
    register flags' kinds are said in the CLI's language; not a raw key is left."""
    _fill_outbox(filled)
    said = LABELS[way[:2]]
    scan = _invoke(filled, way, "alerts", "scan", "--dry-run")
    assert scan.exit_code == 0 and said["scan"] in scan.output, scan.output[-600:]
    status = _invoke(filled, way, "outbox", "status", "--problems")
    assert status.exit_code == 0
    assert [line.rstrip() for line in status.output.splitlines()] == said["outbox"]  # in the keys' order, as --json
    history = _invoke(filled, way, "sync-history")
    assert history.exit_code == 0 and said["history"] in history.output, history.output
    decide = _invoke(filled, way, "alerts", "decide", "NO-SUCH", "option", "2026-12-31", "use_option", "--by", "kari@lorenskog.example")
    assert decide.exit_code == 1 and decide.stderr == said["decide"]
    flags = _invoke(filled, way, "alerts", "register-flags")
    assert flags.exit_code == 0 and f"{said['flag']:<22} LK-2022-027" in flags.output, flags.output
    # the scan's kind column and counts (its reasons, warnings and recipients: test_the_scans_reasons_…)
    raw = RAW_KEYS if way.startswith("en") else RAW_KEYS + ENGLISH_KEYS
    scan_lines = scan.output.splitlines()
    assert not [line for line in scan_lines for key in raw if line.startswith(key)]
    summary = next(line for line in scan_lines if said["scan"] in line)
    for output in (summary, status.output, history.output, decide.stderr, flags.output):
        assert not [key for key in raw if key in output], output[-600:]


def test_machine_keys_stay_keys_in_json(filled: Database) -> None:
    _fill_outbox(filled)
    commands = (["alerts", "scan", "--dry-run"], ["outbox", "status", "--problems"], ["sync-history"], ["alerts", "register-flags"])
    for command in commands:
        payloads = {way: _invoke(filled, way, "--json", *command).stdout for way in WAYS}
        assert len(set(payloads.values())) == 1, command
    scan = json.loads(_invoke(filled, "en (LANG=en_US.UTF-8)", "--json", "alerts", "scan", "--dry-run").stdout)
    assert scan["new"] == {"alert": 57, "channel_summary": 1, "escalation": 38, "owner_digest": 12, "unreachable": 57}
    status = json.loads(_invoke(filled, "nn (--lang nn)", "--json", "outbox", "status", "--problems").stdout)
    assert {(c["kind"], c["status"]) for c in status["counts"]} == {
        ("alert", "failed"), ("alert", "blocked"), ("alert", "unreachable"), ("reminder", "claimed"),
        ("course_reminder", "sent"), ("announcement", "pending")}
    assert [(p["kind"], p["status"]) for p in status["problems"]] == [("alert", "failed"), ("alert", "blocked"), ("alert", "unreachable")]
    run = json.loads(_invoke(filled, "nn (--lang nn)", "--json", "sync-history").stdout)["runs"][0]
    assert (run["trigger"], run["outcome"]) == ("cli", "applied")
    flags = json.loads(_invoke(filled, "en (LANG=en_US.UTF-8)", "--json", "alerts", "register-flags").stdout)["flags"]
    assert [f["kind"] for f in flags] == ["owner_field"]
    decide = _invoke(filled, "en (LANG=en_US.UTF-8)", "--json", "alerts", "decide", "NO-SUCH", "option", "2026-12-31", "use_option",
                     "--by", "kari@lorenskog.example")
    assert decide.exit_code == 1 and decide.stderr == LABELS["en"]["decide"]  # a refusal is said, not JSON


def test_every_outbox_status_and_sync_outcome_has_a_label() -> None:
    from agreements_sync.i18n import strings
    from bot.outbox.models import OutboxStatus

    texts = strings("cli")
    for status in OutboxStatus:
        assert f"outbox_status.{status.value}" in texts, status
    for outcome in ("applied", "unchanged", "dry_run", "rejected", "failed"):  # agreements_sync.sync.SyncReport.outcome
        assert f"outcome.{outcome}" in texts, outcome


NOTES = {"nb": "  merk: ingen arbeidsflate-fane: sett INNKJOPSBOT_PUBLIC_BASE_URL til botens https-adresse",
         "nn": "  merk: ingen arbeidsflate-fane: set INNKJOPSBOT_PUBLIC_BASE_URL til https-adressa til boten",
         "en": "  note: no workspace tab: set INNKJOPSBOT_PUBLIC_BASE_URL to the bot's https address"}


def test_the_teams_packages_notes_in_every_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("INNKJOPSBOT_TEAMS_", "INNKJOPSBOT_PUBLIC_BASE_URL", "MICROSOFT_APP")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    app_id = "0b6f8a52-3c1d-4e8f-9a7b-2c4d6e8f0a1b"
    outputs = {}
    for way in (*THREE, "en (--lang en after the command)"):
        env, before, after = WAYS[way]
        result = CliRunner().invoke(cli, [*before, "teams-package", "--out", str(tmp_path / "x.zip"), "--app-id", app_id, *after], env=env)
        assert result.exit_code == 0, result.output
        outputs[way] = result.output
        assert NOTES[way[:2]] in result.output, result.output
    payloads = set()
    for way in THREE:
        env, before, after = WAYS[way]
        result = CliRunner().invoke(cli, [*before, "--json", "teams-package", "--out", str(tmp_path / "x.zip"), "--app-id", app_id], env=env)
        payloads.add(result.stdout)
    assert len(payloads) == 1
    assert json.loads(payloads.pop())["notes"] == [
        "no workspace tab: set INNKJOPSBOT_PUBLIC_BASE_URL to the bot's https address to include it (staticTabs, SSO)"]


SCAN = {
    "nb": ["  til innkjøpskanalen  [KAN IKKE NÅS]  (ny)",
           "hvorfor: Ny konkurranse 28. mai 2026: første varsel 90 dager før; FORFALT siden 28. mai 2026 (avtalen løper til 28. feb. 2027)",
           " (i eierens samlekort)", "hvorfor: 95 eskaleringer/eiere som ikke nås, i ett kort",
           "kan ikke nås: har ikke installert Innkjøpsbot (eller har sluttet) (i samlekortet)",
           "advarsel: innkjøpskanalen er ikke satt opp eller kan ikke nås (INNKJOPSBOT_PROCUREMENT_CHANNEL_CONVERSATION_ID"],
    "nn": ["  til innkjøpskanalen  [KAN IKKJE NÅAST]  (ny)",
           "kvifor: Ny konkurranse 28. mai 2026: første varsel 90 dagar før; FORFALLE sidan 28. mai 2026 (avtalen går til 28. feb. 2027)",
           " (i samlekortet til eigaren)", "kvifor: 95 eskaleringar/eigarar som ikkje kan nåast, i eitt kort",
           "kan ikkje nåast: har ikkje installert Innkjøpsbot (eller har slutta) (i samlekortet)",
           "åtvaring: innkjøpskanalen er ikkje sett opp eller kan ikkje nåast (INNKJOPSBOT_PROCUREMENT_CHANNEL_CONVERSATION_ID"],
    "en": ["  to procurement channel  [NOT REACHABLE]  (new)",
           "why: New competition 28 May 2026: first alert 90 days before; OVERDUE since 28 May 2026 (the agreement runs until 28 Feb 2027)",
           " (in the owner's digest card)", "why: 95 escalations/unreachable owners in one card",
           "cannot be reached: has not installed Innkjøpsbot (or has left) (in the combined card)",
           "warning: the procurement channel is not configured or not reachable (INNKJOPSBOT_PROCUREMENT_CHANNEL_CONVERSATION_ID"],
}
DIGEST = {"nb": ["hvorfor: ukeoversikt: 159 frister de neste 12 månedene", "advarsel: innkjøpskanalen er ikke satt opp eller kan ikke nås: "
                 "ukeoversikten registreres som ikke nåbar"],
          "nn": ["kvifor: vekeoversikt: 159 fristar dei neste 12 månadene", "åtvaring: innkjøpskanalen er ikkje sett opp eller kan ikkje "
                 "nåast: vekeoversikta blir registrert som ikkje nåbar"],
          "en": ["why: weekly digest: 159 deadlines in 12 months", "warning: the procurement channel is not configured or not reachable: "
                 "the digest is recorded as unreachable"]}
ENGLISH_REASONS = ("procurement channel", "first alert", "OVERDUE", "digest card", "combined card", "cannot be reached", "not configured",
                   "deadlines", "in one card", "weekly digest", "no owner", "has not installed")


@pytest.mark.parametrize("way", THREE)
def test_the_scans_reasons_warnings_and_recipients_in_the_commands_language(filled: Database, way: str) -> None:
    lang = way[:2]
    scan = _invoke(filled, way, "alerts", "scan", "--dry-run")
    digest = _invoke(filled, way, "alerts", "digest", "--dry-run", "--force")
    assert scan.exit_code == 0 and digest.exit_code == 0
    for text in SCAN[lang]:
        assert text in scan.output, text
    for text in DIGEST[lang]:
        assert text in digest.output, text
    if lang != "en":
        assert not [word for word in ENGLISH_REASONS if word in scan.output + digest.output]


def test_the_scans_reasons_and_warnings_stay_english_in_json(filled: Database) -> None:
    """--json keeps the English reason, warning and recipient key, whatever the language."""
    for command in (["alerts", "scan", "--dry-run"], ["alerts", "digest", "--dry-run", "--force"]):
        payloads = {_invoke(filled, way, "--json", *command).stdout for way in THREE}
        assert len(payloads) == 1
    scan = json.loads(_invoke(filled, "nn (--lang nn)", "--json", "alerts", "scan", "--dry-run").stdout)
    assert scan["warnings"] == ["the procurement channel is not configured or not reachable (INNKJOPSBOT_PROCUREMENT_CHANNEL_CONVERSATION_ID "
                                "and a stored reference or INNKJOPSBOT_PROCUREMENT_CHANNEL_SERVICE_URL): its messages are recorded as unreachable"]
    reasons = {m["reason"] for m in scan["messages"]}
    assert ("competition 2026-05-28: first alert 90 days before; OVERDUE since 2026-05-28 (the agreement runs until 2027-02-28)"
            " (in the owner's digest card)") in reasons
    assert "95 escalations/unreachable owners in one card" in reasons
    assert {m["recipient"] for m in scan["messages"] if m["kind"] == "channel_summary"} == {"procurement channel"}
    digest = json.loads(_invoke(filled, "nb (default)", "--json", "alerts", "digest", "--dry-run", "--force").stdout)
    assert digest["messages"][0]["reason"] == "weekly digest: 159 deadlines in 12 months"
    assert digest["warnings"] == ["the procurement channel is not configured or not reachable: the digest is recorded as unreachable"]


UNREACHABLE = {
    "nb": ["  Nås ikke: 1", "  kan ikke nås: ukjent@lorenskog.example: ingen samtale å sende til (mottakeren har ingen lagret samtalereferanse)"],
    "nn": ["  Blir ikkje nådd: 1",
           "  kan ikkje nåast: ukjent@lorenskog.example: inga samtale å sende til (mottakaren har ingen lagra samtalereferanse)"],
    "en": ["  Not reachable: 1",
           "  not reachable: ukjent@lorenskog.example: no conversation to send to (the recipient has no stored conversation reference)"],
}


def test_unreachable_recipients_of_an_announcement_in_the_commands_language(database: Database) -> None:
    """`announce report` names who could not be reached and why, in the CLI's language; --json keeps the English detail."""
    sent = _invoke(database, "nb (default)", "announce", "send", "--title", "T", "--text", "x", "--audience", "emails:ukjent@lorenskog.example")
    assert sent.exit_code == 0, sent.output
    for way in THREE:
        report = _invoke(database, way, "announce", "report", "1")
        assert report.exit_code == 0 and report.output.splitlines()[1:] == UNREACHABLE[way[:2]], report.output
    payloads = {_invoke(database, way, "--json", "announce", "report", "1").stdout for way in THREE}
    assert len(payloads) == 1
    [line] = json.loads(payloads.pop())["recipients"]
    assert (line["status"], line["detail"]) == (
        "not_reachable", "no conversation to send to (the recipient has no stored conversation reference)")


def test_every_stored_reason_of_an_unreachable_recipient_is_translated() -> None:
    from bot.announcements.audience import UNREACHABLE, reason_text

    for english in UNREACHABLE.values():
        texts = {lang: reason_text(english, lang) for lang in ("nb", "nn", "en")}
        assert texts["en"] == english and len(set(texts.values())) == 3, texts
    assert reason_text("500 Internal Server Error", "nn") == "500 Internal Server Error"  # a delivery error stays as it came


def test_the_digests_weekday_in_every_language() -> None:
    from bot.alerts.scan import DayName, said

    note = said("warning.digest_weekday", weekday=DayName(0))
    assert note.text("nb") == "ukeoversikten går ut på mandag (eller senere i uken); bruk --force for å sende nå"
    assert note.text("nn") == "vekeoversikta går ut på måndag (eller seinare i veka); bruk --force for å sende no"
    assert note.text("en") == "the digest goes out on Monday (or later in the week); use --force to send now"


# --- refusals of the announcement and course code ----------------------------------------------------

REFUSALS = {
    "nb": {"audience": "Feil: Ikke en e-postadresse: ikke-epost\n",
           "file": "{path}: text: mangler\n",
           "course": "Feil: kurs: Kurset må slutte etter at det begynner\n",
           "course_file": "{path}: courses.0.starts_at: mangler; courses.0.capacity: må være minst 1; "
                          "courses.1: Oppgi et sted eller en Teams-møtelenke\n",
           "withdrawn": "Feil: Kunngjøring 1 er trukket tilbake og kan ikke rettes\n"},
    "nn": {"audience": "Feil: Ikkje ei e-postadresse: ikke-epost\n",
           "file": "{path}: text: manglar\n",
           "course": "Feil: kurs: Kurset må slutte etter at det byrjar\n",
           "course_file": "{path}: courses.0.starts_at: manglar; courses.0.capacity: må vere minst 1; "
                          "courses.1: Oppgi ein stad eller ei Teams-møtelenkje\n",
           "withdrawn": "Feil: Kunngjering 1 er trekt tilbake og kan ikkje rettast\n"},
    "en": {"audience": "Error: not an e-mail address: ikke-epost\n",
           "file": "{path}: text: missing\n",
           "course": "Error: course: the course must end after it starts\n",
           "course_file": "{path}: courses.0.starts_at: missing; courses.0.capacity: must be at least 1; "
                          "courses.1: give a place or a Teams meeting link\n",
           "withdrawn": "Error: announcement 1 is withdrawn and cannot be corrected\n"},
}


@pytest.mark.parametrize("way", THREE)
def test_refusals_of_announcements_and_courses_in_the_commands_language(database: Database, way: str, tmp_path: Path) -> None:
    said = REFUSALS[way[:2]]
    prefix = "Error: " if way.startswith("en") else "Feil: "
    audience = _invoke(database, way, "announce", "send", "--title", "T", "--text", "x", "--audience", "emails:ikke-epost")
    assert audience.exit_code == 1 and audience.stderr == said["audience"]
    announcement = tmp_path / "kunngjoring.yaml"
    announcement.write_text("title: Nytt kurs\naudience: all\n", encoding="utf-8")
    from_file = _invoke(database, way, "announce", "send", "--file", str(announcement))
    assert from_file.exit_code == 1 and from_file.stderr == prefix + said["file"].format(path=announcement)
    course = _invoke(database, way, "courses", "add", "--title", "X", "--starts", "2026-12-03T09:00", "--ends", "2026-12-03T08:00",
                     "--place", "Rådhuset")
    assert course.exit_code == 1 and course.stderr == said["course"]
    courses = tmp_path / "kurs.yaml"
    courses.write_text("courses:\n  - title: X\n    ends_at: 2026-12-03T12:00\n    place: R\n    capacity: 0\n"
                       "  - title: Y\n    starts_at: 2026-12-03T09:00\n    ends_at: 2026-12-03T12:00\n", encoding="utf-8")
    course_file = _invoke(database, way, "courses", "add", "--file", str(courses))
    assert course_file.exit_code == 1 and course_file.stderr == prefix + said["course_file"].format(path=courses.resolve())
    sent = _invoke(database, way, "announce", "send", "--title", "T", "--text", "x", "--audience", "all")
    assert sent.exit_code == 0, sent.output
    assert _invoke(database, way, "announce", "withdraw", "1").exit_code == 0
    withdrawn = _invoke(database, way, "announce", "correct", "1", "--text", "y")
    assert withdrawn.exit_code == 1 and withdrawn.stderr == said["withdrawn"]
