"""Log lines for machines (one JSON object per line) or for people (plain text).

Every line carries the id of the HTTP request it was written for: the API's request middleware
sets the ``request_id`` context variable and the formatters read it, so a log call anywhere
under an endpoint needs no extra argument.
"""

from __future__ import annotations

import json as jsonlib
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's coloured copy of the message
    "request_id",  # written explicitly, from the record or the context variable
}
_TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The ``extra=`` fields of a log call, as they were passed."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


def request_id_of(record: logging.LogRecord) -> str | None:
    """The record's request id: one passed in ``extra=`` wins over the context variable."""
    explicit = getattr(record, "request_id", None)
    return str(explicit) if explicit else request_id.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON (newlines inside values are escaped)."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_of(record),
        }
        for key, value in extra_fields(record).items():
            entry.setdefault(key, value)  # an extra never hides one of the fields above
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: an extra that JSON cannot encode (UUID, datetime) still gets logged.
        return jsonlib.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The usual human line, with the request id and ``key=value`` extras appended."""

    def __init__(self) -> None:
        super().__init__(_TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (stdlib name)
        """The message line, followed by ``request_id=`` and the extras."""
        line = super().formatMessage(record)
        fields = {"request_id": request_id_of(record), **extra_fields(record)}
        pairs = " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
        return f"{line} [{pairs}]" if pairs else line


def logging_config(level: str = "INFO", *, json: bool = True) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict: root to stderr in the chosen format.

    uvicorn's own loggers propagate to the root, so they share the format, except
    ``uvicorn.access``, which is silenced: the API writes its own access line.
    """
    formatter = JsonFormatter if json else TextFormatter
    return {
        "version": 1,
        # Module loggers (``chasen.api``...) already exist at this point; keep them working.
        "disable_existing_loggers": False,
        "formatters": {"chasen": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "chasen",
                "stream": "ext://sys.stderr",
            },
            "null": {"class": "logging.NullHandler"},
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": ["null"], "propagate": False},
        },
    }


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """Send every log line to stderr as JSON (``json=True``) or plain text for a terminal."""
    logging.config.dictConfig(logging_config(level, json=json))
