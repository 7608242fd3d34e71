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
    if len(a) == 0 or len(b) == 0:
        return Similarity(0.0, 0.0, min(len(a), len(b)))
    shared = len(np.intersect1d(a, b, assume_unique=True))
    smaller = min(len(a), len(b))
    return Similarity(shared / (len(a) + len(b) - shared), shared / smaller, smaller)


def band_keys_of(hashes: Hashes, settings: Settings) -> npt.NDArray[np.uint32]:
    """The LSH band keys of a shingle set under `settings` (stored by the projection, so a
    restart rebuilds the index without re-reading any text); none for an empty set."""
    [keys] = band_keys_many([hashes], settings)
    return keys


def band_keys_many(sets: Sequence[Hashes], settings: Settings) -> list[npt.NDArray[np.uint32]]:
    """`band_keys_of` each shingle set, the signatures computed together."""
    keys = band_keys(signatures(sets), bands=settings.bands, rows=settings.rows)
    return [row if len(hashes) else _NO_KEYS for row, hashes in zip(keys, sets, strict=True)]
