"""Whether a meeting happened, was announced or put off, whether it is only background,
and when and where: read from the words around its trigger."""

from __future__ import annotations

import re
from dataclasses import dataclass

from feeds.countries import find_countries
from feeds.meeting_dates import date_words
from feeds.regex_parts import MONTHS, WEEKDAYS
from feeds.sides import Side
from feeds.text import word_regex

HAPPENED, ANNOUNCED, POSTPONED = "happened", "announced", "postponed"
STATUSES = (HAPPENED, ANNOUNCED, POSTPONED)

#: Words before a trigger that make it an intention, a proposal or a plan, not an event.
# Word lists as tries (`word_regex`): the status is read for every meeting sentence.
_ANNOUNCED = word_regex(
    "sẽ|dự kiến|dự định|kế hoạch|chuẩn bị|sắp|mời|đề nghị|đề xuất|muốn|mong muốn|sẵn sàng|"
    "hy vọng|hi vọng|nếu|có thể|tới đây|sắp tới|will|would|plan to|plans to|planned|"
    "expected to|scheduled to|set to|due to|is to|are to|invited|proposed|offered|ready to|"
    "hope to|hopes to|want to|wants to|could|may|might|if|upcoming|next".split("|"),
    left=r"(?<![\w-])(?<!lời )",  # "Nhận lời mời" (accepting an invitation) is no plan
)
_POSTPONED = word_regex(
    "hoãn|trì hoãn|lùi|hủy|huỷ|hủy bỏ|huỷ bỏ|bãi bỏ|không|chưa|postponed|delayed|cancelled|"
    "canceled|called off|scrapped|not|never|no".split("|")
)
_AFTER_FUTURE = word_regex(
    "tuần tới|tháng tới|năm tới|sắp tới|thời gian tới|next week|next month|later this week|"
    "later this month|later this year|bị hoãn|bị hủy|was postponed|were postponed|"
    "has been postponed|was cancelled|was canceled|has been cancelled|called off".split("|")
)
_CALLED_OFF = word_regex(
    "hoãn|trì hoãn|hủy|huỷ|hủy bỏ|huỷ bỏ|bãi bỏ|postponed|delayed|cancelled|canceled|"
    "called off|scrapped|put off".split("|")
)
#: A meeting named by a noun and then put off or cancelled, its predicate passive and past
#: any clause set off by commas: "chuyến thăm …, dự kiến diễn ra từ ngày 10/5, đã bị hủy",
#: "The visit …, scheduled for May 10, has been cancelled".
_CALLED_OFF_PASSIVE = re.compile(
    r"(?<![\w-])(?:bị\s+(?:trì\s+)?(?:hoãn|lùi|hủy|huỷ|bãi\s+bỏ)|(?:was|were|has\s+been|"
    r"have\s+been|had\s+been|is\s+being|is|are)\s+(?:postponed|delayed|cancell?ed|canceled|"
    r"called\s+off|scrapped|put\s+off))(?![\w-])"
)
#: What may stand between the last comma and a noun phrase's predicate.
_OPENS_PREDICATE = re.compile(r"\s*(?:(?:đã|vừa|cũng|nay|now|then|also)\s+)?")
#: Words that open another clause between a noun phrase and a later passive.
_ANOTHER_CLAUSE = word_regex(
    "khi|trong khi|sau khi|cho biết|nói|rằng|do|vì|which|that|who|where|while|when|said|"
    "because|and|và".split("|")
)
#: The years news dates its meetings in (a four-digit number outside is an amount or a code).
YEARS = r"(?:19[5-9]\d|20[0-4]\d)"
#: A sentence opening with its year: "Năm 2019,", "Hồi năm 2016,", "In 2018,".
_OPENING_YEAR = re.compile(rf"\s*(?:(?:hồi|vào|trong|in|back in)\s+)?(?:năm\s+)?{YEARS}\s*,")
_WILL = word_regex(["sẽ", "will", "is to", "are to", "is expected", "are expected"])
_RECALLED = word_regex(
    "từng|trước đây|nhắc lại|nhớ lại|recalled|recalling|previously|once|had met|last met".split("|")
)
_NOUNS = frozenset(
    "talks|meeting|phone call|phone talks|telephone conversation|telephone talks|online talks|"
    "virtual talks|video call|courtesy call|farewell call|official visit|state visit|"
    "working visit".split("|")
)
_LIGHT_VERBS = frozenset(
    "paid pays pay made makes make held holds hold had has have hosted hosts host gave gives "
    "give".split()
)
_NOMINAL = frozenset("cuộc chuyến buổi lễ các the a an his her their its during at after".split())
_WHEN = re.compile(
    r"(?<![\w-])(?:(?:sáng|chiều|tối|trưa|đêm|hôm|ngày)\s+(?:nay|qua|\d{1,2}(?:\s*/\s*\d{1,2}"
    r"(?:\s*/\s*\d{4})?)?)|hôm qua|hôm nay|tuần (?:trước|qua|này)|tháng trước|vừa qua|mới đây|"
    r"yesterday|today|last week|this week|earlier this (?:week|month)|"
    rf"on (?:{WEEKDAYS})|on \d{{1,2}} (?:{MONTHS}))(?![\w-])"
)
#: A place: a capitalised name after "tại", "ở", "in", "at", up to a comma or a stop word
#: ("tại Phủ Chủ tịch,", "in Vientiane on Friday").
_WHERE = re.compile(
    r"(?<![\w-])(?:tại|ở|in|at)\s+([A-ZĐÂĂÊÔƠƯ][\w-]*(?:\s+(?!(?:on|in|at|và|and|ngày|với|with|"
    r"to|for|của|từ|sáng|chiều|tối|hôm|đã|sẽ|the|nhân|trong|nhằm|để|theo|khi|sau|trước|dự|"
    r"tham)(?![\w-]))[\w-]+){0,3})"
)
#: A sentence that opens with when or where (or the occasion) before its subject: a place
#: in that opening frames the meetings after it ("Nhân chuyến tham dự … tại Kazan, …,
#: Thủ tướng … gặp …"); in a sentence opening otherwise it may be another event's.
_FRAME = re.compile(
    r"\W*(?:nhân|chiều|sáng|tối|trưa|đêm|ngày|hôm|tại|ở|trong|bên lề|during|on|in|at|while)"
    r"(?![\w-])",
    re.IGNORECASE,
)
#: "Đại sứ Việt Nam tại Lào Nguyễn Minh Tâm": a place in someone's title, not a meeting's:
#: an envoy's office and a country right before "tại X" (an envoy named there, "tiếp Đại
#: sứ Hùng tại Viêng Chăn", is received at that place).
_TITLED = re.compile(
    r"(?:đại sứ|lãnh sự|trưởng đại diện|thường trú|phóng viên|ambassador|consul|correspondent)"
    r"(?P<between>[^,;.]{0,25})$",
    re.IGNORECASE,
)
YEAR = re.compile(rf"(?<!\d){YEARS}(?!\d)")
#: A year that dates a day or a month ("8/11/2024", "tháng 5/2019", "ngày 5 tháng 5 năm
#: 2025", "January 8, 2025", "8 January 2025"): the days an article reports, unlike the
#: years of a plan or a slogan ("trong năm bản lề 2025", "Vision 2030").
_MONTH_NAMES = f"(?:{MONTHS})"
_DATED_YEAR = re.compile(
    r"(?:(?<![\w/])\d{1,2}\s*[/-]\s*\d{1,2}\s*[/-]\s*|tháng\s+\d{1,2}\s*(?:/|năm)\s*|"
    rf"{_MONTH_NAMES}\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?|\d{{1,2}}\s+{_MONTH_NAMES},?\s+)"
    rf"({YEARS})(?!\d)",
    re.IGNORECASE,
)


