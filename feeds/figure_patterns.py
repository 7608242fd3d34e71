"""The lexicon and patterns of figures: number shapes, scale words, currencies, counted
units, per-unit prices, and the cheap pre-checks that keep extraction fast."""

from __future__ import annotations

import re
from collections.abc import Iterable

from feeds.regex_parts import trie_regex

NUMBER = r"\d{1,3}(?:[.,\u00a0 ]\d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?"

#: Scale words multiply the number; the longest spelling is tried first.
SCALES: dict[str, int] = {
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
    "b": 10**9,
    "t": 10**12,
}
SHORT_SCALES = {"tn", "bn", "mn", "m", "k", "b", "t"}  # only after a currency: "$5m", "$1.1B"

#: Dollars written with a country's letters before "$": "S$1.5 billion", "HK$3 billion".
_DOLLAR_SIGNS = {"s": "SGD", "a": "AUD", "hk": "HKD", "c": "CAD", "nz": "NZD"}
_DOLLAR_PREFIXES = "|".join(("us", *_DOLLAR_SIGNS))
#: Currency codes written before the number (lower case).
_CODES = "|".join(("usd", "eur", "vnd", "vnđ", "lak", *map(str.lower, _DOLLAR_SIGNS.values())))
#: Currency spellings written before the number, and words written after it.
PREFIX_CURRENCY = {
    "us$": "USD",
    "$": "USD",
    "usd": "USD",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "vnd": "VND",
    "vnđ": "VND",
    "lak": "LAK",
    **{f"{prefix}$": code for prefix, code in _DOLLAR_SIGNS.items()},
    **{code.lower(): code for code in _DOLLAR_SIGNS.values()},
}
#: Dollars other than the US dollar, by the country written after "đô la" or before
#: "dollars": "25.000 đôla Singapore", "3 tỷ đô la Úc", "5 billion Hong Kong dollars".
_OTHER_DOLLARS = {
    "SGD": ("singapore",),
    "AUD": ("úc", "australia", "australian"),
    "HKD": ("hồng kông", "hong kong", "hongkong"),
    "CAD": ("canada", "canadian"),
    "NZD": ("new zealand",),
    "TWD": ("đài loan", "taiwan", "new taiwan"),
}
SUFFIX_CURRENCY = {
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
    "yên": "JPY",
    "jpy": "JPY",
    "đô": "USD",  # "2,5 tỷ đô" (not "đô thị": `_DO_COMPOUNDS`)
    **{
        f"{dollar} {country}": code
        for code, countries in _OTHER_DOLLARS.items()
        for country in countries
        for dollar in ("đô la", "đôla", "đô-la", "đô")
    },
    **{f"{c} dollars": code for code, countries in _OTHER_DOLLARS.items() for c in countries},
    **{f"{c} dollar": code for code, countries in _OTHER_DOLLARS.items() for c in countries},
    **{code.lower(): code for code in _OTHER_DOLLARS},
}

