"""Logging set-up: readable lines on a terminal, JSON lines for machines (NEWSLEDGER_LOG_FORMAT).

Code logs with `logger.info("polled", extra={"source_id": ..., "events": {...}})`; the
extra fields become `key=value` pairs in the human form and top-level keys in JSON.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

FORMATS = ("human", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# uvicorn adds an ANSI-coloured copy of its message; ours has no use for it.
_STANDARD.add("color_message")
#: C0 and C1 control characters but tab and line feed; and the bidirectional embeddings,
#: overrides and isolates, with which a title written right to left from U+202E on reverses
#: the rest of its line (the source's name, a count) in a terminal or log viewer that
#: applies the bidirectional algorithm ("Trojan Source", CVE-2021-42574).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` with each control character written as an escape (`\\x1b`, `\\u202e`), not
    sent: what sources sent (a reason phrase, a feed's title) reaches logs and terminals as
    text.
    Here rather than in newsledger/terminal.py, so that configuring logging, which every
    worker process does, does not import rich."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def extras(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a call passed with `extra=`, in the order given."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the extra fields, error."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(extras(record))
        if record.exc_info and record.exc_info[1] is not None:
            entry.setdefault("error", str(record.exc_info[1]) or type(record.exc_info[1]).__name__)
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class HumanFormatter(logging.Formatter):
    """`HH:MM:SS LEVEL logger: message key=value …`, local time, for a person at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        pairs = " ".join(f"{k}={_human(v)}" for k, v in extras(record).items())
        line = f"{moment} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if pairs:
            line = f"{line}  {pairs}"
        if record.exc_info and record.exc_info[1] is not None:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        # What sources sent (a reason phrase, a feed's title) is shown, never obeyed by
        # the terminal: escape sequences are written as escapes.
        return visible(line)


def _human(value: Any) -> str:
    if isinstance(value, Mapping):
        return ",".join(f"{k}:{v}" for k, v in value.items()) or "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (" " in text or not text) else text


def log_settings(
    *,
    fmt: str | None = None,
    level: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """The log format and level from arguments or NEWSLEDGER_LOG_FORMAT/LEVEL (`check`
    validates them as `run` does); ValueError naming the variable for an unknown value."""
    env = os.environ if environ is None else environ
    fmt = (fmt or env.get("NEWSLEDGER_LOG_FORMAT") or "human").strip().lower()
    if fmt in ("text", "plain"):
        fmt = "human"
    if fmt not in FORMATS:
        raise ValueError(f"NEWSLEDGER_LOG_FORMAT must be one of {', '.join(FORMATS)}, got {fmt!r}")
    level = (level or env.get("NEWSLEDGER_LOG_LEVEL") or "INFO").strip().upper()
    if level not in LEVELS:
        raise ValueError(f"NEWSLEDGER_LOG_LEVEL must be one of {', '.join(LEVELS)}, got {level!r}")
    return fmt, level


def configure_logging(
    *,
    fmt: str | None = None,
    level: str | None = None,
    stream: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> logging.Handler:
    """Install one handler on the root logger from arguments or NEWSLEDGER_LOG_FORMAT/LEVEL.

    Raises ValueError naming the variable when a value is not one we know.
    """
    fmt, level = log_settings(fmt=fmt, level=level, environ=environ)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else HumanFormatter())
    root = _install(handler)
    root.setLevel(level)
    # Library chatter that would drown the worker's own lines at INFO.
    for noisy in ("httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # "skipped: maximum number of running instances reached" is max_instances=1 working.
    logging.getLogger("apscheduler").setLevel(max(logging.ERROR, root.level))
    return handler


class _MessageFormatter(logging.Formatter):
    """The message alone, as Python's last-resort handler writes it, shown with `visible`."""

    def format(self, record: logging.LogRecord) -> str:
        return visible(super().format(record))


def configure_command_logging() -> None:
    """For a command that configures no logging of its own: warnings and errors on stderr,
    message alone, as Python's last-resort handler wrote them (with what a source sent in
    them written as text, not obeyed). The worker's and the server's `configure_logging`
    replaces it."""
    if _ours(logging.getLogger()):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(_MessageFormatter("%(message)s"))
    _install(handler)


def _ours(root: logging.Logger) -> list[logging.Handler]:
    return [h for h in root.handlers if getattr(h, "_newsledger", False)]


def _install(handler: logging.Handler) -> logging.Logger:
    """`handler` on the root logger in place of the one installed here before."""
    root = logging.getLogger()
    for old in _ours(root):
        root.removeHandler(old)
    handler._newsledger = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return root
