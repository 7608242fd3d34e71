"""The period a figure covers, read from the time phrases of its sentence and the shape of its
clauses: a period inside a comparison ("so với năm 2022", "compared with 2023", the "from"
end of "from X to Y") is the baseline, not the figure's own period."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

from feeds.regex_parts import MONTHS

_COUNT = r"(?:\d+|một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|mười\s+một)"
_PERIOD = re.compile(
    r"(?<![\w-])(?:"
    rf"{_COUNT}\s+tháng\s+(?:đầu|cuối)\s+năm(?:\s+(?:nay|\d{{4}}))?"
    # "10 tháng năm 2024", "9 tháng năm nay": the months so far of a named year
    rf"|{_COUNT}\s+tháng\s+năm\s+(?:nay|ngoái|trước|\d{{4}})"
    r"|quý\s+(?:i{1,3}|iv|\d)(?:\s*/\s*\d{4}|\s+năm\s+\d{4}|\s+năm\s+nay)?"
    r"|(?:nửa\s+đầu|nửa\s+cuối)\s+năm(?:\s+\d{4}|\s+nay)?"
    r"|tháng\s+\d{1,2}(?:\s*/\s*\d{4}|\s+năm\s+\d{4})?"
    r"|giai\s+đoạn\s+\d{4}\s*[-–]\s*\d{4}"
    r"|(?:năm|trong\s+năm)\s+(?:\d{4}|nay|ngoái|trước|qua|tới)"
    r"|(?:cả\s+năm|mỗi\s+năm|hằng\s+năm|hàng\s+năm|một\s+năm|cùng\s+kỳ(?:\s+năm\s+(?:trước|ngoái))?)"
    r"|(?:in\s+)?the\s+first\s+(?:\w+\s+)?(?:months|quarter|half)(?:\s+of\s+(?:\d{4}|this\s+year|the\s+year))?"
    r"|(?:in\s+)?(?:q[1-4]|the\s+(?:first|second|third|fourth)\s+quarter)(?:\s+(?:of\s+)?\d{4})?"
    r"|(?:in\s+)?h[12](?:\s+|\s*/\s*)\d{4}|by\s+\d{4}"  # "in H1 2024"; a target "by 2030"
    r"|(?:last|this|next)\s+year|a\s+year|per\s+year|annually|year-on-year|in\s+\d{4}"
    rf"|(?:in\s+)?(?:{MONTHS})(?:\s+\d{{4}})?|\d{{4}}\s*[-–]\s*\d{{4}}"
    r")(?![\w-])"
)
#: Where a clause ends: punctuation (not the comma of "1,64"), or a conjunction.
_CLAUSE = re.compile(r"[,;:](?!\d)|[()]|\s(?:và|còn|nhưng|while|and|but)\s")
#: What opens a comparison whose period is the baseline: "so với", "so cùng kỳ", "compared
#: with", "than" (not "more than 5"), "from"/"từ" before an amount ("from US$1.2 billion in
#: 2022 to…"), "over the same period".
_BASELINE = re.compile(
    r"(?<!\w)(?:so\s+với|so\s+cùng|compared\s+(?:with|to)|as\s+against|versus"
    r"|than(?!\s+(?:us\$|\$|\d))|(?:over|on|from|against)\s+the\s+same\s+period"
    r"|(?:from|từ)(?=\s+(?:us\$|\$|[-−]?\d)))(?!\w)"
)
#: Where a "from" or "từ" comparison gives way to the figure it leads to: "từ X lên Y" is a
#: change (X the baseline), "từ X đến Y" a range (feeds/figure_patterns.py), no comparison.
_TO = {"from": re.compile(r"\sto\s"), "từ": re.compile(r"\s(?:lên|xuống)\s")}


class _Sentence(NamedTuple):
    periods: tuple[tuple[int, int], ...]
    clauses: tuple[tuple[int, int], ...]  # [start, end) of each clause
    baselines: tuple[tuple[int, int], ...]  # [start, end) of each comparison


@lru_cache(maxsize=512)
def _read(sentence: str) -> _Sentence:
    lowered = sentence.lower()
    if len(lowered) != len(sentence):
        return _Sentence((), ((0, len(sentence)),), ())
    periods = tuple(m.span() for m in _PERIOD.finditer(lowered))
    cuts = [0, *(m.start() for m in _CLAUSE.finditer(lowered)), len(lowered)]
    clauses = tuple(pairwise(cuts))
    baselines = []
    for m in _BASELINE.finditer(lowered):
        end = next(e for s, e in clauses if s <= m.start() < e) if clauses else len(lowered)
        to = _TO.get(m.group())
        if to is not None:
            found = to.search(lowered, m.end(), end)
            if found is None and m.group() == "từ":
                continue
            end = found.start() if found else end
        baselines.append((m.start(), end))
    return _Sentence(periods, clauses, tuple(baselines))


def _zone(spans: tuple[tuple[int, int], ...], start: int, end: int) -> tuple[int, int] | None:
    return next(((a, b) for a, b in spans if a <= start and end <= b), None)


def period_of(sentence: str, start: int, end: int) -> str | None:
    """The period of the figure at [start, end) of `sentence`: the nearest time phrase of
    its own clause, else the nearest before it in the sentence, else a later clause's that
    holds no other number ("…đạt 2 tỷ USD, trong năm 2024"). A phrase inside a comparison
    is the baseline's: only a figure inside that same comparison takes it."""
    read = _read(sentence)
    own = _zone(read.baselines, start, end)
    clause = next((c for c in read.clauses if c[0] <= end - 1 < c[1]), (start, end))
    candidates = [(a, b) for a, b in read.periods if _zone(read.baselines, a, b) == own]
    in_clause = [(a, b) for a, b in candidates if clause[0] <= a and b <= clause[1]]
    if in_clause:
        a, b = min(in_clause, key=lambda p: start - p[1] if p[1] <= start else p[0] - end)
        return sentence[a:b]
    before = [(a, b) for a, b in candidates if b <= start]
    if before:
        a, b = before[-1]
        return sentence[a:b]
    for a, b in candidates:
        if a < end:
            continue
        outer = _zone(read.clauses, a, b) or (a, b)
        rest = sentence[outer[0] : a] + sentence[b : outer[1]]
        if not any(c.isdigit() for c in rest):
            return sentence[a:b]
        break
    return None
