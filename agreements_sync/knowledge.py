"""The one loader for `knowledge/`: domain content as data (YAML), validated when read.

`bot` and `agreements_sync` both read knowledge files only through this module. A file that is
missing, is not valid YAML or does not match its schema raises `KnowledgeError` naming the file
and the field, so a bad edit by the procurement section is caught at start-up and in the tests.

The folder is `knowledge/` beside the packages, or `INNKJOPSBOT_KNOWLEDGE_DIR`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from agreements_sync.limits import MAX_KNOWLEDGE_FILE_BYTES

T = TypeVar("T", bound=BaseModel)

class KnowledgeError(Exception):
    """A knowledge file is missing or invalid."""


def knowledge_dir() -> Path:
    override = os.environ.get("INNKJOPSBOT_KNOWLEDGE_DIR")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "knowledge"


def knowledge_path(relative: str) -> Path:
    return knowledge_dir() / relative


@lru_cache(maxsize=256)
def _read_yaml(path: Path, mtime_ns: int) -> Any:  # mtime in the key: an edited file is re-read
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: not valid YAML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise KnowledgeError(
            f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start}); save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def load_yaml(relative: str | Path) -> Any:
    """Raw YAML content of a knowledge file (relative to the knowledge folder, or absolute)."""
    path = Path(relative)
    if not path.is_absolute():
        path = knowledge_path(str(relative))
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise KnowledgeError(f"{path}: knowledge file not found") from None
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if path.is_dir():
        raise KnowledgeError(f"{path}: is a folder, not a YAML file")
    if not path.is_file():
        raise KnowledgeError(f"{path}: is not a regular file (a device or a pipe), not a YAML file")
    if stat.st_size > MAX_KNOWLEDGE_FILE_BYTES:
        raise KnowledgeError(f"{path}: larger than {MAX_KNOWLEDGE_FILE_BYTES // (1024 * 1024)} MB; not a knowledge file")
    return _read_yaml(path, stat.st_mtime_ns)


def load_model(relative: str | Path, model: type[T]) -> T:
    """A knowledge file validated against a pydantic model; errors name the file and field."""
    data = load_yaml(relative)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}" for err in exc.errors()
        )
        raise KnowledgeError(f"{relative}: {problems}") from None
