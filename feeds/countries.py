"""Country names in Vietnamese and English, from CLDR (through Babel) plus the short forms and
demonyms news writes ("Mỹ", "Séc", "Lao", "Laotian"), found in text as ISO 3166 codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from babel import Locale

from feeds.capitals import CAPS_RUN
from feeds.capitals import recased as recase
from feeds.finders import WordFinder
from feeds.regex_parts import trie_regex
from feeds.text import WordScanner, word_regex
from feeds.titles import MINISTRY_ENDS, STOP_WORDS, TITLE

#: CLDR region codes that are not states (or are groupings), never a side of a meeting.
_NOT_STATES = frozenset("EU EZ UN QO ZZ XA XB AQ AC CP DG EA IC TA BV HM UM".split())

#: Short forms, older spellings and demonyms CLDR does not list (CLDR gives the official
#: short name: "Hoa Kỳ", "United States"; the news writes "Mỹ", "US", "American").
_EXTRA: dict[str, tuple[str, ...]] = {
    "US": (
        *("Mỹ", "Hoa Kì", "US", "U.S.", "USA", "America", "American", "Americans"),
        *("Washington", "Nhà Trắng", "White House", "Lầu Năm Góc", "Pentagon"),
    ),
    "GB": ("Anh", "Britain", "Great Britain", "UK", "U.K.", "British", "England", "London"),
    "CN": ("Trung Hoa", "Bắc Kinh", "Chinese", "Beijing", "PRC"),
    "RU": ("Liên bang Nga", "Moscow", "Russian", "Kremlin", "Điện Kremlin", "Mát-xcơ-va"),
    "LA": ("Lao", "Laotian", "Lao PDR", "Vientiane", "Viêng Chăn", "CHDCND Lào"),
    "VN": ("Viet Nam", "Việt", "Vietnamese", "Hà Nội", "Hanoi"),
    "KH": ("Cambodian", "Cam-pu-chia", "Phnom Penh"),
    "TH": ("Thai", "Bangkok"),
    "JP": ("Nhật", "Japanese", "Tokyo"),
    "KR": ("Hàn", "Korea", "Republic of Korea", "South Korean", "Seoul", "Nhà Xanh"),
    "KP": ("Bắc Triều Tiên", "CHDCND Triều Tiên", "North Korean", "DPRK", "Bình Nhưỡng"),
    "IN": ("Indian", "New Delhi"),
    "CZ": ("Cộng hòa Séc", "CH Séc", "Czech", "Czech Republic"),
    "SK": ("Slovak", "Xlô-va-ki-a"),
    "PT": ("Portuguese",),
    "NL": ("Dutch", "Holland", "The Netherlands"),
    "DE": ("German", "Berlin"),
    "FR": ("French", "Paris"),
    "IT": ("Ý", "Italian", "I-ta-li-a"),
    "ES": ("Spanish",),
    "AU": ("Australian", "Australia", "Ốt-xtrây-li-a", "Canberra"),
    "NZ": ("New Zealander",),
    "CA": ("Canadian",),
    "SG": ("Singaporean", "Xin-ga-po"),
    "MY": ("Malaysian", "Ma-lai-xi-a"),
    "ID": ("Indonesian", "In-đô-nê-xi-a", "Jakarta"),
    "PH": ("Philippine", "Filipino", "Phi-líp-pin", "Manila"),
    "MM": ("Myanmar", "Miến Điện", "Burmese", "Burma"),
    "BN": ("Bruneian",),
    "UA": ("Ukraine", "Ucraina", "Ukrainian", "Kiev", "Kyiv"),
    "TW": ("Taiwanese", "Đài Bắc", "Taipei"),
    "IR": ("Iranian", "Tehran"),
    "IL": ("Israeli",),
    "TR": ("Turkish", "Türkiye", "Thổ Nhĩ Kỳ"),
    "PK": ("Pakistani",),
    "BD": ("Bangladeshi",),
    "LK": ("Sri Lankan",),
    "MN": ("Mongolian", "Mông Cổ"),
    "CU": ("Cuban",),
    "BR": ("Brazilian",),
    "MX": ("Mexican",),
    "AR": ("Argentine", "Argentinian"),
    "EG": ("Egyptian",),
    "ZA": ("South African",),
    "SA": ("Saudi", "Ả Rập Saudi", "Ả-rập Xê-út"),
    "AE": ("UAE", "Emirati", "Các Tiểu vương quốc Ả Rập Thống nhất"),
    "PL": ("Polish",),
    "HU": ("Hungarian",),
    "BY": ("Belarusian",),
    "SE": ("Swedish",),
    "NO": ("Norwegian",),
    "FI": ("Finnish",),
    "DK": ("Danish",),
    "BE": ("Belgian",),
    "CH": ("Swiss",),
    "AT": ("Austrian",),
    "GR": ("Greek",),
    "IE": ("Irish",),
    "QA": ("Qatari",),
    "KZ": ("Kazakh",),
    "AF": ("Afghan",),
    "IQ": ("Iraqi",),
    "SY": ("Syrian",),
    "NP": ("Nepali", "Nepalese"),
    "TL": ("Timor-Leste", "Đông Timor", "East Timor"),
    "VE": ("Venezuelan",),
    "CL": ("Chilean",),
    "NG": ("Nigerian",),
    "KE": ("Kenyan",),
}

#: Names that are also common Vietnamese words or name syllables ("anh" = you, "Đức" in
#: "Vũ Đức Đam", "Mỹ Tho", "Lào Cai"): kept only where a country is likely (see `_plausible`).
AMBIGUOUS = frozenset({"Anh", "Ý", "Nga", "Đức", "Pháp", "Mỹ", "Lào", "Séc", "Úc", "Nhật", "Hàn"})
AMBIGUOUS |= frozenset({"Việt", "Thái", "Lao", "Chad", "Jordan", "Georgia", "Niger", "Guinea"})
AMBIGUOUS |= frozenset({"Washington", "Paris", "London", "Berlin", "Kremlin"})
#: Cities standing for their government are never the place of a meeting in these lists,
#: but "at the Kremlin" is: they are sides only, never `where`.
CAPITALS = frozenset(
    {"Washington", "Bắc Kinh", "Beijing", "Moscow", "Mát-xcơ-va", "London", "Paris", "Berlin"}
)
_KIN = frozenset(
    "anh chị em bà ông cô chú bác dì cậu mợ bé cháu cụ mẹ bố cha con vợ chồng tên nàng chàng "
    "xã huyện phường quận tỉnh thôn làng bản ấp đường phố chùa trường sông núi thị trấn cầu "
    "bến chợ hồ đèo mr ms mrs".split()
)
#: A capitalised word right after an ambiguous name is a name syllable ("Lào Cai", "Mỹ Tho")
#: unless a title or country-introducing word came just before ("Thủ tướng Đức Angela Merkel").
_INTRODUCERS = frozenset(
    "tướng thống trưởng sứ vương hoàng tịch thư viên sĩ chức đạo giao phòng nước phía người "
    "quân đoàn cấp lệnh vụ khanh phủ".split()
)


@dataclass(frozen=True, slots=True)
class CountryHit:
    start: int
    end: int
    iso: str
    text: str


def _variants(name: str) -> list[str]:
    """ "Myanmar (Miến Điện)" is both "Myanmar" and "Miến Điện"; "Hoa Kỳ" also "Hoa Kì"."""
    found = [name]
    match = re.fullmatch(r"(.+?)\s*\((.+)\)", name)
    if match:
        found = [match.group(1), match.group(2)]
    return [n.strip() for n in found if n.strip()]


@cache
def names() -> dict[str, str]:
    """Every spelling -> ISO code; CLDR's Vietnamese and English names and the extra forms."""
    table: dict[str, str] = {}
    for locale in ("en", "vi"):
        for code, name in Locale(locale).territories.items():
            if len(code) == 2 and code.isalpha() and code not in _NOT_STATES:
                for variant in _variants(name):
                    table.setdefault(variant, code)
    for code, extra in _EXTRA.items():
        for name in extra:
            table[name] = code
    table.pop("Liên hợp quốc", None)
    return table


