"""When two articles are copies: the thresholds (`Settings`), the exact similarity of two
shingle sets, and the LSH band keys that make them candidates in the first place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from feeds.shingles import SIGNATURE_SIZE, Hashes, band_keys, signatures

#: How many shingles a copy's smaller side needs before containment alone can join it: a
#: two-line brief is "contained" in many long articles that share a stock phrase.
MIN_CONTAINED = 40
_NO_KEYS = np.zeros(0, dtype=np.uint32)


@dataclass(frozen=True)
class Settings:
    """When two articles are copies: Jaccard >= `jaccard`, or containment >= `containment`
    with at least MIN_CONTAINED shingles on the smaller side. `bands` x `rows` = signature
    size; the chance that a pair of Jaccard J becomes a candidate is 1 - (1 - J**rows)**bands.
    The defaults are justified by the measurements in docs/stories.md."""

    jaccard: float = 0.7
    containment: float = 0.9
    bands: int = 42
    rows: int = 3

    def __post_init__(self) -> None:
        if self.bands * self.rows > SIGNATURE_SIZE:
            raise ValueError(f"bands x rows must be at most {SIGNATURE_SIZE}")
        for name in ("jaccard", "containment"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")


@dataclass(frozen=True)
class Similarity:
    jaccard: float
    containment: float  # shared shingles / shingles of the smaller set
    smaller: int  # shingles of the smaller set

    def is_copy(self, settings: Settings) -> bool:
        if self.jaccard >= settings.jaccard:
            return True
        return self.containment >= settings.containment and self.smaller >= MIN_CONTAINED


def similarity(a: Hashes, b: Hashes) -> Similarity:
    """Exact Jaccard and containment of two sorted distinct shingle-hash arrays."""
    [found] = similarities(a, [b])
    return found


def similarities(a: Hashes, others: Sequence[Hashes]) -> list[Similarity]:
    """`similarity(a, b)` for each b of `others`, in one pass: every hash of theirs is looked
    up in `a` by binary search at once (an article's candidates are compared together;
    one numpy pass per pair cost most of the grouping of articles sharing boilerplate)."""
    if not others:
        return []
    sizes = [len(b) for b in others]
    shared = [0] * len(others)
    if len(a) and any(sizes):
        every = np.concatenate(others)
        at = np.minimum(np.searchsorted(a, every), len(a) - 1)
        hits = np.concatenate(([0], np.cumsum(a[at] == every)))
        ends = np.cumsum(sizes)
        shared = (hits[ends] - hits[ends - sizes]).tolist()
    return [_similarity(count, len(a), size) for count, size in zip(shared, sizes, strict=True)]


def _similarity(shared: int, size_a: int, size_b: int) -> Similarity:
    smaller = min(size_a, size_b)
    if not smaller:
        return Similarity(0.0, 0.0, smaller)
    return Similarity(shared / (size_a + size_b - shared), shared / smaller, smaller)


def band_keys_of(hashes: Hashes, settings: Settings) -> npt.NDArray[np.uint32]:
    """The LSH band keys of a shingle set under `settings` (stored by the projection, so a
    restart rebuilds the index without re-reading any text); none for an empty set."""
    [keys] = band_keys_many([hashes], settings)
    return keys


def band_keys_many(sets: Sequence[Hashes], settings: Settings) -> list[npt.NDArray[np.uint32]]:
    """`band_keys_of` each shingle set, the signatures computed together."""
    keys = band_keys(signatures(sets), bands=settings.bands, rows=settings.rows)
    return [row if len(hashes) else _NO_KEYS for row, hashes in zip(keys, sets, strict=True)]
