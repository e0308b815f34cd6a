"""The Teams app package: manifest from a template, icons checked, a zip ready to upload.

The template and the texts live in `deploy/teams/` (data, not code): `manifest.template.json`
holds the manifest with the Norwegian (bokmål, the default language) texts and `${NAME}`
placeholders for everything that comes from configuration; `en.template.json` and
`nn.template.json` hold the English and nynorsk texts (Teams localization files). The ids, version, developer and valid domains come from the
settings (`INNKJOPSBOT_TEAMS_*`, `MICROSOFT_APP_ID`).

The manifest schema is vendored in `deploy/teams/schema/` (see its SOURCE.md), so the manifest
is validated offline. The icons are checked here (size, colour type, outline white on
transparent) with a small PNG reader, so that a redrawn icon that Teams would reject is caught
before upload.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "deploy" / "teams"
MANIFEST_TEMPLATE = "manifest.template.json"
LOCALIZATION_TEMPLATES = {"en": "en.template.json", "nn": "nn.template.json"}
ICONS = {"color": ("color.png", 192), "outline": ("outline.png", 32)}
MANIFEST_SCHEMA = "schema/MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA = "schema/MicrosoftTeams.Localization.schema.json"
PACKAGE_FILES = ("manifest.json", "en.json", "nn.json", "color.png", "outline.png")
DEFAULT_OUT = Path("deploy/build/innkjopsbot-teams.zip")

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
SEMVER_RE = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
HOST_RE = re.compile(r"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:[0-9]{1,5})?$")
PLACEHOLDER_RE = re.compile(r"\$\{([A-Z_]+)\}")
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # same bytes for the same input: the zip is reproducible


class PackageError(Exception):
    """The package cannot be built; the message lists every problem in plain words."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageConfig:
    """Everything in the manifest that differs between installations."""

    bot_id: str
    teams_app_id: str = ""
    version: str = "1.0.0"
    developer_name: str = "Lørenskog kommune"
    website_url: str = "https://www.lorenskog.kommune.no"
    privacy_url: str = ""
    terms_url: str = ""
    valid_domains: tuple[str, ...] = ()
    public_base_url: str = ""  # the bot's https address: with it, the workspace tab (staticTabs + SSO) is in the package
    sso_app_id_uri: str = ""  # the Entra app's Application ID URI; empty = api://<public host>/<bot id>

    @property
    def app_id(self) -> str:
        """The Teams app id: its own setting, else the bot's Entra app id."""
        return self.teams_app_id or self.bot_id

    @property
    def public_host(self) -> str:
        return (urlsplit(self.public_base_url).hostname or "") if self.public_base_url else ""

    @property
    def sso_resource(self) -> str:
        return self.sso_app_id_uri.rstrip("/") or (f"api://{self.public_host}/{self.bot_id}" if self.public_host else "")

    @property
    def with_workspace(self) -> bool:
        return bool(self.public_host)


def config_from_settings(settings: Any, *, app_id: str | None = None, version: str | None = None) -> PackageConfig:
    """The package configuration from `bot.settings.Settings`, with command-line overrides."""
    return PackageConfig(
        bot_id=(app_id if app_id is not None else settings.app_id).strip(),
        teams_app_id=settings.teams_app_id.strip(),
        version=(version or settings.teams_app_version).strip(),
        developer_name=settings.teams_developer_name.strip(),
        website_url=settings.teams_website_url.strip(),
        privacy_url=settings.teams_privacy_url.strip(),
        terms_url=settings.teams_terms_url.strip(),
        valid_domains=tuple(settings.teams_valid_domains),
        public_base_url=getattr(settings, "public_base_url", "").strip(),
        sso_app_id_uri=getattr(settings, "sso_app_id_uri", "").strip(),
    )


