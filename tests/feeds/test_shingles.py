"""The fingerprint and the index under near-duplicate detection: normalisation that ignores
Unicode form, case, punctuation and white space; exact similarity; the same result in every
process; an LSH index that loses nothing across its merges; stable story keys."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import bands
from feeds.bands import KEY_MEMBERS, LOOKUP_ROWS, BandIndex
from feeds.copies import Settings, band_keys_many, band_keys_of, similarities, similarity
from feeds.neardup import Grouper
from feeds.shingles import (
    PASS_CHARS,
    SIGNATURE_CHUNK,
    Hashes,
    band_keys,
    distinct_hashes,
    shingles,
    shingles_many,
    signature,
    signatures,
)
from tests.feeds import news_vi

ROOT = Path(__file__).resolve().parents[2]
LEAD = (
    "Chiều 8/1, tại Hà Nội, Thủ tướng Việt Nam đã hội đàm với Thủ tướng Lào đang thăm "
    "chính thức Việt Nam. Hai bên nhất trí tăng cường hợp tác kinh tế, thương mại và đầu tư."
)
BODY = [
    f"Đoạn {n}: hai nước ký kết {n} văn kiện về giao thông, giáo dục, y tế và ngân hàng "
    f"trong năm thứ {n}, nâng kim ngạch thương mại song phương lên {n} tỷ USD."
    for n in range(1, 9)
]

words = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạếềểễệ", min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(words, min_size=1, max_size=12), min_size=1, max_size=6))
def test_shingles_ignore_unicode_form_case_punctuation_and_white_space(
    paragraphs: list[list[str]],
) -> None:
    plain = "\n\n".join(" ".join(p) for p in paragraphs)
    noisy = "\n \n".join(
        "  " + ",  ".join(unicodedata.normalize("NFD", w.upper()) for w in p) + " .\n"
        for p in paragraphs
    )
    assert (shingles("Tin", plain) == shingles("TIN!", noisy)).all()


def test_shingles_never_span_two_paragraphs() -> None:
    text = "\n\n".join([LEAD, *BODY])
    swapped = "\n\n".join([LEAD, *reversed(BODY)])
    assert (shingles("T", text) == shingles("T", swapped)).all()
    joined = " ".join([LEAD, *BODY])  # one paragraph: shingles across the old breaks
    assert len(np.setdiff1d(shingles("T", joined), shingles("T", text))) > 0


def test_similarity_is_the_exact_jaccard_and_containment_of_the_shingle_sets() -> None:
    a = shingles("T", "\n\n".join([LEAD, *BODY]))
    b = shingles("T", "\n\n".join([LEAD, *BODY[:3]]))
    found = similarity(a, b)
    shared = set(a.tolist()) & set(b.tolist())
    assert found.jaccard == len(shared) / len(set(a.tolist()) | set(b.tolist()))
    assert found.containment == 1.0 == len(shared) / len(b)
    assert similarity(a, np.zeros(0, dtype=np.uint64)).jaccard == 0.0


# Drawn from a few values (so that sets share some), spread over the whole uint64 range:
# a value past 2**53 would not survive a float or int64 conversion.
_VALUES = [0, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 2, 2**64 - 1, *range(3, 40)]
_SETS = st.lists(st.sampled_from(_VALUES), max_size=40).map(
    lambda values: np.unique(np.array(values, dtype=np.uint64))
)


@given(_SETS, st.lists(_SETS, max_size=6))
def test_an_articles_candidates_compared_together_give_each_pairs_exact_similarity(
    own: Hashes, others: list[Hashes]
) -> None:
    """`similarities` (one pass over every candidate) against sets counted one by one,
    empty sets on either side included."""
    for found, other in zip(similarities(own, others), others, strict=True):
        shared = len(set(own.tolist()) & set(other.tolist()))
        smaller = min(len(own), len(other))
        assert found.smaller == smaller
        if smaller:
            assert found.jaccard == shared / (len(own) + len(other) - shared)
            assert found.containment == shared / smaller
        else:
            assert found.jaccard == found.containment == 0.0


def test_signature_agreement_estimates_the_jaccard_similarity() -> None:
    a = shingles("T", "\n\n".join([LEAD, *BODY]))
    b = shingles("T", "\n\n".join([LEAD, *BODY[:5]]))
    exact = similarity(a, b).jaccard
    estimate = float((signature(a) == signature(b)).mean())
    assert abs(estimate - exact) < 0.15
    assert len(shingles("", "")) == 0
    short = signature(shingles("", "hai nước"))  # one shingle: every bin densified from it
    assert len(set(short.tolist())) == 1


def test_fingerprints_are_the_same_in_another_process_with_another_hash_seed() -> None:
    text = "\n\n".join([LEAD, *BODY])
    code = (
        "import json, sys; from feeds.shingles import shingles, signature, band_keys;"
        "h = shingles('T', sys.stdin.read());"
        "print(json.dumps([h.tolist(), band_keys(signature(h), bands=42, rows=3).tolist()]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    here = shingles("T", text)
    assert json.loads(out.stdout) == [
        here.tolist(),
        band_keys(signature(here), bands=42, rows=3).tolist(),
    ]


#: Articles whose edges a pass of several must keep apart: empty, a title alone, one word, a
#: byline-sized paragraph first and last, characters outside the BMP, NFD and combining
#: marks at either end, and text with no blank line at its end.
EDGES = [
    ("", ""),
    ("Tin", ""),
    ("", "một"),
    ("Ngắn", "Phóng viên\n\n" + LEAD + "\n\nẢnh: TTXVN"),
    ("Ｅｍｏｊｉ 😀", "Cafe\u0301 Hà Nội 😀 x\n\ny"),
    ("\u0301mở đầu", unicodedata.normalize("NFD", LEAD) + "\u0301"),
    ("Không xuống dòng", " ".join(BODY)),
]


def test_fingerprints_of_a_batch_are_each_articles_own() -> None:
    """A pass over several articles (`shingles_many`, `signatures`, `band_keys_many`) gives
    each article exactly what it gets alone: no shingle spans two articles, none is lost at
    an edge, and passes split wherever PASS_CHARS falls."""
    articles = list(EDGES)
    if news_vi.CORPUS.is_dir():  # real text: long paragraphs, English and Vietnamese
        articles += [(a.title, a.text) for a in news_vi.load("tuning")[:60]]
    articles += [(f"Bài {n}", "\n\n".join([LEAD, *BODY[:n]])) for n in range(9)]
    articles += [("Dài", "\n\n".join(BODY * (PASS_CHARS // 800)))]  # a pass of its own
    articles += EDGES
    alone = [shingles(title, text) for title, text in articles]
    together = shingles_many(articles)
    assert len(together) == len(articles)
    for own, found in zip(alone, together, strict=True):
        assert found.dtype == np.uint64 and np.array_equal(own, found)
        assert (np.diff(found.astype(np.float64)) >= 0).all() and len(set(found.tolist())) == len(
            found
        )
    signed = signatures(together)
    assert signed.shape == (len(articles), 128)
    for own, row in zip(alone, signed, strict=True):
        assert np.array_equal(signature(own), row)
    # Signatures are computed SIGNATURE_CHUNK sets at a time: a batch of several chunks,
    # with an empty set at a chunk's edge, gives each set its own row too.
    many = [*together] * (2 * SIGNATURE_CHUNK // len(together) + 1)
    many.insert(SIGNATURE_CHUNK - 1, np.zeros(0, dtype=np.uint64))
    assert len(many) > 2 * SIGNATURE_CHUNK
    for own, row in zip(many, signatures(many), strict=True):
        assert np.array_equal(signature(own), row)
    settings = Settings()
    for own, keys in zip(alone, band_keys_many(together, settings), strict=True):
        assert np.array_equal(band_keys_of(own, settings), keys)
        assert len(keys) == (settings.bands if len(own) else 0)
    assert shingles_many([]) == [] and signatures([]).shape == (0, 128)


def test_fingerprints_stay_those_an_earlier_version_stored() -> None:
    """The stories view stores each article's band keys and rebuilds its index from them after
    a restart, without re-reading any text: a fingerprint that changed between versions would
    stop old articles from matching new copies. Digest of the fingerprints of fixed texts
    as the code of commit 97becde computed them, one article at a time."""
    digest = hashlib.sha256()
    cases = [("Hội đàm Việt Nam - Lào", "\n\n".join([LEAD, *BODY])), *EDGES[:1]]
    cases += [("T", "hai nước"), ("Tin ngắn", "Một\n\nhai ba\n\n" + LEAD), EDGES[4]]
    for title, text in cases:
        hashes = shingles(title, text)
        digest.update(hashes.tobytes())
        digest.update(band_keys(signature(hashes), bands=42, rows=3).tobytes())
    assert digest.hexdigest() == (
        "9eebb64de78c700810e2d01d461a70847ae622912a2695f0611e3daaf3c1eb47"
    )


def test_band_index_finds_every_member_under_a_key_across_buffer_merges() -> None:
    rng = np.random.default_rng(3)
    index = BandIndex(buffer_entries=64)
    keys = [rng.integers(0, 2**32, 8, dtype=np.uint64).astype(np.uint32) for _ in range(300)]
    for member, k in enumerate(keys):
        assert index.matches(k) == {}
        index.add(member, k)
    shared = keys[10].copy()
    for member in range(300, 305):
        index.add(member, shared)  # five more members under the same keys as member 10
    assert len(index) == 305 * 8
    assert index.matches(shared) == {10: 8, 300: 8, 301: 8, 302: 8, 303: 8, 304: 8}
    index.flush()
    assert index.matches(shared) == {10: 8, 300: 8, 301: 8, 302: 8, 303: 8, 304: 8}
    assert index.matches(keys[299][:3]) == {299: 3}


def test_a_story_keeps_its_first_articles_key_as_copies_join_and_records_why() -> None:
    full = shingles("Hội đàm Việt Nam - Lào", "\n\n".join([LEAD, *BODY]))
    short = shingles("Việt Nam - Lào hội đàm", "\n\n".join([LEAD, *BODY[:3]]))
    other = shingles("Khác", "\n\n".join(b.replace("hai nước", "ba bên") for b in BODY))
    known = {"first": full, "second": short, "third": other}
    grouper = Grouper()
    assert grouper.add("first", full, known.__getitem__).story == "first"
    second = grouper.add("second", short, known.__getitem__)
    assert (second.story, second.via) == ("first", "first")
    assert second.similarity is not None and second.similarity.containment > 0.95
    third = grouper.add("third", other, known.__getitem__)
    assert (third.story, third.via, third.similarity) == ("third", None, None)
    again = grouper.add("fourth", short, known.__getitem__)
    assert (again.story, again.via) == ("first", "second")  # the closest copy, same story


def test_an_article_that_copies_two_stories_merges_the_younger_into_the_older() -> None:
    # Two overlapping parts of one report (a truncated copy, one without its lead), neither
    # a copy of the other; the whole report matches both. (Two parts that share nothing,
    # as a round-up of two reports: tests/feeds/test_neardup.py.)
    first_half = shingles("Hội đàm", "\n\n".join([LEAD, *BODY[:6]]))
    second_half = shingles("Ký kết", "\n\n".join(BODY[3:]))
    both = np.union1d(first_half, second_half)
    known = {"older": first_half, "younger": second_half, "bridge": both}
    grouper = Grouper()
    assert grouper.add("older", first_half, known.__getitem__).story == "older"
    assert grouper.add("younger", second_half, known.__getitem__).story == "younger"
    bridge = grouper.add("bridge", both, known.__getitem__)
    assert (bridge.story, bridge.merged) == ("older", ("younger",))
    assert [grouper.story_of(k) for k in known] == ["older", "older", "older"]
    # Later copies of the younger story's text now join the older story too.
    known["late"] = second_half
    late = grouper.add("late", second_half, known.__getitem__)
    assert (late.story, late.via, late.merged) == ("older", "younger", ())
    # Restored from its stored rows (story ids as they are after the merge): the same state.
    restored = Grouper()
    for key in ("older", "younger", "bridge", "late"):
        restored.restore(key, grouper.band_keys(known[key]), "older")
    assert restored.story_of("late") == "older"
    assert restored.add("again", first_half, known.__getitem__).story == "older"


def test_settings_refuse_impossible_values() -> None:
    with pytest.raises(ValueError, match="bands x rows"):
        Settings(bands=100, rows=2)
    with pytest.raises(ValueError, match="jaccard"):
        Settings(jaccard=0.0)


def test_band_index_answers_as_a_plain_dictionary_after_many_merges() -> None:
    # Keys from a small range, so that buckets hold many entries and members share keys.
    rng = np.random.default_rng(11)
    index = BandIndex(buffer_entries=500)
    plain: dict[int, list[int]] = {}
    for member in range(2_000):
        keys = rng.choice(5_000, 6, replace=False).astype(np.uint32)  # an article's are distinct
        index.add(member, keys)
        for key in keys.tolist():
            plain.setdefault(key, []).append(member)
    for _ in range(200):
        query = rng.choice(5_000, 6, replace=False).astype(np.uint32)
        expected: dict[int, int] = {}
        for key in query.tolist():
            for member in plain.get(key, ()):
                expected[member] = expected.get(member, 0) + 1
        assert index.matches(query) == expected


@pytest.mark.parametrize("in_python", [0, 10**9], ids=["counted-by-numpy", "counted-in-python"])
def test_band_index_looks_many_rows_up_together_as_one_by_one(
    in_python: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`merged_matches` over more rows than one look-up chunk, with keys spread over the
    whole 32-bit range (full, empty and uneven buckets) and some shared: each row gets what
    a plain dictionary gives, a row of no keys nothing, whether the hits are counted by
    numpy (many) or one by one (few)."""
    monkeypatch.setattr(bands, "COUNT_IN_PYTHON", in_python)
    rng = np.random.default_rng(12)
    index = BandIndex(buffer_entries=1_000)
    plain: dict[int, list[int]] = {}
    pool = rng.integers(0, 2**32, 3_000, dtype=np.uint64).astype(np.uint32)
    for member in range(1_500):
        keys = rng.choice(pool, 8, replace=False)
        index.add(member, keys)
        for key in keys.tolist():
            plain.setdefault(key, []).append(member)
    index.flush()
    rows = [rng.choice(pool, 8, replace=False) for _ in range(LOOKUP_ROWS + 70)]
    rows[5] = rng.integers(0, 2**32, 8, dtype=np.uint64).astype(np.uint32)  # likely no hit
    rows[9] = np.zeros(0, dtype=np.uint32)
    for query, found in zip(rows, index.merged_matches(rows), strict=True):
        expected: dict[int, int] = {}
        for key in query.tolist():
            for member in plain.get(key, ()):
                expected[member] = expected.get(member, 0) + 1
        assert found == expected


