"""Trigger words of meetings in Vietnamese and English, and the cheap checks that drop
those that cannot report one ("tiếp tục", "đón con", "đến thăm một số trường học")."""

from __future__ import annotations

import re

from feeds.text import WordScanner
from feeds.titles import TITLE, TITLE_FIRST_WORDS

TALKS, CALL, RECEPTION, VISIT, COMMITTEE = "talks", "call", "reception", "visit", "committee"

#: Trigger words (lower case) and the kind of meeting they report. Talks held online are
#: talks ("hội đàm trực tuyến", "online talks"), in both languages, so that two reports of
#: them agree on the kind; a phone or video call is a call. `tiếp`, `đón`, `thăm`,
#: `received`, `visit`… only count with a side (or, for a visit, a country) right after.
TRIGGERS: dict[str, str] = {
    "hội đàm trực tuyến": TALKS, "điện đàm": CALL, "điện thoại với": CALL, "cuộc gọi": CALL,
    "trao đổi qua điện thoại": CALL, "gặp trực tuyến": TALKS, "hội đàm": TALKS,
    "hội kiến": RECEPTION, "gặp gỡ": TALKS, "gặp mặt": TALKS, "gặp": TALKS, "cuộc gặp": TALKS,
    "làm việc với": TALKS, "tiếp xã giao": RECEPTION, "chào xã giao": RECEPTION,
    "chào từ biệt": RECEPTION, "chào tạm biệt": RECEPTION, "tiếp kiến": RECEPTION,
    "tiếp": RECEPTION, "đón tiếp": RECEPTION, "tiếp đón": RECEPTION, "lễ đón": RECEPTION,
    "chào đón": RECEPTION, "đón": RECEPTION, "thăm chính thức": VISIT,
    "thăm cấp nhà nước": VISIT, "thăm hữu nghị": VISIT, "thăm làm việc": VISIT, "thăm": VISIT,
    "chuyến thăm": VISIT, "chuyến công du": VISIT, "công du": VISIT, "đồng chủ trì": COMMITTEE,
    "phone call": CALL, "phone talks": CALL, "telephone conversation": CALL,
    "telephone talks": CALL, "spoke by phone": CALL, "spoke by telephone": CALL,
    "online talks": TALKS, "virtual talks": TALKS, "video call": CALL, "held talks": TALKS,
    "hold talks": TALKS, "holds talks": TALKS, "talks": TALKS, "met": TALKS, "meet": TALKS,
    "meets": TALKS, "meeting": TALKS, "received": RECEPTION, "receives": RECEPTION,
    "welcomed": RECEPTION, "welcomes": RECEPTION, "hosted": RECEPTION, "hosts": RECEPTION,
    "courtesy call": RECEPTION, "farewell call": RECEPTION, "official visit": VISIT,
    "state visit": VISIT, "working visit": VISIT, "visit": VISIT, "visits": VISIT,
    "visited": VISIT, "visiting": VISIT, "arrived in": VISIT, "arrives in": VISIT,
    "talked by phone": CALL, "talked by telephone": CALL, "talked with": TALKS,
    "banquet": RECEPTION, "reception": RECEPTION, "presented credentials": RECEPTION,
    "presented his credentials": RECEPTION, "presented her credentials": RECEPTION,
    "co-chaired": COMMITTEE, "co-chairs": COMMITTEE,
    "co-chair": COMMITTEE,
}  # fmt: skip
NEEDS_OBJECT = frozenset(
    "tiếp|đón|thăm|chào đón|lễ đón|received|receives|welcomed|welcomes|hosted|hosts|visit|"
    "visits|visited|visiting|official visit|state visit|working visit".split("|")
)
#: Trigger words after a space or a line break (see `WordScanner`).
#: Branches tried in the order of the commonest first letters of words in news-vi (the
#: trie's branches exclude each other: the order makes the scan ~10 % cheaper, same matches).
_TRIGGERS_SCAN = WordScanner(TRIGGERS, first="tcnđvhlkbsmgdpqxraoeiuyw")
#: "trực tiếp", "giao tiếp", "tiếp tục", "tiếp nhận", "gặp khó", "thăm hỏi", "đón con"…:
#: compounds of a one-syllable trigger that report no meeting.
_COMPOUND_BEFORE = frozenset("trực liên kế gián giao chuyển nối tiếp".split())
_COMPOUND_AFTER = re.compile(
    r"\s+(?:tục|nhận|cận|xúc|theo|thu|tế|giáp|thị|diễn|quản|viên|lời|nối|tay|sức|đó|nữa|khó|"
    r"sự\s+cố|phải|nạn|rủi\s+ro|hỏi|dò|quan|nom|viếng)(?!\w)"
)
#: Where a country name may start: a capital letter (cheap check before `find_countries`).
_COUNTRY_START = re.compile(r"(?<![\w-])[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ]")
_TOKENS = re.compile(r"[\w-]+")
_ARTICLES = frozenset("the a an his her their its visiting new outgoing".split())
_ONE_SYLLABLE = frozenset(("tiếp", "gặp", "đón", "thăm"))
_CLAUSE_END = re.compile(r"[.;:\n(]")


def find_triggers(body: str, lowered: str) -> list[Trigger]:
    """The triggers of `lowered` (the lower-cased `body`) that may report a meeting."""
    return [
        Trigger(lowered[a:b], a, b)
        for a, b in _TRIGGERS_SCAN.find(lowered)
        if _may_count(body, lowered, a, b)
    ]


def _may_count(body: str, lowered: str, start: int, end: int) -> bool:
    """A trigger that needs an official or a country right after it, and has none, is
    dropped before any sentence is read ("đến thăm một số trường học", "tiếp tục")."""
    word = lowered[start:end]
    if " " in word or "\n" in word:
        word = " ".join(word.split())
    if word in _ONE_SYLLABLE and compound(lowered, start, end):
        return False
    if word not in NEEDS_OBJECT:
        return True
    at = end
    while at < len(body) and body[at] in " \t":
        at += 1
    if body[at : at + 1].isupper():
        return True
    following = lowered[at : at + 16].split(" ", 1)[0]
    if following in TITLE_FIRST_WORDS and TITLE.match(lowered, at) is not None:
        return True
    if word.isascii():  # "received the visiting Indonesian Ambassador"
        for token in _TOKENS.finditer(body, at, at + 40):
            if token.group()[0].isupper() or TITLE.match(lowered, token.start()):
                return True
            if token.group() not in _ARTICLES:
                break
    if TRIGGERS[word] != VISIT:
        return False
    # A visit names its host before the clause ends: "thăm chính thức Lào", "chuyến thăm
    # của … tới Hà Nội"; "đến thăm một số trường học." names none.
    stop = _CLAUSE_END.search(body, at, at + 90)
    return _COUNTRY_START.search(body, at, stop.start() if stop else at + 90) is not None


class Trigger:
    """A trigger word found, with its offsets (in the field, then in its sentence)."""

    def __init__(self, text: str, begin: int, finish: int) -> None:
        self.text, self.begin, self.finish = text, begin, finish

    def shifted(self, by: int) -> Trigger:
        return Trigger(self.text, self.begin + by, self.finish + by)

    def group(self) -> str:
        return self.text

    def start(self) -> int:
        return self.begin

    def end(self) -> int:
        return self.finish


def compound(lowered: str, start: int, end: int) -> bool:
    before = lowered[max(0, start - 10) : start].split()
    if before and before[-1] in _COMPOUND_BEFORE:
        return True
    return _COMPOUND_AFTER.match(lowered, end) is not None
