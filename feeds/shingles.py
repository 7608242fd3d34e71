"""The fingerprint of an article for near-duplicate detection: hashed word shingles of its
normalised text and their MinHash signature, computed with numpy on code points (no regex, no
per-word Python calls) because this runs once per article and must cost well under 0.5 ms."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from feeds.text import nfc

Hashes = npt.NDArray[np.uint64]

#: Words per shingle. Vietnamese writes one syllable per "word", so 4 syllables are about two
#: words: long enough that unrelated articles share almost none (measured in docs/stories.md),
#: short enough that a rewritten sentence leaves the rest of its paragraph intact.
SHINGLE_WORDS = 4
#: Signature length (bins of one-permutation hashing); a power of two.
SIGNATURE_SIZE = 128
#: Fixed seed: the same text gives the same shingles and signature in every process and replay.
SEED = 0x6E65_7773_6C65_6467  # "newsledg"

_BASE = 0x100_0000_01B3  # odd, so invertible modulo 2**64
_BASE_INVERSE = pow(_BASE, -1, 2**64)
_MIX1 = np.uint64(0xBF58_476D_1CE4_E5B9)
_MIX2 = np.uint64(0x94D0_49BB_1331_11EB)
_COMBINE = np.uint64(0x9E37_79B9_7F4A_7C15)
#: Characters fingerprinted in one pass (about ten 4 KB articles): its arrays (~1 MB) stay
#: in the CPU's caches. Measured on the benchmark's articles: 162 µs an article alone, 76-84
#: µs in passes of 8-16 articles, 100-220 µs in passes of 64-1,000 (docs/stories.md).
PASS_CHARS = 48_000
#: Shingle sets whose signatures are computed together (about 1.5 MB of shingles).
SIGNATURE_CHUNK = 256
_EMPTY = np.uint64(1 << 32)  # above every 32-bit bin value: marks a bin no shingle fell into
_NEWLINE = 10


def mix(values: Hashes) -> Hashes:
    """splitmix64's finaliser: every input bit moves every output bit (arrays wrap mod 2**64)."""
    mixed = values ^ (values >> np.uint64(30))  # a new array; the steps below work in it
    mixed *= _MIX1
    mixed ^= mixed >> np.uint64(27)
    mixed *= _MIX2
    mixed ^= mixed >> np.uint64(31)
    return mixed


@functools.cache
def _fold() -> npt.NDArray[np.uint32]:
    """For every BMP code point: its lower-case form if it is a letter or digit, else 0 (a
    separator). One table, so one gather per text. Characters outside the BMP (emoji, rare
    CJK) are clipped to U+FFFF, a separator."""
    table = np.zeros(0x10000, dtype=np.uint32)
    for point in range(0x10000):
        char = chr(point)
        if char.isalnum():
            low = char.lower()
            table[point] = ord(low) if len(low) == 1 else point
    return table


@functools.cache
def _powers(size: int) -> tuple[Hashes, Hashes]:
    """BASE**i and BASE**-i modulo 2**64 for i < size (size a power of two, cached)."""
    forward = np.full(size, _BASE, dtype=np.uint64)
    forward[0] = 1
    backward = np.full(size, _BASE_INVERSE, dtype=np.uint64)
    backward[0] = 1
    return np.cumprod(forward), np.cumprod(backward)


def shingles(title: str, text: str, *, size: int = SHINGLE_WORDS, seed: int = SEED) -> Hashes:
    """Sorted distinct 64-bit hashes of the `size`-word shingles of title and text.

    Normalised first: Unicode NFC, lower case, every run of characters that are not letters or
    digits is one separator, so NFD input, punctuation, quotes and white space or line wrapping
    changes do not matter. A shingle never spans two paragraphs (blank-line separated; the
    title is one): reordering or dropping whole paragraphs removes no shingle of the paragraphs
    kept. A paragraph shorter than `size` words (a byline, a caption) is one shingle of its
    words.
    """
    [found] = shingles_many([(title, text)], size=size, seed=seed)
    return found


