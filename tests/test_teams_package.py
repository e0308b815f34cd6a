"""The Teams app package: manifest valid against the vendored schema, icons by Teams' rules, zip contents."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.teams_package import (
    PACKAGE_FILES,
    TEMPLATE_DIR,
    PackageConfig,
    PackageError,
    build_package,
    decode_png,
    encode_png,
    icon_problems,
    localizable_strings,
    localization_problems,
    render_manifest,
    schema_problems,
)

APP_ID = "0b6f8a52-3c1d-4e8f-9a7b-2c4d6e8f0a1b"
OTHER_ID = "5d2c9e41-7a3b-4c6d-8e9f-0a1b2c3d4e5f"
MANIFEST_SCHEMA = json.loads((TEMPLATE_DIR / "schema" / "MicrosoftTeams.schema.json").read_text(encoding="utf-8"))
LOCALIZATION_SCHEMA = json.loads(
    (TEMPLATE_DIR / "schema" / "MicrosoftTeams.Localization.schema.json").read_text(encoding="utf-8")
)
ENV_NAMES = ["MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "INNKJOPSBOT_APP_ID", "INNKJOPSBOT_APP_PASSWORD"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials or Teams settings from the machine, and no .env from the working tree."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("INNKJOPSBOT_TEAMS_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def build(tmp_path: Path, *extra: str) -> tuple[Path, dict, dict]:
    out = tmp_path / "pkg" / "innkjopsbot-teams.zip"
    code, output = run("teams-package", "--out", str(out), *extra)
    assert code == 0, output
    with zipfile.ZipFile(out) as archive:
        return out, json.loads(archive.read("manifest.json")), json.loads(archive.read("en.json"))


def test_zip_holds_exactly_the_five_files_at_its_root(tmp_path: Path) -> None:
    out, _manifest, _en = build(tmp_path, "--app-id", APP_ID)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted(["manifest.json", "en.json", "nn.json", "color.png", "outline.png"])
        assert archive.testzip() is None
        assert archive.read("color.png") == (TEMPLATE_DIR / "color.png").read_bytes()
        assert archive.read("outline.png") == (TEMPLATE_DIR / "outline.png").read_bytes()


def test_built_manifest_and_language_file_validate_against_the_vendored_schemas(tmp_path: Path) -> None:
    _out, manifest, en = build(tmp_path, "--app-id", APP_ID)
    jsonschema.Draft4Validator(MANIFEST_SCHEMA).validate(manifest)
    jsonschema.Draft4Validator(LOCALIZATION_SCHEMA).validate(en)
    assert manifest["manifestVersion"] == MANIFEST_SCHEMA["properties"]["manifestVersion"]["const"] == "1.30"
    assert manifest["$schema"].endswith("/teams/v1.30/MicrosoftTeams.schema.json")
    assert en["$schema"].endswith("/teams/v1.30/MicrosoftTeams.Localization.schema.json")


def test_manifest_carries_the_bot_the_message_extension_and_the_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "secret")
    monkeypatch.setenv("INNKJOPSBOT_TEAMS_VALID_DOMAINS", "innkjopsbot.lorenskog.example, innkjopsbot.lorenskog.example")
    monkeypatch.setenv("INNKJOPSBOT_TEAMS_APP_VERSION", "2.3.4")
    monkeypatch.setenv("INNKJOPSBOT_TEAMS_PRIVACY_URL", "https://www.lorenskog.kommune.example/personvern")
    _out, manifest, _en = build(tmp_path)

    assert manifest["id"] == APP_ID
    assert manifest["version"] == "2.3.4"
    assert manifest["validDomains"] == ["innkjopsbot.lorenskog.example"]
    assert manifest["developer"]["privacyUrl"] == "https://www.lorenskog.kommune.example/personvern"
    assert manifest["developer"]["termsOfUseUrl"] == manifest["developer"]["websiteUrl"]
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert bot["supportsFiles"] is False
    assert len(bot["commandLists"][0]["commands"]) == 3
    (extension,) = manifest["composeExtensions"]
    assert extension["botId"] == APP_ID
    (command,) = extension["commands"]
    assert command["id"] == "searchAgreements" and command["type"] == "query"
    assert [p["name"] for p in command["parameters"]] == ["query"]
    assert command["parameters"][0]["title"] and command["parameters"][0]["description"]
    assert manifest["localizationInfo"] == {
        "defaultLanguageTag": "nb",
        "additionalLanguages": [{"languageTag": "en", "file": "en.json"}, {"languageTag": "nn", "file": "nn.json"}],
    }


def test_app_id_without_its_secret_is_enough_to_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As deploy/README.md runs it on an admin workstation: MICROSOFT_APP_ID=… innkjopsbot teams-package."""
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    _out, manifest, _en = build(tmp_path)
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID


def test_other_invalid_settings_still_stop_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("INNKJOPSBOT_LOG_LEVEL", "LOUD")
    code, output = run("teams-package", "--out", str(tmp_path / "x.zip"))
    assert code == 2 and "INNKJOPSBOT_LOG_LEVEL" in output


def test_a_separate_teams_app_id_leaves_the_bot_id_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INNKJOPSBOT_TEAMS_APP_ID", OTHER_ID)
    _out, manifest, _en = build(tmp_path, "--app-id", APP_ID, "--version", "1.0.7")
    assert manifest["id"] == OTHER_ID
    assert manifest["bots"][0]["botId"] == manifest["composeExtensions"][0]["botId"] == APP_ID
    assert manifest["version"] == "1.0.7"


def test_english_and_nynorsk_files_translate_every_user_facing_string_and_nothing_else(tmp_path: Path) -> None:
    out, manifest, en = build(tmp_path, "--app-id", APP_ID)
    with zipfile.ZipFile(out) as archive:
        nn = json.loads(archive.read("nn.json"))
    wanted = localizable_strings(manifest)
    assert set(en) - {"$schema"} == set(wanted) == set(nn) - {"$schema"}
    assert "composeExtensions[0].commands[0].parameters[0].title" in wanted
    assert en["description.short"] != manifest["description"]["short"] != nn["description.short"]  # really translated
    assert localization_problems(manifest, {"en.json": en, "nn.json": nn}) == []
    assert localization_problems(manifest, {"en.json": en}) == [
        "localizationInfo declares ['en.json', 'nn.json'] but the package has ['en.json']"]
    broken = dict(en)
    del broken["bots[0].commandLists[0].commands[1].title"]
    broken["bots[0].commandLists[0].commands[9].title"] = "extra"
    assert localization_problems(manifest, {"en.json": broken, "nn.json": nn}) == [
        "en.json: no translation for bots[0].commandLists[0].commands[1].title",
        "en.json: bots[0].commandLists[0].commands[9].title does not exist in the manifest",
    ]


def test_schema_check_names_what_is_wrong() -> None:
    manifest = render_manifest(PackageConfig(bot_id=APP_ID))
    assert schema_problems(manifest, MANIFEST_SCHEMA) == []
    manifest["bots"][0]["scopes"] = ["everyone"]
    manifest["manifestVersion"] = "1.29"
    del manifest["developer"]["privacyUrl"]
    problems = schema_problems(manifest, MANIFEST_SCHEMA)
    assert any(p.startswith("bots[0].scopes[0]:") for p in problems), problems
    assert any(p.startswith("developer:") and "privacyUrl" in p for p in problems), problems
    assert "manifestVersion: '1.29' is not '1.30'" in problems


def test_icons_follow_teams_rules() -> None:
    color = decode_png((TEMPLATE_DIR / "color.png").read_bytes())
    outline = decode_png((TEMPLATE_DIR / "outline.png").read_bytes())
    assert (color.width, color.height) == (192, 192)
    assert (outline.width, outline.height) == (32, 32)
    assert all(a == 255 for (_r, _g, _b, a) in color.pixels())  # full colour, full bleed
    assert len({(r, g, b) for (r, g, b, _a) in color.pixels()}) > 2  # a symbol on the background
    for corner in ((0, 0), (31, 0), (0, 31), (31, 31)):
        assert outline.pixel(*corner)[3] == 0
    visible = [(r, g, b) for (r, g, b, a) in outline.pixels() if a > 0]
    assert visible and set(visible) == {(255, 255, 255)}
    assert sum(1 for (_r, _g, _b, a) in outline.pixels() if a == 255) > 100  # a solid white symbol
    assert icon_problems((TEMPLATE_DIR / "color.png").read_bytes(), (TEMPLATE_DIR / "outline.png").read_bytes()) == []


