"""A pure meeting extractor: who met whom (two sides, each a country, an office, a person), how
(talks, call, reception, visit, co-chaired committee), whether it happened, where and when."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from feeds.countries import find_countries
from feeds.mentions import Mention, People, Side, find_mentions
from feeds.text import WordScanner, nfc, sentence_at, sentence_bounds
from feeds.titles import TITLE

TALKS, CALL, RECEPTION, VISIT, COMMITTEE = "talks", "call", "reception", "visit", "committee"
HAPPENED, ANNOUNCED, POSTPONED = "happened", "announced", "postponed"
STATUSES = (HAPPENED, ANNOUNCED, POSTPONED)

#: Trigger words (lower case) and the kind of meeting they report. `tiếp`, `đón`, `thăm`,
#: `received`, `visit`… only count with a side (or, for a visit, a country) right after.
_TRIGGERS: dict[str, str] = {
    "hội đàm trực tuyến": CALL, "điện đàm": CALL, "điện thoại với": CALL, "cuộc gọi": CALL,
    "trao đổi qua điện thoại": CALL, "gặp trực tuyến": CALL, "hội đàm": TALKS,
    "hội kiến": RECEPTION, "gặp gỡ": TALKS, "gặp mặt": TALKS, "gặp": TALKS, "cuộc gặp": TALKS,
    "làm việc với": TALKS, "tiếp xã giao": RECEPTION, "chào xã giao": RECEPTION,
    "chào từ biệt": RECEPTION, "chào tạm biệt": RECEPTION, "tiếp kiến": RECEPTION,
    "tiếp": RECEPTION, "đón tiếp": RECEPTION, "tiếp đón": RECEPTION, "lễ đón": RECEPTION,
    "chào đón": RECEPTION, "đón": RECEPTION, "thăm chính thức": VISIT,
    "thăm cấp nhà nước": VISIT, "thăm hữu nghị": VISIT, "thăm làm việc": VISIT, "thăm": VISIT,
    "chuyến thăm": VISIT, "chuyến công du": VISIT, "công du": VISIT, "đồng chủ trì": COMMITTEE,
    "phone call": CALL, "phone talks": CALL, "telephone conversation": CALL,
    "telephone talks": CALL, "spoke by phone": CALL, "spoke by telephone": CALL,
    "online talks": CALL, "virtual talks": CALL, "video call": CALL, "held talks": TALKS,
    "hold talks": TALKS, "holds talks": TALKS, "talks": TALKS, "met": TALKS, "meet": TALKS,
    "meets": TALKS, "meeting": TALKS, "received": RECEPTION, "receives": RECEPTION,
    "welcomed": RECEPTION, "welcomes": RECEPTION, "hosted": RECEPTION, "hosts": RECEPTION,
    "courtesy call": RECEPTION, "farewell call": RECEPTION, "official visit": VISIT,
    "state visit": VISIT, "working visit": VISIT, "visit": VISIT, "visits": VISIT,
    "visited": VISIT, "visiting": VISIT, "arrived in": VISIT, "arrives in": VISIT,
    "co-chaired": COMMITTEE, "co-chairs": COMMITTEE,
    "co-chair": COMMITTEE,
}  # fmt: skip
_NEEDS_OBJECT = frozenset(
    "tiếp|đón|thăm|chào đón|lễ đón|received|receives|welcomed|welcomes|hosted|hosts|visit|"
    "visits|visited|visiting|official visit|state visit|working visit".split("|")
)
#: Trigger words after a space or a line break (see `WordScanner`).
_TRIGGERS_SCAN = WordScanner(_TRIGGERS)
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
#: Words before a trigger that make it an intention, a proposal or a plan, not an event.
_ANNOUNCED = re.compile(
    r"(?<![\w-])(?:sẽ|dự kiến|dự định|kế hoạch|chuẩn bị|sắp|(?<!lời )mời|đề nghị|đề xuất|"
    r"muốn|mong muốn|sẵn sàng|hy vọng|hi vọng|nếu|có thể|tới đây|sắp tới|will|would|plans? to|"
    r"planned|expected to|scheduled to|set to|due to|is to|are to|invited|proposed|offered|"
    r"ready to|hopes? to|wants? to|could|may|might|if|upcoming|next)(?![\w-])"
)
_POSTPONED = re.compile(
    r"(?<![\w-])(?:hoãn|trì hoãn|lùi|hủy|huỷ|hủy bỏ|không|chưa|postponed|delayed|cancel(?:l)?ed|"
    r"called off|scrapped|not|never|no)(?![\w-])"
)
_AFTER_FUTURE = re.compile(
    r"(?<![\w-])(?:tuần tới|tháng tới|năm tới|sắp tới|thời gian tới|next week|next month|"
    r"later this (?:week|month|year)|bị hoãn|bị hủy|was postponed|were postponed|"
    r"has been postponed|was cancel(?:l)?ed|has been cancel(?:l)?ed|called off)(?![\w-])"
)
_CALLED_OFF = re.compile(
    r"(?<![\w-])(?:hoãn|trì hoãn|hủy|huỷ|hủy bỏ|postponed|delayed|cancel(?:l)?ed|called off|"
    r"scrapped|put off)(?![\w-])"
)
_WILL = re.compile(r"(?<![\w-])(?:sẽ|will|is to|are to|is expected|are expected)(?![\w-])")
_BY = re.compile(r"(?:by|until|till|through|đến|tới|trước)\s+(?:năm\s+|the end of\s+)?$")
_RECALLED = re.compile(
    r"(?<![\w-])(?:từng|trước đây|nhắc lại|nhớ lại|recalled|recalling|previously|once|had met|"
    r"last met)(?![\w-])"
)
_NOUNS = frozenset(
    "talks|meeting|phone call|phone talks|telephone conversation|telephone talks|online talks|"
    "virtual talks|video call|courtesy call|farewell call|official visit|state visit|"
    "working visit".split("|")
)
_LIGHT_VERBS = frozenset("paid pays pay made makes make held holds hold had has have".split())
_NOMINAL = frozenset("cuộc chuyến buổi lễ các the a an his her their its during at after".split())
_WHEN = re.compile(
    r"(?<![\w-])(?:(?:sáng|chiều|tối|trưa|đêm|hôm|ngày)\s+(?:nay|qua|\d{1,2}(?:\s*/\s*\d{1,2}"
    r"(?:\s*/\s*\d{4})?)?)|hôm qua|hôm nay|tuần (?:trước|qua|này)|tháng trước|vừa qua|mới đây|"
    r"yesterday|today|last week|this week|earlier this (?:week|month)|on (?:monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday)|on \d{1,2} (?:january|february|march|april|"
    r"may|june|july|august|september|october|november|december))(?![\w-])"
)
#: A place: a capitalised name after "tại", "ở", "in", "at", up to a comma or a stop word
#: ("tại Phủ Chủ tịch,", "in Vientiane on Friday").
_WHERE = re.compile(
    r"(?<![\w-])(?:tại|ở|in|at)\s+([A-ZĐÂĂÊÔƠƯ][\w-]*(?:\s+(?!(?:on|in|at|và|and|ngày|với|with|"
    r"to|for|của|từ|sáng|chiều|tối|hôm|đã|sẽ|the)(?![\w-]))[\w-]+){0,3})"
)
_YEAR = re.compile(r"(?<!\d)(?:19[5-9]\d|20[0-4]\d)(?!\d)")
#: "Hai bên", "the two prime ministers": the sides of the meeting just reported.
_BOTH = re.compile(
    r"(?<![\w-])(?:hai\s+(?:bên|nhà\s+lãnh\s+đạo|thủ\s+tướng|bộ\s+trưởng|chủ\s+tịch|tổng\s+thống|"
    r"ngoại\s+trưởng|đoàn|nước)|the\s+two\s+(?:leaders|sides|prime\s+ministers|ministers|presidents|"
    r"delegations|countries|foreign\s+ministers)|both\s+sides)(?![\w-])"
)
_MULTILATERAL = re.compile(r"(?<![\w-])(?:hội nghị|thượng đỉnh|diễn đàn|summit|forum|conference)")
_BILATERAL_HINT = re.compile(r"(?<![\w-])(?:bên lề|song phương|sidelines?|bilateral)(?![\w-])")


@dataclass(frozen=True, slots=True)
class Meeting:
    """A meeting event found in one sentence of an article."""

    kind: str  # talks | call | reception | visit | committee
    status: str  # happened | announced | postponed
    sides: tuple[Side, Side]
    words: str  # the trigger as written
    sentence: str
    field: str  # title | text
    where: str | None = None
    when: str | None = None
    background: bool = False  # only recalled, or mentioned with no time of its own

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(sorted({s.country for s in self.sides if s.country}))

    @property
    def bilateral(self) -> bool:
        """Officials of two different states."""
        a, b = self.sides
        if not (a.state and b.state):
            return False
        return a.country != b.country or a.country is None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "status": self.status,
            "sides": [s.as_json() for s in self.sides],
            "words": self.words,
            "field": self.field,
            "where": self.where,
            "when": self.when,
            "background": self.background,
            "bilateral": self.bilateral,
        }

    def explain(self) -> str:
        a, b = (_describe(s) for s in self.sides)
        extra = " (background)" if self.background else ""
        return f"{self.kind}, {self.status}{extra}: {a} – {b}: «{self.words}»"


def _describe(side: Side) -> str:
    who = side.text if len(side.text) <= 60 else side.text[:57] + "…"
    return f"{who} [{side.country or '?'}]"


def extract_meetings(title: str, text: str, *, language: str | None = None) -> list[Meeting]:
    """Every meeting reported in the title and the text, in order."""
    language = language or "vi"
    people = People()
    context = _Context(text)
    found: list[Meeting] = []
    fields = []
    for field, raw in (("text", text), ("title", title)):
        body = nfc(raw)
        lowered = body.lower()
        if len(lowered) != len(body):
            lowered = body  # offsets must line up; such text is rare
        # Cheap first: most articles have no trigger, or only "thăm hỏi", "đến thăm một
        # trường"…; sentences, countries and sides are read only where one may count.
        triggers = [t for t in _find_triggers(lowered) if _may_count(body, lowered, t)]
        fields.append((field, body, lowered, triggers))
    if not any(f[3] for f in fields):
        return []
    people.sources = [f[1] for f in fields]
    for field, body, lowered, triggers in fields:
        by_sentence: dict[tuple[int, int], list[_Trigger]] = {}
        for trigger in triggers:
            by_sentence.setdefault(_sentence_around(body, trigger.start()), []).append(trigger)
        for (start, end), inside in by_sentence.items():
            sentence = body[start:end]
            found.extend(
                _in_sentence(
                    sentence, lowered[start:end], [t.shifted(-start) for t in inside],
                    field, language, people, context, context.recent,
                )
            )  # fmt: skip
    return [m for m in found if m.field == "title"] + [m for m in found if m.field == "text"]


class _Context:
    """What the sentences of one article share: the latest year it names (read on first
    use), and the sides of the last meeting ("hai bên" refers to them)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.recent: list[tuple[Side, Side]] = []
        self._latest: int | None = None

    @property
    def latest(self) -> int:
        if self._latest is None:
            # Years of plans ("by 2027", "đến năm 2030") say nothing of when it was written.
            self._latest = max(
                (
                    int(m.group())
                    for m in _YEAR.finditer(self.text)
                    if not _BY.search(self.text, max(0, m.start() - 12), m.start())
                ),
                default=0,
            )
        return self._latest