def config_problems(config: PackageConfig) -> list[str]:
    """Every reason the configuration cannot go into a manifest (empty list: fine)."""
    problems: list[str] = []
    if not config.bot_id:
        problems.append(
            "no bot app id: set MICROSOFT_APP_ID to the Entra app (client) id of the bot, or pass --app-id"
        )
    elif not GUID_RE.match(config.bot_id):
        problems.append(
            f"the bot app id {config.bot_id!r} (MICROSOFT_APP_ID / --app-id) is not a GUID "
            "like 0b6f8a52-3c1d-4e8f-9a7b-2c4d6e8f0a1b"
        )
    if config.teams_app_id and not GUID_RE.match(config.teams_app_id):
        problems.append(f"INNKJOPSBOT_TEAMS_APP_ID {config.teams_app_id!r} is not a GUID")
    if not SEMVER_RE.match(config.version):
        problems.append(f"version {config.version!r} (INNKJOPSBOT_TEAMS_APP_VERSION / --version) is not of the form 1.2.3")
    if not config.developer_name:
        problems.append("INNKJOPSBOT_TEAMS_DEVELOPER_NAME is empty")
    elif len(config.developer_name) > 32:
        problems.append(f"INNKJOPSBOT_TEAMS_DEVELOPER_NAME is {len(config.developer_name)} characters; Teams allows 32")
    for name, url in (
        ("INNKJOPSBOT_TEAMS_WEBSITE_URL", config.website_url),
        ("INNKJOPSBOT_TEAMS_PRIVACY_URL", config.privacy_url),
        ("INNKJOPSBOT_TEAMS_TERMS_URL", config.terms_url),
    ):
        if url and not _is_https_url(url):
            problems.append(f"{name} {url!r} is not an https:// address")
    if not config.website_url:
        problems.append("INNKJOPSBOT_TEAMS_WEBSITE_URL is empty")
    if config.public_base_url and not _is_https_url(config.public_base_url):
        problems.append(
            f"INNKJOPSBOT_PUBLIC_BASE_URL {config.public_base_url!r} is not an https:// address (Teams opens tabs only over https)"
        )
    if config.sso_app_id_uri and not config.sso_app_id_uri.startswith("api://"):
        problems.append(f"INNKJOPSBOT_SSO_APP_ID_URI {config.sso_app_id_uri!r} must start with api:// (the Entra app's Application ID URI)")
    for domain in config.valid_domains:
        if not HOST_RE.match(domain):
            problems.append(
                f"INNKJOPSBOT_TEAMS_VALID_DOMAINS entry {domain!r} is not a host name "
                "(write innkjopsbot.example.no, without https:// or a path)"
            )
    return problems


def _is_https_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.netloc)


def placeholder_values(config: PackageConfig) -> dict[str, Any]:
    return {
        "VERSION": config.version,
        "TEAMS_APP_ID": config.app_id,
        "BOT_ID": config.bot_id,
        "DEVELOPER_NAME": config.developer_name,
        "WEBSITE_URL": config.website_url,
        "PRIVACY_URL": config.privacy_url or config.website_url,
        "TERMS_URL": config.terms_url or config.website_url,
        "VALID_DOMAINS": list(dict.fromkeys([*config.valid_domains, *([config.public_host] if config.public_host else [])])),
        "WORKSPACE_URL": config.public_base_url.rstrip("/") + "/workspace" if config.with_workspace else "https://localhost/workspace",
        "SSO_RESOURCE": config.sso_resource or "api://localhost/" + config.bot_id,
    }


# --- manifest --------------------------------------------------------------------------------


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackageError([f"{path}: file not found"]) from None
    except json.JSONDecodeError as exc:
        raise PackageError([f"{path}: line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}"]) from None


def fill_placeholders(template: Any, values: dict[str, Any]) -> Any:
    """A copy of the template with each `${NAME}` replaced; a string that is only a
    placeholder may become a list (validDomains). Unknown placeholders are an error."""
    missing: set[str] = set()

    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: fill(value) for key, value in node.items()}
        if isinstance(node, list):
            return [fill(value) for value in node]
        if isinstance(node, str):
            whole = PLACEHOLDER_RE.fullmatch(node)
            if whole and whole.group(1) in values:
                return copy.deepcopy(values[whole.group(1)])

            def one(match: re.Match[str]) -> str:
                name = match.group(1)
                if name not in values or not isinstance(values[name], str):
                    missing.add(name)
                    return match.group(0)
                return values[name]

            return PLACEHOLDER_RE.sub(one, node)
        return node

    result = fill(template)
    if missing:
        raise PackageError([f"the manifest template uses unknown placeholder(s): {', '.join(sorted(missing))}"])
    return result