#: Countable economic things. Students, visitors, casualties and sessions are deliberately absent.
COUNT_UNITS = {
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


#: "đô" is a dollar, but "đô thị" a city, "đô hộ" rule, "đô đốc" an admiral.
_DO_COMPOUNDS = "thị|hộ|đốc|vật|thành"
#: A minus sign right before a number ("-2,5%", "−1.8%"; not "4.000-4.500", "NĐ-CP") or
#: "âm" ("âm 0,5%"): the figure is negative.
_SIGN, _AM = r"(?<![\w.,])[-−–]", r"(?<!\w)âm\s+"
_MINUS = rf"{_SIGN}(?=\d)|{_AM}"
_MINUS_LEAD = rf"{_SIGN}|{_AM}"  # the same, ending the lead at the number


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
_LONG_SCALES = _alternation(w for w in SCALES if w not in SHORT_SCALES)
_ALL_SCALES = _alternation(SCALES)
#: What a price is per: "4.500 USD/tấn", "2.650 USD/ounce", "23.000 đồng/lít", "$80 a barrel".
_PER_UNITS = (
    "tấn|ounce|oz|lít|thùng|kg|m2|m²|barrel|thùng|tonne|ton|tons|tonnes|năm|tháng|ngày|người|"
    r"cổ\s+phiếu|share|lượng|chỉ|kwh|mmbtu|chiếc|suất|lượt|xe|hộp|gói|con|cây|căn|hecta|ha|km|giờ|"
    "year|month|day|person|unit|head|night|đêm|phòng"
)
_PER = (
    rf"(?:\s?/\s?(?:{_PER_UNITS})(?!\w)"
    rf"|\s+(?:per|a|an|mỗi|một)\s+(?:barrel|tonne|ton|ounce|share|kg|year|month|day|thùng|tấn|"
    r"lít|năm|tháng|ngày|người|chiếc)(?!\w))?"
)
#: The lower end of a range, before its upper end: "từ 4 đến 4,5%", "between 10 and 15 per
#: cent", "4.000-4.500 USD/tấn", "1,5 - 2 tỷ USD". The figure is its upper end.
_LOW = rf"(?<![\w.,/])(?P<low>{NUMBER})(?:\s?(?P<lowscale>{_LONG_SCALES}))?"
_RANGE = rf"(?:(?:between|từ|from)\s+)?{_LOW}(?:\s*[-–]\s*|\s+(?:đến|tới|to|and)\s+)"


def _ranged(pattern: str, index: int) -> str:
    """`_RANGE` with its groups named for alternative `index` of the figure pattern."""
    return pattern.replace("?P<low>", f"?P<low{index}>").replace("?P<lowscale>", f"?P<ls{index}>")


#: Change verbs before a percentage ("tăng 12%", "contracted 2.5%"); `DECREASE` go down.
_VERBS = (
    r"tăng\s+trưởng|tăng|sụt\s+giảm|suy\s+giảm|giảm|rose|fell|grew|increased|decreased|declined|"
    r"dropped|contracted|shrank|shrunk|depreciated|appreciated|up|down|growth\s+of"
)
FIGURE = re.compile(
    rf"""
    (?P<money_pre>(?P<cur1>(?<![^\W\d_])(?:{_DOLLAR_PREFIXES})\$|\$|€|£
        |(?<!\w)(?:{_CODES})(?![^\W\d_]))\s?
        (?P<num1>{NUMBER})(?:\s?(?P<scale1>{_ALL_SCALES})(?!\w))?(?P<per1>{_PER}))
  | (?P<money_post>(?:{_ranged(_RANGE, 2)})?(?P<neg2>{_MINUS})?
        (?<![\w.,])(?P<num2>{NUMBER})\s?(?:(?P<scale2>{_LONG_SCALES})\s+)?
        (?P<cur2>{_alternation(SUFFIX_CURRENCY)})(?!\w)(?!\s+(?:{_DONG_COMPOUNDS})(?!\w))
        (?!(?<=đô)\s+(?:{_DO_COMPOUNDS})(?!\w))(?P<per2>{_PER}))
  | (?P<percent>(?:(?P<verb>{_VERBS})\s+(?:by\s+|khoảng\s+|gần\s+|hơn\s+|xấp\s+xỉ\s+)?)?
        (?:{_ranged(_RANGE, 3)})?(?P<neg3>{_MINUS})?
        (?<![\w.,])(?P<num3>{NUMBER})\s?(?P<pct>%|phần\s+trăm|per\s?cent|percent)(?!\w))
  | (?P<count>(?<![\w.,])(?P<num4>{NUMBER})\s+(?:(?P<scale4>{_LONG_SCALES})\s+)?
        (?:(?:{"|".join(_COUNT_QUALIFIERS)})\s+)?
        (?P<unit4>{_alternation(COUNT_UNITS)})(?!\w))
  | (?P<money_bare>(?:{_ranged(_RANGE, 5)})?(?P<neg5>{_MINUS})?
        (?<![\w.,])(?P<num5>{NUMBER})\s?(?P<scale5>(?:nghìn|ngàn)\s+t[ỷỉ]|t[ỷỉ]|triệu)
        (?!\w))
    """,
    re.IGNORECASE | re.VERBOSE,
)
#: The same pattern for lower-cased text: case-insensitive matching costs 2-3 times more.
FIGURE_LOWER = re.compile(FIGURE.pattern, re.VERBOSE)
DECREASE = {
    "giảm", "sụt giảm", "suy giảm", "fell", "decreased", "declined", "dropped", "down",
    "contracted", "shrank", "shrunk", "depreciated",
}  # fmt: skip


#: Every figure holds a number: the big pattern is only tried *at* each digit run, or at a
#: currency sign or change verb just before it, never searched across the whole text
#: (searching it was the slowest part of a replay).
DIGITS = re.compile(r"\d[\d.,\u00a0 ]*")
#: What may stand right before a number and belong to the figure: a change verb (with a
#: qualifier), or a currency written first. Anchored at the number (`$` at `endpos`).
_LEAD = re.compile(
    rf"(?:(?:{_VERBS})\s+(?:(?:by|khoảng|gần|hơn|xấp\s+xỉ)\s+)?(?:{_ranged(_RANGE, 8)})?"
    rf"(?:{_MINUS_LEAD})?|{_ranged(_RANGE, 9)}|{_MINUS_LEAD}"
    rf"|(?<![^\W\d_])(?:{_DOLLAR_PREFIXES})\$\s?|[$€£]\s?"
    rf"|(?<!\w)(?:{_CODES})\s?)$",
    re.IGNORECASE,
)
#: The last word of every lead: only a number after one of these can have a lead.
_LEAD_ENDS = frozenset(
    "tăng trưởng giảm rose fell grew increased decreased declined dropped up down of by khoảng "
    "gần hơn xỉ contracted shrank shrunk depreciated appreciated âm đến tới to and - –".split()
    + _CODES.split("|")
)
_BEFORE = 32  # longer than any lead ("tăng trưởng xấp xỉ ")


def lead(text: str, start: int, floor: int) -> int | None:
    """Where the lead of the number at `start` begins, if it has one (cheap checks first)."""
    end = start - 1 if start and text[start - 1] == " " else start
    if end <= floor:
        return None
    if text[end - 1] not in "$€£-−–":
        word = text[text.rfind(" ", 0, end) + 1 : end]
        if word not in _LEAD_ENDS and word.casefold() not in _LEAD_ENDS:
            return None
    found = _LEAD.search(text, max(floor, start - _BEFORE), start)
    return found.start() if found is not None else None


#: How what follows a number begins when the figure starts at the number (no currency or
#: verb before it): the first word of a scale, a currency, a counted unit or its qualifier,
#: or a percent word. Short scales ("5m") only follow a currency written first.
FOLLOWERS = tuple(
    sorted(
        {
            word.split()[0]
            for word in (
                *(w for w in SCALES if w not in SHORT_SCALES),
                *SUFFIX_CURRENCY,
                *COUNT_UNITS,
                *_COUNT_QUALIFIERS,
                *_PERCENT_WORDS,
                "per",  # "per cent"
            )
        }
    )
)


#: Each digit run (`DIGITS`, taken whole), with an empty group `follows` where a follower
#: comes next past white space: one scan, where testing each run in Python cost more.
DIGIT_RUNS = re.compile(
    r"\d[\d.,\u00a0 ]*+(?:(?=\s*(?:" + trie_regex(sorted(FOLLOWERS)) + r"))(?P<follows>))?"
)

#: The last character of every currency lead (`us$`, `$`, `€`, `£`, usd, eur, vnd, vnđ, lak).
CURRENCY_LEAD_ENDS = frozenset("$€£drđk")
