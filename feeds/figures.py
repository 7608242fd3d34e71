"""A pure extractor of figures (money amounts, percentages, counts of projects and the like)
from Vietnamese and English text, each with what it measures and the period it covers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from feeds.figure_patterns import (
    COUNT_UNITS,
    CURRENCY_LEAD_ENDS,
    DECREASE,
    DIGIT_RUNS,
    FIGURE,
    FIGURE_LOWER,
    PREFIX_CURRENCY,
    SCALES,
    SUFFIX_CURRENCY,
    lead,
)
from feeds.measures import ECONOMIC, MACRO, UNSPECIFIED, frame_of, measure_of
from feeds.numbers import guess_language, parse_number
from feeds.periods import period_of
from feeds.text import nfc_lower, sentence_around

MONEY, PERCENT, COUNT = "money", "percent", "count"
KINDS = (MONEY, PERCENT, COUNT)
#: Words that may follow a currency-less amount ("27.000 tỷ") when it is a sum of money;
#: any other word after it is what is counted ("1,4 tỷ người", "3 triệu liều").
_BARE_FOLLOWERS = frozenset(
    "và so trong cho từ đến tới năm vào thì là của nhưng mỗi tương trở với khi để sau hay hoặc "
    "nên còn đã được thuộc vốn doanh lợi".split()
)

#: Words before a count of firms that make it a count of attendees.
_ATTENDING = re.compile(
    r"(?:tham\s+gia|tham\s+dự|góp\s+mặt|attended\s+by|participation\s+of|participants|"
    r"gathered|brought\s+together)(?:\s+[^\W\d]+){0,3}\s+$",
    re.IGNORECASE,
)
_TIME_UNITS = frozenset("năm tháng ngày year month day".split())


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure found in an article field."""

    kind: str  # money | percent | count
    # The amount in units (scale applied): "2,2 tỷ USD" -> 2200000000; "-2,5%" -> -2.5.
    value: Decimal
    unit: str  # ISO currency code (with "/tấn" for a price per unit), "%", or the counted thing
    text: str  # the exact span as written
    start: int  # offsets of the span in the field's text
    end: int
    sentence: str  # the sentence the span came from
    field: str = "text"  # title | text
    direction: str | None = None  # "up" / "down" when the text says increase / decrease
    measure: str = UNSPECIFIED  # trade, investment, prices… or fine, prize, fraud-loss…
    cue: str = ""  # the words that decided the measure
    period: str | None = None  # "hai tháng đầu năm 2025", "last year"
    inferred: bool = False  # the currency was not written ("27.000 tỷ" read as VND)

    @property
    def economic(self) -> bool:
        return self.measure in ECONOMIC

    def explain(self) -> str:
        period = f", {self.period}" if self.period else ""
        cue = f" «{self.cue}»" if self.cue else ""
        return f"{self.text} = {self.value} {self.unit} ({self.measure}{period}){cue}"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": str(self.value),
            "unit": self.unit,
            "text": self.text,
            "field": self.field,
            "direction": self.direction,
            "measure": self.measure,
            "economic": self.economic,
            "period": self.period,
            "inferred": self.inferred,
            "sentence": self.sentence,
        }


def article_figures(title: str, text: str, *, language: str | None = None) -> list[Figure]:
    """Every figure of an article, each once: a title repeating the text ("the same span or
    the same kind, value and unit") gives no second figure, nor does a repeat in the text
    (`_repeats`: the same amount of the same measure and period, as a lead restates it)."""
    body = extract_figures(text, language=language, field="text")
    heading = extract_figures(title, language=language, field="title")
    seen: dict[tuple[str, Decimal, str], list[Figure]] = {}
    unique: list[Figure] = []
    texts = {f.text for f in body}
    for figure in [*heading, *body]:
        key = (figure.kind, figure.value, figure.unit)
        if any(_repeats(figure, f) for f in seen.get(key, ())):
            continue
        if figure.field == "title" and (
            figure.text in texts or any((f.kind, f.value, f.unit) == key for f in body)
        ):
            continue  # the text's copy, with its sentence, is the one kept
        seen.setdefault(key, []).append(figure)
        unique.append(figure)
    # A story holding a trade, GDP or inflation figure is about the economy: only the others
    # may be a crime, court, charity or celebrity story (and reading that costs a scan).
    macro = any(f.measure in MACRO for f in unique)
    frame = frame_of(title, text) if unique and not macro else None
    if frame is not None:
        unique = [
            f if f.measure in MACRO else replace(f, measure=frame[0], cue=f"story: {frame[1]}")
            for f in unique
        ]
    return unique


