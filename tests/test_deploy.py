"""The container image's definition and entry command, tested outside a container.

No Docker engine or container registry is reachable here, so the image itself is not built; these
tests check what can be checked: the Dockerfile copies what the app needs and runs as non-root,
the environment example lists every setting, and deploy/entrypoint.sh really migrates and serves.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.db import Database
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
ENV_EXAMPLE = ROOT / "deploy" / ".env.example"
BIN = Path(sys.executable).parent
# read by agreements_sync.knowledge, not a Settings field
EXTRA_VARIABLES = {"INNKJOPSBOT_KNOWLEDGE_DIR"}


def env_name(name: str, field) -> str:
    alias = field.validation_alias
    if alias is not None and hasattr(alias, "choices"):
        return str(alias.choices[0])
    return f"INNKJOPSBOT_{name.upper()}"


def env_example_entries() -> dict[str, str]:
    """NAME -> the comment line right above it."""
    entries: dict[str, str] = {}
    previous = ""
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=", line)
        if match:
            entries[match.group(1)] = previous
        previous = line
    return entries


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    logical, current = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not current):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    result = []
    for line in logical:
        instruction, _, arguments = line.partition(" ")
        result.append((instruction.upper(), arguments.strip()))
    return result


def test_env_example_lists_every_setting_with_an_explanation() -> None:
    entries = env_example_entries()
    expected = {env_name(name, field) for name, field in Settings.model_fields.items()}
    missing = sorted(expected - set(entries))
    assert not missing, f"deploy/.env.example lacks {missing}"
    unknown = sorted(set(entries) - expected - EXTRA_VARIABLES)
    assert not unknown, f"deploy/.env.example names settings that do not exist: {unknown}"
    for name, comment in entries.items():
        assert comment.startswith("# ") and len(comment) > 12, f"{name} needs a one-line explanation above it"


def test_env_example_is_a_valid_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("INNKJOPSBOT_", "MICROSOFT_APP_")):
            monkeypatch.delenv(name)
    settings = Settings(_env_file=ENV_EXAMPLE)
    assert settings.database_url.startswith("postgresql://")
    assert settings.app_id and settings.app_password and settings.app_tenant_id
    assert settings.sync_cron == "15 2 * * *"
    assert settings.job_schedules == {} and settings.retention_overrides == {}


def test_dockerfile_is_multi_stage_pinned_slim_and_non_root() -> None:
    instructions = dockerfile_instructions()
    stages = [args for instruction, args in instructions if instruction == "FROM"]
    assert len(stages) == 2 and stages[0].endswith("AS builder") and stages[1].endswith("AS runtime")
    arg_lines = [args for instruction, args in instructions if instruction == "ARG"]
    assert "PYTHON_IMAGE=python:3.11-slim" in arg_lines
    runs = " ".join(args for instruction, args in instructions if instruction == "RUN")
    assert "--require-hashes" in runs and "-r requirements.lock" in runs
    assert "pip install --no-deps ." in runs
    users = [args for instruction, args in instructions if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    runtime = instructions[[i for i, (ins, _a) in enumerate(instructions) if ins == "FROM"][1]:]
    assert not any(ins == "RUN" and "pip install" in args for ins, args in runtime), "no installs in the runtime stage"
    healthcheck = next(args for instruction, args in instructions if instruction == "HEALTHCHECK")
    assert "/healthz" in healthcheck and "urllib.request" in healthcheck and "curl" not in healthcheck
    entrypoint = next(args for instruction, args in instructions if instruction == "ENTRYPOINT")
    assert "entrypoint.sh" in entrypoint


def test_dockerfile_copies_what_the_app_needs_and_it_is_in_the_build_context() -> None:
    instructions = dockerfile_instructions()
    copies = []
    for instruction, args in instructions:
        if instruction != "COPY" or "--from=" in args:
            continue
        parts = [part for part in shlex.split(args) if not part.startswith("--")]
        copies += parts[:-1]
    for needed in ("requirements.lock", "pyproject.toml", "bot", "agreements_sync", "knowledge", "demo",
                   "deploy/entrypoint.sh"):
        assert needed in copies, f"the image must contain {needed}"
    ignored = [line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    for source in copies:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
        assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), f"COPY {source} is .dockerignored"
    env = " ".join(args for instruction, args in instructions if instruction == "ENV")
    assert "INNKJOPSBOT_KNOWLEDGE_DIR=/app/knowledge" in env and "WORKDIR" in {i for i, _ in instructions}


def test_entrypoint_is_valid_sh_and_runs_other_commands(tmp_path: Path) -> None:
    subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=True)
    assert os.access(ENTRYPOINT, os.X_OK)
    url = f"sqlite:///{tmp_path / 'entry.db'}"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "INNKJOPSBOT_DATABASE_URL": url}
    done = subprocess.run(["sh", str(ENTRYPOINT), "migrate"], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert Database(url).schema_revision() == Database.head_revision()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited early with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def _run_entrypoint(tmp_path: Path, url: str, **extra_env: str) -> tuple[int, str]:
    """Start deploy/entrypoint.sh with no arguments, wait for /healthz, stop it: (status, log)."""
    port = _free_port()
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "INNKJOPSBOT_DATABASE_URL": url,
        "PORT": str(port),
        "INNKJOPSBOT_HOST": "127.0.0.1",
        "INNKJOPSBOT_SCHEDULER_ENABLED": "false",
        "MICROSOFT_APP_ID": "",
        "MICROSOFT_APP_PASSWORD": "",
        **extra_env,
    }
    log_path = tmp_path / f"server-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(["sh", str(ENTRYPOINT)], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            status = _wait_for(f"http://127.0.0.1:{port}/healthz", process)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    text = log_path.read_text(errors="replace")
    assert process.returncode in (0, -signal.SIGTERM, 143), text[-2000:]
    return status, text


def test_entrypoint_migrates_and_serves_healthz(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    status, _log = _run_entrypoint(tmp_path, url)
    assert status == 200
    assert Database(url).schema_revision() == Database.head_revision()  # migrated before serving


def test_entrypoint_honours_migrate_on_start_false(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no-migrate.db'}"
    status, log = _run_entrypoint(tmp_path, url, INNKJOPSBOT_MIGRATE_ON_START="false")
    assert status == 200  # alive; readiness would report the missing schema
    assert "not migrating" in log
    assert Database(url).schema_revision() is None


# imported only by tools run from a development checkout (dev extra), never in the image
DEV_ONLY_IMPORTS = {"jsonschema": "teams-package validates the manifest (run where the repo and dev extra are)"}


def test_every_third_party_import_is_in_the_lock_file_the_image_installs() -> None:
    """The image installs exactly requirements.lock: an import missing there breaks production only."""
    import ast
    import importlib.metadata

    modules: dict[str, str] = {}
    for package in ("bot", "agreements_sync"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    modules.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    third_party = {m: where for m, where in modules.items()
                   if m not in sys.stdlib_module_names and m not in {"bot", "agreements_sync", "__future__"}}
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8").lower()
    locked = {re.sub(r"[-_.]+", "-", m) for m in re.findall(r"^([a-z0-9][a-z0-9._-]*)==", lock, re.MULTILINE)}
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for module, where in sorted(third_party.items()):
        if module in DEV_ONLY_IMPORTS:
            continue
        names = {re.sub(r"[-_.]+", "-", d.lower()) for d in distributions.get(module, [module])}
        if not names & locked:
            missing.append(f"{module} (imported by {where}; add it to pyproject.toml dependencies and re-lock)")
    assert not missing, "not in requirements.lock: " + "; ".join(missing)
