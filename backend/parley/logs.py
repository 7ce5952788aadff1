"""Log configuration for `parley serve`: readable text by default, one JSON object per line with LOG_FORMAT=json.

Policy: LOG_LEVEL applies to Parley's own loggers only; every library logger stays at INFO or above, because at
DEBUG some of them print what must never reach a log (aiosqlite prints every statement's arguments: message
bodies, session ids). Parley's own code never logs a password, cookie, session id or message body, at any level
(tests/test_logs.py sends such values and greps every line).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, Literal

from parley.web import request_ids

LogFormat = Literal["text", "json"]
# The floor for libraries' loggers, whatever LOG_LEVEL says.
LIBRARY_FLOOR = logging.INFO


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, and request_id, user_id, client when the line belongs to a request."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, var in (
            ("request_id", request_ids.request_id),
            ("user_id", request_ids.user_id),
            ("client", request_ids.client),
        ):
            value = var.get()
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = request_ids.request_id.get()
        return f"{line} [{rid}]" if rid is not None else line


def configure(level: str, fmt: LogFormat) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    own = logging.getLevelName(level)
    root.setLevel(max(own, LIBRARY_FLOOR))
    logging.getLogger("parley").setLevel(own)
