"""Where the description after an official's title ends: "Bộ trưởng Bộ Giáo dục và Đào tạo
Việt Nam Nguyễn Văn A" runs over a ministry's name, its country and a person's name, and
stops at a stop word, punctuation or another title."""

from __future__ import annotations

import re

from feeds.countries import CountryHit
from feeds.titles import (
    CONNECTORS,
    OFFICE_JOINS,
    OFFICE_PAIRS,
    OFFICE_WORDS,
    QUALIFIERS,
    STOP_WORDS,
    TITLE,
    TITLE_FIRST_WORDS,
)

_TOKEN = re.compile(r"[^\s,;:.!?()\"“”]+|[,;:.!?()\"“”]")


def in_country(offset: int, hits: list[CountryHit]) -> bool:
    return any(h.start <= offset < h.end for h in hits)


def tail_end(sentence: str, lowered: str, start: int, hits: list[CountryHit]) -> int:
    """Where the description after a title ends: a stop word, punctuation or another title."""
    english = lowered[max(0, start - 12) : start].isascii()
    end = start
    previous_upper, previous = True, ""
    office = False  # inside a ministry's name, whose parts "và", "," and "-" join
    for count, token in enumerate(_TOKEN.finditer(sentence, start)):
        word = token.group()
        if office and not previous_upper and word in OFFICE_JOINS:
            previous = word  # kept only if a capitalised part follows ("dục và Đào tạo")
            continue
        paired = f"{previous} {word}" in OFFICE_PAIRS  # "Nông nghiệp", "Xã hội"
        if count >= 16 or not word[0].isalnum() or (word.casefold() in STOP_WORDS and not paired):
            break
        if (
            count
            and word.casefold() in TITLE_FIRST_WORDS
            and TITLE.match(lowered, token.start())
            and not in_country(token.start(), hits)
        ):
            break
        if word in CONNECTORS:
            continue  # "Minister of Foreign Affairs", "chairwoman of the … Association"
        upper = word[0].isupper()
        if not upper:
            qualifier = word.casefold() in QUALIFIERS
            # A lower-case syllable continues an office's name ("Bộ Quốc phòng", "Bộ trưởng
            # Giáo dục và Đào tạo"), never a person's ("Pompeo ngày 29/10", "Biden cam kết").
            # English office names hold no lower-case word but "of", "the".
            if previous in OFFICE_JOINS or (english and not qualifier):
                break
            if paired or (previous_upper and (office or previous in OFFICE_WORDS)):
                office = not english
            elif not qualifier:
                break
        previous_upper = upper
        previous = word
        end = token.end()
    return end