@cache
def display_name(iso: str, language: str = "en") -> str:
    """The CLDR name of `iso` in `language` ("LA" -> "Laos" / "Lào")."""
    name = Locale(language if language in ("vi", "en") else "en").territories.get(iso, iso)
    return _variants(name)[0]


#: What the scanner reads as the space between a name's words ("Hoa/Kỳ", "Hoa (Kỳ"); the
#: look-up of a name it found and `_any_name` read them so too (white space of any kind).
_NAME_SPACES = " \n(\"“'/"
_SCANNED_SPACES = re.compile(
    "[\\s" + "".join(re.escape(c) for c in _NAME_SPACES if not c.isspace()) + "]+"
)


@cache
def _pattern() -> WordFinder:
    # `word_regex(names(), left=r"(?<![\w.-])")`, without the look-behind the engine would
    # try at every character (5.6 -> 1.5 µs a sentence).
    return WordFinder.of(word_regex(names(), left=r"(?<![\w.-])"), not_after=".-")


@cache
def _scanner() -> WordScanner:
    # Case-sensitive: country names are capitalised in both languages ("china" is porcelain);
    # every name starts with a capital, rarer than a space (`sparse`).
    return WordScanner(names(), after=_NAME_SPACES, sparse=True)


#: Words before an ambiguous name in capitals that make it a country: "VIỆT NAM - LÀO".
_PAIRING = frozenset(("và", "với", "and", "with", "-", "–"))


def find_countries(text: str) -> list[CountryHit]:
    """Country mentions in `text` (NFC), with ambiguous short names kept only where plausible;
    names written in capitals ("LÀO", "LAOS") count too."""
    hits = _find(text)
    # Most articles hold capitals (UBND, USD, ASEAN) but no name in capitals: one search
    # for the names in capitals first.
    if _in_capitals().search(text) is not None:
        hits = _with_capitals(text, hits)
    return hits


