"""Structured logs: ``KENTMASA_LOG_FORMAT=json`` writes one JSON object per line (journald, Loki, ELK).

Every line carries ``request_id`` (and ``task_id`` in the worker) from kentmasa.ops.requestid's filter.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

_SKIP = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id", "task_id"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
        }
        task = getattr(record, "task_id", "")
        if task:
            line["task_id"] = task
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        # Whatever a caller passed in ``extra=`` (simple values only; the rest as text).
        for key, value in record.__dict__.items():
            if key not in _SKIP and not key.startswith("_"):
                line[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        return json.dumps(line, ensure_ascii=False)


def logging_config(fmt: str, level: str) -> dict:
    """The LOGGING setting: plain lines as before (the message only), or JSON lines with the ids."""
    formatter = {"()": "kentmasa.ops.logs.JsonFormatter"} if fmt == "json" else {"format": "%(message)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "kentmasa.ops.requestid.ContextFilter"}},
        "formatters": {"main": formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": "main"}
        },
        "root": {"handlers": ["console"], "level": level},
    }
