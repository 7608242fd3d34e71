"""The locality-sensitive index of near-duplicate detection: band key -> members, held in one
sorted numpy array (8 bytes per band and article) instead of Python dicts (~70 bytes), so
100,000 articles with 42 bands fit in ~34 MB."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import numpy.typing as npt

Keys = npt.NDArray[np.uint32]
Entries = npt.NDArray[np.uint64]  # key << 32 | member, sorted
Positions = npt.NDArray[np.intp]

#: Entries buffered in a dict before they are merged into the sorted array.
BUFFER_ENTRIES = 1 << 17
#: Rows of keys looked up together among the merged entries (~10,000 keys: a few MB of
#: temporaries).
LOOKUP_ROWS = 256
#: Members of one key a look-up returns at most: its oldest. A story copied by a thousand
#: feeds puts a thousand members under each of its keys, and every further copy read them
#: all (the worker benchmark's projection process: 1 GB and minutes a round). The oldest
#: are as good as any: they are copies of one story, and a copy joins it through them.
KEY_MEMBERS = 64
#: Hits of a look-up counted one by one in Python up to this many; numpy's fixed cost
#: (sorting them to count) is larger below it (an article with few candidates).
COUNT_IN_PYTHON = 256
#: A bucket wider than this is not read whole: its key's own range is searched for.
WIDE_BUCKET = 4 * KEY_MEMBERS
_SHIFT = np.uint64(32)
_MEMBER = np.uint64(0xFFFF_FFFF)


class BandIndex:
    """Members (dense ints, added in increasing order) under their band keys.

    New entries go to a dict (key -> member; the rare second member under one key goes to
    `_more`). When it fills, its entries (`key << 32 | member`, one uint64 each) are sorted and
    merged into the main array (a stable sort of two sorted runs is one linear merge), and a
    bucket table by the top bits of the key is rebuilt: a look-up then reads one short,
    contiguous slice per key instead of binary-searching a large array (cache misses were
    most of the cost).
    """

    def __init__(self, *, buffer_entries: int = BUFFER_ENTRIES) -> None:
        self._limit = buffer_entries
        self._buffer: dict[int, int] = {}
        self._more: dict[int, list[int]] = {}
        self._buffered = 0  # entries in `_buffer` and `_more`
        self._entries: Entries = np.zeros(0, dtype=np.uint64)
        self._bits = 0
        self._offsets = np.zeros(2, dtype=np.int64)

    def __len__(self) -> int:
        extra = sum(len(members) for members in self._more.values())
        return len(self._buffer) + extra + len(self._entries)

    def nbytes(self) -> int:
        """Bytes held by the sorted array and its bucket table (the buffer is bounded)."""
        return int(self._entries.nbytes + self._offsets.nbytes)

    def matches(self, keys: Keys) -> Counter[int]:
        """For each member sharing at least one band key with `keys`: how many it shares."""
        [merged] = self.merged_matches([keys])
        return self.buffered_matches(keys, merged)

    def buffered_matches(self, keys: Keys, found: Counter[int]) -> Counter[int]:
        """`found` (the matches among the merged entries) plus those still in the buffer,
        up to KEY_MEMBERS members a key in all: the merged ones are the older, so what a
        look-up returns never depends on when the buffer was merged."""
        buffer = self._buffer
        common = sorted(buffer.keys() & keys.tolist())
        if not common:
            return found
        merged = [0] * len(common)
        if len(self._entries):
            first, end = self._key_ranges(np.array(common, dtype=np.uint64))
            merged = (end - first).tolist()
        for key, before in zip(common, merged, strict=True):
            room = KEY_MEMBERS - before
            if room > 0:
                found[buffer[key]] += 1
                found.update(self._more.get(key, ())[: room - 1])
        return found

    def merged_matches(self, rows: Sequence[Keys]) -> list[Counter[int]]:
        """For each array of keys in `rows`, the matches among the merged entries only,
        looked up together (a dozen numpy calls for a chunk of rows instead of for each;
        a story batch's look-ups, its applying process's largest cost after confirming)."""
        found: list[Counter[int]] = [Counter() for _ in rows]
        if not len(self._entries):
            return found
        for start in range(0, len(rows), LOOKUP_ROWS):
            chunk = rows[start : start + LOOKUP_ROWS]
            lengths = np.fromiter(map(len, chunk), dtype=np.intp, count=len(chunk))
            if not lengths.sum():
                continue
            wanted = np.concatenate(chunk).astype(np.uint64)
            owner = np.repeat(np.arange(start, start + len(chunk)), lengths)
            bucket = (wanted >> np.uint64(32 - self._bits)).astype(np.intp)
            low = self._offsets[bucket]
            widths = self._offsets[bucket + 1] - low
            wide = widths > WIDE_BUCKET
            if wide.any():  # a key of many members: its own range, its oldest members
                first, end = self._key_ranges(wanted[wide])
                low[wide] = first
                widths[wide] = np.minimum(end - first, KEY_MEMBERS)
            total = int(widths.sum())
            if not total:
                continue
            # Every entry of each key's bucket, one after another: the buckets' positions
            # laid end to end (a bucket holds ~16 entries, the fullest of a chunk's ~10,000
            # about 45; padding each to the fullest read three times as many).
            ends = np.cumsum(widths)
            at = np.arange(total) + np.repeat(low - (ends - widths), widths)
            values = self._entries[at]
            hit = (values >> _SHIFT) == np.repeat(wanted, widths)
            # A key's entries are in member order: its first KEY_MEMBERS hits are its oldest.
            counted = np.concatenate(([0], np.cumsum(hit)))  # hits before each entry
            rank = counted[1:] - np.repeat(counted[ends - widths], widths)
            hit &= rank <= KEY_MEMBERS
            owners, members = np.repeat(owner, widths)[hit], values[hit] & _MEMBER
            if len(members) <= COUNT_IN_PYTHON:
                for index, member in zip(owners.tolist(), members.tolist(), strict=True):
                    found[index][member] += 1
                continue
            # Counted by numpy rather than hit by hit: articles sharing stock phrases (a
            # source's boilerplate) match hundreds of members under each of their 42 keys.
            pairs = (owners.astype(np.uint64) << _SHIFT) | members
            pairs, counts = np.unique(pairs, return_counts=True)
            rows_at = np.searchsorted(pairs >> _SHIFT, np.arange(start, start + len(chunk) + 1))
            members, hits = (pairs & _MEMBER).tolist(), counts.tolist()
            for index, (lo, hi) in enumerate(pairwise(rows_at.tolist()), start):
                if hi > lo:
                    found[index].update(dict(zip(members[lo:hi], hits[lo:hi], strict=True)))
        return found

    def _key_ranges(self, keys: npt.NDArray[np.uint64]) -> tuple[Positions, Positions]:
        """Where each key's merged entries begin and end (entries are key << 32 | member,
        sorted, so a key's are one range, in member order)."""
        keyed = keys << _SHIFT
        first = np.searchsorted(self._entries, keyed)
        return first, np.searchsorted(self._entries, keyed | _MEMBER, side="right")

    def add(self, member: int, keys: Keys, *, merge: bool = True) -> None:
        """Add `member` under `keys`; the buffer is merged once full, unless not `merge`
        (look-ups made ahead among the merged entries must stay valid)."""
        wanted = keys.tolist()
        buffer = self._buffer
        if buffer.keys().isdisjoint(wanted):
            buffer.update(dict.fromkeys(wanted, member))
        else:
            for key in wanted:
                if key in buffer:
                    self._more.setdefault(key, []).append(member)
                else:
                    buffer[key] = member
        # Counted with the second members: copies of one story add few new keys.
        self._buffered += len(wanted)
        if merge and self._buffered >= self._limit:
            self.flush()

    def flush(self) -> None:
        """Merge the buffered entries into the sorted array.

        Memory shapes this as much as time: at 100,000 articles the array is 34 MB, and
        merging by sorting everything, then bucketing every entry, held four arrays of its
        size at once (old, merged, the sort's buffer, each entry's bucket), the grouping
        step's peak (docs/stories.md). The two sorted runs (the array, then the buffer's)
        are concatenated and sorted stably: numpy's stable sort of integers this wide is a
        timsort, which finds the two runs and merges them in one linear pass with a scratch
        space the size of the shorter (the buffer's). That is 4-5 times cheaper than
        inserting the run where `searchsorted` puts it (a binary search per entry, then a
        copy), and allocates no more. The bucket offsets grow by the run's own counts per
        bucket; they are searched for again, one per bucket, only when the table doubles."""
        buffer, more = self._buffer, self._more
        if not buffer:
            return
        keys = np.fromiter(buffer.keys(), dtype=np.uint64, count=len(buffer))
        members = np.fromiter(buffer.values(), dtype=np.uint64, count=len(buffer))
        extra = [(key << 32) | member for key, values in more.items() for member in values]
        run = np.concatenate(((keys << _SHIFT) | members, np.array(extra, dtype=np.uint64)))
        run.sort()
        self._buffer, self._more, self._buffered = {}, {}, 0
        merged = np.concatenate((self._entries, run))
        merged.sort(kind="stable")
        self._entries = merged
        # About 16 entries per bucket; 2**bits + 1 offsets: where each bucket's first key
        # would go, and the end.
        bits = max(1, min(24, (len(merged) // 16).bit_length()))
        if bits == self._bits:
            shift = np.uint64(64 - bits)
            counts = np.bincount((run >> shift).astype(np.intp), minlength=1 << bits)
            self._offsets[1:] += np.cumsum(counts)
            return
        self._bits = bits
        firsts = np.arange(1 << bits, dtype=np.uint64) << np.uint64(64 - bits)
        self._offsets = np.empty((1 << bits) + 1, dtype=np.int64)
        self._offsets[:-1] = np.searchsorted(merged, firsts)
        self._offsets[-1] = len(merged)
