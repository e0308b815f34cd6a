"""Languages, gettext catalogs and Babel formatting (agreements_sync/i18n.py)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from agreements_sync import i18n
from agreements_sync.i18n import DOMAINS, Language, format_date, format_number, language_of, placeholders, strings
from agreements_sync.knowledge import KnowledgeError, knowledge_dir


@pytest.mark.parametrize(
    ("locale", "preference", "expected"),
    [
        ("nb-NO", None, Language.NB),
        ("nn-NO", None, Language.NN),
        ("nn", None, Language.NN),
        ("en-US", None, Language.EN),
        ("en-GB", None, Language.EN),
        ("sv-SE", None, Language.NB),
        ("", None, Language.NB),
        (None, None, Language.NB),
        ("nb-NO", "nn", Language.NN),  # "skriv nynorsk" with Teams in bokmål
        ("nn-NO", "nb", Language.NB),
        ("nb-NO", "bogus", Language.NB),
    ],
)
def test_language_of_locale_and_preference(locale: str | None, preference: str | None, expected: Language) -> None:
    assert language_of(locale, preference) is expected


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_is_translated_with_the_same_placeholders(domain: str) -> None:
    template = i18n.read_catalog(i18n.template_path(domain), domain=domain)
    keys = {m.context: str(m.id) for m in template if m.id}
    for lang in i18n.TRANSLATED:
        catalog = i18n.read_catalog(i18n.catalog_path(domain, lang), lang, domain)
        entries = {m.context: m for m in catalog if m.id}
        assert set(entries) == set(keys), f"{lang}/{domain}.po: keys differ from {domain}.pot"
        for key, source in keys.items():
            message = entries[key]
            where = f"{lang}/{domain}.po [{key}]"
            assert str(message.id) == source, f"{where}: the bokmål source changed; translate it again"
            assert message.string and not message.fuzzy, f"{where}: not translated"
            assert placeholders(str(message.string)) == placeholders(source), f"{where}: placeholders differ"


def test_every_text_of_the_authority_matrix_has_its_nynorsk() -> None:
    """The matrix's bokmål texts are the msgids of their own catalog (scripts/extract_data_texts.py)."""
    import sys

    sys.path.insert(0, str(knowledge_dir().parent))
    from scripts.extract_data_texts import matrix_texts

    template = i18n.read_catalog(i18n.template_path("authority-matrix"))
    assert [str(m.id) for m in template if m.id] == matrix_texts(), "run `make translations` after editing the matrix"
    catalog = i18n.read_catalog(i18n.catalog_path("authority-matrix", Language.NN), Language.NN)
    untranslated = [str(m.id) for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == [] and {str(m.id) for m in catalog if m.id} == set(matrix_texts())
    assert i18n.translate_data("authority-matrix", "enhetslederen", "nn") == "einingsleiaren"
    assert i18n.translate_data("authority-matrix", "enhetslederen", "nb") == "enhetslederen"
    assert i18n.translate_data("authority-matrix", "ikke i matrisen", "nn") == "ikke i matrisen"  # untranslated: as is


def test_nynorsk_is_written_in_nynorsk_not_bokmal() -> None:
    bot = strings("bot")
    assert bot.get("welcome_title", "nn", name="") == "Hei! Eg er Innkjøpsbot 👋"
    assert bot.get("feedback_thanks", "nn") == "Takk for tilbakemeldinga!"
    bokmal_only = {"jeg", "ikke", "hva", "hvem", "hvor", "noe", "fra", "også", "finnes", "avtaler", "tjenester"}
    for domain in DOMAINS:
        messages = strings(domain)
        for key in messages.keys():  # noqa: SIM118 - Messages is no dict
            words = {w.strip(".,:;!?()«»\"'").lower() for w in messages.text(key, "nn").split()}
            assert not words & bokmal_only, f"nn/{domain}.po [{key}] has bokmål words: {sorted(words & bokmal_only)}"


def test_dates_and_numbers_follow_the_locale() -> None:
    day = dt.date(2026, 12, 4)
    assert format_date(day, "nb") == "4. des. 2026"
    assert format_date(day, "nn") == "4. des. 2026"
    assert format_date(day, "en") == "4 Dec 2026"
    assert format_number(1_350_000, "nb") == "1 350 000"
    assert format_number(1_350_000, "nn") == "1 350 000"
    assert format_number(1_350_000.0, "en") == "1,350,000"
    alerts = strings("alerts")
    assert alerts.get("headline.expiry", "nn", due=day) == "Avtalen går ut 4. des. 2026"
    assert alerts.get("headline.expiry", "en", due=day) == "The agreement expires on 4 Dec 2026"
    start = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
    courses = strings("courses")
    assert courses.get("when", "nn", start=start, end=start + dt.timedelta(hours=3)) == "3. des. 2026 kl. 09:00–12:00"
    assert alerts.get("month", "en", month=day) == "December 2026"


def _copy_knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir() / "locale", target / "locale")
    monkeypatch.setenv("INNKJOPSBOT_KNOWLEDGE_DIR", str(target))
    return target


def test_a_stale_translation_falls_back_to_bokmal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = _copy_knowledge(tmp_path, monkeypatch)
    template = target / "locale" / "bot.pot"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace('msgid "Takk for tilbakemeldingen!"', 'msgid "Tusen takk for tilbakemeldingen!"'),
                        encoding="utf-8")
    assert strings("bot").get("feedback_thanks", "nn") == "Tusen takk for tilbakemeldingen!"  # not a stale nynorsk text


def test_a_broken_catalog_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = _copy_knowledge(tmp_path, monkeypatch)
    broken = target / "locale" / "nn" / "LC_MESSAGES" / "bot.po"
    broken.write_text("this is not a gettext catalog\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"nn/LC_MESSAGES/bot\.po"):
        strings("bot")
    with pytest.raises(KnowledgeError, match="no message 'nope'"):
        strings("search").get("nope", "nb")
