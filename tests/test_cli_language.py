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