def shingles_many(
    articles: Sequence[tuple[str, str]],
    *,
    size: int = SHINGLE_WORDS,
    seed: int = SEED,
    distinct: bool = True,
    normalised: bool = False,
) -> list[Hashes]:
    """`shingles(title, text)` of each (title, text), the same arrays, computed a pass of
    several articles at a time: one numpy call per step for the pass instead of per article
    (about 40 calls, most of an article's cost when it is alone).

    With `distinct=False`, each article's shingle hashes as they come, in text order with
    any repeats: the same set, without the sort that makes it sorted and distinct (a fifth
    of the pass's time, measured in docs/stories.md). Its signature is the same; only an
    exact comparison needs the sorted form (`distinct`), and the stories projection makes
    one for the few articles that have candidates. With `normalised`, each title and text
    is in NFC already (the caller normalised it, for other readers of the same text too)."""
    found: list[Hashes] = []
    texts: list[str] = []  # one pass's: normalising the whole batch first held a copy of it
    chars = 0
    for end, (title, text) in enumerate(articles, 1):
        # Each part normalised alone is the whole normalised: a line break composes with
        # nothing, on either side.
        if not normalised:
            title, text = nfc(title), nfc(text)
        texts.append(f"{title}\n\n{text}")
        chars += len(texts[-1])
        if chars >= PASS_CHARS or end == len(articles):
            hashed, cuts = _shingles_pass(texts, size, seed)
            for low, high in itertools.pairwise(cuts):
                own = hashed[low:high]
                # A copy, not a view: a view would keep its whole pass alive in a cache.
                found.append(distinct_hashes(own) if distinct else own.copy())
            texts, chars = [], 0
    return found


def distinct_hashes(hashes: Hashes) -> Hashes:
    """The sorted distinct values of a shingle-hash array (what `shingles` returns)."""
    own = np.sort(hashes)
    keep = np.ones(len(own), dtype=np.bool_)
    np.not_equal(own[1:], own[:-1], out=keep[1:])
    return own[keep]


def _shingles_pass(texts: list[str], size: int, seed: int) -> tuple[Hashes, list[int]]:
    """The shingle hashes of normalised texts, in text order, and where each text's begin
    and end in them. The texts are joined by a blank line: a paragraph break, so no
    shingle spans two articles, and a word's hash does not depend on where it starts."""
    points = np.frombuffer("\n\n".join(texts).encode("utf-32-le"), dtype=np.uint32)
    # Clipped to U+FFFF (a separator) by `take` itself, not by a pass of its own.
    codes = _fold().take(points, mode="clip")
    padded = np.zeros(len(codes) + 2, dtype=np.bool_)
    padded[1:-1] = codes != 0
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[0::2], edges[1::2]
    if len(starts) == 0:
        return np.zeros(0, dtype=np.uint64), [0] * (len(texts) + 1)
    forward, backward = _powers(1 << len(codes).bit_length())
    prefix = np.empty(len(codes) + 1, dtype=np.uint64)
    prefix[0] = 0
    np.multiply(codes, forward[: len(codes)], out=prefix[1:])
    np.cumsum(prefix[1:], out=prefix[1:])
    # Polynomial hash of each word, shifted back to its own start: position-independent.
    words = mix((prefix[ends] - prefix[starts]) * backward[starts] ^ np.uint64(seed))
    # A paragraph ends at a blank line: two line breaks with no letter between them (the
    # ingested text separates paragraphs with "\n\n"; a single "\n" is only line wrapping).
    # Line breaks are few (a pass has ~50 000 characters and a few hundred breaks), so each
    # is placed in the gap before the word after it, instead of counting breaks up to every
    # character (a cumulative sum over the pass: a tenth of the fingerprint's cost). Two
    # breaks in one gap: that gap ends a paragraph. A gap before the first word or after
    # the last ends none.
    gap = np.searchsorted(starts, np.flatnonzero(points == _NEWLINE))
    blank = gap[1:][gap[1:] == gap[:-1]]
    blank = blank[(blank > 0) & (blank < len(starts))]
    breaks = np.zeros(len(starts) - 1, dtype=np.bool_)
    breaks[blank - 1] = True
    paragraph = np.zeros(len(starts), dtype=np.intp)
    np.cumsum(breaks, out=paragraph[1:])
    # One slot per word, for the shingle that starts there: so the shingles stay in text
    # order, each article's a contiguous run.
    count = len(words)
    slots = np.zeros(count, dtype=np.uint64)
    taken = np.zeros(count, dtype=np.bool_)
    if count >= size:
        windows = count - size + 1
        combined = words[:windows].copy()
        for offset in range(1, size):
            combined *= _COMBINE
            combined += words[offset : windows + offset]
        slots[:windows] = combined
        taken[:windows] = paragraph[:windows] == paragraph[size - 1 :]
    # A paragraph shorter than `size` has no full window: its one shingle takes the slot of
    # its first word.
    first = np.flatnonzero(breaks)
    first += 1
    bounds = np.empty(len(first) + 2, dtype=np.intp)
    bounds[0], bounds[1:-1], bounds[-1] = 0, first, count
    lengths = bounds[1:] - bounds[:-1]
    short = lengths < size
    if short.any():
        at = bounds[:-1][short]
        slots[at] = _short_paragraphs(words, at, lengths[short])
        taken[at] = True
    hashed = mix(slots[taken])
    # Where each article's shingles begin: at its first word (its text starts two characters
    # after the end of the text before it).
    offsets = np.cumsum([len(whole) + 2 for whole in texts[:-1]], dtype=np.intp)
    before = np.zeros(count + 1, dtype=np.intp)
    np.cumsum(taken, out=before[1:])
    cuts = [0, *before[np.searchsorted(starts, offsets)].tolist(), len(hashed)]
    return hashed, cuts


