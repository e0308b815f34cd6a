"""Structured logs: one JSON object per line, never the text a user typed.

`configure_logging(settings)` is called once by `create_app`/`serve`. Log calls pass context as
`extra={"fields": {...}}`; the formatter puts those fields at the top level of the JSON object.
Message texts, card contents and tokens are never logged — only kinds, ids of activities,
hashed user ids, durations and status codes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from typing import Any

_CONFIGURED_MARK = "_innkjopsbot_handler"


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "event", ...fields}`; exceptions as `exc` (type and message)."""

    def converter(self, timestamp: float | None) -> time.struct_time:
        return time.gmtime(timestamp)  # "ts" is UTC, whatever the server's time zone

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            payload.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            payload["exc"] = f"{record.exc_info[0].__name__}: {record.exc_info[1]}"
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict) and fields:
            base += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        return base


def configure_logging(level: str = "INFO", json_logs: bool = True) -> None:
    """Install one stderr handler on the root logger (idempotent: calling again replaces it)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _CONFIGURED_MARK, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _CONFIGURED_MARK, True)
    handler.setFormatter(JsonFormatter() if json_logs else TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    # The SDK logs activity texts at INFO/DEBUG in places; keep it to warnings.
    for noisy in ("microsoft_agents", "msal", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def pseudonym(value: str | None) -> str:
    """A short stable hash of a user id for logs (never the id itself)."""
    if not value:
        return ""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]


def log(logger: logging.Logger, level: int, event: str, **fields: Any) -> None:
    logger.log(level, event, extra={"fields": fields})
