"""The fast scanners of the meeting extractor find exactly what the plain regexes they replace
find: a look-behind checked in Python, a sparse scan for phrases opening with capitals, a trie
whose branches are tried in another order. Checked on the real corpus and on generated text
made of the phrases' own pieces (where boundaries are hardest)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.countries import find_countries, names
from feeds.finders import WordFinder
from feeds.mentions import _TITLES
from feeds.text import WordScanner, sentence_bounds, word_regex
from feeds.titles import TITLE
from feeds.triggers import _TRIGGERS_SCAN, TRIGGERS
from tests.feeds import news_vi

_COUNTRY_REGEX = word_regex(names(), left=r"(?<![\w.-])")
_COUNTRY_FINDER = WordFinder.of(_COUNTRY_REGEX, not_after=".-")
_AFTER = " \n(\"“'/"
_DENSE_COUNTRIES = WordScanner(names(), after=_AFTER)
_SPARSE_COUNTRIES = WordScanner(names(), after=_AFTER, sparse=True)
_PLAIN_TRIGGERS = WordScanner(TRIGGERS)

#: Pieces of text where the scanners' boundaries matter: names, titles and triggers, and what
#: may stand before or after them (letters, digits, "_", "-", ".", quotes, brackets, spaces).
_PIECES = [
    *("Việt Nam", "Lào", "Mỹ", "Hoa Kỳ", "Trung Quốc", "Anh", "Nga", "US", "U.S.", "Laos"),
    *("Cocos (Keeling) Islands", "Côte d’Ivoire", "Hàn Quốc", "Nam", "Việt", "Nhật Bản"),
    *("thủ tướng", "Thủ tướng", "bộ trưởng", "prime minister", "Minister", "phó chủ tịch"),
    *("hội đàm", "gặp", "tiếp", "thăm", "talks", "met", "meeting", "co-chair", "đón tiếp"),
    *("trao đổi qua điện thoại", "spoke by telephone", "telephone talks", "chuyến thăm"),
    *(" ", "  ", "\n", "\t", "\u00a0", "(", ")", "“", "”", '"', "'", "/", ".", "-", "_", ","),
    *("a", "x", "ễ", "Đ", "1", "2024", "İ", "Σ", "ς"),
]
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


def _corpus_texts() -> list[str]:
    if not news_vi.CORPUS.is_dir():
        pytest.skip(f"news-vi is not at {news_vi.CORPUS} (../shared beside the repo)")
    articles = news_vi.load("tuning") + news_vi.load("validation")
    return [f"{a.title}\n{a.text}" for a in articles]


def _sentences(texts: list[str]) -> list[str]:
    return [text[a:b] for text in texts for a, b in sentence_bounds(text)]


def test_the_word_character_check_is_the_regex_engines_for_every_code_point() -> None:
    word = re.compile(r"\w")
    differ = [
        code
        for code in range(0x110000)
        if (word.match(chr(code)) is not None) != (chr(code).isalnum() or chr(code) == "_")
    ]
    assert differ == []


def _same_as_regex(finder: WordFinder, regex: re.Pattern[str], text: str) -> None:
    assert finder.spans(text) == [m.span() for m in regex.finditer(text)]
    assert [m.group() for m in finder.finditer(text)] == [m.group() for m in regex.finditer(text)]


def test_finders_without_look_behind_find_what_their_regexes_find_in_the_corpus() -> None:
    sentences = _sentences(_corpus_texts())
    for sentence in sentences:
        _same_as_regex(_COUNTRY_FINDER, _COUNTRY_REGEX, sentence)
        _same_as_regex(_TITLES, TITLE, sentence.lower())


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_finders_without_look_behind_find_what_their_regexes_find(text: str) -> None:
    _same_as_regex(_COUNTRY_FINDER, _COUNTRY_REGEX, text)
    _same_as_regex(_TITLES, TITLE, text.lower())


def test_a_finder_refuses_a_regex_without_the_look_behind_it_replaces() -> None:
    with pytest.raises(ValueError, match="does not start with"):
        WordFinder.of(re.compile(r"(?:Lào|Mỹ)"))


def _same_scans(text: str) -> None:
    assert _SPARSE_COUNTRIES.find(text) == _DENSE_COUNTRIES.find(text)
    assert _TRIGGERS_SCAN.find(text.lower()) == _PLAIN_TRIGGERS.find(text.lower())
    for start in (1, 3, len(text) // 2):
        if start <= len(text):
            assert _SPARSE_COUNTRIES.find(text, start) == _DENSE_COUNTRIES.find(text, start)
            end = max(start, len(text) - 2)
            assert _SPARSE_COUNTRIES.find(text, start, end) == _DENSE_COUNTRIES.find(
                text, start, end
            )


def test_sparse_and_reordered_scanners_find_what_the_plain_scan_finds_in_the_corpus() -> None:
    texts = _corpus_texts()
    for text in texts:
        _same_scans(text)
    for sentence in _sentences(texts)[:3000]:
        _same_scans(sentence)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_sparse_and_reordered_scanners_find_what_the_plain_scan_finds(text: str) -> None:
    _same_scans(text)


def test_country_hits_come_in_text_order_as_people_reading_them_expects() -> None:
    # `People._read` hands each sentence the next run of hits: they must be in order.
    for text in _corpus_texts():
        starts = [h.start for h in find_countries(text)]
        assert starts == sorted(set(starts))


def test_a_long_text_with_a_name_split_by_a_slash_finds_the_country_instead_of_failing() -> None:
    # Past 600 characters the scanner reads "/" between a name's words as a space; the
    # look-up of the name it found raised KeyError, and the meeting extractor with it.
    from feeds.countries import find_countries
    from feeds.meetings import extract_meetings

    text = "Đoàn Hoa/Kỳ đến thăm. " * 40
    hits = find_countries(text)
    assert {h.iso for h in hits} == {"US"} and hits[0].text == "Hoa/Kỳ"
    assert extract_meetings("", "Thủ tướng Lào hội đàm với Bộ trưởng Hoa/Kỳ. " * 30) != []


def test_no_sentence_is_read_longer_than_the_cap_and_none_of_the_text_is_lost() -> None:
    """A text with no full stop for 200 KB made the figures' and meetings' readings of its
    one "sentence" run for minutes (benchmarks/extractors_bench.py): it is read in pieces,
    cut at spaces, that together hold every word; real sentences (at most 950 characters
    in news-vi) are untouched."""
    from feeds.text import MAX_SENTENCE

    text = "Mở đầu " + "tăng 12,5% so với năm 2023, đạt 476,8 triệu USD, " * 4000
    bounds = sentence_bounds(text)
    assert len(bounds) > 1 and all(0 < b - a <= MAX_SENTENCE for a, b in bounds)
    assert all(text[a - 1] == " " for a, _ in bounds[1:])  # cut at spaces, not in words
    assert " ".join(text[a:b] for a, b in bounds) == text.strip()
    unbroken = "x" * (MAX_SENTENCE * 2 + 5)  # no space at all: cut at the cap
    assert [b - a for a, b in sentence_bounds(unbroken)] == [MAX_SENTENCE, MAX_SENTENCE, 5]
    for article in news_vi.load("tuning") + news_vi.load("validation"):
        for paragraph in article.text.split("\n"):
            assert all(b - a < MAX_SENTENCE for a, b in sentence_bounds(paragraph))
