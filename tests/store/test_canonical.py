"""Canonical JSON stays the standard library's bytes, and logs written before orjson still
verify, import and grow."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from store import EventStore, NewEvent, canonical_json
from store.canonical import canonical_bytes
from store.transfer import Imported, export_lines, import_lines
from tests.support.json_values import json_values

# Exported by the store of commit 45034e5 (json.dumps, hashes over encoded text): floats
# that orjson writes differently, integers beyond 64 bits, controls, non-ASCII, keys.
OLD_LOG = Path(__file__).parent.parent / "fixtures" / "store" / "log_before_orjson.jsonl"


def _old_lines() -> list[str]:
    # Lines end at "\n" only: the documents hold a raw U+2028, which splitlines() splits at.
    return OLD_LOG.read_text(encoding="utf-8").removesuffix("\n").split("\n")


def _standard(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_canonical_json_is_the_standard_librarys_form_for_any_json_value(value: Any) -> None:
    try:
        expected = _standard(value).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: refused, as the store always did
        with pytest.raises(UnicodeEncodeError):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected
    assert canonical_json(value) == expected.decode("utf-8")


@pytest.mark.parametrize(
    "value",
    [
        1e-05,
        1.5212603486793025e-05,
        1e16,
        -0.0,
        math.nan,
        math.inf,
        2**64,
        2**64 - 1,
        -(2**63),
        -(2**63) - 1,
        {"é": 1, "e": 2, "\U0001f600": 3, "\uffff": 4, "Z": 5},
        "".join(chr(i) for i in range(0x80)) + "\u2028\u2029\ufeff",
        (1, [2, (3,)]),
    ],
)
def test_values_orjson_would_write_differently_keep_their_standard_form(value: Any) -> None:
    assert canonical_bytes(value) == _standard(value).encode("utf-8")


class _Colour(Enum):
    RED = "red"


@pytest.mark.parametrize(
    "value", [uuid.UUID(int=1), datetime(2026, 1, 1, tzinfo=UTC), _Colour.RED, {1: "a", "b": 2}]
)
def test_values_the_standard_library_refuses_are_still_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        _standard({"v": value})
    with pytest.raises(TypeError):
        canonical_bytes({"v": value})


def test_a_log_written_before_orjson_imports_verifies_and_grows(store: EventStore) -> None:
    old_lines = _old_lines()
    # A log of format version 1: no format line, no end line.
    assert import_lines(store, old_lines) == Imported(len(old_lines), complete=False)
    assert store.verify().ok
    # The same values appended now are stored in the very text the old code wrote.
    old_data = [json.loads(line)["data"] for line in old_lines]
    store.append("new", [NewEvent("Noted", json.loads(text)) for text in old_data])
    assert store.verify().ok
    lines = list(export_lines(store))[1:-1]  # its events, without the format and end lines
    assert lines[: len(old_lines)] == old_lines
    assert [json.loads(line)["data"] for line in lines[len(old_lines) :]] == old_data


def test_events_read_back_equal_what_was_appended(store: EventStore) -> None:
    values = [json.loads(json.loads(line)["data"]) for line in _old_lines()]
    store.append("s", [NewEvent("Noted", v, metadata={"m": v}) for v in values])
    read = list(store.read_all())
    assert [e.data for e in read] == values
    assert [e.metadata for e in read] == [{"m": v} for v in values]
