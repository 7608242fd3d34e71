"""Stories across languages: two reports of one meeting share no words when one is in
Vietnamese and one in English, but their meeting events agree — the same two countries, the
same kind of meeting, the same day read from both texts. Meeting events in (as
`Meeting.as_json()` dicts, from the topics' extractor), the story to join and why out."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter
from typing import Any

from feeds.meeting_dates import anchor_day, date_words, meeting_day
from feeds.meeting_status import YEAR
from feeds.meetings import extract_meetings

#: How far apart two reports may date one meeting. Both days are read from the texts and
#: name the meeting's own day (anchored in UTC+7), so they must agree: a day's slack joined
#: two different ministers' talks on consecutive days (tests/fixtures/stories/meetings.toml).
MAX_DAYS = 0


@dataclass(frozen=True, slots=True)
class MeetingKey:
    countries: tuple[str, str]  # ISO 3166 alpha-2, sorted
    kind: str
    day: date
    read: bool = True  # the day was read from the text; else it is the publication day
    #: (country, name) of each side that names its official, the name without its marks
    #: and case ("pham minh chinh"): the same in both languages, where offices are not.
    people: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        return f"{self.kind} {'–'.join(self.countries)} on {self.day.isoformat()}"

    def as_json(self) -> dict[str, Any]:
        day = self.day.isoformat()
        found = {
            "countries": list(self.countries),
            "kind": self.kind,
            "day": day,
            "read": self.read,
        }
        if self.people:
            found["people"] = [list(p) for p in self.people]
        return found

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MeetingKey:
        a, b = data["countries"]
        day = date.fromisoformat(str(data["day"]))
        people = tuple((str(c), str(n)) for c, n in data.get("people", ()))
        # Keys stored before days were read from the text were all publication days.
        read = bool(data.get("read", False))
        return cls((str(a), str(b)), str(data["kind"]), day, read, people)

    def other_people(self, other: MeetingKey) -> bool:
        """Whether the two name different officials of one country: two meetings, whatever
        their key. One name's words within the other's are one person ("Sonexay" and
        "Sonexay Siphandone", "Chinh" and "Pham Minh Chinh"); a word in common is not
        (Vietnamese family and middle names are shared by millions: Phạm Minh Chính and
        Phạm Bình Minh, Nguyễn Xuân Phúc and Nguyễn Phú Trọng)."""
        theirs = dict(other.people)
        for country, name in self.people:
            if country in theirs:
                mine, other_name = set(name.split()), set(theirs[country].split())
                if not (mine <= other_name or other_name <= mine):
                    return True
        return False


def folded_name(name: str) -> str:
    """A person's name as both languages write it: "Phạm Minh Chính" and "Pham Minh Chinh"
    are "pham minh chinh"."""
    decomposed = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return " ".join(
        "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split()
    )


def meeting_events(
    title: str, text: str, language: str | None, published: str | None = None
) -> list[dict[str, Any]]:
    """The meeting events the topics' extractor finds in an article, as JSON dicts, each with
    `date_words`: the first words naming one day in the meeting's sentence. Read from the
    sentence rather than from the extractor's "when", which has no "on January 8" and may
    be one end of a span ("từ ngày 24 - 27/4")."""
    found = []
    for meeting in extract_meetings(title, text, language=language, published=published):
        event = meeting.as_json()
        event["date_words"] = date_words(meeting.sentence)
        # The years that may date the meeting: not "since 2019", "từ năm 1962", "by 2030".
        lowered = meeting.sentence.lower()
        years = [
            int(y.group())
            for y in YEAR.finditer(meeting.sentence)
            if not _NOT_ITS_YEAR.search(lowered, max(0, y.start() - 16), y.start())
        ]
        event["year"] = min(years) if years else None
        found.append(event)
    return found


_NOT_ITS_YEAR = re.compile(
    r"(?:since|from|after|by|until|till|through|kể từ|từ|sau|đến|tới|trước)\s+"
    r"(?:năm\s+|the end of\s+)?$"
)


def meeting_key(meetings: Iterable[Mapping[str, Any]], published: str | None) -> MeetingKey | None:
    """The article's main meeting: the first one that happened (not only recalled in the
    background) between officials of two named countries. Its day is read from the words
    of that meeting, or of the article's other reports of it (a headline has no date, its
    lead has "Chiều 8/1"), anchored on the publication day; else it is the publication day
    itself, marked as not read."""
    events = [m for m in meetings if _happened_between_two(m)]
    if not events:
        return None
    main = events[0]
    a, b = _countries(main)
    countries = (a, b)
    kind = str(main.get("kind"))
    anchor = anchor_day(published)
    for meeting in events:
        if _countries(meeting) != countries or meeting.get("kind") != kind:
            continue
        day = meeting_date(meeting, anchor)
        if day is not None:
            return MeetingKey(countries, kind, day, people=_people(meeting))
    if anchor is None or _earlier_year(main, anchor):
        return None  # a meeting the text dates in an earlier year never has its day
    return MeetingKey(countries, kind, anchor, read=False, people=_people(main))


def _people(meeting: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    named = {
        str(side["country"]): folded_name(str(side["person"]))
        for side in meeting.get("sides", ())
        if side.get("country") and side.get("person")
    }
    return tuple(sorted(named.items()))


def _earlier_year(meeting: Mapping[str, Any], anchor: date) -> bool:
    year = meeting.get("year")
    return isinstance(year, int) and year < anchor.year


def _happened_between_two(meeting: Mapping[str, Any]) -> bool:
    if meeting.get("status") != "happened" or meeting.get("background"):
        return False
    return bool(meeting.get("bilateral")) and len(_countries(meeting)) == 2


def _countries(meeting: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(sorted({s.get("country") for s in meeting.get("sides", ()) if s.get("country")}))


def meeting_date(meeting: Mapping[str, Any], anchor: date | None) -> date | None:
    """The day a meeting's sentence dates it, for a report published on `anchor` (see
    `anchor_day`); None when its words name no day (or need the missing anchor)."""
    return _iso_day(meeting.get("when")) or meeting_day(_words(meeting), anchor)


def _words(meeting: Mapping[str, Any]) -> str | None:
    words = meeting["date_words"] if "date_words" in meeting else meeting.get("when")
    return words if isinstance(words, str) else None


def _iso_day(value: Any) -> date | None:
    """A "when" that is already a date (events written by hand, or by a future extractor)."""
    if not value or not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class MeetingJoin:
    via: str  # the earlier article whose meeting matched (its story is the grouper's)
    why: str


class MeetingIndex:
    """Earlier articles' meeting keys whose day was read from the text (an unread day joins
    nothing), by countries, kind and day, in log order: a look-up reads the few reports of
    its own day, not every meeting of the two countries."""

    def __init__(self) -> None:
        self._by_day: dict[tuple[tuple[str, str], str, date], list[_Seen]] = {}
        self._count = 0

    def find(
        self,
        key: MeetingKey,
        language: str | None,
        story_of: Callable[[str], str] | None = None,
    ) -> MeetingJoin | None:
        """The earliest article in another language reporting the same meeting: same two
        countries, same kind, days read from both texts at most MAX_DAYS apart. A day that
        is only the publication day joins nothing: on the feeds tests' labelled set it
        joined reports of different meetings published within a day (docs/stories.md). In one
        language the text decides: two reports of a state visit's talks, reception and visit
        on one day are different meetings that the key alone cannot tell apart, and copies
        are found by their words. So (given `story_of`, an article's story) an article in
        another language whose story holds a report in this language of a meeting with the
        same key joins nothing either: through it, the key alone would join two reports in
        one language (a reception by one leader and another's, reported in Vietnamese, both
        joined through one English report)."""
        if not language or not key.read:
            return None
        near = self._near(key)
        for seen in near:
            if seen.language == language or key.other_people(seen.key):
                continue
            if story_of is not None:
                story = story_of(seen.article)
                if any(o.language == language and story_of(o.article) == story for o in near):
                    continue
            why = f"same meeting: {key.describe()} / {seen.key.day.isoformat()}"
            return MeetingJoin(seen.article, why)
        return None

    def _near(self, key: MeetingKey) -> list[_Seen]:
        """The reports of days at most MAX_DAYS from `key`'s, in log order."""
        found: list[_Seen] = []
        for offset in range(-MAX_DAYS, MAX_DAYS + 1):
            day = key.day + timedelta(days=offset)
            found.extend(self._by_day.get((key.countries, key.kind, day), ()))
        return sorted(found, key=attrgetter("order")) if MAX_DAYS else found

    def add(self, key: MeetingKey, article: str, language: str | None) -> None:
        if key.read:
            seen = _Seen(self._count, article, language or "", key)
            self._by_day.setdefault((key.countries, key.kind, key.day), []).append(seen)
        self._count += 1


@dataclass(frozen=True, slots=True)
class _Seen:
    order: int
    article: str
    language: str
    key: MeetingKey