def test_icon_check_rejects_what_teams_would_reject() -> None:
    red_square = encode_png(32, 32, b"\xcc\x00\x00\xff" * 32 * 32)
    small_color = encode_png(100, 100, b"\x10\x20\x30\xff" * 100 * 100)
    problems = icon_problems(small_color, red_square)
    assert "color.png is 100×100; Teams wants 192×192" in problems
    assert "outline.png has no transparent pixels; its background must be transparent" in problems
    assert "outline.png has 1024 visible pixels that are not white; Teams wants white only" in problems
    assert icon_problems(b"GIF89a", red_square)[0] == "color.png: not a PNG file"


def _png(width: int, height: int, color_type: int, rows: list[bytes], filters: list[int], bpp: int) -> bytes:
    """A PNG whose rows use the given filter types (the encoder only writes filter 0)."""
    raw, previous = bytearray(), bytes(len(rows[0]))
    for row, kind in zip(rows, filters, strict=True):
        out = bytearray()
        for i, value in enumerate(row):
            left = row[i - bpp] if i >= bpp else 0
            up, upper_left = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 0:
                predictor = 0
            elif kind == 1:
                predictor = left
            elif kind == 2:
                predictor = up
            elif kind == 3:
                predictor = (left + up) >> 1
            else:
                p = left + up - upper_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else upper_left)
            out.append((value - predictor) & 0xFF)
        raw += bytes([kind]) + out
        previous = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")


def test_png_reader_undoes_every_filter_and_colour_type() -> None:
    rows = [bytes((x * 40 + y * 7) % 256 for x in range(5 * 3)) for y in range(5)]
    image = decode_png(_png(5, 5, 2, rows, [0, 1, 2, 3, 4], bpp=3))
    expected = b"".join(row[i : i + 3] + b"\xff" for row in rows for i in range(0, len(row), 3))
    assert image.rgba == expected
    rgba_rows = [bytes((x * 13 + y * 51) % 256 for x in range(4 * 4)) for y in range(4)]
    assert decode_png(_png(4, 4, 6, rgba_rows, [4, 3, 2, 1], bpp=4)).rgba == b"".join(rgba_rows)
    pixels = bytes(range(64)) * 4
    assert decode_png(encode_png(8, 8, pixels)).rgba == pixels


def test_icon_script_reproduces_the_committed_icons(tmp_path: Path) -> None:
    script = TEMPLATE_DIR / "make_icons.py"
    result = subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for name in ("color.png", "outline.png"):
        assert (tmp_path / name).read_bytes() == (TEMPLATE_DIR / name).read_bytes(), f"{name} differs: rerun make_icons.py"


def test_refuses_without_an_app_id(tmp_path: Path) -> None:
    code, output = run("teams-package", "--out", str(tmp_path / "x.zip"))
    assert code == 1
    assert "MICROSOFT_APP_ID" in output and "--app-id" in output
    assert not (tmp_path / "x.zip").exists()


@pytest.mark.parametrize("bad", ["innkjopsbot", "0b6f8a52-3c1d-4e8f-9a7b", "0b6f8a52-3c1d-4e8f-9a7b-2c4d6e8f0a1g"])
def test_refuses_an_app_id_that_is_not_a_guid(tmp_path: Path, bad: str) -> None:
    code, output = run("teams-package", "--out", str(tmp_path / "x.zip"), "--app-id", bad)
    assert code == 1
    assert f"'{bad}'" in output and "is not a GUID" in output
    assert not (tmp_path / "x.zip").exists()


def test_refuses_bad_teams_settings_naming_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INNKJOPSBOT_TEAMS_VALID_DOMAINS", "https://innkjopsbot.example.no/api")
    monkeypatch.setenv("INNKJOPSBOT_TEAMS_PRIVACY_URL", "http://insecure.example.no/privacy")
    monkeypatch.setenv("INNKJOPSBOT_TEAMS_DEVELOPER_NAME", "Lørenskog kommune, innkjøpsseksjonen i økonomi")
    code, output = run("teams-package", "--out", str(tmp_path / "x.zip"), "--app-id", APP_ID, "--version", "1.0")
    assert code == 1
    assert "INNKJOPSBOT_TEAMS_VALID_DOMAINS entry 'https://innkjopsbot.example.no/api' is not a host name" in output
    assert "INNKJOPSBOT_TEAMS_PRIVACY_URL 'http://insecure.example.no/privacy' is not an https:// address" in output
    assert "INNKJOPSBOT_TEAMS_DEVELOPER_NAME is 46 characters; Teams allows 32" in output
    assert "version '1.0'" in output


