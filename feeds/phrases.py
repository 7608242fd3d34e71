"""Every keyword rule's phrases of a topic set in one trie, found in one pass over a field."""

from __future__ import annotations

import re
from collections.abc import Sequence

from feeds.text import Matcher
from feeds.topics import Topic


class PhraseIndex:
    """Every rule's phrases of a topic set in one trie: one pass over a field finds the
    phrases of all rules (each rule's own pass cost as much as this one does for all).

    Overlapping phrases of different rules are all found: the scan restarts one character
    after each match, and a match also counts for the phrases that are its whole-word
    prefixes ("bilateral meeting" is also "bilateral").
    """

    def __init__(self, topics: Sequence[Topic]) -> None:
        phrases = {p for t in topics for r in t.rules for p in r.phrase_set}
        self.matcher = Matcher(phrases)
        self.prefixes = {
            p: tuple(q for q in phrases if q == p or p.startswith(q + " ")) for p in phrases
        }
        # A phrase starts a word: after a space (found by the engine's fast search for one
        # literal character), after another non-word character, or at the very start. Tried
        # only there, the trie costs a fifth less than tried at every letter.
        self.scans: tuple[re.Pattern[str], ...] = ()
        if self.matcher.phrases is not None:
            body = self.matcher.phrases.pattern  # the trie, then (?!\w)
            self.scans = (re.compile(f" ({body})"), re.compile(f"[^\\w ]({body})"))

    def hits(self, text: str) -> list[tuple[int, str]]:
        """(start, phrase) of every phrase occurrence in normalised `text`, in text order."""
        regex = self.matcher.phrases
        if regex is None:
            return []
        starts: list[tuple[int, str]] = []
        if (first := regex.match(text)) is not None:
            starts.append((0, first.group()))
        for scan in self.scans:
            pos = 0
            while (match := scan.search(text, pos)) is not None:
                pos = match.start(1)  # the next phrase starts after this one's first character
                starts.append((pos, match.group(1)))
        starts.sort()
        found: list[tuple[int, str]] = []
        for at, matched in starts:
            word = " ".join(matched.split())
            found.extend((at, phrase) for phrase in self.prefixes.get(word, (word,)))
        return found


_INDEXES: dict[int, tuple[Sequence[Topic], PhraseIndex]] = {}


def phrase_index(topics: Sequence[Topic]) -> PhraseIndex:
    cached = _INDEXES.get(id(topics))
    if cached is None or cached[0] is not topics:
        cached = (topics, PhraseIndex(topics))
        _INDEXES[id(topics)] = cached
    return cached[1]