def test_a_key_of_many_members_answers_its_oldest_whatever_the_buffer_merges() -> None:
    """A story copied by hundreds of feeds puts hundreds of members under each of its keys;
    a look-up returns each key's oldest KEY_MEMBERS (every further copy read them all:
    the worker benchmark's projection process grew to 1 GB). The answer is the same with
    the buffer merged often, rarely or never, and looked up row by row or together."""
    rng = np.random.default_rng(21)
    hot = rng.choice(2**32, 8, replace=False).astype(np.uint32)
    added = []
    for member in range(700):
        keys = rng.choice(2**32, 8, replace=False).astype(np.uint32)
        if member % 3:  # two in three share 5 of the hot keys, each its own mix
            keys[:5] = rng.choice(hot, 5, replace=False)
        added.append(keys)
    plain: dict[int, list[int]] = {}
    for member, keys in enumerate(added):
        for key in keys.tolist():
            plain.setdefault(key, []).append(member)
    queries = [hot, hot[:3], added[5], added[650], rng.choice(2**32, 8).astype(np.uint32)]
    expected = []
    for query in queries:
        counts: dict[int, int] = {}
        for key in query.tolist():
            for member in plain.get(key, [])[:KEY_MEMBERS]:
                counts[member] = counts.get(member, 0) + 1
        expected.append(counts)
    assert max(len(m) for m in plain.values()) > 4 * KEY_MEMBERS  # a wide bucket
    for buffer in (16, 300, 5_000, 10**9):
        index = BandIndex(buffer_entries=buffer)
        for member, keys in enumerate(added):
            index.add(member, keys)
        assert [index.matches(q) for q in queries] == expected, buffer
        merged = index.merged_matches(queries)
        together = [index.buffered_matches(q, m) for q, m in zip(queries, merged, strict=True)]
        assert together == expected, buffer
        index.flush()
        assert [index.matches(q) for q in queries] == expected, buffer


