"""A memo of the last results of a pure function of an article's title, text and language,
bounded by the characters of the texts it keeps (an entry count alone would let a few
hundred texts at the 200,000-character cap hold ~400 MB)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class RecentTexts(Generic[T]):
    """`compute(title, text, language)`, remembered for the most recent texts whose
    characters add up to at most `chars`; a text longer than that is never kept."""

    def __init__(self, compute: Callable[[str, str, str], T], *, chars: int) -> None:
        self._compute = compute
        self._chars = chars
        self._kept: OrderedDict[tuple[str, str, str], T] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __call__(self, title: str, text: str, language: str) -> T:
        key = (title, text, language)
        try:
            with self._lock:
                found = self._kept.get(key, _MISSING)
                if found is not _MISSING:
                    self._kept.move_to_end(key)
                    self.hits += 1
                    return found  # type: ignore[return-value]
        except TypeError:  # not hashable (not text): computed, to fail as it always did
            return self._compute(title, text, language)
        value = self._compute(title, text, language)
        size = len(title) + len(text)
        with self._lock:
            self.misses += 1
            if size <= self._chars and key not in self._kept:
                self._kept[key] = value
                self._held += size
                while self._held > self._chars:
                    (old_title, old_text, _), _ = self._kept.popitem(last=False)
                    self._held -= len(old_title) + len(old_text)
        return value

    def holds(self, title: str, text: str, language: str) -> bool:
        """Whether the result for these is remembered (a call would not compute it)."""
        try:
            with self._lock:
                return (title, text, language) in self._kept
        except TypeError:  # not hashable: never remembered
            return False

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._held = self.hits = self.misses = 0


_MISSING = object()
