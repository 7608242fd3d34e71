"""Unicode text helpers shared by classification and figure extraction: NFC, case folding,
phrase patterns with word boundaries that hold for Vietnamese diacritics, and sentences."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

from feeds.regex_parts import literal_prefix, trie_regex

#: A sentence ends at . ! ? … (optionally closed by a quote or bracket) followed by white
#: space, or at a line break (whose closers and white space belong to no sentence). A dot
#: with no space after it ("1.1", "14.050") never ends one. Group 1: the space after a stop.
_BREAK = re.compile(r"[.!?…\n](?:(?<=\n)[\"'”’)\]]*\s*|[\"'”’)\]]*(\s+))")


def normalise(text: str) -> str:
    """NFC then case-folded: one form for composed and decomposed Vietnamese input."""
    return unicodedata.normalize("NFC", text).casefold()


def nfc(text: str) -> str:
    """`text` in NFC; a long text through `_nfc_long`."""
    if len(text) < 256:
        return unicodedata.normalize("NFC", text)
    return _nfc_long(text)


@lru_cache(maxsize=4)
def _nfc_long(text: str) -> str:
    # The stories projection normalises each article's title and text for its fingerprint,
    # then its meeting pre-check and the extractor each again: on a 5 KB text already in
    # NFC (most are) each check costs ~8 µs, the cache's look-up one hash of the string
    # (~2 µs, then kept in it) and, for the same string, an identity test.
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=4)
def nfc_lower(text: str) -> tuple[str, str]:
    """`text` in NFC, and that lower-cased: the figure and meeting extractors and the story
    frame each read both of the same article, and on a 5 KB text each copy costs more than
    the cache's look-up (the title's and the text's stay while one article is read)."""
    body = nfc(text)
    return body, body.lower()


def lower(text: str) -> str:
    """`text.lower()`, from `nfc_lower` when `text` is already in NFC (most text is)."""
    body, lowered = nfc_lower(text)
    return lowered if body is text else text.lower()