def render_manifest(config: PackageConfig, template_dir: Path = TEMPLATE_DIR) -> dict[str, Any]:
    problems = config_problems(config)
    if problems:
        raise PackageError(problems)
    template = load_json(template_dir / MANIFEST_TEMPLATE)
    manifest = fill_placeholders(template, placeholder_values(config))
    if not config.with_workspace:  # the tab needs the bot's public https address: left out without it
        manifest.pop("staticTabs", None)
        manifest.pop("webApplicationInfo", None)
    return manifest


def localization_files(template_dir: Path = TEMPLATE_DIR) -> dict[str, dict[str, Any]]:
    """Package file name -> content of each additional language file."""
    return {f"{tag}.json": load_json(template_dir / name) for tag, name in LOCALIZATION_TEMPLATES.items()}


def localizable_strings(manifest: dict[str, Any]) -> dict[str, str]:
    """The manifest's user-facing strings under the keys a Teams localization file uses."""
    keys: dict[str, str] = {}
    for part in ("name", "description"):
        for sub in ("short", "full"):
            if sub in manifest.get(part, {}):
                keys[f"{part}.{sub}"] = manifest[part][sub]
    for t, tab in enumerate(manifest.get("staticTabs", [])):
        if "name" in tab:
            keys[f"staticTabs[{t}].name"] = tab["name"]
    for b, bot in enumerate(manifest.get("bots", [])):
        for li, command_list in enumerate(bot.get("commandLists", [])):
            for c, command in enumerate(command_list.get("commands", [])):
                for sub in ("title", "description"):
                    if sub in command:
                        keys[f"bots[{b}].commandLists[{li}].commands[{c}].{sub}"] = command[sub]
    for e, extension in enumerate(manifest.get("composeExtensions", [])):
        for c, command in enumerate(extension.get("commands", [])):
            for sub in ("title", "description"):
                if sub in command:
                    keys[f"composeExtensions[{e}].commands[{c}].{sub}"] = command[sub]
            for p, parameter in enumerate(command.get("parameters", [])):
                for sub in ("title", "description"):
                    if sub in parameter:
                        keys[f"composeExtensions[{e}].commands[{c}].parameters[{p}].{sub}"] = parameter[sub]
    return keys


def localization_problems(manifest: dict[str, Any], files: dict[str, dict[str, Any]]) -> list[str]:
    """Each declared language has its file, the file translates every string, names no other."""
    problems: list[str] = []
    declared = {item["file"]: item["languageTag"] for item in manifest.get("localizationInfo", {}).get("additionalLanguages", [])}
    if set(declared) != set(files):
        problems.append(f"localizationInfo declares {sorted(declared)} but the package has {sorted(files)}")
    wanted = set(localizable_strings(manifest))
    for name, content in files.items():
        keys = {key for key in content if key != "$schema"}
        for key in sorted(wanted - keys):
            problems.append(f"{name}: no translation for {key}")
        for key in sorted(keys - wanted):
            problems.append(f"{name}: {key} does not exist in the manifest")
        if content.get("$schema", "").replace("MicrosoftTeams.Localization.schema.json", "") != manifest.get(
            "$schema", ""
        ).replace("MicrosoftTeams.schema.json", ""):
            problems.append(f"{name}: its $schema version differs from the manifest's")
    return problems


