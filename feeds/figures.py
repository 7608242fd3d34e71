"""A pure extractor of economic figures (money amounts, percentages, counts of projects and
the like) from Vietnamese and English text, in both languages' number styles."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from feeds.numbers import guess_language, parse_number
from feeds.text import Matcher, nfc, sentence_at, sentence_bounds

MONEY, PERCENT, COUNT = "money", "percent", "count"
KINDS = (MONEY, PERCENT, COUNT)

_NUMBER = r"\d{1,3}(?:[.,\u00a0 ]\d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?"

#: Scale words multiply the number; the longest spelling is tried first.
_SCALES: dict[str, int] = {
    "nghìn tỷ": 10**12,
    "ngàn tỷ": 10**12,
    "nghìn tỉ": 10**12,
    "ngàn tỉ": 10**12,
    "trillion": 10**12,
    "tn": 10**12,
    "billion": 10**9,
    "tỷ": 10**9,
    "tỉ": 10**9,
    "bn": 10**9,
    "million": 10**6,
    "triệu": 10**6,
    "mn": 10**6,
    "m": 10**6,
    "thousand": 10**3,
    "nghìn": 10**3,
    "ngàn": 10**3,
    "k": 10**3,
}
_SHORT_SCALES = {"tn", "bn", "mn", "m", "k"}  # only glued to a number after a symbol: "$5m"

#: Currency spellings written before the number, and words written after it.
_PREFIX_CURRENCY = {
    "us$": "USD",
    "$": "USD",
    "usd": "USD",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "vnd": "VND",
    "vnđ": "VND",
    "lak": "LAK",
}
_SUFFIX_CURRENCY = {
    "usd": "USD",
    "us dollars": "USD",
    "u.s. dollars": "USD",
    "dollars": "USD",
    "đô la mỹ": "USD",
    "đô-la mỹ": "USD",
    "đô la": "USD",
    "đôla": "USD",
    "vnd": "VND",
    "vnđ": "VND",
    "đồng": "VND",
    "dong": "VND",
    "kíp": "LAK",
    "kip": "LAK",
    "lak": "LAK",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "nhân dân tệ": "CNY",
    "yuan": "CNY",
    "cny": "CNY",
    "baht": "THB",
    "bạt": "THB",
    "thb": "THB",
    "yen": "JPY",
    "jpy": "JPY",
}

#: Countable economic things. Students, visitors, casualties and sessions are deliberately absent.
_COUNT_UNITS = {
    "dự án": "projects",
    "projects": "projects",
    "project": "projects",
    "doanh nghiệp": "enterprises",
    "enterprises": "enterprises",
    "companies": "enterprises",
    "firms": "enterprises",
    "tấn": "tonnes",
    "tonnes": "tonnes",
    "tons": "tonnes",
}

#: "đồng" also starts "đồng thời", "đồng chí", "đồng chủ trì"…: a bare number before one of
#: these ("năm 2024 đồng thời") is not a sum of money.
_DONG_COMPOUNDS = (
    "thời|chí|chủ|ý|bào|hương|minh|bằng|loạt|tình|thuận|đội|nghĩa|phục|cảm|hành|tâm|lòng|"
    "bộ|nhất|đều|hồ|sáng|tác|ca|môn|thanh|tiền|nghiệp|dao|cỏ|ruộng|quê|bọn|thau|xu"
)


def _alternation(words: Iterable[str]) -> str:
    spelled = sorted(words, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(part) for part in w.split()) for w in spelled)


#: Words that may stand between a count and its unit ("241 investment projects").
_COUNT_QUALIFIERS = (
    "investment",
    "new",
    "foreign",
    "fdi",
    "active",
    "licensed",
    "energy",
    "infrastructure",
)
_PERCENT_WORDS = ("%", "phần trăm", "per cent", "percent")
_LONG_SCALES = _alternation(w for w in _SCALES if w not in _SHORT_SCALES)
_ALL_SCALES = _alternation(_SCALES)
_FIGURE = re.compile(
    rf"""
    (?P<money_pre>(?P<cur1>us\$|\$|€|£|\b(?:usd|eur|vnd|vnđ|lak)\b)\s?
        (?P<num1>{_NUMBER})(?:\s?(?P<scale1>{_ALL_SCALES})(?!\w))?)
  | (?P<money_post>(?<![\w.,])(?P<num2>{_NUMBER})\s?(?:(?P<scale2>{_LONG_SCALES})\s+)?
        (?P<cur2>{_alternation(_SUFFIX_CURRENCY)})(?!\w)(?!\s+(?:{_DONG_COMPOUNDS})(?!\w)))
  | (?P<percent>(?:(?P<verb>tăng\s+trưởng|tăng|giảm|rose|fell|grew|increased|decreased|declined|
                   dropped|up|down|growth\s+of)\s+(?:by\s+|khoảng\s+|gần\s+|hơn\s+|xấp\s+xỉ\s+)?)?
        (?<![\w.,])(?P<num3>{_NUMBER})\s?(?P<pct>%|phần\s+trăm|per\s?cent|percent)(?!\w))
  | (?P<count>(?<![\w.,])(?P<num4>{_NUMBER})\s+(?:(?P<scale4>{_LONG_SCALES})\s+)?
        (?:(?:{"|".join(_COUNT_QUALIFIERS)})\s+)?
        (?P<unit4>{_alternation(_COUNT_UNITS)})(?!\w))
    """,
    re.IGNORECASE | re.VERBOSE,
)
#: The same pattern for lower-cased text: case-insensitive matching costs 2-3 times more.
_FIGURE_LOWER = re.compile(_FIGURE.pattern, re.VERBOSE)
_DECREASE = {"giảm", "fell", "decreased", "declined", "dropped", "down"}

#: A percentage is economic only in a sentence about the economy (or holding a money amount):
#: "turnout reached 99%" and "95% of students passed" are not economic figures.
_ECONOMIC_CONTEXT = Matcher(
    [
        "kinh tế",
        "gdp",
        "fdi",
        "tăng trưởng",
        "thương mại",
        "kim ngạch",
        "xuất khẩu",
        "nhập khẩu",
        "đầu tư",
        "vốn",
        "lạm phát",
        "giá",
        "ngân sách",
        "doanh thu",
        "lợi nhuận",
        "thuế",
        "sản lượng",
        "giải ngân",
        "tín dụng",
        "lãi suất",
        "tỷ giá",
        "economy",
        "economic",
        "growth",
        "trade",
        "exports",
        "export",
        "imports",
        "import",
        "investment",
        "investments",
        "inflation",
        "prices",
        "price",
        "budget",
        "revenue",
        "revenues",
        "profit",
        "profits",
        "tariff",
        "tariffs",
        "output",
        "capital",
        "sales",
        "turnover",
        "disbursement",
        "credit",
        "interest rate",
        "exchange rate",
        "gross domestic product",
    ]
)


@dataclass(frozen=True, slots=True)
class Figure:
    """One economic figure found in an article field."""

    kind: str  # money | percent | count
    value: Decimal  # the amount in units (scale applied): "2,2 tỷ USD" -> 2200000000
    unit: str  # ISO currency code, "%", or the counted thing ("projects")
    text: str  # the exact span as written
    start: int  # offsets of the span in the field's text
    end: int
    sentence: str  # the sentence the span came from
    field: str = "text"  # title | text
    direction: str | None = None  # "up" / "down" when the text says increase / decrease


def extract_figures(text: str, *, language: str | None = None, field: str = "text") -> list[Figure]:
    """Every economic figure in `text`, in order of appearance."""
    text = nfc(text)
    if not text:
        return []
    language = language or guess_language(text)
    found: list[Figure] = []
    bounds: list[tuple[int, int]] | None = None
    lowered = text.lower()
    if len(lowered) == len(text):  # offsets still line up (not so for "İ" and a few others)
        matches = _candidates(lowered, _FIGURE_LOWER)
    else:
        matches = _candidates(text, _FIGURE)
    for match in matches:
        if bounds is None:
            bounds = sentence_bounds(text)
        start, end = sentence_at(bounds, match.start())
        sentence = text[start:end]
        figure = _figure(match, text[match.start() : match.end()], language, sentence, field)
        if figure is not None:
            found.append(figure)
    money_sentences = {f.sentence for f in found if f.kind == MONEY}
    return [
        f
        for f in found
        if f.kind != PERCENT
        or f.sentence in money_sentences
        or _ECONOMIC_CONTEXT.search(f.sentence.casefold()) is not None
    ]


#: Every figure holds a number: the big pattern is only tried *at* each digit run, or at a
#: currency sign or change verb just before it, never searched across the whole text
#: (searching it was the slowest part of a replay).
_DIGITS = re.compile(r"\d[\d.,\u00a0 ]*")
_LEAD_VERBS = (
    r"tăng\s+trưởng|tăng|giảm|rose|fell|grew|increased|decreased|declined|dropped|up|down|"
    r"growth\s+of"
)
#: What may stand right before a number and belong to the figure: a change verb (with a
#: qualifier), or a currency written first. Anchored at the number (`$` at `endpos`).
_LEAD = re.compile(
    rf"(?:(?:{_LEAD_VERBS})\s+(?:(?:by|khoảng|gần|hơn|xấp\s+xỉ)\s+)?"
    r"|us\$\s?|[$€£]\s?|(?<!\w)(?:usd|eur|vnd|vnđ|lak)\s?)$",
    re.IGNORECASE,
)
#: The last word of every lead: only a number after one of these can have a lead.
_LEAD_ENDS = frozenset(
    "tăng trưởng giảm rose fell grew increased decreased declined dropped up down of by khoảng "
    "gần hơn xỉ usd eur vnd vnđ lak".split()
)
_BEFORE = 32  # longer than any lead ("tăng trưởng xấp xỉ ")


def _lead(text: str, start: int, floor: int) -> int | None:
    """Where the lead of the number at `start` begins, if it has one (cheap checks first)."""
    end = start - 1 if start and text[start - 1] == " " else start
    if end <= floor:
        return None
    if text[end - 1] not in "$€£":
        word = text[text.rfind(" ", 0, end) + 1 : end]
        if word not in _LEAD_ENDS and word.casefold() not in _LEAD_ENDS:
            return None
    found = _LEAD.search(text, max(floor, start - _BEFORE), start)
    return found.start() if found is not None else None


#: How what follows a number begins when the figure starts at the number (no currency or
#: verb before it): the first word of a scale, a currency, a counted unit or its qualifier,
#: or a percent word. Short scales ("5m") only follow a currency written first.
_FOLLOWERS = tuple(
    sorted(
        {
            word.split()[0]
            for word in (
                *(w for w in _SCALES if w not in _SHORT_SCALES),
                *_SUFFIX_CURRENCY,
                *_COUNT_UNITS,
                *_COUNT_QUALIFIERS,
                *_PERCENT_WORDS,
                "per",  # "per cent"
            )
        }
    )
)


#: The last character of every currency lead (`us$`, `$`, `€`, `£`, usd, eur, vnd, vnđ, lak).
_CURRENCY_LEAD_ENDS = frozenset("$€£drđk")


def _candidates(text: str, figure: re.Pattern[str]) -> Iterator[re.Match[str]]:
    # Only the lower-cased pattern may skip by `_FOLLOWERS` (lower-case letters); under
    # IGNORECASE a few other letters ("K", the Kelvin sign…) would match too.
    may_skip = figure is _FIGURE_LOWER
    size = len(text)
    pos = 0
    for digits in _DIGITS.finditer(text):
        start = digits.start()
        if start < pos:
            continue  # inside the figure just found
        follows = True
        if may_skip:
            # The digit run is [\d.,  ]* at its longest, so whatever the number's own
            # length, a figure that is not money written currency-first goes on after the
            # run, past white space, with a follower ("%", "tỷ", "dự án", "per cent"…).
            # "12/3", "276th", "năm 2024." fail here, and then only a currency just before
            # the number could still make a figure (the lead check, then the big pattern).
            after = digits.end()
            while after < size and text[after].isspace():
                after += 1
            follows = text.startswith(_FOLLOWERS, after)
            if not follows and not _after_currency(text, start):
                continue
        lead = _lead(text, start, pos)
        match = figure.match(text, lead) if lead is not None else None
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
    return before >= 0 and text[before] in _CURRENCY_LEAD_ENDS


def _figure(
    match: re.Match[str], text: str, language: str, sentence: str, field: str
) -> Figure | None:
    groups = match.groupdict()
    span = (match.start(), match.end())
    if groups["money_pre"]:
        unit = _PREFIX_CURRENCY[groups["cur1"].lower()]
        value = _scaled(groups["num1"], groups["scale1"], language)
        return Figure(MONEY, value, unit, text, *span, sentence, field)
    if groups["money_post"]:
        currency = " ".join(groups["cur2"].lower().split())
        if currency in ("đồng", "dong") and _looks_like_year(groups["num2"], groups["scale2"]):
            return None
        value = _scaled(groups["num2"], groups["scale2"], language)
        return Figure(MONEY, value, _SUFFIX_CURRENCY[currency], text, *span, sentence, field)
    if groups["percent"]:
        verb = " ".join((groups["verb"] or "").lower().split())
        direction = None if not verb else ("down" if verb in _DECREASE else "up")
        value = parse_number(groups["num3"], language)
        return Figure(PERCENT, value, "%", text, *span, sentence, field, direction)
    unit = _COUNT_UNITS[" ".join(groups["unit4"].lower().split())]
    value = _scaled(groups["num4"], groups["scale4"], language)
    return Figure(COUNT, value, unit, text, *span, sentence, field)


def _scaled(number: str, scale: str | None, language: str) -> Decimal:
    value = parse_number(number, language)
    if scale:
        value *= _SCALES[" ".join(scale.lower().split())]
    return Decimal(int(value)) if value == value.to_integral_value() else value


def _looks_like_year(number: str, scale: str | None) -> bool:
    return scale is None and number.isdigit() and len(number) == 4 and 1900 <= int(number) <= 2100