class Matcher:
    """Whole-word phrases and raw patterns over normalised text.

    `\\w` is Unicode-aware and NFC Vietnamese letters are single code points, so a phrase
    "gặp" never matches inside another syllable and "tiếp" is a word of "tiếp tục". The
    patterns have no leading look-behind (which would stop the regex engine from skipping
    ahead by first character, ~3x slower): the left word boundary is checked here instead.
    """

    def __init__(self, phrases: Iterable[str], patterns: Iterable[str] = ()) -> None:
        words = {" ".join(normalise(p).split()) for p in phrases if p.strip()}
        self.phrases = re.compile(trie_regex(sorted(words)) + r"(?!\w)") if words else None
        # One regex per pattern: joined in one alternation they would lose their literal
        # prefixes, which let the engine jump straight to candidate positions.
        self.patterns = tuple((re.compile(p), literal_prefix(p)) for p in patterns)

    def __bool__(self) -> bool:
        return self.phrases is not None or bool(self.patterns)

    def finditer(
        self, text: str, start: int = 0, end: int | None = None
    ) -> Iterator[tuple[int, int]]:
        """(start, end) of each phrase match, then of each pattern's matches in turn."""
        stop = len(text) if end is None else end
        if self.phrases is not None:
            pos = start
            while (match := self.phrases.search(text, pos, stop)) is not None:
                at = match.start()
                if at == 0 or not _is_word_char(text[at - 1]):
                    yield at, match.end()
                    pos = max(match.end(), at + 1)
                else:
                    pos = at + 1
        for pattern, prefix in self.patterns:
            for match in _pattern_matches(pattern, prefix, text, start, stop):
                at = match.start()
                if match.end() == at:
                    continue
                # A pattern starting with a letter starts a word, like a phrase ("met" is
                # not found in "helmet"); one starting with "$" or a space may follow anything.
                if at and _is_word_char(text[at]) and _is_word_char(text[at - 1]):
                    continue
                yield at, match.end()

    def search(self, text: str, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
        return next(self.finditer(text, start, end), None)


def _pattern_matches(
    pattern: re.Pattern[str], prefix: str, text: str, start: int, stop: int
) -> Iterator[re.Match[str]]:
    """`pattern.finditer`, but jumping with `str.find` between occurrences of its literal
    prefix when it has one: the regex engine's own prefix scan is slow on Vietnamese text."""
    if len(prefix) < 2:
        yield from pattern.finditer(text, start, stop)
        return
    at = text.find(prefix, start, stop)
    while at >= 0:
        match = pattern.match(text, at, stop)
        if match is not None:
            yield match
        at = text.find(prefix, max(at + 1, match.end() if match else 0), stop)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


#: The longest sentence read as one. The longest of ../shared/corpus/news-vi's 6,210 is 950
#: characters; a text with no full stop for 200 KB ("tăng 12,5% …, đạt 476,8 triệu USD, "
#: repeated) made the figures' and meetings' per-sentence readings, which grow with the
#: square or cube of a sentence, run for minutes. Longer runs are cut at a space.
MAX_SENTENCE = 2_000


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, end exclusive, surrounding space trimmed; a
    run longer than MAX_SENTENCE is cut into pieces of at most that length, at a space."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _BREAK.finditer(text):
        space = match.start(1)
        end = match.start() if space < 0 else space  # a stop is part of its sentence
        _add_sentence(text, start, end, bounds)
        start = match.end()
    _add_sentence(text, start, len(text), bounds)
    return bounds


def _add_sentence(text: str, start: int, end: int, bounds: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    first = start + len(piece) - len(piece.lstrip())
    last = first + len(stripped)
    while last - first > MAX_SENTENCE:
        # At the last white space (any: a no-break space, a tab) within the cap, else at it.
        cut = first + MAX_SENTENCE
        while cut > first + 1 and not text[cut].isspace():
            cut -= 1
        end = cut if cut > first + 1 else first + MAX_SENTENCE
        after = end
        while end > first and text[end - 1].isspace():
            end -= 1
        bounds.append((first, end))
        first = after
        while first < last and text[first].isspace():
            first += 1
    bounds.append((first, last))


def sentence_around(
    text: str, offset: int, cache: dict[int, list[tuple[int, int]]] | None = None
) -> tuple[int, int]:
    """The bounds of the sentence holding `offset`, read in its paragraph only (a sentence
    never spans a line break): cheaper than `sentence_bounds` of a whole article when few
    sentences are wanted. `cache` keeps each paragraph's bounds between calls."""
    first = text.rfind("\n", 0, offset) + 1
    bounds = cache.get(first) if cache is not None else None
    if bounds is None:
        last = text.find("\n", offset)
        bounds = sentence_bounds(text[first : len(text) if last < 0 else last])
        if cache is not None:
            cache[first] = bounds
    start, end = sentence_at(bounds, offset - first)
    return start + first, end + first


def sentence_at(bounds: list[tuple[int, int]], offset: int) -> tuple[int, int]:
    """The bounds of the sentence holding `offset` (bounds as from `sentence_bounds`)."""
    low, high = 0, len(bounds) - 1
    while low <= high:
        mid = (low + high) // 2
        start, end = bounds[mid]
        if offset < start:
            high = mid - 1
        elif offset >= end:
            low = mid + 1
        else:
            return bounds[mid]
    return (offset, offset)


def word_regex(
    phrases: Iterable[str], *, left: str = r"(?<![\w-])", right: str = r"(?![\w-])"
) -> re.Pattern[str]:
    """Whole-word `phrases` as one trie-shaped regex (spaces match any white space): a flat
    alternation of hundreds of names costs ten times more on every sentence."""
    words = sorted({" ".join(p.split()) for p in phrases if p.strip()})
    return re.compile(f"{left}(?:{trie_regex(words)}){right}")


class WordScanner:
    """Whole-word phrases found where a word starts after one of `after` (a space, a line
    break…) or at the start: each scan opens with one literal character, which the regex
    engine finds as fast as `str.find`, then tries the trie there (3-10x cheaper over a whole
    article than one pattern with a look-behind, which must be tried at every character)."""

    def __init__(
        self,
        phrases: Iterable[str],
        *,
        after: str = " \n",
        right: str = r"(?![\w-])",
        sparse: bool = False,
        first: str = "",
    ) -> None:
        words = sorted({" ".join(p.split()) for p in phrases if p.strip()})
        body = f"(?:{trie_regex(words, first)}){right}"
        self.after = after
        self.anchored = re.compile(body)
        # Phrases whose first characters are rare in text (capitals: country names) are
        # found faster by searching for them, the engine skipping to those characters, than
        # by trying the trie after every space (70 -> 10 µs over a 5 KB article).
        self.sparse = sparse
        # Else one scan after the first character, once the others are replaced by it (same
        # length, so offsets hold): `str.replace` costs far less than a second scan.
        self.scan = None if sparse else re.compile(f"{re.escape(after[0])}({body})")

    def _scan(self, text: str, pos: int, stop: int) -> list[tuple[int, int]]:
        """`[m.span(1) for m in self.scan.finditer(text, pos, stop)]` (`text` with every
        `after` character replaced by the first)."""
        if self.scan is not None:
            return [m.span(1) for m in self.scan.finditer(text, pos, stop)]
        found: list[tuple[int, int]] = []
        lead, search = self.after[0], self.anchored.search
        # A scan match is the lead character at `pos` or after, then a phrase: a phrase at
        # `at >= pos + 1` with the lead just before it. The next scan starts at its end.
        at = pos + 1
        while (match := search(text, at, stop)) is not None:
            begin, end = match.span()
            if text[begin - 1] != lead:
                at = begin + 1
                continue
            found.append((begin, end))
            at = end + 1
        return found

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """(start, end) of non-overlapping matches in text order (the longest at one start)."""
        stop = len(text) if end is None else end
        first = None
        if start == 0 or text[start - 1] in self.after:
            first = self.anchored.match(text, start, stop)
        for char in self.after[1:]:
            text = text.replace(char, self.after[0])
        found = self._scan(text, max(0, start - 1), stop)
        if first is None:
            # Each scan match holds its own leading character: the spans are already in
            # order and apart, and only a match at `start` may need sorting in.
            return found
        found.append(first.span())
        found.sort(key=lambda span: (span[0], -span[1]))
        kept: list[tuple[int, int]] = []
        for span in found:
            if not kept or span[0] >= kept[-1][1]:
                kept.append(span)
        return kept