def schema_problems(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Validation errors against a vendored JSON schema, each with the JSON path.

    Needs `jsonschema` (a dev dependency); raises ImportError without it.
    """
    import jsonschema

    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema)
    problems = []
    for error in sorted(validator.iter_errors(instance), key=lambda err: list(err.absolute_path)):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        problems.append(f"{where or '(root)'}: {error.message}")
    # draft-04 has no "const": check the manifest version the schema pins ourselves.
    pinned = schema.get("properties", {}).get("manifestVersion", {}).get("const")
    if pinned is not None and isinstance(instance, dict) and instance.get("manifestVersion") != pinned:
        problems.append(f"manifestVersion: {instance.get('manifestVersion')!r} is not {pinned!r}")
    return problems


# --- PNG -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    """Decoded 8-bit RGBA pixels, row by row."""

    width: int
    height: int
    rgba: bytes
    color_type: int

    def pixel(self, x: int, y: int) -> tuple[int, int, int, int]:
        i = (y * self.width + x) * 4
        return self.rgba[i], self.rgba[i + 1], self.rgba[i + 2], self.rgba[i + 3]

    def pixels(self) -> Iterable[tuple[int, int, int, int]]:
        data = self.rgba
        for i in range(0, len(data), 4):
            yield data[i], data[i + 1], data[i + 2], data[i + 3]


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode_png(width: int, height: int, rgba: bytes) -> bytes:
    """8-bit RGBA PNG, no filtering, maximum compression: deterministic bytes."""
    if len(rgba) != width * height * 4:
        raise ValueError("rgba must hold width*height*4 bytes")
    stride = width * 4
    raw = b"".join(b"\x00" + rgba[y * stride : (y + 1) * stride] for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def decode_png(data: bytes, name: str = "image") -> Image:
    """Decode a non-interlaced 8-bit PNG (grey, RGB, palette, grey+alpha, RGBA) to RGBA."""
    if not data.startswith(PNG_SIGNATURE):
        raise PackageError([f"{name}: not a PNG file"])
    pos, header, idat, palette, transparency = 8, b"", bytearray(), b"", b""
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"PLTE":
            palette = body
        elif kind == b"tRNS":
            transparency = body
        elif kind == b"IEND":
            break
    if len(header) != 13:
        raise PackageError([f"{name}: PNG without a valid IHDR chunk"])
    width, height, depth, color_type, _compression, _filter, interlace = struct.unpack(">IIBBBBB", header)
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(color_type)
    if depth != 8 or channels is None or interlace != 0:
        raise PackageError([f"{name}: only non-interlaced 8-bit PNGs are supported (bit depth {depth}, colour type {color_type})"])
    try:
        raw = zlib.decompress(bytes(idat))
    except zlib.error as exc:
        raise PackageError([f"{name}: corrupt image data ({exc})"]) from None
    stride = width * channels
    if len(raw) != height * (stride + 1):
        raise PackageError([f"{name}: image data has the wrong length"])
    rows = _unfilter(raw, height, stride, channels)
    return Image(width, height, _to_rgba(rows, color_type, palette, transparency), color_type)


def _unfilter(raw: bytes, height: int, stride: int, bpp: int) -> bytes:
    out = bytearray(height * stride)
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                upper_left = previous[i - bpp] if i >= bpp else 0
                p = left + up - upper_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else upper_left)
                line[i] = (line[i] + predictor) & 0xFF
        out[y * stride : (y + 1) * stride] = line
        previous = line
    return bytes(out)


def _to_rgba(rows: bytes, color_type: int, palette: bytes, transparency: bytes) -> bytes:
    if color_type == 6:
        return rows
    out = bytearray()
    if color_type == 2:
        for i in range(0, len(rows), 3):
            out += rows[i : i + 3] + b"\xff"
    elif color_type == 0:
        for value in rows:
            out += bytes((value, value, value, 255))
    elif color_type == 4:
        for i in range(0, len(rows), 2):
            out += bytes((rows[i], rows[i], rows[i], rows[i + 1]))
    else:  # palette
        for index in rows:
            rgb = palette[index * 3 : index * 3 + 3] or b"\x00\x00\x00"
            alpha = transparency[index] if index < len(transparency) else 255
            out += rgb + bytes((alpha,))
    return bytes(out)


def icon_problems(color_png: bytes, outline_png: bytes) -> list[str]:
    """Teams' rules: color 192×192 full colour; outline 32×32, white on a transparent background."""
    problems: list[str] = []
    try:
        color = decode_png(color_png, "color.png")
        if (color.width, color.height) != (192, 192):
            problems.append(f"color.png is {color.width}×{color.height}; Teams wants 192×192")
    except PackageError as exc:
        problems.extend(exc.problems)
    try:
        outline = decode_png(outline_png, "outline.png")
        if (outline.width, outline.height) != (32, 32):
            problems.append(f"outline.png is {outline.width}×{outline.height}; Teams wants 32×32")
        alphas = [a for (_r, _g, _b, a) in outline.pixels()]
        if min(alphas) != 0:
            problems.append("outline.png has no transparent pixels; its background must be transparent")
        if max(alphas) == 0:
            problems.append("outline.png is fully transparent; it needs a white symbol")
        coloured = sum(1 for (r, g, b, a) in outline.pixels() if a > 0 and (r, g, b) != (255, 255, 255))
        if coloured:
            problems.append(f"outline.png has {coloured} visible pixels that are not white; Teams wants white only")
    except PackageError as exc:
        problems.extend(exc.problems)
    return problems


# --- the package -----------------------------------------------------------------------------


@dataclass
class PackageReport:
    path: Path
    size_bytes: int
    sha256: str
    files: list[str]
    app_id: str
    bot_id: str
    version: str
    manifest_version: str
    valid_domains: list[str]
    schema_validated: bool
    notes: list[str] = field(default_factory=list)  # English, in --json
    note_keys: list[str] = field(default_factory=list)  # the same notes as `cli` message keys (package_note.<key>)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "files": self.files,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "version": self.version,
            "manifest_version": self.manifest_version,
            "valid_domains": self.valid_domains,
            "schema_validated": self.schema_validated,
            "notes": self.notes,
        }