def test_json_output_and_reproducible_zip(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    code, output = run("teams-package", "--json", "--out", str(first), "--app-id", APP_ID)
    assert code == 0, output
    report = json.loads(output)
    assert report["files"] == list(PACKAGE_FILES)
    assert report["schema_validated"] is True and report["manifest_version"] == "1.30"
    assert report["size_bytes"] == first.stat().st_size
    build_package(PackageConfig(bot_id=APP_ID), second)
    assert first.read_bytes() == second.read_bytes()


def test_template_with_an_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    template_dir = tmp_path / "teams"
    template_dir.mkdir()
    for path in TEMPLATE_DIR.iterdir():
        if path.is_file():
            (template_dir / path.name).write_bytes(path.read_bytes())
    manifest = json.loads((TEMPLATE_DIR / "manifest.template.json").read_text(encoding="utf-8"))
    manifest["developer"]["mpnId"] = "${MPN_ID}"
    (template_dir / "manifest.template.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(PackageError, match="unknown placeholder.*MPN_ID"):
        build_package(PackageConfig(bot_id=APP_ID), tmp_path / "x.zip", template_dir)


def test_the_nynorsk_file_matches_the_bots_own_nynorsk(tmp_path: Path) -> None:
    """The app's example questions are the ones the welcome card offers a nynorsk user."""
    from agreements_sync.i18n import strings

    out, _manifest, _en = build(tmp_path, "--app-id", APP_ID)
    with zipfile.ZipFile(out) as archive:
        nynorsk = json.loads(archive.read("nn.json"))
    titles = [nynorsk[f"bots[0].commandLists[0].commands[{i}].title"] for i in range(3)]
    assert titles == [strings("bot").get(f"suggestion_{i}", "nn") for i in (1, 2, 3)]


def test_package_with_the_public_address_has_the_workspace_tab_and_its_sso_settings(tmp_path: Path) -> None:
    config = PackageConfig(bot_id=APP_ID, public_base_url="https://innkjopsbot.lorenskog.example", valid_domains=("other.example",))
    report = build_package(config, tmp_path / "app.zip")
    assert report.schema_validated
    with zipfile.ZipFile(tmp_path / "app.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
        en = json.loads(archive.read("en.json"))
        nn = json.loads(archive.read("nn.json"))
    [tab] = manifest["staticTabs"]
    assert tab["contentUrl"] == "https://innkjopsbot.lorenskog.example/workspace?locale={locale}"
    assert tab["websiteUrl"] == "https://innkjopsbot.lorenskog.example/workspace" and tab["scopes"] == ["personal"]
    assert manifest["webApplicationInfo"] == {"id": APP_ID, "resource": f"api://innkjopsbot.lorenskog.example/{APP_ID}"}
    assert manifest["validDomains"] == ["other.example", "innkjopsbot.lorenskog.example"]  # the tab's host must be valid
    assert en["staticTabs[0].name"] == "Procurement section" and nn["staticTabs[0].name"] == "Innkjøpsseksjonen"
    assert schema_problems(manifest, MANIFEST_SCHEMA) == []
    assert schema_problems(en, LOCALIZATION_SCHEMA) == []

    own_uri = PackageConfig(bot_id=APP_ID, public_base_url="https://bot.example", sso_app_id_uri=f"api://bot.example/{APP_ID}/")
    assert render_manifest(own_uri)["webApplicationInfo"]["resource"] == f"api://bot.example/{APP_ID}"


def test_package_without_the_public_address_leaves_the_tab_out_and_says_so(tmp_path: Path) -> None:
    report = build_package(PackageConfig(bot_id=APP_ID), tmp_path / "app.zip")
    with zipfile.ZipFile(tmp_path / "app.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
        en = json.loads(archive.read("en.json"))
    assert "staticTabs" not in manifest and "webApplicationInfo" not in manifest
    assert not any(key.startswith("staticTabs") for key in en)
    assert any("INNKJOPSBOT_PUBLIC_BASE_URL" in note for note in report.notes)


def test_workspace_address_must_be_https() -> None:
    with pytest.raises(PackageError) as refused:
        render_manifest(PackageConfig(bot_id=APP_ID, public_base_url="http://bot.example"))
    assert "INNKJOPSBOT_PUBLIC_BASE_URL 'http://bot.example' is not an https:// address" in str(refused.value)
    with pytest.raises(PackageError, match="must start with api://"):
        render_manifest(PackageConfig(bot_id=APP_ID, public_base_url="https://bot.example", sso_app_id_uri="https://bot.example"))
