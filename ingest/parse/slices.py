"""A large feed document cut into smaller well-formed documents of whole entries, so that
the feed parser never holds the whole document's entries (and its copies of the whole
document) at once: a 10 MB feed of 2,000 items then costs a fraction of its size to parse.

Each slice is the document's head (XML declaration, root and channel start tags with their
namespace declarations, `xml:base` and `xml:lang`, the channel's own elements) + a run of
consecutive entries + the document's tail (the end tags, channel elements after the last
entry). The *skeleton* is head + the channel elements found between entries + tail: the
feed-level facts are read from it once. Only a document that expat reads without error,
whose entries all share one parent, is cut; any other is parsed whole, as before.
"""

from __future__ import annotations

import xml.parsers.expat
from collections.abc import Iterator
from dataclasses import dataclass

#: Namespaces in which feedparser reads `<item>` and `<entry>` as entries (its own table).
ENTRY_NAMESPACES = frozenset(
    {
        "",
        "http://backend.userland.com/rss",
        "http://blogs.law.harvard.edu/tech/rss",
        "http://purl.org/rss/1.0/",
        "http://my.netscape.com/rdf/simple/0.9/",
        "http://purl.org/atom/ns#",
        "http://www.w3.org/2005/Atom",
    }
)
_ENTRY_NAMES = ("item", "entry")
_READ = 1 << 16  # expat is fed views of this size: no copy of the whole document


@dataclass(frozen=True, slots=True)
class EntrySlices:
    """Where a document's entries are, as byte offsets into it."""

    head_end: int  # the first entry starts here
    tail_start: int  # the sibling or end tag that follows the last entry starts here
    starts: tuple[int, ...]  # each entry's start
    between: tuple[tuple[int, int], ...]  # non-entry siblings after the first entry

    @property
    def entries(self) -> int:
        return len(self.starts)

    def skeleton(self, document: bytes) -> bytes:
        """The document without its entries: what the feed-level facts are read from."""
        extras = b"".join(document[start:end] for start, end in self.between)
        return document[: self.head_end] + extras + document[self.tail_start :]

    def slices(self, document: bytes, *, size: int, limit: int) -> Iterator[bytes]:
        """Documents of consecutive entries, about `size` bytes of entries each, holding
        the first `limit` entries; each is built only when asked for."""
        head, tail = document[: self.head_end], document[self.tail_start :]
        starts = self.starts[:limit]
        ends = (*self.starts[1:], self.tail_start)[: len(starts)]
        first = 0
        while first < len(starts):
            last = first
            while last + 1 < len(starts) and ends[last + 1] - starts[first] <= size:
                last += 1
            yield head + document[starts[first] : ends[last]] + tail
            first = last + 1


def find_entries(document: bytes) -> EntrySlices | None:
    """The entries' offsets, or None when the document should be parsed whole: expat
    cannot read it, it has fewer than two entries, or they do not share one parent."""
    scan = _Scan()
    view = memoryview(document)
    try:
        for offset in range(0, len(document), _READ):
            scan.parser.Parse(view[offset : offset + _READ], False)
        scan.parser.Parse(b"", True)
    except (xml.parsers.expat.ExpatError, ValueError):  # ValueError: an encoding expat lacks
        return None
    finally:
        view.release()
    if scan.mixed or len(scan.starts) < 2:
        return None
    tail = scan.tail_start
    between = tuple((s, e) for s, e in scan.between if s < tail)  # later ones are the tail
    return EntrySlices(scan.starts[0], tail, tuple(scan.starts), between)


class _Scan:
    """Expat's start and end events, tracked to the entries' parent.

    Expat reports an element's end at an offset that is not always its end tag's (an
    empty element's is past it), so where a sibling ends is taken as where the next tag
    starts: whatever lies between is white space or comments, which no parser reads.
    """

    def __init__(self) -> None:
        self.parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.depth = 0
        self.parent: int | None = None  # depth of the entries' parent
        self.parent_closed = False
        self.in_entry = 0  # depth of the entry being read; 0 outside entries
        self.starts: list[int] = []
        self.between: list[tuple[int, int]] = []
        self.sibling: int | None = None  # start of the non-entry sibling being read
        self.ended: int | None = None  # a sibling ended (-1: an entry); the next tag ends it
        self.tail_start = 0
        self.mixed = False  # entries under more than one parent

    def _next_tag(self) -> None:
        if self.ended is None:
            return
        at = self.parser.CurrentByteIndex
        if self.ended < 0:
            self.tail_start = at
        else:
            self.between.append((self.ended, at))
        self.ended = None

    def start(self, name: str, _attrs: object) -> None:
        self._next_tag()
        self.depth += 1
        if self.in_entry:
            return
        namespace, _, local = name.rpartition(" ")
        if local in _ENTRY_NAMES and namespace in ENTRY_NAMESPACES:
            if self.parent is None:
                self.parent = self.depth - 1
            elif self.parent != self.depth - 1 or self.parent_closed:
                self.mixed = True
            self.in_entry = self.depth
            self.starts.append(self.parser.CurrentByteIndex)
        elif self.parent is not None and self.depth == self.parent + 1:
            self.sibling = self.parser.CurrentByteIndex

    def end(self, _name: str) -> None:
        self._next_tag()
        if self.in_entry == self.depth:
            self.in_entry = 0
            self.ended = -1
        elif not self.in_entry and self.parent is not None:
            if self.depth == self.parent + 1 and self.sibling is not None:
                self.ended, self.sibling = self.sibling, None
            elif self.depth == self.parent:
                self.parent_closed = True
        self.depth -= 1
