"""Near-duplicate grouping: which earlier article a new one copies, by MinHash/LSH candidates
confirmed with the exact Jaccard similarity and containment of their shingle sets. Pure: the
caller passes shingles in (and a way to get a candidate's shingles back), in log order, so the
same log and settings always give the same groups."""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from feeds.bands import BUFFER_ENTRIES, BandIndex
from feeds.copies import (
    Settings,
    Similarity,
    band_keys_of,
    similarities,
    similarity,
)
from feeds.shingles import Hashes, distinct_hashes

#: Candidates confirmed per article at most, the most band agreements first: bounds the cost
#: when thousands of articles share boilerplate, without making the result depend on timing.
MAX_CANDIDATES = 24
#: Shingles two stories' members must share (of the smaller's) for an article matching
#: both to merge the stories: parts of one report overlap, two reports pasted into one
#: round-up do not (measured in docs/stories.md).
BRIDGE_OVERLAP = 0.5
#: Candidate shingle sets kept in memory (copies usually arrive close together).
CACHE_SIZE = 2048
#: Candidates ranked by Python's sort up to this many; numpy's costs more below it.
_SORT_IN_PYTHON = 40
_NO_KEYS = np.zeros(0, dtype=np.uint32)


@dataclass(frozen=True)
class Join:
    """Where an article went: its story (the key of the story's first article) and, for a
    copy, the earlier article it matched and how closely."""

    story: str
    via: str | None = None
    similarity: Similarity | None = None
    #: the article's LSH band keys (what `restore` needs after a restart)
    keys: npt.NDArray[np.uint32] = field(default_factory=lambda: _NO_KEYS, compare=False)
    #: younger stories this article bridged to `story`: they are merged into it
    merged: tuple[str, ...] = ()