def _find_triggers(lowered: str) -> list[_Trigger]:
    return [_Trigger(lowered[a:b], a, b) for a, b in _TRIGGERS_SCAN.find(lowered)]


def _sentence_around(body: str, offset: int) -> tuple[int, int]:
    """The bounds of the sentence holding `offset`, read in its paragraph only."""
    first = body.rfind("\n", 0, offset) + 1
    last = body.find("\n", offset)
    last = len(body) if last < 0 else last
    start, end = sentence_at(sentence_bounds(body[first:last]), offset - first)
    return start + first, end + first


def _may_count(body: str, lowered: str, trigger: _Trigger) -> bool:
    """A trigger that needs an official or a country right after it, and has none, is
    dropped before any sentence is read ("đến thăm một số trường học", "tiếp tục")."""
    word = trigger.text
    if " " in word or "\n" in word:
        word = " ".join(word.split())
    start, end = trigger.begin, trigger.finish
    if word in _ONE_SYLLABLE and _compound(lowered, start, end):
        return False
    if word not in _NEEDS_OBJECT:
        return True
    at = end
    while at < len(body) and body[at] in " \t":
        at += 1
    if body[at : at + 1].isupper() or TITLE.match(lowered, at) is not None:
        return True
    if word.isascii():  # "received the visiting Indonesian Ambassador"
        for token in _TOKENS.finditer(body, at, at + 40):
            if token.group()[0].isupper() or TITLE.match(lowered, token.start()):
                return True
            if token.group() not in _ARTICLES:
                break
    if _TRIGGERS[word] != VISIT:
        return False
    # A visit names its host before the clause ends: "thăm chính thức Lào", "chuyến thăm
    # của … tới Hà Nội"; "đến thăm một số trường học." names none.
    stop = _CLAUSE_END.search(body, at, at + 90)
    return _COUNTRY_START.search(body, at, stop.start() if stop else at + 90) is not None