def _repeats(figure: Figure, earlier: Figure) -> bool:
    """Whether `figure` restates `earlier` (same kind, value and unit): their measures and
    their periods agree, or one of them does not say ("exports of US$1.2 billion in 2023"
    and "imports of US$1.2 billion in 2024" are two figures)."""
    return (
        figure.measure == earlier.measure or UNSPECIFIED in (figure.measure, earlier.measure)
    ) and (figure.period == earlier.period or None in (figure.period, earlier.period))


def extract_figures(text: str, *, language: str | None = None, field: str = "text") -> list[Figure]:
    """Every figure in `text`, in order of appearance (economic or not: see `measure`)."""
    text, lowered = nfc_lower(text)
    if not text:
        return []
    language = language or guess_language(text)
    found: list[Figure] = []
    paragraphs: dict[int, list[tuple[int, int]]] = {}
    if len(lowered) == len(text):  # offsets still line up (not so for "İ" and a few others)
        matches = _candidates(lowered, FIGURE_LOWER)
    else:
        matches = _candidates(text, FIGURE)
    for match in matches:
        start, end = sentence_around(text, match.start(), paragraphs)
        figure = _figure(match, text, language, (start, end), field)
        if figure is not None:
            found.append(figure)
    return found


def _candidates(text: str, figure: re.Pattern[str]) -> Iterator[re.Match[str]]:
    # Only the lower-cased pattern may skip by `FOLLOWERS` (lower-case letters); under
    # IGNORECASE a few other letters ("K", the Kelvin sign…) would match too.
    may_skip = figure is FIGURE_LOWER
    pos = 0
    for digits in DIGIT_RUNS.finditer(text):
        start = digits.start()
        if start < pos:
            continue  # inside the figure just found
        # The digit run is [\d.,  ]* at its longest, so whatever the number's own length, a
        # figure that is not money written currency-first goes on after the run, past white
        # space, with a follower ("%", "tỷ", "dự án", "per cent"…: group `follows`, found
        # by the scan itself). "12/3", "276th", "năm 2024." have none, and then only a
        # currency just before the number could still make a figure (the lead check, then
        # the big pattern).
        follows = not may_skip or digits.start("follows") >= 0
        if not follows and not _after_currency(text, start):
            continue
        begin = lead(text, start, pos)
        match = figure.match(text, begin) if begin is not None else None
        if match is None and follows:
            match = figure.match(text, start)
        if match is not None:
            yield match
            pos = max(match.end(), start + 1)


def _after_currency(text: str, start: int) -> bool:
    """Whether a currency lead may end right before `start` (a cheap, conservative check)."""
    before = start - 1
    if before >= 0 and text[before].isspace():
        before -= 1
    return before >= 0 and text[before] in CURRENCY_LEAD_ENDS