class Grouper:
    """Assigns each article, in log order, to a story: the story of its confirmed copies, or
    a new story of its own. A story's key (its first article's) never changes as copies join.
    An article that is a confirmed copy of articles in two or more stories bridges them: the
    younger stories are merged into the oldest, whose key stays (docs/stories.md says why)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        index_buffer: int = BUFFER_ENTRIES,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        self.settings = settings or Settings()
        self._cache_size = cache_size
        self._index = BandIndex(buffer_entries=index_buffer)
        self._keys: list[str] = []
        # member -> an earlier member of its story (union-find); a story's first article,
        # the root, points at itself.
        self._parent: list[int] = []
        self._members: dict[str, int] = {}  # key -> member number
        # member -> its shingles, sorted and distinct, or as `add` was given them (False).
        self._cache: OrderedDict[int, tuple[Hashes, bool]] = OrderedDict()
        # `expect`: (band keys, their matches among the index's merged entries), in order.
        self._expected: deque[tuple[npt.NDArray[np.uint32], Counter[int]]] = deque()
        # `expect`'s fetch: candidates' shingles read back ahead of `add`, until it uses them.
        self._fetched: dict[int, Hashes] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def index_bytes(self) -> int:
        """Bytes of the LSH index's sorted runs (memory accounting for the benchmark)."""
        return self._index.nbytes()

    def band_keys(self, hashes: Hashes) -> npt.NDArray[np.uint32]:
        return band_keys_of(hashes, self.settings)

    def expect(
        self,
        rows: Sequence[npt.NDArray[np.uint32]],
        fetch: Callable[[list[str]], list[Hashes]] | None = None,
    ) -> None:
        """The band keys of the articles `add` is given next, in order (those with any):
        their matches among the index's merged entries are looked up together now, and
        the index merges its buffer only once they are all added, so that stays their
        answer. An `add` with other keys drops the rest and looks up its own.

        `fetch(keys)`, if given, returns the shingles (sorted, distinct) of earlier articles,
        as `add`'s `shingles_of` does one at a time: the candidates those matches will bring
        that are no longer in memory are fetched with it now, together. The merged entries
        are the older articles, the ones a copy far behind its original needs read back;
        one at a time, each cost a query and a pass of the fingerprint alone, about twice
        its share of a pass over many (docs/stories.md)."""
        self._expected.clear()
        self._fetched.clear()
        rows = [keys for keys in rows if len(keys)]
        found = self._index.merged_matches(rows)
        self._expected.extend(zip(rows, found, strict=True))
        if fetch is None:
            return
        # Each row's first MAX_CANDIDATES among the merged entries, ranked as `add` ranks:
        # a merged member that `add` will compare is among them, whatever the buffer adds
        # (its members are other ones, so none ranks a merged member higher).
        # Those in memory now are held here too: the batch's own articles may push them out
        # of the cache before they are compared.
        wanted = []
        for member in sorted({m for matches in found for m in _ranked(matches)}):
            cached = self._cache.get(member)
            if cached is None:
                wanted.append(member)
            else:
                self._fetched[member] = cached[0] if cached[1] else distinct_hashes(cached[0])
        if wanted:
            shingled = fetch([self._keys[member] for member in wanted])
            self._fetched.update(zip(wanted, shingled, strict=True))

    def _matches(self, keys: npt.NDArray[np.uint32]) -> Counter[int]:
        if self._expected:
            expected, merged = self._expected.popleft()
            if expected is keys:
                return self._index.buffered_matches(keys, merged)
            self._expected.clear()  # not the keys announced: look up as if none were
        return self._index.matches(keys)

    def same_story(self, key: str, other: str) -> bool:
        """Whether two grouped articles are in one story now."""
        return other in self._members and self.story_of(key) == self.story_of(other)

    def story_of(self, key: str) -> str:
        """The key of the story article `key` belongs to now (after any merges)."""
        return self._keys[self._root(self._members[key])]

    def restore(self, key: str, keys: npt.NDArray[np.uint32], story: str) -> None:
        """Re-add an article grouped before (in the same order), with its stored band keys
        and story: the state `add` had left, without confirming anything again."""
        member = len(self._keys)
        self._parent.append(self._members[story] if story != key else member)
        self._members.setdefault(key, member)
        self._keys.append(key)
        if len(keys):
            self._index.add(member, keys)

    def move_last(self, story: str) -> None:
        """Put the article added last, which started a story of its own, into `story` (joined
        for another reason, e.g. the same meeting in another language): its later copies then
        join `story` too."""
        self._parent[-1] = self._root(self._members[story])

    def add(
        self,
        key: str,
        hashes: Hashes,
        shingles_of: Callable[[str], Hashes],
        *,
        keys: npt.NDArray[np.uint32] | None = None,
        apart_from: str | None = None,
    ) -> Join:
        """Group article `key` with shingle hashes `hashes` (and their band keys `keys`, if
        computed already); `shingles_of(k)` must return the shingles of an earlier article k,
        sorted and distinct (needed only for confirmed-candidate checks). `hashes` may hold
        repeats in any order (`shingles_many(distinct=False)`): they are sorted only if a
        candidate needs comparing, which most articles never have. With `apart_from`, the
        article joins anything but the story of that earlier article."""
        member = len(self._keys)
        avoid = self._root(self._members[apart_from]) if apart_from in self._members else -1
        if keys is None:
            keys = self.band_keys(hashes)
        # root: its closest confirmed copy (rank, member, similarity); the article's closest
        # is the best of these.
        stories: dict[int, tuple[tuple[float, float, int], int, Similarity]] = {}
        own: Hashes | None = None  # `hashes`, sorted and distinct, once a candidate needs it
        if len(hashes):
            compared = [
                candidate
                for candidate in _ranked(self._matches(keys))
                if avoid < 0 or self._root(candidate) != avoid
            ]
            if compared:
                own = distinct_hashes(hashes)
                theirs = [self._shingles(candidate, shingles_of) for candidate in compared]
                for candidate, found in zip(compared, similarities(own, theirs), strict=True):
                    if not found.is_copy(self.settings):
                        continue
                    rank = (found.jaccard, found.containment, -candidate)
                    root = self._root(candidate)
                    if root not in stories or rank > stories[root][0]:
                        stories[root] = (rank, candidate, found)
            self._index.add(member, keys, merge=not self._expected)
        else:
            keys = _NO_KEYS
        if not self._expected:
            self._fetched.clear()  # the batch `expect` fetched for is over
        self._keys.append(key)
        self._members.setdefault(key, member)
        self._remember(member, (hashes, False) if own is None else (own, True))
        if not stories:
            self._parent.append(member)
            return Join(story=key, keys=keys)
        _, closest, closest_similarity = max(stories.values(), key=lambda match: match[0])
        bridged = sorted(
            root
            for root, (_, match, _) in stories.items()
            if match == closest or self._overlap(match, closest, shingles_of)
        )
        oldest, *younger = bridged
        for root in younger:
            self._parent[root] = oldest
        self._parent.append(oldest)
        return Join(
            self._keys[oldest],
            self._keys[closest],
            closest_similarity,
            keys,
            tuple(self._keys[root] for root in younger),
        )

    def _overlap(self, a: int, b: int, shingles_of: Callable[[str], Hashes]) -> bool:
        """Whether two earlier members, matched by one new article in different stories,
        are parts of one text: a truncated copy and a rewritten one of the same report
        share paragraphs, and the fuller copy that matches both bridges their stories. A
        round-up that pastes two unrelated reports together matches both as well, but they
        share nothing: it joins the closer one's story and merges nothing."""
        shared = similarity(self._shingles(a, shingles_of), self._shingles(b, shingles_of))
        return shared.containment >= BRIDGE_OVERLAP

    def _root(self, member: int) -> int:
        parent = self._parent
        while parent[member] != member:
            parent[member] = parent[parent[member]]  # path halving
            member = parent[member]
        return member

    def _shingles(self, member: int, shingles_of: Callable[[str], Hashes]) -> Hashes:
        """An earlier member's shingles, sorted and distinct."""
        cached = self._cache.get(member)
        if cached is not None and cached[1]:
            self._cache.move_to_end(member)
            return cached[0]
        hashes = self._fetched.get(member)  # kept: another article may need it too
        if hashes is None:
            hashes = distinct_hashes(cached[0]) if cached else shingles_of(self._keys[member])
        self._remember(member, (hashes, True))
        return hashes

    def _remember(self, member: int, hashes: tuple[Hashes, bool]) -> None:
        self._cache[member] = hashes
        self._cache.move_to_end(member)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _ranked(matches: Counter[int]) -> list[int]:
    """The first MAX_CANDIDATES candidates, the most band agreements first, then the oldest:
    the order they are compared in, which never depends on when they were found."""
    if len(matches) <= _SORT_IN_PYTHON:
        ranked = sorted(matches.items(), key=lambda item: (-item[1], item[0]))
        return [member for member, _ in ranked[:MAX_CANDIDATES]]
    # Hundreds of candidates (articles sharing boilerplate): ranked by numpy, the same order.
    members = np.fromiter(matches.keys(), dtype=np.int64, count=len(matches))
    agreements = np.fromiter(matches.values(), dtype=np.int64, count=len(matches))
    first = np.lexsort((members, -agreements))[:MAX_CANDIDATES]
    ranked_members: list[int] = members[first].tolist()
    return ranked_members
