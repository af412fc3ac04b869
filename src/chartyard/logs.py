"""Structured JSON logging that never prints secrets."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

_SECRET_KEYS = re.compile(r"(password|secret|token|authorization|apikey|api_key|key)$", re.I)
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# uvicorn adds an ANSI-coloured copy of its message; JSON lines carry the plain one only.
_DROPPED = frozenset({"color_message"})


def _scrub(value: Any, key: str = "") -> Any:
    if key and _SECRET_KEYS.search(key):
        return "[redacted]"
    if isinstance(value, dict):
        return {k: _scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    """Format records as one JSON object per line, with extras and redaction."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as JSON."""
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in _DROPPED and not key.startswith("_"):
                payload[key] = _scrub(value, key)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def resolve_format(fmt: str | None) -> str:
    """Return `json` or `text`: as configured, else text on a terminal and JSON otherwise."""
    if fmt:
        return fmt
    return "text" if sys.stderr.isatty() else "json"


# Libraries whose INFO lines are noise at a normal start (alembic's plugin setup, uvicorn's
# banner): WARNING unless the operator asks for DEBUG.
_LIBRARIES = ("alembic", "uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "asyncio",
              "multipart", "python_multipart", "watchfiles")
# These stay at WARNING even at DEBUG: httpx logs full URLs, botocore's DEBUG output holds
# response bodies with tokens among them.
_ALWAYS_QUIET = ("httpx", "httpcore", "botocore", "boto3", "urllib3", "s3transfer")


def configure_logging(level: str = "INFO", fmt: str | None = None) -> None:
    """Install one stderr handler: chartyard at `level`, third-party libraries at WARNING.

    At DEBUG the libraries of ``_LIBRARIES`` log at INFO too, so an operator chasing a
    problem sees uvicorn's and alembic's own lines; the secret-bearing ones never get louder.
    """
    handler = logging.StreamHandler(sys.stderr)
    if resolve_format(fmt) == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    own = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("chartyard").setLevel(own)
    libraries = logging.INFO if own <= logging.DEBUG else logging.WARNING
    for name in _LIBRARIES:
        logging.getLogger(name).setLevel(libraries)
    for name in _ALWAYS_QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