class _Trigger:
    """A trigger word found, with its offsets (in the field, then in its sentence)."""

    def __init__(self, text: str, begin: int, finish: int) -> None:
        self.text, self.begin, self.finish = text, begin, finish

    def shifted(self, by: int) -> _Trigger:
        return _Trigger(self.text, self.begin + by, self.finish + by)

    def group(self) -> str:
        return self.text

    def start(self) -> int:
        return self.begin

    def end(self) -> int:
        return self.finish


def _in_sentence(
    sentence: str,
    lowered: str,
    triggers: list[_Trigger],
    field: str,
    language: str,
    people: People,
    context: _Context,
    recent: list[tuple[Side, Side]],
) -> list[Meeting]:
    hits = find_countries(sentence)
    mentions = find_mentions(sentence, language=language, people=people, countries=hits)
    found: list[Meeting] = []
    for trigger in triggers:
        word = " ".join(trigger.group().split())
        kind = _TRIGGERS[word]
        sides = _sides(sentence, trigger, mentions, hits, kind, word)
        if (
            sides is None
            and recent
            and _BOTH.search(lowered, max(0, trigger.start() - 40), trigger.start())
        ):
            sides = recent[-1]
        if sides is None:
            continue
        if _summit(lowered, kind, hits):
            continue  # a summit of many: no encounter of two
        nominal = _nominal(lowered, trigger.start(), word)
        status = _status(lowered, trigger.start(), trigger.end(), nominal=nominal)
        when_match = _WHEN.search(lowered)
        years = [int(y) for y in _YEAR.findall(sentence)]
        recalled = _RECALLED.search(
            lowered, max(0, trigger.start() - 40), trigger.start()
        ) is not None or (bool(years) and max(years) < context.latest)
        background = recalled or (nominal and when_match is None and status == HAPPENED)
        where = _WHERE.search(sentence)
        found.append(
            Meeting(
                kind=kind,
                status=status,
                sides=sides,
                words=sentence[trigger.start() : trigger.end()],
                sentence=sentence,
                field=field,
                where=where.group(1).strip() if where else None,
                when=sentence[when_match.start() : when_match.end()] if when_match else None,
                background=background,
            )
        )
        if found[-1].bilateral:
            recent.append(sides)
        if found[-1].bilateral and status == HAPPENED and not background:
            break  # one clear event per sentence is enough
    return found