def _short_paragraphs(
    words: Hashes, first: npt.NDArray[np.intp], counts: npt.NDArray[np.intp]
) -> Hashes:
    """One shingle for each paragraph with fewer than SHINGLE_WORDS words, given their first
    words and lengths (Python ints: numpy warns on scalar overflow, and these are few)."""
    found: list[int] = []
    combine = int(_COMBINE)
    for start, count in zip(first.tolist(), counts.tolist(), strict=True):
        combined = count  # the length, so "a b" and "a b c" never collide by construction
        for value in words[start : start + count].tolist():
            combined = (combined * combine + value) & 0xFFFF_FFFF_FFFF_FFFF
        found.append(combined)
    return np.array(found, dtype=np.uint64)


def signature(hashes: Hashes, *, size: int = SIGNATURE_SIZE, seed: int = SEED) -> Hashes:
    """The MinHash signature of a shingle set by one-permutation hashing with optimal
    densification (Li, Owen and Zhang 2012; Shrivastava 2017): each shingle falls into one of
    `size` bins by its top bits, a bin keeps its smallest 32-bit value, and an empty bin copies
    the bin a fixed hash sequence of its own index lands on first. Two signatures agree at a
    bin with probability equal to the Jaccard similarity of the sets, as for `size`
    independent permutations, at 1/`size` of their cost. An empty set gives all-`_EMPTY`."""
    signed: Hashes = signatures([hashes], size=size, seed=seed)[0]
    return signed


def signatures(
    sets: Sequence[Hashes], *, size: int = SIGNATURE_SIZE, seed: int = SEED
) -> npt.NDArray[np.uint64]:
    """`signature` of each shingle set, one row each, computed together (in chunks: the
    step below holds a few arrays the size of all the chunk's shingles, and a projection's
    batch of 1,000-2,000 articles at once made them the grouping step's peak of memory)."""
    if len(sets) <= SIGNATURE_CHUNK:
        return _signatures(sets, size, seed)
    return np.concatenate(
        [
            _signatures(sets[start : start + SIGNATURE_CHUNK], size, seed)
            for start in range(0, len(sets), SIGNATURE_CHUNK)
        ]
    )


def _signatures(sets: Sequence[Hashes], size: int, seed: int) -> npt.NDArray[np.uint64]:
    bins = np.full((len(sets), size), _EMPTY, dtype=np.uint64)
    if not sets:
        return bins
    lengths = np.fromiter(map(len, sets), dtype=np.intp, count=len(sets))
    hashes = np.concatenate(sets)
    # Shingle hashes are already seeded and mixed: their top bits pick the bin, the low 32
    # bits are the value, two independent parts of one uniform hash.
    shift = np.uint64(64 - (size.bit_length() - 1))
    rows = np.repeat(np.arange(len(sets), dtype=np.intp) * size, lengths)
    flat = bins.reshape(-1)
    np.minimum.at(flat, rows + (hashes >> shift).astype(np.intp), hashes & np.uint64(0xFFFF_FFFF))
    # An empty set keeps its empty bins: there is nothing to copy from.
    row, empty = np.nonzero((bins == _EMPTY) & (lengths > 0)[:, None])
    if len(row) == 0:
        return bins
    filled = bins.copy()
    attempt = 1
    while len(row):
        probe = mix(
            empty.astype(np.uint64) * _COMBINE + np.uint64(attempt) ^ np.uint64(seed)
        ) % np.uint64(size)
        source = bins[row, probe.astype(np.intp)]
        hit = source != _EMPTY
        filled[row[hit], empty[hit]] = source[hit]
        row, empty = row[~hit], empty[~hit]
        attempt += 1
    return filled


def band_keys(sig: Hashes, *, bands: int, rows: int) -> npt.NDArray[np.uint32]:
    """One 32-bit key per band of `rows` consecutive signature values: two articles are LSH
    candidates when any band key agrees. A signature per row gives a row of keys each."""
    shaped = sig[..., : bands * rows].reshape(*sig.shape[:-1], bands, rows)
    combined = (shaped * _band_multipliers(bands, rows)).sum(axis=-1, dtype=np.uint64)
    return (mix(combined) >> np.uint64(32)).astype(np.uint32)


@functools.cache
def _band_multipliers(bands: int, rows: int) -> Hashes:
    """Fixed odd multipliers, one per (band, row): a band's key is a seeded linear hash of its
    values, then mixed; the band index is in the multipliers, so equal values in different
    bands give different keys."""
    index = np.arange(bands * rows, dtype=np.uint64).reshape(bands, rows)
    return mix(index * _COMBINE ^ np.uint64(SEED)) | np.uint64(1)
