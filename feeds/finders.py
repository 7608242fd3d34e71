"""Matches of a regex that opens with a word-boundary look-behind, found without it: the
regex engine can then skip ahead to the characters a match starts with."""

from __future__ import annotations

import re
from collections.abc import Iterator


class WordFinder:
    """The matches of a regex that opens with a look-behind `(?<![\\w{not_after}])`, found
    without it: the engine then skips to the phrases' first characters (capitals, for country
    names) instead of trying the pattern at every character, and the left boundary is checked
    here (a country sentence scan 5.6 -> 1.5 µs). `finditer` yields what the regex's own
    `finditer` yields: the leftmost match whose boundary holds, then the next from its end."""

    def __init__(self, body: re.Pattern[str], *, not_after: str = "-") -> None:
        self.not_after = "_" + not_after
        self.body = body

    @classmethod
    def of(cls, regex: re.Pattern[str], *, not_after: str = "-") -> WordFinder:
        """`regex` (that look-behind, then a pattern that never matches empty) without its
        look-behind."""
        behind = rf"(?<![\w{not_after}])"
        if not regex.pattern.startswith(behind):
            raise ValueError(f"{regex.pattern[:40]!r} does not start with {behind!r}")
        return cls(re.compile(regex.pattern[len(behind) :], regex.flags), not_after=not_after)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        pos = 0
        search, not_after = self.body.search, self.not_after
        while (match := search(text, pos)) is not None:
            at, end = match.span()
            if at and (text[at - 1].isalnum() or text[at - 1] in not_after):
                pos = at + 1  # no match of the regex starts before the next position
                continue
            yield match
            pos = end if end > at else at + 1

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [match.span() for match in self.finditer(text)]