def _sides(
    sentence: str,
    trigger: _Trigger,
    mentions: list[Mention],
    hits: list[Any],
    kind: str,
    word: str,
) -> tuple[Side, Side] | None:
    before = [m for m in mentions if m.end <= trigger.start()]
    after = [m for m in mentions if m.start >= trigger.end()]
    if word in _NEEDS_OBJECT:
        # The object must follow at once: "tiếp Đại sứ Lào", not "tiếp tục", "đón con".
        gap = sentence[trigger.end() : after[0].start] if after else None
        near = gap is not None and len(gap.split()) <= (1 if word.isascii() is False else 3)
        if not near and kind != VISIT:
            return None
    if kind == VISIT:
        host = _host(sentence, trigger.start(), trigger.end(), hits)
        if host is None:
            return None
        others = [*before[::-1], *after]
        visitor = next(
            (
                m
                for m in others
                if m.side.country != host.country
                and m.side.state
                and (m.side.office or m.side.person)
            ),
            None,
        )
        return (visitor.side, host) if visitor is not None else None
    if before and after:
        return (before[-1].side, after[0].side)
    if len(after) >= 2:
        return (after[0].side, after[1].side)
    if len(before) >= 2 and kind in (TALKS, CALL, COMMITTEE):
        a, b = before[-2], before[-1]
        joint = sentence[a.end : b.start].strip().casefold()
        # "A và B", "A, B", "A đã nói với B trong cuộc điện đàm", "A spoke with B".
        if joint in (",", "cùng", "together with") or joint.endswith(("và", "and", "với", "with")):
            return (a.side, b.side)
    if kind == COMMITTEE:
        pair = [h for h in hits if h.start >= trigger.end()][:2]
        if len(pair) == 2 and pair[0].iso != pair[1].iso:
            return tuple(Side(h.iso, None, None, True, h.text) for h in pair)  # type: ignore[return-value]
    return None


