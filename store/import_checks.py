"""Checks of one imported line: an export file is untrusted input, and whatever it puts in
the log stays there for ever, so every column is range-checked before anything is written."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from store.canonical import canonical_json
from store.events import parse_time

#: What the caller knows of event data: given (type, schema version, data), a problem in
#: a few words, or None. `store` knows no event types; `newsledger` passes the vocabulary's.
DataCheck = Callable[[str, int, dict[str, Any]], str | None]

FIELDS: dict[str, type | tuple[type, ...]] = {
    "position": int,
    "event_id": str,
    "stream_id": str,
    "stream_version": int,
    "type": str,
    "schema_version": int,
    "data": str,
    "metadata": str,
    "recorded_at": str,
    "hash": str,
    "keys": list,
}
#: The widths of the columns (store/schema.py) and of a 32-bit INTEGER.
STREAM_ID_MAX, TYPE_MAX, KEY_MAX = 200, 200, 600
INT32_MAX = 2**31 - 1
_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]*\Z")
_HASH = re.compile(r"[0-9a-f]{64}\Z")
# C0 and C1 controls and DEL: PostgreSQL refuses NUL, and no id of ours holds a control.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class LineError(ValueError):
    """What is wrong with one line, in a few words (the caller adds the file and line)."""


def parse_line(line: str, *, check: DataCheck | None = None) -> dict[str, Any]:
    """The row an exported line stands for, or `LineError` saying what is wrong with it."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LineError(f"not a JSON object ({exc.msg}); truncated?") from None
    except RecursionError:
        raise LineError("JSON nested too deeply") from None
    if not isinstance(row, dict):
        raise LineError("not a JSON object")
    for field, kind in FIELDS.items():
        if not isinstance(row.get(field), kind) or isinstance(row.get(field), bool):
            raise LineError(f"field {field!r} missing or of the wrong type")
    if set(row) != set(FIELDS):
        raise LineError(f"unexpected fields {', '.join(sorted(set(row) - set(FIELDS)))}")
    _check_text(row, "stream_id", STREAM_ID_MAX)
    _check_text(row, "type", TYPE_MAX)
    if not _TYPE.match(row["type"]):
        raise LineError(f"type {row['type'][:60]!r} is not a type name")
    for field in ("stream_version", "schema_version"):
        if not 1 <= row[field] <= INT32_MAX:
            raise LineError(f"{field} {_short(row[field])} is outside 1..{INT32_MAX}")
    if not 1 <= row["position"] <= 2**63 - 1:
        raise LineError(f"position {_short(row['position'])} is out of range")
    try:
        parsed_id = uuid.UUID(row["event_id"])
    except ValueError:
        parsed_id = None
    if parsed_id is None or str(parsed_id) != row["event_id"]:
        raise LineError(f"event_id {row['event_id'][:60]!r} is not a UUID in canonical form")
    if not _HASH.match(row["hash"]):
        raise LineError("hash is not 64 lower-case hex digits")
    decoded = {field: _json_object(row, field) for field in ("data", "metadata")}
    try:
        parse_time(row["recorded_at"])
    except ValueError:
        raise LineError("recorded_at is not a log timestamp") from None
    for key in row["keys"]:
        if not isinstance(key, str) or not key:
            raise LineError("keys must be non-empty strings")
        _check_value(key, "a key", KEY_MAX)
    if len(set(row["keys"])) != len(row["keys"]):
        raise LineError("a key is listed twice")
    if check is not None:
        problem = check(row["type"], row["schema_version"], decoded["data"])
        if problem is not None:
            raise LineError(f"{row['type']} v{row['schema_version']}: {problem}")
    return row


def _json_object(row: Mapping[str, Any], field: str) -> dict[str, Any]:
    text = row[field]
    _check_value(text, field, None)
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise LineError(f"{field} is not JSON text") from None
    if not isinstance(value, dict):
        raise LineError(f"{field} is a JSON {type(value).__name__}, not an object")
    if canonical_json(value) != text:
        raise LineError(f"{field} is not in canonical form")
    return value


def _check_text(row: Mapping[str, Any], field: str, limit: int) -> None:
    value = row[field]
    if not value:
        raise LineError(f"{field} is empty")
    _check_value(value, field, limit)


def _check_value(value: str, what: str, limit: int | None) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise LineError(f"{what} holds a lone surrogate (not UTF-8)") from None
    if limit is not None:
        if len(value) > limit:
            raise LineError(f"{what} is {len(value)} characters long, more than {limit}")
        if _CONTROL.search(value):
            raise LineError(f"{what} holds a control character")


def _short(value: int) -> str:
    text = str(value)
    return text if len(text) <= 20 else f"{text[:8]}…({len(text)} digits)"