def test_a_batch_looked_up_ahead_groups_as_articles_added_one_by_one() -> None:
    """`Grouper.expect` looks a batch's band keys up in the index's merged entries at once;
    the index then merges its buffer only after the batch. Copies within the batch, copies
    of articles merged before it, and buffer merges inside it give the same joins."""
    texts = [("Gốc", "\n\n".join([LEAD, *BODY]))]
    texts += [(f"Tin {n}", f"Đoạn riêng {n} về chủ đề số {n * 7919}.") for n in range(60)]
    texts += [(f"Bản {n}", "\n\n".join([LEAD, *BODY[: 3 + n % 5]])) for n in range(40)]
    rng = np.random.default_rng(5)
    order = rng.permutation(len(texts))
    sets = [shingles(*texts[i]) for i in order]
    keys = band_keys_many(sets, Settings())
    known = {f"k{n}": own for n, own in enumerate(sets)}
    alone, ahead = Grouper(index_buffer=200), Grouper(index_buffer=200)
    one_by_one = [
        alone.add(f"k{n}", own, known.__getitem__, keys=k)
        for n, (own, k) in enumerate(zip(sets, keys, strict=True))
    ]
    batched = []
    for start in range(0, len(sets), 17):  # batches across several buffer merges
        ahead.expect(keys[start : start + 17])
        for n in range(start, min(start + 17, len(sets))):
            batched.append(ahead.add(f"k{n}", sets[n], known.__getitem__, keys=keys[n]))
    assert [(j.story, j.via, j.merged) for j in batched] == [
        (j.story, j.via, j.merged) for j in one_by_one
    ]
    assert sum(j.via is not None for j in batched) >= 39
    # Keys other than those announced: looked up afresh, the same answer.
    ahead.expect([keys[0]])
    again = ahead.add("late", sets[0], known.__getitem__, keys=keys[0].copy())
    assert (again.story, again.via) == (alone.add("late", sets[0], known.__getitem__).story, "k0")