def package_contents(config: PackageConfig, template_dir: Path = TEMPLATE_DIR) -> dict[str, bytes]:
    """File name -> bytes of everything that goes into the zip, after every check passed."""
    manifest = render_manifest(config, template_dir)
    languages = localization_files(template_dir)
    if "staticTabs" not in manifest:  # the workspace tab is left out: so are its translations
        languages = {name: {k: v for k, v in content.items() if not k.startswith("staticTabs[")} for name, content in languages.items()}
    problems = localization_problems(manifest, languages)
    icons = {}
    for _kind, (file_name, _size) in ICONS.items():
        path = template_dir / file_name
        if not path.exists():
            problems.append(f"{path}: icon not found")
        else:
            icons[file_name] = path.read_bytes()
    if len(icons) == len(ICONS):
        problems.extend(icon_problems(icons["color.png"], icons["outline.png"]))
    if manifest.get("icons") != {kind: name for kind, (name, _size) in ICONS.items()}:
        problems.append("manifest icons must name color.png and outline.png")
    if problems:
        raise PackageError(problems)
    contents = {"manifest.json": _json_bytes(manifest)}
    contents.update({name: _json_bytes(content) for name, content in languages.items()})
    contents.update(icons)
    return contents


def validate_against_schemas(contents: dict[str, bytes], template_dir: Path = TEMPLATE_DIR) -> list[str]:
    """Schema errors of the manifest and each language file (ImportError without jsonschema)."""
    problems = [f"manifest.json: {p}" for p in schema_problems(json.loads(contents["manifest.json"]), load_json(template_dir / MANIFEST_SCHEMA))]
    localization_schema = load_json(template_dir / LOCALIZATION_SCHEMA)
    for name in contents:
        if name.endswith(".json") and name != "manifest.json":
            problems += [f"{name}: {p}" for p in schema_problems(json.loads(contents[name]), localization_schema)]
    return problems


def _json_bytes(content: Any) -> bytes:
    return (json.dumps(content, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def zip_bytes(contents: dict[str, bytes]) -> bytes:
    """A reproducible zip: files at the root, fixed order and timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in PACKAGE_FILES:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, contents[name])
    return buffer.getvalue()


def build_package(config: PackageConfig, out: Path = DEFAULT_OUT, template_dir: Path = TEMPLATE_DIR) -> PackageReport:
    """Check everything, validate against the vendored schemas and write the zip."""
    contents = package_contents(config, template_dir)
    if set(contents) != set(PACKAGE_FILES):
        raise PackageError([f"the package would hold {sorted(contents)}, expected {sorted(PACKAGE_FILES)}"])
    notes: list[str] = []
    note_keys: list[str] = []
    if not config.with_workspace:
        notes.append("no workspace tab: set INNKJOPSBOT_PUBLIC_BASE_URL to the bot's https address to include it (staticTabs, SSO)")
        note_keys.append("no_workspace")
    try:
        problems = validate_against_schemas(contents, template_dir)
        validated = True
    except ImportError:
        problems, validated = [], False
        notes.append("schema validation skipped: the jsonschema package is not installed (pip install -e '.[dev]')")
        note_keys.append("no_schema_validation")
    if problems:
        raise PackageError(problems)
    data = zip_bytes(contents)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    manifest = json.loads(contents["manifest.json"])
    return PackageReport(
        path=out,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        files=list(PACKAGE_FILES),
        app_id=manifest["id"],
        bot_id=manifest["bots"][0]["botId"],
        version=manifest["version"],
        manifest_version=manifest["manifestVersion"],
        valid_domains=manifest.get("validDomains", []),
        schema_validated=validated,
        notes=notes,
        note_keys=note_keys,
    )