def _figure(
    match: re.Match[str], text: str, language: str, bounds: tuple[int, int], field: str
) -> Figure | None:
    groups = match.groupdict()
    span = text[match.start() : match.end()]
    sentence = text[bounds[0] : bounds[1]]
    at = (match.start() - bounds[0], match.end() - bounds[0])
    direction, inferred, per = None, False, ""
    if groups["money_pre"]:
        kind, unit = MONEY, PREFIX_CURRENCY[groups["cur1"].lower()]
        value = _scaled(groups["num1"], groups["scale1"], language)
        per = groups["per1"] or ""
    elif groups["money_post"]:
        currency = " ".join(groups["cur2"].lower().split())
        if currency in ("đồng", "dong") and _looks_like_year(groups["num2"], groups["scale2"]):
            return None
        kind, unit = MONEY, SUFFIX_CURRENCY[currency]
        value = _scaled(groups["num2"], groups["scale2"], language)
        per = groups["per2"] or ""
    elif groups["percent"]:
        verb = " ".join((groups["verb"] or "").lower().split())
        direction = None if not verb else ("down" if verb in DECREASE else "up")
        kind, unit, value = PERCENT, "%", parse_number(groups["num3"], language)
    elif groups["count"]:
        kind, unit = COUNT, COUNT_UNITS[" ".join(groups["unit4"].lower().split())]
        if _ATTENDING.search(text, max(bounds[0], match.start() - 40), match.start()):
            return None  # "với sự tham gia của hơn 200 doanh nghiệp": who came, not a figure
        value = _scaled(groups["num4"], groups["scale4"], language)
    else:  # an amount with no currency: VND in an economic sentence of Vietnamese news
        following = text[match.end() : match.end() + 12].split()
        word = following[0].casefold() if following else ""
        if language != "vi" or (word[:1].isalpha() and word not in _BARE_FOLLOWERS):
            return None
        kind, unit, inferred = MONEY, "VND", True
        value = _scaled(groups["num5"], groups["scale5"], language)
    low_group = next((i for i in "235" if groups.get(f"low{i}")), None)
    if low_group is not None and kind != COUNT:
        low = _scaled(
            groups[f"low{low_group}"], groups[f"ls{low_group}"] or _scale(groups), language
        )
        if low >= value:  # no range ("quý I/2024 - 5%"): the figure starts at its number
            number = "num3" if kind == PERCENT else f"num{low_group}"
            again = match.re.match(match.string, match.start(number))
            return _figure(again, text, language, bounds, field) if again else None
    if groups["neg2"] or groups["neg3"] or groups["neg5"]:
        value = -value  # "-2,5%", "âm 0,5%", "−3 tỷ đồng"
    if per:
        unit = f"{unit}/{_per_unit(per)}"
    # "USD/tấn" is a price, "USD mỗi năm" a yearly amount (a trade turnover, a wage…).
    priced = bool(per) and _per_unit(per) not in _TIME_UNITS
    measure, cue = measure_of(
        sentence, *at, per_unit=priced, near=kind == PERCENT, change=direction is not None
    )
    if measure not in ECONOMIC and groups["verb"]:
        # Nothing else names it: the change verb may ("tăng trưởng âm 10%", "depreciated by").
        measure, cue = measure_of(sentence, match.start("num3") - bounds[0], at[1], near=True)
    if (inferred or kind == PERCENT) and measure not in ECONOMIC:
        # A percentage or a bare amount with nothing economic around it is no figure at
        # all ("99% cử tri", "95 per cent of graduates", "1,4 tỷ người").
        return None
    return Figure(
        kind,
        value,
        unit,
        span,
        match.start(),
        match.end(),
        sentence,
        field,
        direction,
        measure,
        cue,
        period_of(sentence, *at),
        inferred,
    )


def _per_unit(per: str) -> str:
    """ "/ tấn" -> "tấn"; " per barrel", " a barrel", " mỗi thùng" -> "barrel", "thùng"."""
    words = per.replace("/", " ").split()
    return words[-1].lower()


def _scaled(number: str, scale: str | None, language: str) -> Decimal:
    value = parse_number(number, language)
    if scale:
        value *= SCALES[" ".join(scale.lower().split())]
    return Decimal(int(value)) if value == value.to_integral_value() else value


def _scale(groups: dict[str, str | None]) -> str | None:
    return groups["scale2"] or groups["scale5"]


def _looks_like_year(number: str, scale: str | None) -> bool:
    return scale is None and number.isdigit() and len(number) == 4 and 1900 <= int(number) <= 2100