def _host(sentence: str, begin: int, end: int, hits: list[Any]) -> Side | None:
    """The country visited: "thăm (chính thức) Lào", "chuyến công du tới 3 nước châu Á gồm
    Việt Nam…", "visit to Laos": the first country within a few words, before any stop."""
    rest = sentence[end : end + 90]
    if re.match(r"\s*(?:chính thức\s+|cấp nhà nước\s+)?(?:of|của)\s", rest):
        # "the visit of the Lao Prime Minister to Hà Nội": the host follows "to".
        to = re.search(r"\s(?:to|tới|đến|sang)\s", rest)
        if to is None:
            return None
        end, rest = end + to.end(), rest[to.end() :]
    stop = re.search(r"[,;:.(]|\s(?:và|của|with|and|để|nhằm)\s", rest)
    limit = end + (stop.start() if stop else len(rest))
    host = next((h for h in hits if end <= h.start < limit), None)
    if host is None:
        # "arrived in Hà Nội on Monday for a two-day visit", "đến Hà Nội, bắt đầu chuyến thăm"
        host = next(
            (
                h
                for h in reversed(hits)
                if h.end <= begin
                and re.search(
                    r"(?:đến|tới|sang|in|to)\s+$", sentence[max(0, h.start - 8) : h.start]
                )
                and begin - h.end <= 60
            ),
            None,
        )
    return Side(host.iso, None, None, True, host.text) if host is not None else None


def _status(lowered: str, start: int, end: int, *, nominal: bool) -> str:
    """Happened unless the words before the trigger (in its clause) say it is planned or
    off, or — for a meeting named by a noun ("Talks between … were postponed", "Cuộc hội
    đàm … đã bị hoãn") — the rest of the sentence, its predicate, says so."""
    window = lowered[max(0, start - 60) : start]
    clause = re.split(r"[,;:]", window)[-1]
    after = lowered[end:] if nominal else lowered[end : end + 60]
    after = re.split(r"[,;:]", after)[0]  # its own clause: "…, Mỹ sẽ hỗ trợ" is not it
    if _CALLED_OFF.search(after) or (
        _POSTPONED.search(clause[-25:]) and _CALLED_OFF.search(clause[-25:] + after)
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


def _summit(lowered: str, kind: str, hits: list[Any]) -> bool:
    return (
        kind == TALKS
        and _MULTILATERAL.search(lowered) is not None
        and _BILATERAL_HINT.search(lowered) is None
        and len({h.iso for h in hits}) > 2
    )


def _compound(lowered: str, start: int, end: int) -> bool:
    before = lowered[max(0, start - 10) : start].split()
    if before and before[-1] in _COMPOUND_BEFORE:
        return True
    return _COMPOUND_AFTER.match(lowered, end) is not None


def _nominal(lowered: str, start: int, word: str) -> bool:
    """Whether the trigger names the meeting as a noun ("cuộc hội đàm", "the talks")."""
    if word in _NOUNS:
        # "paid a courtesy call on", "held phone talks with": a verb makes it an event.
        before = lowered[max(0, start - 16) : start].split()[-2:]
        return not any(w in _LIGHT_VERBS for w in before)
    if lowered.startswith(("cuộc", "chuyến", "lễ"), start):
        return True
    before = lowered[max(0, start - 12) : start].split()
    return bool(before) and before[-1] in _NOMINAL