def test_unsorted_shingles_give_the_same_set_and_band_keys() -> None:
    """`shingles_many(distinct=False)`, what the stories projection fingerprints with, is each
    article's shingles as they come: sorted and made distinct, the default's; the same
    signature and band keys (repeats change no bin's minimum)."""
    articles = [*EDGES, ("Lặp lại", "\n\n".join([LEAD, LEAD, *BODY, LEAD]))]
    plain, raw = shingles_many(articles), shingles_many(articles, distinct=False)
    assert any(len(r) > len(p) for p, r in zip(plain, raw, strict=True))  # repeats kept
    for own, found in zip(plain, raw, strict=True):
        assert np.array_equal(distinct_hashes(found), own)
    assert np.array_equal(signatures(plain), signatures(raw))
    settings = Settings()
    for own, found in zip(
        band_keys_many(plain, settings), band_keys_many(raw, settings), strict=True
    ):
        assert np.array_equal(own, found)


def test_candidates_read_back_ahead_are_read_together_and_group_the_same() -> None:
    """With a cache smaller than the log (20 entries, batches of 16), copies of articles gone
    from it need their shingles read back. `expect(keys, fetch)` reads those its look-up
    brings in one call; `add` then asks `shingles_of` only for the few the buffer's matches
    add. Unsorted shingles with the fetch group exactly as sorted ones read one at a time."""
    texts = [(f"Gốc {n}", "\n\n".join([f"Mở đầu số {n}.", *BODY[n % 3 :]])) for n in range(6)]
    texts += [(f"Tin {n}", f"Đoạn riêng {n} về chủ đề số {n * 7919}.") for n in range(60)]
    texts += [(f"Bản {n}", "\n\n".join([f"Mở đầu số {n % 6}.", *BODY[n % 3 :]])) for n in range(30)]
    order = [*range(6), *np.random.default_rng(9).permutation(np.arange(6, len(texts)))]
    articles = [texts[i] for i in order]
    plain = shingles_many(articles)
    raw = shingles_many(articles, distinct=False)
    keys = band_keys_many(plain, Settings())
    known = {f"k{n}": own for n, own in enumerate(plain)}
    asked: list[str] = []
    fetched: list[list[str]] = []

    def one(key: str) -> Hashes:
        asked.append(key)
        return known[key]

    def many(wanted: list[str]) -> list[Hashes]:
        fetched.append(wanted)
        return [known[key] for key in wanted]

    alone = Grouper(index_buffer=100, cache_size=20)
    ahead = Grouper(index_buffer=100, cache_size=20)
    one_by_one = [
        alone.add(f"k{n}", own, known.__getitem__, keys=k)
        for n, (own, k) in enumerate(zip(plain, keys, strict=True))
    ]
    batched = []
    for start in range(0, len(raw), 16):
        ahead.expect(keys[start : start + 16], many)
        for n in range(start, min(start + 16, len(raw))):
            batched.append(ahead.add(f"k{n}", raw[n], one, keys=keys[n]))
    assert [(j.story, j.via, j.similarity, j.merged) for j in batched] == [
        (j.story, j.via, j.similarity, j.merged) for j in one_by_one
    ]
    assert sum(j.via is not None for j in batched) >= 25
    read_ahead = sum(map(len, fetched))
    assert read_ahead >= 10 and len(asked) < read_ahead / 2, (read_ahead, len(asked))