def _with_capitals(text: str, hits: list[CountryHit]) -> list[CountryHit]:
    table = names()
    found = list(hits)
    for run in CAPS_RUN.finditer(text):
        recased = recase(run.group())
        if len(recased) != len(run.group()):
            continue  # offsets would not line up (no such letter in Vietnamese or English)
        for a, b in _pattern().spans(recased):
            start, end = run.start() + a, run.start() + b
            if any(h.start < end and start < h.end for h in found):
                continue  # found as written ("US", "UAE")
            word = recased[a:b]
            if word in AMBIGUOUS and not _plausible_in_capitals(text, start, end):
                continue
            found.append(
                CountryHit(start, end, table[_SCANNED_SPACES.sub(" ", word)], text[start:end])
            )
    return sorted(found, key=lambda h: h.start) if len(found) > len(hits) else hits


def _plausible_in_capitals(text: str, start: int, end: int) -> bool:
    """In capitals, case tells no name from a word: "THỦ TƯỚNG LÀO", "VIỆT NAM - LÀO" are
    countries; "LÀO CAI", "NGƯỜI LAO ĐỘNG" ("người" introduces no country here), "BỆNH
    LAO", "ANH ẤY" are not."""
    before = text[max(0, start - 40) : start].split()
    previous = before[-1].strip("\"'“”(").casefold() if before else ""
    if previous in _KIN:
        return False
    after = text[end : end + 40].split()
    following = after[0].casefold() if after else ""
    if (previous in _INTRODUCERS and previous != "người") or (
        following and TITLE.match(text[end:].lstrip()[:40].lower())
    ):
        return True
    if following.isalpha() and following not in STOP_WORDS:
        return False  # a name's or a word's next syllable
    return previous in _PAIRING or not previous or not previous[-1].isalnum()


def _find(text: str) -> list[CountryHit]:
    table = names()
    hits = []
    # A sentence: one pattern (its boundaries are not the scanner's: the output depends on
    # which is used, so the threshold stays where it was).
    spans = _pattern().spans(text) if len(text) < 600 else _scanner().find(text)
    for start, end in spans:
        word = text[start:end]
        if word in AMBIGUOUS and not _plausible(text, start, end):
            continue
        # The scanner reads "/", "(", quotes as spaces inside a name ("Hoa/Kỳ"): look the name
        # up as it reads it, not only with its white space folded (that raised KeyError).
        hits.append(CountryHit(start, end, table[_SCANNED_SPACES.sub(" ", word)], word))
    return hits


@cache
def _in_capitals() -> re.Pattern[str]:
    # Names already in capitals ("US", "UAE") are found as written. No look-behind: with
    # one, the engine tries at every character (`_pattern`); a name inside a longer word
    # ("THANH") only costs `_with_capitals` a look.
    return word_regex({n.upper() for n in names() if n.upper() != n}, left="")


@cache
def _any_name(other_than: str | None) -> re.Pattern[str]:
    # Every name (of a country other than `other_than`) with no boundary, its spaces matching
    # white space or any character the scanner reads as a space: wherever the pattern or the
    # scanner finds such a name, this finds one (one search, which skips to capitals). Each
    # name in capitals too: a caps run recased to "Lào" holds the name where the text holds
    # "LÀO", so this finds whatever `_with_capitals` can, in the same one search.
    words = {" ".join(n.split()) for n, iso in names().items() if iso != other_than}
    every = sorted(words | {word.upper() for word in words})
    return re.compile(trie_regex(every).replace(r"\s+", _SCANNED_SPACES.pattern))


def may_name_country(text: str, *, other_than: str | None = None) -> bool:
    """Whether `find_countries` could find a country (other than `other_than`) in `text` (NFC)
    or in any part of it (a sentence), before ambiguous names are weighed. False: no part of
    `text` names one for `find_countries` (every hit is the text of a name of its country)."""
    return _any_name(other_than).search(text) is not None


def _plausible(text: str, start: int, end: int) -> bool:
    previous = (text[max(0, start - 40) : start].split() or [""])[-1]
    bare = previous.strip("\"'“”(")
    if not bare:  # the start of a text or sentence: "Anh ấy…", "Mỹ Tho…"
        return text[start:end] not in ("Anh", "Ý", "Việt", "Thái", "Mỹ")
    if bare.casefold() in _KIN:
        return False
    if bare[:1].isupper() and previous[-1:] not in ",;:":
        # Inside a name ("Vũ Đức Đam", "Nguyễn Văn Nga"), unless the word before is itself
        # a country or a country-holding title ("Việt - Lào", "Quốc hội Đức").
        return bare in names() or bare in ("Quốc", "Hội", "Viện", "Phủ")
    following = (text[end : end + 20].split() or [""])[0]
    if following.startswith("động") and text[start:end] == "Lao":
        return False  # "Bộ trưởng Lao động": labour (Vietnamese writes Laos "Lào")
    at = text.find(following, end) if following else -1
    if at >= 0 and TITLE.match(text[at : at + 40].lower()):
        return True  # "the Lao Prime Minister", "Thủ tướng Anh"
    ministry = bare.casefold() in MINISTRY_ENDS and "bộ" in text[max(0, start - 60) : start].lower()
    return not (following[:1].isupper() and bare.casefold() not in _INTRODUCERS and not ministry)
