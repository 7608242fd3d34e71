"""Canonical JSON, the text the log stores and hashes: sorted keys, no spaces, UTF-8.

The form is the standard library's `json.dumps(value, sort_keys=True, separators=(",",
":"), ensure_ascii=False)` and stays byte for byte what it has always been: `import`
refuses a document that is not in it, and the hashes of stored events were taken over it.
orjson writes the same bytes for the values events hold in practice (dicts with text keys,
text, integers, booleans, null, lists) about 50 times faster (a ~5 KB article: 0.4 µs
against 24 µs), and writes UTF-8 directly, which is what the hash digests. It writes some
other values differently or accepts what the standard library refuses: floats (`1e-05`
becomes `0.00001`, NaN becomes `null`), integers beyond 64 bits (refused), UUIDs, dates,
dataclasses and enums (accepted). So orjson only gets values made of the plain types, and
everything else takes the standard library's path, as before.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_SORTED = orjson.OPT_SORT_KEYS
# orjson writes integers from -2**63 to 2**64 - 1; the standard library writes any.
_INT_MIN = -(1 << 63)
_INT_END = 1 << 64


def canonical_bytes(value: Any) -> bytes:
    """The canonical JSON of `value` as UTF-8 bytes."""
    fast = _orjson(value)
    return fast if fast is not None else _standard(value).encode("utf-8")


def canonical_json(value: Any) -> str:
    """The canonical JSON of `value` as text: one text for one value, so hashes are stable."""
    fast = _orjson(value)
    return fast.decode("utf-8") if fast is not None else _standard(value)


def _orjson(value: Any) -> bytes | None:
    """orjson's bytes for a plain `value`, else None (the standard library's path)."""
    if _plain(value):
        try:
            return orjson.dumps(value, option=_SORTED)
        except orjson.JSONEncodeError:
            # A lone surrogate in a text (orjson refuses it; the standard library writes
            # it, and encoding it to UTF-8 then refuses it, as the store always did), or a
            # nesting deeper than orjson's limit.
            pass
    return None


def _standard(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain(value: Any) -> bool:
    """Whether `value` holds only types orjson writes exactly as the standard library does.

    Exact types, not subclasses: a subclass may change how it is written (an `IntEnum`'s
    `repr`, a `str` subclass's `__str__`), and `bool` is checked before `int`'s range.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(_INT_MIN <= value < _INT_END)
    if kind is dict:
        # A loop, text values checked inline: an article is a dict of a few long texts,
        # and a call per value cost more than orjson writing the whole document.
        for key, item in value.items():
            if type(key) is not str:
                return False
            if type(item) is not str and not _plain(item):
                return False
        return True
    if kind is list or kind is tuple:
        return all(_plain(item) for item in value)
    return False