class Context:
    """What the sentences of one article share: the latest year of a date it names (read on
    first use), and the sides of the last meeting ("hai bên" refers to them)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.recent: list[tuple[Side, Side]] = []
        self._latest: int | None = None

    @property
    def latest(self) -> int:
        if self._latest is None:
            # Years of plans ("by 2027", "năm bản lề 2025") say nothing of when it was
            # written: only the years of its dates count.
            self._latest = max(
                (int(m.group(1)) for m in _DATED_YEAR.finditer(self.text)), default=0
            )
        return self._latest


def status(lowered: str, start: int, end: int, *, nominal: bool) -> str:
    """Happened unless the words before the trigger (in its clause) say it is planned or
    off, or — for a meeting named by a noun ("Talks between … were postponed", "Cuộc hội
    đàm … đã bị hoãn") — the rest of the sentence, its predicate, says so."""
    window = lowered[max(0, start - 60) : start]
    clause = re.split(r"[,;:]", window)[-1]
    after = lowered[end:] if nominal else lowered[end : end + 60]
    after = re.split(r"[,;:]", after)[0]  # its own clause: "…, Mỹ sẽ hỗ trợ" is not it
    if (
        (nominal and _predicate_called_off(lowered, end))
        or _CALLED_OFF.search(after)
        or (_POSTPONED.search(clause[-25:]) and _CALLED_OFF.search(clause[-25:] + after))
    ):
        return POSTPONED
    if _POSTPONED.search(clause[-25:]):
        return POSTPONED  # "không hội đàm", "did not meet"
    if _AFTER_FUTURE.search(lowered, end, end + 60) or _ANNOUNCED.search(clause):
        return ANNOUNCED
    if not nominal and clause.endswith(" to ") and lowered[start:end].isascii():
        return ANNOUNCED  # "Lao Prime Minister to visit Việt Nam": a headline's future
    if nominal and _WILL.search(after):
        return ANNOUNCED  # "Cuộc hội đàm … sẽ diễn ra", "The visit will take place…"
    return HAPPENED


def nominal(lowered: str, start: int, word: str) -> bool:
    """Whether the trigger names the meeting as a noun ("cuộc hội đàm", "the talks") rather
    than reports it with an English verb ("paid a courtesy call on"): a noun alone may be
    background, a verb is an event."""
    before = lowered[max(0, start - 24) : start].split()
    if word in _NOUNS:
        return not any(w in _LIGHT_VERBS for w in before[-3:])
    if lowered.startswith(("cuộc", "chuyến", "lễ"), start) or (before and before[-1] in _NOMINAL):
        return not any(w in _LIGHT_VERBS for w in before[-3:])
    return False


def _predicate_called_off(lowered: str, end: int) -> bool:
    """Whether the predicate of a meeting named by a noun (from `end` on) says it was put
    off or cancelled: the passive must open the predicate, right after the noun phrase or
    after clauses set off by commas ("chuyến thăm …, dự kiến diễn ra từ ngày 10/5, đã bị
    hủy"), not belong to another clause ("…, hai bên cho biết dự án bị hoãn", "…, the
    railway, which was delayed by floods, would open")."""
    found = _CALLED_OFF_PASSIVE.search(lowered, end)
    if found is None:
        return False
    between = lowered[end : found.start()]
    if "," in between:
        return _OPENS_PREDICATE.fullmatch(between.rsplit(",", 1)[1]) is not None
    return len(between) <= 60 and _ANOTHER_CLAUSE.search(between) is None


def _dated_by_year_alone(lowered: str, start: int) -> bool:
    """A meeting whose sentence opens with a year and gives no day ("Năm 2019, Thủ tướng …
    đã hội đàm", "In 2019, the two leaders met"): a retrospective, as news reports a
    meeting of its own with its day. A year inside a name ("APEC 2025", "Năm Hữu nghị
    2025") dates nothing."""
    opening = _OPENING_YEAR.match(lowered)
    return opening is not None and opening.end() <= start and date_words(lowered) is None


@dataclass(frozen=True, slots=True)
class Circumstances:
    status: str
    background: bool
    when: str | None
    where: str | None


def _in_title(sentence: str, at: int) -> bool:
    title = _TITLED.search(sentence, max(0, at - 60), at)
    return title is not None and bool(find_countries(title["between"]))


def _place(sentence: str, start: int, end: int) -> re.Match[str] | None:
    """Where the meeting whose trigger is at [start, end) took place: a place framing the
    sentence ("Chiều 25/4, tại Hà Nội, …"), else the first after the trigger before a
    semicolon, else one before it in its own clause. The sentence's first place was taken
    whatever it belonged to: another meeting's ("sau cuộc hội đàm … ở Alaska, Ngoại trưởng
    … tiếp đón"), an ambassador's title ("Đại sứ Việt Nam tại Lào Nguyễn Minh Tâm")."""
    found = [m for m in _WHERE.finditer(sentence) if not _in_title(sentence, m.start())]
    framed = [m for m in found if m.end() <= start and ";" not in sentence[m.end() : start]]
    if framed and _FRAME.match(sentence) is not None:
        return framed[-1]  # in the sentence's opening frame: "Chiều 25/4, tại Hà Nội, …"
    after = [m for m in found if m.start() >= end and ";" not in sentence[end : m.start()]]
    if after and after[0].start() - end <= 120:
        return after[0]
    before = [m for m in framed if "," not in sentence[m.end() : start]]
    return before[-1] if before else None


def circumstances(
    sentence: str, lowered: str, start: int, end: int, word: str, context: Context
) -> Circumstances:
    """Status, background, when and where of the meeting whose trigger is at [start, end)."""
    is_nominal = nominal(lowered, start, word)
    state = status(lowered, start, end, nominal=is_nominal)
    when = _WHEN.search(lowered)
    years = [int(y) for y in YEAR.findall(sentence)]
    recalled = (
        _RECALLED.search(lowered, max(0, start - 40), start) is not None
        or (bool(years) and max(years) < context.latest)
        or (when is None and _dated_by_year_alone(lowered, start))
    )
    where = _place(sentence, start, end)
    return Circumstances(
        status=state,
        background=recalled or (is_nominal and when is None and state == HAPPENED),
        when=sentence[when.start() : when.end()] if when else None,
        where=where.group(1).strip() if where else None,
    )
